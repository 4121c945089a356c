"""metropipe.parse.java: Java signatures read with tree-sitter (golden models, type table, diagnostics).

The fixtures under tests/fixtures/parse/java/ are written like real code; expected.json holds their
golden models (``python -m tests.unit.parse_golden`` rewrites it: review the diff). The diagnostic
snapshots below are the exact lines ``metropipe export`` prints, ``path:line:col`` included.
"""

from __future__ import annotations

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, WireType
from metropipe.parse import java as parser
from tests.unit.parse_golden import build, diagnostics, expected

LANG = "java"
FILE = "Unsupported.java"
T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.java", source, name)


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
    [("int", T.INT32), ("Integer", T.INT32), ("long", T.INT64), ("Long", T.INT64), ("float", T.FLOAT),
     ("double", T.DOUBLE), ("boolean", T.BOOL), ("Boolean", T.BOOL), ("String", T.STRING),
     ("java.lang.String", T.STRING), ("byte[]", T.BYTES)],
)
def test_type_table(spelling: str, wire: WireType) -> None:
    fn = parse(f"class K {{\n  static {spelling} f({spelling} a) {{ return a; }}\n}}\n")
    assert ([p.type for p in fn.params], fn.result) == ([wire], wire)
    assert (fn.params[0].native, fn.native["errors"]) == ({"type": spelling}, "exception")


def test_void() -> None:
    assert types_of("class K { public static void f() {} }") == ([], T.VOID)


UNSUPPORTED = {
    'a class as a type': ('norm', [
        "Unsupported.java:16:31: error: parameter 'p' has unsupported type 'Point': a class does not cross as one "
        'value; pass its fields as separate parameters, or encode it as a string or bytes (for example JSON)',
    ]),
    'a generic': ('largest', [
        "Unsupported.java:18:19: error: 'largest' is generic ('<T extends Comparable<T>>'): the provider cannot "
        'choose its type parameters; export a non-generic function (a wrapper that calls it with concrete types)',
        "Unsupported.java:18:45: error: the return value has unsupported type 'T': it uses a type parameter, and a "
        'slot has one fixed type (supported: int, long, float, double, boolean, String, byte[])',
        "Unsupported.java:18:55: error: parameter 'items' has unsupported type 'List<T>': it uses a type parameter, "
        'and a slot has one fixed type (supported: int, long, float, double, boolean, String, byte[])',
    ]),
    'a callback': ('apply', [
        "Unsupported.java:20:29: error: parameter 'f' has unsupported type 'Function<Integer, Integer>': a function "
        'cannot be passed to another process (supported: int, long, float, double, boolean, String, byte[])',
    ]),
    'Optional': ('find', [
        "Unsupported.java:22:19: error: the return value has unsupported type 'Optional<Long>': a slot always holds a "
        "value, never null; use 'Long'",
    ]),
    'collections': ('total', [
        "Unsupported.java:24:30: error: parameter 'values' has unsupported type 'int[]': a slot holds a single value "
        '(int, long, float, double, boolean, String or byte[]); pass a collection encoded as a string or bytes, for '
        'example JSON',
        "Unsupported.java:24:44: error: parameter 'table' has unsupported type 'Map<String, Integer>': a slot holds a "
        'single value (int, long, float, double, boolean, String or byte[]); pass a collection encoded as a string or '
        'bytes, for example JSON',
    ]),
    'variadic': ('sum', [
        "Unsupported.java:26:37: error: parameter 'rest' is variadic ('int...'): every parameter needs a fixed slot; "
        'list the parameters one by one',
    ]),
    'char, short and Object': ('first', [
        "Unsupported.java:28:19: error: the return value has unsupported type 'char'; did you mean 'int'? (supported: "
        'int, long, float, double, boolean, String, byte[])',
        "Unsupported.java:28:30: error: parameter 's' has unsupported type 'short'; did you mean 'int'? (supported: "
        'int, long, float, double, boolean, String, byte[])',
        "Unsupported.java:28:39: error: parameter 'o' has unsupported type 'Object' (supported: int, long, float, "
        'double, boolean, String, byte[])',
    ]),
    'a method that needs an object': ('describe', [
        "Unsupported.java:30:19: error: 'describe' is an instance method of class 'Unsupported'; make it static (a "
        'method needs an object the provider does not have)',
    ]),
    'private': ('secret', [
        "Unsupported.java:32:24: error: 'secret' is private in class 'Unsupported'; make it public or package-private "
        'so the provider can call it',
    ]),
    'overloads': ('overloaded', [
        "Unsupported.java:34:23: error: 'overloaded' is ambiguous: 2 definitions could be meant: Unsupported.java:34 "
        "(static int overloaded(int x) in class 'Unsupported'), Unsupported.java:36 (static long overloaded(long x) "
        "in class 'Unsupported'); rename all but one, or export from a file that has only one",
    ]),
    'a class, not a method': ('Point', [
        "Unsupported.java:12:25: error: 'Point' is a class, not a method; export a static method",
    ]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_unsupported_constructs_are_exact_diagnostics(case: str) -> None:
    name, lines = UNSUPPORTED[case]
    assert diagnostics(LANG, FILE, name) == lines


def test_a_static_method_wins_over_an_instance_method() -> None:
    src = "class A { int f(int x) { return x; } }\nclass B { static long f(long x) { return x; } }\n"
    fn = parse(src)
    assert (fn.result, fn.native["class"], fn.native["package"]) == (T.INT64, "B", "")


def test_not_found_lists_the_static_methods() -> None:
    assert diagnostics(LANG, "TextTools.java", "sum") == [
        "TextTools.java:1:1: error: function 'sum' not found (static methods here: add, checksum, encode, greet, "
        "isEven, parse, parseNumber, reset, reverse, twice, unit)"]
