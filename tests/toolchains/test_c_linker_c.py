"""c-linker for C sources: the real C function compiled into lib<function>.so behind the plain C ABI.

Real builds: the generated Makefile, gcc, nm, a C host program, Python ctypes. The fixture is the
textkit library of tests/toolchains/c_provider/ (a header, its implementation, every convention).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import metropipe, require
from tests.toolchains.linker_checks import header_compiles_as_c11_and_cpp, run

pytestmark = pytest.mark.toolchain
HERE = Path(__file__).resolve().parent / "c_provider"
FUNCTIONS = ["tk_add", "tk_scale", "tk_halve", "tk_divide", "tk_is_even", "tk_greet", "tk_join", "tk_hash",
             "tk_reverse", "tk_parse", "tk_check", "tk_touch", "tk_touches", "tk_twice"]


@pytest.fixture(scope="module")
def unified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("gcc")
    require("make")
    root = tmp_path_factory.mktemp("c-linker-c")
    for name in ("textkit.h", "textkit.c"):
        shutil.copy(HERE / name, root / name)
    for fn in FUNCTIONS:
        metropipe("export", fn, "textkit.h", "--target", "c-linker", "--unify", "-q", cwd=root)
    run("make", "-f", "libmetropipe.mk", cwd=root)
    return root


def test_library_exports_only_the_functions(unified: Path) -> None:
    out = run(require("nm"), "-D", "--defined-only", "libmetropipe.so", cwd=unified).stdout
    symbols = sorted(line.split()[-1] for line in out.splitlines() if line.strip())
    assert symbols == sorted([*FUNCTIONS, *(f"{n}_last_error" for n in FUNCTIONS),
                              *(f"{n}_metropipe_fingerprint" for n in FUNCTIONS)])


def test_make_rebuilds_nothing_when_nothing_changed(unified: Path) -> None:
    assert run("make", "-q", "-f", "libmetropipe.mk", cwd=unified, check=False).returncode == 0


def test_c_program_calls_every_kind_of_c_function(unified: Path) -> None:
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I.", HERE / "linker_host.c", "-o", "host",
        "-L.", "-lmetropipe", f"-Wl,-rpath,{unified}", cwd=unified)
    assert run(unified / "host", cwd=unified).stdout.splitlines() == [
        "add: 42",
        "scale: -9000000000",
        "halve: 1.50 twice: -0.50",
        "even: 1 0",
        "greet: Hello, w\u00f6rld!",
        "join: a+b",
        "hash: 1469598103934665603",
        "reverse: 3 321",
        "divide: 0.0 [ZeroDivisionError: division by zero]",
        "divide ok: 0.25 [no error]",
        "reverse empty: NULL 0 [ValueError: nothing to reverse]",
        "parse: 2500.0 [no error]",
        "parse bad: 0.0 [ParseError: not a number: '12abc']",
        "check: [StatusError: status is not 0]",
        "touches: 2",
        "fingerprint: 1",
    ]


def test_python_ctypes_calls_the_library(unified: Path) -> None:
    code = f"""
import ctypes, threading
lib = ctypes.CDLL({str(unified / "libmetropipe.so")!r})
lib.tk_add.restype = ctypes.c_int32; lib.tk_add.argtypes = [ctypes.c_int32, ctypes.c_int32]
lib.tk_join.restype = ctypes.c_char_p; lib.tk_join.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
lib.tk_divide.restype = ctypes.c_double; lib.tk_divide.argtypes = [ctypes.c_double, ctypes.c_double]
lib.tk_divide_last_error.restype = ctypes.c_char_p
lib.tk_reverse.restype = ctypes.POINTER(ctypes.c_uint8)
lib.tk_reverse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
n = ctypes.c_size_t()
p = lib.tk_reverse(b"xyz", 3, ctypes.byref(n))
bad = []
def work(k):
    bad.extend(i for i in range(1000) if lib.tk_add(k, i) != k + i)
ts = [threading.Thread(target=work, args=(k * 10000,)) for k in range(2)]
[t.start() for t in ts]; [t.join() for t in ts]
print(lib.tk_add(40, 2), lib.tk_join(b"a", b"b").decode(), lib.tk_divide(1.0, 0.0),
      lib.tk_divide_last_error().decode().split(":")[0], bytes(p[: n.value]).decode(), len(bad))
"""
    out = run(sys.executable, "-c", code, cwd=unified).stdout.split()
    assert out == ["42", "a+b", "0.0", "ZeroDivisionError", "zyx", "0"]


def test_header_compiles_as_c11_and_cpp(unified: Path) -> None:
    header_compiles_as_c11_and_cpp(unified, ["libmetropipe.h"], "tk_add_metropipe_fingerprint")


def test_generated_c_is_clean(unified: Path) -> None:
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fPIC", "-c", "libmetropipe.c", "-o",
        "clean.o", cwd=unified)


def test_a_static_function_of_a_program_and_a_header_with_sources(tmp_path: Path) -> None:
    require("gcc")
    require("make")
    shutil.copy(HERE / "wordcount.c", tmp_path / "wordcount.c")
    metropipe("export", "count_words", "wordcount.c", "--target", "c-linker", "-q", cwd=tmp_path)
    run("make", "-C", "metropipe/count_words", cwd=tmp_path)
    lib = tmp_path / "metropipe" / "count_words" / "libcount_words.so"
    out = run(require("nm"), "-D", "--defined-only", lib, cwd=tmp_path).stdout
    assert sorted(line.split()[-1] for line in out.splitlines() if line.strip()) == [
        "count_words", "count_words_last_error", "count_words_metropipe_fingerprint"]
    code = f"import ctypes; lib = ctypes.CDLL({str(lib)!r}); print(lib.count_words(b'a b  c'))"
    assert run(sys.executable, "-c", code, cwd=tmp_path).stdout.strip() == "3"

    (tmp_path / "include").mkdir()
    (tmp_path / "src").mkdir()
    shutil.copy(HERE / "textkit.h", tmp_path / "include" / "textkit.h")
    shutil.copy(HERE / "textkit.c", tmp_path / "src" / "textkit.c")
    metropipe("export", "tk_join", "include/textkit.h", "--target", "c-linker", "-q", cwd=tmp_path)
    missing = run("make", "-C", "metropipe/tk_join", cwd=tmp_path, check=False)
    assert missing.returncode != 0
    assert "tk_join: only declared in include/textkit.h; name the implementation" in missing.stderr
    run("make", "-C", "metropipe/tk_join", f"SOURCES={tmp_path / 'src' / 'textkit.c'}",
        f"CPPFLAGS=-I{tmp_path / 'include'}", cwd=tmp_path)
    lib = tmp_path / "metropipe" / "tk_join" / "libtk_join.so"
    code = (f"import ctypes; lib = ctypes.CDLL({str(lib)!r}); lib.tk_join.restype = ctypes.c_char_p; "
            "print(lib.tk_join(b'x', b'y').decode())")
    assert run(sys.executable, "-c", code, cwd=tmp_path).stdout.strip() == "x+y"
