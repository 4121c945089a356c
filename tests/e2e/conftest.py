"""Fixtures that run real provider processes on private channels."""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, metropipe

FIXTURES = ROOT / "tests" / "fixtures" / "e2e"
FUNCTIONS = ["add", "every", "blob_of", "negate", "half", "fail", "slow", "bad_result", "log"]


def header(shm: Path, channel: str) -> tuple[int, ...]:
    """The channel's header words; all zero while the file is still being created."""
    data = (shm / f"metro_{channel}").read_bytes()[:32]
    return struct.unpack("<6IQ", data.ljust(32, b"\0"))


class Provider:
    def __init__(self, project: Path, shm: Path, function: str, env: dict[str, str]) -> None:
        self.project, self.shm, self.function, self.env = project, shm, function, env
        self.proc: subprocess.Popen[str] | None = None

    def start(self, wait: bool = True) -> Provider:
        script = self.project / "metropipe" / self.function / "provider.py"
        self.proc = subprocess.Popen([sys.executable, str(script)], env=self.env, stderr=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Ready when the provider has registered its PID in the header (spec 6.3 step 1)."""
        assert self.proc is not None
        end = time.monotonic() + timeout
        path = self.shm / f"metro_{self.function}"
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"provider exited {self.proc.returncode}: {self.proc.stderr.read()}")
            if path.exists() and path.stat().st_size >= 32 and header(self.shm, self.function)[5] == self.proc.pid:
                return
            time.sleep(0.005)
        raise AssertionError("provider did not register in time")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=10)
        finally:
            assert self.proc.stderr is not None and self.proc.stdout is not None
            self.proc.stderr.close()
            self.proc.stdout.close()


class Project:
    """A user's project: services.py exported for the python target, on a private channel folder."""

    def __init__(self, root: Path, shm: Path) -> None:
        self.root, self.shm = root, shm
        self.env = {**os.environ, "METROPIPE_DIR": str(shm)}
        self.providers: list[Provider] = []

    def provider(self, function: str, start: bool = True) -> Provider:
        p = Provider(self.root, self.shm, function, self.env)
        self.providers.append(p)
        return p.start() if start else p

    def client(self, code: str, timeout: float = 60, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
        """Run ``code`` in a new Python process from the project root; it prints JSON on its last line."""
        prelude = "import json, sys\nsys.path.insert(0, '.')\n"
        return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], cwd=self.root,
                              env=env or self.env, capture_output=True, text=True, timeout=timeout)

    def result(self, code: str, **kw: object) -> object:
        proc = self.client(code, **kw)  # type: ignore[arg-type]
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(FIXTURES / "services.py", root / "services.py")
    shm = tmp_path / "shm"
    shm.mkdir(mode=0o700)
    for fn in FUNCTIONS:
        metropipe("export", fn, "services.py", "--target", "python", "-q", cwd=root)
    proj = Project(root, shm)
    yield proj
    for p in proj.providers:
        if p.proc is not None and p.proc.poll() is None:
            p.stop(signal.SIGKILL)


def dumps(value: object) -> str:
    return json.dumps(value)
