"""A user's project whose provider a test builds and runs: shared by the Java and C# provider tests.

``ProviderProject`` exports functions of one source for the python target on a private channel
folder, runs the one-line start command ``export`` printed (as a user would), waits until the
provider registered its PID in the channel header, and runs Python client code against it.
"""

from __future__ import annotations

import importlib.util
import json
import mmap
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.conftest import ROOT, metropipe, require


def header(shm: Path, channel: str) -> tuple[int, ...]:
    """The channel's header words: status, lock, size, capacity, error, provider pid, fingerprint."""
    data = (shm / f"metro_{channel}").read_bytes()[:32]
    return struct.unpack("<6IQ", data.ljust(32, b"\0"))


def post_raw(shm: Path, channel: str, payload: bytes, fingerprint: int, timeout: float = 10) -> tuple[int, int, str]:
    """Posts a hand-made request (no stub, no checks); returns (state, error code, message)."""
    path = shm / f"metro_{channel}"
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        m[32:32 + len(payload)] = payload
        struct.pack_into("<I", m, 8, len(payload))
        struct.pack_into("<Q", m, 24, fingerprint)
        struct.pack_into("<I", m, 0, 1)  # REQUEST (no SLEEPER: this poller never sleeps on the futex)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            state = struct.unpack_from("<I", m, 0)[0] & 0xFF
            if state >= 3:
                code = struct.unpack_from("<I", m, 16)[0]
                n = struct.unpack_from("<I", m, 32)[0]
                message = bytes(m[36:36 + n]).decode() if state == 4 else ""
                return state, code, message
            time.sleep(0.001)
    raise AssertionError("no answer")


def wait_answered(channel: Path, timeout: float = 30) -> None:
    """Until the channel's state is RESPONSE or ERROR: a provider registers first and only then answers a call a
    dead provider left BUSY (spec/wire.md 6.3 steps 1-2), so a test must not read the header at registration."""
    end = time.monotonic() + timeout
    while struct.unpack("<I", channel.read_bytes()[:4])[0] & 0xFF not in (3, 4):
        assert time.monotonic() < end, f"{channel}: no answer within {timeout} s"
        time.sleep(0.002)


class ProviderProject:
    """A user's project (``root``) exported for the python target, on a private channel folder (``shm``)."""

    def __init__(self, root: Path, shm: Path, source: str) -> None:
        self.root, self.shm, self.source = root, shm, source
        self.env = {**os.environ, "METROPIPE_DIR": str(shm)}
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.commands: dict[str, str] = {}
        self.procs: list[subprocess.Popen[str]] = []

    def export(self, function: str, *extra: str) -> str:
        """Exports ``function``; returns the start command export printed."""
        out = metropipe("export", function, self.source, "--target", "python", *extra, cwd=self.root, env=self.env)
        m = re.search(r"start the provider with: (.+)", out.stdout + out.stderr)
        assert m, out.stdout + out.stderr
        self.commands[function] = m.group(1).strip()
        return self.commands[function]

    def start(self, function: str, command: str | None = None, wait: bool = True, channel: str | None = None
              ) -> subprocess.Popen[str]:
        proc = subprocess.Popen(["sh", "-c", command or self.commands[function]], cwd=self.root, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(proc)
        if wait:
            self.wait_registered(channel or function, proc)
        return proc

    def wait_registered(self, channel: str, proc: subprocess.Popen[str], timeout: float = 120) -> None:
        path = self.shm / f"metro_{channel}"
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise AssertionError(f"provider exited {proc.returncode}: {proc.stderr.read()}")  # type: ignore
            if path.exists() and path.stat().st_size >= 32 and header(self.shm, channel)[5] == proc.pid:
                return
            time.sleep(0.01)
        raise AssertionError(f"the provider of {channel} did not register within {timeout} s")

    def result(self, code: str, timeout: float = 60) -> Any:
        """Runs Python client ``code`` in the project; returns the JSON its last line printed."""
        prelude = "import json, sys\nsys.path.insert(0, '.')\n"
        proc = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.wait(timeout=30)


def project_in(tmp: Path, fixture: Path, source: str, tools: tuple[str, ...]) -> Iterator[ProviderProject]:
    """A copy of ``fixture`` as ``<tmp>/project/src`` and a private channel folder; kills what it started."""
    for tool in tools:
        require(tool)
    root = tmp / "project"
    shutil.copytree(fixture, root / "src")
    shm = tmp / "shm"
    shm.mkdir(mode=0o700)
    proj = ProviderProject(root, shm, source)
    yield proj
    for p in proj.procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def registered(channel: Path) -> int:
    """The PID of the provider registered in ``channel``'s header (0: none, or no channel yet)."""
    if not channel.exists():
        return 0
    return struct.unpack_from("<I", channel.read_bytes()[:32].ljust(32, b"\0"), 20)[0]


def stderr_of(proc: subprocess.Popen[str]) -> str:
    assert proc.stderr is not None
    return proc.stderr.read()


@dataclass
class Project:
    """A provider test project whose Python stubs are imported into the test process (``stub``); the
    provider runs from its printed start command (``start``). Used by the JavaScript and Ruby provider
    tests."""

    root: Path
    shm: Path
    env: dict[str, str]
    prefix: str = "prov"  # of the module names the stubs are imported under
    procs: list[subprocess.Popen[str]] = field(default_factory=list)
    stubs: dict[str, ModuleType] = field(default_factory=dict)

    def export(self, function: str, source: str, *extra: str) -> str:
        """Export ``function`` for the Python client; returns the start command export printed."""
        out = metropipe("export", function, source, "--target", "python", *extra, cwd=self.root, env=self.env).stdout
        return out.split("start the provider with: ", 1)[1].splitlines()[0]

    def start(self, command: str, *args: str, wait_for: str | None = None) -> subprocess.Popen[str]:
        """Run a start command (as a shell would); wait until ``wait_for``'s channel has a provider."""
        proc = subprocess.Popen(["sh", "-c", f"exec {command} {' '.join(args)}"], cwd=self.root, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(proc)
        if wait_for is not None:
            end = time.monotonic() + 120
            while registered(self.shm / f"metro_{wait_for}") != proc.pid:
                if proc.poll() is not None:
                    raise AssertionError(f"the provider exited with {proc.returncode}: {stderr_of(proc)}")
                assert time.monotonic() < end, "the provider did not register within 120 s"
                time.sleep(0.01)
        return proc

    def stub(self, path: str) -> ModuleType:
        """The generated Python stub at ``path`` (relative to the project), imported by file."""
        if path in self.stubs:
            return self.stubs[path]
        name = f"{self.prefix}_" + path.replace("/", "_").replace(".", "_")
        spec = importlib.util.spec_from_file_location(name, self.root / path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.stubs[path] = module
        return module

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
