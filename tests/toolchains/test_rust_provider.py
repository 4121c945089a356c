"""The Rust provider (``provider.rs``), built with the real rustc and called from the Python client.

``tests/toolchains/rust_provider/calc.rs`` is a library file written like real code (inner
attributes, ``//!`` docs, nested modules, an ``impl``, generics elsewhere, ``#[cfg(test)]``);
``private.rs`` holds a private ``fn`` (the provider includes the file). One unified provider
serves every function of both files from one process (one thread per channel); the tests call
it from Python processes and poke the channel directly for what a well-behaved client never
sends (a bad bool byte, a wrong fingerprint). Other tests build the namespace-mode provider with
the exact command ``export`` prints, and check registration, recovery, signals and idleness.
"""

from __future__ import annotations

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

import pytest

from metropipe import layout
from tests.conftest import ROOT, metropipe, require
from tests.toolchains.provider_project import wait_answered

pytestmark = pytest.mark.toolchain

HERE = Path(__file__).resolve().parent / "rust_provider"
CALC = ["describe", "add", "negate", "half", "scale", "invert", "shout", "sign", "blob_of", "reverse",
        "parse_number", "check", "isqrt", "repeat", "slow", "noop", "checksum", "chars", "total", "start"]
START = re.compile(r"^start the provider with: (.+)$", re.M)


