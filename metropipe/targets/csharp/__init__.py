"""The ``csharp`` target: a C# client (``stub.cs``) per function, and the runtime they share.

Every stub adds its function to one ``public static partial class Metropipe.Stubs``
(``Stubs.Add(1, 2)``, or ``using static Metropipe.Stubs;`` then ``Add(1, 2)``), so code is the
same whichever mode wrote the stubs; each function's layout constants and codec are in
``Metropipe.Wire.<Function>``. The runtime every stub needs (``MetropipeException``,
``ErrorKind``, and internal to the assembly the channel and slot codec) is one more file,
``metropipe/Metropipe.Runtime.cs``, written by every export in every mode with the same
content. Compiles with Mono's ``mcs -unsafe -langversion:7.2`` and with modern .NET (unsafe
code allowed).

The Python pass turns each function and its :func:`metropipe.layout.compute` layout into a
:class:`CsFunction`: C# names (PascalCase methods and classes, camelCase parameters with
``@`` before a keyword, unique within a file), type spellings, offsets and literals.
Generated code is ASCII.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metropipe import __version__, layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import stub_path
from metropipe.targets.codetext import camel, escape_char, fresh, pascal, string_literal, wrap_code

KEY = "csharp"
LANGUAGE = "C#"
EXT = ".cs"
UNIFIED = "metropipe.cs"  # the one file of --unify
RUNTIME = "metropipe/Metropipe.Runtime.cs"  # not a function's flat path: '.' is not in a function name

CLIENT_ERRORS = {"Timeout": 16, "Argument": 17, "Channel": 18, "ProviderDied": 19, "Protocol": 20}
WIRE_ERRORS = {"APPLICATION": "Application", "LAYOUT_MISMATCH": "LayoutMismatch", "BAD_REQUEST": "BadRequest",
               "BAD_RESULT": "BadResult", "PROVIDER_RESTARTED": "ProviderRestarted"}
ERROR_TEXT = {
    "Application": 'The function failed in the provider; the message is "<Type>: <message>".',
    "LayoutMismatch": "The provider was generated from another signature.",
    "BadRequest": "The provider found the request malformed.",
    "BadResult": "The function's result does not fit its type.",
    "ProviderRestarted": "A provider died running this call; it was not re-run.",
    "Timeout": "No answer in time (the message says what the call waited for).",
    "Argument": "A bad argument (nothing was sent), timeout, or $METROPIPE_TIMEOUT.",
    "Channel": "The channel file could not be opened safely.",
    "ProviderDied": "The provider died while running this call.",
    "Protocol": "The response broke the wire contract.",
}

CS_TYPES = {
    WireType.INT32: "int",
    WireType.INT64: "long",
    WireType.FLOAT: "float",
    WireType.DOUBLE: "double",
    WireType.BOOL: "bool",
    WireType.STRING: "string",
    WireType.BYTES: "byte[]",
    WireType.VOID: "void",
}
SLOT_CODEC = {
    WireType.INT32: "Int32",
    WireType.INT64: "Int64",
    WireType.FLOAT: "Float",
    WireType.DOUBLE: "Double",
    WireType.BOOL: "Bool",
    WireType.STRING: "String",
    WireType.BYTES: "Bytes",
}
EXAMPLE_ARGS = {
    WireType.INT32: "1",
    WireType.INT64: "1L",
    WireType.FLOAT: "1.5f",
    WireType.DOUBLE: "2.5",
    WireType.BOOL: "true",
    WireType.STRING: '"hello"',
    WireType.BYTES: "new byte[] { 1, 2 }",
}

CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
RT = "global::Metropipe.Runtime"  # how generated code names the runtime's namespace


@dataclass(frozen=True)
class CsParam:
    name: str  # as in the source
    ident: str  # the C# parameter name, "@" before a keyword
    type: str  # wire type name
    cstype: str
    offset: int
    put: str  # the runtime method that writes its slot
    check: str  # the statement checking it before anything is sent, or ""
    write_args: str  # what Write receives for it
    write_decl: str  # how Write declares it


@dataclass(frozen=True)
class CsResult:
    type: str
    cstype: str
    get: str
    offset: int


@dataclass(frozen=True)
class CsFunction:
    name: str
    raw: bool
    method: str  # Metropipe.Stubs.<method>
    cls: str  # Metropipe.Wire.<cls>
    signature: str
    fingerprint: str  # a C# ulong literal
    channel: str  # a C# string literal
    label: str  # a C# string literal naming the method in messages
    capacity: int
    request_size: int
    response_size: int
    params: tuple[CsParam, ...]
    result: CsResult | None
    rtype: str
    decl: str
    args: str
    write_decl: str
    write_args: str
    timeout: str  # the TimeSpan parameter's name
    summary: str  # the signature, XML-safe
    doc: str  # the first line of the docstring, XML-safe
    api: tuple[str, ...]
    example: tuple[str, ...]
    renamed: tuple[str, ...]

    @property
    def returns(self) -> bool:
        return self.rtype != "void"


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    """The runtime file, and ``stub.cs`` per function (one ``metropipe.cs`` in unify mode)."""
    out = {RUNTIME: runtime_file()}
    if mode == "unify":
        if record is not None and "\n" in record:
            raise ValueError("the unified record must be one line")
        out[UNIFIED] = _render(prepare(functions), header, record, unified=True)
        return out
    for fn in functions:
        out[stub_path(mode, fn.name, "stub", EXT, UNIFIED)] = _render(prepare([fn]), header, None, unified=False)
    return out


def _render(model: list[CsFunction], header: str, record: str | None, unified: bool) -> str:
    return wrap_code(render(__file__, "stub.cs.j2", header=comment_text(header), record=record, functions=model,
                            unified=unified, runtime=RUNTIME, k=_docs(), rt=RT), extra=4)


def runtime_file() -> str:
    header = f"Generated by metropipe {__version__}: the runtime every metropipe C# stub shares. Do not edit."
    return wrap_code(render(__file__, "runtime.cs.j2", header=header, k=_constants(), kinds=_kinds()), extra=4)


@dataclass(frozen=True)
class Kind:
    name: str
    code: int
    doc: str


def _kinds() -> list[Kind]:
    wire = [(WIRE_ERRORS[name], code) for name, code in layout.ERROR_CODES.items()]
    return [Kind(name, code, xml_text(ERROR_TEXT[name])) for name, code in [*wire, *CLIENT_ERRORS.items()]]


def _docs() -> dict[str, object]:
    return {
        **layout.header_numbers(),
        "STRING_MAX": layout.STRING_MAX,
        "BYTES_MAX": layout.BYTES_MAX,
        "RAW_MAX": layout.RAW_CAPACITY,
        "DEFAULT_TIMEOUT_S": f"{layout.DEFAULT_TIMEOUT_S:g}",
        "KINDS": [f"{name:<18} {code:>2}  {ERROR_TEXT[name]}"
                  for name, code in [*((WIRE_ERRORS[n], c) for n, c in layout.ERROR_CODES.items()),
                                     *CLIENT_ERRORS.items()]],
    }


def _constants() -> dict[str, object]:
    """The wire's numbers for the runtime (from metropipe.layout, never retyped)."""
    return {
        **_docs(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02X}",
        "SLEEPER": f"0x{layout.SLEEPER:08X}",
        "CONTENDED": f"0x{layout.CONTENDED:08X}",
        "PID_MASK": f"0x{layout.PID_MASK:08X}",
        "STATES": layout.STATES,
        "LENGTH_PREFIX": layout.LENGTH_PREFIX,
        "ERROR_MESSAGE_MAX": layout.ERROR_MESSAGE_MAX,
        "MAX_WIRE_CODE": max(layout.ERROR_CODES.values()),
        "DEFAULT_TIMEOUT_NS": round(layout.DEFAULT_TIMEOUT_S * 1e9),
        "SLICE_NS": round(layout.SLICE_S * 1e9),
        "TIMEOUT_ENV": layout.TIMEOUT_ENV,
        "DIR_ENV": layout.DIR_ENV,
        "CHANNEL_PREFIX": layout.CHANNEL_PREFIX,
        "PURE_SPIN_US": 5,
        "SPIN_US": 60,
    }


