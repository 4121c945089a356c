"""The ``java`` target: a Java 17 client class per function, and the runtime they share.

A Java public class must live in a file named after it, so the product's ``stub.java``
becomes, by mode:

- namespace: ``metropipe/<function>/<Function>.java``, class ``metropipe.<function>.<Function>``
  (the package escapes a Java keyword with ``_``: ``metropipe.new_``);
- flat: ``metropipe/<Function>.java``, class ``metropipe.<Function>``;
- unify: ``metropipe/Stubs.java``, one class ``metropipe.Stubs`` holding every function (and a
  nested class per function for its constants and codec).

Every mode also writes the runtime the classes share, in package ``metropipe``:
``metropipe/MetropipeChannel.java`` (channel, waiting, slot codec; spec/wire.md sections 1,
3 and 6) and ``metropipe/MetropipeException.java`` (the unchecked error every call throws).
Their content does not depend on the function, so exporting more functions rewrites nothing.

The Python pass turns each function and its :func:`metropipe.layout.compute` layout into a
:class:`JavaFunction`: Java names (camelCase methods and parameters, PascalCase classes,
escaped away from keywords, ``java.lang`` and each other), type spellings, offsets and
literals. Generated code is ASCII: other characters are ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from metropipe import __version__, layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import stub_path
from metropipe.targets.codetext import camel, escape_char, fresh, pascal, string_literal, wrap_code

KEY = "java"
LANGUAGE = "Java"
EXT = ".java"
UNIFIED = "metropipe/Stubs.java"  # the one file of --unify (class metropipe.Stubs)
UNIFIED_CLASS = "Stubs"
PACKAGE = "metropipe"
RUNTIME = {  # path -> template: the runtime every Java stub shares
    "metropipe/MetropipeChannel.java": "channel.java.j2",
    "metropipe/MetropipeException.java": "exception.java.j2",
}

# Client-side error kinds: never on the wire (the same numbers as the C target's).
CLIENT_ERRORS = {"TIMEOUT": 16, "ARGUMENT": 17, "CHANNEL": 18, "PROVIDER_DIED": 19, "PROTOCOL": 20}
ERROR_TEXT = {
    "APPLICATION": 'The function failed in the provider; the message is "&lt;Type&gt;: &lt;message&gt;".',
    "LAYOUT_MISMATCH": "The provider was generated from another signature.",
    "BAD_REQUEST": "The provider found the request malformed.",
    "BAD_RESULT": "The function's result does not fit its type.",
    "PROVIDER_RESTARTED": "A provider died running this call; it was not re-run.",
    "TIMEOUT": "No answer in time (the message says what the call waited for).",
    "ARGUMENT": "A bad argument (nothing was sent), timeout, or $METROPIPE_TIMEOUT.",
    "CHANNEL": "The channel file could not be opened safely.",
    "PROVIDER_DIED": "The provider died while running this call.",
    "PROTOCOL": "The response broke the wire contract.",
}

# wire type -> Java type, and the runtime's put/get suffix
JAVA_TYPES = {
    WireType.INT32: "int",
    WireType.INT64: "long",
    WireType.FLOAT: "float",
    WireType.DOUBLE: "double",
    WireType.BOOL: "boolean",
    WireType.STRING: "String",
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
    WireType.BYTES: "new byte[] {1, 2}",
}

WIDTH = 120
CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class JavaParam:
    name: str  # as in the source
    ident: str  # the Java parameter name
    type: str  # wire type name
    jtype: str  # Java type
    offset: int  # payload offset of its slot
    put: str  # the runtime method that writes its slot
    length: str  # a string's UTF-8 length local ("" for other types)
    check: str  # the statement checking it before anything is sent, or ""
    write_args: str  # what write$ receives for it: "a", "text, text$len"
    write_decl: str  # how write$ declares it


@dataclass(frozen=True)
class JavaResult:
    type: str
    jtype: str
    get: str  # the runtime method that checks and reads the slot
    offset: int


@dataclass(frozen=True)
class JavaFunction:
    name: str  # as in the source
    raw: bool
    cls: str  # the class: Add
    method: str  # the call: add
    package: str  # its Java package
    signature: str
    fingerprint: str  # a Java long literal
    channel: str  # a Java string literal
    label: str  # a Java string literal naming the method in messages
    capacity: int
    request_size: int
    response_size: int
    params: tuple[JavaParam, ...]
    result: JavaResult | None
    rtype: str  # the Java result type
    decl: str  # "int a, int b"
    args: str  # "a, b"
    write_decl: str  # write$'s parameters after the payload
    write_args: str  # what call$ passes to write$ after the payload
    timeout: str  # the Duration parameter's name
    doc: str  # first line of the docstring, Javadoc-safe
    api: tuple[str, ...]  # the two public methods, for the class comment
    example: tuple[str, ...]
    renamed: tuple[str, ...]

    @property
    def returns(self) -> bool:
        return self.rtype != "void"


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    """The runtime files, and a class per function (a file per function; one file in unify)."""
    out = runtime_files()
    if mode == "unify":
        if record is not None and "\n" in record:
            raise ValueError("the unified record must be one line")
        model = prepare(functions, mode)
        out[UNIFIED] = wrap_code(render(__file__, "stubs.java.j2", header=comment_text(header), record=record,
                              functions=model, bodies=[_body(f, nested=True) for f in model], k=_docs(),
                              import_name=f"{PACKAGE}.{UNIFIED_CLASS}"))
        return out
    for fn in functions:
        (f,) = prepare([fn], mode)
        path = (stub_path(mode, f.package.split(".")[-1], f.cls, EXT, UNIFIED) if mode == "namespace"
                else f"{PACKAGE}/{f.cls}{EXT}")
        out[path] = wrap_code(render(__file__, "stub.java.j2", header=comment_text(header), f=f, functions=[f],
                           body=_body(f, nested=False), k=_docs(), import_name=f"{f.package}.{f.cls}"))
    return out


def runtime_files() -> dict[str, str]:
    header = f"Generated by metropipe {__version__}: the runtime every metropipe Java stub shares. Do not edit."
    return {path: wrap_code(render(__file__, template, header=header, k=_constants(), kinds=_kinds(),
                                   max_wire_code=max(layout.ERROR_CODES.values())))
            for path, template in RUNTIME.items()}


def _body(f: JavaFunction, nested: bool) -> str:
    text = render(__file__, "function.java.j2", f=f, nested=nested, k=_docs())
    if nested:
        text = textwrap.indent(text, "    ", lambda line: line.strip() != "")
    return text






@dataclass(frozen=True)
class Kind:
    name: str
    code: int
    doc: str


def _kinds() -> list[Kind]:
    return [Kind(name, code, ERROR_TEXT[name]) for name, code in [*layout.ERROR_CODES.items(),
                                                                   *CLIENT_ERRORS.items()]]


def _docs() -> dict[str, object]:
    return {
        **layout.header_numbers(),
        "STRING_MAX": layout.STRING_MAX,
        "BYTES_MAX": layout.BYTES_MAX,
        "RAW_MAX": layout.RAW_CAPACITY,
        "DEFAULT_TIMEOUT_S": f"{layout.DEFAULT_TIMEOUT_S:g}",
        "KINDS": [f"{k.name:<19} {k.code:>2}  {k.doc}" for k in _kinds()],
    }


def _constants() -> dict[str, object]:
    """The wire's numbers for the runtime (from metropipe.layout, never retyped)."""
    return {
        **_docs(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02X}",
        "CONTENDED": f"0x{layout.CONTENDED:08X}",
        "PID_MASK": f"0x{layout.PID_MASK:08X}",
        "STATES": layout.STATES,
        "LENGTH_PREFIX": layout.LENGTH_PREFIX,
        "ERROR_MESSAGE_MAX": layout.ERROR_MESSAGE_MAX,
        "MAX_WIRE_CODE": max(layout.ERROR_CODES.values()),
        "DEFAULT_TIMEOUT_NS": round(layout.DEFAULT_TIMEOUT_S * 1e9),
        "SLICE_NS": round(layout.SLICE_S * 1e9),
        "SLICE_MS": round(layout.SLICE_S * 1e3),
        "TIMEOUT_ENV": layout.TIMEOUT_ENV,
        "DIR_ENV": layout.DIR_ENV,
        "CHANNEL_PREFIX": layout.CHANNEL_PREFIX,
        # waiting without a futex (see MetropipeChannel's class comment)
        "PURE_SPIN_US": 5,
        "SPIN_US": 100,
        "PARK_MIN_US": 20,
        "PARK_MAX_US": 1000,
    }


