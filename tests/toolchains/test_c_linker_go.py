"""c-linker for Go sources: the real Go function built into lib<function>.so with go build -buildmode=c-shared.

Real builds: the generated Makefile, the go tool (cgo, gcc), nm, a C host program, Python ctypes.
The fixture tests/toolchains/c_linker_go/kit.go is written like real code (doc comments, a type
with a method, named results, ``int``, ``rune`` and ``[]uint8``, an unexported function, errors,
a panic, a function that keeps its argument). The last tests build a library inside a Go module
(the Go provider's fixture ``go_provider/shop``) and call it through ctypes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import metropipe, require
from tests.toolchains.linker_checks import exported, header_compiles_as_c11_and_cpp, intended, run

pytestmark = pytest.mark.toolchain
HERE = Path(__file__).resolve().parent / "c_linker_go"
FUNCTIONS = ["Describe", "Add", "Widen", "Negate", "Half", "Scale", "Invert", "Shout", "Reverse", "Keep", "Kept",
             "ParseNumber", "Check", "Isqrt", "Nul", "Garbled", "Touch", "Touches", "initial"]


@pytest.fixture(scope="module")
def unified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("go")
    require("gcc")
    require("make")
    root = tmp_path_factory.mktemp("c-linker-go")
    shutil.copy(HERE / "kit.go", root / "kit.go")
    for fn in FUNCTIONS:
        metropipe("export", fn, "kit.go", "--target", "c-linker", "--unify", "-q", cwd=root)
    run("make", "-f", "libmetropipe.mk", cwd=root)
    return root


def test_library_exports_only_the_functions(unified: Path) -> None:
    assert exported(unified / "libmetropipe.so") == intended(FUNCTIONS)
    # the build leaves no cgo header, map or temporary beside the library; only the list of what it was built from
    assert [p.name for p in unified.iterdir() if p.name.startswith("libmetropipe.so.")] == ["libmetropipe.so.d"]


def test_make_rebuilds_nothing_when_nothing_changed(unified: Path) -> None:
    lib = unified / "libmetropipe.so"
    before = lib.stat().st_mtime_ns
    proc = run("make", "-f", "libmetropipe.mk", cwd=unified)
    assert "Nothing to be done" in proc.stdout or "is up to date" in proc.stdout
    assert lib.stat().st_mtime_ns == before
    assert run("make", "-q", "-f", "libmetropipe.mk", cwd=unified, check=False).returncode == 0


def test_c_program_calls_every_kind_of_go_function(unified: Path) -> None:
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I.", HERE / "host.c", "-o", "host",
        "-L.", "-lmetropipe", f"-Wl,-rpath,{unified}", "-lpthread", cwd=unified)
    assert run(unified / "host", cwd=unified.parent).stdout.splitlines() == [
        "describe: -5|-9000000000|1.5|0.25|true|2:h\u00e9|3:262",
        "describe empty: 0|0|0|0|false|0:|0:0",
        "add: 42 -2147483648",
        "widen: -9223372036854775808",
        "negate: -9223372036854775807",
        "half: 1.50 scale: -6.00",
        "invert: 0 1",
        "shout: W\u00d6RLD!",
        "reverse: cba 3, the caller's: abc",
        "reverse empty: NULL 0 [empty input]",
        "keep: 1",
        "kept: abc",
        "parse: 2500.0 [no error]",
        'parse bad: 0.0 [cannot parse "12abc"]',
        "check ok: [no error]",
        "check: [3 is over the limit 2]",
        "isqrt: 4 [no error]",
        "isqrt panic: 0 [panic: isqrt of a negative number: -4]",
        "isqrt again: 4 [no error]",
        "nul: NULL [Nul() returned a string containing NUL, which a C string cannot hold]",
        "garbled: ff fe 2",
        "touches: 2 [no error]",
        "initial: 98",
        "null: NULL [Shout: argument 'text' is NULL]",
        "after: FINE! [no error]",
        "fingerprint: 1",
        "threads: 0 wrong",
    ]


def test_python_ctypes_calls_the_library_from_two_threads(unified: Path) -> None:
    code = f"""
