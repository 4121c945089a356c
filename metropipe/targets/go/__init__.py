"""The ``go`` target: a Go client stub (``stub.go``), standard library only, Linux.

The Python pass below turns each :class:`~metropipe.model.Function` and its
:func:`metropipe.layout.compute` layout into a :class:`GoFunction`: Go names
(exported CamelCase, escaped away from each other and from the runtime's names),
Go type spellings, parameter lists, payload offsets and the call's constants. The
templates in ``templates/`` only loop and branch; ``runtime.go.j2`` is the channel
code (spec/wire.md sections 1 and 6, the same semantics as the C runtime).

Package name. Go names a package after its folder, so by default:

- namespace mode, ``metropipe/<fn>/stub.go``: ``package <fn>`` (lowercased; a Go
  keyword or ``main`` gets a trailing ``_``);
- flat mode, ``metropipe/<fn>.go``: ``package metropipe``; the runtime then goes to
  ``metropipe/metropipe-runtime.go`` once, shared by every flat stub of the folder
  (a function name cannot contain ``-``, so that file never collides with a stub);
- unify mode, ``metropipe.go``: ``package metropipe``.

``files(..., package="name")`` chooses another (the CLI has no per-target option
yet). Several functions in one package: use flat or unify mode, whose files share
one runtime; two namespace stubs in one package would define it twice. Names are
made unique within one file: in flat mode, where each file sees one function, two
functions whose Go names collide (``ping``'s ``PingTimeout`` and a function
``ping_timeout``) need unify mode.

API per function ``add``: ``Add(a, b int32) (int32, error)``, ``AddTimeout(..., d
time.Duration)``, ``AddContext(ctx, ...)`` (the context's deadline, else the default
timeout, and its cancellation), ``AddEncode``/``AddDecode`` (the codec, for tests) and
the layout constants ``AddSignature``, ``AddFingerprint``, ``AddCapacity``,
``AddRequestSize``, ``AddResponseSize``. Errors are ``*Error{Code, Message}``;
``errors.Is(err, ErrTimeout)`` (and the other ``Err*``) compares codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from metropipe import __version__, layout
from metropipe.errors import fail
from metropipe.model import Function, Param, WireType
from metropipe.render import render
from metropipe.targets import stub_path

KEY = "go"
LANGUAGE = "Go"
EXT = ".go"
UNIFIED = "metropipe.go"
RUNTIME_FILE = "metropipe/metropipe-runtime.go"  # flat mode: the runtime, once per folder
DEFAULT_PACKAGE = "metropipe"

# Little-endian architectures Go supports on Linux (the wire and its atomic words are LE).
BUILD = "linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)"

# Client-side error codes: never on the wire (the same numbers as the C stub's).
CLIENT_ERRORS = {
    "TIMEOUT": 16,
    "ARGUMENT": 17,
    "CHANNEL": 18,
    "PROVIDER_DIED": 19,
    "PROTOCOL": 20,
}
ERROR_TEXT = {
    "APPLICATION": "the function failed in the provider",
    "LAYOUT_MISMATCH": "the provider was generated from another signature",
    "BAD_REQUEST": "the provider found the request malformed",
    "BAD_RESULT": "the function's result does not fit its type",
    "PROVIDER_RESTARTED": "a provider died running this call; it was not re-run",
    "TIMEOUT": "no answer in time",
    "ARGUMENT": "a bad argument; nothing was sent",
    "CHANNEL": "the channel file could not be opened safely",
    "PROVIDER_DIED": "the provider died while running this call",
    "PROTOCOL": "the response broke the wire contract",
}

# wire type -> (Go type, zero value, runtime suffix of its put/get/check helpers)
GO_TYPES = {
    WireType.INT32: ("int32", "0", "Int32"),
    WireType.INT64: ("int64", "0", "Int64"),
    WireType.FLOAT: ("float32", "0", "Float32"),
    WireType.DOUBLE: ("float64", "0", "Float64"),
    WireType.BOOL: ("bool", "false", "Bool"),
    WireType.STRING: ("string", '""', "String"),
    WireType.BYTES: ("[]byte", "nil", "Bytes"),
}
EXAMPLE_ARGS = {
    WireType.INT32: "1",
    WireType.INT64: "2",
    WireType.FLOAT: "1.5",
    WireType.DOUBLE: "2.5",
    WireType.BOOL: "true",
    WireType.STRING: '"hello"',
    WireType.BYTES: '[]byte{1, 2}',
}

CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

KEYWORDS = frozenset("""
break case chan const continue default defer else fallthrough for func go goto if import interface map package
range return select struct switch type var
""".split())
# The universe block: a parameter so named would shadow what a function body uses.
PREDECLARED = frozenset("""
any append bool byte cap clear close comparable complex complex128 complex64 copy delete error false float32
float64 imag int int16 int32 int64 int8 iota len make max min new nil panic print println real recover rune
string true uint uint16 uint32 uint64 uint8 uintptr
""".split())
# Packages a stub imports (file scope) and the locals of the generated functions.
IMPORTS = ("bytes", "context", "encoding/binary", "fmt", "math", "os", "strconv", "strings", "sync",
           "sync/atomic", "syscall", "time", "unicode/utf8", "unsafe")
FUNCTION_IMPORTS = ("context", "time")
LOCALS = frozenset({"c", "ctx", "err", "result", "timeout", "payload", "size"})

# The runtime's exported names (Code, its constants, Error, its sentinels, DecodeError).
_ALL_ERRORS = {**layout.ERROR_CODES, **CLIENT_ERRORS}


def _camel(upper_snake: str) -> str:
    return "".join(part.capitalize() for part in upper_snake.lower().split("_"))


RUNTIME_EXPORTS = frozenset(
    {"Code", "Error", "DecodeError"}
    | {f"Code{_camel(n)}" for n in _ALL_ERRORS}
    | {f"Err{_camel(n)}" for n in _ALL_ERRORS}
)


@dataclass(frozen=True)
class GoParam:
    name: str  # as in the source
    ident: str  # the Go parameter name
    type: str  # wire type name
    gotype: str
    offset: int
    put: str  # runtime function that writes the slot
    check: str  # runtime function that checks the value, or ""


@dataclass(frozen=True)
class GoResult:
    type: str
    gotype: str
    zero: str
    offset: int
    get: str  # runtime function that checks and reads the slot


@dataclass(frozen=True)
class GoFunction:
    name: str  # as in the source
    raw: bool
    signature: str
    fingerprint: str  # "0x" + 16 hex digits
    capacity: int
    request_size: int
    response_size: int
    channel: str
    doc: str
    call: str  # Add
    call_timeout: str  # AddTimeout
    call_context: str  # AddContext
    encode: str  # AddEncode
    decode: str  # AddDecode
    const_signature: str  # AddSignature
    const_fingerprint: str
    const_capacity: str
    const_request_size: str
    const_response_size: str
    channel_var: str  # mpAddChannel
    impl: str  # mpAddCall: the call, shared by the three public variants
    check: str  # mpAddCheck, "" when no argument can be refused
    write: str  # mpAddWrite
    read: str  # mpAddRead
    params: tuple[GoParam, ...]
    checked: tuple[GoParam, ...]
    result: GoResult | None
    decls: str  # "a int32, b int32"
    args: str  # "a, b"
    check_decls: str  # the parameters of check: "text string, blob []byte"
    check_args: str
    consts: tuple[str, ...]  # the layout constants, aligned as gofmt does
    api: tuple[str, ...]  # the three public declarations, for the header comment
    returns: str  # "(int32, error)" or "error"
    zero: str  # what a failing call returns before the error: "0, " or ""
    example: tuple[str, ...]
    renamed: tuple[str, ...]


def files(functions: list[Function], mode: str, header: str, record: str | None,
          package: str | None = None) -> dict[str, str]:
    """Render ``stub.go`` per function, ``metropipe.go`` (unify), or flat files plus their shared runtime.

    ``package`` overrides the default package name (see the module docstring)."""
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    if package is not None and not _valid_package(package):
        raise fail(f"Go target: '{package}' is not a valid Go package name (an ASCII identifier, not a keyword, "
                   "not '_'; lowercase by convention)")
    if mode == "unify":
        pkg = package or DEFAULT_PACKAGE
        return {stub_path(mode, "", "stub", EXT, UNIFIED): _render(functions, header, record, pkg, runtime=True,
                                                                   package_doc=False)}
    out = {}
    for fn in functions:
        path = stub_path(mode, fn.name, "stub", EXT, UNIFIED)
        if mode == "namespace":
            pkg = package or package_for(fn.name)
            out[path] = _render([fn], header, None, pkg, runtime=True, package_doc=True)
        else:
            pkg = package or DEFAULT_PACKAGE
            out[path] = _render([fn], header, None, pkg, runtime=False, package_doc=False)
            # Shared by every flat stub of the folder: its header must not depend on which
            # export wrote it, or two exports would disagree about its content.
            shared = f"Generated by metropipe {__version__}: the channel runtime of the flat Go stubs. Do not edit."
            out[RUNTIME_FILE] = _render([], shared, None, pkg, runtime=True, package_doc=False)
    return out


def package_for(function: str) -> str:
    """The default package of a namespace-mode stub: its folder's name, lowercased and made legal."""
    name = function.lower()
    while name in KEYWORDS or name in ("main", "_"):
        name += "_"
    return name


