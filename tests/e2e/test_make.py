"""make/metropipe.mk with GNU make: regenerate exactly when an input changed; `make -q` after a build.

A user's Makefile includes it and compiles a C program against a generated header; every
step asserts both what metropipe did and what make did to the program.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require

SERVICES = '''\
def classify(text: str, threshold: int) -> str:
    return "long" if len(text.split()) > threshold else "short"


def add(a: int, b: int) -> int:
    return a + b
'''
MANIFEST = '''\
[[export]]
function = "classify"
source = "services.py"
targets = ["c", "python"]

[[export]]
function = "add"
source = "services.py"
targets = ["c-linker"]
'''
MAIN = '''\
#include "metropipe/classify/stub.h"
int main(void) { return 0; }
'''
MAKEFILE = '''\
include $(shell $(METROPIPE) --make-include)

app: main.c metropipe/classify/stub.h
\t$(CC) -std=c11 -o $@ main.c

clean: metropipe-clean
\trm -f app
'''
OLD = 1_000_000_000_000_000_000


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make = require("make")
    require("gcc")
    version = subprocess.run([make, "--version"], capture_output=True, text=True).stdout
    if "GNU Make" not in version:
        pytest.skip("metropipe.mk needs GNU make")
    root = tmp_path / "proj"
    root.mkdir()
    (root / "services.py").write_text(SERVICES)
    (root / "metropipe.toml").write_text(MANIFEST)
    (root / "main.c").write_text(MAIN)
    (root / "Makefile").write_text(MAKEFILE)
    return root


def make(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "METROPIPE": f"{shlex.quote(sys.executable)} -m metropipe"}
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    return subprocess.run(["make", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def ran_metropipe(proc: subprocess.CompletedProcess[str]) -> bool:
    return "metropipe build:" in proc.stdout


def mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


@pytest.mark.slow
@pytest.mark.toolchain
def test_make_regenerates_exactly_when_an_input_changed(project: Path) -> None:
    first = make(project, "-j2")
    assert first.returncode == 0, first.stdout + first.stderr
    assert ran_metropipe(first) and "regenerated 2" in first.stdout and "libraries built 1" in first.stdout
    assert (project / "app").is_file() and (project / "metropipe/add/libadd.so").is_file()
    assert "jobserver" not in first.stderr

    again = make(project)
    assert (again.returncode, ran_metropipe(again)) == (0, False)
    assert "'app' is up to date" in again.stdout
    assert make(project, "-q").returncode == 0

    # the body of a function: metropipe runs, rewrites nothing, and make rebuilds nothing
    app = mtime(project / "app")
    (project / "services.py").write_text(SERVICES.replace("return a + b", "return b + a"))
    proc = make(project)
    assert ran_metropipe(proc) and "nothing to do" in proc.stdout
    assert mtime(project / "app") == app
    assert make(project, "-q").returncode == 0

    # a signature: the header changes, and so does what depends on it
    (project / "services.py").write_text(SERVICES.replace("threshold: int)", "threshold: float)"))
    proc = make(project)
    assert ran_metropipe(proc) and "regenerated 1" in proc.stdout and "-o app main.c" in proc.stdout
    assert mtime(project / "app") != app
    assert make(project, "-q").returncode == 0

    # the manifest, and a deleted output
    app = mtime(project / "app")
    os.utime(project / "metropipe/classify/stub.h", ns=(OLD, OLD))
    (project / "metropipe/add/libadd.so").unlink()
    proc = make(project)
    assert ran_metropipe(proc) and "libraries built 1" in proc.stdout
    assert mtime(project / "app") == app, "stub.h was older than app and still is: nothing to recompile"
    assert make(project, "-q").returncode == 0


@pytest.mark.slow
@pytest.mark.toolchain
def test_a_failed_generation_stops_make(project: Path) -> None:
    (project / "metropipe.toml").write_text(MANIFEST.replace('"classify"', '"clasify"', 1))
    proc = make(project)
    assert proc.returncode == 2
    assert "metropipe.toml:2:12: error: function 'clasify' not found in services.py" in proc.stderr
    assert not (project / "app").exists()


@pytest.mark.slow
@pytest.mark.toolchain
def test_clean_goals_do_not_build_first(project: Path) -> None:
    assert make(project).returncode == 0
    proc = make(project, "clean")
    assert proc.returncode == 0 and not ran_metropipe(proc)
    assert "metropipe clean: removed 8 files" in proc.stdout  # 2 stubs, 2 providers, 3 c-linker files, 1 library
    assert sorted(p.name for p in project.iterdir()) == [".metropipe", "Makefile", "main.c", "metropipe.toml",
                                                         "services.py"]
    assert make(project, "metropipe").returncode == 0
    assert (project / "metropipe/classify/stub.h").is_file() and not (project / "app").exists()
