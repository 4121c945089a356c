"""metropipe.parse.c: C signatures read with tree-sitter (golden models, type table, diagnostics).

The fixtures under tests/fixtures/parse/c/ are written like real code; expected.json holds their
golden models (``python -m tests.unit.parse_golden`` rewrites it: review the diff). The diagnostic
snapshots below are the exact lines ``metropipe export`` prints, ``path:line:col`` included.
"""

from __future__ import annotations

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, WireType
from metropipe.parse import c as parser
from tests.unit.parse_golden import build, diagnostics, expected

LANG = "c"
FILE = "unsupported.h"
T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.h", source, name)


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
    [("int32_t", T.INT32), ("int", T.INT32), ("int64_t", T.INT64), ("long", T.INT64), ("long long", T.INT64),
     ("float", T.FLOAT), ("double", T.DOUBLE), ("bool", T.BOOL), ("_Bool", T.BOOL), ("const char *", T.STRING)],
)
def test_type_table(spelling: str, wire: WireType) -> None:
    fn = parse(f"{spelling} f({spelling} a);\n")
    assert ([p.type for p in fn.params], fn.result) == ([wire], wire)
    assert fn.params[0].native == {"type": spelling}


@pytest.mark.parametrize("pointer", ["const uint8_t *", "const unsigned char *", "const void *"])
def test_bytes_are_a_pointer_followed_by_its_length(pointer: str) -> None:
    fn = parse(f"int64_t f({pointer}data, size_t n, int32_t k);\n")
    assert [(p.name, p.type, p.native) for p in fn.params] == [
        ("data", T.BYTES, {"type": pointer.strip(), "length": "n", "length_type": "size_t"}),
        ("k", T.INT32, {"type": "int32_t"})]


def test_bytes_out_and_the_error_convention() -> None:
    fn = parse("void f(const char *s, uint8_t *out, size_t *out_len, char **error);\n")
    assert ([(p.name, p.type) for p in fn.params], fn.result) == ([("s", T.STRING)], T.BYTES)
    keys = ("errors", "error_param", "error_free", "result_param", "result_length_param")
    assert {k: fn.native[k] for k in keys} == {
        "errors": "c-error-out", "error_param": "error", "error_free": "free", "result_param": "out",
        "result_length_param": "out_len"}


