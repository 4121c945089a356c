"""The Java provider (``MetropipeProvider.java``), built with javac and called from the Python client.

tests/toolchains/java_provider/src/com/acme/tools/Codec.java is a user's class written like real
code (a package, Javadoc, annotations, generics, an instance overload, package-private, protected
and nested static methods). Each test exports from it with ``--target python``, runs the one-line
command ``export`` prints (javac, then ``exec java``) and calls through the Python stub:

1. every wire type, void, boxed results, a nested class's method;
2. an exception thrown by the method (APPLICATION "<SimpleName>: <message>"), bad results
   (null, an oversized string), a bad value refused by the caller, bad requests and a foreign
   fingerprint posted by hand;
3. lifecycle: SIGTERM finishes the call in flight and unregisters (exit 0), a second provider is
   refused, a BUSY left by a dead provider is answered PROVIDER_RESTARTED, a method changed since
   generation is refused, unify and flat modes;
4. idle CPU: Java 17 cannot futex-sleep, so the provider polls; idle, it must stay cheap.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from metropipe import layout, parse
from tests.toolchains.provider_project import ProviderProject, header, post_raw, project_in, stop, wait_answered

pytestmark = pytest.mark.toolchain

SOURCE = "src/com/acme/tools/Codec.java"
FIXTURE = Path(__file__).resolve().parent / "java_provider" / "src"
FUNCTIONS = ["add", "scale", "half", "mean", "isBlank", "shout", "reverse", "touch", "lookup", "repeat",
             "parseNumber", "slow", "toCelsius"]


def _project(tmp: Path) -> Iterator[ProviderProject]:
    yield from project_in(tmp, FIXTURE, SOURCE, ("javac", "java"))


@pytest.fixture
def project(tmp_path: Path) -> Iterator[ProviderProject]:
    yield from _project(tmp_path)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderProject]:
    """Every fixture function exported and its provider running (shared by the call tests)."""
    for proj in _project(tmp_path_factory.mktemp("java-provider")):
        for fn in FUNCTIONS:
            proj.export(fn)
        for fn in FUNCTIONS:
            proj.start(fn, wait=False)
        for fn, proc in zip(FUNCTIONS, proj.procs, strict=True):
            proj.wait_registered(fn, proc)
        yield proj


def fingerprint(function: str) -> int:
    return layout.compute(parse.parse(str(FIXTURE / "com/acme/tools/Codec.java"), function)).fingerprint


# --- calls ------------------------------------------------------------------------------


def test_every_type_round_trips(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe.add.stub import add
        from metropipe.scale.stub import scale
        from metropipe.half.stub import half
        from metropipe.mean.stub import mean
        from metropipe.isBlank.stub import isBlank
        from metropipe.shout.stub import shout
        from metropipe.reverse.stub import reverse
        from metropipe.touch.stub import touch
        from metropipe.lookup.stub import lookup
        from metropipe.toCelsius.stub import toCelsius
        out = [add(2, 3), add(2147483647, 1), scale(4611686018427387903, 2), scale(-3, 3), half(3.0),
               mean(0.1, 0.2), isBlank("  "), isBlank("x"), shout("h\\u00e9llo \\u2713"),
               reverse(bytes(range(256)) * 15 + bytes(252)).hex(), reverse(b"").hex(), touch(), lookup("two"),
               toCelsius(212.0)]
        print(json.dumps(out))
    """)
    data = bytes(range(256)) * 15 + bytes(252)
    assert got == [5, -2147483648, 9223372036854775806, -9, 1.5, 0.15000000000000002, True, False,
                   "H\u00c9LLO \u2713!", data[::-1].hex(), "", None, 2, 100.0]


def test_exception_is_application_error_and_provider_keeps_serving(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe.parseNumber.stub import parseNumber, RemoteError
        try:
            parseNumber("twelve")
        except RemoteError as e:
            err = [e.code, str(e)]
        print(json.dumps([err, parseNumber(" 42 ")]))
    """)
    assert got == [[1, "InvalidInput: not a number: 'twelve'"], 42]


def test_bad_results_are_errors_not_garbage(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe.lookup.stub import lookup, ProtocolError
        from metropipe.repeat.stub import repeat
        out = []
        for call in (lambda: lookup("nope"), lambda: repeat("ab", 200)):
            try:
                call()
            except ProtocolError as e:
                out.append([e.code, str(e)])
        out.append(repeat("ab", 3))
        print(json.dumps(out))
    """)
    assert got[0] == [4, "bad result: lookup() returned null"]
    assert got[1][0] == 4 and "String of 400 bytes of UTF-8" in got[1][1] and "at most 252" in got[1][1]
    assert got[2] == "ababab"


