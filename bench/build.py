"""Benchmark ``metropipe build`` on a generated manifest of many exports.

    python3 bench/build.py [--exports 200] [--targets python c] [--rounds 5] [--markdown]

Generates a project in a temporary folder: ``--exports`` functions spread over sources
of 10 functions each, the sources in turn in every language metropipe reads (the same
wire signature in each), one ``[[export]]`` per function. Then times the real CLI (a new process each
run, as make or pre-commit would start it), wall clock, and counts the files written
by comparing every output's mtime and content before and after:

- cold build (nothing generated yet)
- no-op build (nothing changed; the goal is <= 200 ms and 0 files written), median
- body-only edit of one function (re-parsed, nothing rewritten)
- signature change of one function (only its export is regenerated)
- ``metropipe check`` with everything fresh, and ``metropipe outputs``, medians
- ``metropipe check`` in a fresh clone (no build record: every export is rendered in memory)
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
PER_SOURCE = 10


def _python(index: int, names: list[str]) -> str:
    lines = ['"""Generated for the build benchmark."""', "", "from typing import NewType", "",
             'int32 = NewType("int32", int)', ""]
    for i, n in enumerate(names):
        lines += ["", f"def {n}(text: str, count: int32, scale: float) -> str:",
                  f'    """Function {index}.{i}."""', "    return text * count", ""]
    return "\n".join(lines)


def _rust(index: int, names: list[str]) -> str:
    return "//! Generated for the build benchmark.\n" + "".join(
        f"\n/// Function {index}.{i}.\npub fn {n}(text: &str, count: i32, scale: f64) -> String {{\n"
        f"    let _ = scale;\n    text.repeat(count as usize)\n}}\n" for i, n in enumerate(names))


def _go(index: int, names: list[str]) -> str:
    return "// Package mods is generated for the build benchmark.\npackage mods\n" + "".join(
        f"\n// {n} is function {index}.{i}.\nfunc {n}(text string, count int32, scale float64) string {{\n"
        f"\treturn text\n}}\n" for i, n in enumerate(names))


def _c(index: int, names: list[str]) -> str:
    return "/* Generated for the build benchmark. */\n#include <stdint.h>\n" + "".join(
        f"\n/* Function {index}.{i}. */\nconst char *{n}(const char *text, int32_t count, double scale)\n{{\n"
        f"    (void)count;\n    (void)scale;\n    return text;\n}}\n" for i, n in enumerate(names))


def _java(index: int, names: list[str]) -> str:
    body = "".join(f"\n    /** Function {index}.{i}. */\n    public static String {n}(String text, int count, "
                   f"double scale) {{\n        return text;\n    }}\n" for i, n in enumerate(names))
    return f"/** Generated for the build benchmark. */\npublic final class Mod{index} {{{body}}}\n"


def _csharp(index: int, names: list[str]) -> str:
    body = "".join(f"\n    /// <summary>Function {index}.{i}.</summary>\n    public static string {n}(string text, "
                   f"int count, double scale) {{ return text; }}\n" for i, n in enumerate(names))
    return f"// Generated for the build benchmark.\npublic static class Mod{index}\n{{{body}}}\n"


def _typescript(index: int, names: list[str]) -> str:
    return "// Generated for the build benchmark.\ntype int32 = number;\n" + "".join(
        f"\n/** Function {index}.{i}. */\nexport function {n}(text: string, count: int32, scale: number): string "
        f"{{\n  return text.repeat(count);\n}}\n" for i, n in enumerate(names))


def _javascript(index: int, names: list[str]) -> str:
    return "// Generated for the build benchmark.\n" + "".join(
        f"\n/**\n * Function {index}.{i}.\n * @param {{string}} text\n * @param {{int32}} count\n"
        f" * @param {{number}} scale\n * @returns {{string}}\n */\nexport function {n}(text, count, scale) {{\n"
        f"  return text.repeat(count);\n}}\n" for i, n in enumerate(names))


def _ruby(index: int, names: list[str]) -> str:
    return "# Generated for the build benchmark.\n" + "".join(
        f"\n# Function {index}.{i}.\n# @param text [String]\n# @param count [Int32]\n# @param scale [Float]\n"
        f"# @return [String]\ndef {n}(text, count, scale)\n  text * count\nend\n" for i, n in enumerate(names))


# source language -> (file name of source number i, generator); every function has the same
# wire signature, (string, int32, double) -> string, in every language
LANGUAGES = {
    "python": (lambda i: f"mod{i}.py", _python),
    "rust": (lambda i: f"mod{i}.rs", _rust),
    "go": (lambda i: f"mod{i}.go", _go),
    "c": (lambda i: f"mod{i}.c", _c),
    "java": (lambda i: f"Mod{i}.java", _java),
    "csharp": (lambda i: f"Mod{i}.cs", _csharp),
    "ts": (lambda i: f"mod{i}.ts", _typescript),
    "js": (lambda i: f"mod{i}.mjs", _javascript),
    "ruby": (lambda i: f"mod{i}.rb", _ruby),
}


def make_project(root: Path, exports: int, targets: list[str], languages: list[str]) -> None:
    """``exports`` functions, ``PER_SOURCE`` to a source file, the files rotating through ``languages``."""
    (root / "src").mkdir(parents=True)
    parts = ['[metropipe]\nrequires = ">=0.1"\n']
    listed = ", ".join(f'"{t}"' for t in targets)
    for i in range((exports + PER_SOURCE - 1) // PER_SOURCE):
        name_of, generate = LANGUAGES[languages[i % len(languages)]]
        names = [f"fn{n}" for n in range(i * PER_SOURCE, min(exports, (i + 1) * PER_SOURCE))]
        (root / "src" / name_of(i)).write_text(generate(i, names), encoding="utf-8")
        parts += [f'[[export]]\nfunction = "{n}"\nsource = "src/{name_of(i)}"\ntargets = [{listed}]\n' for n in names]
    (root / "metropipe.toml").write_text("\n".join(parts), encoding="utf-8")


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    out = {}
    gen = root / "metropipe"
    if gen.exists():
        for p in gen.rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                out[str(p.relative_to(root))] = (p.stat().st_mtime_ns, p.read_bytes())
    return out


def written(before: dict[str, tuple[int, bytes]], after: dict[str, tuple[int, bytes]]) -> int:
    return sum(1 for p, v in after.items() if before.get(p, (None,))[0] != v[0]) + \
        sum(1 for p in before if p not in after)


def run(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "metropipe", *args], cwd=root, env=env, capture_output=True,
                          text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"metropipe {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return wall, proc


def timed(root: Path, *args: str) -> tuple[float, int, str]:
    before = snapshot(root)
    wall, proc = run(root, *args)
    return wall, written(before, snapshot(root)), proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exports", type=int, default=200)
    ap.add_argument("--targets", nargs="+", default=["python", "c"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--languages", nargs="+", default=list(LANGUAGES), choices=list(LANGUAGES),
                    help="source languages, in turn (the first must be python: the edits go to src/mod0.py)")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    rows: list[tuple[str, float, int | str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        make_project(root, args.exports, args.targets, args.languages)
        wall, files, line = timed(root, "build")
        rows.append(("cold build", wall, files, line))
        noop = [timed(root, "build") for _ in range(args.rounds)]
        rows.append((f"no-op build (median of {args.rounds})", statistics.median(w for w, _, _ in noop),
                     max(f for _, f, _ in noop), noop[-1][2]))
        mod = root / "src" / "mod0.py"
        time.sleep(0.01)
        mod.write_text(mod.read_text().replace("    return text * count\n", "    return count * text\n", 1))
        wall, files, line = timed(root, "build")
        rows.append(("body-only edit of one function", wall, files, line))
        mod.write_text(mod.read_text().replace("def fn0(text: str, count: int32,", "def fn0(text: str, count: int,"))
        wall, files, line = timed(root, "build")
        rows.append(("signature change of one function", wall, files, line))
        checks = [run(root, "check")[0] for _ in range(args.rounds)]
        rows.append((f"check, everything fresh (median of {args.rounds})", statistics.median(checks), 0, ""))
        outs = [run(root, "outputs") for _ in range(args.rounds)]
        rows.append((f"outputs (median of {args.rounds})", statistics.median(w for w, _ in outs), 0,
                     f"{len(outs[-1][1].stdout.splitlines())} paths"))
        shutil.rmtree(root / ".metropipe")
        wall, proc = run(root, "check")
        rows.append(("check in a fresh clone (no build record)", wall, 0, proc.stdout.strip() or proc.stderr.strip()))
    title = (f"{args.exports} exports, targets {', '.join(args.targets)} (+ providers where one exists), "
             f"{(args.exports + PER_SOURCE - 1) // PER_SOURCE} sources in turn in {', '.join(args.languages)}")
    if args.markdown:
        print(f"{title}\n\n| run | wall ms | files written |\n|---|---:|---:|")
        for name, wall, files, _ in rows:
            print(f"| {name} | {wall * 1000:.0f} | {files} |")
    else:
        print(title)
        for name, wall, files, line in rows:
            print(f"{name:45} {wall * 1000:8.0f} ms  {files!s:>5} written  {line}")


if __name__ == "__main__":
    main()