UNSUPPORTED = {
    'a struct': ('norm', [
        "unsupported.h:11:13: error: parameter 'p' has unsupported type 'struct point': a struct does not cross as "
        'one value; pass its fields as separate parameters, or encode it as a string or bytes (for example JSON)',
    ]),
    'a callback': ('apply', [
        "unsupported.h:13:11: error: parameter 'fn' has unsupported type 'int (*fn)(int)': a function cannot be "
        'passed to another process (supported: int32_t, int64_t, int, long, long long, float, double, bool, const '
        'char *, and bytes as a pointer and length)',
    ]),
    'variadic': ('log_message', [
        "unsupported.h:15:37: error: the variadic '...' is not supported: every parameter needs a fixed slot; list "
        'the parameters one by one',
    ]),
    'an array': ('total', [
        "unsupported.h:17:21: error: parameter 'values' has unsupported type 'const int32_t[]': a slot holds a single "
        'value (int32_t, int64_t, float, double, bool, a string or bytes); pass a collection encoded as a string or '
        'bytes, for example JSON',
        "unsupported.h:17:39: error: parameter 'count' has unsupported type 'size_t'; did you mean 'int64_t'? "
        '(supported: int32_t, int64_t, int, long, long long, float, double, bool, const char *, and bytes as a '
        'pointer and length)',
    ]),
    'an out-pointer that is not the convention': ('divmod', [
        "unsupported.h:19:27: error: parameter 'quotient' has unsupported type 'int *': a pointer cannot be passed to "
        "another process; results are returned (errors through a last 'const char **error')",
    ]),
    'unsigned and short': ('count', [
        "unsupported.h:21:1: error: the return value has unsupported type 'uint32_t'; did you mean 'int64_t'? "
        '(supported: int32_t, int64_t, int, long, long long, float, double, bool, const char *, and bytes as a '
        'pointer and length)',
        "unsupported.h:21:16: error: parameter 'n' has unsupported type 'unsigned int'; did you mean 'int64_t'? "
        '(supported: int32_t, int64_t, int, long, long long, float, double, bool, const char *, and bytes as a '
        'pointer and length)',
        "unsupported.h:21:32: error: parameter 's' has unsupported type 'short'; did you mean 'int32_t'? (supported: "
        'int32_t, int64_t, int, long, long long, float, double, bool, const char *, and bytes as a pointer and '
        'length)',
    ]),
    'a pointer without its length': ('checksum', [
        "unsupported.h:23:24: error: parameter 'data' has unsupported type 'const uint8_t *': a pointer needs its "
        "length: follow it with a 'size_t' parameter (bytes), or use 'const char *' for a NUL-terminated string",
    ]),
    'a bytes pointer result': ('digest', [
        "unsupported.h:25:7: error: the return value has unsupported type 'const uint8_t *': a bytes result comes "
        "back through a last pair 'uint8_t *out, size_t *out_len' (and the function returns void)",
    ]),
    'an enum': ('paint', [
        "unsupported.h:27:11: error: parameter 'c' has unsupported type 'color'; did you mean 'int32_t'? (supported: "
        'int32_t, int64_t, int, long, long long, float, double, bool, const char *, and bytes as a pointer and '
        'length)',
    ]),
    'a function-like macro': ('SQUARE', [
        "unsupported.h:29:9: error: 'SQUARE' is a function-like macro, not a function; export a function (a macro has "
        'no signature to read)',
    ]),
    'a function pointer variable': ('handler', [
        "unsupported.h:31:14: error: 'handler' is a function pointer variable, not a function; export the function it "
        'points to',
    ]),
    'ambiguous #ifdef prototypes': ('convert', [
        "unsupported.h:34:6: error: 'convert' is ambiguous: 2 definitions could be meant: unsupported.h:34 "
        "(declaration 'long convert(long)'), unsupported.h:36 (declaration 'long long convert(long long, int)'); "
        'rename all but one, or export from a file that has only one',
    ]),
    'a writable buffer': ('fill', [
        "unsupported.h:39:11: error: parameter 'buf' has unsupported type 'uint8_t *': a writable buffer; a bytes "
        "result comes back through a last pair 'uint8_t *out, size_t *out_len' (and the function returns void)",
        "unsupported.h:39:25: error: parameter 'len' has unsupported type 'size_t'; did you mean 'int64_t'? "
        '(supported: int32_t, int64_t, int, long, long long, float, double, bool, const char *, and bytes as a '
        'pointer and length)',
    ]),
    'several problems in source order': ('messy', [
        "unsupported.h:41:1: error: the return value has unsupported type 'struct point *': a pointer cannot be "
        'passed to another process (supported: int32_t, int64_t, int, long, long long, float, double, bool, const '
        'char *, and bytes as a pointer and length)',
        "unsupported.h:41:21: error: parameter 'c' has unsupported type 'char'; did you mean 'int32_t'? (supported: "
        'int32_t, int64_t, int, long, long long, float, double, bool, const char *, and bytes as a pointer and '
        'length)',
        "unsupported.h:41:29: error: parameter 'ctx' has unsupported type 'void *': a pointer cannot be passed to "
        'another process (supported: int32_t, int64_t, int, long, long long, float, double, bool, const char *, and '
        'bytes as a pointer and length)',
        "unsupported.h:41:40: error: parameter 'values' has unsupported type 'int[]': a slot holds a single value "
        '(int32_t, int64_t, float, double, bool, a string or bytes); pass a collection encoded as a string or bytes, '
        'for example JSON',
        "unsupported.h:41:55: error: the variadic '...' is not supported: every parameter needs a fixed slot; list "
        'the parameters one by one',
    ]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_unsupported_constructs_are_exact_diagnostics(case: str) -> None:
    name, lines = UNSUPPORTED[case]
    assert diagnostics(LANG, FILE, name) == lines


def test_a_prototype_and_its_definition_are_one_function() -> None:
    src = "int32_t add(int32_t, int32_t);\n\n/* Adds. */\nint32_t add(int32_t a, int32_t b) { return a + b; }\n"
    fn = parse(src, "add")
    assert ([p.name for p in fn.params], fn.doc, fn.native["declared"], str(fn.location)) == (
        ["a", "b"], "Adds.", "definition", "src.h:4:9")


def test_export_macros_the_file_does_not_define() -> None:
    src = "ZEXTERN int ZEXPORT deflate_level(int level);\nSQLITE_API double sqlite_thing(double x);\n"
    assert (types_of(src, "deflate_level"), parse(src, "deflate_level").native["export_macro"]) == (
        ([T.INT32], T.INT32), "ZEXTERN ZEXPORT")
    assert parse(src, "sqlite_thing").native["export_macro"] == "SQLITE_API"


def test_not_found_lists_the_functions() -> None:
    assert diagnostics(LANG, "mylib.c", "count") == [
        "mylib.c:1:1: error: function 'count' not found; did you mean 'popcount'? (functions here: clamp, count_bits, "
        "is_even, mylib_add, popcount)"]
