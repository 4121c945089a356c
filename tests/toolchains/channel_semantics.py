"""The channel semantics every client stub must honour (spec/wire.md), written once for all languages.

Each scenario prepares the channel file (struct-packed headers, dead or live PIDs, modes, symlinks,
FIFOs), makes a call of ``add(1, 2)`` without a provider and asserts on the result and on the channel
header afterwards. A language's test file supplies an *adapter*: a :class:`ChannelClient` subclass
whose :meth:`~ChannelClient.call` runs that language's own driver program and returns a normalized
:class:`Result`, and whose class attributes state what that language reports and where it
legitimately differs (time bounds, error kinds or flags, extra bad values, ...). The file then adds
the scenarios to its own module::

    class GoClient(channel_semantics.ChannelClient):
        scenarios = channel_semantics.COMMON | {"lock_held_by_a_live_caller_times_out"}
        kinds = channel_semantics.Kinds(timeout="Tt", argument="A", channel="H")
        def call(self, timeout_ms, env=None, variant=""): ...  # -> Result(code, message, us, kind)

    @pytest.fixture
    def channel_client(driver: Driver) -> GoClient:
        return GoClient(driver)

    TestChannelSemantics = channel_semantics.suite(GoClient)

so ``pytest tests/toolchains/test_go_stub.py`` runs Go's full set as
``test_go_stub.py::TestChannelSemantics::test_<scenario>`` (this module itself is not a test file,
so nothing here is collected twice). Every scenario uses the ``shm_dir`` fixture (METROPIPE_DIR).
"""

from __future__ import annotations

import math
import os
import stat
import struct
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from metropipe import layout
from metropipe.model import Function, Param, WireType

ADD = Function(name="add", params=(Param("a", WireType.INT32), Param("b", WireType.INT32)), result=WireType.INT32)
NO_PROVIDER = "no provider is serving it"


def header_words(path: Path) -> tuple[int, ...]:
    """status, lock, size, capacity, error, provider pid, fingerprint."""
    return struct.unpack("<6IQ", path.read_bytes()[:32])


def header(status: int = 0, lock: int = 0, capacity: int = 1024, provider: int = 0) -> bytes:
    return struct.pack("<6IQ", status, lock, 0, capacity, 0, provider, 0)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_channel(path: Path, data: bytes, mode: int = 0o600) -> None:
    path.write_bytes(data)
    path.chmod(mode)


class Kinds(NamedTuple):
    """What a language reports, besides the code, for a timeout (16), a bad argument (17), a refused channel (18)."""

    timeout: str
    argument: str
    channel: str

    def of(self, code: int) -> str:
        return self[code - 16] if 16 <= code <= 18 else f"<no kind expected for code {code}>"


@dataclass(frozen=True)
class Result:
    """One call, normalized: ``code`` is 0 or the wire error code (16 timeout, 17 argument, 18 channel, ...)."""

    code: int
    message: str
    us: float  # elapsed microseconds as the driver measured them (bash: wall clock around the stub)
    kind: str | None = None  # the language's own kind, class or flags for the error, if it reports one


class ChannelClient(ABC):
    """Calls ``add(1, 2)`` through one language's stub; the class attributes are that language's expectations."""

    #: the ``add`` function the stub was generated from (its fingerprint must land in the header)
    function: Function = ADD
    #: which scenarios this language runs (names in SCENARIOS)
    scenarios: ClassVar[frozenset[str]]
    #: the ways the language can make the same call (JS: sync and async); each scenario tries every one
    variants: ClassVar[tuple[str, ...]] = ("",)
    #: the kind/flags the language reports for each error code; None: it reports none (codes are still checked)
    kinds: ClassVar[Kinds | None] = None
    #: bounds [lo, hi) of the reported time of a 200 ms call that times out, and of the wall clock around it
    #: (around the calls of all the variants together)
    timeout_us: ClassVar[tuple[float, float]] = (195_000, math.inf)
    timeout_wall_s: ClassVar[float] = math.inf
    #: METROPIPE_TIMEOUT for a good value (its reported time bounds) and the bad values tried
    env_timeout: ClassVar[str] = "0.15"
    env_timeout_us: ClassVar[tuple[float, float]] = (145_000, 1_500_000)
    bad_env_timeouts: ClassVar[tuple[str, ...]] = ("soon", "-1")
    #: the timeout of the call on a symlinked channel, and how fast it must be refused
    symlink_timeout_ms: ClassVar[int] = 200
    symlink_max_us: ClassVar[float] = 100_000
    #: every folder the stub creates for METROPIPE_DIR is private, not only the last one
    private_parent_folders: ClassVar[bool] = False
    #: bits or'ed into the dead caller's pid in the lock word (e.g. CONTENDED)
    dead_lock_bits: ClassVar[int] = 0
    #: the status bits that must still read BUSY after timing out on a live provider (STATE_MASK: SLEEPER may stay)
    busy_status_mask: ClassVar[int] = 0xFFFF_FFFF

    @abstractmethod
    def call(self, timeout_ms: int | None, env: Mapping[str, str] | None = None, variant: str = "") -> Result:
        """Call add(1, 2) with ``timeout_ms`` (None: the default, METROPIPE_TIMEOUT) and ``env`` over os.environ."""

    def expect_kind(self, r: Result) -> None:
        if self.kinds is not None:
            assert r.kind == self.kinds.of(r.code), r


