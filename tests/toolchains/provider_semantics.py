"""End to end against the real Python provider, written once for every client stub language.

The scaffolding every language used to copy lives here: :class:`Provider` starts a generated
``provider.py`` and waits until its PID is in the channel header, :func:`providers` backs each
file's ``providers`` fixture, :func:`services_module` loads the services the provider runs (the
expected values), :func:`expected_bytes` and :data:`ROUND_TRIPS`. The scenarios (every type round-trips,
an exception is an APPLICATION error, a layout mismatch names both signatures, a provider killed
mid-call, killed but not reaped, concurrent clients, raw bytes) are each written once below.

A language's test file supplies an *adapter*, the same idiom as ``channel_semantics``: a
:class:`ProviderClient` subclass whose :meth:`~ProviderClient.run` makes a list of :class:`Call` s
through that language's own driver or program and returns normalized :class:`Reply` s, and whose
class attributes state what the language reports and where it legitimately differs::

    class GoProviderClient(provider_semantics.ProviderClient):
        scenarios = provider_semantics.COMMON
        kinds = provider_semantics.Outcomes({0: "-", 1: "P", 2: "L", 19: "X"})  # errInfo flags
        def run(self, calls, root=None): ...        # -> [Reply(code, message, us, value, kind)]
        def popen(self, call): ...                   # the call in a process of its own
        def replies(self, out): ...                  # that process's stdout -> [Reply]
        def hammer(self, k): ...                     # a client process hammering add()
        def check_hammer(self, k, out): ...

    @pytest.fixture
    def provider_client(driver: Driver) -> GoProviderClient: ...

    @pytest.fixture
    def providers(project: Project, shm_dir: Path) -> Iterator[StartProvider]:
        yield from provider_semantics.providers(project.root, shm_dir)

    TestProviderSemantics = provider_semantics.suite(GoProviderClient)

so ``pytest tests/toolchains/test_go_stub.py`` runs Go's full set as
``test_go_stub.py::TestProviderSemantics::test_<scenario>`` (this module is not a test file itself).
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import struct
import subprocess
import sys
import time
import types
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pytest

from metropipe import layout
from metropipe.model import Function, WireType
from tests.conftest import metropipe
from tests.toolchains.channel_semantics import header_words

T = WireType

#: the functions of each language's ``services.py`` the e2e tests export
E2E_FUNCTIONS = ["add", "every", "big", "twice", "half", "negate", "shout", "blob_of", "nothing", "fail", "slow"]
ECHO = Function(name="echo", raw=True)

# --- the Python provider ------------------------------------------------------------------


class Provider:
    def __init__(self, script: Path, shm: Path, channel: str) -> None:
        self.channel = shm / f"metro_{channel}"
        self.proc = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "METROPIPE_DIR": str(shm)},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        end = time.monotonic() + 30
        while time.monotonic() < end:  # ready once its PID is in the header (spec 6.3 step 1)
            if self.proc.poll() is not None:
                _, err = self.proc.communicate()
                raise AssertionError(f"provider exited {self.proc.returncode}: {err}")
            if self.channel.exists() and self.channel.stat().st_size >= 32 and \
                    header_words(self.channel)[5] == self.proc.pid:
                return
            time.sleep(0.002)
        raise AssertionError("the provider did not register in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()


def start_provider(root: Path, shm: Path, name: str) -> Provider:
    """The provider of ``name`` exported under ``root`` (``root/out/metropipe/<name>/provider.py``)."""
    return Provider(root / "out" / "metropipe" / name / "provider.py", shm, name)


class StartProvider(Protocol):
    def __call__(self, name: str, root: Path = ...) -> Provider: ...


def providers(default_root: Path, shm: Path) -> Iterator[StartProvider]:
    """The body of each file's ``providers`` fixture: ``start(name, root=default_root)``; all stopped after."""
    started: list[Provider] = []

    def start(name: str, root: Path = default_root) -> Provider:
        p = start_provider(root, shm, name)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def wait_busy(provider: Provider, client: subprocess.Popen[str], within_s: float) -> None:
    """Wait until the provider has taken the client's call (its state word reads BUSY)."""
    end = time.monotonic() + within_s
    while header_words(provider.channel)[0] & layout.STATE_MASK != layout.BUSY:  # the provider took it
        assert time.monotonic() < end and client.poll() is None, "the call never reached the provider"
        time.sleep(0.002)


