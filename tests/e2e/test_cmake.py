"""cmake/metropipeConfig.cmake with real CMake, Ninja and Unix Makefiles.

A user's project calls ``add_metropipe_stub(... TARGETS c-linker)`` and links a C program, in a
subdirectory, against the library CMake builds; each step asserts what the generator and the
build tool did.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, metropipe, require

pytestmark = [pytest.mark.slow, pytest.mark.toolchain]

SERVICES = "def add(a: int, b: int) -> int:\n    return a + b\n"
TOP = """\
cmake_minimum_required(VERSION 3.20)
project(demo C)
find_package(metropipe CONFIG REQUIRED)
add_metropipe_stub(add SOURCE services.py TARGETS c-linker python)
add_subdirectory(app)
"""
APP_CMAKE = """\
add_executable(app main.c)
target_link_libraries(app PRIVATE add)
"""
MAIN = """\
#include <stdio.h>
#include "add.h"
int main(void) { printf("%lld\\n", (long long)add(40, 2)); return 0; }
"""
GENERATORS = [pytest.param("Ninja", id="ninja"), pytest.param("Unix Makefiles", id="make")]
GENERATING = "metropipe: generating the stubs of add"


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    for k in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS"):
        e.pop(k, None)
    return e


def cmake_dir() -> str:
    return metropipe("--cmake-dir").stdout.strip()


def configure(src: Path, build: Path, generator: str, *extra: str, check: bool = True
              ) -> subprocess.CompletedProcess[str]:
    require("cmake")
    require("ninja" if generator == "Ninja" else "make")
    proc = subprocess.run(["cmake", "-S", str(src), "-B", str(build), "-G", generator,
                           f"-Dmetropipe_ROOT={cmake_dir()}", f"-DPython_EXECUTABLE={sys.executable}", *extra],
                          capture_output=True, text=True, env=env(), timeout=300)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def build(build_dir: Path) -> str:
    proc = subprocess.run(["cmake", "--build", str(build_dir)], capture_output=True, text=True, env=env(),
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def run(program: Path) -> str:
    return subprocess.run([str(program)], capture_output=True, text=True, check=True, timeout=60,
                          env=env()).stdout.strip()


def nothing_done(generator: str, out: str) -> bool:
    if generator == "Ninja":
        return "no work to do" in out
    return not any(w in out for w in ("metropipe:", "Building", "Linking"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "app").mkdir(parents=True)
    (src / "services.py").write_text(SERVICES)
    (src / "CMakeLists.txt").write_text(TOP)
    (src / "app" / "CMakeLists.txt").write_text(APP_CMAKE)
    (src / "app" / "main.c").write_text(MAIN)
    return src


@pytest.mark.parametrize("generator", GENERATORS)
def test_build_run_noop_signature_and_body(project: Path, tmp_path: Path, generator: str) -> None:
    out_dir = tmp_path / "build"  # out of source, consumer in a subdirectory
    configure(project, out_dir, generator)
    first = build(out_dir)
    assert GENERATING in first
    app = out_dir / "app" / "app"
    assert run(app) == "42"
    assert (out_dir / "libadd.so").is_file()  # built by CMake, not by the generated Makefile
    assert not (out_dir / "metropipe" / "add" / "libadd.so").exists()
    assert (out_dir / "metropipe" / "add" / "stub.py").is_file() or any((out_dir / "metropipe" / "add").glob("*.py"))
    assert not any(p.name.endswith(".so") for p in project.rglob("*"))  # nothing written into the source tree

    assert nothing_done(generator, build(out_dir))

    # body only: the generator runs (its input changed) but rewrites nothing, so nothing recompiles
    header = out_dir / "metropipe" / "add" / "add.h"
    before = header.stat().st_mtime_ns
    (project / "services.py").write_text("def add(a: int, b: int) -> int:\n    return b + a\n")
    out = build(out_dir)
    assert "Building" not in out and "Linking" not in out, out
    assert header.stat().st_mtime_ns == before
    assert nothing_done(generator, build(out_dir))

    # signature: regenerates, recompiles and relinks
    (project / "services.py").write_text("def add(a: int, b: int, c: int) -> int:\n    return a + b + c\n")
    (project / "app" / "main.c").write_text(MAIN.replace("add(40, 2)", "add(40, 1, 1)"))
    out = build(out_dir)
    assert GENERATING in out and "libadd.so" in out and "Linking C executable" in out, out
    assert "int64_t c" in header.read_text()
    assert run(app) == "42"
    assert nothing_done(generator, build(out_dir))


COMPILED = {  # c-linker libraries of sources compiled in: the generated Makefile builds them
    "kit.c": "#include <stdint.h>\nint64_t triple(int64_t x) { return 3 * x; }\n",
    "kit.rs": "pub fn half(x: f64) -> f64 {\n    x / 2.0\n}\n",
    "kit.go": "package kit\n\nfunc Shout(s string) string { return s + \"!\" }\n",
}
COMPILED_MAIN = """\
#include <stdio.h>
#include "triple.h"
#include "half.h"
#include "Shout.h"
int main(void) { printf("%lld %.2f %s\\n", (long long)triple(14), half(5.0), Shout("hey")); return 0; }
"""


@pytest.mark.parametrize("generator", GENERATORS)
def test_c_rust_and_go_libraries(tmp_path: Path, generator: str) -> None:
    """add_metropipe_stub() with c-linker for C, Rust and Go sources: an IMPORTED library the Makefile builds."""
    for tool in ("gcc", "rustc", "go"):
        require(tool)
    src = tmp_path / "src"
    (src / "app").mkdir(parents=True)
    for name, text in COMPILED.items():
        (src / name).write_text(text)
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.20)\nproject(demo C)\nfind_package(metropipe CONFIG REQUIRED)\n"
        "add_metropipe_stub(triple SOURCE kit.c TARGETS c-linker)\n"
        "add_metropipe_stub(half SOURCE kit.rs TARGETS c-linker c)\n"
        "add_metropipe_stub(Shout SOURCE kit.go TARGETS c-linker LIBRARY shout)\n"
        "add_subdirectory(app)\n")
    (src / "app" / "CMakeLists.txt").write_text("add_executable(app main.c)\n"
                                                "target_link_libraries(app PRIVATE triple half shout)\n")
    (src / "app" / "main.c").write_text(COMPILED_MAIN)
    out_dir = tmp_path / "build"
    configure(src, out_dir, generator)
    build(out_dir)
    app = out_dir / "app" / "app"
    assert run(app) == "42 2.50 hey!"
    assert nothing_done(generator, build(out_dir))
    # a body-only edit regenerates nothing but rebuilds the library that compiles the source in
    (src / "kit.c").write_text(COMPILED["kit.c"].replace("3 * x", "3 * x + 1"))
    build(out_dir)
    assert run(app) == "43 2.50 hey!"
    (src / "kit.go").write_text(COMPILED["kit.go"].replace('"!"', '"?"'))
    build(out_dir)
    assert run(app) == "43 2.50 hey?"
    assert nothing_done(generator, build(out_dir))


def test_an_edit_of_another_file_of_the_crate_rebuilds_the_library(tmp_path: Path) -> None:
    """Ninja reads the Makefile's list of what the library was built from (cargo's dep-info) as a depfile."""
    for tool in ("gcc", "cargo"):
        require(tool)
    src = tmp_path / "src"
    shutil.copytree(ROOT / "tests" / "toolchains" / "rust_provider" / "crate", src / "crate")
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.20)\nproject(demo C)\nfind_package(metropipe CONFIG REQUIRED)\n"
        "add_metropipe_stub(reorder_level SOURCE crate/src/stock.rs TARGETS c-linker)\n"
        "add_executable(app main.c)\ntarget_link_libraries(app PRIVATE reorder_level)\n")
    (src / "main.c").write_text('#include <stdio.h>\n#include "reorder_level.h"\n'
                                'int main(void) { printf("%lld\\n", (long long)reorder_level("nuts", 0, 1)); '
                                "return 0; }\n")
    out_dir = tmp_path / "build"
    configure(src, out_dir, "Ninja")
    build(out_dir)
    assert run(out_dir / "app") == "0"
    assert nothing_done("Ninja", build(out_dir))
    util = src / "crate" / "src" / "util.rs"  # not the exported source: only cargo's dep-info names it
    util.write_text(util.read_text().replace("(value + step - 1) / step * step", "(value + step) / step * step"))
    build(out_dir)
    assert run(out_dir / "app") == "12"
    assert nothing_done("Ninja", build(out_dir))


@pytest.mark.parametrize("generator", GENERATORS)
def test_manifest_libraries_of_every_kind(tmp_path: Path, generator: str) -> None:
    """metropipe_add_manifest(): a target per c-linker library, in every mode, from Python, C and Rust sources."""
    for tool in ("gcc", "rustc"):
        require(tool)
    src = tmp_path / "src"
    src.mkdir()
    (src / "kit.c").write_text(COMPILED["kit.c"])
    (src / "kit.rs").write_text(COMPILED["kit.rs"])
    (src / "services.py").write_text(SERVICES)
    (src / "metropipe.toml").write_text(
        '[[export]]\nfunction = "triple"\nsource = "kit.c"\ntargets = ["c-linker"]\nmode = "flat"\n\n'
        '[[export]]\nfunction = "half"\nsource = "kit.rs"\ntargets = ["c-linker"]\n\n'
        '[[export]]\nfunction = "add"\nsource = "services.py"\ntargets = ["c-linker"]\nmode = "unify"\n'
        'out = "gen"\n')
    (src / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.20)\nproject(demo C)\n"
                                        "find_package(metropipe CONFIG REQUIRED)\n"
                                        "metropipe_add_manifest(metropipe.toml)\n"
                                        "add_executable(app main.c)\n"
                                        "target_link_libraries(app PRIVATE triple half metropipe)\n")
    (src / "main.c").write_text('#include <stdio.h>\n#include "libtriple.h"\n#include "half.h"\n'
                                '#include "libmetropipe.h"\nint main(void) { printf("%lld %.1f %lld\\n", '
                                "(long long)triple(14), half(5.0), (long long)add(40, 2)); return 0; }\n")
    out_dir = tmp_path / "build"
    configure(src, out_dir, generator)
    build(out_dir)
    assert run(out_dir / "app") == "42 2.5 42"
    assert (src / "metropipe" / "libtriple.so").is_file() and (src / "metropipe" / "half" / "libhalf.so").is_file()
    assert (out_dir / "libmetropipe.so").is_file()  # the Python source's: built by CMake
    assert nothing_done(generator, build(out_dir))
    (src / "kit.rs").write_text(COMPILED["kit.rs"].replace("x / 2.0", "x / 4.0"))
    build(out_dir)
    assert run(out_dir / "app") == "42 1.2 42"
    assert nothing_done(generator, build(out_dir))


@pytest.mark.parametrize("generator", GENERATORS)
def test_upgrading_metropipe_regenerates(project: Path, tmp_path: Path, generator: str) -> None:
    """The generator's version file is an input: a new version regenerates (simulated by rewriting it)."""
    out_dir = tmp_path / "build"
    configure(project, out_dir, generator)
    build(out_dir)
    version = out_dir / "metropipe" / "generator-version.txt"
    assert version.read_text().startswith("metropipe ")
    version.write_text("metropipe 99.0\n")
    assert GENERATING in build(out_dir)


