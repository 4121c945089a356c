"""metropipe.parse.typescript: TypeScript signatures read with tree-sitter (golden models, type table, diagnostics).

The fixtures under tests/fixtures/parse/ts/ are written like real code; expected.json holds their
golden models (``python -m tests.unit.parse_golden`` rewrites it: review the diff). The diagnostic
snapshots below are the exact lines ``metropipe export`` prints, ``path:line:col`` included.
"""

from __future__ import annotations

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, WireType
from metropipe.parse import typescript as parser
from tests.unit.parse_golden import build, diagnostics, expected

LANG = "ts"
FILE = "unsupported.ts"
T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.ts", source, name)


def errors(source: str, name: str = "f") -> list[str]:
    with pytest.raises(UserError) as e:
        parse(source, name)
    return [str(d) for d in e.value.diagnostics]


def types_of(source: str, name: str = "f") -> tuple[list[WireType], WireType]:
    fn = parse(source, name)
    return [p.type for p in fn.params], fn.result


def test_golden_models() -> None:
    assert build(LANG) == expected(LANG)


@pytest.mark.parametrize(
    ("spelling", "wire"),
    [("int32", T.INT32), ("bigint", T.INT64), ("float32", T.FLOAT), ("number", T.DOUBLE), ("boolean", T.BOOL),
     ("string", T.STRING), ("Uint8Array", T.BYTES), ("Buffer", T.BYTES)],
)
def test_type_table(spelling: str, wire: WireType) -> None:
    fn = parse(f"type int32 = number;\nexport function f(a: {spelling}): {spelling} {{ return a; }}\n")
    assert ([p.type for p in fn.params], fn.result) == ([wire], wire)
    assert fn.params[0].native == {"type": spelling}


@pytest.mark.parametrize(
    ("result", "wire", "is_async"),
    [(": void", T.VOID, "false"), (": undefined", T.VOID, "false"), (": Promise<string>", T.STRING, "true"),
     (": Promise<void>", T.VOID, "true")],
)
def test_results(result: str, wire: WireType, is_async: str) -> None:
    fn = parse(f"export async function f(){result} {{}}\n")
    assert (fn.result, fn.native["async"]) == (wire, "true")
    fn = parse(f"export function f(){result} {{ return undefined as any; }}\n")
    assert (fn.result, fn.native["async"]) == (wire, is_async)


