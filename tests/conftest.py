"""Shared test helpers.

``require(tool)`` gives the path of a toolchain program. On a user's machine a
missing tool is a visible skip with its reason; in CI (``CI`` set) it is a failure,
because CI never skips a toolchain.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path:
        return path
    message = f"toolchain '{tool}' is not installed (.ci/run installs it)"
    if IN_CI:
        pytest.fail(message + "; CI never skips a toolchain test")
    pytest.skip(message)


def metropipe(*args: str, cwd: Path | str | None = None, check: bool = True,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI (``python -m metropipe``) as a user would, from this checkout."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "metropipe", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"metropipe {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def shm_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private channel folder (METROPIPE_DIR) so tests never collide."""
    d = tmp_path / "shm"
    d.mkdir(mode=0o700)
    monkeypatch.setenv("METROPIPE_DIR", str(d))
    return d


def require_native_build() -> None:
    """What the Python runtime's compiled fast path needs: a C compiler and this interpreter's headers."""
    require("cc")
    import sysconfig

    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        message = "Python's C headers (Python.h) are not installed (Debian/Ubuntu: apt install python3-dev)"
        if IN_CI:
            pytest.fail(message + "; CI never skips the native fast path's tests")
        pytest.skip(message)
