"""``metropipe export --list/--depfile/--stamp``, ``build --no-libraries`` and ``--cmake-dir`` (used by cmake/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metropipe import cli, depfile

SOURCE = "def add(a: int, b: int) -> int:\n    return a + b\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "services.py").write_text(SOURCE)
    return tmp_path


def test_list_prints_the_files_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", "add", "services.py", "-t", "c-linker", "--out", "gen", "--list"]) == 0
    listed = capsys.readouterr().out.split()
    assert listed == ["gen/metropipe/add/Makefile", "gen/metropipe/add/add.c", "gen/metropipe/add/add.h",
                      "gen/metropipe/add/provider.py"]
    assert not (project / "gen").exists()


def test_depfile_names_the_outputs_the_source_and_metropipe(project: Path) -> None:
    assert cli.main(["export", "add", "services.py", "-t", "c", "-q", "--depfile", "x.d"]) == 0
    text = (project / "x.d").read_text()
    head = text.split(":", 1)[0]
    assert head.split() == ["metropipe/add/provider.py", "metropipe/add/stub.h"]
    assert str(project / "services.py") in text
    assert str(Path(depfile.__file__).resolve().parent / "export.py") in text
    assert f"{project / 'services.py'}:\n" in text  # an empty rule per input


def test_stamp_is_the_depfiles_only_target(project: Path) -> None:
    assert cli.main(["export", "add", "services.py", "-t", "c", "-q", "--depfile", "x.d", "--stamp", "s/x"]) == 0
    assert (project / "s" / "x").is_file()
    assert (project / "x.d").read_text().startswith("s/x: \\\n")


def test_build_without_libraries_generates_only(project: Path) -> None:
    (project / "metropipe.toml").write_text('[[export]]\nfunction = "add"\nsource = "services.py"\n'
                                            'targets = ["c-linker"]\n')
    assert cli.main(["build", "--no-libraries", "-q", "--depfile", "b.d"]) == 0
    assert (project / "metropipe" / "add" / "add.c").is_file()
    assert not (project / "metropipe" / "add" / "libadd.so").exists()
    assert "libadd.so" not in (project / "b.d").read_text()


def test_cmake_dir(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--cmake-dir"]) == 0
    assert (Path(capsys.readouterr().out.strip()) / "metropipeConfig.cmake").is_file()
