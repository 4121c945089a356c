"""The build engine's contracts with targets and parsers, in process.

- Every target's file paths depend only on the names, the mode and the options, never on the
  signature: ``metropipe outputs`` declares them from stand-in functions.
- A parser's optional ``dependencies(path, text)`` hook reaches the record and the depfile, and a
  change to such a file re-reads the signature.
"""

from __future__ import annotations

import sys
import textwrap
import types
from pathlib import Path

import pytest

from metropipe import build, export, manifest, parse
from metropipe.errors import UserError
from metropipe.model import Function, Location, Param, WireType

SOURCE = textwrap.dedent('''\
    def every(a: int, b: float, c: bool, d: str, e: bytes) -> str:
        return d
    ''')


def job_for(tmp_path: Path, key: str, mode: str, raw: bool) -> build.Job:
    (tmp_path / "svc.py").write_text(SOURCE, encoding="utf-8")
    source = "" if raw else 'source = "svc.py"\n'
    (tmp_path / "metropipe.toml").write_text(
        f'[[export]]\nfunction = "every"\n{source}targets = ["{key}"]\nmode = "{mode}"\n', encoding="utf-8")
    m = manifest.load(tmp_path / "metropipe.toml")
    [e] = m.exports
    fn = export.prepare("every", None if raw else str(tmp_path / "svc.py"), str(tmp_path))
    [unit] = [u for u in export.units(fn, [key], mode) if u.kind == "target"]
    return build.Job("j", unit, e.out, exports=[e], functions=[fn])


@pytest.mark.parametrize("mode", manifest.MODES)
@pytest.mark.parametrize("key", manifest.available_targets())
def test_declared_paths_do_not_depend_on_the_signature(tmp_path: Path, key: str, mode: str) -> None:
    for raw in (False, True):
        job = job_for(tmp_path, key, mode, raw)
        try:
            real = sorted(export.render(job.unit, job.functions, job.options))
        except UserError:  # this target refuses this function (a raw one, say): so must the declaration
            with pytest.raises(UserError):
                build.declared_paths(job)
            continue
        assert build.declared_paths(job) == real, f"{key} --{mode} {'raw' if raw else ''}"


def fake_parser(path: str, text: str, name: str) -> Function:
    """A stand-in for a future parser: 'name' takes one integer whose width types.h sets."""
    width = (Path(path).parent / "types.h").read_text(encoding="utf-8")
    wire = WireType.INT32 if "int32" in width else WireType.INT64
    if f"fn {name}" not in text:
        from metropipe.errors import fail

        raise fail(f"function '{name}' not found", Location(path, 1, 1))
    return Function(name, params=(Param("a", wire),), result=wire, source=path, language="fakeinc",
                    location=Location(path, 1, 1))


@pytest.fixture
def fakeinc(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("metropipe.parse.fakeinc")
    module.parse = fake_parser  # type: ignore[attr-defined]
    module.dependencies = lambda path, text: [str(Path(path).parent / "types.h")]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "metropipe.parse.fakeinc", module)
    monkeypatch.setitem(parse.PARSERS, ".inc", "fakeinc")


def test_parser_dependencies_are_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fakeinc: None,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib.inc").write_text("fn scale\n", encoding="utf-8")
    (tmp_path / "types.h").write_text("typedef int32 width;\n", encoding="utf-8")
    (tmp_path / "metropipe.toml").write_text('[[export]]\nfunction = "scale"\nsource = "lib.inc"\n'
                                             'targets = ["python"]\n', encoding="utf-8")
    assert build.build("metropipe.toml", depfile="deps.d") == 0
    stub = tmp_path / "metropipe/scale/stub.py"
    assert "scale(int32)->int32" in stub.read_text(encoding="utf-8")
    depfile = (tmp_path / "deps.d").read_text(encoding="utf-8")
    assert depfile.startswith("metropipe/scale/stub.py: \\\n  metropipe.toml \\\n  lib.inc \\\n  types.h \\\n")
    assert "\ntypes.h:\n" in depfile

    (tmp_path / "types.h").write_text("typedef int32 width; /* a comment */\n", encoding="utf-8")
    capsys.readouterr()
    build.build("metropipe.toml", verbose=True)
    out = capsys.readouterr().out
    assert "up to date  scale: types.h changed; signature unchanged, nothing to rewrite" in out
    assert "regenerated 0, up to date 1" in out

    (tmp_path / "types.h").write_text("typedef int64 width;\n", encoding="utf-8")
    build.build("metropipe.toml", verbose=True)
    out = capsys.readouterr().out
    assert "regenerated scale (in .): signature changed: scale(a: int32) -> int32 => scale(a: int64) -> int64" in out
    assert "scale(int64)->int64" in stub.read_text(encoding="utf-8")


def test_a_parser_without_the_hook_depends_on_its_source_only(tmp_path: Path) -> None:
    (tmp_path / "svc.py").write_text(SOURCE, encoding="utf-8")
    assert parse.dependencies(str(tmp_path / "svc.py")) == []
    assert parse.dependencies(str(tmp_path / "notes.txt")) == []
