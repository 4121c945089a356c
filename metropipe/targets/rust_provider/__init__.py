"""The Rust provider: ``provider.rs`` calls the user's real Rust function and serves its channel.

Files (namespace mode; flat mode uses ``metropipe/<fn>_provider.rs`` and
``metropipe/<fn>_provider_cargo/``, unify ``metropipe_provider.rs`` and ``metropipe_provider_cargo/``)::

    metropipe/<fn>/provider.rs                    the binary's root: the client target's runtime
                                                  (metropipe/targets/rust/templates/runtime.rs.j2, rendered)
                                                  with the provider's side of the protocol added as its child
                                                  module ``rt::serve`` (spec/wire.md 6.3), and one handler per
                                                  function that decodes the request, calls the function and
                                                  encodes its result
    metropipe/<fn>/provider_cargo/Cargo.toml      its Cargo package (always written, so that the list of
                                                  files never depends on the source: ``metropipe outputs``)

What is compiled depends on what the parser recorded (``Function.native``, metropipe.parse.rust):

* Through the crate: the source is a module of a Cargo package's library (a ``Cargo.toml`` above
  it with ``[lib]`` or ``src/lib.rs``; ``src/a/b.rs`` or ``src/a/b/mod.rs`` is the module ``a::b``)
  and another crate can call the function by its path (the fn and every ``mod`` on the way,
  declared in the parent files and inline, are ``pub``; a free fn). Cargo.toml then depends on
  the crate by path (``<crate> = { package = ..., path = ... }``) and has a ``[workspace]`` table of
  its own (a workspace above the folder does not claim it; the user's manifests are never
  touched), and the handler calls ``::<crate>::a::b::<fn>``: the whole crate is compiled, with its
  ``crate::``/``super::`` paths, private modules and dependencies, by ``cargo build --offline``
  (nothing is downloaded; versions resolve in the package's own Cargo.lock, default features).
  ``--target-dir`` is explicit so that CARGO_TARGET_DIR cannot move the binary the command runs.
  In unify mode one package depends on every crate involved (two crates of one name: a
  diagnostic), and may also hold files compiled the other way.
* The file alone, otherwise (a private or ``pub(crate)`` fn or module, an associated fn, a
  binary-only crate, a file in no package): ``provider.rs`` is built with a plain ``rustc`` and
  brings the user's file in as a module, so the file must be self-contained (standard library
  only; Cargo.toml is then not needed, though ``cargo build`` with it works too):

  - a function the crate root can see (``pub``, ``pub(crate)``, ``pub(super)``... at the top of
    the file, or in an inline ``mod``) is called through ``#[path = "<source>"] mod src0;``, so
    the file may have inner attributes (``#![allow(...)]``), ``//!`` docs and ``mod x;``
    declarations of its own;
  - a private top-level ``fn`` (no ``pub``) is only visible inside its own module, so the file is
    included into one (``mod src0 { include!("<source>"); ... }``) and the handler is written
    inside it; ``include!`` refuses inner attributes and ``//!`` comments, which rustc then
    reports: make the function ``pub(crate)`` to use the first form;
  - a private ``fn`` inside an inline ``mod`` cannot be called from outside that module at all:
    ``export`` says so (make it ``pub(crate)``).

``export`` prints a one-line note (:func:`approach`) saying which way is used and why.

Errors: ``Result<T, E>`` (native ``errors: rust-result``) answers ``Err(e)`` as APPLICATION
with ``e``'s ``Display`` text; a panic is caught and answered as APPLICATION ``panic: <message>``
(the provider keeps serving). A signature that changed since the export makes the provider
fail to compile (its arguments and result are typed): export again.

Build and start (one line, printed by ``export``)::

    cargo build --offline --release --manifest-path metropipe/add/provider_cargo/Cargo.toml \\
        --target-dir metropipe/add/provider_cargo/target && metropipe/add/provider_cargo/target/release/provider
    rustc --edition 2021 -O metropipe/add/provider.rs -o metropipe/add/provider && metropipe/add/provider
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import rust as rust_client
from metropipe.targets import stub_path

EXT = ".rs"
UNIFIED = "metropipe_provider.rs"
EDITION = "2021"
CARGO_SUFFIX = "_cargo"  # provider.rs's generated Cargo package: metropipe/<fn>/provider_cargo/Cargo.toml

IDENT = re.compile(r"(r#)?[A-Za-z_][A-Za-z0-9_]*\Z")
PATH = re.compile(r"(r#)?[A-Za-z_][A-Za-z0-9_]*(::(r#)?[A-Za-z_][A-Za-z0-9_]*)*\Z")
# visibilities the crate root can see from a module of its own ("" and pub(self) cannot)
PRIVATE = ("", "pub(self)", "pub(in self)")

SCALARS = {
    WireType.INT32: ("i32", "i32", 4),
    WireType.INT64: ("i64", "i64", 8),
    WireType.FLOAT: ("f32", "f32", 4),
    WireType.DOUBLE: ("f64", "f64", 8),
}


@dataclass(frozen=True)
class Arg:
    var: str  # the local holding the decoded value
    name: str  # the parameter's name in the source (for messages)
    type: str  # wire type
    offset: int  # payload-relative
    rust: str  # i32, String, Vec<u8>...
    pass_as: str  # the expression passed to the function


@dataclass(frozen=True)
class Handler:
    name: str
    handler: str  # the handler fn's name
    module: str  # the source module it lives in (include mode), "" at the crate root
    path: str  # how the handler calls the function
    unsafe: bool
    fallible: bool  # Result<T, E>
    args: tuple[Arg, ...]
    result: str  # wire type or "void"
    result_rust: str  # i32... for scalars
    result_size: int
    signature: str
    fingerprint: str
    capacity: int
    channel: str
    channel_static: str
    source: str  # the source file, relative to the provider


@dataclass(frozen=True)
class Crate:
    """A library crate the provider depends on (the function is called by its path in the crate)."""

    name: str  # the crate name the code uses (the library's name)
    package: str  # the package's name (Cargo.toml [package] name)
    root: str  # the package's folder, relative to the output root


@dataclass(frozen=True)
class Source:
    module: str
    path: str  # relative to the provider file
    include: bool
    handlers: tuple[Handler, ...]


def path(mode: str, fn: Function) -> str:
    return stub_path(mode, fn.name, "provider", EXT, UNIFIED)


def package_dir(mode: str, fn: Function) -> str:
    """The generated Cargo package's folder (its Cargo.toml is written in every case: see the docstring)."""
    return _binary(path(mode, fn)) + CARGO_SUFFIX


