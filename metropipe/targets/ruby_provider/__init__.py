"""The Ruby provider: ``provider.rb`` requires the user's file and serves its function's channel.

Standard library only, like the Ruby client: the client's runtime (``runtime.rb.j2``: Fiddle
with libc and libatomic, the channel file, futex) is rendered into the provider, which adds
the provider's side of the protocol (spec/wire.md section 6.3) to its ``Channel`` class. The
function is called as the parser found it (``native["kind"]``): a top-level ``def``, or a
module/class method (``def self.f``, ``module_function``, ``extend self``) on ``native["owner"]``;
keyword parameters are passed by keyword.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from metropipe import layout
from metropipe.model import Function, WireType
from metropipe.targets import ruby as ruby_target
from metropipe.targets import stub_path

KEY = "ruby"
LANGUAGE = "Ruby"
EXT = ".rb"
UNIFIED = "metropipe_provider.rb"


@dataclass(frozen=True)
class Arg:
    var: str
    name: str
    type: str
    offset: int
    keyword: bool


@dataclass(frozen=True)
class ProviderFunction:
    name: str
    channel: str
    signature: str
    fingerprint: str
    capacity: int
    args: tuple[Arg, ...]
    result: str
    result_size: int
    source: str
    owner: str
    params: tuple[tuple[str, str], ...]  # (name, "positional" | "keyword")


@cache
def _environment() -> jinja2.Environment:
    here = Path(__file__).parent / "templates"
    client = Path(ruby_target.__file__).parent / "templates"
    return jinja2.Environment(loader=jinja2.FileSystemLoader([str(here), str(client)]),
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, autoescape=False)


def path(mode: str, fn: Function) -> str:
    return stub_path(mode, fn.name, "provider", EXT, UNIFIED)


def _prepare(fn: Function, here: str) -> ProviderFunction:
    lay = layout.compute(fn)
    args = []
    for i, (p, s) in enumerate(zip(fn.params, lay.params, strict=True)):
        keyword = p.keyword_only or p.native.get("kind") == "keyword"
        args.append(Arg(f"a{i}", p.name, s.type.value, s.offset, keyword))
    return ProviderFunction(
        name=fn.name,
        channel=fn.channel_name,
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016x}",
        capacity=lay.capacity,
        args=tuple(args),
        result=fn.result.value if lay.result is not None else WireType.VOID.value,
        result_size=lay.result.size if lay.result is not None else 0,
        source=posixpath.relpath(fn.source, here) if fn.source else "",
        owner=fn.native.get("owner", ""),
        params=tuple((a.name, "keyword" if a.keyword else "positional") for a in args),
    )


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    out = path(mode, functions[0])
    here = posixpath.dirname(out) or "."
    text = _environment().get_template("provider.rb.j2").render(
        header=header.replace("\n", " "),
        record=record,
        functions=[_prepare(fn, here) for fn in functions],
        self_name=posixpath.basename(out),
        k=ruby_target._constants(),
    )
    return {out: text}


def start_command(fn: Function, mode: str, out: str) -> str:
    rel = path(mode, fn)
    full = rel if out in ("", ".") else posixpath.join(out, rel)
    return f"ruby {full}"