@pytest.mark.parametrize("generator", GENERATORS)
def test_library_option_and_output_dir(project: Path, tmp_path: Path, generator: str) -> None:
    (project / "CMakeLists.txt").write_text(TOP.replace("TARGETS c-linker python)",
                                                        "TARGETS c-linker LIBRARY addlib OUTPUT_DIR gen)"))
    (project / "app" / "CMakeLists.txt").write_text(APP_CMAKE.replace("PRIVATE add", "PRIVATE addlib"))
    out_dir = tmp_path / "build"
    configure(project, out_dir, generator)
    build(out_dir)
    assert (out_dir / "gen" / "metropipe" / "add" / "add.h").is_file()
    assert run(out_dir / "app" / "app") == "42"


@pytest.mark.parametrize("generator", GENERATORS)
def test_manifest(tmp_path: Path, generator: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "services.py").write_text(SERVICES + "\n\ndef neg(x: int) -> int:\n    return -x\n")
    (src / "metropipe.toml").write_text('[[export]]\nfunction = "add"\nsource = "services.py"\n'
                                        'targets = ["c-linker"]\n\n[[export]]\nfunction = "neg"\n'
                                        'source = "services.py"\ntargets = ["c"]\n')
    (src / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.20)\nproject(demo C)\n"
                                        "find_package(metropipe CONFIG REQUIRED)\n"
                                        "metropipe_add_manifest(metropipe.toml)\n"
                                        "add_executable(app main.c)\ntarget_link_libraries(app PRIVATE add)\n")
    (src / "main.c").write_text(MAIN)
    out_dir = tmp_path / "build"
    configure(src, out_dir, generator)
    out = build(out_dir)
    assert "metropipe: building" in out
    assert run(out_dir / "app") == "42"
    assert (src / "metropipe" / "neg" / "stub.h").is_file()
    assert not (src / "metropipe" / "add" / "libadd.so").exists()  # CMake built it: out_dir/libadd.so
    assert (out_dir / "libadd.so").is_file()
    assert nothing_done(generator, build(out_dir))
    (src / "services.py").write_text(SERVICES.replace("a + b", "b + a") + "\n\ndef neg(x: int) -> int:\n"
                                     "    return -x\n")
    out = build(out_dir)
    assert "Building" not in out and "Linking" not in out, out
    assert nothing_done(generator, build(out_dir))