import ctypes, threading
lib = ctypes.CDLL({str(unified / "libmetropipe.so")!r})
lib.Add.restype = ctypes.c_int32; lib.Add.argtypes = [ctypes.c_int32, ctypes.c_int32]
lib.Half.restype = ctypes.c_float; lib.Half.argtypes = [ctypes.c_float]
lib.Invert.restype = ctypes.c_bool; lib.Invert.argtypes = [ctypes.c_bool]
lib.Negate.restype = ctypes.c_int64; lib.Negate.argtypes = [ctypes.c_int64]
lib.Shout.restype = ctypes.c_char_p; lib.Shout.argtypes = [ctypes.c_char_p]
lib.Check.restype = None; lib.Check.argtypes = [ctypes.c_int64, ctypes.c_int64]
lib.Check_last_error.restype = ctypes.c_char_p
lib.Isqrt.restype = ctypes.c_int64; lib.Isqrt.argtypes = [ctypes.c_int64]
lib.Isqrt_last_error.restype = ctypes.c_char_p
lib.Reverse.restype = ctypes.POINTER(ctypes.c_uint8)
lib.Reverse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
n = ctypes.c_size_t()
p = lib.Reverse(b"xyz", 3, ctypes.byref(n))
reversed_ = bytes(p[: n.value]).decode()
bad = []
def work(k):
    for i in range(2000):
        if lib.Add(k, i) != k + i:
            bad.append(i)
        if lib.Shout(b"x%d" % (k + i)) != b"X%d!" % (k + i):
            bad.append(i)
        if lib.Isqrt(-1 - i) != 0 or not lib.Isqrt_last_error().startswith(b"panic: "):
            bad.append(i)
ts = [threading.Thread(target=work, args=(k * 100000,)) for k in range(2)]
[t.start() for t in ts]; [t.join() for t in ts]
lib.Check(5, 1)
print(lib.Add(40, 2), lib.Half(3.0), lib.Invert(False), lib.Negate(7), lib.Shout("h\\u00e9".encode()).decode(),
      reversed_, lib.Check_last_error().decode().replace(" ", "_"), len(bad))
"""
    out = run(sys.executable, "-c", code, cwd=unified).stdout.split()
    assert out == ["42", "1.5", "True", "-7", "H\u00c9!", "zyx", "5_is_over_the_limit_1", "0"]


def test_header_compiles_as_c11_and_cpp(unified: Path) -> None:
    header_compiles_as_c11_and_cpp(unified, ["libmetropipe.h"], "Add_metropipe_fingerprint")


def test_generated_c_is_clean(unified: Path) -> None:
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fPIC", "-c", "libmetropipe.c", "-o",
        "clean.o", cwd=unified)
    run(require("g++"), "-x", "c++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
        "libmetropipe.h", cwd=unified)
    vet = run(require("go"), "vet", "-overlay", "overlay.json", ".", cwd=unified / "libmetropipe_go", check=False)
    assert vet.returncode == 0, vet.stderr


def test_namespace_layout_install_and_rebuild_on_change(tmp_path: Path) -> None:
    require("go")
    require("make")
    shutil.copy(HERE / "kit.go", tmp_path / "kit.go")
    out = metropipe("export", "Add", "kit.go", "--target", "c-linker", cwd=tmp_path).stdout
    assert "wrote  metropipe/Add/Makefile" in out
    folder = tmp_path / "metropipe" / "Add"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                  and "provider" not in p.parts) == [
        "Add.c", "Add.h", "Add_go/go.mod", "Add_go/main.go", "Add_go/overlay.json",
        "Add_go/user0/metropipe_export.go", "Makefile"]
    run("make", "-C", "metropipe/Add", cwd=tmp_path)
    lib = folder / "libAdd.so"
    assert exported(lib) == intended(["Add"])
    assert not (folder / "libAdd.h").exists()
    call = f"import ctypes; print(ctypes.CDLL({str(lib)!r}).Add(40, 2))"
    assert run(sys.executable, "-c", call, cwd=tmp_path).stdout.strip() == "42"
    assert run("make", "-q", "-C", "metropipe/Add", cwd=tmp_path, check=False).returncode == 0

    prefix = tmp_path / "prefix"
    run("make", "-C", "metropipe/Add", "install", "PREFIX=/opt/mp", f"DESTDIR={prefix}", cwd=tmp_path)
    assert (prefix / "opt/mp/lib/libAdd.so").is_file() and (prefix / "opt/mp/include/Add.h").is_file()

    # editing the Go source rebuilds the library
    time.sleep(1.1)
    kit = tmp_path / "kit.go"
    kit.write_text(kit.read_text().replace("return a + b }", "return a + b + 1 }"))
    assert run("make", "-q", "-C", "metropipe/Add", cwd=tmp_path, check=False).returncode != 0
    run("make", "-C", "metropipe/Add", cwd=tmp_path)
    assert run(sys.executable, "-c", call, cwd=tmp_path).stdout.strip() == "43"
    run("make", "-C", "metropipe/Add", "clean", cwd=tmp_path)
    assert not lib.exists()


def test_flat_layout(tmp_path: Path) -> None:
    require("go")
    require("make")
    shutil.copy(HERE / "kit.go", tmp_path / "kit.go")
    metropipe("export", "Shout", "kit.go", "--target", "c-linker", "--flat", "-q", cwd=tmp_path)
    header = (tmp_path / "metropipe" / "libShout.h").read_text()
    run("make", "-f", "metropipe/libShout.mk", cwd=tmp_path)
    # go build -buildmode=c-shared writes a cgo header named after the library: not over ours
    assert (tmp_path / "metropipe" / "libShout.h").read_text() == header
    lib = tmp_path / "metropipe" / "libShout.so"
    assert exported(lib) == intended(["Shout"])
    code = (f"import ctypes; lib = ctypes.CDLL({str(lib)!r}); lib.Shout.restype = ctypes.c_char_p; "
            "print(lib.Shout(b'go').decode())")
    assert run(sys.executable, "-c", code, cwd=tmp_path).stdout.strip() == "GO!"


def test_metropipe_build_makes_the_library(tmp_path: Path) -> None:
    require("go")
    require("make")
    shutil.copy(HERE / "kit.go", tmp_path / "kit.go")
    (tmp_path / "metropipe.toml").write_text('[[export]]\nfunction = "Widen"\nsource = "kit.go"\n'
                                             'targets = ["c-linker"]\n')
    metropipe("build", cwd=tmp_path)
    lib = tmp_path / "metropipe" / "Widen" / "libWiden.so"
    assert exported(lib) == intended(["Widen"])
    code = f"import ctypes; lib = ctypes.CDLL({str(lib)!r}); lib.Widen.restype = ctypes.c_int64; print(lib.Widen(21))"
    assert run(sys.executable, "-c", code, cwd=tmp_path).stdout.strip() == "42"


def test_a_main_package_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tool.go").write_text("package main\n\nfunc Twice(x int32) int32 { return 2 * x }\n\nfunc main() {}\n")
    proc = metropipe("export", "Twice", "tool.go", "--target", "c-linker", cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert "c-linker: 'Twice' is in package 'main'" in proc.stderr
    assert "move it to a package of its own" in proc.stderr


# ---- a function in a Go module (the Go provider's fixture, tests/toolchains/go_provider/shop) ----

SHOP = Path(__file__).resolve().parent / "go_provider" / "shop"
GO_ENV = {"GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod"}


def _go_make(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(["make", *argv], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **GO_ENV})


def _module_tree(module: Path) -> dict[str, bytes]:
    return {str(p.relative_to(module)): p.read_bytes() for p in sorted(module.rglob("*"))
            if p.is_file() and not str(p.relative_to(module)).startswith(("metropipe", "libmetropipe"))}


def test_library_builds_inside_the_module(tmp_path: Path) -> None:
    require("go")
    require("gcc")
    require("make")
    module = tmp_path / "shop"
    shutil.copytree(SHOP, module)
    before = _module_tree(module)
    for fn in ("Total", "discount"):
        metropipe("export", fn, "pricing/pricing.go", "--target", "c-linker", "--unify", "-q", cwd=module)
    proc = _go_make("-f", "libmetropipe.mk", cwd=module)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lib = module / "libmetropipe.so"
    assert exported(lib) == intended(["Total", "discount"])
    code = f"""
