"""The README's first two commands are the whole set-up: keep them true.

The first is run for real (in a fresh virtual environment, so the test does not
install into the environment running it); the second must be exactly what
.ci/run runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT, require


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "README.md must open with a ```sh block of two commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    assert "pip install" in commands[0] and "quickstart" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in [line.strip() for line in ci]


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.toolchain
def test_first_command_installs_and_runs_the_quickstart(tmp_path: Path) -> None:
    require("gcc")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    bin_dir = env_dir / "bin"
    # The venv sees the system pip (system_site_packages), and pip installs into the venv.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(env_dir)}
    env.pop("PYTHONPATH", None)
    command = readme_commands()[0]  # verbatim: the venv's python3 comes first on PATH
    proc = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (bin_dir / "metropipe").exists(), "the console script was not installed into the venv"
    assert 'classify("metropipe calls a Python function from C", 3) = long' in proc.stdout
    assert 'classify("hello world", 3) = short' in proc.stdout
    assert sys.executable  # the outer interpreter is untouched
