"""Benchmark cmake/metropipeConfig.cmake: the no-op build of a CMake project with 100 stubs (Ninja).

    python3 bench/cmake_noop.py [--stubs 100] [--rounds 10] [--markdown]

Generates two projects in a temporary folder with the same 100 C translation units, each
including one function's C stub header:

- ``with metropipe``: ``add_metropipe_stub(fn_<i> SOURCE services.py TARGETS c)`` per function,
  the headers generated in the build tree;
- ``without metropipe``: the same headers, generated once beforehand and committed as plain
  sources (no find_package, no custom command).

Times (wall clock, a new process each run): configure, the cold build, and the median no-op
build (``ninja`` in the build folder, which must say "no work to do"), then the cost of a
body-only edit of the source (the generator runs once and rewrites nothing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# metropipe's own files are inputs of every stub: run a snapshot, so that edits to the checkout during a run
# do not count as work
SNAPSHOT = Path(tempfile.mkdtemp(prefix="metropipe-bench-pkg-"))


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SNAPSHOT), os.environ.get("PYTHONPATH")]))}


def timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env())
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, proc.stdout


def make_projects(base: Path, stubs: int) -> tuple[Path, Path]:
    functions = [f"fn_{i:03d}" for i in range(stubs)]
    services = "".join(f"def {f}(a: int, b: int) -> int:\n    return a + b + {i}\n\n\n"
                       for i, f in enumerate(functions))
    units = {f"{f}.c": f'#include "metropipe/{f}/stub.h"\nint use_{f}(void) {{ return 0; }}\n' for f in functions}
    main = "int main(void) { return 0; }\n"

    with_mp = base / "with"
    with_mp.mkdir()
    (with_mp / "services.py").write_text(services)
    for name, text in units.items():
        (with_mp / name).write_text(text)
    (with_mp / "main.c").write_text(main)
    calls = "".join(f"add_metropipe_stub({f} SOURCE services.py TARGETS c)\n" for f in functions)
    (with_mp / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.20)\nproject(bench C)\nfind_package(metropipe CONFIG REQUIRED)\n"
        f"{calls}add_executable(app main.c {' '.join(units)})\n"
        "target_include_directories(app PRIVATE ${CMAKE_CURRENT_BINARY_DIR})\n"
        f"add_dependencies(app {' '.join('metropipe_' + f for f in functions)})\n")

    without = base / "without"
    shutil.copytree(with_mp, without)
    for f in functions:  # the same headers, generated once and kept as sources
        subprocess.run([sys.executable, "-m", "metropipe", "export", f, "services.py", "-t", "c", "-q"],
                       cwd=without, check=True, env=env())
    (without / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.20)\nproject(bench C)\n"
        f"add_executable(app main.c {' '.join(units)})\n"
        "target_include_directories(app PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})\n")
    return with_mp, without


def measure(project: Path, rounds: int, cmake_dir: str) -> dict[str, float]:
    build = project / "build"
    configure, _ = timed(["cmake", "-S", ".", "-B", "build", "-G", "Ninja", f"-Dmetropipe_ROOT={cmake_dir}",
                          f"-DPython_EXECUTABLE={sys.executable}"], project)
    cold, _ = timed(["ninja"], build)
    noops = []
    for _ in range(rounds):
        t, out = timed(["ninja"], build)
        if "no work to do" not in out:
            raise SystemExit(f"{project.name}: the no-op build did work:\n{out}")
        noops.append(t)
    services = project / "services.py"
    services.write_text(services.read_text().replace("return a + b + 0", "return b + a + 0"))
    body, out = timed(["ninja"], build)
    return {"configure": configure, "cold": cold, "noop": statistics.median(noops), "body": body}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stubs", type=int, default=100)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args()
    for tool in ("cmake", "ninja"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    shutil.copytree(ROOT / "metropipe", SNAPSHOT / "metropipe", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    cmake_dir = subprocess.run([sys.executable, "-m", "metropipe", "--cmake-dir"], capture_output=True, text=True,
                               check=True, env=env()).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="metropipe-bench-") as tmp:
        with_mp, without = make_projects(Path(tmp), args.stubs)
        results = {"with metropipe": measure(with_mp, args.rounds, cmake_dir),
                   "without metropipe": measure(without, args.rounds, cmake_dir)}
    rows = [("configure", "configure"), ("cold build", "cold"), (f"no-op build (median of {args.rounds})", "noop"),
            ("build after a body-only edit", "body")]
    if args.markdown:
        print(f"| {args.stubs} stubs, Ninja | with metropipe | without metropipe |\n|---|---:|---:|")
        for label, key in rows:
            print(f"| {label} | {results['with metropipe'][key] * 1000:.0f} ms | "
                  f"{results['without metropipe'][key] * 1000:.0f} ms |")
    else:
        for label, key in rows:
            print(f"{label:34} with {results['with metropipe'][key] * 1000:8.1f} ms   "
                  f"without {results['without metropipe'][key] * 1000:8.1f} ms")
    shutil.rmtree(SNAPSHOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
