"""The C# provider (``Provider.cs``), built with Mono's mcs and called from the Python client.

tests/toolchains/csharp_provider/src/Acme/Codec.cs is a user's library written like real code
(a namespace, usings, regions, XML docs, attributes, an assembly attribute, a generic class, an
extension method, internal, protected and nested static methods, an instance overload, a
``Main`` of its own). Each test exports from it with ``--target python``, runs the one-line
command ``export`` prints (mcs, then ``exec mono``) and calls through the Python stub:

1. every wire type, void, an extension method, a protected and a nested class's method;
2. an exception thrown by the method (APPLICATION "<Type.Name>: <message>"), bad results
   (null, an oversized string or bytes, an unpaired surrogate), a bad value refused by the
   caller, bad requests and a foreign fingerprint posted by hand;
3. lifecycle: SIGTERM finishes the call in flight and unregisters (exit 0), SIGINT and SIGTERM
   idle exit 0, a second provider is refused, a BUSY left by a dead provider is answered
   PROVIDER_RESTARTED, a method changed since generation is refused at start, a generic class's
   method is refused, flat and unify modes;
4. the generated code compiles with ``-warnaserror``, and a client build of ``metropipe/**/*.cs``
   leaves the provider out (``#if METROPIPE_PROVIDER``);
5. idle CPU: the provider sleeps on a futex.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from metropipe import layout, parse
from tests.conftest import metropipe
from tests.toolchains.provider_project import ProviderProject, header, post_raw, project_in, stop, wait_answered

pytestmark = pytest.mark.toolchain

SOURCE = "src/Acme/Codec.cs"
FIXTURE = Path(__file__).resolve().parent / "csharp_provider" / "src"
FUNCTIONS = ["Add", "Scale", "Half", "Mean", "IsBlank", "Not", "Shout", "Reverse", "Touch", "Touched", "Lookup",
             "Repeat", "Broken", "Blob", "ParseNumber", "Complain", "ToCelsius", "Mul"]
MCS = ["mcs", "-nologo", "-unsafe", "-langversion:7.2", "-warnaserror"]


def _project(tmp: Path) -> Iterator[ProviderProject]:
    yield from project_in(tmp, FIXTURE, SOURCE, ("mcs", "mono"))


@pytest.fixture
def project(tmp_path: Path) -> Iterator[ProviderProject]:
    yield from _project(tmp_path)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderProject]:
    """Every fixture function exported into one unified provider, running (shared by the call tests)."""
    for proj in _project(tmp_path_factory.mktemp("csharp-provider")):
        for fn in FUNCTIONS:
            command = proj.export(fn, "--unify")
        proc = proj.start(FUNCTIONS[0], command)
        for fn in FUNCTIONS:
            proj.wait_registered(fn, proc)
        yield proj


def fingerprint(function: str) -> int:
    return layout.compute(parse.parse(str(FIXTURE / "Acme/Codec.cs"), function)).fingerprint


# --- calls ------------------------------------------------------------------------------


def test_every_type_round_trips(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe_stubs import (Add, Scale, Half, Mean, IsBlank, Not, Shout, Reverse, Touch, Touched, Lookup,
                                     ToCelsius, Mul)
        data = bytes(range(256)) * 15 + bytes(252)
        before = Touched()
        out = [Add(2, 3), Add(2147483647, 1), Scale(4611686018427387903, 2), Scale(-3, 3), Half(3.0),
               Mean(0.1, 0.2), IsBlank("  "), IsBlank("x"), Not(True), Not(False), Shout("h\\u00e9llo \\u2713"),
               Reverse(data) == data[::-1], Reverse(b"").hex(), Touch(), Touched() - before, Lookup("two"),
               ToCelsius(212.0), Mul(2, 3, 7)]
        print(json.dumps(out))
    """)
    assert got == [5, -2147483648, 9223372036854775806, -9, 1.5, 0.15000000000000002, True, False, False, True,
                   "H\u00c9LLO \u2713!", True, "", None, 1, "2", 100.0, 42]


