"""The ``bash`` target: ``stub.sh``, a shell function per exported function over ``metropipe proxy``.

Bash cannot map a file or compare-and-swap, so each generated function lays out its
arguments (spec/wire.md section 3) with ``printf`` escapes in pure Bash, pipes the request
payload into ``metropipe proxy`` (which runs the call protocol of section 6) and decodes the
response payload from ``od``'s hex dump. The Python pass below names the functions (away
from Bash keywords, builtins and the stub's own helpers) and gives the templates every
offset, size and padding; ``templates/runtime.sh.j2`` is the codec shared by every stub.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from metropipe import layout, proxy
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import stub_path

KEY = "bash"
LANGUAGE = "Bash"
EXT = ".sh"
UNIFIED = "metropipe.sh"

CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Bash keywords and builtins (bash 5.2 `compgen -k`, `compgen -b`), and the commands the stub
# runs: a function with one of these names would break scripts (and is escaped with "_").
RESERVED = frozenset("""
if then else elif fi case esac for select while until do done in function time coproc
alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs disown echo
enable eval exec exit export false fc fg getopts hash help history jobs kill let local logout mapfile popd
printf pushd pwd read readarray readonly return set shift shopt source suspend test times trap true type
typeset ulimit umask unalias unset wait
metropipe od fold cat
""".split())

# What a usage example passes for each type.
EXAMPLE = {
    WireType.INT32: "1",
    WireType.INT64: "2",
    WireType.FLOAT: "1.5",
    WireType.DOUBLE: "2.5",
    WireType.BOOL: "true",
    WireType.STRING: "'hello'",
    WireType.BYTES: "00ff",
}
SHOWN = {
    WireType.INT32: "a decimal integer",
    WireType.INT64: "a decimal integer",
    WireType.FLOAT: "a number (decimal or C99 hex float, inf, nan)",
    WireType.DOUBLE: "a number (decimal or C99 hex float, inf, nan)",
    WireType.BOOL: "true or false",
    WireType.STRING: "UTF-8 text",
    WireType.BYTES: "hex digits, two a byte",
}


@dataclass(frozen=True)
class BashParam:
    name: str
    type: str
    pad: int  # zero bytes before its slot (alignment)
    put: str  # the runtime command that appends it, without the value
    index: int  # its positional parameter ($1, $2, ...)


@dataclass(frozen=True)
class BashResult:
    type: str
    get: str  # the runtime command that prints it


@dataclass(frozen=True)
class BashFunction:
    name: str
    call: str  # the public shell function
    encode: str  # metropipe_<name>_encode
    decode: str  # metropipe_<name>_decode
    prepare: str  # __metropipe_<name>_prepare
    unpack: str  # __metropipe_<name>_unpack
    raw: bool
    signature: str
    fingerprint: str
    capacity: int
    request_size: int
    response_size: int
    channel: str
    doc: str
    params: tuple[BashParam, ...]
    result: BashResult | None
    usage: str  # "add A B"
    example: str
    arguments: tuple[str, ...]  # "a: int32, a decimal integer"
    prints: str
    renamed: str  # a note when the public name was escaped, else ""


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    """Render ``stub.sh`` for each function, or one ``metropipe.sh`` holding all of them (unify)."""
    if mode == "unify":
        return {stub_path(mode, "", "stub", EXT, UNIFIED): _render(functions, header, record)}
    return {stub_path(mode, fn.name, "stub", EXT, UNIFIED): _render([fn], header, None) for fn in functions}


def _render(functions: list[Function], header: str, record: str | None) -> str:
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    return render(__file__, "stub.sh.j2", header=_comment(header), record=record,
                  functions=[_function(fn) for fn in functions], k=_constants())


def _constants() -> dict[str, object]:
    return {
        "WIRE_VERSION": layout.WIRE_VERSION,
        "STRING_MAX": layout.STRING_MAX,
        "BYTES_MAX": layout.BYTES_MAX,
        "RAW_MAX": layout.RAW_CAPACITY,
        "DEFAULT_TIMEOUT_S": f"{layout.DEFAULT_TIMEOUT_S:g}",
        "TIMEOUT_ENV": layout.TIMEOUT_ENV,
        "DIR_ENV": layout.DIR_ENV,
        "EXIT_ARGUMENT": proxy.EXIT_ARGUMENT,
        "EXIT_PROTOCOL": proxy.EXIT_PROTOCOL,
        "EXIT_KINDS": sorted(proxy.KINDS.items()),
        "EXIT_CHANNEL": proxy.EXIT_CHANNEL,
        "NATIVE_STEM": _native_stem(),
    }


@functools.cache
def _native_stem() -> str:
    return proxy.native_stem()


def _comment(text: str) -> str:
    return text.replace("\n", " ")


def public_name(name: str) -> str:
    """The shell function for ``name``: escaped away from Bash's own names and the stub's helpers."""
    if name.lower().startswith(("metropipe", "__metropipe")):
        return "fn_" + name
    while name in RESERVED:
        name += "_"
    return name


def _check(fn: Function) -> None:
    if not fn.name.isascii() or not IDENTIFIER.match(fn.name):
        raise fail(f"bash target: the function name '{fn.name}' is not an ASCII identifier; shell functions "
                   "need ASCII names (rename the function)", fn.location)
    if not CHANNEL_NAME.match(fn.channel_name):
        raise fail(f"bash target: invalid channel name '{fn.channel_name}': use letters, digits, '_', '.', '-' "
                   "(at most 200, not starting with '.' or '-')", fn.location)


def _function(fn: Function) -> BashFunction:
    _check(fn)
    lay = layout.compute(fn)
    call = public_name(fn.name)
    renamed = ""
    if call != fn.name:
        renamed = (f"{fn.name} is called {call} here: {fn.name} is a Bash keyword, builtin or a command the stub "
                   "uses, or starts with metropipe")
    params: list[BashParam] = []
    end = 0
    for i, slot in enumerate(lay.params, 1):
        t = slot.type
        if t in (WireType.INT32, WireType.INT64):
            put = f"__metropipe_put_int {fn.name} {_word(slot.name)} {slot.size * 8}"
        elif t in (WireType.FLOAT, WireType.DOUBLE):
            put = f"__metropipe_put_float {fn.name} {_word(slot.name)} {slot.size * 8}"
        else:
            put = f"__metropipe_put_{t.value} {fn.name} {_word(slot.name)}"
        params.append(BashParam(slot.name, t.value, slot.offset - end, put, i))
        end = slot.offset + slot.size
    result = None
    if lay.result is not None:
        r = lay.result
        if r.type in (WireType.INT32, WireType.INT64):
            get = f"__metropipe_get_int {fn.name} {r.size * 8} {r.offset}"
        elif r.type in (WireType.FLOAT, WireType.DOUBLE):
            get = f"__metropipe_get_float {fn.name} {r.size * 8} {r.offset}"
        else:
            get = f"__metropipe_get_{r.type.value} {fn.name} {r.offset}"
        result = BashResult(r.type.value, get)
    if fn.raw:
        usage = f"{call} < request > response"
        example = f"printf 'ping' | {call} > response.bin"
        arguments: tuple[str, ...] = ()
        prints = f"the raw response (the request is stdin, at most {layout.RAW_CAPACITY} bytes)"
    else:
        usage = " ".join([call, *(p.name.upper() for p in fn.params)])
        args = " ".join(EXAMPLE[p.type] for p in fn.params)
        example = f"value=$({call}{' ' + args if args else ''})" if result else f"{call}{' ' + args if args else ''}"
        arguments = tuple(f"{p.name.upper()}: {p.type.value}, {SHOWN[p.type]}" for p in fn.params)
        prints = {
            None: "nothing",
            "int32": "the integer and a newline",
            "int64": "the integer and a newline",
            "float": "the shortest decimal that reads back as the float, and a newline",
            "double": "the shortest decimal that reads back as the double, and a newline",
            "bool": "true or false and a newline",
            "string": "the string's UTF-8 bytes (no newline added)",
            "bytes": "the raw bytes",
        }[result.type if result else None]
    return BashFunction(
        name=fn.name,
        call=call,
        encode=f"metropipe_{fn.name}_encode",
        decode=f"metropipe_{fn.name}_decode",
        prepare=f"__metropipe_{fn.name}_prepare",
        unpack=f"__metropipe_{fn.name}_unpack",
        raw=fn.raw,
        signature=lay.signature,
        fingerprint=lay.fingerprint_hex,
        capacity=lay.capacity,
        request_size=lay.request_size,
        response_size=lay.response_size,
        channel=fn.channel_name,
        doc=_comment(fn.doc),
        params=tuple(params),
        result=result,
        usage=usage,
        example=example,
        arguments=arguments,
        prints=prints,
        renamed=renamed,
    )


def _word(text: str) -> str:
    """``text`` as one shell word (identifiers need no quotes)."""
    return text if IDENTIFIER.match(text) else "'" + text.replace("'", "'\\''") + "'"
