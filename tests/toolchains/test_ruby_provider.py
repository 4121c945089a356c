"""The Ruby provider (``provider.rb``), run by the real Ruby (Fiddle, libatomic), called from the Python client.

The source in tests/toolchains/ruby_provider/ is written like a real gem's file: nested modules
with ``module_function``, a class with a singleton method taking a keyword argument, a top-level
method, YARD types, a custom exception class. Each provider is started with the command
``metropipe export`` prints and called through the generated Python stubs: every type, an
exception, a result that does not fit, a request that breaks the contract, and the lifecycle
(a second provider refused, SIGTERM finishing the call in flight, recovery of a call a dead
provider left BUSY, a method whose parameters changed).
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require
from tests.toolchains.provider_project import Project, registered, stderr_of, wait_answered

pytestmark = pytest.mark.toolchain

FIXTURES = Path(__file__).resolve().parent / "ruby_provider"
SOURCE = "text_tools.rb"
FUNCTIONS = ["every", "add", "twice", "half", "negate", "digest", "blob", "repeat", "fail_with", "todo", "wrong",
             "slow", "nothing", "greet", "mean3"]


def _project(root: Path) -> Project:
    require("ruby")
    shutil.copytree(FIXTURES, root)
    shm = root / "shm"
    shm.mkdir(mode=0o700)
    return Project(root, shm, {**os.environ, "METROPIPE_DIR": str(shm)}, prefix="rbprov")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """Every method of text_tools.rb exported into one unified provider (a thread per channel)."""
    project = _project(tmp_path_factory.mktemp("rbprov") / "project")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("METROPIPE_DIR", str(project.shm))
        try:
            command = ""
            for name in FUNCTIONS:
                command = project.export(name, SOURCE, "--unify")
            assert command == "ruby metropipe_provider.rb"
            project.start(command, wait_for="every")
            for name in FUNCTIONS:
                end = time.monotonic() + 30
                while registered(project.shm / f"metro_{name}") == 0:
                    assert time.monotonic() < end, name
                    time.sleep(0.01)
            yield project
        finally:
            project.stop_all()


def test_every_type_round_trips(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    kinds = "Integer,Integer,Float,Float,TrueClass,String,ASCII-8BIT,UTF-8"
    assert s.every(-5, 2**62, 1.5, -0.1, True, "h\u00e9llo \u2713", b"\x00\xff") == \
        f"-5|4611686018427387904|1.5|-0.1|true|h\u00e9llo \u2713|00ff|{kinds}"
    assert s.every(-2**31, 2**63 - 1, -0.0, 1e300, False, "", b"") == \
        f"{-2**31}|{2**63 - 1}|-0.0|1.0e+300|false|||{kinds.replace('TrueClass', 'FalseClass')}"
    with pytest.raises(s.ProtocolError) as e:  # the line is too long to return
        s.every(0, 0, 0.0, 0.0, True, "x" * 252, bytes(4092))
    assert str(e.value).startswith("bad result: every() returned a string of ")


def test_scalar_results(served: Project) -> None:
    import hashlib

    s = served.stub("metropipe_stubs.py")
    assert [s.add(2, by=3), s.add(2**31 - 2, by=1), s.twice(2**61), s.twice(-3)] == [5, 2**31 - 1, 2**62, -6]
    assert [s.half(3.0), s.half(-1e-45), s.negate(True), s.negate(False)] == [1.5, -0.0, False, True]
    assert s.mean3(1.0, 2.0, 4.5) == 2.5  # a top-level method
    assert s.greet("w\u00f6rld", loud=False) == "hello, w\u00f6rld"  # a class's singleton method, a keyword
    assert s.greet("x", loud=True) == "HELLO, X"
    assert s.nothing() is None
    big = bytes(range(256)) * 15 + bytes(252)  # 4092 bytes: the largest bytes value
    assert s.digest(big) == hashlib.sha256(big).digest()
    assert s.blob(4092) == b"\xab" * 4092 and s.blob(0) == b""
    assert s.repeat(126) == "\u00e9" * 126


def test_exceptions_are_application_errors_and_the_provider_keeps_serving(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    for why in ("first", "second \u00e9"):
        with pytest.raises(s.RemoteError) as e:
            s.fail_with(why)
        assert (str(e.value), e.value.code) == (f"Acme::Tools::Oops: cannot: {why}", 1)
    with pytest.raises(s.RemoteError) as e:
        s.todo(3)
    assert str(e.value) == "NotImplementedError: todo(3)"
    assert s.add(1, by=1) == 2


def test_a_result_that_does_not_fit_is_bad_result(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    assert s.wrong(0) == 1
    for which, why in [(1, "Integer 1099511627776, expected an Integer that fits int32"),
                       (2, "Float 1.5, expected an Integer that fits int32"),
                       (3, 'String "three", expected an Integer that fits int32'),
                       (4, "NilClass nil, expected an Integer that fits int32")]:
        with pytest.raises(s.ProtocolError) as e:
            s.wrong(which)
        assert (e.value.code, str(e.value)) == (4, f"bad result: wrong() returned {why}")
    with pytest.raises(s.ProtocolError) as e:
        s.repeat(127)  # 254 bytes of UTF-8
    assert str(e.value) == ("bad result: repeat() returned a string of 254 bytes; the wire's string slot holds at "
                            "most 252")
    with pytest.raises(s.ProtocolError) as e:
        s.blob(4093)
    assert str(e.value) == "bad result: blob() returned 4093 bytes; the wire's bytes slot holds at most 4092"
    assert s.add(1, by=2) == 3


def test_bad_values_fail_at_the_caller(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    for bad in [lambda: s.add(2**31, by=0), lambda: s.every(0, 0, 0.0, 0.0, True, "x" * 253, b""),
                lambda: s.every(0, 0, 1e39, 0.0, True, "", b""), lambda: s.twice(2**63)]:
        with pytest.raises(s.ArgumentError):
            bad()
    assert s.add(0, by=1) == 1


def _raw_request(project: Project, name: str, payload: bytes, fingerprint: int) -> tuple[int, int, str]:
    """Post a hand-made request on ``name``'s channel (as a broken caller would); returns (state, code, message)."""
    rt = project.stub("metropipe_stubs.py")
    ch = rt.Channel(name, 1024, fingerprint, "test")
    try:
        ch.acquire(5.0)
        try:
            ch.buf[32:32 + len(payload)] = payload
            try:
                ch.post(len(payload))
                return 3, 0, ""
            except rt.MetropipeError as e:
                return 4, e.code, str(e)
        finally:
            ch.release()
    finally:
        ch.close()


