"""The native ``metropipe proxy`` (metropipe/targets/c/templates/proxy.c.j2) against the golden behaviour of
the Python one (metropipe/proxy.py), as real processes.

Each scenario prepares the channel (header words, providers in threads of this process or in their own
processes), runs the Python proxy and then the native one the same way, and asserts that both give the
same exit status, the same stdout and the same stderr, and leave the channel header the same: every exit
status the proxy documents, every wire error code, layout mismatches, refused channel files, raw channels,
binary safety over all 256 byte values, payloads larger than the capacity, timeouts with and without a
provider, dead and live lock holders, a provider killed mid-call, Ctrl-C and a closed stdout. The
generated C is also compiled with ``-std=c11 -Wall -Wextra -Werror -pedantic``.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from metropipe import layout, proxy
from metropipe.model import Function
from metropipe.runtime import shm
from metropipe.targets import c as c_target
from tests.conftest import ROOT, require
from tests.toolchains.channel_semantics import dead_pid, header, header_words, write_channel
from tests.toolchains.test_bash_stub import ADD, FakeProvider

pytestmark = pytest.mark.toolchain

RAW = Function(name="x", raw=True)
KINDS = ("python", "native")
Outcome = tuple[int, bytes, str]


@pytest.fixture(scope="module")
def addon(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("cc")
    folder = tmp_path_factory.mktemp("addon")
    folder.chmod(0o700)
    return folder


def base_env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("METROPIPE_TIMEOUT", "METROPIPE_NATIVE", "CC")}
    e.update(extra)
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return e


@pytest.fixture(scope="module")
def commands(addon: Path) -> dict[str, list[str]]:
    proc = subprocess.run([sys.executable, "-m", "metropipe", "proxy", "--native-path"], capture_output=True,
                          text=True, env=base_env(METROPIPE_ADDON_DIR=str(addon), METROPIPE_NATIVE="1"), timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr
    native = proc.stdout.strip()
    assert Path(native).parent == addon and Path(native).name == proxy.native_name()
    assert Path(native).stat().st_mode & 0o777 == 0o700
    return {"python": [sys.executable, "-m", "metropipe", "proxy"], "native": [native]}


def run(command: list[str], *args: str, data: bytes = b"", timeout: float = 60, **extra: str) -> Outcome:
    p = subprocess.run([*command, *args], input=data, capture_output=True, env=base_env(**extra), timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode()


def both(commands: dict[str, list[str]], *args: str, setup: Callable[[], None] = lambda: None,
         after: Callable[[], object] = lambda: None, data: bytes = b"", **extra: str) -> Outcome:
    """Run the Python proxy, then the native one, each after ``setup()``; assert they agree (and on
    ``after()``, e.g. the header words); return the outcome."""
    results = {}
    for kind in KINDS:
        setup()
        results[kind] = (run(commands[kind], *args, data=data, **extra), after())
    assert results["native"] == results["python"]
    return results["python"][0]


def test_generated_c_is_clean(tmp_path: Path) -> None:
    source = tmp_path / "proxy.c"
    source.write_text(c_target.proxy_source())
    for opt in ("-O0", "-O2"):
        proc = subprocess.run([require("gcc"), "-std=c11", opt, "-Wall", "-Wextra", "-Werror", "-pedantic", "-o",
                               str(tmp_path / "proxy"), str(source)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert proxy.native_name(c_target.proxy_source()) == proxy.native_name()  # deterministic


def test_argument_errors(commands: dict[str, list[str]], shm_dir: Path) -> None:
    cases = [
        ["bad/name"], [".x"], ["x" * 201], ["x", "--fingerprint", "0"], ["x", "--fingerprint", "0x"],
        ["x", "--fingerprint", "12345678901234567"], ["x", "--fingerprint", "zz"], ["x", "--fingerprint", "it's"],
        ["x", "--capacity", "0"], ["x", "--capacity", "abc"], ["x", "--capacity", str((1 << 24) + 1)],
        ["x", "--capacity", "-5"], ["x", "--timeout", "-1"], ["x", "--timeout", "nan"], ["x", "--timeout", "inf"],
        ["x", "--timeout", "0"], ["x", "--timeout", "soon"], ["x", "--timeout", "1e400"], ["x", "--timeout", ""],
        ["x", "--timeout=\t"],
    ]
    for args in cases:
        status, out, err = both(commands, *args, data=b"abc")
        assert (status, out) == (2, b""), args
        if not args[0].startswith("-"):
            assert err.startswith("metropipe proxy: ARGUMENT: ") and err.count("\n") == 1, (args, err)
    # a request larger than the capacity: nothing sent, nothing created
    assert both(commands, "x", data=bytes(4097)) == (
        2, b"", "metropipe proxy: ARGUMENT: the request is 4097 bytes; channel 'x' holds at most 4096 (--capacity)\n")
    assert both(commands, "x", "--capacity", "16", "--fingerprint", "1", data=bytes(17))[2].endswith(
        "the request is 17 bytes; channel 'x' holds at most 16 (--capacity)\n")
    assert not list(shm_dir.iterdir()), "a refused call created a channel"
    # usage errors (argparse's): status 2 and an "error:" line, from both
    for args in (["--bogus", "x"], ["-x"], [], ["x", "y"], ["x", "--timeout"], ["x", "--native-path=1"]):
        results = [run(commands[kind], *args) for kind in KINDS]
        for status, out, err in results:
            assert (status, out) == (2, b"") and "error: " in err, (args, err)
    # values as Python reads them: spaces, underscores, a sign, exponents
    for args in (["x", "--capacity", " 4_096 "], ["x", "--capacity=+64"], ["x", "--timeout", " 1_0e-2 "],
                 ["x", "--timeout=.05"], ["x", "--fingerprint", "0XABCDEF"], ["x", "--fing", "1", "--ti", "0.05"],
                 ["--timeout", "0.05", "--", "x"]):
        status, _, err = both(commands, *args, setup=lambda: [p.unlink() for p in shm_dir.iterdir()],
                              METROPIPE_TIMEOUT="0.05")
        assert status == 124 and "no provider is serving it" in err, (args, err)


def test_timeout_environment(commands: dict[str, list[str]], shm_dir: Path) -> None:
    channel = shm_dir / "metro_x"
    assert both(commands, "x", METROPIPE_TIMEOUT="0.05") == (
        124, b"", f"metropipe proxy: TIMEOUT: timed out calling 'x' on {channel}: no provider is serving it\n")
    bad = "metropipe proxy: ARGUMENT: METROPIPE_TIMEOUT='soon' is not a positive number of seconds\n"
    assert both(commands, "x", METROPIPE_TIMEOUT="soon") == (2, b"", bad)
    # read (after opening the channel) even when --timeout is given, as the Python runtime does
    assert both(commands, "x", "--timeout", "0.05", METROPIPE_TIMEOUT="soon") == (2, b"", bad)
    symlink = shm_dir / "metro_y"
    symlink.symlink_to(channel)
    assert both(commands, "y", METROPIPE_TIMEOUT="soon")[0] == 8  # the channel first


def test_wire_errors_map_to_exit_statuses(commands: dict[str, list[str]], shm_dir: Path) -> None:
    want = {1: (1, "APPLICATION"), 2: (4, "LAYOUT_MISMATCH"), 3: (5, "BAD_REQUEST"), 4: (6, "BAD_RESULT"),
            5: (7, "PROVIDER_RESTARTED")}
    for code, message in [(1, "ValueError: no \u00e9"), (2, "other"), (3, "bad length"), (4, "too big"),
                          (5, "a provider died while running this call; it was not re-run"), (9, "future"),
                          (0, "zero")]:
        data = message.encode()
        fake = FakeProvider(RAW, layout.ERROR, code, struct.pack("<I", len(data)) + data)
        try:
            status, out, err = both(commands, "x", "--timeout", "5", data=b"req")
        finally:
            fake.close()
        if code in want:
            extra = "; this stub was generated for x(raw)->raw" if code == 2 else ""
            assert (status, out, err) == (want[code][0], b"", f"metropipe proxy: {want[code][1]}: {message}{extra}\n")
        else:
            assert (status, out, err) == (9, b"", f"metropipe proxy: PROTOCOL: the provider answered with unknown "
                                                  f"error code {code}: {message}\n")
    # a message longer than the wire allows is cut at 1020 bytes
    long = ("\u00e9" * 600).encode()
    fake = FakeProvider(RAW, layout.ERROR, 1, struct.pack("<I", len(long)) + long)
    try:
        status, _, err = both(commands, "x")
    finally:
        fake.close()
    assert status == 1 and err == f"metropipe proxy: APPLICATION: {long[:1020].decode()}\n"


def test_layout_mismatch_names_both_signatures(commands: dict[str, list[str]], shm_dir: Path) -> None:
    fake = FakeProvider(ADD, layout.RESPONSE, 0, struct.pack("<i", 3))
    other = layout.fingerprint("add(int64,int64)->int64")
    try:
        ok = both(commands, "add", "--fingerprint", layout.compute(ADD).fingerprint_hex, "--capacity", "1024",
                  data=struct.pack("<ii", 1, 2))
        named = both(commands, "add", "--fingerprint", f"{other:x}", "--signature", "add(int64,int64)->int64",
                     data=bytes(16))
        unnamed = both(commands, "add", "--fingerprint", f"0x{other:016X}", data=bytes(16))
    finally:
        fake.close()
    assert ok == (0, struct.pack("<i", 3), "")
    mismatch = (f"metropipe proxy: LAYOUT_MISMATCH: layout mismatch on channel 'add': the provider serves "
                f"add(int32,int32)->int32 (fingerprint {layout.compute(ADD).fingerprint_hex}) but the caller's stub "
                f"has fingerprint 0x{other:016x}; regenerate the stub and the provider from the same source; this stub "
                "was generated for ")
    assert named == (4, b"", mismatch + "add(int64,int64)->int64\n")
    assert unnamed == (4, b"", mismatch + f"fingerprint 0x{other:016x}\n")


def test_raw_channel_is_binary_safe(commands: dict[str, list[str]], shm_dir: Path) -> None:
    data = bytes(range(256)) * 16
    fake = FakeProvider(RAW, layout.RESPONSE, 0, data[::-1])
    try:
        state = lambda: (header_words(shm_dir / "metro_x")[0] & layout.STATE_MASK,  # noqa: E731 (SLEEPER: timing)
                         *header_words(shm_dir / "metro_x")[1:])
        assert both(commands, "x", data=data, after=state) == (0, data[::-1], "")
        assert both(commands, "x", data=b"") == (0, data[::-1], "")
    finally:
        fake.close()
    assert fake.requests == [data, data, b"", b""]
    words = header_words(shm_dir / "metro_x")
    assert (words[3], words[6]) == (4096, layout.fingerprint("x(raw)->raw"))
    # a response larger than the caller's capacity
    fake = FakeProvider(RAW, layout.RESPONSE, 0, b"", size=4097)
    try:
        assert both(commands, "x", data=b"hi") == (
            9, b"", "metropipe proxy: PROTOCOL: bad response on channel 'x': size 4097 > capacity 4096\n")
    finally:
        fake.close()


def test_refused_channel_files(commands: dict[str, list[str]], shm_dir: Path) -> None:
    channel, target = shm_dir / "metro_x", shm_dir / "elsewhere"

    def symlink() -> None:
        channel.unlink(missing_ok=True)
        write_channel(target, bytes(64))
        channel.symlink_to(target)

    assert both(commands, "x", setup=symlink, after=target.read_bytes) == (
        8, b"", f"metropipe proxy: CHANNEL: {channel}: refusing to open a symlink as a channel\n")
    channel.unlink()
    for mode in (0o620, 0o602):
        assert both(commands, "x", setup=lambda m=mode: write_channel(channel, b"", m)) == (
            8, b"", f"metropipe proxy: CHANNEL: {channel}: writable by other users (mode {mode:o}); refusing it\n")
    channel.unlink()
    os.mkfifo(channel, 0o600)
    assert both(commands, "x") == (8, b"", f"metropipe proxy: CHANNEL: {channel}: not a regular file; refusing it "
                                           "as a channel\n")
    channel.unlink()
    channel.mkdir()
    assert both(commands, "x")[0] == 8


def test_channel_is_created_and_grown(commands: dict[str, list[str]], shm_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "deeper"

    def fresh() -> None:
        if folder.exists():
            (folder / "metro_x").unlink()
            folder.rmdir()

    both(commands, "x", "--timeout", "0.02", setup=fresh, METROPIPE_DIR=str(folder),
         after=lambda: (header_words(folder / "metro_x"), (folder / "metro_x").stat().st_mode,
                        folder.stat().st_mode & 0o077))
    channel = shm_dir / "metro_x"
    for start, capacity, grown in [(header(capacity=4096) + bytes(4096), "1024", 4096), (bytes(10), "2048", 2048)]:
        result = both(commands, "x", "--timeout", "0.02", "--capacity", capacity, "--fingerprint", "1",
                      setup=lambda s=start: write_channel(channel, s),
                      after=lambda: (channel.stat().st_size, header_words(channel)))
        assert result[0] == 124
        assert channel.stat().st_size == 32 + grown and header_words(channel)[3] == grown


def test_timeouts_and_lock_holders(commands: dict[str, list[str]], shm_dir: Path) -> None:
    channel = shm_dir / "metro_x"
    me = os.getpid()
    words = lambda: header_words(channel)[:3]  # noqa: E731
    # no provider: retracted, unlocked
    assert both(commands, "x", "--timeout", "0.1", data=b"abc", setup=lambda: write_channel(channel, bytes(4128)),
                after=words) == (124, b"", f"metropipe proxy: TIMEOUT: timed out calling 'x' on {channel}: no provider "
                                           "is serving it\n")
    assert words() == (0, 0, 3)
    # a live provider that does not take it
    live = header(provider=me, capacity=4096) + bytes(4096)
    assert both(commands, "x", "--timeout", "0.1", setup=lambda: write_channel(channel, live), after=words) == (
        124, b"", f"metropipe proxy: TIMEOUT: timed out calling 'x' on {channel}: the provider (pid {me}) did not take "
                  "the request\n")
    # a live caller holds the lock: CONTENDED is left set by the sleeper
    assert both(commands, "x", "--timeout", "0.1", setup=lambda: write_channel(channel, header(lock=me) + bytes(4096)),
                after=words) == (124, b"", f"metropipe proxy: TIMEOUT: timed out waiting for the lock of channel 'x' "
                                           f"(held by pid {me}); other callers are busy\n")
    assert header_words(channel)[1] == me | layout.CONTENDED
    # the lock of a dead caller (and a zombie's) is taken over: the call goes through
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    fake = FakeProvider(RAW, layout.RESPONSE, 0, b"ok")
    try:
        end = time.monotonic() + 10
        while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < end
            time.sleep(0.01)
        for holder in (dead_pid(), dead_pid() | layout.CONTENDED, zombie.pid):
            assert both(commands, "x", "--timeout", "2", data=b"hi", setup=lambda h=holder: poke(channel, 4, h),
                        after=lambda: header_words(channel)[1]) == (0, b"ok", "")
            assert header_words(channel)[1] == 0
    finally:
        fake.close()
        zombie.wait()
    # a stale BUSY of a dead provider is cleared first
    write_channel(channel, header(provider=dead_pid(), capacity=4096) + bytes(4096))
    assert both(commands, "x", "--timeout", "0.2", setup=lambda: poke(channel, 0, layout.BUSY))[2].endswith(
        "no provider is serving it\n")
    # a stale BUSY of a live provider: still busy
    write_channel(channel, header(provider=me, capacity=4096) + bytes(4096))
    assert both(commands, "x", "--timeout", "0.1", setup=lambda: poke(channel, 0, layout.BUSY)) == (
        124, b"", f"metropipe proxy: TIMEOUT: timed out: channel 'x' is still busy with an earlier call (provider "
                  f"pid {me})\n")


def poke(channel: Path, offset: int, value: int) -> None:
    """Set one header word in place (a provider of this process may have the file mapped: never truncate it)."""
    fd = os.open(channel, os.O_RDWR)
    try:
        os.pwrite(fd, struct.pack("<I", value), offset)
    finally:
        os.close(fd)


class SlowProvider:
    """A provider of the raw channel x in a thread of this process: takes each request, then sleeps."""

    def __init__(self, seconds: float) -> None:
        lay = layout.compute(RAW)
        self.ch = shm.Channel("x", lay.capacity, lay.fingerprint, lay.signature)
        self.ch.register_provider()
        self.stop = threading.Event()

        def handle() -> int:
            self.stop.wait(seconds)
            self.ch.hdr[2] = 0
            return layout.RESPONSE

        self.thread = threading.Thread(target=self.ch.serve, args=(handle, self.stop.is_set), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.ch.unregister_provider()
        self.ch.close()


def test_timeout_while_the_provider_runs_it(commands: dict[str, list[str]], shm_dir: Path) -> None:
    slow = SlowProvider(0.6)
    try:
        status, out, err = both(commands, "x", "--timeout", "0.15", setup=lambda: time.sleep(0.7))
    finally:
        slow.close()
    assert (status, out, err) == (124, b"", f"metropipe proxy: TIMEOUT: timed out calling 'x': the provider (pid "
                                            f"{os.getpid()}) is still running it\n")


PROVIDER = """
import sys, time
from metropipe.runtime import shm
from metropipe.runtime.wire import fingerprint
ch = shm.Channel("x", 4096, fingerprint("x(raw)->raw"), "x(raw)->raw")
ch.register_provider()
ch.serve(lambda: time.sleep(60) or 3, lambda: False)
"""


@pytest.fixture
def killable(shm_dir: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        p = subprocess.Popen([sys.executable, "-c", PROVIDER], env=base_env())
        started.append(p)
        end = time.monotonic() + 30
        while not ((shm_dir / "metro_x").exists() and header_words(shm_dir / "metro_x")[5] == p.pid):
            assert time.monotonic() < end and p.poll() is None, "the provider did not start"
            time.sleep(0.005)
        return p

    yield start
    for p in started:
        p.kill()
        p.wait()


@pytest.mark.parametrize("kind", KINDS)
def test_provider_killed_mid_call(commands: dict[str, list[str]], shm_dir: Path, kind: str,
                                  killable: Callable[[], subprocess.Popen[bytes]]) -> None:
    provider = killable()
    request = Path(shm_dir.parent / "request")
    request.write_bytes(b"go")
    with request.open("rb") as stdin:
        client = subprocess.Popen([*commands[kind], "x", "--timeout", "20"], stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=base_env())
    try:
        end = time.monotonic() + 30
        while header_words(shm_dir / "metro_x")[0] & layout.STATE_MASK != layout.BUSY:
            assert time.monotonic() < end and client.poll() is None, "the call never reached the provider"
            time.sleep(0.002)
        killed = time.monotonic()
        provider.send_signal(signal.SIGKILL)  # not reaped yet: a zombie, which counts as dead
        out, err = client.communicate(timeout=20)
        waited = time.monotonic() - killed
        provider.wait()
    finally:
        if client.poll() is None:
            client.kill()
    assert (client.returncode, out, err.decode()) == (
        7, b"", f"metropipe proxy: PROVIDER_DIED: the provider of 'x' (pid {provider.pid}) died while running this "
                "call\n")
    assert waited < 2.0
    assert header_words(shm_dir / "metro_x")[:2] == (0, 0)  # IDLE and unlocked again


@pytest.mark.parametrize("kind", KINDS)
def test_interrupted_and_closed_stdout(commands: dict[str, list[str]], shm_dir: Path, kind: str) -> None:
    channel = shm_dir / "metro_x"
    write_channel(channel, header(capacity=4096) + bytes(4096))
    client = subprocess.Popen([*commands[kind], "x", "--timeout", "20"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=base_env())
    end = time.monotonic() + 30
    while header_words(channel)[0] & layout.STATE_MASK != layout.REQUEST:  # posted, waiting
        assert time.monotonic() < end and client.poll() is None
        time.sleep(0.002)
    client.send_signal(signal.SIGINT)
    out, err = client.communicate(timeout=20)
    assert (client.returncode, out, err) == (130, b"", b"")
    assert header_words(channel)[1] == 0  # the lock was released on the way out
    # a reader that went away: 141, quietly
    fake = FakeProvider(RAW, layout.RESPONSE, 0, b"x" * 4096)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([*commands[kind], "x"], input=b"hi", stdout=write_end, stderr=subprocess.PIPE,
                              env=base_env(), timeout=60)
    finally:
        os.close(write_end)
        fake.close()
    assert (proc.returncode, proc.stderr) == (141, b"")
    assert header_words(channel)[1] == 0


def test_native_path(commands: dict[str, list[str]], addon: Path, tmp_path: Path) -> None:
    native = commands["native"][0]
    assert run(commands["native"], "--native-path") == (0, f"{native}\n".encode(), "")
    assert run(commands["python"], "--native-path", METROPIPE_ADDON_DIR=str(addon)) == (0, f"{native}\n".encode(), "")
    assert run(commands["python"], "--native-path", METROPIPE_ADDON_DIR=str(addon), METROPIPE_NATIVE="0") == (
        0, b"", "")
    # no compiler: nothing (the Python proxy is used), remembered; METROPIPE_NATIVE=1 says why
    empty = tmp_path / "empty"
    for _ in range(2):
        assert run(commands["python"], "--native-path", METROPIPE_ADDON_DIR=str(empty), CC="false") == (0, b"", "")
    assert [p.name for p in empty.iterdir()] == [proxy.native_name() + ".failed"]
    status, out, err = run(commands["python"], "--native-path", METROPIPE_ADDON_DIR=str(empty), CC="false",
                           METROPIPE_NATIVE="1")
    assert (status, out) == (8, b"")
    assert re.fullmatch(r"metropipe proxy: CHANNEL: METROPIPE_NATIVE=1, but the native proxy is unavailable: false "
                        r"exited 1: .*\n", err, re.S), err
    assert run(commands["python"], "--native-path", METROPIPE_NATIVE="maybe") == (
        2, b"", "metropipe proxy: ARGUMENT: METROPIPE_NATIVE='maybe': use 0 (never the native proxy), 1 (require it) "
                "or leave it unset\n")
    # a cache folder others can write is not used
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert run(commands["python"], "--native-path", METROPIPE_ADDON_DIR=str(shared)) == (0, b"", "")
    assert not list(shared.iterdir())