def header(shm: Path, channel: str) -> tuple[int, ...]:
    data = (shm / f"metro_{channel}").read_bytes()[:32]
    return struct.unpack("<6IQ", data.ljust(32, b"\0"))


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@dataclass
class Served:
    """A provider process started with export's one-line command (``sh -c``)."""

    root: Path
    shm: Path
    env: dict[str, str]
    channels: list[str]
    proc: subprocess.Popen[str] | None = None
    pid: int = 0
    stderr: list[str] = field(default_factory=list)

    def start(self, command: str, args: str = "", wait: bool = True, timeout: float = 300) -> Served:
        self.proc = subprocess.Popen(["sh", "-c", command + args], cwd=self.root, env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        """Ready when every channel names a live PID of ours (spec 6.3 step 1)."""
        assert self.proc is not None
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"provider exited {self.proc.returncode}:\n{out}{err}")
            pids = set()
            for ch in self.channels:
                path = self.shm / f"metro_{ch}"
                pids.add(header(self.shm, ch)[5] if path.exists() else 0)
            if len(pids) == 1 and 0 not in pids:
                pid = pids.pop()
                if pid == self.proc.pid or _parent(pid) == self.proc.pid:
                    self.pid = pid
                    return
            time.sleep(0.01)
        raise AssertionError(f"the provider did not register within {timeout} s")

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        assert self.proc is not None
        if self.proc.poll() is None and self.pid:
            os.kill(self.pid, sig)
        try:
            _out, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate()
        return self.proc.returncode, err

    def client(self, code: str, env: dict[str, str] | None = None) -> object:
        """Run ``code`` in a new Python process in the project; it prints JSON on its last line."""
        prelude = "import json, sys\nsys.path.insert(0, '.')\n"
        proc = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], cwd=self.root,
                              env=env or self.env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _project(tmp: Path) -> tuple[Path, Path, dict[str, str]]:
    root = tmp / "project"
    (root / "src").mkdir(parents=True)
    for name in ("calc.rs", "private.rs", "nested_private.rs"):
        shutil.copy(HERE / name, root / "src" / name)
    shm = tmp / "shm"
    shm.mkdir(mode=0o700)
    env = {**os.environ, "METROPIPE_DIR": str(shm)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return root, shm, env


def export(root: Path, function: str, source: str, *mode: str) -> str:
    """Export for the Python client; returns the printed start command."""
    out = metropipe("export", function, source, "--target", "python", *mode, cwd=root).stdout
    m = START.search(out)
    assert m, out
    return m.group(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Every function of calc.rs and private.rs in one unified provider."""
    require("rustc")
    root, shm, env = _project(tmp_path_factory.mktemp("rust-provider"))
    command = ""
    for fn in CALC:
        command = export(root, fn, "src/calc.rs", "--unify")
    command = export(root, "greet", "src/private.rs", "--unify")
    assert command == "rustc --edition 2021 -O metropipe_provider.rs -o metropipe_provider && ./metropipe_provider"
    s = Served(root, shm, env, [*CALC, "greet"]).start(command)
    yield s
    s.stop()


# --- every type, errors, bad values ------------------------------------------------------


def test_every_type_round_trips(served: Served) -> None:
    got = served.client("""
        import metropipe_stubs as m
        print(json.dumps([
            m.describe(-5, 2**62, 1.5, -0.1, True, "h\\u00e9llo \\u2713", b"\\x00\\xff"),
            m.describe(2**31 - 1, -2**63, -0.0, 1e300, False, "", b""),
            m.describe(-2**31, 2**63 - 1, 3.4028234663852886e38, 5e-324, True, "x" * 252, bytes([7]) * 4092),
            m.add(2, 3), m.add(2**31 - 1, 1), m.negate(-2**63 + 1), m.negate(5),
            m.half(3.0), m.half(1e-45), m.scale(1.5, -4.0), m.invert(True),
            m.shout("h\\u00e9"), m.sign(-3), m.sign(0), m.blob_of(3, 255).hex(), len(m.blob_of(4092, 1)),
            m.reverse(b"abc").hex(), m.parse_number(" 2.5 "), m.check(1, 2), m.isqrt(17), m.noop(),
            m.checksum(2, 1.5), m.chars("h\\u00e9llo"), m.total(bytes(range(256))), m.start(),
            m.greet("bob", True),
        ]))
    """)
    assert got == [
        "-5|4611686018427387904|1.5|-0.1|true|7:h\u00e9llo \u2713|2:255",
        f"2147483647|{-2**63}|-0.0|1e300|false|0:|0:0",
        f"-2147483648|{2**63 - 1}|3.4028235e38|5e-324|true|252:{'x' * 12}|4092:{7 * 4092}",
        5, -2**31, 2**63 - 1, -5,
        1.5, 0.0, -6.0, False,
        "H\u00c9!", "negative", "zero", "ffffff", 4092,
        "636261", 2.5, None, 4, None,
        63, 5, sum(range(256)), 100,
        "Hello, bob! (626f62)",
    ]


def test_errors_reach_the_caller_and_the_provider_keeps_serving(served: Served) -> None:
    got = served.client("""
        import metropipe_stubs as m
        out = []
        for call in (lambda: m.parse_number("abc"), lambda: m.reverse(b""), lambda: m.check(5, 2),
                     lambda: m.isqrt(-4), lambda: m.parse_number("\\u00e9" * 100)):
            try:
                call()
                out.append("no error")
            except m.RemoteError as e:
                out.append([e.code, str(e)])
        out.append(m.parse_number("7"))
        print(json.dumps(out))
    """)
    assert got == [
        [1, 'ParseError: cannot parse "abc": not a number'],
        [1, "nothing to reverse"],
        [1, "5 is over the limit 2"],
        [1, "panic: isqrt of a negative number: -4"],
        [1, 'ParseError: cannot parse "' + "\u00e9" * 100 + '": not a number'],
        7.0,
    ]


def test_result_that_does_not_fit_is_bad_result(served: Served) -> None:
    got = served.client("""
        import metropipe_stubs as m
        ok = m.repeat("ab", 126)
        try:
            m.repeat("ab", 127)
        except m.ProtocolError as e:
            print(json.dumps([len(ok), e.code, str(e)]))
    """)
    assert got == [252, 4, "bad result: repeat() returned 254 bytes of string; the wire's string slot holds at "
                           "most 252"]


def test_bad_values_are_refused_by_the_client(served: Served) -> None:
    got = served.client("""
        import metropipe_stubs as m
        out = []
        for call in (lambda: m.add(2**31, 1), lambda: m.shout("x" * 253), lambda: m.total(bytes(4093)),
                     lambda: m.half(1e39), lambda: m.invert(1)):
            try:
                call()
                out.append("no error")
            except m.ArgumentError as e:
                out.append(e.code)
        print(json.dumps(out))
    """)
    assert got == [17, 17, 17, 17, 17]


class Raw:
    """A hand-made caller: writes a request the way spec 6.2 says (or breaks it on purpose)."""

    def __init__(self, shm: Path, channel: str) -> None:
        self.f = open(shm / f"metro_{channel}", "r+b")  # closed in close()
        self.m = mmap.mmap(self.f.fileno(), 0)

    def close(self) -> None:
        self.m.close()
        self.f.close()

    def call(self, payload: bytes, fingerprint: int, timeout: float = 20) -> tuple[int, int, bytes]:
        m = self.m
        end = time.monotonic() + timeout
        while struct.unpack_from("<I", m, 4)[0] != 0:  # wait for the lock to be free, then take it
            assert time.monotonic() < end
            time.sleep(0.001)
        struct.pack_into("<I", m, 4, os.getpid())
        m[32:32 + len(payload)] = payload
        struct.pack_into("<I", m, 8, len(payload))
        struct.pack_into("<Q", m, 24, fingerprint)
        struct.pack_into("<I", m, 0, 1)  # REQUEST (the provider wakes within a slice)
        while struct.unpack_from("<I", m, 0)[0] & 0xFF not in (3, 4):
            assert time.monotonic() < end, "no answer"
            time.sleep(0.001)
        state = struct.unpack_from("<I", m, 0)[0] & 0xFF
        size, _cap, code = struct.unpack_from("<III", m, 8)
        data = bytes(m[32:32 + size])
        struct.pack_into("<I", m, 4, 0)
        return state, code, data


def error_text(data: bytes) -> str:
    n = struct.unpack_from("<I", data)[0]
    return data[4:4 + n].decode()


def fingerprint(signature: str) -> int:
    return layout.fingerprint(signature)


def test_malformed_requests_are_bad_request(served: Served) -> None:
    raw = Raw(served.shm, "invert")
    try:
        fp = fingerprint("invert(bool)->bool")
        assert raw.call(b"\x01", fp) == (3, 0, b"\x00")
        state, code, data = raw.call(b"\x02", fp)
        assert (state, code, error_text(data)) == (4, 3, "bad request: 'flag' has bool byte 2")
    finally:
        raw.close()
    raw = Raw(served.shm, "shout")
    try:
        fp = fingerprint("shout(string)->string")
        state, code, data = raw.call(struct.pack("<I", 253) + b"x" * 253, fp)
        assert (state, code, error_text(data)) == (4, 3, "bad request: 'text' has length 253 > 252")
        state, code, data = raw.call(struct.pack("<I", 2) + b"\xc3\x28", fp)
        assert (state, code, error_text(data)) == (4, 3, "bad request: 'text' is not valid UTF-8")
        state, code, data = raw.call(struct.pack("<I", 2) + b"ok", fp)
        assert (state, code, data[4:4 + struct.unpack_from("<I", data)[0]]) == (3, 0, b"OK!")
    finally:
        raw.close()
    raw = Raw(served.shm, "total")
    try:
        state, code, data = raw.call(struct.pack("<I", 4093), fingerprint("total(bytes)->int64"))
        assert (state, code, error_text(data)) == (4, 3, "bad request: 'data' has length 4093 > 4092")
    finally:
        raw.close()


def test_layout_mismatch_is_answered_before_decoding(served: Served) -> None:
    raw = Raw(served.shm, "add")
    try:
        state, code, data = raw.call(struct.pack("<qq", 1, 2), fingerprint("add(int64,int64)->int64"))
    finally:
        raw.close()
    assert (state, code) == (4, 2)
    text = error_text(data)
    assert text.startswith("layout mismatch on channel 'add': the provider serves add(int32,int32)->int32 "
                           f"(fingerprint 0x{fingerprint('add(int32,int32)->int32'):016x}) but the caller's stub")
    assert served.client("import metropipe_stubs as m\nprint(m.add(40, 2))") == 42


def test_concurrent_callers_of_several_channels(served: Served) -> None:
    code = """
        import metropipe_stubs as m
        out = [m.add(i, 1) == i + 1 and m.shout("a") == "A!" and m.negate(i) == -i for i in range(300)]
        print(json.dumps(all(out)))
    """
    procs = [subprocess.Popen([sys.executable, "-c", "import json, sys\nsys.path.insert(0, '.')\n"
                               + textwrap.dedent(code)], cwd=served.root, env=served.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "true"


def test_idle_provider_uses_no_measurable_cpu(served: Served) -> None:
    def cpu() -> float:
        fields = Path(f"/proc/{served.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    time.sleep(0.2)  # past the 50 ms of short slices
    before = cpu()
    time.sleep(2.0)
    assert cpu() - before < 0.2  # 21 channels x 100 wake-ups/s; generous for a shared machine


# --- the printed command, registration, recovery, signals ---------------------------------


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    require("rustc")
    return _project(tmp_path)


def test_printed_command_builds_and_serves_namespace_mode(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    command = export(root, "describe", "src/calc.rs")
    assert command == ("rustc --edition 2021 -O metropipe/describe/provider.rs -o metropipe/describe/provider"
                       " && metropipe/describe/provider")
    text = (root / "metropipe" / "describe" / "provider.rs").read_text()
    assert '#[path = "../../src/calc.rs"]' in text
    s = Served(root, shm, env, ["describe"]).start(command)
    try:
        got = s.client("""
            from metropipe.describe.stub import describe
            print(json.dumps(describe(1, 2, 0.5, 0.25, True, "t", b"\\x01")))
        """)
        assert got == "1|2|0.5|0.25|true|1:t|1:1"
    finally:
        status, err = s.stop()
    assert status == 0, err
    assert "metropipe provider: serving describe(int32,int64,float,double,bool,string,bytes)->string on " in err
    assert header(shm, "describe")[5] == 0  # unregistered


def test_generated_code_is_warning_free(project: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    root, _shm, _env = project
    for fn in CALC:
        export(root, fn, "src/calc.rs", "--unify")
    export(root, "greet", "src/private.rs", "--unify")
    export(root, "add", "src/calc.rs", "--flat")
    for source in (root / "metropipe_provider.rs", root / "metropipe" / "add_provider.rs"):
        for edition in ("2021", "2024"):
            cmd = [require("rustc"), "--edition", edition, "-D", "warnings", str(source), "-o",
                   str(tmp_path / f"p{edition}")]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr


def test_owned_types_spelled_with_their_paths(project: tuple[Path, Path, dict[str, str]]) -> None:
    """`std::string::String` and `std::vec::Vec<u8>` are passed by value, like `String` and `Vec<u8>`."""
    root, shm, env = project
    (root / "src" / "paths.rs").write_text(
        "pub fn tag(text: std::string::String, raw: &[u8], more: std::vec::Vec<u8>) -> std::string::String {\n"
        "    format!(\"{}:{}:{}\", text, raw.len(), more.len())\n}\n")
    s = Served(root, shm, env, ["tag"]).start(export(root, "tag", "src/paths.rs"))
    try:
        assert s.client("""
            from metropipe.tag.stub import tag
            print(json.dumps(tag("x", b"ab", b"cde")))
        """) == "x:2:3"
    finally:
        status, err = s.stop()
    assert status == 0, err


def test_second_provider_is_refused_and_a_stopped_one_unregisters(
        project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    command = export(root, "add", "src/calc.rs")
    first = Served(root, shm, env, ["add"]).start(command)
    try:
        second = Served(root, shm, env, ["add"]).start("metropipe/add/provider", wait=False)
        assert second.proc is not None
        _out, err = second.proc.communicate(timeout=30)
        assert second.proc.returncode == 1
        assert f"already served by a provider (pid {first.pid})" in err
        assert header(shm, "add")[5] == first.pid
    finally:
        status, _err = first.stop(signal.SIGINT)
    assert status == 0
    assert header(shm, "add")[5] == 0
    # a provider that died without unregistering leaves its PID: the next one takes the slot over
    data = bytearray((shm / "metro_add").read_bytes())
    struct.pack_into("<I", data, 20, dead_pid())
    (shm / "metro_add").write_bytes(bytes(data))
    third = Served(root, shm, env, ["add"]).start("metropipe/add/provider")
    try:
        assert third.client("from metropipe.add.stub import add\nprint(add(1, 1))") == 2
    finally:
        third.stop()


def test_busy_left_by_a_dead_provider_is_answered_provider_restarted(
        project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    command = export(root, "add", "src/calc.rs")
    build = subprocess.run(["sh", "-c", command.split(" && ")[0]], cwd=root, capture_output=True, text=True,
                           timeout=600)
    assert build.returncode == 0, build.stderr
    path = shm / "metro_add"
    data = bytearray(32 + 1024)
    struct.pack_into("<6IQ", data, 0, 2 | 0x80000000, 0, 8, 1024, 0, dead_pid(), 0)  # BUSY, a dead provider
    path.write_bytes(bytes(data))
    os.chmod(path, 0o600)
    s = Served(root, shm, env, ["add"]).start("metropipe/add/provider")
    try:
        wait_answered(path)
        status, _lock, size, _cap, code, provider, _fp = header(shm, "add")
        assert (status & 0xFF, code, provider) == (4, 5, s.pid)
        assert error_text((path.read_bytes())[32:32 + size]) == \
            "a provider died while running this call; it was not re-run"
        assert s.client("from metropipe.add.stub import add\nprint(add(2, 2))") == 4
    finally:
        s.stop()


def test_sigterm_finishes_the_call_in_flight(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    s = Served(root, shm, env, ["slow"]).start(export(root, "slow", "src/calc.rs"))
    caller = subprocess.Popen([sys.executable, "-c", "import sys; sys.path.insert(0, '.')\n"
                               "from metropipe.slow.stub import slow\nprint(slow(800))"],
                              cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 30
    while header(shm, "slow")[0] & 0xFF != 2:  # BUSY: the provider runs it
        assert time.monotonic() < end and caller.poll() is None
        time.sleep(0.005)
    status, err = s.stop(signal.SIGTERM)
    out, cerr = caller.communicate(timeout=30)
    assert (status, caller.returncode, out.strip()) == (0, 0, "800"), (err, cerr)
    assert header(shm, "slow")[5] == 0


def test_unified_provider_serves_the_functions_named(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    export(root, "add", "src/calc.rs", "--unify")
    command = export(root, "greet", "src/private.rs", "--unify")
    bad = subprocess.run(["sh", "-c", command + " nope"], cwd=root, env=env, capture_output=True, text=True,
                         timeout=600)
    assert bad.returncode == 2
    assert "unknown function 'nope'; this provider serves: add, greet" in bad.stderr
    s = Served(root, shm, env, ["greet"]).start(command, " greet")
    try:
        assert s.client("import metropipe_stubs as m\nprint(json.dumps(m.greet('al', False)))") == \
            "Hello, al. (616c)"
        assert not (shm / "metro_add").exists()
    finally:
        s.stop()


def test_changed_signature_no_longer_builds(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, _shm, env = project
    command = export(root, "add", "src/calc.rs")
    source = root / "src" / "calc.rs"
    source.write_text(source.read_text().replace("pub fn add(a: i32, b: i32) -> i32 {\n    a.wrapping_add(b)",
                                                 "pub fn add(a: i64, b: i32) -> i64 {\n    a + i64::from(b)"))
    proc = subprocess.run(["sh", "-c", command], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert "mismatched types" in proc.stderr


def test_private_fn_in_a_module_is_a_diagnostic(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, _shm, _env = project
    proc = metropipe("export", "secret", "src/nested_private.rs", "--target", "python", cwd=root, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("src/nested_private.rs:3:8: error: Rust provider: 'secret' is private to mod "
                                   "'inner', so the provider cannot call it; make it pub(crate) (or pub)")


# --- a function of a Cargo crate ------------------------------------------------------------

CRATE = HERE / "crate"  # inventory: lib.rs `pub mod stock; mod util;`, a path dependency vendor/units


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _note(root: Path, function: str, source: str, *mode: str) -> tuple[str, str]:
    """Export for the Python client: (the printed start command, the Rust provider's note)."""
    proc = metropipe("export", function, source, "--target", "python", *mode, cwd=root)
    m = START.search(proc.stdout)
    assert m, proc.stdout
    notes = [line for line in proc.stderr.splitlines() if line.startswith("metropipe: note: Rust provider:")]
    assert len(notes) == 1, proc.stderr
    return m.group(1), notes[0].removeprefix("metropipe: note: ")


@pytest.fixture
def crate_project(project: tuple[Path, Path, dict[str, str]]) -> tuple[Path, Path, dict[str, str]]:
    require("cargo")
    root, shm, env = project
    shutil.copytree(CRATE, root / "crate")
    env = {**env, "CARGO_TARGET_DIR": str(root.parent / "elsewhere")}  # the printed command does not depend on it
    return root, shm, env


def test_crate_function_is_called_through_its_crate(crate_project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = crate_project
    before = _snapshot(root / "crate")
    command, note = _note(root, "reorder_level", "crate/src/stock.rs")
    package = "metropipe/reorder_level/provider_cargo"
    assert command == (f"cargo build --offline --release --manifest-path {package}/Cargo.toml --target-dir "
                       f"{package}/target && {package}/target/release/provider")
    assert note == ("Rust provider: 'reorder_level' is called as inventory::stock::reorder_level from a generated "
                    "Cargo package that depends on the crate inventory (crate/Cargo.toml), so the whole crate and its "
                    "dependencies are built as for you")
    manifest = (root / package / "Cargo.toml").read_text()
    assert 'inventory = { package = "inventory", path = "../../../crate" }' in manifest
    assert "\n[workspace]\n" in manifest
    provider = (root / "metropipe" / "reorder_level" / "provider.rs").read_text()
    assert "::inventory::stock::reorder_level(" in provider and "stock.rs\"]" not in provider

    def call() -> object:
        s = Served(root, shm, env, ["reorder_level"]).start(command)
        try:
            return s.client("""
                from metropipe.reorder_level.stub import reorder_level, RemoteError
                out = [reorder_level("bolts", 10, 3), reorder_level("nuts", 0, 1)]
                for args in (("bolts", -1, 3), ("bolts", 1, 0)):
                    try:
                        reorder_level(*args)
                    except RemoteError as e:
                        out.append([e.code, str(e)])
                print(json.dumps(out))
            """)
        finally:
            status, err = s.stop()
            assert status == 0, err

    assert call() == [60, 0, [1, "bolts: negative daily sales -1"], [1, "bolts: 0 days is not between 1 and 365"]]
    assert _snapshot(root / "crate") == before  # nothing is written into the user's crate
    assert not (root.parent / "elsewhere").exists()
    # an edit anywhere in the crate (here a private module) is built by the same command
    util = root / "crate" / "src" / "util.rs"
    util.write_text(util.read_text().replace("(value + step - 1) / step * step", "(value + step) / step * step"))
    assert call()[:2] == [60, 12]


def test_private_fn_of_a_crate_is_compiled_alone_with_a_note(
        crate_project: tuple[Path, Path, dict[str, str]]) -> None:
    root, _shm, env = crate_project
    command, note = _note(root, "packs", "crate/src/stock.rs")
    assert command == "rustc --edition 2021 -O metropipe/packs/provider.rs -o metropipe/packs/provider && " \
                      "metropipe/packs/provider"
    assert note == ("Rust provider: 'packs': crate/src/stock.rs is compiled into the provider on its own, not through "
                    "its crate ('packs' is private, not pub), so crate:: paths, other modules and the crate's "
                    "dependencies are not available to it")
    build = subprocess.run(["sh", "-c", command.split(" && ")[0]], cwd=root, env=env, capture_output=True, text=True,
                           timeout=600)
    assert build.returncode != 0 and "units" in build.stderr  # what the note said: the crate's dependency is missing
    _command, note = _note(root, "round_up", "crate/src/util.rs")
    assert "not through its crate (`mod util` in crate/src/lib.rs is private, not pub)" in note
    (root / "crate" / "src" / "bin").mkdir()
    (root / "crate" / "src" / "bin" / "tool.rs").write_text("pub fn twice(x: i32) -> i32 {\n    x * 2\n}\n"
                                                            "fn main() {}\n")
    _command, note = _note(root, "twice", "crate/src/bin/tool.rs")
    assert "crate/src/lib.rs does not declare `pub mod bin;`" in note
    _command, note = _note(root, "add", "src/calc.rs")
    assert note == ("Rust provider: 'add': src/calc.rs is compiled into the provider on its own (it is in no Cargo "
                    "package)")


def test_unified_provider_of_a_crate_and_a_plain_file_in_a_workspace(
        crate_project: tuple[Path, Path, dict[str, str]]) -> None:
    """One package serves crate functions and a self-contained file; a workspace above does not claim it."""
    root, shm, env = crate_project
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["crate"]\nresolver = "2"\n')
    export(root, "reorder_packs", "crate/src/stock.rs", "--unify")
    export(root, "add", "src/calc.rs", "--unify")
    command = export(root, "reorder_level", "crate/src/stock.rs", "--unify")
    package = "metropipe_provider_cargo"
    assert command == (f"cargo build --offline --release --manifest-path {package}/Cargo.toml --target-dir "
                       f"{package}/target && {package}/target/release/metropipe_provider")
    s = Served(root, shm, env, ["add", "reorder_level", "reorder_packs"]).start(command)
    try:
        assert s.client("""
            import metropipe_stubs as m
            print(json.dumps([m.add(2, 3), m.reorder_level("x", 10, 3), m.reorder_packs("x", 10, 3)]))
        """) == [5, 60, 5]
    finally:
        status, err = s.stop()
    assert status == 0, err


def test_crate_provider_is_warning_free(crate_project: tuple[Path, Path, dict[str, str]]) -> None:
    root, _shm, env = crate_project
    export(root, "reorder_level", "crate/src/stock.rs")
    export(root, "reorder_level", "crate/src/stock.rs", "--flat")
    export(root, "add", "src/calc.rs", "--unify")
    export(root, "reorder_packs", "crate/src/stock.rs", "--unify")
    for package in ("metropipe/reorder_level/provider_cargo", "metropipe/reorder_level_provider_cargo",
                    "metropipe_provider_cargo"):
        # -D warnings for the provider's own code only (the user's crate is built as cargo builds it)
        proc = subprocess.run(["cargo", "rustc", "--offline", "--release", "--manifest-path", f"{package}/Cargo.toml",
                               "--target-dir", f"{package}/target", "--", "-D", "warnings"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr


def test_what_the_parser_records_about_the_crate(tmp_path: Path) -> None:
    """The module path of a file in its library, and why another crate could not call the function."""
    from metropipe.parse import parse

    pkg = tmp_path / "ws" / "shop"
    (pkg / "src" / "a" / "b").mkdir(parents=True)
    (tmp_path / "ws" / "Cargo.toml").write_text('[workspace]\nmembers = ["shop"]\n')
    (pkg / "Cargo.toml").write_text('[package]\nname = "my-shop"\nversion = "0.1.0"\n\n[lib]\nname = "shoplib"\n')
    (pkg / "src" / "lib.rs").write_text("pub mod a;\n#[path = \"elsewhere.rs\"]\npub mod moved;\n"
                                        "pub fn top() -> i32 {\n    1\n}\n")
    (pkg / "src" / "a" / "mod.rs").write_text("pub mod b;\npub(crate) mod c;\n")
    (pkg / "src" / "a" / "b" / "mod.rs").write_text(
        "pub mod inner {\n    pub fn deep() -> i32 {\n        2\n    }\n}\n"
        "mod hidden {\n    pub fn shy() -> i32 {\n        3\n    }\n}\n"
        "pub struct T;\nimpl T {\n    pub fn make() -> i32 {\n        4\n    }\n}\n")
    (pkg / "src" / "a" / "c.rs").write_text("pub fn five() -> i32 {\n    5\n}\n")
    (pkg / "src" / "moved.rs").write_text("pub fn six() -> i32 {\n    6\n}\n")

    def crate(source: Path, name: str) -> dict[str, str]:
        return {k: v for k, v in parse(str(source), name).native.items() if k.startswith("crate")}

    root = {"crate_package": "my-shop", "crate": "shoplib"}
    assert crate(pkg / "src" / "lib.rs", "top") == {**root, "crate_root": "..", "crate_module": "",
                                                    "crate_private": ""}
    b = pkg / "src" / "a" / "b" / "mod.rs"
    assert crate(b, "deep") == {**root, "crate_root": "../../..", "crate_module": "a::b", "crate_private": ""}
    assert crate(b, "shy")["crate_private"] == "the inline `mod hidden` is not pub"
    assert crate(b, "make")["crate_private"] == \
        "'make' is an associated fn of T (only free fns are called by their crate path)"
    assert crate(pkg / "src" / "a" / "c.rs", "five")["crate_private"] == \
        f"`mod c` in {os.path.relpath(pkg / 'src' / 'a' / 'mod.rs')} is pub(crate), not pub"
    assert crate(pkg / "src" / "moved.rs", "six")["crate_private"].endswith(
        "does not declare `pub mod moved;` (a plain one, without #[path])")
    (tmp_path / "loose.rs").write_text("pub fn seven() -> i32 {\n    7\n}\n")
    assert crate(tmp_path / "loose.rs", "seven") == {}  # no package (only a workspace manifest above: also none)
    (tmp_path / "ws" / "loose.rs").write_text("pub fn seven() -> i32 {\n    7\n}\n")
    assert crate(tmp_path / "ws" / "loose.rs", "seven") == {}
    (pkg / "Cargo.toml").write_text("[package\n")
    proc = metropipe("export", "top", str(pkg / "src" / "lib.rs"), "--target", "python", cwd=tmp_path, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("ws/shop/Cargo.toml:1:1: error: cannot read the Cargo package's manifest")