def test_exception_is_application_error_and_provider_keeps_serving(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe_stubs import ParseNumber, RemoteError
        try:
            ParseNumber("twelve")
        except RemoteError as e:
            err = [e.code, str(e)]
        print(json.dumps([err, ParseNumber(" 42 ")]))
    """)
    assert got == [[1, "InvalidInput: not a number: 'twelve'"], 42]


def test_bad_results_are_errors_not_garbage(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe_stubs import Lookup, Repeat, Broken, Blob, ProtocolError
        out = []
        for call in (lambda: Lookup("nope"), lambda: Repeat("ab", 200), lambda: Broken(), lambda: Blob(4093),
                     lambda: Blob(-1)):
            try:
                call()
                out.append("no error")
            except ProtocolError as e:
                out.append([e.code, str(e)])
        out.append([Repeat("ab", 3), len(Blob(4092))])
        print(json.dumps(out))
    """)
    assert got == [
        [4, "bad result: Lookup() returned null"],
        [4, "bad result: Repeat() returned a string of 400 bytes of UTF-8; the wire's string slot holds at most 252"],
        [4, "bad result: Broken() returned a string with an unpaired surrogate at index 2; it cannot be encoded as "
            "UTF-8"],
        [4, "bad result: Blob() returned 4093 bytes; the wire's bytes slot holds at most 4092"],
        [4, "bad result: Blob() returned null"],
        ["ababab", 4092],
    ]


