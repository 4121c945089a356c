"""The C provider (metropipe/targets/c_provider): built with the real make and gcc, called from Python.

Fixtures (tests/toolchains/c_provider/): textkit.h + textkit.c, a library written like real C
(export macros, extern "C" guards, typedefs, attributes, every calling convention of
docs/types.md), and wordcount.c, a one-file program with its own main() and a static function.
Every provider is built and started with the command ``metropipe export`` prints.
"""

from __future__ import annotations

import json
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
from pathlib import Path
from typing import Any

import pytest

from metropipe import layout
from metropipe.model import Function, Param, WireType
from tests.conftest import ROOT, metropipe, require
from tests.toolchains.provider_project import wait_answered

pytestmark = pytest.mark.toolchain
HERE = Path(__file__).resolve().parent / "c_provider"
TEXTKIT = ["tk_add", "tk_scale", "tk_halve", "tk_divide", "tk_is_even", "tk_greet", "tk_join", "tk_hash",
           "tk_reverse", "tk_parse", "tk_check", "tk_touch", "tk_touches", "tk_misbehave", "tk_overclaim", "tk_twice"]


def header(shm: Path, channel: str) -> tuple[int, ...]:
    data = (shm / f"metro_{channel}").read_bytes()[:32]
    return struct.unpack("<6IQ", data.ljust(32, b"\0"))


def start_command(export_stdout: str) -> str:
    m = re.search(r"^start the provider with: (.+)$", export_stdout, re.M)
    assert m, export_stdout
    return m.group(1)