UNSUPPORTED = {
    'an interface': ('norm', [
        "unsupported.ts:8:25: error: parameter 'p' has unsupported type 'Point': an interface does not cross as one "
        'value; pass its fields as separate parameters, or encode it as a string or bytes (for example JSON)',
    ]),
    'a generic': ('largest', [
        "unsupported.ts:12:24: error: 'largest' is generic ('<T>'): the provider cannot choose its type parameters; "
        'export a non-generic function (a wrapper that calls it with concrete types)',
        "unsupported.ts:12:35: error: parameter 'items' has unsupported type 'T[]': a slot holds a single value "
        '(number, int32, bigint, float32, boolean, string, Uint8Array or Buffer); pass a collection encoded as a '
        'string or bytes, for example JSON',
        "unsupported.ts:12:41: error: the return value has unsupported type 'T': it uses a type parameter, and a slot "
        'has one fixed type (supported: number, int32, bigint, float32, boolean, string, Uint8Array, Buffer)',
    ]),
    'collections': ('total', [
        "unsupported.ts:16:31: error: parameter 'values' has unsupported type 'number[]': a slot holds a single value "
        '(number, int32, bigint, float32, boolean, string, Uint8Array or Buffer); pass a collection encoded as a '
        'string or bytes, for example JSON',
        "unsupported.ts:16:48: error: parameter 'table' has unsupported type 'Record<string, number>': a slot holds a "
        'single value (number, int32, bigint, float32, boolean, string, Uint8Array or Buffer); pass a collection '
        'encoded as a string or bytes, for example JSON',
        "unsupported.ts:16:73: error: the return value has unsupported type 'Map<string, number>': a slot holds a "
        'single value (number, int32, bigint, float32, boolean, string, Uint8Array or Buffer); pass a collection '
        'encoded as a string or bytes, for example JSON',
    ]),
    'nullable': ('find', [
        "unsupported.ts:20:36: error: the return value has unsupported type 'number | null': a slot always holds a "
        "value, never null or undefined; use 'number'",
    ]),
    'unions': ('describe', [
        "unsupported.ts:24:33: error: parameter 'value' has unsupported type 'number | string': a slot has one fixed "
        'type, not a union (number, int32, bigint, float32, boolean, string, Uint8Array, Buffer)',
        "unsupported.ts:24:58: error: parameter 'maybe' has unsupported type 'boolean | undefined': a slot always "
        "holds a value, never null or undefined; use 'boolean'",
    ]),
    'a callback': ('apply', [
        "unsupported.ts:28:27: error: parameter 'fn' has unsupported type '(x: number) => number': a function cannot "
        'be passed to another process (supported: number, int32, bigint, float32, boolean, string, Uint8Array, '
        'Buffer)',
    ]),
    'rest parameters': ('sum', [
        "unsupported.ts:32:36: error: parameter 'rest' is variadic ('...rest: number[]'): every parameter needs a "
        'fixed slot; list the parameters one by one',
    ]),
    'destructuring': ('configure', [
        "unsupported.ts:36:27: error: parameter 1 is destructured ('{ verbose }'): a slot holds a single value; take "
        'each value as its own parameter',
    ]),
    'missing and unknown types': ('count', [
        "unsupported.ts:38:26: error: parameter 'n' has unsupported type 'integer'; did you mean 'int32'? (supported: "
        'number, int32, bigint, float32, boolean, string, Uint8Array, Buffer)',
        "unsupported.ts:38:45: error: parameter 'anything' has unsupported type 'any' (supported: number, int32, "
        'bigint, float32, boolean, string, Uint8Array, Buffer)',
        "unsupported.ts:38:50: error: parameter 'untyped' has no type annotation (for example 'untyped: number')",
        "unsupported.ts:38:60: error: the return value has unsupported type 'unknown' (supported: number, int32, "
        'bigint, float32, boolean, string, Uint8Array, Buffer)',
    ]),
    'not exported': ('hidden', [
        "unsupported.ts:42:10: error: 'hidden' is not exported, so the provider cannot import it; add 'export' in "
        'front of it',
    ]),
    'a method that needs an object': ('handle', [
        "unsupported.ts:47:3: error: 'handle' is a method of class 'Service'; export a module-level function or make "
        'it static (a method needs an object the provider does not have)',
    ]),
    'overloads': ('overloaded', [
        "unsupported.ts:52:17: error: 'overloaded' is overloaded (3 signatures: unsupported.ts:52, unsupported.ts:53, "
        'unsupported.ts:54): a slot has one fixed type; export a function with a single signature (a wrapper that '
        'calls it)',
    ]),
    'declare function': ('external', [
        "unsupported.ts:58:18: error: 'external' is only declared here ('declare function'); export it from the file "
        'that defines it',
    ]),
    'no return annotation': ('noResult', [
        "unsupported.ts:60:17: error: 'noResult' has no return type annotation (write ': void' if it returns nothing)",
    ]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_unsupported_constructs_are_exact_diagnostics(case: str) -> None:
    name, lines = UNSUPPORTED[case]
    assert diagnostics(LANG, FILE, name) == lines


def test_a_namespace_function_and_a_static_method() -> None:
    assert diagnostics(LANG, "textkit.ts", "Codec") == [
        "textkit.ts:1:1: error: function 'Codec' not found (functions here: add, check, digest, greet, identity, "
        "mean, parse, reset, reverse, scale)"]
