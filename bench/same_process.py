"""Per-call overhead of c-linker libraries, against the calls they replace.

One run, one C program, ``twice(x) -> 2 * x`` on 64-bit integers, from each source:

* Python source: C calls ``libtwice_py.so`` (the library takes the GIL, converts,
  calls Python, converts back); compared with Python calling the function in-process.
* C source: C calls ``libtwice_c.so`` (the generated wrapper around the real C
  function); compared with a plain C call to the same code in the program (the floor)
  and with a call into a hand-built shared library (what a ``.so`` costs by itself).
* Rust and Go sources: C calls ``libtwice_rs.so`` (the Rust shim: catch_unwind, the
  thread's error state) and ``libtwice_go.so`` (a cgo call into the Go runtime).

    python bench/same_process.py [--calls N] [MAKE_ARG ...]

MAKE_ARGs go to each library's ``make`` (for example ``CFLAGS=-O3``).
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
# source language -> (file name, source text); each exports twice_<key> through c-linker
SOURCES = {
    "py": ("svc.py", "def twice_py(x: int) -> int:\n    return 2 * x\n"),
    "c": ("svc.c", "#include <stdint.h>\nint64_t twice_c(int64_t x) { return 2 * x; }\n"),
    "rs": ("svc.rs", "pub fn twice_rs(x: i64) -> i64 {\n    2 * x\n}\n"),
    "go": ("svc.go", "package svc\n\nfunc twice_go(x int64) int64 { return 2 * x }\n"),
}
HAND_SO = "#include <stdint.h>\nint64_t twice_so(int64_t x) { return 2 * x; }\n"
C_PROGRAM = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
%(decls)s
int64_t twice_so(int64_t x);
__attribute__((noinline)) static int64_t twice_plain(int64_t x) { __asm__ volatile(""); return 2 * x; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
#define TIME(name, f) do { double t0; f(1); t0 = now(); for (i = 0; i < n; i++) sum += f(i); \
    printf("%%s\"" name "\": %%.2f", first ? "" : ", ", (now() - t0) / n * 1e9); first = 0; } while (0)
int main(int argc, char **argv) {
    long n = atol(argv[1]), i; int64_t sum = 0; int first = 1;
    printf("{");
%(timings)s
    TIME("plain", twice_plain);
    TIME("so", twice_so);
    printf(", \"check\": %%lld}\n", (long long)sum);
    return argc > 2;
}
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("make_args", nargs="*", metavar="MAKE_ARG")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="metropipe-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        link: list[str] = []
        for key, (name, text) in SOURCES.items():
            fn = f"twice_{key}"
            (work / name).write_text(text)
            subprocess.run([sys.executable, "-m", "metropipe", "export", fn, name, "--target", "c-linker", "-q"],
                           cwd=work, env=env, check=True)
            subprocess.run(["make", "-s", "-C", f"metropipe/{fn}", *args.make_args], cwd=work, check=True)
            link += [f"-Lmetropipe/{fn}", f"-l{fn}", f"-Wl,-rpath,{work / 'metropipe' / fn}"]
        (work / "so.c").write_text(HAND_SO)
        subprocess.run(["gcc", "-O2", "-fPIC", "-shared", "so.c", "-o", "libtwice_so.so"], cwd=work, check=True)
        program = C_PROGRAM % {
            "decls": "\n".join(f'#include "metropipe/twice_{k}/twice_{k}.h"' for k in SOURCES),
            "timings": "\n".join(f'    TIME("{k}", twice_{k});' for k in SOURCES),
        }
        (work / "main.c").write_text(program)
        subprocess.run(["gcc", "-O2", "-I.", "main.c", "-o", "main", *link, "-L.", "-ltwice_so",
                        f"-Wl,-rpath,{work}"], cwd=work, check=True)
        c = json.loads(subprocess.run([str(work / "main"), str(args.calls)], capture_output=True, text=True,
                                      check=True).stdout)
        namespace: dict[str, object] = {}
        exec(SOURCES["py"][1], namespace)
        py_ns = min(timeit.repeat("twice_py(12345)", globals=namespace, number=args.calls, repeat=3)) / args.calls * 1e9
    print("| call | ns per call |\n|---|---:|")
    print(f"| C -> c-linker library -> Python function (Python source) | {c['py']:.0f} |")
    print(f"| Python -> the same Python function in-process | {py_ns:.0f} |")
    print(f"| C -> c-linker library -> C function (C source) | {c['c']:.1f} |")
    print(f"| C -> c-linker library -> Rust function (Rust source) | {c['rs']:.1f} |")
    print(f"| C -> c-linker library -> Go function (Go source) | {c['go']:.0f} |")
    print(f"| C -> the same C function in a hand-built shared library | {c['so']:.1f} |")
    print(f"| C -> the same C function in the program (the floor) | {c['plain']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
