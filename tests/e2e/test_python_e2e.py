"""Python client process -> Python provider process, over a real shared-memory channel.

Nothing is mocked: each test exports services.py, starts provider.py as its own
process and calls it from other processes.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import struct
import subprocess
import sys
import time

import pytest

from tests.conftest import require_native_build
from tests.e2e.conftest import Project, header

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["native", "ctypes"], autouse=True)
def runtime(request: pytest.FixtureRequest, project: Project) -> str:
    """Every test here runs twice: with the compiled fast path required (METROPIPE_NATIVE=1, so
    a test fails rather than silently measuring ctypes) and with the ctypes fallback (=0)."""
    if request.param == "native":
        require_native_build()
    project.env["METROPIPE_NATIVE"] = "1" if request.param == "native" else "0"
    return str(request.param)


def test_every_type_round_trips(project: Project) -> None:
    project.provider("every")
    got = project.result("""
        from metropipe.every.stub import every
        print(json.dumps([
            every(-5, 2**62, 1.5, -0.1, True, "h\\u00e9llo \\u2713", b"\\x00\\xff"),
            every(2**31 - 1, -2**63, -0.0, 1e300, False, "", b""),
            every(0, 0, 3.4028234663852886e38, 5e-324, True, "x" * 252, bytes(4092)),
            every(0, 0, -3.4028235677973362e38, 0.0, True, "", b""),  # rounds to -FLT_MAX: allowed
        ]))
    """)
    assert got == [
        "-5|4611686018427387904|1.5|-0.1|True|7:h\u00e9llo \u2713|2:00ff:255",
        f"2147483647|{-2**63}|-0.0|1e+300|False|0:|0::0",
        "0|0|3.4028234663852886e+38|5e-324|True|252:xxxxxxxxxxxx|4092:00000000:0",
        "0|0|-3.4028234663852886e+38|0.0|True|0:|0::0",
    ]


def test_bytes_bool_float_results(project: Project) -> None:
    for fn in ("blob_of", "negate", "half", "log"):
        project.provider(fn)
    got = project.result("""
        from metropipe.blob_of.stub import blob_of
        from metropipe.negate.stub import negate
        from metropipe.half.stub import half
        from metropipe.log.stub import log
        print(json.dumps([blob_of(3, 255).hex(), len(blob_of(4092, 1)), negate(True), negate(False),
                          half(3.0), half(1e-45), log("hello")]))
    """)
    assert got == ["ffffff", 4092, False, True, 1.5, 0.0, None]


def test_function_error_reaches_caller_and_provider_keeps_serving(project: Project) -> None:
    project.provider("fail")
    got = project.result("""
        from metropipe.fail.stub import fail, RemoteError, MetropipeError
        out = []
        for text in ["first", "second \\u00e9"]:
            try:
                fail(text)
            except RemoteError as e:
                out.append([str(e), e.code, isinstance(e, MetropipeError)])
        print(json.dumps(out))
    """)
    assert got == [["ValueError: first", 1, True], ["ValueError: second \u00e9", 1, True]]


def test_result_that_does_not_fit_is_an_error_not_garbage(project: Project) -> None:
    project.provider("bad_result")
    got = project.result("""
        from metropipe.bad_result.stub import bad_result, ProtocolError
        ok = bad_result(2)
        try:
            bad_result(3)
        except ProtocolError as e:
            print(json.dumps([ok, e.code, str(e)]))
    """)
    assert got == [2000000000, 4, "bad result: bad_result() returned 3000000000, which does not fit int32"]


def test_bad_values_fail_at_the_caller_before_anything_is_sent(project: Project) -> None:
    # No provider runs: a value error must come first, and the channel must show no request.
    got = project.result("""
        from metropipe.every.stub import every, ArgumentError
        calls = {
            "long string": lambda: every(1, 1, 1.0, 1.0, True, "\\u00e9" * 127, b""),
            "surrogate": lambda: every(1, 1, 1.0, 1.0, True, "\\udc80", b""),
            "long bytes": lambda: every(1, 1, 1.0, 1.0, True, "", bytes(4093)),
            "int32 range": lambda: every(2**31, 1, 1.0, 1.0, True, "", b""),
            "int64 range": lambda: every(1, -2**63 - 1, 1.0, 1.0, True, "", b""),
            "float32 overflow": lambda: every(1, 1, 1e39, 1.0, True, "", b""),
            "float32 rounds to inf": lambda: every(1, 1, 3.4028235677973366e38, 1.0, True, "", b""),
            "inexact double": lambda: every(1, 1, 1.0, 2**53 + 1, True, "", b""),
            "bool": lambda: every(1, 1, 1.0, 1.0, 1, "", b""),
            "str type": lambda: every(1, 1, 1.0, 1.0, True, b"x", b""),
        }
        out = {}
        for name, call in calls.items():
            try:
                call()
                out[name] = "no error"
            except ArgumentError as e:
                out[name] = str(e)
        print(json.dumps(out))
    """, env={**project.env, "METROPIPE_TIMEOUT": "0.2"})
    assert got == {
        "long string": "parameter 'text' is 254 bytes of UTF-8; the wire's string slot holds at most 252",
        "surrogate": "parameter 'text' is not valid UTF-8 text (surrogates not allowed at index 0)",
        "long bytes": "parameter 'blob' is 4093 bytes; the wire's bytes slot holds at most 4092",
        "int32 range": "parameter 'i32' = 2147483648 does not fit int32 (-2147483648..2147483647)",
        "int64 range": "parameter 'i64' = -9223372036854775809 does not fit int64 "
                       "(-9223372036854775808..9223372036854775807)",
        "float32 overflow": "parameter 'f32' = 1e+39 overflows float32",
        "float32 rounds to inf": "parameter 'f32' = 3.4028235677973366e+38 overflows float32",
        "inexact double": "parameter 'f64' = 9007199254740993 cannot be represented exactly as a double",
        "bool": "parameter 'flag' expects a bool, got int 1",
        "str type": "parameter 'text' expects a str, got bytes b'x'",
    }
    status, lock = header(project.shm, "every")[:2]
    assert status & 0xFF != 1 and lock == 0  # nothing posted, lock released


def test_layout_mismatch_is_a_clear_error(project: Project, tmp_path: object) -> None:
    from tests.conftest import metropipe
    from tests.e2e.conftest import FIXTURES

    other = project.root / "v2"
    other.mkdir()
    (other / "services_v2.py").write_text((FIXTURES / "services_v2.py").read_text())
    metropipe("export", "add", "services_v2.py", "--target", "python", "-q", cwd=other)
    project.provider("add")
    got = project.result("""
        sys.path.insert(0, "v2")
        import importlib.util
        spec = importlib.util.spec_from_file_location("v2stub", "v2/metropipe/add/stub.py")
        m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
        try:
            m.add(1, 2)
        except m.LayoutMismatchError as e:
            print(json.dumps([e.code, str(e)]))
    """)
    assert got[0] == 2
    assert "the provider serves add(int32,int32)->int32" in got[1]
    assert got[1].endswith("this stub was generated for add(int64,int64)->int64")
    # and the provider still serves correct callers
    assert project.result("from metropipe.add.stub import add\nprint(add(2, 3))") == 5


def test_timeout_without_provider_is_quick_and_clear(project: Project) -> None:
    start = time.monotonic()
    got = project.result("""
        import time
        from metropipe.add.stub import add, CallTimeout
        t = time.monotonic()
        try:
            add(1, 2, timeout=0.3)
        except CallTimeout as e:
            print(json.dumps([str(e), isinstance(e, TimeoutError), time.monotonic() - t]))
    """)
    assert "no provider is serving it" in got[0] and got[1] is True
    assert 0.3 <= got[2] < 2.0
    assert time.monotonic() - start < 10
    mode = stat.S_IMODE((project.shm / "metro_add").stat().st_mode)
    assert mode == 0o600
    assert header(project.shm, "add")[0] & 0xFF == 0  # the request was retracted


def test_a_status_that_is_no_state_is_a_protocol_error_not_an_answer(project: Project) -> None:
    """A corrupt peer writes 7 into the status word instead of RESPONSE: the caller never reads that as a result."""
    import mmap
    import threading

    channel = project.shm / "metro_add"
    channel.write_bytes(struct.pack("<6IQ", 0, 0, 0, 1024, 0, os.getpid(), 0) + bytes(1024))
    channel.chmod(0o600)
    done = threading.Event()

    def corrupt_peer() -> None:
        with open(channel, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            words = memoryview(m).cast("I")
            while not done.is_set():
                if words[0] & 0xFF == 1:  # REQUEST
                    words[0] = 7
                time.sleep(0.0005)
            words.release()

    peer = threading.Thread(target=corrupt_peer)
    peer.start()
    try:
        got = project.result("""
            from metropipe.add.stub import add, ProtocolError
            try:
                add(1, 2, timeout=3)
            except ProtocolError as e:
                print(json.dumps([str(e), e.code]))
        """)
    finally:
        done.set()
        peer.join()
    assert got == ["bad response on channel 'add': unknown state 7", 20]


def test_timeout_from_environment(project: Project) -> None:
    got = project.result("""
        import time
        from metropipe.add.stub import add, CallTimeout
        t = time.monotonic()
        try:
            add(1, 2)
        except CallTimeout:
            print(json.dumps(time.monotonic() - t))
    """, env={**project.env, "METROPIPE_TIMEOUT": "0.25"})
    assert 0.25 <= got < 2.0


def test_provider_started_after_the_client(project: Project) -> None:
    client = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.path.insert(0, '.')\n"
         "from metropipe.add.stub import add\nprint(add(20, 22, timeout=30))"],
        cwd=project.root, env=project.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    path = project.shm / "metro_add"
    end = time.monotonic() + 20
    while time.monotonic() < end and not (path.exists() and header(project.shm, "add")[0] & 0xFF == 1):
        time.sleep(0.005)  # wait until the client has posted its request
    assert header(project.shm, "add")[0] & 0xFF == 1
    project.provider("add")
    out, err = client.communicate(timeout=30)
    assert client.returncode == 0, err
    assert out.strip() == "42"


def test_provider_killed_mid_call_errors_within_the_timeout(project: Project) -> None:
    prov = project.provider("slow")
    client = subprocess.Popen(
        [sys.executable, "-c", "import sys, json, time; sys.path.insert(0, '.')\n"
         "from metropipe.slow.stub import slow, ProviderDiedError\n"
         "t = time.monotonic()\n"
         "try:\n    slow(30.0, timeout=20)\n"
         "except ProviderDiedError as e:\n    print(json.dumps([str(e), time.monotonic() - t]))\n"],
        cwd=project.root, env=project.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 20
    while time.monotonic() < end and header(project.shm, "slow")[0] & 0xFF != 2:
        time.sleep(0.005)  # until the provider has taken the call (BUSY)
    assert header(project.shm, "slow")[0] & 0xFF == 2
    killed_at = time.monotonic()
    prov.stop(signal.SIGKILL)
    out, err = client.communicate(timeout=30)
    assert client.returncode == 0, err
    message, _ = json.loads(out)
    assert "died while running this call" in message
    assert time.monotonic() - killed_at < 5  # well before the 20 s timeout
    # a new provider takes over the channel left by the dead one
    project.provider("slow")
    assert project.result("from metropipe.slow.stub import slow\nprint(slow(0.0))") == 7


def test_dead_lock_holder_does_not_block_others(project: Project) -> None:
    project.provider("add")
    # A client takes the lock and dies holding it.
    proc = project.client("""
        import os
        from metropipe.add import stub
        stub.add(1, 1)
        stub._add_channel.acquire(None)
        os.kill(os.getpid(), 9)
    """)
    assert proc.returncode == -9
    assert header(project.shm, "add")[1] != 0  # still held by the dead process
    got = project.result("""
        import time
        from metropipe.add.stub import add
        t = time.monotonic()
        r = add(2, 2, timeout=5)
        print(json.dumps([r, time.monotonic() - t]))
    """)
    assert got[0] == 4 and got[1] < 1.0


def test_concurrent_clients_get_their_own_results(project: Project) -> None:
    project.provider("add")
    code = """
        import sys
        from metropipe.add.stub import add
        k = int(sys.argv[1])
        bad = sum(1 for i in range(2000) if add(i, k * 100000) != i + k * 100000)
        print(bad)
    """
    import textwrap

    procs = [subprocess.Popen([sys.executable, "-c", "import sys; sys.path.insert(0, '.')\n" + textwrap.dedent(code),
                               str(k)], cwd=project.root, env=project.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for k in range(1, 5)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "0"


def test_threads_in_one_client_process(project: Project) -> None:
    project.provider("add")
    got = project.result("""
        import threading
        from metropipe.add.stub import add
        bad = []
        def work(k):
            bad.extend(i for i in range(1000) if add(i, k) != i + k)
        ts = [threading.Thread(target=work, args=(k * 10000,)) for k in range(4)]
        for t in ts: t.start()
        for t in ts: t.join()
        print(json.dumps(len(bad)))
    """)
    assert got == 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_provider_leaves_nothing_stale(project: Project, sig: int) -> None:
    prov = project.provider("add")
    assert project.result("from metropipe.add.stub import add\nprint(add(1, 2))") == 3
    assert prov.stop(sig) == 0
    _status, lock, _, _, _, provider = header(project.shm, "add")[:6]
    assert lock == 0 and provider == 0
    project.provider("add")  # restarts cleanly on the same channel
    assert project.result("from metropipe.add.stub import add\nprint(add(2, 2))") == 4


def test_second_provider_on_a_channel_is_refused(project: Project) -> None:
    project.provider("add")
    second = project.provider("add", start=False)
    second.start(wait=False)
    assert second.proc is not None
    assert second.proc.wait(timeout=20) == 1
    assert "already served by a provider" in second.proc.stderr.read()


def test_channel_file_safety(project: Project) -> None:
    target = project.shm / "elsewhere"
    target.write_bytes(bytes(2048))
    os.symlink(target, project.shm / "metro_add")
    got = project.result("""
        from metropipe.add.stub import add, ChannelError
        try:
            add(1, 2, timeout=0.2)
        except ChannelError as e:
            print(json.dumps(str(e)))
    """)
    assert got.endswith("metro_add: refusing to open a symlink as a channel")
    os.unlink(project.shm / "metro_add")
    (project.shm / "metro_add").write_bytes(bytes(2048))
    os.chmod(project.shm / "metro_add", 0o666)
    got = project.result("""
        from metropipe.add.stub import add, ChannelError
        try:
            add(1, 2, timeout=0.2)
        except ChannelError as e:
            print(json.dumps(str(e)))
    """)
    assert "writable by other users (mode 666); refusing it" in got
    if os.geteuid() == 0:
        os.chmod(project.shm / "metro_add", 0o600)
        os.chown(project.shm / "metro_add", 65534, 65534)
        got = project.result("""
            from metropipe.add.stub import add, ChannelError
            try:
                add(1, 2, timeout=0.2)
            except ChannelError as e:
                print(json.dumps(str(e)))
        """)
        assert "owned by uid 65534, not by this user" in got


def test_idle_provider_does_not_burn_a_core(project: Project) -> None:
    prov = project.provider("add")
    assert prov.proc is not None
    assert project.result("from metropipe.add.stub import add\nprint(add(1, 2))") == 3

    def cpu_ticks() -> int:
        fields = open(f"/proc/{prov.proc.pid}/stat").read().rsplit(")", 1)[1].split()  # type: ignore[union-attr]
        return int(fields[11]) + int(fields[12])

    before = cpu_ticks()
    time.sleep(1.0)  # measuring idleness, not synchronising
    used = (cpu_ticks() - before) / os.sysconf("SC_CLK_TCK")
    assert used < 0.2, f"idle provider used {used:.2f} s of CPU in 1 s"


def test_fork_gives_the_child_its_own_pid_and_thread_lock(project: Project) -> None:
    project.provider("add")
    got = project.result("""
        import os, threading, time
        from metropipe.add import stub
        assert stub.add(1, 1) == 2
        ch = stub._add_channel
        held = threading.Event()

        def hold():  # a thread of the parent is mid-call when the process forks
            ch.acquire(None)
            held.set()
            time.sleep(0.3)
            ch.release()

        t = threading.Thread(target=hold)
        t.start()
        held.wait()
        pid = os.fork()
        if pid == 0:  # the child: the parent's thread does not exist here, its call does
            ok = stub.add(20, 22, timeout=10) == 42
            ch.acquire(None)
            mine = ch.hdr[1] & 0x3FFFFFFF == os.getpid()
            ch.release()
            ok = ok and mine and all(stub.add(i, 1) == i + 1 for i in range(500))
            os._exit(0 if ok else 1)
        t.join()
        parent = all(stub.add(i, 2) == i + 2 for i in range(500))
        _, status = os.waitpid(pid, 0)
        print(json.dumps([parent, os.waitstatus_to_exitcode(status)]))
    """)
    assert got == [True, 0]
