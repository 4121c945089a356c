"""The ``rust`` target: a Rust client stub (``stub.rs``), standard library only, Linux.

The Python pass below turns each :class:`~metropipe.model.Function` and its
:func:`metropipe.layout.compute` layout into a :class:`RustFunction`: snake_case
names (keywords escaped, unique within the file), Rust type spellings, parameter
lists wrapped the way rustfmt wraps them, payload offsets and the call's constants.
The templates in ``templates/`` only loop and branch; ``runtime.rs.j2`` is the
channel code (spec/wire.md sections 1 and 6, the same semantics as the C runtime).

A stub is a module: ``#[path = "metropipe/add/stub.rs"] mod add;`` (or
``mod add { include!("metropipe/add/stub.rs"); }``), so it has no inner attributes
(``#![...]``, ``//!``), which ``include!`` refuses. It compiles warnings-free on
editions 2021 and 2024 (``unsafe extern "C"``, Rust 1.82 or later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, Param, WireType
from metropipe.render import render
from metropipe.targets import stub_path

KEY = "rust"
LANGUAGE = "Rust"
EXT = ".rs"
UNIFIED = "metropipe.rs"

WIDTH = 100  # rustfmt's max_width
CALL_WIDTH = 60  # rustfmt's fn_call_width: longer argument lists go one a line

# Client-side error codes: never on the wire (the same numbers as the C stub's).
CLIENT_ERRORS = {
    "TIMEOUT": 16,
    "ARGUMENT": 17,
    "CHANNEL": 18,
    "PROVIDER_DIED": 19,
    "PROTOCOL": 20,
}
ERROR_TEXT = {
    "APPLICATION": 'The function failed in the provider; the message is "<Type>: <text>".',
    "LAYOUT_MISMATCH": "The provider was generated from another signature.",
    "BAD_REQUEST": "The provider found the request malformed.",
    "BAD_RESULT": "The function's result does not fit its type.",
    "PROVIDER_RESTARTED": "A provider died running this call; it was not re-run.",
    "TIMEOUT": "No answer in time; the message says what the call waited for.",
    "ARGUMENT": "A bad argument (nothing was sent), or a bad $METROPIPE_TIMEOUT.",
    "CHANNEL": "The channel file could not be opened safely.",
    "PROVIDER_DIED": "The provider died while running this call.",
    "PROTOCOL": "The response broke the wire contract.",
}
_ALL_ERRORS = {**layout.ERROR_CODES, **CLIENT_ERRORS}

# wire type -> (parameter type, result type, runtime suffix of its put/get helpers)
RUST_TYPES = {
    WireType.INT32: ("i32", "i32", "i32"),
    WireType.INT64: ("i64", "i64", "i64"),
    WireType.FLOAT: ("f32", "f32", "f32"),
    WireType.DOUBLE: ("f64", "f64", "f64"),
    WireType.BOOL: ("bool", "bool", "bool"),
    WireType.STRING: ("&str", "String", "string"),
    WireType.BYTES: ("&[u8]", "Vec<u8>", "bytes"),
}
EXAMPLE_ARGS = {
    WireType.INT32: "1",
    WireType.INT64: "2",
    WireType.FLOAT: "1.5",
    WireType.DOUBLE: "2.5",
    WireType.BOOL: "true",
    WireType.STRING: '"hello"',
    WireType.BYTES: "&[1, 2]",
}

CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Strict and reserved keywords of every edition up to 2024 (a raw identifier r#x escapes them).
KEYWORDS = frozenset("""
abstract as async await become box break const continue crate do dyn else enum extern false final fn for gen if
impl in let loop macro match mod move mut override priv pub ref return self static struct super trait true try
type typeof unsafe unsized use virtual where while yield
""".split())
NOT_RAW = frozenset({"crate", "self", "super", "Self", "_"})  # keywords r# cannot escape
# Names a function body uses (locals, its own helpers are added per function).
LOCALS = frozenset({"call", "timeout", "payload", "size", "rt", "result"})
RUNTIME_PUBLIC = frozenset({"Error", "ErrorKind", "decode_error", "rt"})


@dataclass(frozen=True)
class RustParam:
    name: str  # as in the source
    ident: str  # the Rust parameter name
    type: str  # wire type name
    rtype: str
    offset: int
    put: str  # rt function that writes the slot
    checked: bool  # whether a value can be refused (string, bytes length)


@dataclass(frozen=True)
class RustResult:
    type: str
    rtype: str
    offset: int
    get: str  # rt function that checks and reads the slot
    fallible: bool  # whether reading can fail (bool byte, lengths, UTF-8)


@dataclass(frozen=True)
class RustFunction:
    name: str
    raw: bool
    signature: str
    fingerprint: str
    capacity: int
    request_size: int
    response_size: int
    channel: str
    doc: str
    call: str  # add
    call_timeout: str  # add_timeout
    encode: str  # add_encode
    decode: str  # add_decode
    const_signature: str  # ADD_SIGNATURE
    const_fingerprint: str
    const_capacity: str
    const_request_size: str
    const_response_size: str
    channel_var: str  # ADD_CHANNEL (private)
    impl: str  # add_call (private): the call behind both public variants
    check: str  # add_check (private), "" when no argument can be refused
    write: str  # add_write (private)
    read: str  # add_read (private)
    params: tuple[RustParam, ...]
    checked: tuple[RustParam, ...]
    result: RustResult | None
    returns: str  # "i32", "()", "Vec<u8>"
    # declarations and calls, already wrapped as rustfmt wraps them (each ends before " {" / ";")
    declare_call: str
    declare_call_timeout: str
    declare_impl: str
    declare_check: str
    declare_write: str
    declare_read: str
    declare_encode: str
    declare_decode: str
    code: dict[str, Any]  # statements and items, each laid out as rustfmt does (see _code)
    many_args: tuple[str, ...]  # the private/public fns over clippy's argument limit
    api: tuple[str, ...]  # the public declarations, for the header comment
    example: str
    renamed: tuple[str, ...]


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    """Render ``stub.rs`` for each function, or one ``metropipe.rs`` holding all of them (unify)."""
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    if mode == "unify":
        path = stub_path(mode, "", "stub", EXT, UNIFIED)
        return {path: _render(functions, header, record, "metropipe", path)}
    out = {}
    for fn in functions:
        path = stub_path(mode, fn.name, "stub", EXT, UNIFIED)
        out[path] = _render([fn], header, None, module_for(fn.name), path)
    return out


def module_for(function: str) -> str:
    """The module name a user gives a stub in the header comment's example."""
    name = snake(function)
    return f"{name}_" if name in KEYWORDS or name in NOT_RAW else name