class Running:
    """A provider started with export's one-line command (a shell: make, then the binary)."""

    def __init__(self, root: Path, shm: Path, command: str, channel: str, env: dict[str, str]) -> None:
        self.root, self.shm, self.channel = root, shm, channel
        self.proc = subprocess.Popen(["sh", "-c", command], cwd=root, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.pid = self._wait_registered()

    def _wait_registered(self, timeout: float = 240.0) -> int:
        end = time.monotonic() + timeout
        path = self.shm / f"metro_{self.channel}"
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"provider exited {self.proc.returncode}: {self.proc.stderr.read()}")  # type: ignore[union-attr]
            if path.exists() and path.stat().st_size >= 32:
                pid = header(self.shm, self.channel)[5]
                if pid and _child_of(pid, self.proc.pid):
                    return pid
            time.sleep(0.01)
        raise AssertionError("the provider did not register in time")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the provider itself; its exit status."""
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        out = self.proc.returncode
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return out

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)


def _child_of(pid: int, parent: int) -> bool:
    for _ in range(4):
        if pid == parent:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
    return False


def client(root: Path, env: dict[str, str], code: str) -> object:
    """Run ``code`` in a Python process from ``root``; it prints JSON on its last line."""
    prelude = "import json, sys\nsys.path.insert(0, '.')\n"
    proc = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def environment(shm: Path) -> dict[str, str]:
    env = {**os.environ, "METROPIPE_DIR": str(shm)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def textkit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, dict[str, str], Running]]:
    """Every textkit function exported from the header (--unify): one provider binary serving all."""
    require("make")
    require("gcc")
    root = tmp_path_factory.mktemp("textkit")
    for name in ("textkit.h", "textkit.c"):
        shutil.copy(HERE / name, root / name)
    shm = root / "shm"
    shm.mkdir(mode=0o700)
    env = environment(shm)
    out = ""
    for fn in TEXTKIT:
        out = metropipe("export", fn, "textkit.h", "--target", "python", "--unify", cwd=root).stdout
    command = start_command(out)
    assert command == "make -s -f metropipe_provider.mk && ./metropipe_provider"
    running = Running(root, shm, command, "tk_add", env)
    for fn in TEXTKIT:  # every channel is served by the one process
        end = time.monotonic() + 30
        while not ((shm / f"metro_{fn}").exists() and header(shm, fn)[5] == running.pid):
            assert time.monotonic() < end, fn
            time.sleep(0.01)
    yield root, shm, env, running
    running.kill()


def test_every_type_round_trips(textkit: tuple[Path, Path, dict[str, str], Running]) -> None:
    root, _, env, _ = textkit
    got = client(root, env, """
        from metropipe_stubs import *
        tk_touch(); tk_touch()
        print(json.dumps([
            tk_add(2, 40), tk_add(2**31 - 1, 1), tk_scale(-3_000_000_000, 3), tk_halve(3.0), tk_twice(-0.25),
            tk_divide(1.0, 4.0), tk_is_even(-(2**63)), tk_is_even(7),
            tk_greet("w\\u00f6rld \\u2713", True), tk_greet("", False), tk_join("a" * 125, "b" * 125),
            tk_hash(b"", 0), tk_hash(bytes(range(256)) * 15 + bytes(252), -1),
            tk_reverse(b"\\x00\\x01\\xff").hex(), len(tk_reverse(bytes(4092))),
            tk_parse("2.5e3"), tk_check(0), tk_touches(), tk_misbehave(3),
        ]))
    """)

    def fnv(data: bytes, seed: int) -> int:
        h = 1469598103934665603 ^ (seed & (2**64 - 1))
        for b in data:
            h = ((h ^ b) * 1099511628211) % 2**64
        return h - 2**64 if h >= 2**63 else h

    assert got == [
        42, -(2**31), -9_000_000_000, 1.5, -0.5,
        0.25, True, False,
        "Hello, w\u00f6rld \u2713!", "Hello, .", "a" * 125 + "+" + "b" * 125,
        fnv(b"", 0), fnv(bytes(range(256)) * 15 + bytes(252), -1),
        "ff0100", 4092,
        2500.0, None, 2, "fine",
    ]


def test_errors_of_the_function_are_application_errors(textkit: tuple[Path, Path, dict[str, str], Running]
                                                       ) -> None:
    root, _, env, _ = textkit
    got = client(root, env, """
        from metropipe_stubs import *
        out = []
        for call in [lambda: tk_divide(1.0, 0.0), lambda: tk_reverse(b""), lambda: tk_parse("12abc"),
                     lambda: tk_parse(""), lambda: tk_check(3)]:
            try:
                out.append(["no error", call()])
            except RemoteError as e:
                out.append([e.code, str(e)])
        out.append(tk_add(1, 1))  # and it keeps serving
        print(json.dumps(out))
    """)
    assert got == [
        [1, "ZeroDivisionError: division by zero"],
        [1, "ValueError: nothing to reverse"],
        [1, "ParseError: not a number: '12abc'"],
        [1, "ParseError: empty or too long"],
        [1, "StatusError: status is not 0"],
        2,
    ]


def test_results_that_do_not_fit_are_bad_results(textkit: tuple[Path, Path, dict[str, str], Running]) -> None:
    root, _, env, _ = textkit
    got = client(root, env, """
        from metropipe_stubs import *
        out = []
        for call in [lambda: tk_misbehave(0), lambda: tk_misbehave(1), lambda: tk_misbehave(2),
                     lambda: tk_overclaim()]:
            try:
                out.append(["no error", call()])
            except MetropipeError as e:
                out.append([e.code, str(e)])
        print(json.dumps(out))
    """)
    assert got == [
        [4, "bad result: tk_misbehave() returned NULL, expected a string"],
        [4, "bad result: tk_misbehave() returned a string of 399 bytes; the wire's string slot holds at most 252"],
        [4, "bad result: tk_misbehave() returned a string that is not valid UTF-8"],
        [4, "bad result: tk_overclaim() set its length to 4102; the wire's bytes slot holds at most 4092"],
    ]


def test_bad_values(textkit: tuple[Path, Path, dict[str, str], Running]) -> None:
    """The stub refuses a bad value before sending; the provider refuses a malformed request."""
    root, _, env, _ = textkit
    got: Any = client(root, env, """
        import struct
        from metropipe import layout
        from metropipe.model import Function, Param, WireType as T
        from metropipe.runtime.shm import Channel, MetropipeError
        from metropipe_stubs import ArgumentError, tk_add, tk_greet

        out = []
        try:
            tk_add(2**31, 0)
        except ArgumentError as e:
            out.append([e.code, str(e)])

        def raw(name, params, result, payload, fingerprint=None):
            lay = layout.compute(Function(name, tuple(Param(f"p{i}", t) for i, t in enumerate(params)), result))
            ch = Channel(name, lay.capacity, fingerprint or lay.fingerprint, lay.signature)
            ch.acquire(5.0)
            try:
                ch.buf[32 : 32 + len(payload)] = payload
                ch.post(lay.request_size)
                return "no error"
            except MetropipeError as e:
                return [e.code, str(e)]
            finally:
                ch.release()

        def string(data):
            return struct.pack("<I", len(data)) + data.ljust(252, b"\\0")

        greet = ("tk_greet", [T.STRING, T.BOOL], T.STRING)
        out.append(raw(*greet, string(b"ok") + b"\\x02"))
        out.append(raw(*greet, string(b"\\xc3\\x28") + b"\\x01"))
        out.append(raw(*greet, string(b"a\\0b") + b"\\x01"))
        out.append(raw(*greet, struct.pack("<I", 253) + bytes(252) + b"\\x01"))
        out.append(raw("tk_hash", [T.BYTES, T.INT64], T.INT64, struct.pack("<I", 4093) + bytes(4092) + bytes(8)))
        out.append(raw("tk_parse", [T.STRING], T.DOUBLE, struct.pack("<I", 4) + b"1\\x002" + bytes(249)))
        out.append(raw(*greet, string(b"ok") + b"\\x01", fingerprint=0x1234))
        out.append(tk_greet("still", False))
        print(json.dumps(out))
    """)
    assert got[0][0] == 17 and "2147483648" in got[0][1]
    greet = layout.compute(Function("tk_greet", (Param("name", WireType.STRING), Param("excited", WireType.BOOL)),
                                    WireType.STRING))
    assert got[1:] == [
        [3, "bad request: 'excited' has bool byte 2"],
        [3, "bad request: 'name' is not valid UTF-8"],
        [3, "bad request: 'name' contains a NUL character, which the function's C string cannot hold"],
        [3, "bad request: 'name' has length 253 > 252"],
        [3, "bad request: 'data' has length 4093 > 4092"],
        "no error",  # a string with its length may hold NUL: "1\0" parses as 1 (strtod stops at NUL)
        [2, f"layout mismatch on channel 'tk_greet': the provider serves {greet.signature} (fingerprint "
            f"{greet.fingerprint_hex}) but the caller's stub has fingerprint 0x0000000000001234; regenerate the "
            f"stub and the provider from the same source; this stub was generated for {greet.signature}"],
        "Hello, still.",
    ]


def test_the_generated_provider_compiles_without_warnings(textkit: tuple[Path, Path, dict[str, str], Running],
                                                          tmp_path: Path) -> None:
    root = textkit[0]
    for std in ("-std=c11", "-std=gnu17"):
        proc = subprocess.run(["gcc", std, "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-pthread", "-c",
                               "-o", str(tmp_path / "p.o"), "metropipe_provider.c"], cwd=root, capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 0, proc.stderr


def test_make_rebuilds_nothing_when_nothing_changed(textkit: tuple[Path, Path, dict[str, str], Running]) -> None:
    root = textkit[0]
    proc = subprocess.run(["make", "-q", "-f", "metropipe_provider.mk"], cwd=root, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_idle_provider_uses_no_measurable_cpu(textkit: tuple[Path, Path, dict[str, str], Running]) -> None:
    pid = textkit[3].pid
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    time.sleep(0.3)  # past the short slices
    before = cpu()
    time.sleep(2.0)
    assert cpu() - before < 0.2  # 16 channels, 10 ms slices: a few ms of CPU


# --- one function per provider: the namespace mode ------------------------------------------------


@pytest.fixture
def wordcount(tmp_path: Path) -> tuple[Path, Path, dict[str, str], str]:
    require("make")
    require("gcc")
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(HERE / "wordcount.c", root / "wordcount.c")
    shm = tmp_path / "shm"
    shm.mkdir(mode=0o700)
    out = metropipe("export", "count_words", "wordcount.c", "--target", "python", cwd=root).stdout
    command = start_command(out)
    assert command == "make -s -f metropipe/count_words/provider.mk && metropipe/count_words/provider"
    return root, shm, environment(shm), command


def test_a_static_function_of_a_program_with_its_own_main(wordcount: tuple[Path, Path, dict[str, str], str]
                                                         ) -> None:
    root, shm, env, command = wordcount
    running = Running(root, shm, command, "count_words", env)
    try:
        got = client(root, env, """
            from metropipe.count_words.stub import count_words
            print(json.dumps([count_words("the quick  brown\\tfox"), count_words("")]))
        """)
        assert got == [4, 0]
        assert "serving count_words(string)->int32 on" in running.proc.stderr.readline()  # type: ignore[union-attr]
    finally:
        status = running.stop(signal.SIGTERM)
    assert status == 0
    assert header(shm, "count_words")[5] == 0  # unregistered


def test_refuses_to_start_while_another_provider_serves(wordcount: tuple[Path, Path, dict[str, str], str]) -> None:
    root, shm, env, command = wordcount
    running = Running(root, shm, command, "count_words", env)
    try:
        second = subprocess.run(["metropipe/count_words/provider"], cwd=root, env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 1
        assert f"already served by a provider (pid {running.pid})" in second.stderr
        assert header(shm, "count_words")[5] == running.pid
    finally:
        assert running.stop(signal.SIGINT) == 0


def test_a_call_left_busy_by_a_dead_provider_is_answered_provider_restarted(
        wordcount: tuple[Path, Path, dict[str, str], str]) -> None:
    root, shm, env, command = wordcount
    dead = subprocess.Popen(["true"])
    dead.wait()
    path = shm / "metro_count_words"
    path.write_bytes(struct.pack("<6IQ", 2, 0, 8, 1024, 0, dead.pid, 0) + bytes(1024))
    path.chmod(0o600)
    running = Running(root, shm, command, "count_words", env)
    try:
        wait_answered(path)
        status, _, _, _, error, provider, _ = header(shm, "count_words")
        assert (status & 0xFF, error, provider) == (4, 5, running.pid)
        data = path.read_bytes()
        n = struct.unpack_from("<I", data, 32)[0]
        assert data[36 : 36 + n] == b"a provider died while running this call; it was not re-run"
    finally:
        running.stop()


def test_a_changed_signature_does_not_compile(wordcount: tuple[Path, Path, dict[str, str], str]) -> None:
    root, _, env, _ = wordcount
    source = root / "wordcount.c"
    source.write_text(source.read_text().replace("static int count_words(const char *text)",
                                                 "static long count_words(const char *text)"))
    proc = subprocess.run(["make", "-s", "-f", "metropipe/count_words/provider.mk"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert ("count_words() in wordcount.c is no longer count_words(string)->int32 as this provider was generated "
            "for it (or its native types changed): run metropipe export again") in proc.stderr


def test_a_header_that_only_declares_takes_the_implementation_from_sources(tmp_path: Path) -> None:
    require("make")
    require("gcc")
    root = tmp_path / "project"
    (root / "include").mkdir(parents=True)
    (root / "src").mkdir()
    shutil.copy(HERE / "textkit.h", root / "include" / "textkit.h")
    shutil.copy(HERE / "textkit.c", root / "src" / "textkit.c")
    shm = tmp_path / "shm"
    shm.mkdir(mode=0o700)
    env = environment(shm)
    metropipe("export", "tk_join", "include/textkit.h", "--target", "python", "-q", cwd=root)
    mk = "metropipe/tk_join/provider.mk"
    proc = subprocess.run(["make", "-s", "-f", mk], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "tk_join: only declared in include/textkit.h; name the implementation" in proc.stderr
    build = subprocess.run(["make", "-s", "-f", mk, "SOURCES=src/textkit.c", "CPPFLAGS=-Iinclude"], cwd=root,
                           env=env, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    running = Running(root, shm, "metropipe/tk_join/provider", "tk_join", env)
    try:
        assert client(root, env, """
            from metropipe.tk_join.stub import tk_join
            print(json.dumps(tk_join("left", "right \\u00e9")))
        """) == "left+right \u00e9"
    finally:
        assert running.stop() == 0