def patch_raw_provider(script: Path) -> None:
    """Fill in the raw provider's skeleton: reverse the request; 'boom' raises; 'big' is too big."""
    text = script.read_text()
    skeleton = re.search(r"\n( +)raise NotImplementedError\(.*\)\n", text)
    assert skeleton, "the raw provider skeleton changed: update this test"
    indent = skeleton.group(1)
    script.write_text(text.replace(skeleton.group(0), (
        f"\n{indent}if request == b'boom':\n{indent}    raise ValueError('boom')\n"
        f"{indent}if request == b'big':\n{indent}    return bytes(5000)\n"
        f"{indent}return request[::-1]\n")))


def export_raw_echo(root: Path, target: str) -> Path:
    """``metropipe export echo --target <target> python`` into ``root``, the provider patched; returns ``root``."""
    root.mkdir()
    metropipe("export", "echo", "--target", target, "python", "--out", "out", "-q", cwd=root)
    patch_raw_provider(root / "out" / "metropipe" / "echo" / "provider.py")
    return root


# --- the services and the values they return -------------------------------------------------


def signatures(root: Path) -> dict[str, Function]:
    """The E2E functions of ``root/services.py``, as the CLI parses them."""
    from metropipe.parse import python as parse_python

    text = (root / "services.py").read_text()
    return {name: parse_python.parse("services.py", text, name) for name in E2E_FUNCTIONS}


