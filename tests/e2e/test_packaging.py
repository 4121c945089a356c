"""Real pip builds of the examples: scikit-build-core + add_metropipe_stub(), and the setuptools hook.

metropipe is built into a wheel from this checkout and offered to the isolated build
environments with --find-links; scikit-build-core and setuptools come from the package index.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import IN_CI, ROOT, require

pytestmark = [pytest.mark.slow, pytest.mark.toolchain]
EXAMPLES = ROOT / "examples"


def pip(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=900, env=env)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding metropipe's wheel, built from this checkout."""
    require("cmake")
    require("ninja")
    out = tmp_path_factory.mktemp("wheels")
    proc = pip("wheel", "--no-deps", "-w", str(out), str(ROOT))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def test_metropipe_wheel_ships_the_cmake_package(wheels: Path) -> None:
    (wheel,) = wheels.glob("metropipe-*.whl")
    files = names(wheel)
    assert {"metropipe/cmake/metropipeConfig.cmake", "metropipe/cmake/metropipeConfigVersion.cmake"} <= files
    with zipfile.ZipFile(wheel) as z:
        entry_points = z.read(next(n for n in files if n.endswith("entry_points.txt"))).decode()
    assert "[cmake.root]\nmetropipe = metropipe" in entry_points
    assert "metropipe.setuptools_plugin:finalize" in entry_points


def test_scikit_build_core_example(wheels: Path, tmp_path: Path) -> None:
    project = tmp_path / "shapes"
    shutil.copytree(EXAMPLES / "scikit-build-core", project)
    proc = pip("wheel", "--no-deps", "--find-links", str(wheels), "-w", str(tmp_path / "dist"), str(project))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = (tmp_path / "dist").glob("shapes-*.whl")
    assert "-linux_" in wheel.name  # holds a shared library: a platform wheel
    assert {"shapes/libarea.so", "shapes/metropipe/area/area.h", "shapes/metropipe/area/stub.py",
            "shapes/metropipe/area/provider.py"} <= names(wheel)


def test_setuptools_example_sdist_and_wheel(wheels: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("build") is None:
        message = "the 'build' package is not installed (pip install build)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    project = tmp_path / "shapes"
    shutil.copytree(EXAMPLES / "setuptools", project)
    env = {**os.environ, "PIP_FIND_LINKS": str(wheels)}
    # python -m build makes the sdist, then the wheel from the sdist: the generated files travel in both
    proc = subprocess.run([sys.executable, "-m", "build", "-o", str(tmp_path / "dist"), str(project)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (sdist,) = (tmp_path / "dist").glob("shapes_setuptools-*.tar.gz")
    (wheel,) = (tmp_path / "dist").glob("shapes_setuptools-*.whl")
    listing = subprocess.run(["tar", "tzf", str(sdist)], capture_output=True, text=True, check=True).stdout
    for name in ("metropipe.toml", "src/shapes/metropipe/area/stub.py", "src/shapes/metropipe/area/area.h"):
        assert f"shapes_setuptools-0.1.0/{name}" in listing, listing
    assert "-linux_" in wheel.name
    assert {"shapes/metropipe/area/stub.py", "shapes/metropipe/area/area.h",
            "shapes/metropipe/area/libarea.so"} <= names(wheel)


def test_setuptools_generation_error_fails_the_build(wheels: Path, tmp_path: Path) -> None:
    project = tmp_path / "shapes"
    shutil.copytree(EXAMPLES / "setuptools", project)
    (project / "src" / "shapes" / "services.py").write_text("def surface(w: int) -> int:\n    return w\n")
    proc = pip("wheel", "--no-deps", "--find-links", str(wheels), "-w", str(tmp_path / "dist"), str(project))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "error: function 'area' not found" in out, out
    assert "metropipe build failed" in out
    assert not list((tmp_path / "dist").glob("*.whl")) if (tmp_path / "dist").exists() else True
