"""The conformance matrix: every client target against every provider language.

One scenario (tests/fixtures/matrix/scenario.py, expected output in expected.txt):
every wire type, an error raised by the function, an oversized string refused by
the stub, the largest bytes value, a void function. Each client lives in
tests/matrix/clients/<target>/ with a run.json: {"build": [[argv...]...], "run":
[argv...]}, where {stubs}, {client}, {work} and {python} are substituted.

Used by tests/matrix/test_matrix.py and by ``nox -s matrix`` (``python -m
tests.matrix.harness`` prints the grid).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "matrix"
CLIENTS = ROOT / "tests" / "matrix" / "clients"
FUNCTIONS = ("every", "boom", "echo_bytes", "ping")
# provider language -> the scenario's source file in that language
PROVIDERS = {
    "python": "scenario.py",
    "java": "Scenario.java",
    "js": "scenario.mjs",
    "ruby": "scenario.rb",
    "rust": "scenario.rs",
    "go": "scenario.go",
    "c": "scenario.c",
    "csharp": "Scenario.cs",
}


def expected() -> str:
    return (FIXTURES / "expected.txt").read_text(encoding="utf-8")


def clients() -> list[str]:
    return sorted(p.name for p in CLIENTS.iterdir() if (p / "run.json").is_file())


def tools(client: str) -> list[str]:
    """The programs a client's build and run need (the first word of each command)."""
    spec = json.loads((CLIENTS / client / "run.json").read_text())
    words = [argv[0] for argv in [*spec["build"], spec["run"]]]
    return sorted({w for w in words if not w.startswith("{")})


def _env(shm: Path) -> dict[str, str]:
    env = {**os.environ, "METROPIPE_DIR": str(shm)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@dataclass
class Deployment:
    """The scenario exported for every client target, its providers running."""

    stubs: Path
    shm: Path
    env: dict[str, str]


def _descends(pid: int, ancestor: int) -> bool:
    """Whether ``pid`` is ``ancestor`` or a process it started (a start command's shell need not exec)."""
    for _ in range(8):
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
    return False


def _wait_registered(shm: Path, name: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """The PID of the provider ``proc`` started, once it has registered."""
    path = shm / f"metro_{name}"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the {name} provider exited with {proc.returncode}")
        if path.exists():
            head = path.read_bytes()[:32].ljust(32, b"\0")
            pid = struct.unpack_from("<I", head, 20)[0]
            if pid and _descends(pid, proc.pid):
                return pid
        time.sleep(0.01)
    raise RuntimeError(f"the {name} provider did not register within {timeout} s")


@contextmanager
def deploy(provider: str, work: Path) -> Iterator[Deployment]:
    """Export the scenario from ``provider``'s source for every client, and serve it."""
    from metropipe import targets

    stubs = work / "stubs"
    stubs.mkdir(parents=True)
    shm = work / "shm"
    shm.mkdir(mode=0o700)
    source = PROVIDERS[provider]
    shutil.copy(FIXTURES / source, stubs / source)
    env = _env(shm)
    keys = [k for k in clients() if k in targets.TARGETS]
    available = [k for k in keys if _target_exists(k)]
    for fn in FUNCTIONS:
        subprocess.run([sys.executable, "-m", "metropipe", "export", fn, source, "--target", *available, "-q"],
                       cwd=stubs, env=env, check=True, capture_output=True)
    procs = []
    pids = []  # the providers' own PIDs (a start command's shell may run them as its children)
    try:
        for fn in FUNCTIONS:
            if provider == "python":
                p = subprocess.Popen([sys.executable, str(stubs / "metropipe" / fn / "provider.py")], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            else:  # the start command export prints: builds, then runs the provider (exec'd or a child)
                p = subprocess.Popen(["sh", "-c", _start_command(provider, fn, stubs / source, stubs)], cwd=stubs,
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(p)
            pids.append(_wait_registered(shm, fn, p, timeout=30 if provider == "python" else 180))
        yield Deployment(stubs, shm, env)
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            if p.poll() is None and p.pid not in pids:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def _start_command(provider: str, fn: str, source: Path, stubs: Path) -> str:
    from metropipe import export, targets

    function = export.prepare(fn, str(source), str(stubs))
    return str(targets.load_provider(provider).start_command(function, "namespace", "."))


def _target_exists(key: str) -> bool:
    import importlib.util

    from metropipe import targets

    return importlib.util.find_spec(f"metropipe.targets.{targets.TARGETS[key]}") is not None


def run_client(client: str, dep: Deployment, work: Path) -> tuple[bool, str]:
    """Build and run one client against a deployment; returns (output matches, output or error)."""
    spec = json.loads((CLIENTS / client / "run.json").read_text())
    scratch = work / f"client-{client}"
    scratch.mkdir(exist_ok=True)
    subst = {"{stubs}": str(dep.stubs), "{client}": str(CLIENTS / client), "{work}": str(scratch),
             "{python}": sys.executable}

    def fill(argv: list[str]) -> list[str]:
        out = []
        for a in argv:
            for k, v in subst.items():
                a = a.replace(k, v)
            out.append(a)
        return out

    for argv in spec["build"]:
        b = subprocess.run(fill(argv), cwd=scratch, env=dep.env, capture_output=True, text=True, timeout=600)
        if b.returncode != 0:
            return False, f"build failed: {' '.join(argv)}\n{b.stdout}{b.stderr}"
    r = subprocess.run(fill(spec["run"]), cwd=scratch, env=dep.env, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return False, f"exit {r.returncode}\n{r.stdout}{r.stderr}"
    return r.stdout == expected(), r.stdout


def main() -> int:
    """Print the grid of client x provider with pass or fail."""
    failures = 0
    rows = []
    for provider in PROVIDERS:
        with tempfile.TemporaryDirectory(prefix="metropipe-matrix-") as tmp, deploy(provider, Path(tmp)) as dep:
            for client in clients():
                missing = [t for t in tools(client) if shutil.which(t) is None]
                if missing:
                    rows.append((client, provider, f"MISSING {', '.join(missing)}"))
                    failures += 1
                    continue
                ok, out = run_client(client, dep, Path(tmp))
                rows.append((client, provider, "pass" if ok else "FAIL"))
                if not ok:
                    failures += 1
                    print(f"--- {client} -> {provider}:\n{out}", file=sys.stderr)
    providers = list(PROVIDERS)
    print("| client \\ provider | " + " | ".join(providers) + " |")
    print("|---|" + "---|" * len(providers))
    for client in clients():
        cells = [next(r[2] for r in rows if r[0] == client and r[1] == p) for p in providers]
        print(f"| {client} | " + " | ".join(cells) + " |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
