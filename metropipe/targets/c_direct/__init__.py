"""The c-direct target: ``registry.h``, a table of typed function pointers (same process)."""

from __future__ import annotations

import posixpath

from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import cabi, stub_path

KEY = "c-direct"
LANGUAGE = "C (function-pointer registry)"
EXT = ".h"
UNIFIED = "metropipe_registry.h"
EXAMPLE = {WireType.INT32: "1", WireType.INT64: "1", WireType.FLOAT: "1.0f", WireType.DOUBLE: "1.0",
           WireType.BOOL: "true", WireType.STRING: '"text"', WireType.BYTES: 'data, data_len'}


def path(mode: str, fn: Function) -> str:
    if mode == "namespace":
        return f"metropipe/{fn.name}/registry.h"
    return stub_path(mode, fn.name, "registry", EXT, UNIFIED)


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    for fn in functions:
        if fn.raw:
            raise fail(f"c-direct needs the function's signature: export '{fn.name}' with its source file")
    notes: list[str] = []
    taken: set[str] = set()
    sigs = [cabi.signature(fn, taken, notes) for fn in functions]
    out = path(mode, functions[0])
    first = sigs[0]
    example = ", ".join([EXAMPLE[a.type] for a in first.args] + (["&len"] if first.result_len else []))
    guard = "METROPIPE_REGISTRY_H" if mode == "unify" else f"METROPIPE_REGISTRY_{cabi.macro(functions[0].name)}_H"
    text = render(__file__, "registry.h.j2", header=header, record=record, functions=sigs, notes=notes,
                  guard=guard, include_name=posixpath.basename(out), example=example)
    return {out: text}