Scenario = Callable[..., None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(f: Scenario) -> Scenario:
    SCENARIOS[f.__name__.removeprefix("test_")] = f
    return f


def suite(client: type[ChannelClient]) -> type:
    """A test class holding the scenarios ``client`` runs; tests need a ``channel_client`` fixture."""
    unknown = client.scenarios - SCENARIOS.keys()
    assert not unknown, f"{client.__name__} names unknown scenarios {sorted(unknown)}"
    methods: dict[str, Any] = {f"test_{name}": SCENARIOS[name] for name in SCENARIOS if name in client.scenarios}
    methods["__doc__"] = f"channel semantics (tests/toolchains/channel_semantics.py) through {client.__name__}"
    methods["__module__"] = client.__module__
    return type("TestChannelSemantics", (), methods)


# --- the scenarios ----------------------------------------------------------------------


@scenario
def test_timeout_without_provider(self: object, channel_client: ChannelClient, shm_dir: Path) -> None:
    c, channel = channel_client, shm_dir / "metro_add"
    elapsed = 0.0
    for variant in c.variants:
        start = time.monotonic()
        r = c.call(200, variant=variant)
        elapsed += time.monotonic() - start
        assert (r.code, r.message) == (16, f"timed out calling 'add' on {channel}: {NO_PROVIDER}"), r
        c.expect_kind(r)
        assert c.timeout_us[0] <= r.us < c.timeout_us[1], r
        assert elapsed < c.timeout_wall_s  # (summed over the variants)
        assert stat.S_IMODE(channel.stat().st_mode) == 0o600
        assert channel.stat().st_size == 32 + 1024
        status, lock, size, capacity, _error, provider, fingerprint = header_words(channel)
        assert (status, lock, size, capacity, provider) == (0, 0, 8, 1024, 0)  # retracted, unlocked
        assert fingerprint == layout.compute(c.function).fingerprint


@scenario
def test_timeout_from_environment(self: object, channel_client: ChannelClient, shm_dir: Path) -> None:
    c = channel_client
    for variant in c.variants:
        r = c.call(None, {"METROPIPE_TIMEOUT": c.env_timeout}, variant)
        assert r.code == 16 and NO_PROVIDER in r.message, r
        c.expect_kind(r)
        assert c.env_timeout_us[0] <= r.us < c.env_timeout_us[1], r
        for bad in c.bad_env_timeouts:
            r = c.call(None, {"METROPIPE_TIMEOUT": bad}, variant)
            assert (r.code, r.message) == (17, f"METROPIPE_TIMEOUT='{bad}' is not a positive number of seconds"), r
            c.expect_kind(r)


@scenario
def test_channel_folder_is_created(self: object, channel_client: ChannelClient, tmp_path: Path, shm_dir: Path) -> None:
    c, folder = channel_client, tmp_path / "new" / "deeper"
    r = c.call(20, {"METROPIPE_DIR": str(folder)})
    assert r.code == 16 and (folder / "metro_add").is_file(), r
    c.expect_kind(r)
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    if c.private_parent_folders:
        assert stat.S_IMODE(folder.parent.stat().st_mode) & 0o077 == 0


@scenario
def test_symlink_is_refused(self: object, channel_client: ChannelClient, shm_dir: Path) -> None:
    c, channel, target = channel_client, shm_dir / "metro_add", shm_dir / "elsewhere"
    write_channel(target, bytes(32 + 1024))
    channel.symlink_to(target)
    for variant in c.variants:
        r = c.call(c.symlink_timeout_ms, variant=variant)
        assert (r.code, r.message) == (18, f"{channel}: refusing to open a symlink as a channel"), r
        c.expect_kind(r)
        assert r.us < c.symlink_max_us, r  # refused at once, not after the timeout
        assert target.read_bytes() == bytes(32 + 1024)


@scenario
def test_group_writable_and_non_regular_files_are_refused(self: object, channel_client: ChannelClient,
                                                          shm_dir: Path) -> None:
    c, channel = channel_client, shm_dir / "metro_add"
    write_channel(channel, b"", 0o620)
    for variant in c.variants:
        r = c.call(50, variant=variant)
        assert (r.code, r.message) == (18, f"{channel}: writable by other users (mode 620); refusing it"), r
        c.expect_kind(r)
        assert channel.stat().st_size == 0
    channel.unlink()
    os.mkfifo(channel, 0o600)
    for variant in c.variants:
        r = c.call(50, variant=variant)
        assert (r.code, r.message) == (18, f"{channel}: not a regular file; refusing it as a channel"), r
        c.expect_kind(r)


@scenario
def test_capacity_grows_and_never_shrinks(self: object, channel_client: ChannelClient, shm_dir: Path) -> None:
    c, channel = channel_client, shm_dir / "metro_add"
    write_channel(channel, header(capacity=4096) + bytes(4096))
    assert c.call(20).code == 16
    assert channel.stat().st_size == 32 + 4096 and header_words(channel)[3] == 4096
    small = shm_dir / "metro_small"
    write_channel(small, bytes(10))
    small.rename(channel)
    assert c.call(20).code == 16
    assert channel.stat().st_size == 32 + 1024 and header_words(channel)[3] == 1024


@scenario
def test_lock_of_a_dead_caller_is_taken_over(self: object, channel_client: ChannelClient, shm_dir: Path) -> None:
    c, channel = channel_client, shm_dir / "metro_add"
    for variant in c.variants:
        write_channel(channel, header(lock=dead_pid() | c.dead_lock_bits) + bytes(1024))
        r = c.call(300, variant=variant)
        assert r.code == 16 and NO_PROVIDER in r.message, r  # it got the lock, then waited
        c.expect_kind(r)
        assert header_words(channel)[1] == 0


@scenario
def test_busy_state_of_a_dead_provider_is_cleared(self: object, channel_client: ChannelClient, shm_dir: Path) -> None:
    c, channel = channel_client, shm_dir / "metro_add"
    for variant in c.variants:
        write_channel(channel, header(status=layout.BUSY, provider=dead_pid()) + bytes(1024))
        r = c.call(300, variant=variant)
        assert r.code == 16 and NO_PROVIDER in r.message, r
        c.expect_kind(r)


@scenario
def test_lock_held_by_a_live_caller_times_out(self: object, channel_client: ChannelClient, shm_dir: Path) -> None:
    c, channel = channel_client, shm_dir / "metro_add"
    for variant in c.variants:
        write_channel(channel, header(lock=os.getpid()) + bytes(1024))
        r = c.call(100, variant=variant)
        assert (r.code, r.message) == (16, f"timed out waiting for the lock of channel 'add' (held by pid "
                                           f"{os.getpid()}); other callers are busy"), r
        c.expect_kind(r)
        assert header_words(channel)[1] == os.getpid() | layout.CONTENDED  # the sleeper said so


@scenario
def test_busy_state_of_a_live_provider_times_out_waiting(self: object, channel_client: ChannelClient,
                                                         shm_dir: Path) -> None:
    c, channel = channel_client, shm_dir / "metro_add"
    for variant in c.variants:
        write_channel(channel, header(status=layout.BUSY, provider=os.getpid()) + bytes(1024))
        r = c.call(150, variant=variant)
        assert (r.code, r.message) == (16, f"timed out: channel 'add' is still busy with an earlier call "
                                           f"(provider pid {os.getpid()})"), r
        c.expect_kind(r)
        assert 145_000 <= r.us < 3_000_000, r
        status, lock = header_words(channel)[:2]
        assert (status & c.busy_status_mask, lock) == (layout.BUSY, 0)  # left alone, unlocked


#: what every stub that opens channels itself runs; languages add or (bash) restrict explicitly
COMMON = frozenset({
    "timeout_without_provider", "timeout_from_environment", "channel_folder_is_created", "symlink_is_refused",
    "group_writable_and_non_regular_files_are_refused", "capacity_grows_and_never_shrinks",
    "lock_of_a_dead_caller_is_taken_over", "busy_state_of_a_dead_provider_is_cleared",
})