def _render(functions: list[Function], header: str, record: str | None, module: str, path: str) -> str:
    model = _prepare(functions)
    return render(
        __file__,
        "stub.rs.j2",
        header=comment_text(header),
        record=record,
        functions=model,
        module=module,
        path=path,
        example=model[0].example.replace("{module}", module),
        k=_constants(),
    )


def comment_text(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def _camel(upper_snake: str) -> str:
    return "".join(part.capitalize() for part in upper_snake.lower().split("_"))


def _constants() -> dict[str, object]:
    """The wire's numbers for runtime.rs.j2 (from metropipe.layout, never retyped)."""
    return {
        **layout.header_numbers(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02X}",
        "SLEEPER": f"0x{layout.SLEEPER:08X}",
        "CONTENDED": f"0x{layout.CONTENDED:08X}",
        "PID_MASK": f"0x{layout.PID_MASK:08X}",
        "STATES": layout.STATES,
        "ERRORS": [(_camel(name), name, code, ERROR_TEXT[name]) for name, code in _ALL_ERRORS.items()],
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


def snake(name: str) -> str:
    """``getWeather`` -> ``get_weather``, ``HTTPCode`` -> ``http_code``, ``blob_of`` unchanged."""
    out = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    out = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", out)
    return re.sub(r"(?<=[^_])__+(?=[^_])", "_", out.lower())  # rustc's non_snake_case refuses inner "__"


def _escape(name: str) -> str:
    """A keyword as a raw identifier (``r#type``); the few r# cannot take get a trailing ``_``."""
    if name in NOT_RAW:
        return name + "_"
    return f"r#{name}" if name in KEYWORDS else name


def _claim(name: str, taken: set[str]) -> str:
    ident = name
    while ident in taken or ident in NOT_RAW:
        ident += "_"
    taken.add(ident)
    return _escape(ident)


def _check_function(fn: Function) -> None:
    if not fn.name.isascii() or not IDENTIFIER.match(fn.name):
        raise fail(f"Rust target: the function name '{fn.name}' is not an ASCII identifier; Rust stubs need ASCII "
                   "names (rename the function)", fn.location)
    if not CHANNEL_NAME.match(fn.channel_name):
        raise fail(f"Rust target: invalid channel name '{fn.channel_name}': use letters, digits, '_', '.', '-' "
                   "(at most 200, not starting with '.' or '-')", fn.location)
    for p in fn.params:
        if not p.name.isascii() or not IDENTIFIER.match(p.name):
            raise fail(f"Rust target: the parameter name '{p.name}' of '{fn.name}' is not an ASCII identifier; "
                       "Rust stubs need ASCII names (rename the parameter)", p.location or fn.location)


HELPERS = ("encode", "decode", "call", "check", "write", "read")
CONSTS = ("SIGNATURE", "FINGERPRINT", "CAPACITY", "REQUEST_SIZE", "RESPONSE_SIZE", "CHANNEL")


def _prepare(functions: list[Function]) -> list[RustFunction]:
    """Name every function's items (unique in the file), then build the models. The functions'
    own names are claimed first, then their _timeout variants, then the helpers: a variant or
    helper of one function never takes another's name."""
    taken: set[str] = set(RUNTIME_PUBLIC)
    for fn in functions:
        _check_function(fn)
    names: list[dict[str, str]] = [{} for _ in functions]
    notes: list[list[str]] = [[] for _ in functions]
    for suffix in ("", "_timeout"):  # every function's own name first, then the variants
        for fn, mine, renamed in zip(functions, names, notes, strict=True):
            want = snake(fn.name) + suffix
            mine[suffix] = _claim(want, taken)
            if mine[suffix] != want:
                renamed.append(f"{want} is spelled {mine[suffix]} here: it is a Rust keyword or a name used by "
                               "the runtime or another function in this file")
    for mine in names:
        base = mine[""].removeprefix("r#").rstrip("_")  # ping_timeout_ -> ping_timeout_encode
        for suffix in HELPERS:
            mine[suffix] = _claim(f"{base}_{suffix}", taken)
        for suffix in CONSTS:
            mine[suffix] = _claim(f"{base.upper()}_{suffix}", taken)
    return [_function(fn, mine, renamed) for fn, mine, renamed in zip(functions, names, notes, strict=True)]


def _param_idents(params: tuple[Param, ...], body_names: set[str]) -> list[str]:
    taken = set(LOCALS) | body_names
    return [_claim(snake(p.name), taken) for p in params]


# --- rustfmt's wrapping -----------------------------------------------------------


def _signature(indent: int, head: str, params: list[str], tail: str) -> str:
    """``head(params)tail`` on one line when it fits rustfmt's width, else one parameter a line
    (what rustfmt does with a function signature or a call). ``tail`` is " -> T" or ""."""
    one = f"{' ' * indent}{head}({', '.join(params)}){tail}"
    if len(one) + 2 <= WIDTH or not params:  # + " {"
        return one
    pad = " " * (indent + 4)
    lines = [f"{' ' * indent}{head}("] + [f"{pad}{p}," for p in params] + [f"{' ' * indent}){tail}"]
    return "\n".join(lines)


def _call(indent: int, head: str, args: list[str], tail: str = "") -> str:
    """A call expression statement as rustfmt lays it out (``tail`` like "?;" or ")")."""
    one = f"{' ' * indent}{head}({', '.join(args)}){tail}"
    if (len(one) <= WIDTH and len(", ".join(args)) <= CALL_WIDTH) or not args:
        return one
    pad = " " * (indent + 4)
    return "\n".join([f"{' ' * indent}{head}("] + [f"{pad}{a}," for a in args] + [f"{' ' * indent}){tail}"])


def _static(head: str, func: str, args: list[str]) -> str:
    """``head = func(args);`` as rustfmt lays out an item: one line, else the value on the next
    line, else one argument a line."""
    value = f"{func}({', '.join(args)});"
    if len(", ".join(args)) > CALL_WIDTH:
        return _call(0, f"{head} = {func}", args, ";")
    if len(f"{head} = {value}") <= WIDTH:
        return f"{head} = {value}"
    if len(value) + 4 <= WIDTH:
        return f"{head} =\n    {value}"
    return _call(0, f"{head} = {func}", args, ";")


def _function(fn: Function, names: dict[str, str], renamed: list[str]) -> RustFunction:
    lay = layout.compute(fn)
    notes = list(renamed)
    call, call_timeout = names[""], names["_timeout"]
    params: list[RustParam] = []
    result: RustResult | None = None
    if fn.raw:
        decls, args = ["request: &[u8]"], ["request"]
        returns = "Vec<u8>"
        example = f'let response = {{module}}::{call}(b"ping")?;'
    else:
        body = {v.removeprefix("r#") for v in names.values()}
        idents = _param_idents(fn.params, body)
        for p, slot, ident in zip(fn.params, lay.params, idents, strict=True):
            if ident != snake(p.name):
                notes.append(f"parameter {p.name} of {fn.name} is spelled {ident} here (a Rust keyword or a name "
                             "the stub uses)")
            rtype, _result_type, suffix = RUST_TYPES[p.type]
            params.append(RustParam(p.name, ident, p.type.value, rtype, slot.offset, f"rt::put_{suffix}",
                                    slot.is_variable))
        if lay.result is not None:
            _ptype, rtype, suffix = RUST_TYPES[lay.result.type]
            result = RustResult(lay.result.type.value, rtype, lay.result.offset, f"rt::get_{suffix}",
                                lay.result.type in (WireType.BOOL, WireType.STRING, WireType.BYTES))
        decls = [f"{p.ident}: {p.rtype}" for p in params]
        args = [p.ident for p in params]
        returns = result.rtype if result else "()"
        example = _example(call, fn)
    checked = tuple(p for p in params if p.checked)
    has_check = bool(checked) or fn.raw
    check_decls = decls if fn.raw else [f"{p.ident}: {p.rtype}" for p in checked]
    check_args = args if fn.raw else [p.ident for p in checked]
    result_t = f"Result<{returns}, Error>"
    timeout_decls = [*decls, "timeout: Duration"]
    impl_decls = ["timeout: Option<Duration>", *decls]
    encode_decls = ["payload: &mut [u8]", *decls]
    many = []
    if len(timeout_decls) > 7:
        many.append(call_timeout)
    if len(impl_decls) > 7:
        many.append(names["call"])
    if len(encode_decls) > 7:
        many.append(names["encode"])
    if len(["payload: &mut [u8]", *decls]) > 7:
        many.append(names["write"])
    if len(decls) > 7:
        many.append(call)
    write_decls = ["payload: &mut [u8]", *decls]
    return RustFunction(
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
        call_timeout=call_timeout,
        encode=names["encode"],
        decode=names["decode"],
        const_signature=names["SIGNATURE"],
        const_fingerprint=names["FINGERPRINT"],
        const_capacity=names["CAPACITY"],
        const_request_size=names["REQUEST_SIZE"],
        const_response_size=names["RESPONSE_SIZE"],
        channel_var=names["CHANNEL"],
        impl=names["call"],
        check=names["check"] if has_check else "",
        write=names["write"],
        read=names["read"],
        params=tuple(params),
        checked=checked,
        result=result,
        returns=returns,
        declare_call=_signature(0, f"pub fn {call}", decls, f" -> {result_t}"),
        declare_call_timeout=_signature(0, f"pub fn {call_timeout}", timeout_decls, f" -> {result_t}"),
        declare_impl=_signature(0, f"fn {names['call']}", impl_decls, f" -> {result_t}"),
        declare_check=_signature(0, f"fn {names['check']}", check_decls, " -> Result<(), Error>"),
        declare_write=_signature(0, f"fn {names['write']}", write_decls if (fn.raw or params) else
                                 ["_payload: &mut [u8]"], " -> usize" if fn.raw else ""),
        declare_read=_signature(0, f"fn {names['read']}", ["payload: &[u8]", "size: usize"]
                                if fn.raw else ["payload: &[u8]"], f" -> {result_t}"),
        declare_encode=_signature(0, f"pub fn {names['encode']}", encode_decls, " -> Result<usize, Error>"),
        declare_decode=_signature(0, f"pub fn {names['decode']}", ["payload: &[u8]", "size: usize"]
                                  if (fn.raw or result) else ["_payload: &[u8]", "_size: usize"],
                                  f" -> {result_t}"),
        code=_code(fn, lay, names, params, result, args, check_args),
        many_args=tuple(many),
        api=(
            _signature(0, f"pub fn {call}", decls, f" -> {result_t}"),
            _signature(0, f"pub fn {call_timeout}", timeout_decls, f" -> {result_t}"),
        ),
        example=example,
        renamed=tuple(comment_text(n) for n in notes),
    )


def _item(head: str, value: str) -> str:
    """``head = value;`` as rustfmt lays out a const: the value on the next line when too long."""
    one = f"{head} = {value};"
    return one if len(one) <= WIDTH else f"{head} =\n    {value};"


def _code(fn: Function, lay: layout.Layout, names: dict[str, str], params: list[RustParam],
          result: RustResult | None, args: list[str], check_args: list[str]) -> dict[str, Any]:
    """Every statement of a function's items that holds a name, laid out as rustfmt does."""
    call = names[""]
    code: dict[str, Any] = {
        "const_signature": _item(f"pub const {names['SIGNATURE']}: &str", f'"{lay.signature}"'),
        "const_fingerprint": _item(f"pub const {names['FINGERPRINT']}: u64", lay.fingerprint_hex),
        "const_capacity": _item(f"pub const {names['CAPACITY']}: usize", str(lay.capacity)),
        "const_request_size": _item(f"pub const {names['REQUEST_SIZE']}: usize", str(lay.request_size)),
        "const_response_size": _item(f"pub const {names['RESPONSE_SIZE']}: usize", str(lay.response_size)),
        "channel": _static(f"static {names['CHANNEL']}: rt::Channel", "rt::Channel::new",
                           [f'"{fn.channel_name}"', names["SIGNATURE"], names["CAPACITY"], names["FINGERPRINT"]]),
        "call_default": _call(4, names["call"], ["None", *args]),
        "call_timeout": _call(4, names["call"], ["Some(timeout)", *args]),
        "check": _call(4, names["check"], check_args, "?;"),
        "begin": _call(4, "let mut call = rt::begin", [f"&{names['CHANNEL']}", "timeout"], "?;"),
        "exchange": _call(4, "call.exchange", [names["REQUEST_SIZE"]], "?;"),
        "write_call": _call(4, names["write"], ["call.payload()", *args], ";"),
        "write_call_raw": _call(4, f"let size = {names['write']}", ["call.payload()", "request"], ";"),
        "read_call": _call(4, names["read"], ["call.payload()"]),
        "read_call_raw": _call(4, names["read"], ["call.payload()", "size"]),
        "write_body": [_call(4, p.put, [f"&mut payload[{p.offset}..]", p.ident], ";") for p in params],
    }
    if fn.raw:
        code["check_body"] = [_call(4, "rt::check_raw", [f'"{call}"', "request"])]
        code["read_body"] = _call(4, "rt::get_raw", [f'"{call}"', "payload", "size"])
        code["encode_body"] = [
            _call(4, names["check"], ["request"], "?;"),
            _call(4, "rt::room", [f'"{names["encode"]}"', "payload.len()", "request.len()"], "?;"),
            _call(4, f"let size = {names['write']}", ["payload", "request"], ";"),
            "    Ok(size)",
        ]
        code["decode_body"] = [_call(4, names["read"], ["payload", "size"])]
        return code
    code["check_body"] = [
        *(_call(4, f"rt::check_{p.type}", [f'"{call}"', f'"{p.ident}"', p.ident], "?;") for p in params if p.checked),
        "    Ok(())",
    ]
    if result is not None and result.fallible:
        code["read_body"] = _call(4, result.get, [f'"{call}"', f"&payload[{result.offset}..]"])
    elif result is not None:
        code["read_body"] = f"    Ok({result.get}(&payload[{result.offset}..]))"
    code["encode_body"] = [
        _call(4, "rt::room", [f'"{names["encode"]}"', "payload.len()", names["REQUEST_SIZE"]], "?;"),
        *([code["check"]] if check_args else []),
        _call(4, names["write"], ["payload", *args], ";"),
        _call(4, "Ok", [names["REQUEST_SIZE"]]),
    ]
    if result is None:
        code["decode_body"] = ["    Ok(())"]
    else:
        code["decode_body"] = [
            "    let _ = size;",
            _call(4, "rt::room", [f'"{names["decode"]}"', "payload.len()", names["RESPONSE_SIZE"]], "?;"),
            _call(4, names["read"], ["payload"]),
        ]
    return code


def _example(call: str, fn: Function) -> str:
    args = ", ".join(str(i) if p.type in (WireType.INT32, WireType.INT64) else EXAMPLE_ARGS[p.type]
                     for i, p in enumerate(fn.params, 1))
    if fn.result is WireType.VOID:
        return f"{{module}}::{call}({args})?;"
    return f"let result = {{module}}::{call}({args})?;"

