"""metropipe.parse.python: reading a signature with ``ast`` (nothing imported or run)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from metropipe.errors import UserError
from metropipe.model import Function, Location, WireType
from metropipe.parse import parse as read
from metropipe.parse import python as parser

T = WireType


def parse(source: str, name: str = "f") -> Function:
    return parser.parse("src.py", textwrap.dedent(source), name)


def types_of(source: str, name: str = "f") -> tuple[list[WireType], WireType]:
    fn = parse(source, name)
    return [p.type for p in fn.params], fn.result


@pytest.mark.parametrize(
    ("annotation", "wire"),
    [
        ("int", T.INT64),
        ("int64", T.INT64),
        ("int32", T.INT32),
        ("float", T.DOUBLE),
        ("float64", T.DOUBLE),
        ("double", T.DOUBLE),
        ("float32", T.FLOAT),
        ("bool", T.BOOL),
        ("str", T.STRING),
        ("bytes", T.BYTES),
    ],
)
def test_type_table(annotation: str, wire: WireType) -> None:
    assert types_of(f"def f(a: {annotation}) -> {annotation}: ...") == ([wire], wire)


def test_none_result_is_no_result() -> None:
    assert types_of("def f(a: int) -> None: ...") == ([T.INT64], T.VOID)
    assert types_of("def f() -> 'None': ...") == ([], T.VOID)


def test_metropipe_types_spellings() -> None:
    src = """
        from metropipe.types import float32, float64, int32, int64

        def f(a: int32, b: int64, c: float32, d: float64) -> int32: ...
    """
    assert types_of(src) == ([T.INT32, T.INT64, T.FLOAT, T.DOUBLE], T.INT32)


def test_dotted_spellings() -> None:
    src = """
        import metropipe.types as mp
        import metropipe.types

        def f(a: mp.int32, b: mp.float32, c: metropipe.types.int32, d: mp.int64) -> mp.float32: ...
    """
    assert types_of(src) == ([T.INT32, T.FLOAT, T.INT32, T.INT64], T.FLOAT)


def test_local_newtype() -> None:
    src = """
        from typing import NewType
        int32 = NewType("int32", int)
        float32 = NewType("float32", float)

        def f(a: int32, b: float32) -> int32: ...
    """
    assert types_of(src) == ([T.INT32, T.FLOAT], T.INT32)


def test_annotated() -> None:
    src = """
        import typing
        from typing import Annotated

        def f(a: Annotated[int, "int32"], b: typing.Annotated[float, "doc", "float32"],
              c: Annotated[int, "just a note"], d: Annotated[str, 42]) -> Annotated[int, "int32"]: ...
    """
    assert types_of(src) == ([T.INT32, T.FLOAT, T.INT64, T.STRING], T.INT32)


def test_quoted_annotations() -> None:
    src = """
        def f(a: "int32", b: 'bytes', c: "Annotated[float, 'float32']") -> "str": ...
    """
    assert types_of(src) == ([T.INT32, T.BYTES, T.FLOAT], T.STRING)


def test_future_annotations_changes_nothing() -> None:
    src = """
        from __future__ import annotations

        def f(a: int32, b: str) -> bool: ...
    """
    assert types_of(src) == ([T.INT32, T.STRING], T.BOOL)


def test_parameters_keep_names_order_and_keyword_only() -> None:
    fn = parse("def f(a: int, /, b: str, *, c: bool, d: bytes) -> None: ...")
    assert [(p.name, p.type, p.keyword_only) for p in fn.params] == [
        ("a", T.INT64, False), ("b", T.STRING, False), ("c", T.BOOL, True), ("d", T.BYTES, True)]


def test_defaults_are_allowed_and_ignored() -> None:
    assert types_of("def f(a: int = 1, *, b: str = 'x') -> int: ...") == ([T.INT64, T.STRING], T.INT64)


def test_decorators_are_ignored() -> None:
    src = """
        import functools

        @functools.lru_cache(maxsize=None)
        @staticmethod
        def f(a: int) -> int:
            return a
    """
    fn = parse(src)
    assert ([p.type for p in fn.params], fn.result) == ([T.INT64], T.INT64)
    assert fn.location == Location("src.py", 6, 1)  # the def line, not the first decorator


def test_docstring_first_line_only() -> None:
    src = '''
        def f(a: int) -> int:
            """

            Add one to a.
            More detail here.
            """
            return a + 1
    '''
    assert parse(src).doc == "Add one to a."
    assert parse("def f() -> None:\n    pass\n").doc == ""


def test_later_definition_wins() -> None:
    src = """
        def f(a: int) -> int: ...

        def f(a: str, b: bytes) -> bool: ...
    """
    fn = parse(src)
    assert ([(p.name, p.type) for p in fn.params], fn.result) == ([("a", T.STRING), ("b", T.BYTES)], T.BOOL)
    assert fn.location is not None and fn.location.line == 4


def test_model_fields() -> None:
    fn = parse("\n\ndef add(a: int32, b: int32) -> int32:\n    return a + b\n", "add")
    assert (fn.name, fn.source, fn.language, fn.raw, fn.channel_name) == ("add", "src.py", "python", False, "add")
    assert fn.location == Location("src.py", 3, 1)
    assert [p.location for p in fn.params] == [Location("src.py", 3, 9), Location("src.py", 3, 19)]


def test_a_nested_function_yielding_does_not_make_a_generator() -> None:
    src = """
        def f(a: int) -> int:
            def inner():
                yield a
            g = (x for x in range(3))
            h = lambda: (yield)
            return a
    """
    assert types_of(src) == ([T.INT64], T.INT64)


def test_only_module_level_functions_are_found() -> None:
    src = """
        def outer() -> None:
            def f(a: int) -> int: ...
    """
    with pytest.raises(UserError) as e:
        parse(src)
    assert [str(d) for d in e.value.diagnostics] == [
        "src.py:1:1: error: function 'f' not found (module-level functions here: outer)"]


def test_nothing_is_executed() -> None:
    src = """
        raise SystemExit("the source was run")
        import does_not_exist

        def f(a: int) -> int: ...
    """
    assert types_of(src) == ([T.INT64], T.INT64)


def test_utf8_bom_and_a_coding_line_are_read(tmp_path: Path) -> None:
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfdef f(a: int) -> int:\n    '''Caf\xc3\xa9.'''\n    return a\n")
    assert read(str(bom), "f").doc == "Caf\u00e9."
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\ndef f(a: str) -> str:\n    '''Caf\xe9.'''\n    return a\n")
    fn = read(str(latin), "f")
    assert (fn.doc, [p.type for p in fn.params]) == ("Caf\u00e9.", [T.STRING])


def test_a_quoted_annotation_is_reported_at_the_quote() -> None:
    with pytest.raises(UserError) as e:
        parse('def f(a: int,  b: "list[int]") -> int: ...')
    [d] = e.value.diagnostics
    assert d.location == Location("src.py", 1, 19)
    assert "'list[int]'" in d.message


def test_all_problems_come_together_in_source_order() -> None:
    with pytest.raises(UserError) as e:
        parse("def f(a, *b, c: dict, **d):\n    pass\n")
    assert [(d.location.line, d.location.col) for d in e.value.diagnostics if d.location] == [
        (1, 1), (1, 7), (1, 11), (1, 17), (1, 25)]
