"""c-linker for Rust sources (not written yet)."""

from __future__ import annotations

from metropipe.errors import fail
from metropipe.model import Function
from metropipe.targets import cabi


def files(functions: list[Function], mode: str, header: str, record: str | None, sigs: list[cabi.CSignature],
          notes: list[str]) -> dict[str, str]:
    fn = functions[0]
    raise fail(f"c-linker is not available for {fn.language} sources yet; call '{fn.name}' through the "
               "shared-memory targets instead (for example --target c)", fn.location)
