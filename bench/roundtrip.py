"""Round-trip latency of add(int32, int32) -> int32 over a metropipe channel.

Measures, in one run on one machine (compare ratios, not absolutes):
  - Python client -> Python provider, back to back and with 1 ms gaps; back to back again
    with both sides on the runtime's ctypes fallback (METROPIPE_NATIVE=0, a second
    provider on its own channel folder), and the native helper's first-use build time;
  - C client -> Python provider, the same (needs gcc and bench/c_client.c), and every other
    language's client whose toolchain is installed; Bash through the native proxy and, back to
    back only, through the Python one (METROPIPE_NATIVE=0);
  - a Unix domain socket ping-pong between two Python processes, as a baseline;
  - the idle Python provider's CPU use over 5 s.

    python bench/roundtrip.py [--calls N] [--json FILE] [--markdown]

Each call is timed on its own with a monotonic clock (perf_counter_ns in Python,
CLOCK_MONOTONIC in C); the timer's own cost (~50 ns) is included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (
    "from typing import NewType\nint32 = NewType('int32', int)\n\n\n"
    "def add(a: int32, b: int32) -> int32:\n    return a + b\n"
)

PY_CLIENT = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    from metropipe.add.stub import add
    n, gap_us = int(sys.argv[2]), float(sys.argv[3])
    clock = time.perf_counter_ns
    for i in range(min(n, 20000)):  # warm up
        add(i, 1)
    samples = []
    for i in range(n):
        if gap_us:  # a busy wait, as the compiled clients do: only the provider falls asleep
            until = clock() + gap_us * 1000
            while clock() < until:
                pass
        t = clock()
        r = add(i, 1)
        samples.append(clock() - t)
        if r != i + 1:
            raise SystemExit(f"wrong result {r} for {i} + 1")
    samples.sort()
    print(json.dumps({"p50_us": samples[len(samples) // 2] / 1000, "p99_us": samples[len(samples) * 99 // 100] / 1000,
                      "n": n}))
""")

UDS_SERVER = textwrap.dedent("""
    import socket, sys
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sys.argv[1]); s.listen(1)
    print("ready", flush=True)
    c, _ = s.accept()
    while True:
        d = c.recv(8)
        if not d:
            break
        a, b = int.from_bytes(d[:4], "little", signed=True), int.from_bytes(d[4:], "little", signed=True)
        c.sendall((a + b).to_bytes(4, "little", signed=True))
""")


# Compiled clients: how to build each against the generated stub of add. {stubs} is the
# folder holding metropipe/add/, {bench} this folder, {work} a scratch folder. Each
# client takes N and a gap in microseconds and prints {"p50_us", "p99_us", "n"}.
CLIENTS: dict[str, dict[str, list]] = {
    "c": {"tools": ["gcc"],
          "build": [["gcc", "-O2", "-std=c11", "-I{stubs}", "{bench}/c_client.c", "-o", "{work}/client"]],
          "run": ["{work}/client"]},
    "go": {"tools": ["go"],
           "build": [["cp", "-R", "{stubs}/metropipe", "{bench}/go_client.go", "{work}/"],
                     ["sh", "-c", "printf 'module metropipe.bench\\n\\ngo 1.19\\n' > {work}/go.mod"],
                     ["go", "build", "-o", "{work}/client", "."]],
           "run": ["{work}/client"]},
    "rust": {"tools": ["rustc"],
             "build": [["rustc", "--edition", "2021", "-O", "{bench}/rust_client.rs", "-o", "{work}/client"]],
             "run": ["{work}/client"]},
    "java": {"tools": ["javac", "java"],
             "build": [["javac", "-d", "{work}/classes", "-sourcepath", "{stubs}", "{bench}/java_client.java"]],
             "run": ["java", "-cp", "{work}/classes", "JavaClient"]},
    "csharp": {"tools": ["mcs", "mono"],
               "build": [["mcs", "-unsafe", "-langversion:7.2", "-out:{work}/client.exe", "{bench}/csharp_client.cs",
                          "{stubs}/metropipe/add/stub.cs", "{stubs}/metropipe/Metropipe.Runtime.cs"]],
               "run": ["mono", "{work}/client.exe"]},
    "js": {"tools": ["node", "gcc"], "build": [], "run": ["node", "{bench}/js_client.js", "{stubs}"]},
    "ruby": {"tools": ["ruby"], "build": [], "run": ["ruby", "{bench}/ruby_client.rb", "{stubs}"]},
    # each call forks the native proxy (a few ms): a few thousand calls are enough
    "bash": {"tools": ["bash", "gcc"], "build": [], "run": ["bash", "{bench}/bash_client.sh", "{stubs}"],
             "max_calls": [2000, 500]},
    # the same stub on the Python proxy: each call starts a Python process, a few calls are enough
    "bash_python": {"tools": ["bash"], "build": [], "run": ["bash", "{bench}/bash_client.sh", "{stubs}"],
                    "target": "bash", "env": {"METROPIPE_NATIVE": "0"}, "max_calls": [40, 0]},
}


