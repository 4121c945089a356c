"""The Go provider: a ``main`` package that calls the user's real Go function and serves its channel.

Files (namespace mode; flat mode uses ``metropipe/<fn>_provider/``, unify ``metropipe_provider/``)::

    metropipe/<fn>/provider/go.mod                      module metropipe.local/provider, standard library only
    metropipe/<fn>/provider/provider.go                 package main: the Go client's runtime (rendered from
                                                        metropipe/targets/go/templates/runtime.go.j2) plus the
                                                        provider's side of the protocol (spec/wire.md 6.3)
    metropipe/<fn>/provider/overlay.json                puts the user's source file into the package below
    metropipe/<fn>/provider/user0/metropipe_export.go   package <yours>: exported wrappers of your functions

The provider lives in a folder of its own (a nested module), so it never mixes with a Go
client stub of the same function (``metropipe/<fn>/stub.go``). The user's file is compiled
where it is, through ``go build -overlay``: it becomes the package ``user0`` of the provider's
module together with a generated file of the same package that wraps each exported function, so
an unexported function (``every``) can be served as well as an exported one (``Every``), and the
wrapper converts Go's ``int``/``rune``/``[]uint8`` to and from the wire's types. The source file
must be self-contained: other files of its package, and imports other than the standard library,
are not part of the build. A signature that changed since the export no longer compiles.

Errors: a last ``error`` result (native ``errors: go-error``) answers a non-nil error as
APPLICATION with ``err.Error()``; a panic is recovered and answered as APPLICATION
``panic: <value>`` (the provider keeps serving).

Build and start (one line, printed by ``export``)::

    go -C metropipe/add/provider build -overlay overlay.json -o provider . && metropipe/add/provider/provider
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import go as go_client

EXT = ".go"
UNIFIED = "metropipe_provider/provider.go"
MODULE = "metropipe.local/provider"
GO_VERSION = "1.21"

WIRE_GO = {
    WireType.INT32: "int32",
    WireType.INT64: "int64",
    WireType.FLOAT: "float32",
    WireType.DOUBLE: "float64",
    WireType.BOOL: "bool",
    WireType.STRING: "string",
    WireType.BYTES: "[]byte",
}
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
NATIVE_TYPE = re.compile(r"[A-Za-z0-9_\[\]]+\Z")


@dataclass(frozen=True)
class Arg:
    var: str
    name: str
    type: str  # wire type
    go: str  # wire Go type
    native: str  # the parameter's type as written
    offset: int


@dataclass(frozen=True)
class Handler:
    name: str
    wrapper: str  # the exported wrapper in the user's package
    package: str  # the virtual package's import name (user0)
    fallible: bool
    args: tuple[Arg, ...]
    result: str  # wire type or "void"
    result_go: str
    result_native: str
    result_size: int
    signature: str
    fingerprint: str
    capacity: int
    channel: str
    source: str


@dataclass(frozen=True)
class Source:
    folder: str  # user0
    package: str  # the package clause of the user's file
    file: str  # the user's file as the virtual package sees it
    path: str  # the user's file relative to the provider folder
    handlers: tuple[Handler, ...]


def folder(mode: str, fn: Function) -> str:
    if mode == "namespace":
        return f"metropipe/{fn.name}/provider"
    if mode == "flat":
        return f"metropipe/{fn.name}_provider"
    return posixpath.dirname(UNIFIED)


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    here = folder(mode, functions[0])
    for fn in functions:
        _check(fn)
    sources, ordered = packages(functions, here)
    k = go_client._constants()
    out = {
        f"{here}/go.mod": f"// {go_client.comment_text(header)}\n\nmodule {MODULE}\n\ngo {GO_VERSION}\n",
        f"{here}/overlay.json": json.dumps(
            {"Replace": {f"{s.folder}/{s.file}": s.path for s in sources}}, indent=2, sort_keys=True) + "\n",
        f"{here}/provider.go": render(
            __file__, "provider.go.j2", header=go_client.comment_text(header), record=record,
            build=go_client.BUILD, handlers=ordered, sources=sources, module=MODULE,
            imports=sorted({*go_client.IMPORTS, "os/signal"}),
            command=_command(here), k=k,
            runtime=render(go_client.__file__, "runtime.go.j2", k=k),
            e={"APPLICATION": layout.E_APPLICATION, "LAYOUT_MISMATCH": layout.E_LAYOUT_MISMATCH,
               "BAD_REQUEST": layout.E_BAD_REQUEST, "BAD_RESULT": layout.E_BAD_RESULT,
               "PROVIDER_RESTARTED": layout.E_PROVIDER_RESTARTED},
        ),
    }
    for s in sources:
        out[f"{here}/{s.folder}/metropipe_export.go"] = render(
            __file__, "export.go.j2", header=go_client.comment_text(header), source=s)
    return out


def packages(functions: list[Function], here: str) -> tuple[list[Source], list[Handler]]:
    """The virtual packages (user0, user1...: one per source file, as seen from the module folder ``here``)
    and every function's handler, in the functions' order. Also used by c-linker for Go sources."""
    rels: list[str] = []
    for fn in functions:
        rel = posixpath.relpath(fn.source or "", here)
        if rel not in rels:
            rels.append(rel)
    handlers: dict[str, list[Handler]] = {rel: [] for rel in rels}
    ordered = []
    for fn in functions:
        rel = posixpath.relpath(fn.source or "", here)
        h = _handler(fn, f"user{rels.index(rel)}", rel)
        handlers[rel].append(h)
        ordered.append(h)
    sources = []
    for i, rel in enumerate(rels):
        package = next(fn.native.get("package", "") for fn in functions
                       if posixpath.relpath(fn.source or "", here) == rel)
        base = posixpath.basename(rel)
        file = base if base != "metropipe_export.go" else "source_" + base
        sources.append(Source(f"user{i}", package, file, rel, tuple(handlers[rel])))
    return sources, ordered


def start_command(fn: Function, mode: str, out: str) -> str:
    here = folder(mode, fn)
    return _command(here if out in ("", ".") else posixpath.join(out, here))


def _command(here: str) -> str:
    binary = posixpath.join(here, "provider")
    run = binary if "/" in binary else f"./{binary}"
    return f"go -C {shlex.quote(here)} build -overlay overlay.json -o provider . && {shlex.quote(run)}"


def _check(fn: Function) -> None:
    if fn.raw or fn.language != "go" or not fn.source:
        raise ValueError(f"the Go provider serves functions read from Go sources, not {fn.name}")
    package = fn.native.get("package", "")
    if not IDENT.match(package) or package == "main":
        raise fail(f"Go provider: '{fn.name}' is in package '{package}'; the provider imports the function's "
                   "package, and a main package cannot be imported: move it to a package of its own", fn.location)
    for p in fn.params:
        if not NATIVE_TYPE.match(p.native.get("type", "x")):
            raise fail(f"Go provider: cannot pass parameter '{p.name}' of type '{p.native.get('type')}'",
                       p.location or fn.location)


def _handler(fn: Function, package: str, source: str) -> Handler:
    lay = layout.compute(fn)
    args = []
    for i, (p, slot) in enumerate(zip(fn.params, lay.params, strict=True)):
        go = WIRE_GO[p.type]
        args.append(Arg(f"arg{i}", p.name, p.type.value, go, p.native.get("type", go), slot.offset))
    result = lay.result
    go_result = WIRE_GO[result.type] if result else ""
    return Handler(
        name=fn.name,
        wrapper=f"MetropipeCall_{fn.name}",
        package=package,
        fallible=fn.native.get("errors") == "go-error",
        args=tuple(args),
        result=result.type.value if result else "void",
        result_go=go_result,
        result_native=fn.native.get("ok", go_result) or go_result,
        result_size=result.size if result else 0,
        signature=lay.signature,
        fingerprint=lay.fingerprint_hex,
        capacity=lay.capacity,
        channel=fn.channel_name,
        source=source,
    )
