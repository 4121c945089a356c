"""The Java provider: ``MetropipeProvider.java`` calls the user's real static method and serves its channel.

Files, by mode (a Java public class lives in a file named after it):

- namespace: ``metropipe/<function>/MetropipeProvider.java``, classes compiled into
  ``metropipe/<function>/classes``;
- flat: ``metropipe/Metropipe<Function>Provider.java``, classes in ``metropipe/classes/<function>``;
- unify: ``metropipe/MetropipeProvider.java`` serving every function of the record, classes in
  ``metropipe/classes``.

The class joins the user's package, so its name carries the ``Metropipe`` prefix: a user class
named ``Provider`` (anywhere in the package) cannot clash with it, and the file names depend on
the function's name only (``metropipe outputs`` declares them without reading the source).

The provider class is declared in the *user's* package (the default package included), so it
calls ``Outer.Inner.method(...)`` directly, package-private and protected static methods too,
and ``javac`` compiles it together with the user's source (``-sourcepath`` is the source root
the package implies, so the user's other classes are found). At start it also checks, with
reflection, that the method still has the parameter and result types it was generated for,
and refuses to serve otherwise. Every JDK type is spelled fully qualified and the provider's
own nested types end in ``$``, so no user class can be shadowed or shadow them.

Waiting: Java 17 cannot call ``futex`` (no JNI, no Panama), so like the Java client runtime
the provider never sleeps on one and never sets ``SLEEPER``: it spins for ``SPIN_US`` after
each request, then parks in short sleeps growing from ``PARK_MIN_US`` to 1 ms for the first
50 ms after its last request (spec/wire.md 6.1), then in 10 ms slices. A caller that posts to
an idle provider therefore waits up to one slice (10 ms); back-to-back calls find it spinning.
A caller that sleeps on its futex while the function runs is not woken either: it sees the
answer when its own slice ends. SIGINT and SIGTERM (through ``sun.misc.Signal``, looked up
reflectively; a shutdown hook otherwise) finish the call in flight, unregister and exit 0.

The channel code (open, map, atomics) is the provider side of spec/wire.md 1 and 6.3; the
client runtime (``metropipe/targets/java``) keeps its channel opening private, so it is not
shared.
"""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets.codetext import pascal, string_literal, wrap_code
from metropipe.targets.java import comment_text

EXT = ".java"
UNIFIED = "metropipe/MetropipeProvider.java"
CLASS = "MetropipeProvider"

JAVA = {
    WireType.INT32: "int",
    WireType.INT64: "long",
    WireType.FLOAT: "float",
    WireType.DOUBLE: "double",
    WireType.BOOL: "boolean",
    WireType.STRING: "String",
    WireType.BYTES: "byte[]",
    WireType.VOID: "void",
}
BOXED = {"Integer": "int", "Long": "long", "Float": "float", "Double": "double", "Boolean": "boolean"}


@dataclass(frozen=True)
class JParam:
    name: str  # as in the source, for messages
    local: str  # the provider's local variable
    type: str  # wire type
    jtype: str  # the Java type as the method declares it (for the reflective check)
    offset: int  # payload offset


@dataclass(frozen=True)
class JResult:
    type: str
    jtype: str  # as the method declares it
    boxed: bool
    offset: int
    size: int


@dataclass(frozen=True)
class JFunction:
    name: str
    index: int
    owner: str  # Outer.Inner
    method: str
    signature: str
    fingerprint: str  # Java long literal
    channel: str  # Java string literal
    capacity: int
    params: tuple[JParam, ...]
    result: JResult | None
    label: str  # Java string literal: "every()"


def _spelling(native: str, wire: WireType) -> tuple[str, bool]:
    """The Java type a parameter or result is declared with (for reflection) and whether it is boxed."""
    t = native.strip()
    if t.startswith("java.lang."):
        t = t[len("java.lang."):]
    if t in BOXED:
        return t, True
    return JAVA[wire], False


def _where(mode: str, fn: Function) -> tuple[str, str, str]:
    """(provider file, classes folder, class name) relative to the output root."""
    if mode == "namespace":
        return f"metropipe/{fn.name}/{CLASS}{EXT}", f"metropipe/{fn.name}/classes", CLASS
    if mode == "flat":
        cls = f"Metropipe{pascal(fn.name)}Provider"
        return f"metropipe/{cls}{EXT}", f"metropipe/classes/{fn.name}", cls
    return UNIFIED, "metropipe/classes", CLASS