@pytest.mark.parametrize(("call", "message"), [
    ("add_metropipe_stub(add TARGETS c)", "add_metropipe_stub(): SOURCE is required"),
    ("add_metropipe_stub(add SOURCE services.py)", "add_metropipe_stub(): TARGETS is required"),
    ("add_metropipe_stub(add BOGUS SOURCE services.py TARGETS c)", "add_metropipe_stub(): unexpected arguments"),
    ("add_metropipe_stub(add SOURCE nope.py TARGETS c)", "add_metropipe_stub(): SOURCE 'nope.py' does not exist"),
    ("add_metropipe_stub(add SOURCE services.py TARGETS c LIBRARY x)",
     "add_metropipe_stub(): LIBRARY names the c-linker library"),
    ("add_metropipe_stub(missing SOURCE services.py TARGETS c)",
     "function 'missing' not found"),
    ("metropipe_add_manifest(nope.toml)", "metropipe_add_manifest(): "),
])
def test_argument_errors(tmp_path: Path, call: str, message: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "services.py").write_text(SERVICES)
    (src / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.20)\nproject(demo C)\n"
                                        f"find_package(metropipe CONFIG REQUIRED)\n{call}\n")
    proc = configure(src, tmp_path / "build", "Ninja", check=False)
    assert proc.returncode != 0
    assert message in " ".join(proc.stderr.split()), proc.stderr  # CMake wraps long messages


def test_metropipe_executable_override(project: Path, tmp_path: Path) -> None:
    """METROPIPE_EXECUTABLE replaces ${Python_EXECUTABLE} -m metropipe (cross-compiling)."""
    wrapper = tmp_path / "mp"
    log = tmp_path / "calls"
    wrapper.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\nexec {sys.executable} -m metropipe \"$@\"\n")
    wrapper.chmod(0o755)
    out_dir = tmp_path / "build"
    configure(project, out_dir, "Ninja", f"-DMETROPIPE_EXECUTABLE={wrapper}")
    build(out_dir)
    calls = log.read_text()
    assert "--version" in calls and "outputs" in calls and "--depfile" in calls
