"""The Python provider: ``provider.py`` imports the user's real function and serves its channel."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from metropipe import layout
from metropipe.model import Function
from metropipe.render import render
from metropipe.targets import stub_path
from metropipe.targets.pyshared import PyFunction, import_block, prepare, runtime_source

EXT = ".py"
UNIFIED = "metropipe_provider.py"


@dataclass(frozen=True)
class ProviderFunction(PyFunction):
    relative_source: str = ""


def path(mode: str, fn: Function) -> str:
    return stub_path(mode, fn.name, "provider", EXT, UNIFIED)


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    out = path(mode, functions[0])
    here = posixpath.dirname(out) or "."
    prepared = []
    for fn in functions:
        p = prepare(fn)
        rel = posixpath.relpath(fn.source, here) if fn.source else ""
        prepared.append(ProviderFunction(**{k: getattr(p, k) for k in p.__dataclass_fields__}, relative_source=rel))
    text = render(
        __file__,
        "provider.py.j2",
        header=header,
        record=record,
        functions=prepared,
        raw=functions[0].raw,
        sources=sorted({p.relative_source for p in prepared}),
        self_name=posixpath.basename(out),
        runtime=runtime_source(),
        imports=import_block("signal", "threading", *(() if functions[0].raw else ("math", "struct"))),
        header_size=layout.HEADER_SIZE,
        max_string=layout.STRING_MAX,
        max_bytes=layout.BYTES_MAX,
    )
    return {out: text}


def start_command(fn: Function, mode: str, out: str) -> str:
    rel = path(mode, fn)
    full = rel if out in ("", ".") else posixpath.join(out, rel)
    return f"python3 {full}"
