"""metropipe.parse.javascript: JavaScript signatures read with tree-sitter (golden models, type table, diagnostics).

The fixtures under tests/fixtures/parse/js/ are written like real code; expected.json holds their
golden models (``python -m tests.unit.parse_golden`` rewrites it: review the diff). The diagnostic
snapshots below are the exact lines ``metropipe export`` prints, ``path:line:col`` included.
"""

from __future__ import annotations

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, WireType
from metropipe.parse import javascript as parser
from tests.unit.parse_golden import build, diagnostics, expected

LANG = "js"
FILE = "unsupported.js"
T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.js", source, name)


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
     ("string", T.STRING), ("Uint8Array", T.BYTES), ("Buffer", T.BYTES), ("mp.int32", T.INT32)],
)
def test_type_table(spelling: str, wire: WireType) -> None:
    doc = f"/**\n * @param {{{spelling}}} a\n * @returns {{{spelling}}}\n */\n"
    fn = parse(doc + "export function f(a) { return a; }\n")
    assert ([p.type for p in fn.params], fn.result) == ([wire], wire)


@pytest.mark.parametrize(
    ("returns", "wire", "is_async"),
    [("{void}", T.VOID, "false"), ("{undefined}", T.VOID, "false"), ("{Promise<string>}", T.STRING, "true"),
     ("{Promise<void>}", T.VOID, "true")],
)
def test_results(returns: str, wire: WireType, is_async: str) -> None:
    fn = parse(f"/** @returns {returns} */\nexport function f() {{}}\n")
    assert (fn.result, fn.native["async"], fn.native["errors"]) == (wire, is_async, "exception")


UNSUPPORTED = {
    'an object type': ('norm', [
        "unsupported.js:4:11: error: parameter 'point' has unsupported type '{x: number, y: number}': an object does "
        'not cross as one value; pass its fields as separate parameters, or encode it as a string or bytes (for '
        'example JSON)',
    ]),
    'collections': ('total', [
        "unsupported.js:12:11: error: parameter 'values' has unsupported type 'number[]': a slot holds a single value "
        '(number, int32, bigint, float32, boolean, string, Uint8Array or Buffer); pass a collection encoded as a '
        'string or bytes, for example JSON',
        "unsupported.js:13:11: error: parameter 'table' has unsupported type 'Object<string, number>': a slot holds a "
        'single value (number, int32, bigint, float32, boolean, string, Uint8Array or Buffer); pass a collection '
        'encoded as a string or bytes, for example JSON',
        "unsupported.js:14:13: error: the return value has unsupported type 'Array<number>': a slot holds a single "
        'value (number, int32, bigint, float32, boolean, string, Uint8Array or Buffer); pass a collection encoded as '
        'a string or bytes, for example JSON',
    ]),
    'nullable': ('find', [
        "unsupported.js:22:13: error: the return value has unsupported type '?number': a slot always holds a value, "
        "never null or undefined; use 'number'",
    ]),
    'a union': ('describe', [
        "unsupported.js:29:11: error: parameter 'value' has unsupported type 'number|string': a slot has one fixed "
        'type, not a union (number, int32, bigint, float32, boolean, string, Uint8Array, Buffer)',
    ]),
    'a callback': ('apply', [
        "unsupported.js:37:11: error: parameter 'fn' has unsupported type 'function(number): number': a function "
        'cannot be passed to another process (supported: number, int32, bigint, float32, boolean, string, Uint8Array, '
        'Buffer)',
    ]),
    'rest parameters': ('sum', [
        "unsupported.js:50:28: error: parameter 'rest' is variadic ('...rest: ...number'): every parameter needs a "
        'fixed slot; list the parameters one by one',
    ]),
    'destructuring': ('configure', [
        "unsupported.js:58:27: error: parameter 1 is destructured ('{ verbose, level }'): a slot holds a single "
        'value; take each value as its own parameter',
    ]),
    'missing and unknown types': ('count', [
        "unsupported.js:63:11: error: parameter 'count' has unsupported type 'integer'; did you mean 'int32'? "
        '(supported: number, int32, bigint, float32, boolean, string, Uint8Array, Buffer)',
        "unsupported.js:64:11: error: parameter 'anything' has unsupported type '*' (supported: number, int32, "
        'bigint, float32, boolean, string, Uint8Array, Buffer)',
        "unsupported.js:66:17: error: 'count' has no @returns tag in its JSDoc comment (write '@returns {void}' if it "
        'returns nothing)',
        "unsupported.js:66:40: error: parameter 'untyped' has no JSDoc type (for example '@param {number} untyped' in "
        'its JSDoc comment)',
    ]),
    'a generator': ('range', [
        "unsupported.js:74:18: error: 'range' is a generator (function*); export a function that returns a value",
    ]),
    'not exported': ('hidden', [
        "unsupported.js:82:10: error: 'hidden' is not exported, so the provider cannot import it; add 'export' in "
        "front of it (ES module) or 'module.exports.hidden = hidden' (CommonJS)",
    ]),
    'a method that needs an object': ('handle', [
        "unsupported.js:91:3: error: 'handle' is a method of class 'Service'; export a module-level function or make "
        'it static (a method needs an object the provider does not have)',
    ]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_unsupported_constructs_are_exact_diagnostics(case: str) -> None:
    name, lines = UNSUPPORTED[case]
    assert diagnostics(LANG, FILE, name) == lines


@pytest.mark.parametrize(
    ("source", "export", "module"),
    [("export function f() {}", ("named", "f"), "esm"),
     ("export default function f() {}", ("default", "default"), "esm"),
     ("function f() {}\nexport { f as g };", ("named", "g"), "esm"),
     ("exports.f = function () {};", ("commonjs", "f"), "commonjs"),
     ("function f() {}\nmodule.exports = { f };", ("commonjs", "f"), "commonjs"),
     ("function f() {}\nmodule.exports = f;", ("module.exports", "module.exports"), "commonjs")],
)
def test_export_styles(source: str, export: tuple[str, str], module: str) -> None:
    fn = parse("/** @returns {void} */\n" + source + "\n")
    assert ((fn.native["export"], fn.native["export_name"]), fn.native["module"]) == (export, module)


def test_a_module_function_wins_over_a_static_method() -> None:
    src = ("export class K {\n  /** @returns {number} */\n  static f() { return 1; }\n}\n"
           "/** @returns {string} */\nexport function f() { return ''; }\n")
    assert (parse(src).result, parse(src).native["owner"]) == (T.STRING, "")


def test_not_found_lists_the_functions() -> None:
    assert diagnostics(LANG, "textkit.mjs", "sum") == [
        "textkit.mjs:1:1: error: function 'sum' not found (functions here: add, digest, greet, reset, reverse, "
        "scale)"]
