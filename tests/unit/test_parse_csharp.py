"""metropipe.parse.csharp: C# signatures read with tree-sitter (golden models, type table, diagnostics).

The fixtures under tests/fixtures/parse/csharp/ are written like real code; expected.json holds their
golden models (``python -m tests.unit.parse_golden`` rewrites it: review the diff). The diagnostic
snapshots below are the exact lines ``metropipe export`` prints, ``path:line:col`` included.
"""

from __future__ import annotations

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, WireType
from metropipe.parse import csharp as parser
from tests.unit.parse_golden import build, diagnostics, expected

LANG = "csharp"
FILE = "Unsupported.cs"
T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.cs", source, name)


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
    [("int", T.INT32), ("Int32", T.INT32), ("System.Int32", T.INT32), ("long", T.INT64), ("Int64", T.INT64),
     ("float", T.FLOAT), ("Single", T.FLOAT), ("double", T.DOUBLE), ("bool", T.BOOL), ("Boolean", T.BOOL),
     ("string", T.STRING), ("String", T.STRING), ("byte[]", T.BYTES), ("Byte[]", T.BYTES)],
)
def test_type_table(spelling: str, wire: WireType) -> None:
    fn = parse(f"static class K {{\n  public static {spelling} F({spelling} a) => a;\n}}\n", "F")
    assert ([p.type for p in fn.params], fn.result) == ([wire], wire)
    assert (fn.params[0].native, fn.native["errors"]) == ({"type": spelling}, "exception")


def test_void() -> None:
    assert types_of("static class K { public static void F() {} }", "F") == ([], T.VOID)


UNSUPPORTED = {
    'a struct': ('Norm', [
        "Unsupported.cs:12:35: error: parameter 'p' has unsupported type 'Point': a struct does not cross as one "
        'value; pass its fields as separate parameters, or encode it as a string or bytes (for example JSON)',
    ]),
    'a generic': ('Largest', [
        "Unsupported.cs:14:23: error: the return value has unsupported type 'T': it uses a type parameter, and a slot "
        'has one fixed type (supported: int, long, float, double, bool, string, byte[])',
        "Unsupported.cs:14:32: error: 'Largest' is generic ('<T>'): the provider cannot choose its type parameters; "
        'export a non-generic function (a wrapper that calls it with concrete types)',
        "Unsupported.cs:14:36: error: parameter 'items' has unsupported type 'List<T>': it uses a type parameter, and "
        'a slot has one fixed type (supported: int, long, float, double, bool, string, byte[])',
    ]),
    'a callback': ('Apply', [
        "Unsupported.cs:16:33: error: parameter 'f' has unsupported type 'Func<int, int>': a function cannot be "
        'passed to another process (supported: int, long, float, double, bool, string, byte[])',
    ]),
    'nullable': ('Find', [
        "Unsupported.cs:18:23: error: the return value has unsupported type 'long?': a slot always holds a value, "
        "never null; use 'long'",
    ]),
    'collections': ('Total', [
        "Unsupported.cs:20:34: error: parameter 'values' has unsupported type 'int[]': a slot holds a single value "
        '(int, long, float, double, bool, string or byte[]); pass a collection encoded as a string or bytes, for '
        'example JSON',
        "Unsupported.cs:20:48: error: parameter 'table' has unsupported type 'Dictionary<string, int>': a slot holds "
        'a single value (int, long, float, double, bool, string or byte[]); pass a collection encoded as a string or '
        'bytes, for example JSON',
    ]),
    'params': ('Sum', [
        "Unsupported.cs:22:42: error: parameter 'rest' is variadic ('params int[]'): every parameter needs a fixed "
        'slot; list the parameters one by one',
    ]),
    'out and ref': ('Divide', [
        "Unsupported.cs:24:49: error: parameter 'quotient' is passed by 'out': a slot holds a value that the provider "
        'passes in; return results instead (supported: int, long, float, double, bool, string, byte[])',
        "Unsupported.cs:24:67: error: parameter 'remainder' is passed by 'ref': a slot holds a value that the "
        'provider passes in; return results instead (supported: int, long, float, double, bool, string, byte[])',
    ]),
    'async': ('FetchAsync', [
        "Unsupported.cs:26:29: error: 'FetchAsync' is async; export a synchronous method (wait for the task in a "
        'wrapper)',
    ]),
    'unsigned and object': ('Count', [
        "Unsupported.cs:28:23: error: the return value has unsupported type 'uint'; did you mean 'long'? (supported: "
        'int, long, float, double, bool, string, byte[])',
        "Unsupported.cs:28:34: error: parameter 'n' has unsupported type 'ushort'; did you mean 'int'? (supported: "
        'int, long, float, double, bool, string, byte[])',
        "Unsupported.cs:28:44: error: parameter 'o' has unsupported type 'object' (supported: int, long, float, "
        'double, bool, string, byte[])',
    ]),
    'private by default': ('Secret', [
        "Unsupported.cs:30:20: error: 'Secret' is private in class 'Unsupported' (the default in C#); make it public "
        'or internal so the provider can call it',
    ]),
    'overloads': ('Overloaded', [
        "Unsupported.cs:32:27: error: 'Overloaded' is ambiguous: 2 definitions could be meant: Unsupported.cs:32 "
        "(static int Overloaded(int x) in class 'Unsupported'), Unsupported.cs:34 (static long Overloaded(long x) in "
        "class 'Unsupported'); rename all but one, or export from a file that has only one",
    ]),
    'a method that needs an object': ('Handle', [
        "Unsupported.cs:39:23: error: 'Handle' is an instance method of class 'Service'; make it static (a method "
        'needs an object the provider does not have)',
    ]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_unsupported_constructs_are_exact_diagnostics(case: str) -> None:
    name, lines = UNSUPPORTED[case]
    assert diagnostics(LANG, FILE, name) == lines


def test_a_static_method_wins_over_an_instance_method() -> None:
    src = ("namespace N { class A { public int F(int x) => x; }\n"
           "static class B { internal static long F(long x) => x; } }")
    fn = parse(src, "F")
    assert (fn.result, fn.native["class"], fn.native["namespace"], fn.native["visibility"]) == (
        T.INT64, "B", "N", "internal")


def test_not_found_lists_the_static_methods() -> None:
    assert diagnostics(LANG, "Scoped.cs", "IsOdd") == [
        "Scoped.cs:1:1: error: function 'IsOdd' not found (static methods here: IsEven)"]