def crate_of(fn: Function) -> Crate | None:
    """The library crate ``fn`` is called through, or None when its file is compiled into the provider."""
    native = fn.native
    if not native.get("crate") or native.get("crate_private", "?"):
        return None
    root = posixpath.normpath(posixpath.join(posixpath.dirname(fn.source or ""), native.get("crate_root", ".")))
    return Crate(native["crate"], native.get("crate_package") or native["crate"], root)


def crate_path(fn: Function) -> str:
    """``::<crate>::<file's module>::<inline module>::<fn>``: how another crate names ``fn``."""
    native = fn.native
    return "::" + "::".join(x for x in (native["crate"], native.get("crate_module", ""), native.get("module", ""),
                                        fn.name) if x)


def approach(fn: Function, who: str = "Rust provider", what: str = "the provider") -> str:
    """One line: how ``fn`` is compiled into the provider (or library), and why."""
    crate = crate_of(fn)
    native = fn.native
    if crate is not None:
        return (f"{who}: '{fn.name}' is called as {crate_path(fn).removeprefix('::')} from a generated Cargo package "
                f"that depends on the crate {crate.package} ({posixpath.join(crate.root, 'Cargo.toml')}), so the "
                "whole crate and its dependencies are built as for you")
    if "crate_root" not in native:
        return f"{who}: '{fn.name}': {fn.source} is compiled into {what} on its own (it is in no Cargo package)"
    why = native.get("crate_private") or "it is not part of a library crate"
    return (f"{who}: '{fn.name}': {fn.source} is compiled into {what} on its own, not through its crate ({why}), "
            "so crate:: paths, other modules and the crate's dependencies are not available to it")


