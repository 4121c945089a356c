"""metropipe.parse.rust: Rust signatures read with tree-sitter (golden models, type table, diagnostics).

The fixtures under tests/fixtures/parse/rust/ are written like real code; expected.json holds their
golden models (``python -m tests.unit.parse_golden`` rewrites it: review the diff). The diagnostic
snapshots below are the exact lines ``metropipe export`` prints, ``path:line:col`` included.
"""

from __future__ import annotations

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, WireType
from metropipe.parse import rust as parser
from tests.unit.parse_golden import build, diagnostics, expected

LANG = "rust"
FILE = "unsupported.rs"
T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.rs", source, name)


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
    [("i32", T.INT32), ("i64", T.INT64), ("f32", T.FLOAT), ("f64", T.DOUBLE), ("bool", T.BOOL),
     ("&str", T.STRING), ("&'static str", T.STRING), ("String", T.STRING), ("std::string::String", T.STRING),
     ("&[u8]", T.BYTES), ("Vec<u8>", T.BYTES), ("std::vec::Vec<u8>", T.BYTES)],
)
def test_type_table(spelling: str, wire: WireType) -> None:
    fn = parse(f"pub fn f(a: {spelling}) -> {spelling} {{ todo!() }}")
    assert ([p.type for p in fn.params], fn.result) == ([wire], wire)
    assert fn.params[0].native == {"type": spelling}


@pytest.mark.parametrize(
    ("result", "wire", "errors"),
    [("", T.VOID, "none"), ("-> ()", T.VOID, "none"), ("-> Result<(), String>", T.VOID, "rust-result"),
     ("-> Result<i64, MyError>", T.INT64, "rust-result"), ("-> io::Result<Vec<u8>>", T.BYTES, "rust-result"),
     ("-> anyhow::Result<String>", T.STRING, "rust-result"),
     ("-> std::result::Result<bool, E>", T.BOOL, "rust-result")],
)
def test_results_and_the_error_idiom(result: str, wire: WireType, errors: str) -> None:
    fn = parse(f"fn f() {result} {{ todo!() }}")
    assert (fn.result, fn.native["errors"]) == (wire, errors)