# --- text -------------------------------------------------------------------------------


def comment_text(text: str) -> str:
    """``text`` for a Java comment: one line, ASCII, no unicode-escape or comment-end tricks.

    Java translates ``\\uXXXX`` everywhere, comments included, before anything else; so
    backslashes are doubled (no escape survives) and other characters become escapes that
    stay inside the comment (never a line end)."""
    text = text.replace("\\", "\\\\").replace("\r", " ").replace("\n", " ").replace("*/", "*\\/")
    return "".join(c if 32 <= ord(c) < 127 else escape_char(c) for c in text)


def doc_text(text: str) -> str:
    """``text`` for Javadoc: comment-safe, with HTML's special characters as entities."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")
    return comment_text(text)






# --- names ------------------------------------------------------------------------------












def prepare(functions: list[Function], mode: str) -> list[JavaFunction]:
    """The Java model of ``functions``, named uniquely within one file (unify) or package."""
    classes: set[str] = set()
    methods: set[str] = set()
    reserved_classes = CLASS_RESERVED | (PACKAGE_CLASSES if mode != "namespace" else frozenset())
    out = []
    for fn in functions:
        _check_function(fn)
        notes: list[str] = []
        cls = fresh(pascal(fn.name), classes, reserved_classes)
        types = ["byte[]"] if fn.raw else [JAVA_TYPES[p.type] for p in fn.params]
        method = camel(fn.name)
        while method in KEYWORDS or method in methods or method in METHOD_RESERVED or \
                (method, tuple(types)) in OBJECT_METHODS:
            method += "_"
        methods.add(method)
        package = PACKAGE
        if mode == "namespace":
            package = f"{PACKAGE}.{fn.name}_" if fn.name in KEYWORDS else f"{PACKAGE}.{fn.name}"
            if package != f"{PACKAGE}.{fn.name}":
                notes.append(f"the package is {package}: {fn.name} is a Java keyword")
        if cls != pascal(fn.name):
            notes.append(f"the class of {fn.name} is {cls}: {pascal(fn.name)} is taken (java.lang, the runtime, "
                         "or another function)")
        if method != camel(fn.name):
            notes.append(f"{fn.name} is called {method} here: {camel(fn.name)} is a Java keyword or taken")
        out.append(_function(fn, cls, method, package, notes, UNIFIED_CLASS if mode == "unify" else cls))
    return out


def _check_function(fn: Function) -> None:
    if not fn.name.isascii() or not IDENTIFIER.match(fn.name):
        raise fail(f"Java target: the function name '{fn.name}' is not an ASCII identifier; Java stubs need "
                   "ASCII names (rename the function)", fn.location)
    if not CHANNEL_NAME.match(fn.channel_name):
        raise fail(f"Java target: invalid channel name '{fn.channel_name}': use letters, digits, '_', '.', '-' "
                   "(at most 200, not starting with '.' or '-')", fn.location)
    for p in fn.params:
        if not p.name.isascii() or not IDENTIFIER.match(p.name):
            raise fail(f"Java target: the parameter name '{p.name}' of '{fn.name}' is not an ASCII identifier; "
                       "Java stubs need ASCII names (rename the parameter)", p.location or fn.location)


def _function(fn: Function, cls: str, method: str, package: str, notes: list[str], owner: str) -> JavaFunction:
    lay = layout.compute(fn)
    label = string_literal(method)
    params: list[JavaParam] = []
    taken: set[str] = set()
    for p, slot in zip(fn.params, lay.params, strict=True):
        ident = fresh(camel(p.name), taken, KEYWORDS)
        if ident != p.name:
            notes.append(f"parameter {p.name} of {fn.name} is {ident} here")
        jtype = JAVA_TYPES[p.type]
        length = f"{ident}$len" if p.type is WireType.STRING else ""
        check = ""
        if p.type is WireType.STRING:
            check = f"int {length} = MetropipeChannel.checkString({label}, {string_literal(ident)}, {ident});"
        elif p.type is WireType.BYTES:
            check = f"MetropipeChannel.checkBytes({label}, {string_literal(ident)}, {ident});"
        params.append(JavaParam(
            name=p.name,
            ident=ident,
            type=p.type.value,
            jtype=jtype,
            offset=slot.offset,
            put=f"put{SLOT_CODEC[p.type]}",
            length=length,
            check=check,
            write_args=f"{ident}, {length}" if length else ident,
            write_decl=f"{jtype} {ident}, int {length}" if length else f"{jtype} {ident}",
        ))
    timeout = fresh("timeout", taken)
    result = None
    if fn.raw:
        rtype, decl, args = "byte[]", "byte[] request", "request"
    else:
        if lay.result is not None:
            result = JavaResult(lay.result.type.value, JAVA_TYPES[lay.result.type],
                                f"get{SLOT_CODEC[lay.result.type]}", lay.result.offset)
        rtype = JAVA_TYPES[fn.result]
        decl = ", ".join(f"{p.jtype} {p.ident}" for p in params)
        args = ", ".join(p.ident for p in params)
    return JavaFunction(
        name=fn.name,
        raw=fn.raw,
        cls=cls,
        method=method,
        package=package,
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016X}L",
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
        doc=doc_text(fn.doc),
        api=(f"public static {rtype} {method}({decl})",
             f"public static {rtype} {method}({decl}{', ' if decl else ''}Duration {timeout})"),
        example=_example(fn, owner, method, rtype),
        renamed=tuple(comment_text(n) for n in notes),
    )


def _example(fn: Function, owner: str, method: str, rtype: str) -> tuple[str, ...]:
    if fn.raw:
        args = "new byte[] {1, 2}"
    else:
        args = ", ".join(str(i) + ("L" if p.type is WireType.INT64 else "") if p.type in (WireType.INT32,
                                                                                          WireType.INT64)
                         else EXAMPLE_ARGS[p.type] for i, p in enumerate(fn.params, 1))
    lead = "" if rtype == "void" else f"{rtype} result = "
    sep = ", " if args else ""
    return (f"{lead}{owner}.{method}({args});",
            f"{lead}{owner}.{method}({args}{sep}Duration.ofMillis(500));")


# --- reserved names ---------------------------------------------------------------------

# Keywords, literals and restricted identifiers: never a method, parameter or package name.
KEYWORDS = frozenset("""
abstract assert boolean break byte case catch char class const continue default do double else enum extends
final finally float for goto if implements import instanceof int interface long native new package private
protected public return short static strictfp super switch synchronized this throw throws transient try void
volatile while true false null _ var yield record sealed permits
""".split())

# Methods each function class has besides the call.
METHOD_RESERVED = frozenset({"encodeRequest", "decodeResponse"})

# (name, parameter types) of Object's methods, which a static method may not hide.
OBJECT_METHODS = frozenset({
    ("hashCode", ()), ("toString", ()), ("getClass", ()), ("notify", ()), ("notifyAll", ()), ("wait", ()),
    ("wait", ("long",)), ("wait", ("long", "int")), ("clone", ()), ("finalize", ()),
})

# Classes the generated code and the runtime refer to by their simple names: a function
# class so named would shadow them (java.lang's are imported on demand, so a class of the
# same package or an enclosing class wins over them).
PACKAGE_CLASSES = frozenset({UNIFIED_CLASS, "MetropipeChannel", "MetropipeException"})
CLASS_RESERVED = frozenset("""
Duration ByteBuffer Generated MetropipeChannel MetropipeException
AbstractMethodError Appendable ArithmeticException ArrayIndexOutOfBoundsException ArrayStoreException
AssertionError AutoCloseable Boolean BootstrapMethodError Byte CharSequence Character Class ClassCastException
ClassCircularityError ClassFormatError ClassLoader ClassNotFoundException ClassValue CloneNotSupportedException
Cloneable Comparable Compiler Deprecated Double Enum EnumConstantNotPresentException Error Exception
ExceptionInInitializerError Float FunctionalInterface IllegalAccessError IllegalAccessException
IllegalArgumentException IllegalCallerException IllegalMonitorStateException IllegalStateException
IllegalThreadStateException IncompatibleClassChangeError IndexOutOfBoundsException InheritableThreadLocal
InstantiationError InstantiationException Integer InternalError InterruptedException Iterable
LayerInstantiationException LinkageError Long Math Module ModuleLayer NegativeArraySizeException
NoClassDefFoundError NoSuchFieldError NoSuchFieldException NoSuchMethodError NoSuchMethodException
NullPointerException Number NumberFormatException Object OutOfMemoryError Override Package Process
ProcessBuilder ProcessHandle Readable Record ReflectiveOperationException Runnable Runtime RuntimeException
RuntimePermission SafeVarargs SecurityException SecurityManager Short StackOverflowError StackTraceElement
StackWalker StrictMath String StringBuffer StringBuilder StringIndexOutOfBoundsException SuppressWarnings System
Thread ThreadDeath ThreadGroup ThreadLocal Throwable TypeNotPresentException UnknownError UnsatisfiedLinkError
UnsupportedClassVersionError UnsupportedOperationException VerifyError VirtualMachineError Void
""".split())