# --- text -------------------------------------------------------------------------------


def comment_text(text: str) -> str:
    """``text`` for a ``//`` comment: one line, ASCII (other characters as \\uXXXX)."""
    text = text.replace("\r", " ").replace("\n", " ")
    return "".join(c if 32 <= ord(c) < 127 else escape_char(c) for c in text)


def xml_text(text: str) -> str:
    """``text`` for an XML doc comment."""
    return comment_text(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))






# --- names ------------------------------------------------------------------------------












def prepare(functions: list[Function]) -> list[CsFunction]:
    """The C# model of ``functions``, named uniquely within one file."""
    methods: set[str] = set()
    classes: set[str] = set()
    out = []
    for fn in functions:
        _check_function(fn)
        notes: list[str] = []
        method = pascal(fn.name)
        no_params = fn.params == () and not fn.raw
        while method in methods or method == "Stubs" or (no_params and method in OBJECT_METHODS):
            method += "_"
        methods.add(method)
        cls = fresh(pascal(fn.name), classes, CLASS_RESERVED)
        if method != pascal(fn.name):
            notes.append(f"{fn.name} is Stubs.{method} here: {pascal(fn.name)} is taken")
        if cls != pascal(fn.name):
            notes.append(f"the layout and codec of {fn.name} are Metropipe.Wire.{cls}: {pascal(fn.name)} is taken")
        out.append(_function(fn, method, cls, notes))
    return out