import ctypes, json
lib = ctypes.CDLL({str(lib)!r})
lib.Total.restype = ctypes.c_char_p; lib.Total.argtypes = [ctypes.c_int64, ctypes.c_int64, ctypes.c_char_p]
lib.Total_last_error.restype = ctypes.c_char_p
lib.discount.restype = ctypes.c_int64; lib.discount.argtypes = [ctypes.c_int64, ctypes.c_int32]
out = [lib.Total(1000, 2, b"EUR").decode(), lib.Total(1999, 3, b"USD").decode(), lib.discount(999, 50)]
for qty, code in ((1, b"XXX"), (-1, b"EUR")):
    out += [lib.Total(1, qty, code), lib.Total_last_error().decode()]
print(json.dumps(out))
"""

    def call() -> object:
        import json

        return json.loads(run(sys.executable, "-c", code, cwd=tmp_path).stdout)

    assert call() == ["\u20ac24.00", "$71.96", 499, None, 'unknown currency "XXX"', None, "negative quantity"]
    assert _module_tree(module) == before  # the overlay only: nothing written to the module's folders
    assert _go_make("-q", "-f", "libmetropipe.mk", cwd=module).returncode == 0
    # a file of a package the library is built from (here an internal package's) makes it out of date
    time.sleep(0.05)
    (module / "internal" / "currency" / "currency.go").touch()
    assert _go_make("-q", "-f", "libmetropipe.mk", cwd=module).returncode == 1
    tax = module / "pricing" / "tax.go"
    tax.write_text(tax.read_text().replace("0.2", "0.5"))
    proc = _go_make("-f", "libmetropipe.mk", cwd=module)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert call()[0] == "\u20ac30.00"


def test_library_of_a_module_is_written_inside_it(tmp_path: Path) -> None:
    shutil.copytree(SHOP, tmp_path / "shop")
    proc = metropipe("export", "Total", "shop/pricing/pricing.go", "--target", "c-linker", cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "shop/pricing/pricing.go:12:6: error: c-linker: 'Total' is in the Go module example.com/shop (shop/go.mod), "
        "and the library's Go side is built inside that module, in its output folder: write the output inside the "
        "module (export from its folder)")
