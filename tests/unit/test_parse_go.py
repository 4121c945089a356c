"""metropipe.parse.go: Go signatures read with tree-sitter (golden models, type table, diagnostics).

The fixtures under tests/fixtures/parse/go/ are written like real code; expected.json holds their
golden models (``python -m tests.unit.parse_golden`` rewrites it: review the diff). The diagnostic
snapshots below are the exact lines ``metropipe export`` prints, ``path:line:col`` included.
"""

from __future__ import annotations

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, WireType
from metropipe.parse import go as parser
from tests.unit.parse_golden import build, diagnostics, expected

LANG = "go"
FILE = "unsupported.go"
T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.go", source, name)


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
    [("int32", T.INT32), ("rune", T.INT32), ("int64", T.INT64), ("int", T.INT64), ("float32", T.FLOAT),
     ("float64", T.DOUBLE), ("bool", T.BOOL), ("string", T.STRING), ("[]byte", T.BYTES), ("[]uint8", T.BYTES)],
)
def test_type_table(spelling: str, wire: WireType) -> None:
    fn = parse(f"package p\n\nfunc f(a {spelling}) {spelling} {{ return a }}\n")
    assert ([p.type for p in fn.params], fn.result) == ([wire], wire)
    assert fn.params[0].native == {"type": spelling}


@pytest.mark.parametrize(
    ("results", "wire", "errors"),
    [("", T.VOID, "none"), ("error", T.VOID, "go-error"), ("(int64, error)", T.INT64, "go-error"),
     ("(n int32, err error)", T.INT32, "go-error"), ("(string)", T.STRING, "none")],
)
def test_results_and_the_error_idiom(results: str, wire: WireType, errors: str) -> None:
    fn = parse(f"package p\n\nfunc f() {results} {{ panic(0) }}\n")
    assert (fn.result, fn.native["errors"]) == (wire, errors)


UNSUPPORTED = {
    'a struct': ('Norm', [
        "unsupported.go:9:13: error: parameter 'p' has unsupported type 'Point': a struct does not cross as one "
        'value; pass its fields as separate parameters, or encode it as a string or bytes (for example JSON)',
    ]),
    'a generic': ('Max', [
        "unsupported.go:11:9: error: 'Max' is generic ('[T int32 | float64]'): the provider cannot choose its type "
        'parameters; export a non-generic function (a wrapper that calls it with concrete types)',
        "unsupported.go:11:34: error: parameter 'a' has unsupported type 'T': it uses a type parameter, and a slot "
        'has one fixed type (supported: int32, int64, int, float32, float64, bool, string, []byte)',
        "unsupported.go:11:34: error: parameter 'b' has unsupported type 'T': it uses a type parameter, and a slot "
        'has one fixed type (supported: int32, int64, int, float32, float64, bool, string, []byte)',
        "unsupported.go:11:37: error: the return value has unsupported type 'T': it uses a type parameter, and a slot "
        'has one fixed type (supported: int32, int64, int, float32, float64, bool, string, []byte)',
    ]),
    'a callback': ('Apply', [
        "unsupported.go:13:14: error: parameter 'f' has unsupported type 'func(int32) int32': a function cannot be "
        'passed to another process (supported: int32, int64, int, float32, float64, bool, string, []byte)',
    ]),
    'a pointer': ('Find', [
        "unsupported.go:15:23: error: the return value has unsupported type '*int64': a slot always holds a value, "
        "never nil; use 'int64'",
    ]),
    'collections': ('Total', [
        "unsupported.go:17:19: error: parameter 'values' has unsupported type '[]int32': a slot holds a single value "
        '(int32, int64, int, float32, float64, bool, string or []byte); pass a collection encoded as a string or '
        'bytes, for example JSON',
        "unsupported.go:17:34: error: parameter 'table' has unsupported type 'map[string]int': a slot holds a single "
        'value (int32, int64, int, float32, float64, bool, string or []byte); pass a collection encoded as a string '
        'or bytes, for example JSON',
    ]),
    'variadic': ('Sum', [
        "unsupported.go:19:22: error: parameter 'rest' is variadic ('...int64'): every parameter needs a fixed slot; "
        'list the parameters one by one',
    ]),
    'several results': ('Divmod', [
        "unsupported.go:21:25: error: the results '(int64, int64)' are not supported: a function returns one value, "
        "optionally followed by an error ('(T, error)')",
    ]),
    "a channel, any and another package's type": ('Wait', [
        "unsupported.go:23:13: error: parameter 'd' has unsupported type 'time.Duration' (supported: int32, int64, "
        'int, float32, float64, bool, string, []byte)',
        "unsupported.go:23:33: error: parameter 'done' has unsupported type 'chan bool': a channel cannot be passed "
        'to another process (supported: int32, int64, int, float32, float64, bool, string, []byte)',
        "unsupported.go:23:46: error: parameter 'v' has unsupported type 'any' (supported: int32, int64, int, "
        'float32, float64, bool, string, []byte)',
    ]),
    'unsigned and byte': ('Count', [
        "unsupported.go:25:14: error: parameter 'n' has unsupported type 'uint32'; did you mean 'int64'? (supported: "
        'int32, int64, int, float32, float64, bool, string, []byte)',
        "unsupported.go:25:24: error: parameter 'b' has unsupported type 'byte'; did you mean 'int32'? (supported: "
        'int32, int64, int, float32, float64, bool, string, []byte)',
        "unsupported.go:25:30: error: the return value has unsupported type 'uint64'; did you mean 'int64'? "
        '(supported: int32, int64, int, float32, float64, bool, string, []byte)',
    ]),
    'error first': ('ErrFirst', [
        "unsupported.go:27:17: error: the results '(error, int32)' are not supported: a function returns one value, "
        "optionally followed by an error ('(T, error)')",
    ]),
    'a method that needs an object': ('Handle', [
        "unsupported.go:31:18: error: 'Handle' is a method of '*Server' (it has a receiver); export a plain func (a "
        'method needs an object the provider does not have)',
    ]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_unsupported_constructs_are_exact_diagnostics(case: str) -> None:
    name, lines = UNSUPPORTED[case]
    assert diagnostics(LANG, FILE, name) == lines


def test_grouped_and_unnamed_parameters() -> None:
    fn = parse("package p\n\nfunc f(a, b int32, _ string, c []byte) bool { return true }\n")
    assert [(p.name, p.type) for p in fn.params] == [
        ("a", T.INT32), ("b", T.INT32), ("arg3", T.STRING), ("c", T.BYTES)]
    assert [str(p.location) for p in fn.params] == ["src.go:3:8", "src.go:3:11", "src.go:3:20", "src.go:3:30"]


def test_a_func_wins_over_a_method_of_the_same_name() -> None:
    src = "package p\n\ntype S struct{}\n\nfunc (s S) F(x int) int { return x }\n\nfunc F(x int32) int32 { return x }\n"
    fn = parse(src, "F")
    assert (fn.params[0].type, fn.native["package"], fn.native["exported"]) == (T.INT32, "p", "true")


def test_not_found_lists_the_funcs() -> None:
    assert diagnostics(LANG, "calc.go", "Ad") == [
        "calc.go:1:1: error: function 'Ad' not found; did you mean 'Add'? (functions here: Add, Checksum, Greet, "
        "ParseRatio, Reset, Scale, Validate, reverse)"]