def _check_function(fn: Function) -> None:
    if not fn.name.isascii() or not IDENTIFIER.match(fn.name):
        raise fail(f"C# target: the function name '{fn.name}' is not an ASCII identifier; C# stubs need ASCII "
                   "names (rename the function)", fn.location)
    if not CHANNEL_NAME.match(fn.channel_name):
        raise fail(f"C# target: invalid channel name '{fn.channel_name}': use letters, digits, '_', '.', '-' "
                   "(at most 200, not starting with '.' or '-')", fn.location)
    for p in fn.params:
        if not p.name.isascii() or not IDENTIFIER.match(p.name):
            raise fail(f"C# target: the parameter name '{p.name}' of '{fn.name}' is not an ASCII identifier; "
                       "C# stubs need ASCII names (rename the parameter)", p.location or fn.location)


def _function(fn: Function, method: str, cls: str, notes: list[str]) -> CsFunction:
    lay = layout.compute(fn)
    label = string_literal(method)
    params: list[CsParam] = []
    taken: set[str] = set(LOCALS)
    for p, slot in zip(fn.params, lay.params, strict=True):
        bare = fresh(camel(p.name), taken)
        ident = "@" + bare if bare in KEYWORDS else bare
        if bare != p.name:
            notes.append(f"parameter {p.name} of {fn.name} is {bare} here")
        cstype = CS_TYPES[p.type]
        length = f"{bare}_len" if p.type is WireType.STRING else ""
        check = ""
        if p.type is WireType.STRING:
            check = f"int {length} = {RT}.Codec.CheckString({label}, {string_literal(bare)}, {ident});"
        elif p.type is WireType.BYTES:
            check = f"{RT}.Codec.CheckBytes({label}, {string_literal(bare)}, {ident});"
        params.append(CsParam(
            name=p.name,
            ident=ident,
            type=p.type.value,
            cstype=cstype,
            offset=slot.offset,
            put=f"Put{SLOT_CODEC[p.type]}",
            check=check,
            write_args=f"{ident}, {length}" if length else ident,
            write_decl=f"{cstype} {ident}, int {length}" if length else f"{cstype} {ident}",
        ))
    timeout = fresh("timeout", taken)
    result = None
    if fn.raw:
        rtype, decl, args = "byte[]", "byte[] request", "request"
    else:
        if lay.result is not None:
            result = CsResult(lay.result.type.value, CS_TYPES[lay.result.type], f"Get{SLOT_CODEC[lay.result.type]}",
                              lay.result.offset)
        rtype = CS_TYPES[fn.result]
        decl = ", ".join(f"{p.cstype} {p.ident}" for p in params)
        args = ", ".join(p.ident for p in params)
    doc = xml_text(fn.doc.strip().splitlines()[0]) if fn.doc.strip() else ""
    return CsFunction(
        name=fn.name,
        raw=fn.raw,
        method=method,
        cls=cls,
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016X}UL",
        channel=string_literal(fn.channel_name),
        label=label,
        capacity=lay.capacity,
        request_size=lay.request_size,
        response_size=lay.response_size,
        params=tuple(params),
        result=result,
        rtype=rtype,
        decl=decl,
        args=args,
        write_decl="".join(f", {p.write_decl}" for p in params),
        write_args="".join(f", {p.write_args}" for p in params),
        timeout=timeout,
        summary=xml_text(lay.signature),
        doc=doc,
        api=(f"public static {rtype} {method}({decl})",
             f"public static {rtype} {method}({decl}{', ' if decl else ''}TimeSpan {timeout})"),
        example=_example(fn, method, rtype),
        renamed=tuple(comment_text(n) for n in notes),
    )


def _example(fn: Function, method: str, rtype: str) -> tuple[str, ...]:
    if fn.raw:
        args = EXAMPLE_ARGS[WireType.BYTES]
    else:
        args = ", ".join(str(i) + ("L" if p.type is WireType.INT64 else "") if p.type in (WireType.INT32,
                                                                                          WireType.INT64)
                         else EXAMPLE_ARGS[p.type] for i, p in enumerate(fn.params, 1))
    lead = "" if rtype == "void" else f"{rtype} result = "
    sep = ", " if args else ""
    return (f"{lead}Stubs.{method}({args});",
            f"{lead}Stubs.{method}({args}{sep}TimeSpan.FromMilliseconds(500));")


# --- reserved names ---------------------------------------------------------------------

KEYWORDS = frozenset("""
abstract as base bool break byte case catch char checked class const continue decimal default delegate do double
else enum event explicit extern false finally fixed float for foreach goto if implicit in int interface internal
is lock long namespace new null object operator out override params private protected public readonly ref return
sbyte sealed short sizeof stackalloc static string struct switch this throw true try typeof uint ulong unchecked
unsafe ushort using virtual void volatile while
""".split())

# Names the generated methods use for their own locals and fields.
LOCALS = frozenset({"p_", "size_", "timeoutNs_", "channel_"})

# Members of each Metropipe.Wire class: a class may not be named like one of its members.
CLASS_RESERVED = frozenset({"Signature", "Fingerprint", "ChannelName", "Capacity", "RequestSize", "ResponseSize",
                            "EncodeRequest", "DecodeResponse", "Call", "Write", "Read"})

# object's parameterless methods: a static method so named would hide one (CS0108).
OBJECT_METHODS = frozenset({"GetHashCode", "GetType", "ToString", "MemberwiseClone", "Finalize"})