def notes(fn: Function) -> tuple[str, ...]:
    return (approach(fn),)


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    out = path(mode, functions[0])
    here = posixpath.dirname(out) or "."
    crates, rel_sources, modules, include = sources_of(functions, here)
    handlers = []
    for i, fn in enumerate(functions):
        rel = posixpath.relpath(fn.source or "", here)
        if crate_of(fn) is not None:
            handlers.append(_handler(fn, i, "", False, rel, crate_path(fn)))
        else:
            handlers.append(_handler(fn, i, modules[rel], include[rel], rel))
    sources = [Source(modules[rel], _literal(rel, functions[0]), include[rel],
                      tuple(h for h, fn in zip(handlers, functions, strict=True)
                            if crate_of(fn) is None and posixpath.relpath(fn.source or "", here) == rel))
               for rel in rel_sources]
    binary = _binary(out)
    package = package_dir(mode, functions[0])
    build = _build_line(out, binary) if not crates else _cargo_line(package, posixpath.basename(binary))
    cargo = render(__file__, "Cargo.toml.j2", header=rust_client.comment_text(header), crates=list(crates.values()),
                   bin=posixpath.basename(binary), source=posixpath.relpath(out, package), edition=EDITION,
                   build=build, deps={c.name: _literal(posixpath.relpath(c.root, package), functions[0])
                                      for c in crates.values()})
    text = render(
        __file__,
        "provider.rs.j2",
        header=rust_client.comment_text(header),
        record=record,
        handlers=handlers,
        sources=sources,
        crates=list(crates.values()),
        package=posixpath.basename(package),
        runtime=_runtime(),
        build=build,
        k={
            "E_APPLICATION": layout.E_APPLICATION,
            "E_LAYOUT_MISMATCH": layout.E_LAYOUT_MISMATCH,
            "E_BAD_REQUEST": layout.E_BAD_REQUEST,
            "E_BAD_RESULT": layout.E_BAD_RESULT,
            "E_PROVIDER_RESTARTED": layout.E_PROVIDER_RESTARTED,
            "STRING_MAX": layout.STRING_MAX,
            "BYTES_MAX": layout.BYTES_MAX,
        },
    )
    return {out: text, f"{package}/Cargo.toml": cargo}


def _add_crate(crates: dict[str, Crate], crate: Crate, fn: Function, who: str = "Rust provider") -> None:
    other = crates.setdefault(crate.name, crate)
    if other.root != crate.root:
        raise fail(f"{who}: '{fn.name}' is in the crate {crate.name} of {crate.root}, but another function "
                   f"built with it is in a crate of the same name in {other.root}: use the namespace mode for one "
                   "of them", fn.location)


def served(fn: Function, mode: str, out: str) -> list[Function]:
    """The functions the provider of ``fn`` serves: in unify mode, those of the unified record plus ``fn``."""
    if mode != "unify":
        return [fn]
    from pathlib import Path

    from metropipe import export  # local: export imports the targets

    existing = [f for f in export._read_record(Path(out or ".") / UNIFIED) if not f.raw]
    return export._merge(existing, fn)


def start_command(fn: Function, mode: str, out: str) -> str:
    rel = path(mode, fn)

    def at(p: str) -> str:
        return p if out in ("", ".") else posixpath.join(out, p)

    if any(crate_of(f) is not None for f in served(fn, mode, out)):
        return _cargo_line(at(package_dir(mode, fn)), posixpath.basename(_binary(rel)))
    full = at(rel)
    return _build_line(full, _binary(full))


def _cargo_line(package: str, binary: str) -> str:
    """Build the generated package (offline: nothing is downloaded) into its own target folder, then run it.
    ``--target-dir`` is explicit so that CARGO_TARGET_DIR or a build.target-dir setting cannot move the binary."""
    target = posixpath.join(package, "target")
    run = posixpath.join(target, "release", binary)
    return (f"cargo build --offline --release --manifest-path {shlex.quote(posixpath.join(package, 'Cargo.toml'))} "
            f"--target-dir {shlex.quote(target)} && {shlex.quote(run)}")


def _binary(source: str) -> str:
    return source[: -len(EXT)]


def _build_line(source: str, binary: str) -> str:
    run = binary if "/" in binary else f"./{binary}"
    return (f"rustc --edition {EDITION} -O {shlex.quote(source)} -o {shlex.quote(binary)} && "
            f"{shlex.quote(run)}")


def _runtime() -> str:
    """The Rust client's runtime, with the provider's side added as ``rt::serve`` (a child
    module sees the channel's private parts: the mapping, futex sleep and wake, PID checks)."""
    text = render(rust_client.__file__, "runtime.rs.j2", k=rust_client._constants()).rstrip()
    if not text.endswith("\n}"):
        raise RuntimeError("the Rust runtime template no longer ends with its `mod rt` block")
    serve = render(__file__, "serve.rs.j2", k=rust_client._constants(), e={
        "APPLICATION": layout.E_APPLICATION,
        "LAYOUT_MISMATCH": layout.E_LAYOUT_MISMATCH,
        "BAD_REQUEST": layout.E_BAD_REQUEST,
        "BAD_RESULT": layout.E_BAD_RESULT,
        "PROVIDER_RESTARTED": layout.E_PROVIDER_RESTARTED,
    })
    return f"{text[:-1]}\n{serve.rstrip()}\n}}\n"