LANGUAGES = {"c": "C", "go": "Go", "rust": "Rust", "java": "Java", "csharp": "C#", "js": "JavaScript",
             "ruby": "Ruby", "bash": "Bash", "bash_python": "Bash"}
# what a row adds after "back to back" when a language is measured more than one way
VARIANTS = {"bash_python": ", Python proxy (METROPIPE_NATIVE=0)"}


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    samples_ns.sort()
    return {"p50_us": samples_ns[len(samples_ns) // 2] / 1000,
            "p99_us": samples_ns[len(samples_ns) * 99 // 100] / 1000, "n": len(samples_ns)}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


FIRST_CALL = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    from metropipe.add import stub
    t = time.perf_counter()
    stub.add(1, 1)
    print(json.dumps([time.perf_counter() - t, stub._add_channel.native]))
""")


def first_use(work: Path, env: dict[str, str]) -> float:
    """Seconds the Python runtime's first call spends building its native helper: the first call
    with an empty METROPIPE_ADDON_DIR less the first call with the helper cached (median of 3)."""
    def first_call(addon: Path) -> float:
        out = subprocess.run([sys.executable, "-c", FIRST_CALL, str(work)], capture_output=True, text=True,
                             check=True, env={**env, "METROPIPE_ADDON_DIR": str(addon), "METROPIPE_NATIVE": "1"})
        seconds, native = json.loads(out.stdout)
        assert native
        return float(seconds)

    cold, warm = [], []
    for i in range(3):
        cold.append(first_call(work / f"addon-{i}"))
        warm.append(first_call(work / f"addon-{i}"))
    return sorted(cold)[1] - sorted(warm)[1]


def uds_baseline(n: int, work: Path) -> dict[str, float]:
    path = str(work / "uds.sock")
    server = subprocess.Popen([sys.executable, "-c", UDS_SERVER, path], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    pack = struct.Struct("<ii").pack
    samples = []
    for i in range(n):
        t = time.perf_counter_ns()
        c.sendall(pack(i, 1))
        r = c.recv(4)
        samples.append(time.perf_counter_ns() - t)
        assert int.from_bytes(r, "little", signed=True) == i + 1
    c.close()
    server.wait(timeout=10)
    return percentiles(samples)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200_000)
    ap.add_argument("--gap-calls", type=int, default=2_000)
    ap.add_argument("--idle-seconds", type=float, default=5.0)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="metropipe-bench-"))
    shm = work / "shm" if not Path("/dev/shm").is_dir() else Path(tempfile.mkdtemp(prefix="mpb-", dir="/dev/shm"))
    shm.mkdir(exist_ok=True)
    env = {**os.environ, "METROPIPE_DIR": str(shm), "PYTHONPATH": str(ROOT)}
    (work / "services.py").write_text(SOURCE)
    clients = {key: recipe for key, recipe in CLIENTS.items() if all(shutil.which(t) for t in recipe["tools"])}
    targets = dict.fromkeys(recipe.get("target", key) for key, recipe in clients.items())
    subprocess.run([sys.executable, "-m", "metropipe", "export", "add", "services.py", "--target", "python",
                    *targets, "-q"], cwd=work, env=env, check=True)
    provider = subprocess.Popen([sys.executable, str(work / "metropipe/add/provider.py")], env=env,
                                stderr=subprocess.PIPE, text=True)
    assert provider.stderr is not None
    provider.stderr.readline()  # "serving ..." once registered
    # the ctypes fallback: a second provider, on its own channel folder, and its clients without the helper
    ctypes_shm = shm / "ctypes"
    ctypes_shm.mkdir(mode=0o700)
    ctypes_env = {**env, "METROPIPE_DIR": str(ctypes_shm), "METROPIPE_NATIVE": "0"}
    ctypes_provider = subprocess.Popen([sys.executable, str(work / "metropipe/add/provider.py")], env=ctypes_env,
                                       stderr=subprocess.PIPE, text=True)
    assert ctypes_provider.stderr is not None
    ctypes_provider.stderr.readline()
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    try:
        def py(n: int, gap: float, env: dict[str, str] = env) -> dict[str, float]:
            out = subprocess.run([sys.executable, "-c", PY_CLIENT, str(work), str(n), str(gap)], env=env,
                                 capture_output=True, text=True, check=True)
            return json.loads(out.stdout)

        results["python_to_python"] = py(args.calls, 0)
        results["python_to_python_ctypes"] = py(args.calls, 0, ctypes_env)
        results["python_to_python_1ms_gap"] = py(args.gap_calls, 1000)
        results["python_native_first_use_s"] = first_use(work, env)
        for key, recipe in clients.items():
            scratch = work / f"client-{key}"
            scratch.mkdir()
            subst = {"{stubs}": str(work), "{bench}": str(ROOT / "bench"), "{work}": str(scratch)}

            def fill(argv: list[str], subst: dict[str, str] = subst) -> list[str]:
                out = []
                for a in argv:
                    for k, v in subst.items():
                        a = a.replace(k, v)
                    out.append(a)
                return out

            for argv in recipe["build"]:
                subprocess.run(fill(argv), cwd=scratch, env={**env, "METROPIPE_STUBS": str(work)}, check=True,
                               capture_output=True)
            limits = recipe.get("max_calls", [args.calls, args.gap_calls])
            for gap, label in ((0, f"{key}_to_python"), (1000, f"{key}_to_python_1ms_gap")):
                n = min(args.calls, limits[0]) if gap == 0 else min(args.gap_calls, limits[1])
                if n == 0:
                    continue
                out = subprocess.run([*fill(recipe["run"]), str(n), str(gap)], env={**env, **recipe.get("env", {})},
                                     capture_output=True, text=True, check=True, cwd=scratch)
                results[label] = json.loads(out.stdout)
        time.sleep(0.5)  # let the provider fall asleep before measuring idleness
        before = cpu_seconds(provider.pid)
        time.sleep(args.idle_seconds)
        results["idle_provider_cpu_percent"] = 100 * (cpu_seconds(provider.pid) - before) / args.idle_seconds
    finally:
        for p in (provider, ctypes_provider):
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)
    results["unix_socket_python"] = uds_baseline(min(args.calls, 50_000), work)
    shutil.rmtree(work, ignore_errors=True)
    if shm.parent == Path("/dev/shm"):
        shutil.rmtree(shm, ignore_errors=True)

    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.markdown:
        print("| measurement | p50 us | p99 us |\n|---|---:|---:|")
        rows = [("python_to_python", "Python client -> Python provider, back to back"),
                ("python_to_python_ctypes", "Python client -> Python provider, back to back, ctypes fallback "
                                            "(METROPIPE_NATIVE=0, both sides)")]
        rows += [(f"{k}_to_python", f"{LANGUAGES.get(k, k)} client -> Python provider, back to back"
                  f"{VARIANTS.get(k, '')}") for k in CLIENTS]
        rows += [("python_to_python_1ms_gap", "Python -> Python, 1 ms between calls")]
        rows += [(f"{k}_to_python_1ms_gap", f"{LANGUAGES.get(k, k)} -> Python, 1 ms between calls{VARIANTS.get(k, '')}")
                 for k in CLIENTS]
        rows += [("unix_socket_python", "baseline: Unix domain socket, Python <-> Python")]
        for key, label in rows:
            r = results.get(key)
            if isinstance(r, dict):
                print(f"| {label} | {r['p50_us']:.2f} | {r['p99_us']:.2f} |")
        print(f"\nIdle Python provider: {results['idle_provider_cpu_percent']:.2f}% of one core over "
              f"{args.idle_seconds:g} s.")
        native, fallback = results["python_to_python"], results["python_to_python_ctypes"]
        assert isinstance(native, dict) and isinstance(fallback, dict)
        print(f"Python -> Python: the native fast path is {fallback['p50_us'] / native['p50_us']:.2f}x as fast as "
              f"the ctypes fallback (p50); its first-use build took "
              f"{results['python_native_first_use_s']:.2f} s (then cached).")
    else:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