def test_bad_value_is_refused_by_the_caller(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe.add.stub import add, ArgumentError
        from metropipe.shout.stub import shout
        out = []
        for call in (lambda: add(2 ** 31, 1), lambda: shout("x" * 253)):
            try:
                call()
            except ArgumentError as e:
                out.append(e.code)
        print(json.dumps(out))
    """)
    assert got == [17, 17]
    assert header(served.shm, "add")[0] & 0xFF != 1  # nothing was posted


def test_bad_requests_and_foreign_fingerprint(served: ProviderProject) -> None:
    shm = served.shm
    fp = fingerprint("shout")
    assert post_raw(shm, "shout", struct.pack("<I", 2) + b"\xc3\x28", fp) == \
        (4, 3, "bad request: 'text' is not valid UTF-8")
    assert post_raw(shm, "shout", struct.pack("<I", 253), fp) == (4, 3, "bad request: 'text' has length 253 > 252")
    assert post_raw(shm, "reverse", struct.pack("<I", 4093), fingerprint("reverse")) == \
        (4, 3, "bad request: 'data' has length 4093 > 4092")
    state, code, message = post_raw(shm, "shout", struct.pack("<I", 1) + b"a", fp ^ 1)
    assert (state, code) == (4, 2)
    assert "the provider serves shout(string)->string" in message
    assert post_raw(shm, "shout", struct.pack("<I", 1) + b"a", fp) == (3, 0, "")  # still serving
    # the same through the client: it adds its own signature to LAYOUT_MISMATCH
    assert served.result("from metropipe.shout.stub import shout\nprint(json.dumps(shout('ok')))") == "OK!"


# --- lifecycle --------------------------------------------------------------------------


def test_sigterm_finishes_the_call_in_flight_and_unregisters(project: ProviderProject) -> None:
    project.export("slow")
    proc = project.start("slow")
    out: list[object] = []
    client = threading.Thread(target=lambda: out.append(project.result(
        "from metropipe.slow.stub import slow\nprint(json.dumps(slow(1500)))")))
    client.start()
    end = time.monotonic() + 30
    while header(project.shm, "slow")[0] & 0xFF != 2 and time.monotonic() < end:  # BUSY
        time.sleep(0.005)
    assert header(project.shm, "slow")[0] & 0xFF == 2
    assert stop(proc) == 0
    client.join(60)
    assert out == [1500]
    assert header(project.shm, "slow")[5] == 0  # unregistered


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stop_signal_exits_zero_idle(project: ProviderProject, sig: int) -> None:
    project.export("add")
    proc = project.start("add")
    assert project.result("from metropipe.add.stub import add\nprint(add(1, 2))") == 3
    assert stop(proc, sig) == 0
    assert header(project.shm, "add")[5] == 0


def test_second_provider_is_refused(project: ProviderProject) -> None:
    project.export("add")
    first = project.start("add")
    second = project.start("add", wait=False)
    assert second.wait(timeout=120) == 1
    assert f"already served by a provider (pid {first.pid})" in second.stderr.read()  # type: ignore[union-attr]
    assert header(project.shm, "add")[5] == first.pid
    assert project.result("from metropipe.add.stub import add\nprint(add(1, 2))") == 3


def test_busy_left_by_a_dead_provider_is_answered_provider_restarted(project: ProviderProject) -> None:
    project.export("add")
    dead = subprocess.Popen(["true"])
    dead.wait()
    path = project.shm / "metro_add"
    data = bytearray(32 + 1024)
    struct.pack_into("<6IQ", data, 0, 2, 0, 8, 1024, 0, dead.pid, fingerprint("add"))  # BUSY, dead provider
    path.write_bytes(bytes(data))
    path.chmod(0o600)
    project.start("add")
    wait_answered(path)
    status, _, _, _, error, _, _ = header(project.shm, "add")
    assert (status & 0xFF, error) == (4, 5)
    n = struct.unpack_from("<I", path.read_bytes(), 32)[0]
    assert path.read_bytes()[36:36 + n] == b"a provider died while running this call; it was not re-run"
    assert project.result("from metropipe.add.stub import add\nprint(add(20, 22))") == 42


def test_method_changed_since_generation_is_refused(project: ProviderProject) -> None:
    project.export("add")
    source = project.root / SOURCE
    text = source.read_text()
    # still compiles against the provider's call add(int, int), but no longer the signature it serves
    source.write_text(text.replace("public static int add(int a, int b) {\n        return a + b;",
                                   "public static int add(long a, int b) {\n        return (int) (a + b);"))
    proc = project.start("add", wait=False)
    assert proc.wait(timeout=120) == 1
    err = proc.stderr.read()  # type: ignore[union-attr]
    assert "Codec.add(int, int) no longer exists; run metropipe export again" in err


def test_unify_and_flat_modes(project: ProviderProject) -> None:
    project.export("add", "--unify")
    command = project.export("shout", "--unify")
    assert "metropipe/MetropipeProvider.java" in command and command.endswith("com.acme.tools.MetropipeProvider")
    proc = project.start("shout", command)
    project.wait_registered("add", proc)
    got = project.result("""
        from metropipe_stubs import add, shout
        print(json.dumps([add(1, 2), shout("a")]))
    """)
    assert got == [3, "A!"]
    assert stop(proc) == 0
    flat = project.export("toCelsius", "--flat")
    assert "metropipe/MetropipeToCelsiusProvider.java" in flat
    proc = project.start("toCelsius", flat)
    assert project.result("from metropipe.toCelsius import toCelsius\nprint(toCelsius(32.0))") == 0.0
    assert stop(proc) == 0


def test_idle_provider_uses_little_cpu(project: ProviderProject) -> None:
    """Java 17 has no futex: the idle provider parks in 10 ms slices. Measure its CPU while idle."""
    project.export("add")
    proc = project.start("add")
    assert project.result("from metropipe.add.stub import add\nprint(add(1, 2))") == 3
    time.sleep(1.0)  # past the short slices and the JIT's warm-up

    def cpu_ticks() -> int:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    before = cpu_ticks()
    time.sleep(3.0)  # measuring idleness, not synchronising
    used = (cpu_ticks() - before) / os.sysconf("SC_CLK_TCK")
    print(f"idle Java provider: {used:.3f} s of CPU in 3 s")
    assert used < 0.3, f"idle provider used {used:.2f} s of CPU in 3 s"
