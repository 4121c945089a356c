"""c-linker for Rust sources: ``<stem>.h`` + ``<stem>.rs`` (the shim) + ``Makefile`` building ``lib<name>.so``.

For a Rust source the issue's "``.h`` + ``.c`` + ``Makefile``" is ``.h`` + ``.rs`` + ``Makefile``, plus
``lib<name>_cargo/Cargo.toml`` (always written, so that the list of files never depends on the source).
The shim reaches the user's functions the way the Rust provider does (metropipe.targets.rust_provider):

* through the crate, when the function is ``pub`` in a Cargo library crate and every module on the way
  is ``pub``: the shim is the root of that generated package, a ``staticlib`` depending on the crate by
  path (own ``[workspace]``), and calls ``::<crate>::<module>::<fn>``; the Makefile runs ``cargo build
  --offline`` on it (``CARGO``, ``CARGO_FLAGS`` default ``--release``; ``--target-dir`` is the package's
  ``target/``) and turns cargo's dep-info (``target/<profile>/lib<crate>.d``: every file of the local
  crates compiled) into ``lib<name>.so.d``, with an empty rule per file, so that an edit anywhere in the
  crate or its path dependencies rebuilds, and ``make -q`` says up to date when nothing changed (cargo
  is not even run); the crates' Cargo.toml are prerequisites too;
* otherwise the shim is the root of a small crate (standard library only) that brings in the user's file
  (``#[path = "<source>"] mod src0;``, or ``mod src0 { include!("<source>"); ... }`` for a private ``fn``,
  with the exported wrapper written inside that module), compiled by rustc (the Cargo.toml is unused).

Per function the shim defines

* ``#[export_name = "<name>"] pub extern "C" fn``: the plain C ABI of metropipe.targets.cabi. A
  ``const char *`` argument must be NUL-terminated UTF-8 and becomes the function's ``&str`` (or a
  ``String`` copy); bytes become ``&[u8]`` (or a ``Vec<u8>`` copy), NULL with length 0 being empty (which
  of the two is chosen by the parameter's type, through a trait, however it is spelled); a NULL string,
  NULL bytes with a non-zero length, or invalid UTF-8 fail the call. A ``bool`` argument is read as a
  byte (any non-zero value is true). A string result is copied into a ``CString`` and a bytes result
  kept as a ``Vec<u8>``, both in per-thread storage (``thread_local!``) that the library owns until the
  calling thread calls that function again; an empty bytes result is a non-NULL pointer with length
  0. A string result containing a NUL byte is an error (a C string cannot hold it), with the same
  message as for a Python source.
* ``<name>_last_error()``: NULL after a call that succeeded, else the message (per thread and per
  function): ``e.to_string()`` for an ``Err(e)`` of a ``Result<T, E>``, ``panic: <message>`` for a panic
  (caught with ``catch_unwind``: no panic unwinds into C; the process's panic hook still prints it
  to stderr as usual; built with ``RUSTFLAGS=-C panic=abort`` a panic aborts the process instead), or
  what was wrong with an argument. A failed call returns 0/0.0/false/NULL.
* ``#[export_name = "<name>_metropipe_fingerprint"] pub static ... : u64``: the layout fingerprint.

Without a crate, the Makefile compiles the shim with ``rustc --crate-type staticlib`` (``RUSTC``, ``RUSTFLAGS``).
In both cases it links the archive into the shared library with ``$(CC)`` and a linker version script
(a staticlib, not a cdylib, in both cases too): rustc
exports every ``#[no_mangle]``/``#[export_name]`` item of the crate from a cdylib, and its own version
script cannot be narrowed by a second one, so a source that has ``#[no_mangle]`` functions of its
own would leak them. Without a crate, rustc's dependency list (``--emit dep-info``) is kept as
``lib<name>.so.d``, so touching the source or a module file it pulls in rebuilds, and nothing else does.

``--unify`` builds one library from functions of one or several Rust sources (one module each) and crates.
A function whose signature changed since the export no longer compiles (the calls are typed):
export again.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import cabi, rust_provider
from metropipe.targets import rust as rust_client

RUST = {
    WireType.INT32: "i32",
    WireType.INT64: "i64",
    WireType.FLOAT: "f32",
    WireType.DOUBLE: "f64",
    WireType.BOOL: "bool",
    WireType.STRING: "*const ::std::os::raw::c_char",
    WireType.BYTES: "*const u8",
}
ZERO = {WireType.INT32: "0", WireType.INT64: "0", WireType.FLOAT: "0.0", WireType.DOUBLE: "0.0",
        WireType.BOOL: "false", WireType.VOID: "()"}


@dataclass(frozen=True)
class _Arg:
    var: str  # the extern fn's parameter (a0, a1...; bytes add a0_len)
    name: str  # the parameter's name in the source (for messages)
    type: str  # wire type


@dataclass(frozen=True)
class _Call:
    index: int
    fn: Function
    sig: cabi.CSignature
    source: str  # the source file, as the user named it
    path: str  # how the wrapper calls the function (from where the wrapper is)
    unsafe: bool
    fallible: bool
    args: tuple[_Arg, ...]
    params: tuple[str, ...]  # the extern fn's parameters, Rust syntax
    call_args: str
    result: str  # wire type or "void"
    ret: str  # the extern fn's Rust return type ("" for none)
    zero: str


@dataclass(frozen=True)
class _Source:
    module: str
    path: str  # relative to the shim, as a Rust string literal's inside
    include: bool
    calls: tuple[_Call, ...]


def files(functions: list[Function], mode: str, header: str, record: str | None, sigs: list[cabi.CSignature],
          notes: list[str]) -> dict[str, str]:
    from metropipe.targets.c_linker import layout_of

    folder, stem, makefile, lib, make_command = layout_of(mode, functions[0])
    here = posixpath.normpath(folder)
    crates, rel_sources, modules, include = rust_provider.sources_of(functions, here, "c-linker", "the library")
    calls = []
    for i, (fn, sig) in enumerate(zip(functions, sigs, strict=True)):
        if rust_provider.crate_of(fn) is not None:
            calls.append(_call(fn, sig, i, "", False, rust_provider.crate_path(fn)))
            continue
        rel = posixpath.relpath(fn.source or "", here)
        calls.append(_call(fn, sig, i, modules[rel], include[rel]))
    sources = [_Source(modules[rel], rust_provider._literal(rel, functions[0]), include[rel],
                       tuple(c for c in calls if rust_provider.crate_of(c.fn) is None
                             and posixpath.relpath(c.fn.source or "", here) == rel))
               for rel in rel_sources]
    shim_file = f"{stem}.rs"
    exports = [name for s in sigs for name in (s.name, f"{s.name}_last_error", f"{s.name}_metropipe_fingerprint")]
    source = ", ".join(sorted({fn.source or "" for fn in functions}))
    guard = f"METROPIPE_LINKER_{cabi.macro(stem)}_H"
    crate_name = "metropipe_" + re.sub(r"[^A-Za-z0-9_]", "_", lib)
    package = package_dir(folder, lib)
    notes = [*notes, *(rust_provider.approach(fn, "c-linker", "the library") for fn in functions)]
    common = dict(header=header, functions=sigs, notes=notes, lib=lib, lib_file=f"lib{lib}.so",
                  header_file=f"{stem}.h", c_file=f"{stem}.c", shim_file=shim_file, make_command=make_command,
                  source=source, crates=list(crates.values()))
    rel_package = posixpath.relpath(package, here)
    out = {
        posixpath.join(folder, f"{stem}.h"): render(__file__, "lib.h.j2", record=record, guard=guard,
                                                    language="rust", **common),
        posixpath.join(folder, shim_file): render(__file__, "lib_rust.rs.j2", calls=calls, sources=sources,
                                                  crate_calls=[c for c in calls if rust_provider.crate_of(c.fn)],
                                                  **{**common, "header": rust_client.comment_text(header)}),
        posixpath.join(folder, makefile): render(
            __file__, "Makefile_rust.j2", make_sources=rel_sources, exports=exports,
            edition=rust_provider.EDITION, crate=crate_name, package=rel_package,
            manifests=[posixpath.relpath(posixpath.join(c.root, "Cargo.toml"), here) for c in crates.values()],
            **common),
        posixpath.join(package, "Cargo.toml"): render(
            __file__, "lib_rust_Cargo.toml.j2", crate=crate_name, shim=posixpath.relpath(
                posixpath.join(folder, shim_file), package), edition=rust_provider.EDITION,
            deps={c.name: rust_provider._literal(posixpath.relpath(c.root, package), functions[0])
                  for c in crates.values()}, **common),
    }
    return {posixpath.normpath(k): v for k, v in out.items()}


def package_dir(folder: str, lib: str) -> str:
    """The shim's generated Cargo package (written in every case; the Makefile builds it when a function is
    called through its crate)."""
    return posixpath.normpath(posixpath.join(folder, f"lib{lib}_cargo"))


def _call(fn: Function, sig: cabi.CSignature, index: int, module: str, include: bool, by_crate: str = "") -> _Call:
    """How the wrapper converts the C arguments and calls the function (the provider's path)."""
    h = rust_provider._handler(fn, index, module, include, fn.source or "", by_crate)
    args, params, call = [], [], []
    for i, p in enumerate(fn.params):
        var = f"a{i}"
        args.append(_Arg(var, p.name, p.type.value))
        if p.type is WireType.BOOL:
            # C's bool is one byte; reading it as u8 makes a stray non-0/1 value true instead of undefined
            params.append(f"{var}: u8")
            call.append(f"{var} != 0")
        elif p.type is WireType.BYTES:
            params += [f"{var}: {RUST[p.type]}", f"{var}_len: usize"]
            call.append(f"crate::__metropipe::FromArg::from_arg({var})")
        else:
            params.append(f"{var}: {RUST[p.type]}")
            call.append(f"crate::__metropipe::FromArg::from_arg({var})" if p.type is WireType.STRING else var)
    if fn.result is WireType.BYTES:
        params.append("result_len: *mut usize")
    ret = RUST.get(fn.result, "")  # "" for no result
    return _Call(index=index, fn=fn, sig=sig, source=fn.source or "", path=h.path, unsafe=h.unsafe,
                 fallible=h.fallible, args=tuple(args), params=tuple(params), call_args=", ".join(call),
                 result=fn.result.value, ret=ret, zero=ZERO.get(fn.result, ""))
