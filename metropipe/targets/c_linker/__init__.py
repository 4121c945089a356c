"""The c-linker target: ``<function>.h`` + ``<function>.c`` + ``Makefile`` building ``lib<function>.so``.

The library exports the function with the plain C ABI (metropipe.targets.cabi) and
nothing else visible. By source language:

- Python: the library embeds CPython and calls the real function.
- Other languages: not available yet; a diagnostic says what to use instead.
"""

from __future__ import annotations

import posixpath

from metropipe.errors import fail
from metropipe.model import Function
from metropipe.render import render
from metropipe.targets import cabi

KEY = "c-linker"
LANGUAGE = "C (shared library)"
EXT = ".h"
UNIFIED = "libmetropipe.h"
SOURCES = ("python",)


def layout_of(mode: str, fn: Function) -> tuple[str, str, str, str, str]:
    """(folder, stem, makefile, library name, make command) for this mode."""
    if mode == "namespace":
        return f"metropipe/{fn.name}", fn.name, "Makefile", fn.name, f"make -C metropipe/{fn.name}"
    if mode == "flat":
        return "metropipe", f"lib{fn.name}", f"lib{fn.name}.mk", fn.name, f"make -f metropipe/lib{fn.name}.mk"
    return ".", "libmetropipe", "libmetropipe.mk", "metropipe", "make -f libmetropipe.mk"


def library_path(mode: str, fn: Function) -> str:
    folder, _, _, lib, _ = layout_of(mode, fn)
    return posixpath.normpath(posixpath.join(folder, f"lib{lib}.so"))


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    for fn in functions:
        if fn.raw:
            raise fail(f"c-linker needs the function's signature: export '{fn.name}' with its source file")
        if fn.language not in SOURCES:
            raise fail(f"c-linker is not available for {fn.language} sources yet; call '{fn.name}' through the "
                       "shared-memory targets instead (for example --target c)", fn.location)
    notes: list[str] = []
    taken: set[str] = set()
    sigs = [cabi.signature(fn, taken, notes) for fn in functions]
    folder, stem, makefile, lib, make_command = layout_of(mode, functions[0])
    sources = sorted({fn.source for fn in functions if fn.source})
    if len(sources) > 1:
        raise fail("c-linker --unify builds one library from one Python source; these come from "
                   f"{', '.join(sources)}: use the namespace mode for the others")
    source = sources[0]
    relative = posixpath.relpath(source, folder)
    guard = f"METROPIPE_LINKER_{cabi.macro(stem)}_H"
    common = dict(header=header, functions=sigs, notes=notes, lib=lib, lib_file=f"lib{lib}.so",
                  header_file=f"{stem}.h", c_file=f"{stem}.c", make_command=make_command, source=source)
    out = {
        posixpath.join(folder, f"{stem}.h"): render(__file__, "lib.h.j2", record=record, guard=guard, **common),
        posixpath.join(folder, f"{stem}.c"): render(__file__, "lib_python.c.j2", relative_source=relative,
                                                    **common),
        posixpath.join(folder, makefile): render(__file__, "Makefile.j2", **common),
    }
    return {posixpath.normpath(k): v for k, v in out.items()}
