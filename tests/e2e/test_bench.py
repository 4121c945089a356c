"""The benchmarks still run and report every row the README quotes.

Not timed tests (the figures in the README come from quiet runs of the same scripts):
each script runs at a tiny size and must print a complete table of positive numbers.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT, require

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def bench(*argv: str) -> str:
    proc = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{argv} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def rows(table: str) -> dict[str, list[float]]:
    """Markdown table rows: first cell -> the numbers in the other cells."""
    out = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 1 and not set(cells[1]) <= set("-: "):
            numbers = [float(m.group(1)) for c in cells[1:] if (m := re.fullmatch(r"([0-9.]+)(?: ms| us| %)?", c))]
            if numbers:
                out[cells[0]] = numbers
    return out


def test_same_process_bench_measures_every_source() -> None:
    for tool in ("gcc", "make", "rustc", "go"):
        require(tool)
    table = rows(bench("bench/same_process.py", "--calls", "1000"))
    assert list(table) == [
        "C -> c-linker library -> Python function (Python source)",
        "Python -> the same Python function in-process",
        "C -> c-linker library -> C function (C source)",
        "C -> c-linker library -> Rust function (Rust source)",
        "C -> c-linker library -> Go function (Go source)",
        "C -> the same C function in a hand-built shared library",
        "C -> the same C function in the program (the floor)",
    ]
    assert all(v > 0 for values in table.values() for v in values)


def test_roundtrip_bench_measures_every_client() -> None:
    for tool in ("gcc", "go", "rustc", "javac", "mcs", "node", "ruby", "bash"):
        require(tool)
    table = rows(bench("bench/roundtrip.py", "--calls", "50", "--gap-calls", "3", "--idle-seconds", "0.2",
                       "--markdown"))
    for client in ("Python", "C", "Go", "Rust", "Java", "C#", "JavaScript", "Ruby", "Bash"):
        assert f"{client} client -> Python provider, back to back" in table
        assert f"{client} -> Python, 1 ms between calls" in table
    assert "Bash client -> Python provider, back to back, Python proxy (METROPIPE_NATIVE=0)" in table
    assert "baseline: Unix domain socket, Python <-> Python" in table
    assert ("Python client -> Python provider, back to back, ctypes fallback (METROPIPE_NATIVE=0, both sides)"
            in table)
    assert all(v > 0 for values in table.values() for v in values)


def test_build_bench_measures_every_scenario() -> None:
    table = rows(bench("bench/build.py", "--exports", "20", "--rounds", "1", "--markdown"))
    assert len(table) >= 4, table
    assert all(v >= 0 for values in table.values() for v in values)


def test_cmake_bench_measures_the_no_op_build() -> None:
    require("cmake")
    require("ninja")
    table = rows(bench("bench/cmake_noop.py", "--stubs", "3", "--rounds", "1", "--markdown"))
    assert len(table) >= 2, table
    assert all(v >= 0 for values in table.values() for v in values)
