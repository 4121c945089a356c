"""The C# provider: ``Provider.cs`` calls the user's real static method and serves its channel.

Files, by mode (next to each ``.cs`` the ``.exe`` its start command builds)::

    namespace  metropipe/<function>/Provider.cs
    flat       metropipe/<function>.Provider.cs
    unify      metropipe/Metropipe.Provider.cs      serves every function of the record
    (always)   metropipe/Metropipe.Runtime.cs       the C# client's runtime (the same file the
                                                    csharp target writes), compiled in

The provider is compiled by Mono's ``mcs`` (C# 7.2) into one program with the C# client's
runtime, which it reuses for the channel (open with ``O_NOFOLLOW``, the file checks, ``mmap``,
futex, PID liveness and the UTF-8 check), and with the user's source file(s); it uses the
standard library only (``System``, ``System.Reflection``, ``System.Runtime.InteropServices``,
``System.Threading``). The whole file is inside ``#if METROPIPE_PROVIDER``, which only its own
build defines, so a client build that compiles ``metropipe/**/*.cs`` (the documented way to
use the C# stubs) is not affected by it; ``-main:`` picks its entry point even if the user's
source has a ``Main`` of its own.

The user's method is found at start by reflection (``Namespace.Outer+Inner``, static, the
parameter types the provider was generated for) and bound to a typed delegate, so ``internal``,
``protected`` and nested types' methods are served as well as ``public`` ones, and a method
whose parameters or result changed since the export is refused at start with a message (not
a compile error): run ``metropipe export`` again. An exception thrown by the method is
answered as APPLICATION ``<ExceptionType.Name>: <Message>`` and the provider keeps serving; a
result that does not fit its slot (a null, a string or bytes too long, a string with an
unpaired surrogate) is BAD_RESULT, a malformed request BAD_REQUEST.

Signals: Mono 6.8 installs no SIGTERM handler (the default action kills the process) and
Mono.Posix is not part of the standard install. So ``Main`` first blocks SIGINT and SIGTERM
(``pthread_sigmask``) and, because the runtime has already started threads of its own with
the signals unblocked, re-executes the same command (``execv`` of ``/proc/self/exe``, same
PID): the blocked mask survives ``exec``, so every thread of the new image inherits it. A
thread waits for the signals with ``sigtimedwait`` and sets the stop flag the serve loops
check: the call in flight finishes, the provider slot is given back, exit 0.

Waiting (spec/wire.md 6.1 and 6.3): spin, then sleep on ``status`` with ``SLEEPER`` through the
runtime's futex, in 1 ms slices for the first 50 ms after the last request, then 10 ms.

Build and start (one line, printed by ``export``; ``out`` prefixes every path)::

    mcs -nologo -unsafe -langversion:7.2 -define:METROPIPE_PROVIDER -main:Metropipe.Provider.Program
        -out:metropipe/add/Provider.exe metropipe/Metropipe.Runtime.cs metropipe/add/Provider.cs Calc.cs
        && exec mono metropipe/add/Provider.exe

The user's source must compile on its own with the default references (add other files or
``-r:`` references to the command if it does not). ``--unify`` compiles every source its
functions come from.
"""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass
from pathlib import Path

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function
from metropipe.render import render
from metropipe.targets import csharp as cs_client
from metropipe.targets import stub_path
from metropipe.targets.codetext import string_literal, wrap_code

EXT = ".cs"
UNIFIED = "metropipe/Metropipe.Provider.cs"
NAMESPACE = "Metropipe.Provider"
MAIN = f"{NAMESPACE}.Program"
DEFINE = "METROPIPE_PROVIDER"
MCS_FLAGS = ("-nologo", "-unsafe", "-langversion:7.2", f"-define:{DEFINE}", f"-main:{MAIN}")

CS = cs_client.CS_TYPES  # wire type -> the C# type, as the client spells it


@dataclass(frozen=True)
class CsParam:
    name: str  # as in the source
    literal: str  # C# string literal of name, for messages
    quoted: str  # the same with the name in single quotes
    local: str  # the provider's local variable
    type: str  # wire type
    cstype: str  # the C# type the method is bound with
    offset: int


@dataclass(frozen=True)
class CsResult:
    type: str
    cstype: str
    offset: int
    size: int  # the response's size


@dataclass(frozen=True)
class CsFunction:
    name: str
    index: int
    owner: str  # C# string literal: the reflection name, "Ns.Outer+Inner"
    shown: str  # C# string literal: "Ns.Outer.Inner.Method(int, long)" for messages
    display: str  # the same, for comments
    method: str  # C# string literal: the method's metadata name
    signature: str
    fingerprint: str  # C# ulong literal
    channel: str  # C# string literal
    capacity: int
    params: tuple[CsParam, ...]
    result: CsResult | None
    rtype: str  # C# result type ("void")
    label: str  # C# string literal: "Name()" for messages


