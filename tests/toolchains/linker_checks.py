"""What every c-linker library test checks, whatever the source language: shared by test_same_process.py (Python
sources) and test_c_linker_{c,rust,go}.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import require


def run(*argv: str | Path, cwd: Path, check: bool = True, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    if check:
        assert proc.returncode == 0, f"{argv} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def exported(lib: Path) -> list[str]:
    """The dynamic symbols ``lib`` defines (``nm -D --defined-only``)."""
    out = run(require("nm"), "-D", "--defined-only", lib, cwd=lib.parent).stdout
    return sorted(line.split()[-1] for line in out.splitlines() if line.strip())


def intended(names: list[str]) -> list[str]:
    """What a library of the functions ``names`` exports, and nothing else: each with its error and fingerprint."""
    return sorted([*names, *(f"{n}_last_error" for n in names), *(f"{n}_metropipe_fingerprint" for n in names)])


def header_compiles_as_c11_and_cpp(folder: Path, includes: list[str], fingerprint: str) -> None:
    """The headers compile warning-free as C11 and as C++17 (gcc and g++, -Wall -Wextra -Werror -pedantic)."""
    (folder / "both.c").write_text("".join(f'#include "{h}"\n' for h in includes)
                                   + f"int main(void) {{ return {fingerprint} == 0; }}\n")
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "both.c", "-o", "both.o", cwd=folder)
    shutil.copy(folder / "both.c", folder / "both.cpp")
    run(require("g++"), "-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "both.cpp", "-o", "bothpp.o",
        cwd=folder)
