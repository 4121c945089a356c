"""Per-call overhead of a c-linker library built from a Python source.

Compares, in one run: calling ``twice(x: int32) -> int32`` through ``libtwice.so``
from C (the library takes the GIL, converts, calls Python, converts back), calling
the same Python function in-process from Python, and a plain C function call (the
floor). C sources for c-linker come with the source-languages issue.

    python bench/same_process.py [--calls N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "def twice(x: int) -> int:\n    return 2 * x\n"
C_PROGRAM = r"""
#include "metropipe/twice/twice.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
__attribute__((noinline)) static int64_t twice_c(int64_t x) { __asm__ volatile(""); return 2 * x; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
    long n = atol(argv[1]), i; int64_t sum = 0; double t0, t1, t2;
    twice(1);
    t0 = now(); for (i = 0; i < n; i++) sum += twice(i); t1 = now();
    for (i = 0; i < n; i++) sum += twice_c(i); t2 = now();
    printf("{\"c_linker_ns\": %.1f, \"plain_c_ns\": %.2f, \"check\": %lld}\n", (t1 - t0) / n * 1e9, (t2 - t1) / n * 1e9,
           (long long)sum);
    return 0;
}
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="metropipe-bench-") as tmp:
        work = Path(tmp)
        (work / "svc.py").write_text(SOURCE)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "metropipe", "export", "twice", "svc.py", "--target", "c-linker", "-q"],
                       cwd=work, env=env, check=True)
        subprocess.run(["make", "-s", "-C", "metropipe/twice"], cwd=work, check=True)
        (work / "main.c").write_text(C_PROGRAM)
        subprocess.run(["gcc", "-O2", "-I.", "main.c", "-o", "main", "-Lmetropipe/twice", "-ltwice",
                        f"-Wl,-rpath,{work / 'metropipe/twice'}"], cwd=work, check=True)
        c = json.loads(subprocess.run([str(work / "main"), str(args.calls)], capture_output=True, text=True,
                                      check=True).stdout)
        namespace: dict[str, object] = {}
        exec(SOURCE, namespace)
        py_ns = min(timeit.repeat("twice(12345)", globals=namespace, number=args.calls, repeat=3)) / args.calls * 1e9
    print("| call | ns per call |\n|---|---:|")
    print(f"| C -> libtwice.so (c-linker) -> Python twice() | {c['c_linker_ns']:.0f} |")
    print(f"| Python -> twice() in-process | {py_ns:.0f} |")
    print(f"| C -> C function (the floor) | {c['plain_c_ns']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