def services_module(here: Path) -> Any:
    """``here/services.py`` imported: the functions the provider runs, to compute the expected results."""
    spec = importlib.util.spec_from_file_location(f"{here.name}_services", here / "services.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_bytes(t: WireType, value: Any) -> bytes:
    """The wire bytes of a result ``value`` of type ``t`` (what byte-reporting drivers print)."""
    if t is T.STRING:
        return str(value).encode()
    if t is T.BYTES:
        return bytes(value)
    if t is T.VOID:
        return b""
    return struct.pack({"int32": "<i", "int64": "<q", "float": "<f", "double": "<d", "bool": "<?"}[t.value], value)


def same_value(t: WireType, got: Any, want: Any) -> bool:
    """A decoded result against the expected value: floats by their bits, bytes as bytes, void as None."""
    if t is T.VOID:
        return got is None
    if t in (T.FLOAT, T.DOUBLE):
        fmt = "<f" if t is T.FLOAT else "<d"
        return struct.pack(fmt, float(got)) == struct.pack(fmt, float(want))
    if t is T.BYTES:
        return bytes(got) == bytes(want)
    return bool(got == want)


ROUND_TRIPS: list[tuple[str, list[Any]]] = [
    ("add", [1, 2]),
    ("add", [-2147483648, 2147483647]),
    ("every", [-5, 2**62, 1.5, -0.1, True, "h\u00e9llo \u2713", b"\x00\xff"]),
    ("every", [2**31 - 1, -(2**63), -0.0, 1e300, False, "", b""]),
    ("every", [0, 0, 3.4028234663852886e38, 5e-324, True, "x" * 252, bytes(4092)]),
    ("big", [-(2**63) + 1]),
    ("big", [123456789012345]),
    ("twice", [0.1]),
    ("twice", [-2.5e-300]),
    ("half", [3.0]),
    ("half", [1e-45]),
    ("negate", [True]),
    ("negate", [False]),
    ("shout", ["h\u00e9"]),
    ("shout", ["a" * 251]),
    ("blob_of", [3, 255]),
    ("blob_of", [4092, 1]),
    ("blob_of", [0, 1]),
    ("nothing", []),
]
#: the same, with a character outside the BMP in the first ``every`` string (UTF-16 surrogate pairs)
ROUND_TRIPS_ASTRAL: list[tuple[str, list[Any]]] = [
    ("every", [-5, 2**62, 1.5, -0.1, True, "h\u00e9llo \u2713 \U0001F600", b"\x00\xff"]) if i == 2 else c
    for i, c in enumerate(ROUND_TRIPS)
]

# --- the adapter ------------------------------------------------------------------------------

#: what a language reports beside the code, per code: ``Outcomes({1: "APPLICATION", ...})`` (read-only)
Outcomes = types.MappingProxyType


@dataclass(frozen=True)
class Call:
    """One call: ``timeout_ms`` None is the stub's default timeout; ``variant`` the language's way to call."""

    name: str
    args: list[Any]
    timeout_ms: int | None = 5000
    variant: str = ""


@dataclass(frozen=True)
class Reply:
    """One call, normalized: ``code`` 0 or the wire error code; ``value`` the result (None for an error):
    its wire bytes if the driver prints bytes, else the decoded value; ``message`` the error's ("" if none)."""

    code: int
    message: str
    us: float  # elapsed microseconds as the driver measured them
    value: Any = None
    kind: str | None = None  # the language's own kind, class or flags for the outcome, if it reports one


class ProviderClient(ABC):
    """Calls the exported stubs of one language; the class attributes are that language's expectations."""

    #: which scenarios this language runs (names in SCENARIOS)
    scenarios: ClassVar[frozenset[str]]
    #: the folder of the language's services.py and services_v2.py
    here: ClassVar[Path]
    #: results are reported as wire bytes (compared with expected_bytes) or decoded (compared with same_value)
    reports_bytes: ClassVar[bool] = True
    #: what the language reports beside the code, per code; codes not listed: nothing is checked
    kinds: ClassVar[Mapping[int, str | None]] = Outcomes({})
    #: the round trips (every type), and the variants they go through: cycled over the calls, or each call
    #: through every variant
    round_trips: ClassVar[list[tuple[str, list[Any]]]] = ROUND_TRIPS
    round_trip_variants: ClassVar[tuple[str, ...]] = ("",)
    round_trip_every_variant: ClassVar[bool] = False
    #: the variants cycled over the calls of the application error and raw scenarios
    variants: ClassVar[tuple[str, ...]] = ("",)
    #: the timeout of the other calls made with a provider (None: the stub's default)
    plain_timeout_ms: ClassVar[int | None] = 5000
    #: the variants the provider-killed scenario is run through (more than one: one test each)
    killed_variants: ClassVar[tuple[str, ...]] = ("",)
    #: how long the killed call may take to reach the provider, and to report it dead after the kill
    reach_provider_s: ClassVar[float] = 20
    died_within_s: ClassVar[float] = 2.0
    #: the concurrent clients: how long each may take, and whether the test is marked slow
    hammer_timeout_s: ClassVar[float] = 120
    hammer_is_slow: ClassVar[bool] = True
    #: the message of a raw request of 4097 bytes, if the raw scenario tries one
    raw_oversize_message: ClassVar[str | None] = None

    root: Path  # the exported project (services.py, out/metropipe/<name>/...)
    functions: dict[str, Function]  # the E2E functions and echo

    @abstractmethod
    def run(self, calls: Sequence[Call], root: Path | None = None) -> list[Reply]:
        """Make ``calls`` in order in one client process, with the stubs under ``root`` (None: self.root)."""

    @abstractmethod
    def popen(self, call: Call) -> subprocess.Popen[str]:
        """Start a client process making ``call``; :meth:`replies` reads its stdout."""

    @abstractmethod
    def replies(self, out: str) -> list[Reply]:
        """The replies in the stdout of a :meth:`popen` process."""

    @abstractmethod
    def hammer(self, k: int) -> subprocess.Popen[str]:
        """Client process number ``k`` (1..4) hammering add() with arguments only it uses."""

    @abstractmethod
    def check_hammer(self, k: int, out: str) -> None:
        """Assert that client ``k``'s stdout says every result was its own."""

    @abstractmethod
    def raw_root(self, tmp_path: Path) -> Path:
        """The project holding the raw ``echo`` stub and its patched provider (patch_raw_provider)."""

    def matches(self, t: WireType, got: Any, want: Any) -> bool:
        return got == expected_bytes(t, want) if self.reports_bytes else same_value(t, got, want)

    def expect_kind(self, r: Reply) -> None:
        if r.code in self.kinds:
            assert r.kind == self.kinds[r.code], r

    def variant(self, i: int) -> str:
        return self.variants[i % len(self.variants)]


class LineDriverClient(ProviderClient):
    """Go, Rust: one driver program per session holds every stub (echo too). ``driver.popen(*calls)`` runs
    ``driver calls`` on lines ``(name, args, variant, ms)``; it prints "<code> <us> <hex> <kind>" for each
    (the hex of the result's wire bytes, or of the error message); ``driver hammer K N`` hammers add()."""

    variants = ("t",)  # Timeout(ms)

    def __init__(self, driver: Any) -> None:
        self.driver, self.root, self.functions = driver, driver.project.root, driver.functions

    @staticmethod
    def line(c: Call) -> tuple[Any, ...]:
        assert c.timeout_ms is not None
        return (c.name, c.args, c.variant or "t", c.timeout_ms)

    def run(self, calls: Sequence[Call], root: Path | None = None) -> list[Reply]:
        assert root in (None, self.root)  # the one driver
        proc = self.start(calls)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        return self.replies(out)

    def start(self, calls: Sequence[Call]) -> subprocess.Popen[str]:
        return self.driver.popen(*map(self.line, calls))  # type: ignore[no-any-return]

    def popen(self, call: Call) -> subprocess.Popen[str]:
        return self.start([call])

    def replies(self, out: str) -> list[Reply]:
        replies = []
        for line in out.splitlines():
            parts = line.split(" ")
            assert len(parts) == 4, f"not a report line: {line!r} in {out!r}"
            code, us, data, kind = parts
            raw = bytes.fromhex(data)
            replies.append(Reply(int(code), raw.decode("utf-8", "replace"), float(us), None, kind) if int(code)
                           else Reply(0, "", float(us), raw, kind))
        return replies

    def hammer(self, k: int) -> subprocess.Popen[str]:
        return subprocess.Popen([str(self.driver.project.driver), "hammer", str(k), "2000"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def check_hammer(self, k: int, out: str) -> None:
        assert out == "ok 2000\n", f"client {k}"

    def raw_root(self, tmp_path: Path) -> Path:
        return self.root  # echo is exported (and its provider patched) with the project


class CompiledCallsClient(ProviderClient):
    """Java, C#: the calls of each scenario are compiled into one program, which prints
    "<code> <us> <hex>" for each (the hex of the result's wire bytes, or of the error message); no kind
    beside the code. ``Hammer`` (in ``here``) hammers add()."""

    target: ClassVar[str]  # --target of the raw echo export
    reach_provider_s, died_within_s = 30, 3.0  # a VM is slower to start and to notice
    hammer_timeout_s = 300
    hammer_command: list[str]  # set once Hammer is compiled

    def __init__(self, exported: Path, tmp_path: Path) -> None:
        self.root, self.tmp_path, self.builds = exported, tmp_path, 0
        self.functions = {**signatures(exported), "echo": ECHO}

    @abstractmethod
    def compile(self, calls: Sequence[Call], stubs: Path, build: Path) -> list[str]:
        """Compile the program making ``calls`` with the stubs of the project ``stubs`` into the new folder
        ``build``; returns the command that runs it."""

    @abstractmethod
    def compile_hammer(self, build: Path) -> list[str]:
        """Compile ``here``'s Hammer into the new folder ``build``; returns the command (K and N follow)."""

    def command(self, calls: Sequence[Call], root: Path | None = None) -> list[str]:
        self.builds += 1
        build = self.tmp_path / f"calls{self.builds}"
        build.mkdir()
        return self.compile(calls, root or self.root, build)

    def run(self, calls: Sequence[Call], root: Path | None = None) -> list[Reply]:
        proc = subprocess.run(self.command(calls, root), capture_output=True, text=True, timeout=120,
                              encoding="utf-8")
        assert proc.returncode == 0, proc.stderr
        return self.replies(proc.stdout)

    def popen(self, call: Call) -> subprocess.Popen[str]:
        return subprocess.Popen(self.command([call]), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def replies(self, out: str) -> list[Reply]:
        replies = []
        for line in out.splitlines():
            parts = line.split(" ")
            assert len(parts) == 3, f"not a report line: {line!r} in {out!r}"
            code, us, data = parts
            raw = bytes.fromhex(data)
            replies.append(Reply(int(code), raw.decode(), float(us)) if int(code) else Reply(0, "", float(us), raw))
        return replies

    def hammer(self, k: int) -> subprocess.Popen[str]:
        build = self.tmp_path / "hammer"
        if not build.exists():
            build.mkdir()
            self.hammer_command = self.compile_hammer(build)
        return subprocess.Popen([*self.hammer_command, str(k), "2000"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def check_hammer(self, k: int, out: str) -> None:
        assert out == "ok 2000\n", f"client {k}"

    def raw_root(self, tmp_path: Path) -> Path:
        return export_raw_echo(tmp_path / "raw", self.target)


Scenario = Callable[..., None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(f: Scenario) -> Scenario:
    SCENARIOS[f.__name__.removeprefix("test_")] = f
    return f


def _copy(f: Scenario, defaults: tuple[Any, ...] | None = None) -> Scenario:
    """A fresh function object, so a suite's marks (or defaults) never land on the shared scenario."""
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, defaults or f.__defaults__, f.__closure__)
    g.__doc__, g.__qualname__, g.__annotations__ = f.__doc__, f.__qualname__, dict(f.__annotations__)
    return g


def suite(client: type[ProviderClient]) -> type:
    """A test class holding the scenarios ``client`` runs; tests need ``provider_client`` and ``providers``."""
    unknown = client.scenarios - SCENARIOS.keys()
    assert not unknown, f"{client.__name__} names unknown scenarios {sorted(unknown)}"
    methods: dict[str, Any] = {}
    for name, f in SCENARIOS.items():
        if name not in client.scenarios:
            continue
        if name != "provider_killed_mid_call":
            test = _copy(f)
        elif len(client.killed_variants) == 1:  # a default argument: pytest passes it as it is
            test = _copy(f, defaults=client.killed_variants)
        else:  # one test per variant
            test = pytest.mark.parametrize("variant", client.killed_variants)(_copy(f))
        test = pytest.mark.e2e(test)
        if name == "concurrent_clients_never_cross_results" and client.hammer_is_slow:
            test = pytest.mark.slow(test)
        methods[f"test_{name}"] = test
    methods["__doc__"] = f"against the real Python provider (tests/toolchains/provider_semantics.py) through " \
                         f"{client.__name__}"
    methods["__module__"] = client.__module__
    return type("TestProviderSemantics", (), methods)


# --- the scenarios ----------------------------------------------------------------------------


@scenario
def test_every_type_round_trips(self: object, provider_client: ProviderClient, providers: StartProvider) -> None:
    c = provider_client
    for name in {name for name, _ in c.round_trips}:
        providers(name)
    vs = c.round_trip_variants
    if c.round_trip_every_variant:
        plan = [(name, args, v) for v in vs for name, args in c.round_trips]
    else:
        plan = [(name, args, vs[i % len(vs)]) for i, (name, args) in enumerate(c.round_trips)]
    got = c.run([Call(name, args, 5000, v) for name, args, v in plan])
    services = services_module(c.here)
    assert len(got) == len(plan)
    for (name, args, v), r in zip(plan, got, strict=True):
        assert r.code == 0, f"{name}{tuple(args)} {v}: {r.message}"
        want = services.__dict__[name](*args)
        result = c.functions[name].result
        if result is T.FLOAT:
            want = struct.unpack("<f", struct.pack("<f", want))[0]
        assert c.matches(result, r.value, want), f"{name}{tuple(args)} {v}: {r.value!r} != {want!r}"


@scenario
def test_exception_in_the_function_is_an_application_error(self: object, provider_client: ProviderClient,
                                                           providers: StartProvider) -> None:
    c = provider_client
    providers("fail")
    providers("add")
    calls: list[tuple[str, list[Any]]] = [("fail", ["first"]), ("fail", ["second \u00e9"]), ("add", [2, 3])]
    got = c.run([Call(name, args, c.plain_timeout_ms, c.variant(i)) for i, (name, args) in enumerate(calls)])
    assert [(r.code, r.message) for r in got] == [(1, "ValueError: first"), (1, "ValueError: second \u00e9"), (0, "")]
    assert got[0].value is None and got[1].value is None and c.matches(T.INT32, got[2].value, 5), got
    for r in got:
        c.expect_kind(r)


@scenario
def test_layout_mismatch_names_both_signatures(self: object, provider_client: ProviderClient,
                                               providers: StartProvider, tmp_path: Path) -> None:
    c = provider_client
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "services.py").write_text((c.here / "services_v2.py").read_text())
    metropipe("export", "add", "services.py", "--target", "python", "--out", "out", "-q", cwd=v2)
    providers("add", root=v2)
    (r,) = c.run([Call("add", [1, 2], c.plain_timeout_ms)])
    assert r.code == 2, r
    c.expect_kind(r)
    assert "add(int64,int64)->int64" in r.message
    assert r.message.endswith("; this stub was generated for add(int32,int32)->int32")


@scenario
def test_provider_killed_mid_call(self: object, provider_client: ProviderClient, providers: StartProvider,
                                  variant: str) -> None:
    c = provider_client
    provider = providers("slow")
    client = c.popen(Call("slow", [30.0], 8000, variant))
    try:
        wait_busy(provider, client, c.reach_provider_s)
        killed = time.monotonic()
        provider.proc.send_signal(signal.SIGKILL)
        provider.proc.wait(timeout=10)  # reap it: a zombie still answers kill(pid, 0), as a live process does
        out, err = client.communicate(timeout=20)
        waited = time.monotonic() - killed
    finally:
        if client.poll() is None:
            client.kill()
    assert len(out.splitlines()) == 1, (out, err)  # one report line, nothing else
    (r,) = c.replies(out)
    assert r.code == 19, (r, err)
    c.expect_kind(r)
    assert re.fullmatch(r"the provider of 'slow' \(pid \d+\) died while running this call", r.message)
    assert waited < c.died_within_s and r.us < 8_000_000  # well within the 8 s timeout
    assert header_words(provider.channel)[:2] == (0, 0)  # IDLE and unlocked again


@scenario
def test_provider_killed_but_not_reaped_counts_as_dead(self: object, provider_client: ProviderClient,
                                                       shm_dir: Path) -> None:
    """A zombie provider (SIGKILLed, its parent not waiting yet) is dead for the client."""
    c = provider_client
    slow = start_provider(c.root, shm_dir, "slow")
    client = None
    try:
        client = c.popen(Call("slow", [30.0], 8000))
        wait_busy(slow, client, c.reach_provider_s)
        os.kill(slow.proc.pid, signal.SIGKILL)  # a zombie until slow.stop() reaps it
        out, _err = client.communicate(timeout=20)
        (r,) = c.replies(out)
        assert r.code == 19, r
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        slow.stop()


@scenario
def test_concurrent_clients_never_cross_results(self: object, provider_client: ProviderClient,
                                                providers: StartProvider) -> None:
    c = provider_client
    providers("add")
    clients = [c.hammer(k) for k in range(1, 5)]
    for k, client in enumerate(clients, 1):
        out, err = client.communicate(timeout=c.hammer_timeout_s)
        assert client.returncode == 0, f"client {k}: {err}"
        c.check_hammer(k, out)


@scenario
def test_raw_function_round_trips(self: object, provider_client: ProviderClient, providers: StartProvider,
                                  tmp_path: Path) -> None:
    c = provider_client
    root = c.raw_root(tmp_path)
    providers("echo", root=root)
    full = bytes(range(256)) * 16
    requests = [b"abc\x00d", b"", full, b"boom", b"big"]
    if c.raw_oversize_message is not None:
        requests.append(bytes(4097))
    got = c.run([Call("echo", [r], c.plain_timeout_ms, c.variant(i)) for i, r in enumerate(requests)], root=root)
    assert len(got) == len(requests)
    for r, want in zip(got[:3], [b"d\x00cba", b"", full[::-1]], strict=True):
        assert r.code == 0 and c.matches(T.BYTES, r.value, want), r
    assert (got[3].code, got[3].message) == (1, "ValueError: boom")
    assert got[4].code == 4, got[4]  # the provider's result does not fit: a bad result
    if c.raw_oversize_message is not None:
        assert (got[5].code, got[5].message) == (17, c.raw_oversize_message)
    for r in got:
        c.expect_kind(r)


#: what every language runs; languages add explicitly
COMMON = frozenset({
    "every_type_round_trips", "exception_in_the_function_is_an_application_error",
    "layout_mismatch_names_both_signatures", "provider_killed_mid_call", "concurrent_clients_never_cross_results",
    "raw_function_round_trips",
})