def test_bad_value_is_refused_by_the_caller(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe_stubs import Add, Shout, ArgumentError
        out = []
        for call in (lambda: Add(2 ** 31, 1), lambda: Shout("x" * 253)):
            try:
                call()
            except ArgumentError as e:
                out.append(e.code)
        print(json.dumps(out))
    """)
    assert got == [17, 17]
    assert header(served.shm, "Add")[0] & 0xFF != 1  # nothing was posted


def test_bad_requests_and_foreign_fingerprint(served: ProviderProject) -> None:
    shm = served.shm
    fp = fingerprint("Shout")
    assert post_raw(shm, "Shout", struct.pack("<I", 2) + b"\xc3\x28", fp) == \
        (4, 3, "bad request: 'text' is not valid UTF-8")
    assert post_raw(shm, "Shout", struct.pack("<I", 3) + b"\xed\xa0\x80", fp) == \
        (4, 3, "bad request: 'text' is not valid UTF-8")  # a surrogate in UTF-8
    assert post_raw(shm, "Shout", struct.pack("<I", 253), fp) == (4, 3, "bad request: 'text' has length 253 > 252")
    assert post_raw(shm, "Reverse", struct.pack("<I", 0xFFFFFFFF), fingerprint("Reverse")) == \
        (4, 3, "bad request: 'data' has length 4294967295 > 4092")
    assert post_raw(shm, "Not", b"\x02", fingerprint("Not")) == (4, 3, "bad request: 'value' has bool byte 2")
    state, code, message = post_raw(shm, "Shout", struct.pack("<I", 1) + b"a", fp ^ 1)
    assert (state, code) == (4, 2)
    assert message == (f"layout mismatch on channel 'Shout': the provider serves Shout(string)->string (fingerprint "
                       f"0x{fp:016x}) but the caller's stub has fingerprint 0x{fp ^ 1:016x}; regenerate the stub and "
                       "the provider from the same source")
    assert post_raw(shm, "Shout", struct.pack("<I", 1) + b"a", fp) == (3, 0, "")  # still serving
    assert served.result("from metropipe_stubs import Shout\nprint(json.dumps(Shout('ok')))") == "OK!"


def test_a_long_error_message_is_cut_at_a_character_boundary(served: ProviderProject) -> None:
    got = served.result("""
        from metropipe_stubs import Complain, RemoteError
        try:
            Complain("\\u00e9", 600)
        except RemoteError as e:
            print(json.dumps([e.code, str(e)]))
    """)
    prefix = "ArgumentException: "
    assert got[0] == 1 and got[1].startswith(prefix)
    assert got[1][len(prefix):] == "\u00e9" * ((1020 - len(prefix)) // 2)  # 1019 bytes: no half character


# --- lifecycle --------------------------------------------------------------------------


def test_sigterm_finishes_the_call_in_flight_and_unregisters(project: ProviderProject) -> None:
    project.export("Slow")
    proc = project.start("Slow")
    out: list[object] = []
    client = threading.Thread(target=lambda: out.append(project.result(
        "from metropipe.Slow.stub import Slow\nprint(json.dumps(Slow(1500)))")))
    client.start()
    end = time.monotonic() + 30
    while header(project.shm, "Slow")[0] & 0xFF != 2 and time.monotonic() < end:  # BUSY
        time.sleep(0.005)
    assert header(project.shm, "Slow")[0] & 0xFF == 2
    started = time.monotonic()
    assert stop(proc) == 0
    assert time.monotonic() - started > 0.5  # it waited for the call
    client.join(60)
    assert out == [1500]
    assert header(project.shm, "Slow")[5] == 0  # unregistered


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stop_signal_exits_zero_idle(project: ProviderProject, sig: int) -> None:
    command = project.export("Add")
    assert command.endswith("&& exec mono metropipe/Add/Provider.exe")
    proc = project.start("Add")
    assert project.result("from metropipe.Add.stub import Add\nprint(Add(1, 2))") == 3
    # the same process (exec keeps the PID), every thread blocking SIGINT and SIGTERM but the one waiting for them
    tasks = list(Path(f"/proc/{proc.pid}/task").iterdir())
    masks = [int(re.search(r"SigBlk:\s*([0-9a-f]+)", (t / "status").read_text()).group(1), 16)  # type: ignore
             for t in tasks]
    assert sum(1 for m in masks if m & 0x4002 == 0x4002) >= len(masks) - 1
    started = time.monotonic()
    assert stop(proc, sig) == 0
    assert time.monotonic() - started < 5
    assert header(project.shm, "Add")[5] == 0


def test_second_provider_is_refused(project: ProviderProject) -> None:
    project.export("Add")
    first = project.start("Add")
    second = project.start("Add", wait=False)
    assert second.wait(timeout=120) == 1
    err = second.stderr.read()  # type: ignore[union-attr]
    assert f"metropipe provider: error: {project.shm}/metro_Add: already served by a provider (pid {first.pid})" in err
    assert header(project.shm, "Add")[5] == first.pid
    assert project.result("from metropipe.Add.stub import Add\nprint(Add(1, 2))") == 3


def test_busy_left_by_a_dead_provider_is_answered_provider_restarted(project: ProviderProject) -> None:
    project.export("Add")
    dead = subprocess.Popen(["true"])
    dead.wait()
    path = project.shm / "metro_Add"
    data = bytearray(32 + 1024)
    struct.pack_into("<6IQ", data, 0, 2, 0, 8, 1024, 0, dead.pid, fingerprint("Add"))  # BUSY, dead provider
    path.write_bytes(bytes(data))
    path.chmod(0o600)
    project.start("Add")
    wait_answered(path)
    status, _, _, _, error, _, _ = header(project.shm, "Add")
    assert (status & 0xFF, error) == (4, 5)
    n = struct.unpack_from("<I", path.read_bytes(), 32)[0]
    assert path.read_bytes()[36:36 + n] == b"a provider died while running this call; it was not re-run"
    assert project.result("from metropipe.Add.stub import Add\nprint(Add(20, 22))") == 42


@pytest.mark.parametrize(("old", "new", "message"), [
    ("public static int Add(int a, int b)\n        {\n            return unchecked(a + b);",
     "public static int Add(long a, int b)\n        {\n            return (int)(a + b);",
     "Acme.Text.Codec.Add(int, int) no longer exists as a static method; run metropipe export again"),
    ("public static int Add(int a, int b)\n        {\n            return unchecked(a + b);",
     "public static long Add(int a, int b)\n        {\n            return a + b;",
     "Acme.Text.Codec.Add(int, int) no longer returns int (it returns long); run metropipe export again"),
    ("public static class Codec\n", "public static class Codecs\n",
     "Acme.Text.Codec.Add(int, int): its class Acme.Text.Codec is not in the compiled sources; run metropipe "
     "export again"),
])
def test_method_changed_since_generation_is_refused(project: ProviderProject, old: str, new: str, message: str) -> None:
    project.export("Add")
    source = project.root / SOURCE
    text = source.read_text()
    assert old in text
    source.write_text(text.replace(old, new).replace("Codec.Add(args.Length, 1)", "0"))
    proc = project.start("Add", wait=False)
    assert proc.wait(timeout=120) == 1
    assert proc.stderr.read().splitlines() == [f"metropipe provider: error: {message}"]  # type: ignore[union-attr]
    assert not (project.shm / "metro_Add").exists()  # refused before touching the channel


def test_a_generic_class_method_is_refused_at_start(project: ProviderProject) -> None:
    project.export("Count")
    proc = project.start("Count", wait=False)
    assert proc.wait(timeout=120) == 1
    assert proc.stderr.read().splitlines() == [  # type: ignore[union-attr]
        "metropipe provider: error: Acme.Text.Cache.Count(): its class Acme.Text.Cache is generic; the provider "
        "cannot call a method of a generic class (export a static method of a non-generic class)"]


def test_unify_serves_some_and_flat_mode(project: ProviderProject) -> None:
    project.export("Add", "--unify")
    command = project.export("Shout", "--unify")
    assert "metropipe/Metropipe.Provider.cs" in command and command.endswith("metropipe/Metropipe.Provider.exe")
    proc = project.start("Shout", command + " Shout Add")
    project.wait_registered("Add", proc)
    got = project.result("""
        from metropipe_stubs import Add, Shout
        print(json.dumps([Add(1, 2), Shout("a")]))
    """)
    assert got == [3, "A!"]
    assert stop(proc) == 0
    unknown = project.start("Shout", command + " Nope", wait=False)
    assert unknown.wait(timeout=120) == 2
    assert "unknown function 'Nope'; this provider serves: Add, Shout" in unknown.stderr.read()  # type: ignore
    flat = project.export("ToCelsius", "--flat")
    assert "metropipe/ToCelsius.Provider.cs" in flat
    proc = project.start("ToCelsius", flat)
    assert project.result("from metropipe.ToCelsius import ToCelsius\nprint(ToCelsius(32.0))") == 0.0
    assert stop(proc) == 0


def test_out_folder_and_paths_with_spaces(tmp_path: Path) -> None:
    for proj in _project(tmp_path):
        out = proj.root / "gen files"
        res = metropipe("export", "Half", SOURCE, "--target", "python", "--out", "gen files", cwd=proj.root,
                        env=proj.env)
        command = re.search(r"start the provider with: (.+)", res.stdout).group(1)  # type: ignore[union-attr]
        assert "'gen files/metropipe/Half/Provider.cs'" in command and "'gen files/../src/Acme/Codec.cs'" in command
        proc = proj.start("Half", command)
        got = subprocess.run([sys.executable, "-c", "from metropipe.Half.stub import Half; print(Half(5.0))"],
                             cwd=out, env=proj.env, capture_output=True, text=True, check=True)
        assert got.stdout.strip() == "2.5"
        assert stop(proc) == 0


# --- the generated code -----------------------------------------------------------------


def test_generated_code_compiles_clean_and_client_builds_leave_the_provider_out(project: ProviderProject) -> None:
    """-warnaserror on the provider; a client compiling metropipe/**/*.cs gets the stubs and not the provider."""
    for fn in ("Add", "Reverse"):
        metropipe("export", fn, SOURCE, "--target", "csharp", cwd=project.root, env=project.env)
    root = project.root
    for fn in ("Add", "Reverse"):
        command = project.commands.get(fn) or project.export(fn)
        argv = command.split(" && ")[0].split()
        assert argv[:2] == ["mcs", "-nologo"]
        subprocess.run([*MCS, *argv[2:]], cwd=root, check=True, capture_output=True, text=True)
    (root / "Main.cs").write_text(textwrap.dedent("""
        using System;
        static class App
        {
            static void Main()
            {
                Console.WriteLine(Metropipe.Stubs.Add(40, 2));
            }
        }
    """))
    subprocess.run([*MCS, "-out:app.exe", "-recurse:metropipe/*.cs", "Main.cs"], cwd=root, check=True,
                   capture_output=True, text=True)
    proc = project.start("Add")
    got = subprocess.run(["mono", "app.exe"], cwd=root, env=project.env, capture_output=True, text=True, timeout=60)
    assert got.stdout.strip() == "42", got.stderr
    assert stop(proc) == 0


def test_idle_provider_sleeps(project: ProviderProject) -> None:
    project.export("Add")
    proc = project.start("Add")
    assert project.result("from metropipe.Add.stub import Add\nprint(Add(1, 2))") == 3
    time.sleep(0.5)  # past the short slices

    def cpu_ticks() -> int:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    before = cpu_ticks()
    time.sleep(3.0)  # measuring idleness, not synchronising
    used = (cpu_ticks() - before) / os.sysconf("SC_CLK_TCK")
    print(f"idle C# provider: {used:.3f} s of CPU in 3 s")
    assert used < 0.3, f"idle provider used {used:.2f} s of CPU in 3 s"