def _literal(text: str, fn: Function) -> str:
    """The inside of a Rust string literal holding ``text``."""
    if any(ord(c) < 0x20 or c == "\x7f" for c in text):
        raise fail(f"Rust provider: the path {text!r} has control characters; rename it", fn.location)
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _private(fn: Function) -> bool:
    """Whether only its own module sees the function (a trait impl's fn is as visible as the trait)."""
    native = fn.native
    return not native.get("trait") and native.get("visibility", "pub").replace(" ", "") in PRIVATE


def sources_of(functions: list[Function], here: str, who: str = "Rust provider", caller: str = "the provider"
               ) -> tuple[dict[str, Crate], list[str], dict[str, str], dict[str, bool]]:
    """How the functions are reached from the folder ``here``: the crates called through (by name), the files
    compiled in (relative to ``here``), each file's module name (``src0``...), and whether it needs ``include!``
    (a private fn). Checks every function first. Also used by c-linker for Rust sources."""
    rel_sources: list[str] = []
    crates: dict[str, Crate] = {}
    for fn in functions:
        _check(fn, who, caller)
        crate = crate_of(fn)
        if crate is not None:
            _add_crate(crates, crate, fn, who)
            continue
        rel = posixpath.relpath(fn.source or "", here)
        if rel not in rel_sources:
            rel_sources.append(rel)
    modules = {rel: f"src{i}" for i, rel in enumerate(rel_sources)}
    include = {rel: False for rel in rel_sources}
    for fn in functions:
        if crate_of(fn) is None and _needs_include(fn):
            include[posixpath.relpath(fn.source or "", here)] = True
    return crates, rel_sources, modules, include


def _needs_include(fn: Function) -> bool:
    return not fn.native.get("module") and _private(fn)


def _check(fn: Function, who: str = "Rust provider", caller: str = "the provider") -> None:
    if fn.raw or fn.language != "rust" or not fn.source:
        raise ValueError(f"the Rust provider serves functions read from Rust sources, not {fn.name}")
    native = fn.native
    where = native.get("module", "")
    if where and _private(fn):
        raise fail(f"{who}: '{fn.name}' is private to mod '{where}', so {caller} cannot call it; "
                   "make it pub(crate) (or pub)", fn.location)
    for part in (where, native.get("impl", ""), native.get("trait", "")):
        if part and not PATH.match(part):
            raise fail(f"{who}: cannot call '{fn.name}' through '{part}' (a generic or unusual path); "
                       "export a free fn", fn.location)


def _handler(fn: Function, index: int, module: str, include: bool, source: str, by_crate: str = "") -> Handler:
    lay = layout.compute(fn)
    native = fn.native
    args = []
    for i, (p, slot) in enumerate(zip(fn.params, lay.params, strict=True)):
        written = p.native.get("type", "").replace(" ", "")
        var = f"arg{i}"
        if p.type in SCALARS:
            rust, pass_as = SCALARS[p.type][0], var
        elif p.type is WireType.BOOL:
            rust, pass_as = "bool", var
        else:
            rust = "String" if p.type is WireType.STRING else "Vec<u8>"
            # owned (String, std::string::String, Vec<u8>, ...) by value, anything written `&...` borrowed
            pass_as = f"&{var}" if written.startswith("&") else var
        args.append(Arg(var, p.name, p.type.value, slot.offset, rust, pass_as))
    parts = [native.get("module", ""), native.get("impl", ""), fn.name]
    call = "::".join(x for x in parts if x)
    if native.get("trait") and native.get("impl"):
        owner = "::".join(x for x in (native.get("module", ""), native["impl"]) if x)
        trait = native["trait"]
        if native.get("module"):
            trait = f"{native['module']}::{trait}"
        call = f"<{owner} as {trait}>::{fn.name}" if include else \
            f"<{module}::{owner} as {module}::{trait}>::{fn.name}"
    elif not include:
        call = f"{module}::{call}"
    if by_crate:
        call = by_crate
    result = lay.result
    return Handler(
        name=fn.name,
        handler=f"__metropipe_serve_{index}_{fn.name.removeprefix('r#')}",
        module=module if include else "",
        path=call,
        unsafe=native.get("unsafe") == "true",
        fallible=native.get("errors") == "rust-result",
        args=tuple(args),
        result=result.type.value if result else "void",
        result_rust=SCALARS[result.type][0] if result and result.type in SCALARS else "",
        result_size=result.size if result else 0,
        signature=lay.signature,
        fingerprint=lay.fingerprint_hex,
        capacity=lay.capacity,
        channel=fn.channel_name,
        channel_static=f"CHANNEL_{index}",
        source=source,
    )
