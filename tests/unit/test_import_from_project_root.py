"""Generated stubs live in a folder named ``metropipe`` in the user's project, like the installed package.

``metropipe/__init__.py`` extends its ``__path__`` (pkgutil.extend_path) so that, from
the project root, ``import metropipe.<function>.stub`` finds the generated stub while
``python -m metropipe`` still runs the installed tool. This only holds for a regular
install: the checkout here is installed in editable mode, whose import hook comes
after the path finder, so these tests pip-install the package (non-editable, offline)
into a fresh virtual environment and run that environment's Python from a project
root. The environment sees only metropipe and its dependencies (jinja2, markupsafe),
not the editable install of the host.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pytest

from metropipe import __version__
from tests.conftest import IN_CI, ROOT

pytestmark = pytest.mark.slow

SOURCE = """\
def add(a: int, b: int) -> int:
    return a + b


def shout(text: str) -> str:
    return text.upper()


def layout(x: float) -> float:
    return x
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH", "PYTHONHOME")}
    env["METROPIPE_DIR"] = str(tmp)
    return env


def _run(cmd: Sequence[str | Path], cwd: Path, env: dict[str, str], check: bool = True,
         ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(reason + "; CI never skips this test")
    pytest.skip(reason)


def _version(wheel: Path) -> tuple[int, ...]:
    m = re.match(r"setuptools-([0-9.]+)-", wheel.name)
    return tuple(int(x) for x in m.group(1).split(".") if x.isdigit()) if m else ()


def _newer_setuptools_wheel() -> Path | None:
    """A setuptools wheel that builds wheels by itself (>= 70.1), from virtualenv's bundled seeds: offline."""
    spec = importlib.util.find_spec("virtualenv")
    if spec is None or not spec.submodule_search_locations:
        return None
    embed = Path(next(iter(spec.submodule_search_locations))) / "seed" / "wheels" / "embed"
    wheels = sorted((w for w in embed.glob("setuptools-*.whl") if _version(w) >= (70, 1)), key=_version)
    return wheels[-1] if wheels else None


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a fresh virtual environment with metropipe pip-installed (not editable)."""
    root = tmp_path_factory.mktemp("installed")
    env = _env(root)
    src = root / "src"
    shutil.copytree(ROOT / "metropipe", src / "metropipe", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "make", src / "make")  # data files the wheel installs (share/metropipe/make)
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, src / name)
    _run([sys.executable, "-m", "venv", root / "venv"], root, env)
    py = root / "venv" / "bin" / "python"
    purelib = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root,
                        env).stdout.strip())
    # The dependencies, as the host has them (an installed jinja2 is all the CLI needs).
    for dep in ("jinja2", "markupsafe"):
        spec = importlib.util.find_spec(dep)
        assert spec is not None and spec.submodule_search_locations, f"{dep} is a dependency of metropipe"
        os.symlink(next(iter(spec.submodule_search_locations)), purelib / dep)
    builds_wheels = ("import importlib.util as u; "
                     "print(u.find_spec('setuptools.command.bdist_wheel') is not None or u.find_spec('wheel') "
                     "is not None)")
    if _run([py, "-c", builds_wheels], root, env).stdout.strip() != "True":
        wheel = _newer_setuptools_wheel()
        if wheel is None:
            _unavailable("the new environment's setuptools cannot build a wheel and no newer setuptools "
                         "wheel is available offline")
        _run([py, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel], root, env)
    _run([py, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-build-isolation", src], root, env)
    where = _run([py, "-c", "import metropipe; print(metropipe.__file__)"], root, env).stdout.strip()
    assert Path(where) == purelib / "metropipe" / "__init__.py", "metropipe is not the pip-installed copy"
    return py


@pytest.fixture
def project(python: Path, tmp_path: Path) -> Path:
    """A user's project root, exported with the installed CLI (so ./metropipe/ exists from then on)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "svc.py").write_text(SOURCE, encoding="utf-8")
    env = _env(tmp_path)
    _run([python, "-m", "metropipe", "export", "add", "svc.py", "--target", "python", "-q"], root, env)
    _run([python, "-m", "metropipe", "export", "shout", "svc.py", "--target", "python", "--flat", "-q"], root, env)
    assert (root / "metropipe" / "add" / "stub.py").is_file()
    assert not (root / "metropipe" / "__init__.py").exists()
    return root


def test_stub_imports_from_the_project_root(python: Path, project: Path) -> None:
    code = ("import metropipe.add.stub as s, metropipe.shout as f, metropipe; "
            "print(s.__file__); print(f.__file__); print(metropipe.__file__); print(metropipe.__version__); "
            "print(s.add.__name__, f.shout.__name__); print(metropipe.__path__)")
    out = _run([python, "-c", code], project, _env(project.parent)).stdout.splitlines()
    assert out[0] == str(project / "metropipe" / "add" / "stub.py")
    assert out[1] == str(project / "metropipe" / "shout.py")
    assert "site-packages" in out[2] and out[3] == __version__
    assert out[4] == "add shout"
    installed = str(Path(out[2]).parent)
    assert out[5] == repr([installed, str(project / "metropipe")])  # the tool first, then the project's folder


def test_a_script_in_the_project_root_imports_the_stub(python: Path, project: Path, tmp_path: Path) -> None:
    (project / "app.py").write_text("from metropipe.add.stub import add\nprint(add.__module__)\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = _run([python, project / "app.py"], elsewhere, _env(tmp_path)).stdout
    assert out.strip() == "metropipe.add.stub"


def test_the_tool_still_works_from_the_project_root(python: Path, project: Path) -> None:
    env = _env(project.parent)
    proc = _run([python, "-m", "metropipe", "--version"], project, env)
    assert proc.stdout.strip() == f"metropipe {__version__}"
    script = python.parent / "metropipe"
    assert _run([script, "--version"], project, env).stdout.strip() == f"metropipe {__version__}"
    again = _run([python, "-m", "metropipe", "export", "add", "svc.py", "--target", "python"], project, env)
    assert again.stdout.splitlines()[:2] == ["unchanged  metropipe/add/provider.py",
                                             "unchanged  metropipe/add/stub.py"]


def test_tool_modules_and_stubs_side_by_side(python: Path, project: Path) -> None:
    code = ("import metropipe.layout as lay, metropipe.add.stub as s; "
            "print(lay.__file__); print(s.__file__); print(lay.HEADER_SIZE)")
    out = _run([python, "-c", code], project, _env(project.parent)).stdout.splitlines()
    assert "site-packages" in out[0] and out[1] == str(project / "metropipe" / "add" / "stub.py")
    assert out[2] == "32"
