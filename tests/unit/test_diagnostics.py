"""Error snapshots: the exact ``path:line:col: error: message`` lines for each bad input, and exit code 1.

Each case runs the real CLI on one file of tests/fixtures/diagnostics/ (passed by its
name, from that folder, so the path in the diagnostic is the one the user typed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metropipe import cli
from tests.conftest import ROOT, metropipe

FIXTURES = ROOT / "tests" / "fixtures" / "diagnostics"
TYPES = "int, int32, float, float32, bool, str, bytes"
COLLECTION = ("a slot holds a single value (int, int32, float, float32, bool, str or bytes); pass a collection "
              "encoded as str or bytes, for example JSON")
FIXED = "every parameter needs a fixed slot; list the parameters one by one"


def fails(*args: str, out: Path, cwd: Path = FIXTURES) -> list[str]:
    """Run ``metropipe export ARGS``; it must fail with exit 1, write nothing and show no traceback."""
    proc = metropipe("export", *args, "--out", str(out), cwd=cwd, check=False)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert not (out / "metropipe").exists()
    return proc.stderr.splitlines()


CASES = {
    "function not found": (
        ["missing", "not_found.py"],
        ["not_found.py:1:1: error: function 'missing' not found (module-level functions here: add, fetch, sub)"],
    ),
    "function not found, close name": (
        ["ad", "not_found.py"],
        ["not_found.py:1:1: error: function 'ad' not found; did you mean 'add'? "
         "(module-level functions here: add, fetch, sub)"],
    ),
    "parameter without a type hint": (
        ["greet", "no_param_hint.py"],
        ["no_param_hint.py:1:11: error: parameter 'name' has no type hint (for example 'name: int')"],
    ),
    "return without a type hint": (
        ["greet", "no_return_hint.py"],
        ["no_return_hint.py:1:1: error: 'greet' has no return type hint (write '-> None' if it returns nothing)"],
    ),
    "list[int]": (
        ["total", "list_type.py"],
        [f"list_type.py:1:19: error: parameter 'values' has unsupported type 'list[int]': {COLLECTION}"],
    ),
    "dict": (
        ["lookup", "dict_type.py"],
        [f"dict_type.py:1:19: error: parameter 'table' has unsupported type 'dict': {COLLECTION}"],
    ),
    "a user class": (
        ["norm", "user_class.py"],
        [f"user_class.py:6:13: error: parameter 'p' has unsupported type 'Point' (supported: {TYPES})"],
    ),
    "Optional[int]": (
        ["find", "optional.py"],
        ["optional.py:4:23: error: the return value has unsupported type 'Optional[int]': a slot always holds a "
         "value, never None; use 'int'"],
    ),
    "float | None": (
        ["scale", "union_none.py"],
        ["union_none.py:1:29: error: parameter 'factor' has unsupported type 'float | None': a slot always holds "
         "a value, never None; use 'float'"],
    ),
    "misspelled types": (
        ["convert", "wrong_names.py"],
        [
            f"wrong_names.py:1:20: error: parameter 'count' has unsupported type 'integer'; did you mean 'int'? "
            f"(supported: {TYPES})",
            f"wrong_names.py:1:36: error: parameter 'label' has unsupported type 'string'; did you mean 'str'? "
            f"(supported: {TYPES})",
            f"wrong_names.py:1:48: error: parameter 'on' has unsupported type 'boolean'; did you mean 'bool'? "
            f"(supported: {TYPES})",
            f"wrong_names.py:1:60: error: the return value has unsupported type 'Int'; did you mean 'int'? "
            f"(supported: {TYPES})",
        ],
    ),
    "*args": (
        ["total", "star_args.py"],
        [f"star_args.py:1:12: error: '*values' is not supported: {FIXED}"],
    ),
    "**kwargs": (
        ["configure", "star_kwargs.py"],
        [f"star_kwargs.py:1:28: error: '**options' is not supported: {FIXED}"],
    ),
    "async def": (
        ["fetch", "async_def.py"],
        ["async_def.py:4:1: error: 'fetch' is an async function; export a plain def (wrap it with asyncio.run)"],
    ),
    "generator": (
        ["count", "generator.py"],
        ["generator.py:4:9: error: 'count' is a generator (it yields); export a function that returns a value"],
    ),
    "method": (
        ["classify", "method.py"],
        ["method.py:2:5: error: 'classify' is a method of class 'Classifier'; export a module-level function "
         "(a method needs an object the provider does not have)"],
    ),
    "method next to module-level functions": (
        ["scale", "not_found.py"],
        ["not_found.py:17:5: error: 'scale' is a method of class 'Calculator'; export a module-level function "
         "(a method needs an object the provider does not have)"],
    ),
    "a class": (
        ["Handler", "not_a_def.py"],
        ["not_a_def.py:1:1: error: 'Handler' is a class, not a function; export a module-level def"],
    ),
    "an assignment": (
        ["classify", "not_a_def.py"],
        ["not_a_def.py:5:1: error: 'classify' is assigned here, not defined with 'def', so it has no signature "
         "to read"],
    ),
    "syntax error": (
        ["broken", "syntax_error.py"],
        ["syntax_error.py:1:26: error: invalid Python syntax: expected ':'"],
    ),
    "non-UTF-8 source": (
        ["greet", "non_utf8.py"],
        ["non_utf8.py:3:16: error: source is not valid UTF-8: byte 0xe9 cannot be decoded; save the file as UTF-8"],
    ),
    "several problems in one function, in source order": (
        ["messy", "several_problems.py"],
        [
            "several_problems.py:1:11: error: parameter 'a' has no type hint (for example 'a: int')",
            f"several_problems.py:1:15: error: '*rest' is not supported: {FIXED}",
            f"several_problems.py:1:29: error: parameter 'b' has unsupported type 'list[int]': {COLLECTION}",
            f"several_problems.py:1:52: error: '**extra' is not supported: {FIXED}",
            f"several_problems.py:1:62: error: the return value has unsupported type 'dict': {COLLECTION}",
        ],
    ),
    "missing source file": (
        ["add", "no_such_file.py"],
        ["no_such_file.py:1:1: error: no such file: 'no_such_file.py'"],
    ),
    "a folder as source": (
        ["add", "."],
        [".:1:1: error: '.' is not a file"],
    ),
    "invalid function name": (
        ["2fast", "valid.py"],
        ["metropipe: error: '2fast' is not a valid function name (ASCII letters, digits and '_', not starting "
         "with a digit)"],
    ),
    "keyword as function name": (
        ["class", "valid.py"],
        ["metropipe: error: 'class' is a Python keyword, not a function name"],
    ),
    "invalid channel": (
        ["add", "valid.py", "--channel", "../etc/passwd"],
        ["metropipe: error: invalid channel name '../etc/passwd': use letters, digits, '_', '.', '-', not "
         "starting with '.' or '-', at most 200"],
    ),
    "channel too long": (
        ["add", "valid.py", "--channel", "c" * 201],
        [f"metropipe: error: invalid channel name '{'c' * 201}': use letters, digits, '_', '.', '-', not "
         "starting with '.' or '-', at most 200"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_reported_exactly(case: str, tmp_path: Path) -> None:
    args, expected = CASES[case]
    assert fails(*args, "--target", "python", out=tmp_path) == expected


def test_an_unknown_extension_gives_raw_stubs_and_says_so(tmp_path: Path) -> None:
    """Not an error (issue 4): raw-bytes stubs and a provider skeleton, with a one-line notice."""
    (tmp_path / "add.toml").write_text("[add]\n", encoding="utf-8")
    proc = metropipe("export", "add", "add.toml", "--target", "python", cwd=tmp_path)
    assert proc.stderr.splitlines() == [
        "metropipe: note: cannot read signatures from '.toml' files (supported: .c, .cjs, .cs, .cts, .go, .h, "
        ".java, .js, .mjs, .mts, .py, .pyi, .rb, .rs, .ts): generated raw-bytes stubs for 'add' (call(bytes) -> "
        "bytes) and a provider skeleton to fill in"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.py")) == [
        "metropipe/add/provider.py", "metropipe/add/stub.py"]
    assert "no source (add, raw bytes)" in (tmp_path / "metropipe/add/stub.py").read_text(encoding="utf-8")
    missing = metropipe("export", "add", "gone.toml", "--target", "python", cwd=tmp_path, check=False)
    assert (missing.returncode, missing.stderr) == (1, "gone.toml:1:1: error: no such file: 'gone.toml'\n")


def test_unknown_target_names_the_valid_ones(tmp_path: Path) -> None:
    assert fails("add", "valid.py", "--target", "python", "cobol", out=tmp_path) == [
        f"metropipe: error: unknown target 'cobol'; valid targets: {', '.join(cli.ALL_TARGETS)}"]
    assert "go" in cli.ALL_TARGETS and "python" in cli.ALL_TARGETS


def test_target_not_available_yet_says_which_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # Every target the product names is built now; pretend the go package is missing, as in a
    # trimmed installation, to check what the user is told.
    import importlib.util

    from metropipe import cli, targets

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "metropipe.targets.go" else real(name, *a))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["export", "add", str(FIXTURES / "valid.py"), "--target", "python,go"]) == 1
    available = ", ".join(sorted(k for k, m in targets.TARGETS.items()
                                 if k != "go" and real(f"metropipe.targets.{m}") is not None))
    assert capsys.readouterr().err.splitlines() == [
        f"metropipe: error: target 'go' is not available in metropipe 0.1.0 yet; available now: {available}"]


def test_unify_never_overwrites_a_file_metropipe_did_not_write(tmp_path: Path) -> None:
    mine = "# my own helpers\nprint('hello')\n"
    (tmp_path / "metropipe_stubs.py").write_text(mine, encoding="utf-8")
    src = FIXTURES / "valid.py"
    proc = metropipe("export", "add", str(src), "--target", "python", "--unify", cwd=tmp_path, check=False)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "metropipe_stubs.py:1:1: error: 'metropipe_stubs.py' exists but was not generated by metropipe --unify; "
        "it is left alone: move it away or choose another --out"]
    assert (tmp_path / "metropipe_stubs.py").read_text(encoding="utf-8") == mine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metropipe_stubs.py"]


def test_unify_with_a_damaged_record_is_a_user_error(tmp_path: Path) -> None:
    src = FIXTURES / "valid.py"
    metropipe("export", "add", str(src), "--target", "python", "--unify", "-q", cwd=tmp_path)
    stubs = tmp_path / "metropipe_stubs.py"
    text = stubs.read_text(encoding="utf-8")
    stubs.write_text(text.replace('"name":"add"', '"nom":"add"'), encoding="utf-8")
    proc = metropipe("export", "add", str(src), "--target", "python", "--unify", cwd=tmp_path, check=False)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "metropipe_stubs.py:2:1: error: the 'metropipe-unified:' record of 'metropipe_stubs.py' is damaged; "
        "delete the file and export its functions again"]


def test_an_output_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "gen").write_text("not a folder\n", encoding="utf-8")
    proc = metropipe("export", "add", str(FIXTURES / "valid.py"), "--target", "python", "--out", "gen",
                     cwd=tmp_path, check=False)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["metropipe: error: Not a directory: 'gen/metropipe/add/provider.py'"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    for args in (["export", "add", "valid.py"], ["export", "add", "valid.py", "-t", "python", "--flat", "--unify"],
                 []):
        proc = metropipe(*args, cwd=FIXTURES, check=False)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr
        assert "usage: metropipe" in proc.stderr
