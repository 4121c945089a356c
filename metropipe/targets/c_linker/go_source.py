"""c-linker for Go sources: the real Go function built into ``lib<function>.so`` by ``go build -buildmode=c-shared``.

Files (namespace mode; ``--flat``: ``metropipe/lib<fn>.{h,c,mk}`` + ``metropipe/lib<fn>_go/``;
``--unify``: ``libmetropipe.{h,c,mk}`` + ``libmetropipe_go/``)::

    metropipe/<fn>/<fn>.h                           the public C header (lib.h.j2, shared with the other sources)
    metropipe/<fn>/<fn>.c                           the C ABI: per-thread last error and result buffers, calls
                                                    the Go side's internal exports
    metropipe/<fn>/Makefile                         make -C metropipe/<fn>  ->  libfn.so
    metropipe/<fn>/<fn>_go/go.mod                   module metropipe.local/clinker (hidden in a module's build)
    metropipe/<fn>/<fn>_go/main.go                  package main, import "C": //export metropipe_go_<fn>
    metropipe/<fn>/<fn>_go/overlay.json             adds <fn>.c, <fn>.h and the wrappers (outside a module,
                                                    the user's file) to the build
    metropipe/<fn>/<fn>_go/user0/metropipe_export.go   the Go provider's exported wrappers (export.go.j2)

How the Go function is reached is the Go provider's (metropipe.targets.go_provider): a generated
file of the function's package wraps each function (so unexported functions work and Go's
``int``/``rune``/``[]uint8`` are converted), added to the build by ``go build -overlay``. In a Go
module (a go.mod above the source), ``go build`` runs in ``<fn>_go/`` with its go.mod hidden by the
overlay, so that folder is a package of the user's module (cgo needs the main package's folder
to exist, so it cannot be a folder of the overlay alone, as the provider's is): the user's
whole package, its imports and the module's dependencies are compiled as ``go build`` would
(GOWORK is not turned off there). The output folder must therefore lie inside the module (a
diagnostic otherwise). The Makefile depends on the files ``go list -deps`` lists (and the
package folder's ``*.go``, go.mod and go.sum), so an edit anywhere in them rebuilds. Outside a
module, the overlay puts the user's file into the package ``user0`` of the generated module:
it must be self-contained.

The split between C and Go: Go has no per-thread storage, and a Go function called from C may
not hand Go memory back. So the public symbols are C (``<fn>.c``, compiled into the cgo package
through the overlay): they check the arguments, call ``metropipe_go_<fn>`` (an ``//export`` of
main.go taking plain C types, returning 1 on success and the value through an out-parameter),
and keep the per-thread state. The Go side copies a string or bytes result, and an error
message, into that thread's C buffers by calling back ``metropipe_go_keep`` /
``metropipe_go_fail`` (a Go function called from C runs on the caller's thread). Arguments
are copied into Go memory (``C.GoString``; bytes into a fresh slice) so the function may keep
or modify them. A last ``error`` result that is non-nil fails the call with ``err.Error()``;
a panic is recovered and fails it with ``panic: <value>`` (the host keeps running; only fatal
runtime errors, ``os.Exit`` and the like end the process). Strings are passed as bytes, not
checked for UTF-8 either way (a Go string may hold any bytes); a string result containing NUL
fails the call, as a C string cannot hold it.

Only the header's symbols are exported: the Go runtime's own dynamic symbols (``_cgo_*``,
``crosscall2``...) and the internal exports are hidden with a linker version script
(``-ldflags=-extldflags=-Wl,--version-script=...``). One Go runtime per library: a process that
needs several Go functions should load one library holding them all (``--unify``).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, replace

from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import cabi, go_provider
from metropipe.targets import go as go_client

MODULE = "metropipe.local/clinker"
MAIN_DIR = "."

C_GO = {  # the C type of a scalar as cgo spells it in main.go
    WireType.INT32: "C.int32_t",
    WireType.INT64: "C.int64_t",
    WireType.FLOAT: "C.float",
    WireType.DOUBLE: "C.double",
    WireType.BOOL: "C.bool",
}


@dataclass(frozen=True)
class GoArg:
    c: cabi.CArg  # the public parameter (and its length, for bytes)
    var: str  # main.go's parameter
    convert: str  # main.go: the wrapper's argument


@dataclass(frozen=True)
class GoCall:
    sig: cabi.CSignature
    handler: go_provider.Handler
    index: int
    args: tuple[GoArg, ...]
    go_params: str  # main.go: the internal export's parameters
    c_params: str  # <stem>.c: its prototype's parameters
    c_call: str  # <stem>.c: the call's arguments
    result_go: str  # main.go: the C type of a scalar result's out-parameter, else ""


def files(functions: list[Function], mode: str, header: str, record: str | None, sigs: list[cabi.CSignature],
          notes: list[str]) -> dict[str, str]:
    from metropipe.targets.c_linker import layout_of

    for fn in functions:
        _check(fn)
    folder, stem, makefile, lib, make_command = layout_of(mode, functions[0])
    go_dir = f"{stem}_go"
    here = posixpath.normpath(posixpath.join(folder, go_dir))
    plan = go_provider.make_plan(functions, here, MAIN_DIR, MODULE)
    module = plan.module
    if module is not None:
        if any(part != ".." for part in module.root.split("/")) and module.root != ".":
            raise fail(f"c-linker: '{functions[0].name}' is in the Go module {module.path} ({module.root}/go.mod), "
                       "and the library's Go side is built inside that module, in its output folder: write the "
                       "output inside the module (export from its folder)", functions[0].location)
        # go runs in <stem>_go/, which the overlay makes a folder of the module (cgo needs a real folder)
        plan = replace(plan, mains=())
    sources, handlers = plan.sources, plan.handlers
    calls = [_call(sig, h, i) for i, (sig, h) in enumerate(zip(sigs, handlers, strict=True))]
    exports = "; ".join(f"{s.name}; {s.name}_last_error; {s.name}_metropipe_fingerprint" for s in sigs)
    user_sources = sorted({posixpath.relpath(fn.source or "", folder) for fn in functions})
    shown = ", ".join(sorted({fn.source or "" for fn in functions}))
    guard = f"METROPIPE_LINKER_{cabi.macro(stem)}_H"
    go_header = go_client.comment_text(header)
    common = dict(header=header, functions=sigs, notes=notes, lib=lib, lib_file=f"lib{lib}.so",
                  header_file=f"{stem}.h", c_file=f"{stem}.c", make_command=make_command, source=shown)
    overlay = plan.overlay(here, {"main.go": posixpath.join(here, "main.go"),
                                  f"{stem}.c": posixpath.join(folder, f"{stem}.c"),
                                  f"{stem}.h": posixpath.join(folder, f"{stem}.h")}, in_place=True)
    why = ("standard library only" if module is None else
           f"only keeps this folder out of the module {module.path}, inside which main.go is built")
    out = {
        posixpath.join(folder, f"{stem}.h"): render(__file__, "lib.h.j2", record=record,
                                                    guard=guard, language="go", **common),
        posixpath.join(folder, f"{stem}.c"): render(__file__, "lib_go.c.j2", calls=calls,
                                                    go_dir=go_dir, **common),
        posixpath.join(folder, makefile): render(
            __file__, "Makefile_go.j2", go_dir=go_dir, exports=exports, user_sources=user_sources,
            packages=[f"{s.folder}/metropipe_export.go" for s in sources], plan=plan,
            module_root=posixpath.relpath(module.root, folder) if module else "",
            package_dirs=sorted({s.path for s in sources}) if module else [], **common),
        posixpath.join(here, "go.mod"): f"// {go_header}\n// {why}\n\nmodule {MODULE}\n\ngo {go_provider.GO_VERSION}\n",
        posixpath.join(here, "overlay.json"): json.dumps({"Replace": overlay}, indent=2, sort_keys=True) + "\n",
        posixpath.join(here, "main.go"): render(
            __file__, "lib_go.go.j2", header=go_header, calls=calls, plan=plan,
            c_file=f"{stem}.c", lib_file=f"lib{lib}.so", make_command=make_command,
            strings=any(h.result == "string" for h in handlers)),
    }
    for s in sources:
        out[posixpath.join(here, s.folder, "metropipe_export.go")] = render(
            go_provider.__file__, "export.go.j2", header=go_header, source=s)
    return {posixpath.normpath(k): v for k, v in out.items()}


def _check(fn: Function) -> None:
    if not fn.source:
        raise fail(f"c-linker needs the function's signature: export '{fn.name}' with its source file")
    package = fn.native.get("package", "")
    if not go_provider.IDENT.match(package) or package == "main":
        raise fail(f"c-linker: '{fn.name}' is in package '{package}'; the library imports the function's package, "
                   "and a main package cannot be imported: move it to a package of its own", fn.location)
    go_provider._check(fn)


def _call(sig: cabi.CSignature, h: go_provider.Handler, index: int) -> GoCall:
    args, go_params, c_params, c_call = [], [], [], []
    for i, (a, ha) in enumerate(zip(sig.args, h.args, strict=True)):
        var = f"arg{i}"
        if a.type is WireType.STRING:
            go_params.append(f"{var} *C.char")
            c_params.append(f"const char *{var}")
            c_call.append(a.name)
            convert = f"C.GoString({var})"
        elif a.type is WireType.BYTES:
            go_params.append(f"{var} *C.uint8_t, {var}Len C.size_t")
            c_params.append(f"const uint8_t *{var}, size_t {var}Len")
            c_call += [a.name, a.len_name]
            convert = f"mpBytes({var}, {var}Len)"
        else:
            go_params.append(f"{var} {C_GO[a.type]}")
            c_params.append(f"{cabi.SCALAR[a.type]} {var}")
            c_call.append(a.name)
            convert = f"{ha.go}({var})"
        args.append(GoArg(a, var, convert))
    result_go = C_GO.get(sig.result, "")
    if result_go:
        go_params.append(f"mpResult *{result_go}")
        c_params.append(f"{cabi.SCALAR[sig.result]} *mp_result")
        c_call.append("&mp_result")
    return GoCall(sig=sig, handler=h, index=index, args=tuple(args), go_params=", ".join(go_params),
                  c_params=", ".join(c_params) or "void", c_call=", ".join(c_call), result_go=result_go)
