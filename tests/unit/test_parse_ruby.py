"""metropipe.parse.ruby: Ruby signatures read with tree-sitter (golden models, type table, diagnostics).

The fixtures under tests/fixtures/parse/ruby/ are written like real code; expected.json holds their
golden models (``python -m tests.unit.parse_golden`` rewrites it: review the diff). The diagnostic
snapshots below are the exact lines ``metropipe export`` prints, ``path:line:col`` included.
"""

from __future__ import annotations

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, WireType
from metropipe.parse import ruby as parser
from tests.unit.parse_golden import build, diagnostics, expected

LANG = "ruby"
FILE = "unsupported.rb"
T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.rb", source, name)


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
    [("Int32", T.INT32), ("Integer", T.INT64), ("Int64", T.INT64), ("Float32", T.FLOAT), ("Float", T.DOUBLE),
     ("Boolean", T.BOOL), ("true, false", T.BOOL), ("TrueClass, FalseClass", T.BOOL), ("String", T.STRING),
     ("Bytes", T.BYTES), ("Metropipe::Bytes", T.BYTES)],
)
def test_yard_type_table(spelling: str, wire: WireType) -> None:
    fn = parse(f"# @param a [{spelling}]\n# @return [{spelling}]\ndef f(a)\nend\n")
    assert ([p.type for p in fn.params], fn.result) == ([wire], wire)
    assert fn.native["types"] == "yard"


@pytest.mark.parametrize(
    ("spelling", "wire"),
    [("Integer", T.INT64), ("Float", T.DOUBLE), ("T::Boolean", T.BOOL), ("String", T.STRING), ("Bytes", T.BYTES),
     ("Int32", T.INT32)],
)
def test_sorbet_type_table(spelling: str, wire: WireType) -> None:
    fn = parse(f"sig {{ params(a: {spelling}).returns({spelling}) }}\ndef f(a)\nend\n")
    assert ([p.type for p in fn.params], fn.result, fn.native["types"]) == ([wire], wire, "sorbet")


def test_void_results() -> None:
    assert types_of("# @return [void]\ndef f\nend\n") == ([], T.VOID)
    assert types_of("# @return [nil]\ndef f\nend\n") == ([], T.VOID)
    assert types_of("sig { void }\ndef f\nend\n") == ([], T.VOID)
    assert types_of("sig { params(x: Integer).void }\ndef f(x)\nend\n") == ([T.INT64], T.VOID)


UNSUPPORTED = {
    'a class as a type': ('norm', [
        "unsupported.rb:5:19: error: parameter 'point' has unsupported type 'Point' (supported: Integer, Int32, "
        'Float, Float32, Boolean, String, Bytes)',
    ]),
    'collections': ('total', [
        "unsupported.rb:11:20: error: parameter 'values' has unsupported type 'Array<Integer>': a slot holds a single "
        'value (Integer, Int32, Float, Float32, Boolean, String or Bytes); pass a collection encoded as a string or '
        'bytes, for example JSON',
        "unsupported.rb:12:19: error: parameter 'table' has unsupported type 'Hash{String => Integer}': a slot holds "
        'a single value (Integer, Int32, Float, Float32, Boolean, String or Bytes); pass a collection encoded as a '
        'string or bytes, for example JSON',
    ]),
    'nil-able': ('find', [
        "unsupported.rb:19:14: error: the return value has unsupported type 'Integer, nil': a slot always holds a "
        "value, never nil; use 'Integer'",
    ]),
    'a union': ('describe', [
        "unsupported.rb:24:19: error: parameter 'value' has unsupported type 'Integer, Float': a slot has one fixed "
        'type, not a union (Integer, Int32, Float, Float32, Boolean, String, Bytes)',
    ]),
    'variadic and a block': ('sum', [
        "unsupported.rb:32:23: error: parameter 'rest' is variadic ('*rest'): every parameter needs a fixed slot; "
        'list the parameters one by one',
        "unsupported.rb:32:30: error: parameter 'options' is variadic ('**options'): every parameter needs a fixed "
        'slot; list the parameters one by one',
        "unsupported.rb:32:41: error: parameter 'block' is a block ('&block'): a function cannot be passed to another "
        'process (supported: Integer, Int32, Float, Float32, Boolean, String, Bytes)',
    ]),
    'a Sorbet nilable': ('lookup', [
        "unsupported.rb:36:37: error: the return value has unsupported type 'T.nilable(Integer)': a slot always holds "
        "a value, never nil; use 'Integer'",
    ]),
    'missing types': ('count', [
        "unsupported.rb:41:19: error: parameter 'count' has unsupported type 'Fixnum'; did you mean 'Integer'? "
        '(supported: Integer, Int32, Float, Float32, Boolean, String, Bytes)',
        "unsupported.rb:42:12: error: 'count' has no return type (for example '# @return [Integer]' above it, or '# "
        "@return [void]')",
        "unsupported.rb:42:25: error: parameter 'untyped' has no type (for example '# @param untyped [Integer]' above "
        'it)',
    ]),
    'destructuring': ('destructure', [
        "unsupported.rb:46:12: error: 'destructure' has no return type (for example '# @return [Integer]' above it, "
        "or '# @return [void]')",
        "unsupported.rb:46:24: error: parameter 1 is destructured ('(a, b)'): a slot holds a single value; take each "
        'value as its own parameter',
    ]),
    'a module instance method': ('helper', [
        "unsupported.rb:53:7: error: 'helper' is an instance method of module 'Bad'; use 'def self.helper' or "
        "'module_function' (a method needs an object the provider does not have)",
    ]),
    'a method that needs an object': ('handle', [
        "unsupported.rb:61:7: error: 'handle' is an instance method of class 'Service'; use 'def self.handle' or a "
        'top-level def (a method needs an object the provider does not have)',
    ]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_unsupported_constructs_are_exact_diagnostics(case: str) -> None:
    name, lines = UNSUPPORTED[case]
    assert diagnostics(LANG, FILE, name) == lines


def test_a_sorbet_sig_wins_over_yard_tags() -> None:
    src = "# @param x [String]\n# @return [String]\nsig { params(x: Integer).returns(Float) }\ndef f(x)\nend\n"
    assert types_of(src) == ([T.INT64], T.DOUBLE)


def test_keyword_parameters_are_passed_by_keyword() -> None:
    fn = parse("# @param a [Integer]\n# @param b [String]\n# @return [void]\ndef f(a, b: 'x')\nend\n")
    assert [(p.name, p.keyword_only, p.native["kind"]) for p in fn.params] == [
        ("a", False, "positional"), ("b", True, "keyword")]


def test_a_module_function_wins_over_a_class_method() -> None:
    src = ("class C\n  # @return [String]\n  def self.f\n  end\nend\n"
           "module M\n  # @return [Integer]\n  def self.f\n  end\nend\n")
    fn = parse(src)
    assert (fn.result, fn.native["owner"], fn.native["kind"]) == (T.INT64, "M", "singleton")


def test_not_found_lists_the_methods() -> None:
    assert diagnostics(LANG, "text_tools.rb", "ad") == [
        "text_tools.rb:1:1: error: function 'ad' not found; did you mean 'add'? (methods here: add, check, digest, "
        "greet, log_value, parse, shout, toggle)"]