def test_a_request_that_breaks_the_contract_is_bad_request(served: Project) -> None:
    from metropipe import layout
    from metropipe.parse import parse

    def fp(name: str) -> int:
        return layout.compute(parse(str(served.root / SOURCE), name)).fingerprint

    assert _raw_request(served, "negate", b"\x07", fp("negate")) == (4, 3, "bad request: 'b' has bool byte 7")
    greet = struct.pack("<I", 253) + bytes(252)
    assert _raw_request(served, "greet", greet, fp("greet")) == (4, 3, "bad request: 'name' has length 253 > 252")
    greet = struct.pack("<I", 2) + b"\xc3\x28" + bytes(251)
    assert _raw_request(served, "greet", greet, fp("greet")) == (4, 3, "bad request: 'name' is not valid UTF-8")
    state, code, message = _raw_request(served, "greet", struct.pack("<I", 1) + b"x", 12345)
    assert (state, code) == (4, 2)
    assert message.startswith("layout mismatch on channel 'greet': the provider serves greet(string,bool)->string")
    assert served.stub("metropipe_stubs.py").greet("again", loud=False) == "hello, again"


def test_a_second_provider_is_refused(served: Project) -> None:
    proc = served.start("ruby metropipe_provider.rb", "add")
    assert proc.wait(timeout=60) == 1
    assert "already served by a provider (pid" in stderr_of(proc)


def test_sigterm_finishes_the_call_in_flight_and_unregisters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    project = _project(tmp_path / "project")
    command = project.export("slow", SOURCE)
    assert command == "ruby metropipe/slow/provider.rb"
    proc = project.start(command, wait_for="slow")
    slow = project.stub("metropipe/slow/stub.py").slow
    monkeypatch.setenv("METROPIPE_DIR", str(project.shm))
    try:
        got: list[Any] = []
        t = threading.Thread(target=lambda: got.append(slow(0.5)))
        t.start()
        end = time.monotonic() + 10
        while struct.unpack_from("<I", (project.shm / "metro_slow").read_bytes(), 0)[0] & 0xFF != 2:  # BUSY
            assert time.monotonic() < end
            time.sleep(0.002)
        proc.send_signal(signal.SIGTERM)
        t.join(30)
        assert got == [0.5]
        assert proc.wait(timeout=30) == 0
        assert registered(project.shm / "metro_slow") == 0
    finally:
        project.stop_all()


def test_a_call_left_busy_by_a_dead_provider_is_answered_provider_restarted(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    command = project.export("twice", SOURCE)
    channel = project.shm / "metro_twice"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    header = struct.pack("<IIIIII", 2, 0, 8, 1024, 0, int(dead.stdout))  # BUSY, served by a dead PID
    channel.write_bytes(header + bytes(8 + 1024))
    channel.chmod(0o600)
    project.start(command, wait_for="twice")
    try:
        wait_answered(channel)
        head = channel.read_bytes()[:32]
        status, _, size, _, code = struct.unpack_from("<IIIII", head)
        message = channel.read_bytes()[36:32 + size].decode()
        assert (status & 0xFF, code) == (4, 5)
        assert message == "a provider died while running this call; it was not re-run"
    finally:
        project.stop_all()


def test_a_method_that_changed_since_export_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    command = project.export("add", SOURCE)
    source = project.root / SOURCE
    source.write_text(source.read_text().replace("def add(a, by: 1)", "def add(a, by)"))
    proc = project.start(command)
    assert proc.wait(timeout=60) == 1
    assert "add(a, by) no longer matches this provider, generated for add(a, by:); run metropipe export again" in \
        stderr_of(proc)
    source.write_text(source.read_text().replace("def add(a, by)", "def plus(a, by)"))
    proc = project.start(command)
    assert proc.wait(timeout=60) == 1
    assert "'Acme::Tools.add' is no longer defined there; run metropipe export again" in stderr_of(proc)


def test_idle_provider_does_not_burn_a_core(served: Project) -> None:
    pid = served.procs[0].pid

    def ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    time.sleep(0.3)  # past the short slices
    before = ticks()
    time.sleep(1.0)
    used = (ticks() - before) / os.sysconf("SC_CLK_TCK")
    assert used < 0.5, f"an idle provider of {len(FUNCTIONS)} channels used {used:.2f} s of CPU in 1 s"
