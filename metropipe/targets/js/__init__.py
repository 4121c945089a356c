"""The ``js`` target: ``stub.js`` (Node.js, CommonJS) plus ``_metropipe_shm.c``, a tiny N-API addon.

Node cannot map a file into a SharedArrayBuffer, and ``Atomics.wait`` sleeps only on one.
So the stub ships the C source of a small N-API addon beside itself (``_metropipe_shm.c``:
mmap as an external ArrayBuffer, futex wait/wake, kill(pid, 0) with the zombie check) and
builds it on first use with the system C compiler into a per-user cache, keyed by a hash
of its source; the call protocol itself (spec/wire.md section 6) is JavaScript with real
``Atomics`` on an ``Int32Array`` over the mapping. The Python pass below names everything
(camelCase, away from JavaScript's reserved words and from each other) and gives the
templates every offset and constant.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import stub_path

KEY = "js"
LANGUAGE = "JavaScript"
EXT = ".js"
UNIFIED = "metropipe.js"
ADDON = "_metropipe_shm.c"  # beside the stub, in every mode; the "_" makes Go's tools ignore it

CLIENT_ERRORS = {"TIMEOUT": 16, "ARGUMENT": 17, "CHANNEL": 18, "PROVIDER_DIED": 19, "PROTOCOL": 20}  # as in C
CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# ECMAScript reserved words (strict mode and modules included), names strict mode cannot bind,
# and property names with a meaning of their own on the exports object.
RESERVED = frozenset("""
await break case catch class const continue debugger default delete do else enum export extends false finally
for function if implements import in instanceof interface let new null package private protected public return
static super switch this throw true try typeof var void while with yield arguments eval undefined NaN Infinity
__proto__ __esModule
""".split())
EXPORTED = frozenset({"MetropipeError", "codecs"})  # what every stub exports besides the functions
# names the generated code gives its own parameters
LOCALS = frozenset({"options", "payload", "size"})

JS_TYPE = {
    WireType.INT32: "number",
    WireType.INT64: "bigint",
    WireType.FLOAT: "number",
    WireType.DOUBLE: "number",
    WireType.BOOL: "boolean",
    WireType.STRING: "string",
    WireType.BYTES: "Uint8Array",
    WireType.VOID: "void",
}
RESULT_TYPE = {**JS_TYPE, WireType.BYTES: "Buffer"}
EXAMPLE = {
    WireType.INT32: "1",
    WireType.INT64: "2n",
    WireType.FLOAT: "1.5",
    WireType.DOUBLE: "2.5",
    WireType.BOOL: "true",
    WireType.STRING: "'hello'",
    WireType.BYTES: "Buffer.from([1, 2])",
}


@dataclass(frozen=True)
class JsParam:
    name: str  # as in the source
    ident: str  # the JavaScript parameter
    type: str
    offset: int
    js_type: str  # for JSDoc
    check: str  # the check call, e.g. "$checkInt32('add', 'a', a)"
    put: str  # the statement that writes it into payload


@dataclass(frozen=True)
class JsFunction:
    name: str
    call: str  # the exported synchronous function
    call_async: str  # its Promise twin
    codec: str  # the module-level codec object, "$f_add"
    channel_var: str  # its channel, "$c_add"
    raw: bool
    signature: str
    fingerprint: str  # "0x...n" (a BigInt literal)
    capacity: int
    request_size: int
    response_size: int
    channel: str
    doc: str
    params: tuple[JsParam, ...]
    idents: str  # "a, b"
    result_type: str  # JS type of the result ("void" for none)
    decode: str  # the expression decode() returns
    api: str  # "add(a: number, b: number, options?: {timeout?: number}): number"
    api_async: str
    example: str
    example_async: str
    renamed: tuple[str, ...]


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    """``stub.js`` and ``metropipe_shm.c`` beside it per function, or one ``metropipe.js`` (unify)."""
    if mode == "unify":
        groups = [functions]
    else:
        groups = [[fn] for fn in functions]
    out: dict[str, str] = {}
    for group in groups:
        path = stub_path(mode, group[0].name, "stub", EXT, UNIFIED)
        addon = posixpath.join(posixpath.dirname(path), ADDON)
        out[path] = _render(group, header, record if mode == "unify" else None)
        out[addon] = render(__file__, "metropipe_shm.c.j2", header=comment_text(header), k=_constants())
    return out


def _render(functions: list[Function], header: str, record: str | None) -> str:
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    model = _prepare(functions)
    return render(__file__, "stub.js.j2", header=comment_text(header), record=record, functions=model,
                  k=_constants(), addon_file=ADDON)


def comment_text(text: str) -> str:
    return text.replace("*/", "*\\/").replace("\n", " ")


def _constants() -> dict[str, object]:
    errors = {**layout.ERROR_CODES, **CLIENT_ERRORS}
    return {
        **layout.header_numbers(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02x}",
        "SLEEPER": f"0x{layout.SLEEPER:08x}",
        "CONTENDED": f"0x{layout.CONTENDED:08x}",
        "PID_MASK": f"0x{layout.PID_MASK:08x}",
        "STATES": layout.STATES,
        "ERROR_MESSAGE_MAX": layout.ERROR_MESSAGE_MAX,
        "STRING_MAX": layout.STRING_MAX,
        "BYTES_MAX": layout.BYTES_MAX,
        "RAW_MAX": layout.RAW_CAPACITY,
        "DEFAULT_TIMEOUT_MS": round(layout.DEFAULT_TIMEOUT_S * 1000),
        "DEFAULT_TIMEOUT_S": f"{layout.DEFAULT_TIMEOUT_S:g}",
        "SLICE_MS": f"{layout.SLICE_S * 1000:g}",
        "SLICE_NS": round(layout.SLICE_S * 1e9),
        "TIMEOUT_ENV": layout.TIMEOUT_ENV,
        "DIR_ENV": layout.DIR_ENV,
        "CHANNEL_PREFIX": layout.CHANNEL_PREFIX,
        "E": errors,
        "ALL_ERRORS": list(errors.items()),
    }


# --- names ------------------------------------------------------------------------


def camel(name: str) -> str:
    """``every_type`` -> ``everyType`` (leading underscores kept)."""
    stripped = name.lstrip("_")
    lead = name[: len(name) - len(stripped)]
    parts = [p for p in stripped.split("_") if p]
    if not parts:
        return name
    return lead + parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _free(name: str, taken: set[str]) -> str:
    while name in RESERVED or name in taken:
        name += "_"
    taken.add(name)
    return name


def _check(fn: Function) -> None:
    if not fn.name.isascii() or not IDENTIFIER.match(fn.name):
        raise fail(f"js target: the function name '{fn.name}' is not an ASCII identifier (rename the function)",
                   fn.location)
    if not CHANNEL_NAME.match(fn.channel_name):
        raise fail(f"js target: invalid channel name '{fn.channel_name}': use letters, digits, '_', '.', '-' "
                   "(at most 200, not starting with '.' or '-')", fn.location)
    for p in fn.params:
        if not p.name.isascii() or not IDENTIFIER.match(p.name):
            raise fail(f"js target: the parameter name '{p.name}' of '{fn.name}' is not an ASCII identifier",
                       p.location or fn.location)


def _prepare(functions: list[Function]) -> list[JsFunction]:
    taken: set[str] = set(EXPORTED)
    named = []
    for fn in functions:
        _check(fn)
        call = _free(camel(fn.name), taken)
        call_async = _free(call + "Async", taken)
        named.append((fn, call, call_async))
    return [_function(fn, call, call_async) for fn, call, call_async in named]


def _function(fn: Function, call: str, call_async: str) -> JsFunction:
    lay = layout.compute(fn)
    renamed: list[str] = []
    if call != camel(fn.name):
        renamed.append(f"{fn.name} is exported as {call} (a reserved word, or a name this file exports already)")
    params: list[JsParam] = []
    taken: set[str] = set(LOCALS)
    name = fn.name
    for p, slot in zip(fn.params, lay.params, strict=True):
        ident = _free(camel(p.name), taken)
        if ident != camel(p.name):
            renamed.append(f"parameter {p.name} of {fn.name} is {ident} here (a reserved word or a name the stub "
                           "uses)")
        t, at = p.type, slot.offset
        check = {
            WireType.INT32: f"$checkInt32('{name}', '{p.name}', {ident})",
            WireType.INT64: f"$checkInt64('{name}', '{p.name}', {ident})",
            WireType.FLOAT: f"$checkNumber('{name}', '{p.name}', {ident}, true)",
            WireType.DOUBLE: f"$checkNumber('{name}', '{p.name}', {ident}, false)",
            WireType.BOOL: f"$checkBool('{name}', '{p.name}', {ident})",
            WireType.STRING: f"$checkString('{name}', '{p.name}', {ident})",
            WireType.BYTES: f"$checkBytes('{name}', '{p.name}', {ident}, $BYTES_MAX)",
        }[t]
        put = {
            WireType.INT32: f"$putInt32(payload, {at}, {ident});",
            WireType.INT64: f"$putInt64(payload, {at}, {ident});",
            WireType.FLOAT: f"payload.writeFloatLE({ident}, {at});",
            WireType.DOUBLE: f"payload.writeDoubleLE({ident}, {at});",
            WireType.BOOL: f"payload[{at}] = {ident} ? 1 : 0;",
            WireType.STRING: f"$putString(payload, {at}, {ident});",
            WireType.BYTES: f"$putBytes(payload, {at}, {ident});",
        }[t]
        params.append(JsParam(p.name, ident, t.value, at, JS_TYPE[t], check, put))
    if fn.raw:
        params = [JsParam("data", "data", "bytes", 0, "Uint8Array", f"$checkBytes('{name}', 'data', data, $RAW_MAX)",
                          "payload.set(data, 0);")]
        result_type = "Buffer"
        decode = f"$getRaw('{name}', payload, size)"
    elif lay.result is None:
        result_type = "void"
        decode = "undefined"
    else:
        r = lay.result
        result_type = RESULT_TYPE[r.type]
        decode = {
            WireType.INT32: f"payload.readInt32LE({r.offset})",
            WireType.INT64: f"payload.readBigInt64LE({r.offset})",
            WireType.FLOAT: f"payload.readFloatLE({r.offset})",
            WireType.DOUBLE: f"payload.readDoubleLE({r.offset})",
            WireType.BOOL: f"$getBool('{name}', payload, {r.offset})",
            WireType.STRING: f"$getString('{name}', payload, {r.offset})",
            WireType.BYTES: f"$getBytes('{name}', payload, {r.offset})",
        }[r.type]
    typed = [f"{p.ident}: {p.js_type}" for p in params]
    sig = ", ".join([*typed, "options?: {timeout?: number}"])
    api = f"{call}({sig}): {result_type}"
    api_async = f"{call_async}({sig}): Promise<{result_type}>"
    if fn.raw:
        args = "Buffer.from('ping')"
        example = f"const response = {call}({args});"
    else:
        args = ", ".join(EXAMPLE[p.type] for p in fn.params)
        example = f"const result = {call}({args});" if lay.result is not None else f"{call}({args});"
    example_async = f"const later = await {call_async}({args});"
    return JsFunction(
        name=fn.name,
        call=call,
        call_async=call_async,
        codec=f"$f_{fn.name}",  # the runtime's own names never start with "$f_" or "$c_"
        channel_var=f"$c_{fn.name}",
        raw=fn.raw,
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016x}n",
        capacity=lay.capacity,
        request_size=lay.request_size,
        response_size=lay.response_size,
        channel=fn.channel_name,
        doc=comment_text(fn.doc),
        params=tuple(params),
        idents=", ".join(p.ident for p in params),
        result_type=result_type,
        decode=decode,
        api=api,
        api_async=api_async,
        example=example,
        example_async=example_async,
        renamed=tuple(comment_text(n) for n in renamed),
    )
