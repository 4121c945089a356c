"""The JavaScript provider: ``provider.js`` loads the user's real module in Node.js and serves its channel.

It reuses the js client target's runtime (``runtime.js.j2``, rendered into the provider) and its
N-API addon (``_metropipe_shm.c``, written beside the provider and built on first run with the
system C compiler, cached per user). ESM sources are loaded with ``import()``, CommonJS with
``require`` (``native["module"]``); the function is looked up by its export (``named``,
``default``, ``commonjs``, ``module.exports``), TypeScript ``namespace`` and static-method
``owner``; ``async`` functions and returned Promises are awaited.

TypeScript: Node.js 20 cannot run ``.ts`` and no TypeScript compiler is assumed, so the provider
of a ``.ts`` (``.mts``, ``.cts``) source loads the compiled ``.js`` (``.mjs``, ``.cjs``) beside it,
as ``tsc`` writes it without ``outDir``: compile first (``tsc``), then start the provider; it
refuses to start, saying so, when the compiled file is missing or older than the source.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from metropipe import layout
from metropipe.model import Function, WireType
from metropipe.targets import js as js_target
from metropipe.targets import stub_path

KEY = "js"
LANGUAGE = "JavaScript"
EXT = ".js"
UNIFIED = "metropipe_provider.js"
COMPILED = {".ts": ".js", ".mts": ".mjs", ".cts": ".cjs"}  # TypeScript source -> what tsc writes beside it


@dataclass(frozen=True)
class Arg:
    var: str  # "$a0"
    name: str
    type: str
    offset: int


@dataclass(frozen=True)
class ProviderFunction:
    name: str
    handler: str  # "$h_add"
    channel: str
    signature: str
    fingerprint: str  # a BigInt literal
    capacity: int
    args: tuple[Arg, ...]
    result: str  # wire type, "void" for none
    result_size: int
    source: str  # relative to the provider
    compiled: str  # the .js a TypeScript source compiles to (relative), "" for JavaScript
    module: str  # "esm" or "commonjs"
    export: str
    export_name: str
    owner: str
    namespace: str
    params: tuple[str, ...]


@cache
def _environment() -> jinja2.Environment:
    here = Path(__file__).parent / "templates"
    client = Path(js_target.__file__).parent / "templates"
    return jinja2.Environment(loader=jinja2.FileSystemLoader([str(here), str(client)]),
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, autoescape=False)


def path(mode: str, fn: Function) -> str:
    return stub_path(mode, fn.name, "provider", EXT, UNIFIED)


def _prepare(fn: Function, here: str) -> ProviderFunction:
    lay = layout.compute(fn)
    rel = posixpath.relpath(fn.source, here) if fn.source else ""
    stem, ext = posixpath.splitext(rel)
    compiled = stem + COMPILED[ext.lower()] if ext.lower() in COMPILED else ""
    args = tuple(Arg(f"$a{i}", p.name, s.type.value, s.offset) for i, (p, s) in enumerate(zip(fn.params, lay.params,
                                                                                              strict=True)))
    n = fn.native
    return ProviderFunction(
        name=fn.name,
        handler=f"$h_{fn.name}",
        channel=fn.channel_name,
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016x}n",
        capacity=lay.capacity,
        args=args,
        result=fn.result.value if lay.result is not None else WireType.VOID.value,
        result_size=lay.result.size if lay.result is not None else 0,
        source=rel,
        compiled=compiled,
        module=n.get("module", "commonjs"),
        export=n.get("export", "commonjs"),
        export_name=n.get("export_name", fn.name),
        owner=n.get("owner", ""),
        namespace=n.get("namespace", ""),
        params=tuple(p.name for p in fn.params),
    )


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    out = path(mode, functions[0])
    here = posixpath.dirname(out) or "."
    for fn in functions:
        js_target._check(fn)
    text = _environment().get_template("provider.js.j2").render(
        header=js_target.comment_text(header),
        record=record,
        functions=[_prepare(fn, here) for fn in functions],
        self_name=posixpath.basename(out),
        k=js_target._constants(),
        addon_file=js_target.ADDON,
    )
    addon = posixpath.join(posixpath.dirname(out), js_target.ADDON)
    return {out: text, addon: js_target.addon_source()}


def start_command(fn: Function, mode: str, out: str) -> str:
    rel = path(mode, fn)
    full = rel if out in ("", ".") else posixpath.join(out, rel)
    return f"node {full}"
