"""The c-linker target: ``<function>.h`` + ``<function>.c`` + ``Makefile`` building ``lib<function>.so``.

The library exports the function with the plain C ABI (metropipe.targets.cabi) and
nothing else visible. By source language:

- Python: the library embeds CPython and calls the real function.
- C (``.c``, ``.h``): the real function is compiled into the library (``<function>.c`` #includes the
  source, a header's implementation comes from the Makefile's ``SOURCES``); the exported wrapper
  turns the source's conventions (docs/types.md) into this ABI. A linker version script exports
  only the declared symbols.
- Rust: ``<function>.rs``, a Rust shim, takes the place of the ``.c``; rustc builds it as a static
  library that the Makefile links with a version script (metropipe.targets.c_linker.rust_source).
- Go: ``go build -buildmode=c-shared`` of a generated cgo module that compiles the user's file in
  place (like the Go provider) and the ``.c``, which keeps the per-thread state and calls the Go
  side; a version script hides the Go runtime's symbols (metropipe.targets.c_linker.go_source).
- Other languages: not available yet; a diagnostic says what to use instead.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import cabi

KEY = "c-linker"
LANGUAGE = "C (shared library)"
EXT = ".h"
UNIFIED = "libmetropipe.h"
SOURCES = ("python", "c", "rust", "go")


def layout_of(mode: str, fn: Function) -> tuple[str, str, str, str, str]:
    """(folder, stem, makefile, library name, make command) for this mode."""
    if mode == "namespace":
        return f"metropipe/{fn.name}", fn.name, "Makefile", fn.name, f"make -C metropipe/{fn.name}"
    if mode == "flat":
        return "metropipe", f"lib{fn.name}", f"lib{fn.name}.mk", fn.name, f"make -f metropipe/lib{fn.name}.mk"
    return ".", "libmetropipe", "libmetropipe.mk", "metropipe", "make -f libmetropipe.mk"


def notes(fn: Function) -> tuple[str, ...]:
    """For a Rust source, one line: whether the library is built through the function's crate, and why."""
    if fn.language != "rust" or fn.raw:
        return ()
    from metropipe.targets import rust_provider

    return (rust_provider.approach(fn, "c-linker", "the library"),)


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
    if functions[0].language == "c":
        return _files_c(functions, mode, header, record, sigs, notes)
    if functions[0].language in ("rust", "go"):
        if any(fn.language != functions[0].language for fn in functions):
            raise fail("c-linker --unify builds one library from sources of one language: use the namespace mode "
                       "for the others")
        from importlib import import_module

        shim = import_module(f"metropipe.targets.c_linker.{functions[0].language}_source")
        shimmed: dict[str, str] = shim.files(functions, mode, header, record, sigs, notes)
        return shimmed
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
        posixpath.join(folder, f"{stem}.h"): render(__file__, "lib.h.j2", record=record, guard=guard,
                                                    language="python", **common),
        posixpath.join(folder, f"{stem}.c"): render(__file__, "lib_python.c.j2", relative_source=relative,
                                                    **common),
        posixpath.join(folder, makefile): render(__file__, "Makefile.j2", **common),
    }
    return {posixpath.normpath(k): v for k, v in out.items()}


def _files_c(functions: list[Function], mode: str, header: str, record: str | None, sigs: list[cabi.CSignature],
             notes: list[str]) -> dict[str, str]:
    """A C source: the real function compiled into the library, wrapped in the plain C ABI."""
    from metropipe import layout
    from metropipe.targets import c_provider

    if any(fn.language != "c" for fn in functions):
        raise fail("c-linker --unify builds one library from sources of one language: use the namespace mode for "
                   "the others")
    folder, stem, makefile, lib, make_command = layout_of(mode, functions[0])
    here = folder
    c_sources = c_provider._sources(functions, here)
    included = {s.shown for s in c_sources if not s.header}
    implementations = [s.make_path[: -len(".h")] + ".c" for s in c_sources
                       if s.header and s.shown.endswith(".h") and s.shown[: -len(".h")] + ".c" not in included]
    linked = {s.shown[: -len(".h")] for s in c_sources if s.header and s.shown[: -len(".h")] + ".c" in included}
    declared_only = [f.name for f in functions if f.native.get("declared") == "declaration"
                     and not ((f.source or "").endswith(".h") and (f.source or "")[: -len(".h")] in linked)]
    calls = [_c_call(fn, sig) for fn, sig in zip(functions, sigs, strict=True)]
    exports = "; ".join(f"{s.name}; {s.name}_last_error; {s.name}_metropipe_fingerprint" for s in sigs)
    source = ", ".join(s.shown for s in c_sources)
    guard = f"METROPIPE_LINKER_{cabi.macro(stem)}_H"
    common = dict(header=header, functions=sigs, notes=notes, lib=lib, lib_file=f"lib{lib}.so",
                  header_file=f"{stem}.h", c_file=f"{stem}.c", make_command=make_command, source=source)
    out = {
        posixpath.join(folder, f"{stem}.h"): render(__file__, "lib.h.j2", record=record, guard=guard, language="c",
                                                    **common),
        posixpath.join(folder, f"{stem}.c"): render(__file__, "lib_c.c.j2", calls=calls, c_sources=c_sources,
                                                    max_bytes=layout.BYTES_MAX, **common),
        posixpath.join(folder, makefile): render(
            __file__, "Makefile_c.j2", c_sources=c_sources, implementations=implementations,
            declared_only=declared_only, default_sources=" ".join(f"$(wildcard {i})" for i in implementations),
            renames=" ".join(f"-D{fn.name}=metropipe_impl_{fn.name}" for fn in functions), exports=exports,
            **common),
    }
    return {posixpath.normpath(k): v for k, v in out.items()}


@dataclass(frozen=True)
class _CArg:
    name: str  # the wrapper's parameter
    len_name: str
    type: str
    copy: bool  # a `char *` parameter: the function gets its own copy


@dataclass(frozen=True)
class _CCall:
    fn: Function
    sig: cabi.CSignature
    args: tuple[_CArg, ...]
    call_args: str
    result: str
    result_ctype: str
    result_free: bool
    error: str
    error_free: bool
    check: str
    check_message: str


def _c_call(fn: Function, sig: cabi.CSignature) -> _CCall:
    """How the wrapper calls the real function: the native conventions of metropipe.parse.c."""
    from metropipe.targets import c_provider

    model = c_provider._function(fn)
    args, call = [], []
    for i, (p, a) in enumerate(zip(fn.params, sig.args, strict=True)):
        native_type = p.native.get("type", "")
        copy = p.type is WireType.STRING and not p.native.get("length") and native_type.replace(" ", "") == "char*"
        args.append(_CArg(a.name, a.len_name, p.type.value, copy))
        if p.type is WireType.BYTES:
            call += [f"({native_type}){a.name}" if native_type else a.name, a.len_name]
        elif p.type is WireType.STRING and p.native.get("length"):
            call += [a.name, f"strlen({a.name})"]
        elif copy:
            call.append(f"mp_copy_{i}")
        else:
            call.append(a.name)
    if fn.result is WireType.BYTES:
        call += ["(void *)mp_out", "&mp_n"]
    if model.error:
        call.append("&mp_err")
    impl = f"metropipe_impl_{fn.name}"
    return _CCall(fn=fn, sig=sig, args=tuple(args), call_args=", ".join(call), result=model.result,
                  result_ctype=model.result_ctype, result_free=model.result_free, error=model.error,
                  error_free=model.error_free, check_message=model.check_message,
                  check=model.check.replace(f"__typeof__({fn.name})", f"__typeof__({impl})"))
