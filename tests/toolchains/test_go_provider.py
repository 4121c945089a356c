"""The Go provider (``provider/provider.go``), built with the real go tool and called from the Python client.

``tests/toolchains/go_provider/calc.go`` is a package written like real code (doc comments,
a generic type and a method elsewhere, named results, ``int``, ``rune`` and ``[]uint8``,
an unexported function); ``cmd.go`` is a main package, which the provider cannot import.
One unified provider serves every function from one process (one goroutine per channel);
the tests call it from Python processes and poke the channel directly for what a
well-behaved client never sends. Other tests build the namespace-mode provider with the
exact command ``export`` prints, and check registration, recovery, signals and idleness.
The harness (``Served``, ``Raw``) is the Rust provider test's. The last tests build providers
inside a real Go module (``go_provider/shop``: several files, an internal package, a replaced
third-party module, a test file and a build tag to leave out).
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, metropipe, require
from tests.toolchains.provider_project import wait_answered
from tests.toolchains.test_rust_provider import START, Raw, Served, dead_pid, error_text, fingerprint, header

pytestmark = pytest.mark.toolchain

HERE = Path(__file__).resolve().parent / "go_provider"
CALC = ["Describe", "Add", "Negate", "Half", "Scale", "Invert", "Shout", "BlobOf", "Reverse", "ParseNumber",
        "Check", "Isqrt", "Repeat", "Garbled", "Slow", "Noop", "initial"]


def _project(tmp: Path) -> tuple[Path, Path, dict[str, str]]:
    root = tmp / "project"
    (root / "calc").mkdir(parents=True)
    (root / "cmd" / "tool").mkdir(parents=True)
    shutil.copy(HERE / "calc.go", root / "calc" / "calc.go")
    shutil.copy(HERE / "cmd.go", root / "cmd" / "tool" / "main.go")
    shm = tmp / "shm"
    shm.mkdir(mode=0o700)
    env = {**os.environ, "METROPIPE_DIR": str(shm)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return root, shm, env


def export(root: Path, function: str, *mode: str) -> str:
    out = metropipe("export", function, "calc/calc.go", "--target", "python", *mode, cwd=root).stdout
    m = START.search(out)
    assert m, out
    return m.group(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require("go")
    root, shm, env = _project(tmp_path_factory.mktemp("go-provider"))
    command = ""
    for fn in CALC:
        command = export(root, fn, "--unify")
    assert command == ("go -C metropipe_provider build -overlay overlay.json -o provider . && "
                       "metropipe_provider/provider")
    s = Served(root, shm, env, CALC).start(command)
    yield s
    s.stop()


def test_every_type_round_trips(served: Served) -> None:
    got = served.client("""
        import metropipe_stubs as m
        print(json.dumps([
            m.Describe(-5, 2**62, 1.5, -0.1, True, "h\\u00e9llo \\u2713", b"\\x00\\xff"),
            m.Describe(2**31 - 1, -2**63, -0.0, 1e300, False, "", b""),
            m.Describe(-2**31, 2**63 - 1, 3.4028234663852886e38, 5e-324, True, "x" * 252, bytes([7]) * 4092),
            m.Add(2, 3), m.Add(2**31 - 1, 1), m.Negate(-2**63 + 1), m.Negate(5),
            m.Half(3.0), m.Half(1e-45), m.Scale(1.5, -4.0), m.Invert(True),
            m.Shout("h\\u00e9"), m.BlobOf(3, 255).hex(), len(m.BlobOf(4092, 1)),
            m.Reverse(b"abc").hex(), m.ParseNumber(" 2.5 "), m.Check(1, 2), m.Isqrt(17), m.Noop(),
            m.initial("\\u00e9t\\u00e9", 1),
        ]))
    """)
    assert got == [
        "-5|4611686018427387904|1.5|-0.1|true|7:h\u00e9llo \u2713|2:255",
        f"2147483647|{-2**63}|-0|1e+300|false|0:|0:0",
        f"-2147483648|{2**63 - 1}|3.4028235e+38|5e-324|true|252:{'x' * 12}|4092:{7 * 4092}",
        5, -2**31, 2**63 - 1, -5,
        1.5, 0.0, -6.0, False,
        "H\u00c9!", "ffffff", 4092,
        "636261", 2.5, None, 4, None,
        0xE9,
    ]


def test_errors_reach_the_caller_and_the_provider_keeps_serving(served: Served) -> None:
    got = served.client("""
        import metropipe_stubs as m
        out = []
        for call in (lambda: m.ParseNumber("abc"), lambda: m.Reverse(b""), lambda: m.Check(5, 2),
                     lambda: m.Isqrt(-4)):
            try:
                call()
                out.append("no error")
            except m.RemoteError as e:
                out.append([e.code, str(e)])
        out.append(m.ParseNumber("7"))
        print(json.dumps(out))
    """)
    assert got == [
        [1, 'ParseError: cannot parse "abc"'],
        [1, "empty input"],
        [1, "5 is over the limit 2"],
        [1, "panic: isqrt of a negative number: -4"],
        7.0,
    ]


def test_result_that_does_not_fit_is_bad_result(served: Served) -> None:
    got = served.client("""
        import metropipe_stubs as m
        out = [len(m.Repeat("ab", 126))]
        for call in (lambda: m.Repeat("ab", 127), m.Garbled):
            try:
                call()
            except m.ProtocolError as e:
                out.append([e.code, str(e)])
        print(json.dumps(out))
    """)
    assert got == [252, [4, "bad result: Repeat() returned 254 bytes of string; the wire's string slot holds "
                            "at most 252"],
                   [4, "bad result: Garbled() returned a string that is not valid UTF-8"]]


def test_bad_values_are_refused_by_the_client(served: Served) -> None:
    got = served.client("""
        import metropipe_stubs as m
        out = []
        for call in (lambda: m.Add(2**31, 1), lambda: m.Shout("x" * 253), lambda: m.Reverse(bytes(4093)),
                     lambda: m.Half(1e39), lambda: m.Invert(1)):
            try:
                call()
                out.append("no error")
            except m.ArgumentError as e:
                out.append(e.code)
        print(json.dumps(out))
    """)
    assert got == [17, 17, 17, 17, 17]


def test_malformed_requests_are_bad_request_and_mismatch_is_refused(served: Served) -> None:
    raw = Raw(served.shm, "Invert")
    try:
        fp = fingerprint("Invert(bool)->bool")
        assert raw.call(b"\x01", fp) == (3, 0, b"\x00")
        state, code, data = raw.call(b"\x02", fp)
        assert (state, code, error_text(data)) == (4, 3, "bad request: 'flag' has bool byte 2")
        state, code, data = raw.call(b"\x01", fingerprint("Invert(int32)->bool"))
        assert (state, code) == (4, 2)
        assert error_text(data).startswith("layout mismatch on channel 'Invert': the provider serves "
                                           "Invert(bool)->bool (fingerprint ")
    finally:
        raw.close()
    raw = Raw(served.shm, "Shout")
    try:
        fp = fingerprint("Shout(string)->string")
        state, code, data = raw.call(struct.pack("<I", 253) + b"x" * 253, fp)
        assert (state, code, error_text(data)) == (4, 3, "bad request: 'text' has length 253 > 252")
        state, code, data = raw.call(struct.pack("<I", 2) + b"\xc3\x28", fp)
        assert (state, code, error_text(data)) == (4, 3, "bad request: 'text' is not valid UTF-8")
    finally:
        raw.close()
    assert served.client("import metropipe_stubs as m\nprint(m.Add(40, 2))") == 42


def test_concurrent_callers(served: Served) -> None:
    code = ("import json, sys\nsys.path.insert(0, '.')\nimport metropipe_stubs as m\n"
            "print(json.dumps(all(m.Add(i, 1) == i + 1 and m.Shout('a') == 'A!' for i in range(300))))")
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=served.root, env=served.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "true"


def test_idle_provider_uses_no_measurable_cpu(served: Served) -> None:
    def cpu() -> float:
        fields = Path(f"/proc/{served.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    time.sleep(0.2)
    before = cpu()
    time.sleep(2.0)
    assert cpu() - before < 0.3  # 17 channels x 100 wake-ups/s; generous for a shared machine


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    require("go")
    return _project(tmp_path)


def test_printed_command_builds_and_serves_and_stops(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    metropipe("export", "Add", "calc/calc.go", "--target", "go", "python", "-q", cwd=root)  # a Go stub beside it
    command = export(root, "Add")
    assert command == "go -C metropipe/Add/provider build -overlay overlay.json -o provider . && " \
                      "metropipe/Add/provider/provider"
    first = Served(root, shm, env, ["Add"]).start(command)
    try:
        assert first.client("from metropipe.Add.stub import Add\nprint(Add(2, 2))") == 4
        second = Served(root, shm, env, ["Add"]).start("metropipe/Add/provider/provider", wait=False)
        assert second.proc is not None
        _out, err = second.proc.communicate(timeout=30)
        assert second.proc.returncode == 1
        assert f"already served by a provider (pid {first.pid})" in err
    finally:
        status, err = first.stop(signal.SIGINT)
    assert status == 0, err
    assert "metropipe provider: serving Add(int32,int32)->int32 on " in err
    assert header(shm, "Add")[5] == 0


def test_busy_left_by_a_dead_provider_is_answered_provider_restarted(
        project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    command = export(root, "Add")
    build = subprocess.run(["sh", "-c", command.split(" && ")[0]], cwd=root, capture_output=True, text=True,
                           timeout=600)
    assert build.returncode == 0, build.stderr
    path = shm / "metro_Add"
    data = bytearray(32 + 1024)
    struct.pack_into("<6IQ", data, 0, 2 | 0x80000000, 0, 8, 1024, 0, dead_pid(), 0)
    path.write_bytes(bytes(data))
    os.chmod(path, 0o600)
    s = Served(root, shm, env, ["Add"]).start("metropipe/Add/provider/provider")
    try:
        wait_answered(path)
        status, _lock, size, _cap, code, provider, _fp = header(shm, "Add")
        assert (status & 0xFF, code, provider) == (4, 5, s.pid)
        assert error_text(path.read_bytes()[32:32 + size]) == \
            "a provider died while running this call; it was not re-run"
        assert s.client("from metropipe.Add.stub import Add\nprint(Add(2, 2))") == 4
    finally:
        s.stop()


def test_sigterm_finishes_the_call_in_flight(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    s = Served(root, shm, env, ["Slow"]).start(export(root, "Slow"))
    caller = subprocess.Popen([sys.executable, "-c", "import sys; sys.path.insert(0, '.')\n"
                               "from metropipe.Slow.stub import Slow\nprint(Slow(800))"],
                              cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 30
    while header(shm, "Slow")[0] & 0xFF != 2:
        assert time.monotonic() < end and caller.poll() is None
        time.sleep(0.005)
    status, err = s.stop(signal.SIGTERM)
    out, cerr = caller.communicate(timeout=30)
    assert (status, caller.returncode, out.strip()) == (0, 0, "800"), (err, cerr)
    assert header(shm, "Slow")[5] == 0


def test_unified_provider_serves_the_functions_named(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, shm, env = project
    export(root, "Add", "--unify")
    command = export(root, "Shout", "--unify")
    bad = subprocess.run(["sh", "-c", command + " nope"], cwd=root, env=env, capture_output=True, text=True,
                         timeout=600)
    assert bad.returncode == 2
    assert "unknown function 'nope'; this provider serves: Add, Shout" in bad.stderr
    s = Served(root, shm, env, ["Shout"]).start(command, " Shout")
    try:
        assert s.client("import metropipe_stubs as m\nprint(json.dumps(m.Shout('al')))") == "AL!"
        assert not (shm / "metro_Add").exists()
    finally:
        s.stop()


def test_changed_signature_no_longer_builds(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, _shm, env = project
    command = export(root, "Add")
    source = root / "calc" / "calc.go"
    source.write_text(source.read_text().replace("func Add(a, b int32) int32 {", "func Add(a, b string) string {"))
    proc = subprocess.run(["sh", "-c", command], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert "cannot use" in proc.stderr


def test_main_package_is_a_diagnostic(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, _shm, _env = project
    proc = metropipe("export", "Tool", "cmd/tool/main.go", "--target", "python", cwd=root, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("cmd/tool/main.go:4:6: error: Go provider: 'Tool' is in package 'main'; the "
                                   "provider imports the function's package, and a main package cannot be "
                                   "imported: move it to a package of its own")


def test_generated_code_is_gofmt_and_vet_clean(project: tuple[Path, Path, dict[str, str]]) -> None:
    root, _shm, _env = project
    for fn in CALC:
        export(root, fn, "--unify")
    export(root, "Add", "--flat")
    go = require("go")
    for folder in (root / "metropipe_provider", root / "metropipe" / "Add_provider"):
        fmt = subprocess.run([require("gofmt"), "-l", str(folder)], capture_output=True, text=True, timeout=120)
        assert fmt.returncode == 0 and fmt.stdout == "", fmt.stdout + fmt.stderr
        vet = subprocess.run([go, "-C", str(folder), "vet", "-overlay", "overlay.json", "."], capture_output=True,
                             text=True, timeout=600)
        assert vet.returncode == 0, vet.stderr


# ---- a function in a Go module: the provider is built inside it ----
#
# tests/toolchains/go_provider/shop/ is a module written like real code: Total (pricing/pricing.go)
# calls helpers in pricing/round.go, a constant of pricing/tax.go (pricing/debug.go, for the
# shopdebug build tag, must stay out), the internal package example.com/shop/internal/currency
# and example.com/fmtx, a third-party module replaced by a local folder (so nothing is downloaded);
# pricing/pricing_test.go is an external test package (package pricing_test) that go build leaves
# out. discount is unexported.

SHOP = HERE / "shop"
GO_ENV = {"GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod"}


def _shop(tmp: Path, where: str = ".") -> tuple[Path, Path, Path, dict[str, str]]:
    """(project root, module root, shm, env): the fixture module copied to tmp/project/<where>."""
    require("go")
    root = tmp / "project"
    module = root / where
    shutil.copytree(SHOP, module)
    shm = tmp / "shm"
    shm.mkdir(mode=0o700)
    env = {**os.environ, **GO_ENV, "METROPIPE_DIR": str(shm)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return root, module, shm, env


def _tree(module: Path) -> dict[str, bytes]:
    """The module's own files (not metropipe's output): what the provider must never write to."""
    return {str(p.relative_to(module)): p.read_bytes() for p in sorted(module.rglob("*"))
            if p.is_file() and not str(p.relative_to(module)).startswith(("metropipe", "metropipe_provider"))}


def _export_shop(root: Path, function: str, source: str, *mode: str) -> str:
    out = metropipe("export", function, source, "--target", "python", *mode, cwd=root).stdout
    m = START.search(out)
    assert m, out
    return m.group(1)


def test_provider_builds_inside_the_module(tmp_path: Path) -> None:
    root, module, shm, env = _shop(tmp_path)
    before = _tree(module)
    total = _export_shop(root, "Total", "pricing/pricing.go")
    assert total == ("go build -overlay metropipe/Total/provider/overlay.json -o metropipe/Total/provider/provider "
                     "./pricing/zz_metropipe_provider && metropipe/Total/provider/provider")
    discount = _export_shop(root, "discount", "pricing/pricing.go")
    first = Served(root, shm, env, ["Total"]).start(total)
    try:
        second = Served(root, shm, env, ["discount"]).start(discount)
        try:
            got = first.client("""
                from metropipe.Total.stub import Total, RemoteError
                from metropipe.discount.stub import discount
                out = [Total(1000, 2, "EUR"), Total(1999, 3, "USD"), discount(1000, 15), discount(999, 50)]
                for code, qty in (("XXX", 1), ("EUR", -1)):
                    try:
                        Total(1, qty, code)
                    except RemoteError as e:
                        out.append(str(e))
                print(json.dumps(out))
            """)
        finally:
            second.stop()
    finally:
        status, err = first.stop()
    assert status == 0, err
    # 20% tax from tax.go (debug.go is left out), rounded by round.go, € from internal/currency, shown by fmtx
    assert got == ["\u20ac24.00", "$71.96", 850, 499, 'unknown currency "XXX"', "negative quantity"]
    # nothing was written to the module's folders, and the output (a nested module) does not disturb its build
    assert _tree(module) == before
    for argv in (["build", "./..."], ["vet", "./..."]):
        proc = subprocess.run([require("go"), *argv], cwd=module, env=env, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr


def test_unified_provider_builds_in_a_module_below_the_project(tmp_path: Path) -> None:
    root, module, shm, env = _shop(tmp_path, "shop")
    _export_shop(root, "Total", "shop/pricing/pricing.go", "--unify")
    command = _export_shop(root, "discount", "shop/pricing/pricing.go", "--unify")
    assert command == ("go -C shop build -overlay ../metropipe_provider/overlay.json -o ../metropipe_provider/provider "
                       "./pricing/zz_metropipe_provider && metropipe_provider/provider")
    s = Served(root, shm, env, ["Total", "discount"]).start(command)
    try:
        assert s.client("import metropipe_stubs as m\nprint(json.dumps([m.Total(5, 1, 'USD'), m.discount(7, 0)]))") \
            == ["$0.06", 7]
    finally:
        s.stop()
    # the whole package is compiled: a change in another of its files is in the next build
    tax = module / "pricing" / "tax.go"
    tax.write_text(tax.read_text().replace("0.2", "0.5"))
    s = Served(root, shm, env, ["Total", "discount"]).start(command)
    try:
        assert s.client("import metropipe_stubs as m\nprint(json.dumps(m.Total(100, 1, 'EUR')))") == "\u20ac1.50"
    finally:
        s.stop()


def test_module_provider_is_gofmt_and_vet_clean(tmp_path: Path) -> None:
    root, module, _shm, env = _shop(tmp_path)
    for fn in ("Total", "discount"):
        _export_shop(root, fn, "pricing/pricing.go", "--unify")
    go = require("go")
    out = root / "metropipe_provider"
    fmt = subprocess.run([require("gofmt"), "-l", str(out)], capture_output=True, text=True, timeout=120)
    assert fmt.returncode == 0 and fmt.stdout == "", fmt.stdout + fmt.stderr
    (module / "pricing" / "zz_metropipe_provider").mkdir()  # go vet runs its tool in the package's folder
    vet = subprocess.run([go, "vet", "-overlay", str(out / "overlay.json"), "./pricing",
                          "./pricing/zz_metropipe_provider"], cwd=module, env=env, capture_output=True, text=True,
                         timeout=600)
    assert vet.returncode == 0, vet.stderr


def test_module_mistakes_are_diagnostics(tmp_path: Path) -> None:
    root, module, _shm, _env = _shop(tmp_path)
    (module / "cmd" / "tool").mkdir(parents=True)
    shutil.copy(HERE / "cmd.go", module / "cmd" / "tool" / "main.go")
    (module / "pricing" / "export_test.go").write_text(
        "package pricing\n\nfunc Twice(x int32) int32 { return 2 * x }\n")
    shutil.copy(HERE / "calc.go", tmp_path / "calc.go")  # in no module
    cases = [
        (["Tool", "cmd/tool/main.go"], "cmd/tool/main.go:4:6: error: Go provider: 'Tool' is in package 'main'; the "
         "provider imports the function's package, and a main package cannot be imported: move it to a package of "
         "its own"),
        (["Twice", "pricing/export_test.go"], "pricing/export_test.go:3:6: error: Go provider: 'Twice' is in a test "
         "file, which go build does not compile: move it to a file of its package that does not end in _test.go"),
    ]
    (module / "broken").mkdir()
    (module / "broken" / "go.mod").write_text("// no module directive\ngo 1.21\n")
    (module / "broken" / "b.go").write_text("package broken\n\nfunc B() {}\n")
    cases.append((["B", "broken/b.go"], "broken/go.mod:1:1: error: go.mod has no module directive (the Go provider "
                  "builds inside the module)"))
    for args, message in cases:
        proc = metropipe("export", *args, "--target", "python", cwd=root, check=False)
        assert (proc.returncode, proc.stderr.strip()) == (1, message)
    # one unified provider is one build: the functions of one module
    metropipe("export", "Total", "pricing/pricing.go", "--target", "python", "--unify", cwd=root)
    proc = metropipe("export", "Add", "../calc.go", "--target", "python", "--unify", cwd=root, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("../calc.go:")
    assert "'Total' is in the module example.com/shop (./go.mod) but 'Add' is in no Go module: one Go build holds " \
           "the functions of one module; use the namespace mode for the others" in proc.stderr