UNSUPPORTED = {
    'a struct': ('norm', [
        "unsupported.rs:9:16: error: parameter 'p' has unsupported type 'Point': a struct does not cross as one "
        'value; pass its fields as separate parameters, or encode it as a string or bytes (for example JSON)',
    ]),
    'a generic': ('largest', [
        "unsupported.rs:13:15: error: 'largest' is generic ('<T: PartialOrd + Copy>'): the provider cannot choose its "
        'type parameters; export a non-generic function (a wrapper that calls it with concrete types)',
        "unsupported.rs:13:45: error: parameter 'items' has unsupported type '&[T]': it uses a type parameter, and a "
        'slot has one fixed type (supported: i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
        "unsupported.rs:13:54: error: the return value has unsupported type 'T': it uses a type parameter, and a slot "
        'has one fixed type (supported: i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
    ]),
    'a callback (impl Fn)': ('apply', [
        "unsupported.rs:17:17: error: parameter 'f' has unsupported type 'impl Fn(i32) -> i32': a function cannot be "
        'passed to another process (supported: i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
    ]),
    'a callback (fn pointer)': ('apply_ptr', [
        "unsupported.rs:21:21: error: parameter 'f' has unsupported type 'fn(i32) -> i32': a function cannot be "
        'passed to another process (supported: i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
    ]),
    'Option': ('find', [
        "unsupported.rs:25:27: error: the return value has unsupported type 'Option<i64>': a slot always holds a "
        "value, never None; use 'i64'",
    ]),
    'collections': ('total', [
        "unsupported.rs:29:22: error: parameter 'values' has unsupported type 'Vec<i32>': a slot holds a single value "
        '(i32, i64, f32, f64, bool, &str, String, &[u8] or Vec<u8>); pass a collection encoded as a string or bytes, '
        'for example JSON',
        "unsupported.rs:29:39: error: parameter 'table' has unsupported type 'HashMap<String, i32>': a slot holds a "
        'single value (i32, i64, f32, f64, bool, &str, String, &[u8] or Vec<u8>); pass a collection encoded as a '
        'string or bytes, for example JSON',
    ]),
    'a raw pointer': ('peek', [
        "unsupported.rs:33:16: error: parameter 'p' has unsupported type '*const u8': a pointer cannot be passed to "
        'another process (supported: i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
    ]),
    '&mut': ('fill', [
        "unsupported.rs:37:18: error: parameter 'buf' has unsupported type '&mut [u8]'; did you mean '&[u8]'? "
        '(supported: i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
    ]),
    'unsigned and char': ('count', [
        "unsupported.rs:39:17: error: parameter 'n' has unsupported type 'u32'; did you mean 'i64'? (supported: i32, "
        'i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
        "unsupported.rs:39:25: error: parameter 'c' has unsupported type 'char'; did you mean 'i32'? (supported: i32, "
        'i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
        "unsupported.rs:39:34: error: the return value has unsupported type 'usize'; did you mean 'i64'? (supported: "
        'i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
    ]),
    'async fn': ('fetch', [
        "unsupported.rs:43:5: error: 'fetch' is an async fn; export a plain fn (block on the future in a wrapper)",
    ]),
    'never returns': ('forever', [
        "unsupported.rs:47:21: error: the return value has unsupported type '!': it never returns; export a function "
        'that returns a value or ()',
    ]),
    'a tuple': ('pair', [
        "unsupported.rs:51:18: error: the return value has unsupported type '(i32, i32)': a slot holds a single value "
        '(i32, i64, f32, f64, bool, &str, String, &[u8] or Vec<u8>); pass a collection encoded as a string or bytes, '
        'for example JSON',
    ]),
    'variadic': ('log_all', [
        "unsupported.rs:55:46: error: parameter 'args' is variadic ('mut args: ...'): every parameter needs a fixed "
        'slot; list the parameters one by one',
    ]),
    'several problems in source order': ('messy', [
        "unsupported.rs:57:13: error: 'messy' is generic ('<'a, T>'): the provider cannot choose its type parameters; "
        'export a non-generic function (a wrapper that calls it with concrete types)',
        "unsupported.rs:57:24: error: parameter 'a' has unsupported type '&'a T': it uses a type parameter, and a "
        'slot has one fixed type (supported: i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>)',
        "unsupported.rs:57:34: error: parameter 'b' has unsupported type '[u8; 4]': a slot holds a single value (i32, "
        'i64, f32, f64, bool, &str, String, &[u8] or Vec<u8>); pass a collection encoded as a string or bytes, for '
        'example JSON',
        "unsupported.rs:57:61: error: the return value has unsupported type 'Option<i32>': a slot always holds a "
        "value, never None; use 'i32'",
    ]),
    'a method that needs an object': ('handle', [
        "unsupported.rs:64:12: error: 'handle' is a method of 'Server' (it takes self); export a free fn (a method "
        'needs an object the provider does not have)',
    ]),
    'ambiguous': ('convert', [
        "unsupported.rs:70:12: error: 'convert' is ambiguous: 2 definitions could be meant: unsupported.rs:70 (fn in "
        "mod 'first'), unsupported.rs:76 (fn in mod 'second'); rename all but one, or export from a file that has "
        'only one',
    ]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_unsupported_constructs_are_exact_diagnostics(case: str) -> None:
    name, lines = UNSUPPORTED[case]
    assert diagnostics(LANG, FILE, name) == lines


def test_a_free_fn_wins_over_an_associated_fn_and_a_cfg_test_module_is_skipped() -> None:
    src = """
pub struct Counter;
impl Counter {
    pub fn add(a: i64, b: i64) -> i64 { a + b }
}
pub fn add(a: i32, b: i32) -> i32 { a + b }
#[cfg(test)]
mod tests {
    fn add(a: f64) -> f64 { a }
}
"""
    fn = parse(src, "add")
    assert (fn.location.line if fn.location else 0, fn.result, fn.native.get("impl")) == (6, T.INT32, None)


def test_lifetime_parameters_are_not_generic() -> None:
    fn = parse("pub fn f<'a>(s: &'a str) -> &'a str { s }")
    assert (types_of("pub fn f<'a>(s: &'a str) -> &'a str { s }"), fn.params[0].native) == (
        ([T.STRING], T.STRING), {"type": "&'a str"})


def test_not_found_lists_the_free_and_associated_functions() -> None:
    assert diagnostics(LANG, "lib.rs", "sum") == [
        "lib.rs:1:1: error: function 'sum' not found (functions here: add, depth, encode, greet, parse_number, ping, "
        "reverse, verify, zero)"]


def test_what_is_not_a_fn_says_what_it_is() -> None:
    assert diagnostics(LANG, "lib.rs", "area") == [
        "lib.rs:111:8: error: 'area' is declared in trait 'Shape'; export a free fn that the provider can call "
        "without a type"]
    assert diagnostics(LANG, "lib.rs", "abs") == [
        "lib.rs:115:8: error: 'abs' is declared in an extern block (a foreign function); export it from where it "
        "is defined"]
    assert diagnostics(LANG, "lib.rs", "square") == [
        "lib.rs:118:14: error: 'square' is a macro (macro_rules!), not a fn; export a fn (it has a signature to read)"]


def test_a_syntax_error_in_the_signature_is_reported_there() -> None:
    assert errors("pub fn f(a: i32, b: i32 -> i32 { a }\n") == [
        "src.rs:1:24: error: cannot read the signature of 'f': invalid Rust syntax (something is missing here)"]
