"""The JavaScript provider (``provider.js``), run by the real Node.js, called from the Python client.

The sources in tests/toolchains/js_provider/ are written like real code: an ES module with JSDoc
(textkit.mjs: every type, async functions, exceptions, a result that does not fit), a CommonJS
module (stats.js: ``exports.f =``, ``module.exports.f =``, a static method) and TypeScript
(shapes.ts, a ``namespace`` and a default export) with the ``shapes.js`` that ``tsc`` writes
beside it: Node.js 20 cannot run TypeScript and no compiler is assumed here, so the provider of
a ``.ts`` source loads its compiled ``.js`` and refuses to start without it.

Each provider is started with the command ``metropipe export`` prints (its N-API addon built by
the system C compiler on first run), and called through the generated Python stubs.
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

FIXTURES = Path(__file__).resolve().parent / "js_provider"
TEXTKIT = ["every", "add", "twice", "half", "negate", "digest", "greet", "fail", "reject", "wrong", "blob", "repeat",
           "slow", "nothing"]


def _project(root: Path) -> Project:
    require("node")
    require("gcc")
    shutil.copytree(FIXTURES, root)
    stamp = time.time()
    os.utime(root / "shapes.ts", (stamp - 10, stamp - 10))  # compiled after its source, as tsc leaves it
    os.utime(root / "shapes.js", (stamp, stamp))
    shm = root / "shm"
    shm.mkdir(mode=0o700)
    addon = root / "addon"
    addon.mkdir(mode=0o700)
    env = {**os.environ, "METROPIPE_DIR": str(shm), "METROPIPE_ADDON_DIR": str(addon)}
    return Project(root, shm, env, prefix="jsprov")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """textkit.mjs exported into one unified provider that serves every function, plus stats.js and shapes.ts."""
    project = _project(tmp_path_factory.mktemp("jsprov") / "project")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("METROPIPE_DIR", str(project.shm))
        try:
            command = ""
            for name in TEXTKIT:
                command = project.export(name, "textkit.mjs", "--unify")
            for name in ("square", "mean3", "occurrences"):
                project.export(name, "stats.js", "--unify")
            for name in ("area", "label"):
                project.export(name, "shapes.ts", "--unify")
            assert command == "node metropipe_provider.js"
            project.start(command, wait_for="every")
            for name in [*TEXTKIT, "square", "mean3", "occurrences", "area", "label"]:
                end = time.monotonic() + 30
                while registered(project.shm / f"metro_{name}") == 0:
                    assert time.monotonic() < end, name
                    time.sleep(0.01)
            yield project
        finally:
            project.stop_all()


# --- every type, every module kind ----------------------------------------------------------


def test_every_type_round_trips(served: Project) -> None:
    every = served.stub("metropipe_stubs.py").every
    kinds = "number,bigint,number,number,boolean,string,Buffer"
    assert every(-5, 2**62, 1.5, -0.1, True, "h\u00e9llo \u2713", b"\x00\xff") == \
        f"-5|4611686018427387904|1.5|-0.1|true|h\u00e9llo \u2713|00ff|{kinds}"
    assert every(2**31 - 1, -2**63, -0.0, 1e300, False, "", b"") == \
        f"2147483647|{-2**63}|0|1e+300|false|||{kinds}"
    assert every(-2**31, 2**63 - 1, 3.4028234663852886e38, 5e-324, True, "x" * 100, b"\xab") == \
        f"{-2**31}|{2**63 - 1}|3.4028234663852886e+38|5e-324|true|{'x' * 100}|ab|{kinds}"
    with pytest.raises(served.stub("metropipe_stubs.py").ProtocolError) as e:  # the line is too long to return
        every(0, 0, 0.0, 0.0, True, "x" * 252, bytes(4092))
    assert str(e.value) == ("bad result: every() returned a string of 8500 bytes; the wire's string slot holds at "
                            "most 252")


def test_scalar_results(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    assert [s.add(2, 3), s.add(2**31 - 1, 1), s.twice(2**61), s.twice(-3)] == [5, -2**31, 2**62, -6]
    assert [s.half(3.0), s.half(-1e-45), s.negate(True), s.negate(False)] == [1.5, -0.0, False, True]
    assert s.nothing() is None
    assert s.blob(4092) == b"\xab" * 4092 and s.blob(0) == b""
    with pytest.raises(s.ProtocolError) as e:
        s.blob(4093)
    assert str(e.value) == "bad result: blob() returned 4093 bytes; the wire's bytes slot holds at most 4092"
    assert s.repeat(126) == "\u00e9" * 126


def test_async_functions_and_promises_are_awaited(served: Project) -> None:
    import hashlib

    s = served.stub("metropipe_stubs.py")
    assert s.digest(b"abc") == hashlib.sha256(b"abc").digest()
    big = bytes(range(256)) * 15 + bytes(252)  # 4092 bytes: the largest bytes value
    assert s.digest(big) == hashlib.sha256(big).digest()
    assert s.greet("w\u00f6rld") == "hello, w\u00f6rld"
    assert s.slow(0.01) == 0.01


def test_commonjs_typescript_static_and_namespaced_functions(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    assert s.square(3_000_000_000) == 9_000_000_000_000_000_000  # int64: BigInt arithmetic
    assert s.square(-7) == 49
    assert s.mean3(1.0, 2.0, 4.5) == 2.5
    assert s.occurrences("a,b,,c", ",") == 3  # a static method, called on its class (uses this)
    assert s.area(2.5, 4.0) == 10.0  # TypeScript: namespace Geo, from the compiled shapes.js
    assert s.label(7, "box") == "box#7"  # TypeScript: an async default export


# --- errors -----------------------------------------------------------------------------------


def test_exceptions_are_application_errors_and_the_provider_keeps_serving(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    for why in ("first", "second \u00e9"):
        with pytest.raises(s.RemoteError) as e:
            s.fail(why)
        assert (str(e.value), e.value.code) == (f"TextKitError: cannot: {why}", 1)
    with pytest.raises(s.RemoteError) as e:
        s.reject("too far")
    assert str(e.value) == "RangeError: too far"
    assert s.add(1, 1) == 2


def test_a_result_that_does_not_fit_is_bad_result(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    assert s.wrong(0) == 1
    for which, why in [(1, "number 1099511627776, expected an integer that fits int32"),
                       (2, "number 1.5, expected an integer that fits int32"),
                       (3, 'string "three", expected an integer that fits int32'),
                       (4, "object null, expected an integer that fits int32")]:
        with pytest.raises(s.ProtocolError) as e:
            s.wrong(which)
        assert e.value.code == 4
        assert str(e.value) == f"bad result: wrong() returned {why}"
    with pytest.raises(s.ProtocolError) as e:
        s.repeat(127)  # 254 bytes of UTF-8
    assert str(e.value) == ("bad result: repeat() returned a string of 254 bytes; the wire's string slot holds at "
                            "most 252")
    assert s.add(1, 2) == 3


def test_bad_values_fail_at_the_caller(served: Project) -> None:
    s = served.stub("metropipe_stubs.py")
    for bad in [lambda: s.add(2**31, 0), lambda: s.every(0, 0, 0.0, 0.0, True, "x" * 253, b""),
                lambda: s.every(0, 0, 1e39, 0.0, True, "", b""), lambda: s.twice(2**63)]:
        with pytest.raises(s.ArgumentError):
            bad()
    assert s.add(0, 0) == 0


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
        return layout.compute(parse(str(served.root / "textkit.mjs"), name)).fingerprint

    assert _raw_request(served, "negate", b"\x07", fp("negate")) == (4, 3, "bad request: 'b' has bool byte 7")
    assert _raw_request(served, "greet", struct.pack("<I", 253), fp("greet")) == \
        (4, 3, "bad request: 'name' has length 253 > 252")
    assert _raw_request(served, "greet", struct.pack("<I", 2) + b"\xc3\x28", fp("greet")) == \
        (4, 3, "bad request: 'name' is not valid UTF-8")
    state, code, message = _raw_request(served, "greet", struct.pack("<I", 1) + b"x", 12345)
    assert (state, code) == (4, 2)
    assert message.startswith("layout mismatch on channel 'greet': the provider serves greet(string)->string")
    assert served.stub("metropipe_stubs.py").greet("again") == "hello, again"


# --- lifecycle ----------------------------------------------------------------------------------


def test_a_second_provider_is_refused(served: Project) -> None:
    proc = served.start("node metropipe_provider.js", "add")
    assert proc.wait(timeout=60) == 1
    assert "already served by a provider (pid" in stderr_of(proc)


def test_sigterm_finishes_the_call_in_flight_and_unregisters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    project = _project(tmp_path / "project")
    command = project.export("slow", "textkit.mjs")
    assert command == "node metropipe/slow/provider.js"
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
    command = project.export("add", "textkit.mjs")
    channel = project.shm / "metro_add"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    header = struct.pack("<IIIIII", 2, 0, 8, 1024, 0, int(dead.stdout))  # BUSY, served by a dead PID
    channel.write_bytes(header + bytes(8 + 1024))
    channel.chmod(0o600)
    project.start(command, wait_for="add")
    try:
        wait_answered(channel)
        head = channel.read_bytes()[:32]
        status, _, size, _, code = struct.unpack_from("<IIIII", head)
        message = channel.read_bytes()[36:32 + size].decode()
        assert (status & 0xFF, code) == (4, 5)
        assert message == "a provider died while running this call; it was not re-run"
    finally:
        project.stop_all()


def test_a_function_that_changed_since_export_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    command = project.export("add", "textkit.mjs")
    source = project.root / "textkit.mjs"
    source.write_text(source.read_text().replace("export function add(a, b = 1)", "export function add(x, y)"))
    proc = project.start(command)
    assert proc.wait(timeout=60) == 1
    err = stderr_of(proc)
    assert "add(x, y) no longer matches this provider, generated for add(a, b); run metropipe export again" in err
    source.write_text(source.read_text().replace("export function add(x, y)", "function add(x, y)"))
    proc = project.start(command)
    assert proc.wait(timeout=60) == 1
    assert "'add' is no longer exported there as a function; run metropipe export again" in stderr_of(proc)


def test_typescript_needs_its_compiled_js(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    command = project.export("area", "shapes.ts")
    assert command == "node metropipe/area/provider.js"
    stamp = time.time()
    os.utime(project.root / "shapes.ts", (stamp + 5, stamp + 5))  # edited after the last tsc
    proc = project.start(command)
    assert proc.wait(timeout=60) == 1
    assert "shapes.js is older than" in stderr_of(proc)
    (project.root / "shapes.js").unlink()
    proc = project.start(command)
    assert proc.wait(timeout=60) == 1
    err = stderr_of(proc)
    assert "shapes.js is missing: Node.js cannot run TypeScript; compile" in err and "npx tsc shapes.ts" in err


def test_idle_provider_does_not_burn_a_core(served: Project) -> None:
    pid = served.procs[0].pid

    def ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    time.sleep(0.3)  # past the short slices
    before = ticks()
    time.sleep(1.0)
    used = (ticks() - before) / os.sysconf("SC_CLK_TCK")
    assert used < 0.5, f"an idle provider of {len(TEXTKIT) + 5} channels used {used:.2f} s of CPU in 1 s"


TSC_COMMONJS = '''"use strict";
// What `tsc --module commonjs shapes.ts` writes for shapes.ts.
Object.defineProperty(exports, "__esModule", { value: true });
exports.Geo = void 0;
exports.default = label;
var Geo;
(function (Geo) {
    /** Area of a w x h rectangle. */
    function area(w, h) {
        return w * h;
    }
    Geo.area = area;
})(Geo || (exports.Geo = Geo = {}));
async function label(id, name) {
    return `${name}#${id}`;
}
'''


def test_typescript_compiled_to_commonjs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path / "project")
    (project.root / "shapes.js").write_text(TSC_COMMONJS, encoding="utf-8")
    for name in ("area", "label"):
        project.start(project.export(name, "shapes.ts"), wait_for=name)
    monkeypatch.setenv("METROPIPE_DIR", str(project.shm))
    try:
        assert project.stub("metropipe/area/stub.py").area(3.0, 1.5) == 4.5
        assert project.stub("metropipe/label/stub.py").label(-1, "x") == "x#-1"
    finally:
        project.stop_all()