def _where(mode: str, fn: Function) -> str:
    """The provider's source file relative to the output root (its .exe sits next to it)."""
    if mode == "namespace":
        return stub_path(mode, fn.name, "Provider", EXT, UNIFIED)
    if mode == "flat":
        return f"metropipe/{fn.name}.Provider{EXT}"  # '.' is never in a function name: no stub clashes
    return UNIFIED


def _prepare(fn: Function, index: int) -> CsFunction:
    if fn.raw or fn.language != "csharp":
        raise fail(f"the C# provider serves C# sources only, not '{fn.name}'", fn.location)
    # no class: a stand-in (metropipe build plans its paths by rendering one); such a file would
    # refuse to start ("its class (unknown) is not in the compiled sources")
    owner = fn.native.get("class") or "(unknown)"
    # metadata names: no '@' (a verbatim identifier), nested types joined with '+' (the user's names
    # only ever appear in string literals and comments, escaped: any C# identifier works)
    ns_parts = [p.strip().lstrip("@") for p in fn.native.get("namespace", "").split(".") if p.strip()]
    type_parts = [p.strip().lstrip("@") for p in owner.split(".") if p.strip()]
    names = ns_parts + type_parts
    reflected = ".".join([*ns_parts, type_parts[0]]) + "".join("+" + t for t in type_parts[1:])
    lay = layout.compute(fn)
    params = tuple(CsParam(p.name, string_literal(p.name), string_literal(f"'{p.name}'"), f"a{i}", p.type.value,
                           CS[p.type], slot.offset)
                   for i, (p, slot) in enumerate(zip(fn.params, lay.params, strict=True)))
    result = None
    if lay.result is not None:
        result = CsResult(lay.result.type.value, CS[lay.result.type], lay.result.offset, lay.response_size)
    method = fn.name.lstrip("@")
    shown = f"{'.'.join(names)}.{method}({', '.join(p.cstype for p in params)})"
    return CsFunction(
        name=fn.name,
        index=index,
        owner=string_literal(reflected),
        shown=string_literal(shown),
        display=cs_client.comment_text(shown),
        method=string_literal(method),
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016X}UL",
        channel=string_literal(fn.channel_name),
        capacity=lay.capacity,
        params=params,
        result=result,
        rtype=CS[fn.result],
        label=string_literal(f"{method}()"),
    )


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    """``Provider.cs`` serving ``functions`` (every function of the record in unify mode), and the runtime."""
    model = [_prepare(fn, i) for i, fn in enumerate(functions)]
    text = render(
        __file__,
        "Provider.cs.j2",
        header=cs_client.comment_text(header),
        record=record.replace("*/", "*\\/") if record else None,
        functions=model,
        k=_constants(),
        start=cs_client.comment_text(_command(functions, mode, ".")),
        namespace=NAMESPACE,
        define=DEFINE,
        runtime=cs_client.RUNTIME,
    )
    return {cs_client.RUNTIME: cs_client.runtime_file(), _where(mode, functions[0]): wrap_code(text, extra=4)}


def _constants() -> dict[str, object]:
    return {
        **layout.header_numbers(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02X}",
        "SLEEPER": f"0x{layout.SLEEPER:08X}",
        "STATES": layout.STATES,
        "CODES": {cs_client.WIRE_ERRORS[name]: code for name, code in layout.ERROR_CODES.items()},
        "LENGTH_PREFIX": layout.LENGTH_PREFIX,
        "STRING_MAX": layout.STRING_MAX,
        "BYTES_MAX": layout.BYTES_MAX,
        "ERROR_MESSAGE_MAX": layout.ERROR_MESSAGE_MAX,
        "SLICE_MS": round(layout.SLICE_S * 1000),
        "SHORT_SLICE_MS": 1,
        "SHORT_FOR_MS": 50,
        "SPIN_US": 100,
    }


def _served(fn: Function, mode: str, out: str) -> list[Function]:
    """The functions the provider of ``fn`` serves: in unify mode, those of the unified record plus ``fn``."""
    if mode != "unify":
        return [fn]
    from metropipe import export  # local: export imports the targets

    existing = [f for f in export._read_record(Path(out or ".") / UNIFIED) if not f.raw]
    return export._merge(existing, fn)


def _command(functions: list[Function], mode: str, out: str) -> str:
    provider = _where(mode, functions[0])
    exe = provider[: -len(EXT)] + ".exe"

    def at(rel: str) -> str:
        return shlex.quote(rel if out in ("", ".") else posixpath.join(out, rel))

    sources = sorted({f.source for f in functions if f.source})
    compile_ = ["mcs", *MCS_FLAGS, f"-out:{at(exe)}", at(cs_client.RUNTIME), at(provider), *map(at, sources)]
    return f"{' '.join(compile_)} && exec mono {at(exe)}"


def start_command(fn: Function, mode: str, out: str) -> str:
    """``mcs`` the provider with the runtime and the user's source, then ``exec mono`` it (one shell line)."""
    return _command(_served(fn, mode, out), mode, out)