def _valid_package(name: str) -> bool:
    return bool(IDENTIFIER.match(name)) and name not in KEYWORDS and name != "_"


def _render(functions: list[Function], header: str, record: str | None, package: str, *, runtime: bool,
            package_doc: bool) -> str:
    model = _prepare(functions)
    imports = IMPORTS if runtime else (FUNCTION_IMPORTS if model else ())
    return render(
        __file__,
        "stub.go.j2",
        header=comment_text(header),
        record=record,
        build=BUILD,
        package=package,
        package_doc=package_doc,
        runtime=runtime,
        imports=imports,
        functions=model,
        example=model[0].example[0].replace("{pkg}", package) if model else "",
        k=_constants(),
    )


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows of cells joined as gofmt aligns a block: every cell but the last padded to its column."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [" ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]) for r in rows]


def comment_text(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def _constants() -> dict[str, object]:
    """The wire's numbers for runtime.go.j2 (from metropipe.layout, never retyped)."""
    return {
        **layout.header_numbers(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02X}",
        "SLEEPER": f"0x{layout.SLEEPER:08X}",
        "CONTENDED": f"0x{layout.CONTENDED:08X}",
        "PID_MASK": f"0x{layout.PID_MASK:08X}",
        "STATES": {_camel(k): v for k, v in layout.STATES.items()},
        "ERRORS": [(_camel(name), name, code, ERROR_TEXT[name]) for name, code in _ALL_ERRORS.items()],
        "CODE_LINES": _aligned([(f"Code{_camel(n)}", f"Code = {c}", f"// {ERROR_TEXT[n]}")
                                for n, c in _ALL_ERRORS.items()]),
        "SENTINEL_LINES": _aligned([(f"Err{_camel(n)}",
                                     f'= &Error{{Code: Code{_camel(n)}, Message: "metropipe: {ERROR_TEXT[n]}"}}')
                                    for n in _ALL_ERRORS]),
        "FIRST_WIRE_ERROR": min(layout.ERROR_CODES.values()),
        "LAST_WIRE_ERROR": max(layout.ERROR_CODES.values()),
        "LAYOUT_MISMATCH": layout.E_LAYOUT_MISMATCH,
        "ERROR_MESSAGE_MAX": layout.ERROR_MESSAGE_MAX,
        "STRING_MAX": layout.STRING_MAX,
        "BYTES_MAX": layout.BYTES_MAX,
        "RAW_MAX": layout.RAW_CAPACITY,
        "LENGTH_PREFIX": layout.LENGTH_PREFIX,
        "DEFAULT_TIMEOUT_S": f"{layout.DEFAULT_TIMEOUT_S:g}",
        "DEFAULT_TIMEOUT_MS": round(layout.DEFAULT_TIMEOUT_S * 1000),
        "SLICE_MS": round(layout.SLICE_S * 1000),
        "TIMEOUT_ENV": layout.TIMEOUT_ENV,
        "DIR_ENV": layout.DIR_ENV,
        "CHANNEL_PREFIX": layout.CHANNEL_PREFIX,
    }


# --- names ------------------------------------------------------------------------


def exported(name: str) -> str:
    """``blob_of`` -> ``BlobOf``, ``getHTTP`` -> ``GetHTTP``, ``_x`` -> ``X``."""
    parts = [p for p in name.split("_") if p]
    out = "".join(p[0].upper() + p[1:] for p in parts) or "X"
    return "X" + out if out[0].isdigit() else out


def unexported(name: str) -> str:
    """``blob_len`` -> ``blobLen``, ``HTTPCode`` -> ``hTTPCode``, ``_`` -> ``arg``."""
    parts = [p for p in name.split("_") if p]
    if not parts:
        return "arg"
    out = parts[0][0].lower() + parts[0][1:] + "".join(p[0].upper() + p[1:] for p in parts[1:])
    return "x" + out if out[0].isdigit() else out


def _claim(name: str, taken: set[str]) -> str:
    ident = name
    while ident in taken:
        ident += "_"
    taken.add(ident)
    return ident


def _check_function(fn: Function) -> None:
    if not fn.name.isascii() or not IDENTIFIER.match(fn.name):
        raise fail(f"Go target: the function name '{fn.name}' is not an ASCII identifier; Go stubs need ASCII "
                   "names (rename the function)", fn.location)
    if not CHANNEL_NAME.match(fn.channel_name):
        raise fail(f"Go target: invalid channel name '{fn.channel_name}': use letters, digits, '_', '.', '-' "
                   "(at most 200, not starting with '.' or '-')", fn.location)
    for p in fn.params:
        if not p.name.isascii() or not IDENTIFIER.match(p.name):
            raise fail(f"Go target: the parameter name '{p.name}' of '{fn.name}' is not an ASCII identifier; "
                       "Go stubs need ASCII names (rename the parameter)", p.location or fn.location)


PUBLIC = ("", "Timeout", "Context")
HELPERS = ("Encode", "Decode", "Signature", "Fingerprint", "Capacity", "RequestSize", "ResponseSize")
INTERNAL = ("Channel", "Call", "Check", "Write", "Read")


def _prepare(functions: list[Function]) -> list[GoFunction]:
    """Name every function's Go identifiers (unique in the package), then build the models.

    The functions' own names are claimed first, then their Timeout and Context variants,
    then the helpers: a variant or helper of one function never takes another's name."""
    taken: set[str] = set(RUNTIME_EXPORTS) | set(runtime_internal_names())
    for fn in functions:
        _check_function(fn)
    public: list[dict[str, str]] = [{} for _ in functions]
    notes: list[list[str]] = [[] for _ in functions]
    for suffix in PUBLIC:  # every function's own name first, then the variants
        for fn, names, renamed in zip(functions, public, notes, strict=True):
            want = exported(fn.name) + suffix
            names[suffix] = _claim(want, taken)
            if names[suffix] != want:
                renamed.append(f"{want} is spelled {names[suffix]} here: the name is used by the runtime or by "
                               "another function in this file")
    for names in public:
        base = names[""].rstrip("_")  # Error_ -> ErrorEncode
        for suffix in HELPERS:
            names[suffix] = _claim(base + suffix, taken)
        for suffix in INTERNAL:
            names["mp" + suffix] = _claim("mp" + base + suffix, taken)
    return [_function(fn, names, renamed) for fn, names, renamed in zip(functions, public, notes, strict=True)]


def _param_idents(params: tuple[Param, ...], body_names: set[str]) -> list[str]:
    taken = set(KEYWORDS) | set(PREDECLARED) | set(LOCALS) | body_names | {i.rsplit("/", 1)[-1] for i in IMPORTS}
    return [_claim(unexported(p.name), taken) for p in params]


def _function(fn: Function, names: dict[str, str], renamed: list[str]) -> GoFunction:
    lay = layout.compute(fn)
    call = names[""]
    notes = list(renamed)
    params: list[GoParam] = []
    result: GoResult | None = None
    if fn.raw:
        decls, args = "request []byte", "request"
        returns, zero = "([]byte, error)", "nil, "
        example: tuple[str, ...] = (f'response, err := {{pkg}}.{call}([]byte("ping"))',)
    else:
        body_names = {names[k] for k in names} | set(RUNTIME_EXPORTS) | set(runtime_internal_names())
        idents = _param_idents(fn.params, body_names)
        for p, slot, ident in zip(fn.params, lay.params, idents, strict=True):
            if ident != unexported(p.name):
                notes.append(f"parameter {p.name} of {fn.name} is spelled {ident} here (a Go keyword, a "
                             "predeclared name or a name the stub uses)")
            gotype, _zero, suffix = GO_TYPES[p.type]
            params.append(GoParam(
                name=p.name,
                ident=ident,
                type=p.type.value,
                gotype=gotype,
                offset=slot.offset,
                put=f"mpPut{suffix}",
                check=f"mpCheck{suffix}" if slot.is_variable else "",
            ))
        if lay.result is not None:
            gotype, zero_value, suffix = GO_TYPES[lay.result.type]
            result = GoResult(lay.result.type.value, gotype, zero_value, lay.result.offset, f"mpGet{suffix}")
        decls = ", ".join(f"{p.ident} {p.gotype}" for p in params)
        args = ", ".join(p.ident for p in params)
        returns = f"({result.gotype}, error)" if result else "error"
        zero = f"{result.zero}, " if result else ""
        example = _example(call, fn, result)
    checked = tuple(p for p in params if p.check)
    if fn.raw:
        check_decls, check_args = decls, args
    else:
        check_decls = ", ".join(f"{p.ident} {p.gotype}" for p in checked)
        check_args = ", ".join(p.ident for p in checked)
    consts = [
        (names["Signature"], f'"{lay.signature}"'),
        (names["Fingerprint"], f"uint64({lay.fingerprint_hex})"),
        (names["Capacity"], str(lay.capacity)),
        (names["RequestSize"], str(lay.request_size)),
        (names["ResponseSize"], str(lay.response_size)),
    ]
    width = max(len(n) for n, _ in consts)
    sep = ", " if decls else ""
    api = (
        f"func {call}({decls}) {returns}",
        f"func {names['Timeout']}({decls}{sep}timeout time.Duration) {returns}",
        f"func {names['Context']}(ctx context.Context{sep}{decls}) {returns}",
    )
    return GoFunction(
        name=fn.name,
        raw=fn.raw,
        signature=lay.signature,
        fingerprint=lay.fingerprint_hex,
        capacity=lay.capacity,
        request_size=lay.request_size,
        response_size=lay.response_size,
        channel=fn.channel_name,
        doc=comment_text(fn.doc.strip().splitlines()[0] if fn.doc.strip() else ""),
        call=call,
        call_timeout=names["Timeout"],
        call_context=names["Context"],
        encode=names["Encode"],
        decode=names["Decode"],
        const_signature=names["Signature"],
        const_fingerprint=names["Fingerprint"],
        const_capacity=names["Capacity"],
        const_request_size=names["RequestSize"],
        const_response_size=names["ResponseSize"],
        channel_var=names["mpChannel"],
        impl=names["mpCall"],
        check=names["mpCheck"] if (checked or fn.raw) else "",
        write=names["mpWrite"],
        read=names["mpRead"],
        params=tuple(params),
        checked=checked,
        result=result,
        decls=decls,
        args=args,
        check_decls=check_decls,
        check_args=check_args,
        consts=tuple(f"{n.ljust(width)} = {v}" for n, v in consts),
        api=api,
        returns=returns,
        zero=zero,
        example=example,
        renamed=tuple(comment_text(n) for n in notes),
    )


def _example(call: str, fn: Function, result: GoResult | None) -> tuple[str, ...]:
    args = ", ".join(str(i) if p.type in (WireType.INT32, WireType.INT64) else EXAMPLE_ARGS[p.type]
                     for i, p in enumerate(fn.params, 1))
    if result is None:
        return (f"err := {{pkg}}.{call}({args})",)
    return (f"result, err := {{pkg}}.{call}({args})",)


_RUNTIME_NAME = re.compile(r"\b(mp[A-Z]\w*)")


@cache
def runtime_internal_names() -> frozenset[str]:
    """Every ``mpXxx`` identifier the runtime template defines or uses."""
    text = (Path(__file__).parent / "templates" / "runtime.go.j2").read_text(encoding="utf-8")
    return frozenset(_RUNTIME_NAME.findall(text))