def _prepare(fn: Function, index: int) -> JFunction:
    if fn.raw or fn.language != "java":
        raise fail(f"the Java provider serves Java sources only, not '{fn.name}'", fn.location)
    owner = fn.native.get("class", "")
    if not owner:
        raise fail(f"Java provider: '{fn.name}' has no enclosing class recorded; run metropipe export again",
                   fn.location)
    lay = layout.compute(fn)
    params = []
    for i, (p, slot) in enumerate(zip(fn.params, lay.params, strict=True)):
        jtype, _ = _spelling(p.native.get("type", ""), p.type)
        params.append(JParam(p.name, f"a{i}$", p.type.value, jtype, slot.offset))
    result = None
    if lay.result is not None:
        jtype, boxed = _spelling(fn.native.get("result", ""), fn.result)
        result = JResult(fn.result.value, jtype, boxed, lay.result.offset, lay.result.size)
    return JFunction(
        name=fn.name,
        index=index,
        owner=owner,
        method=fn.name,
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016X}L",
        channel=string_literal(fn.channel_name),
        capacity=lay.capacity,
        params=tuple(params),
        result=result,
        label=string_literal(f"{fn.name}()"),
    )


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    packages = {fn.native.get("package", "") for fn in functions}
    if len(packages) > 1:
        raise fail("Java provider: --unify serves functions of one Java package only, not "
                   f"{', '.join(sorted(p or '(default)' for p in packages))}; export them without --unify",
                   functions[-1].location)
    out, _, cls = _where(mode, functions[0])
    model = [_prepare(fn, i) for i, fn in enumerate(functions)]
    text = render(
        __file__,
        "Provider.java.j2",
        header=comment_text(header),
        record=record.replace("*/", "*\\/") if record else None,
        package=packages.pop(),
        cls=cls,
        functions=model,
        k=_constants(),
        start=comment_text(start_command(functions[0], mode, ".")),
    )
    return {out: wrap_code(text)}


def _constants() -> dict[str, object]:
    return {
        **layout.header_numbers(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02X}",
        "SLEEPER": f"0x{layout.SLEEPER:08X}",
        "PID_MASK": f"0x{layout.PID_MASK:08X}",
        "STATES": layout.STATES,
        "LENGTH_PREFIX": layout.LENGTH_PREFIX,
        "STRING_MAX": layout.STRING_MAX,
        "BYTES_MAX": layout.BYTES_MAX,
        "ERROR_MESSAGE_MAX": layout.ERROR_MESSAGE_MAX,
        "CODES": layout.ERROR_CODES,
        "SLICE_NS": round(layout.SLICE_S * 1e9),
        "SHORT_SLICES_NS": 50_000_000,
        "SPIN_NS": 200_000,
        "PARK_MIN_NS": 20_000,
        "PARK_MAX_NS": 1_000_000,
        "DIR_ENV": layout.DIR_ENV,
        "CHANNEL_PREFIX": layout.CHANNEL_PREFIX,
    }


def _source_root(source: str, package: str) -> str:
    """The folder ``-sourcepath`` names: the source's folder minus the package's folders."""
    folder = posixpath.dirname(source) or "."
    parts = [p for p in package.split(".") if p]
    segments = folder.split("/")
    if parts and segments[-len(parts):] == parts:
        rest = segments[: len(segments) - len(parts)]
        return "/".join(rest) if rest and rest != [""] else ("/" if folder.startswith("/") else ".")
    return folder


def start_command(fn: Function, mode: str, out: str) -> str:
    """``javac`` the provider with the user's source, then ``exec java`` it (one shell line)."""
    provider, classes, cls = _where(mode, fn)

    def at(rel: str) -> str:
        return shlex.quote(rel if out in ("", ".") else posixpath.join(out, rel))

    source = fn.source or ""
    package = fn.native.get("package", "")
    main = f"{package}.{cls}" if package else cls
    return (f"javac -encoding UTF-8 -nowarn -d {at(classes)} -sourcepath {at(_source_root(source, package))} "
            f"{at(provider)} {at(source)} && exec java -cp {at(classes)} {main}")
