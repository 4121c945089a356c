"""c-direct and c-linker: two languages in one process, through the plain C ABI.

Real builds: the generated Makefile, gcc/g++, a C host program, Python ctypes, nm.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, metropipe, require
from tests.toolchains.linker_checks import header_compiles_as_c11_and_cpp, run

pytestmark = pytest.mark.toolchain
FIXTURES = ROOT / "tests" / "fixtures" / "same_process"
ALL = ["describe", "twice", "widen", "halve", "scale", "negate", "repeat", "fail", "too_big", "record"]


@pytest.fixture(scope="module")
def unified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fixture function in one libmetropipe.so (c-linker --unify) and one registry (c-direct --unify)."""
    require("gcc")
    require("make")
    root = tmp_path_factory.mktemp("same-process")
    shutil.copy(FIXTURES / "kinds.py", root / "kinds.py")
    for name in ALL:
        metropipe("export", name, "kinds.py", "--target", "c-linker", "c-direct", "--unify", "-q", cwd=root)
    run("make", "-f", "libmetropipe.mk", cwd=root)
    return root


def test_library_exports_only_the_functions(unified: Path) -> None:
    nm = require("nm")
    out = run(nm, "-D", "--defined-only", "libmetropipe.so", cwd=unified).stdout
    symbols = sorted(line.split()[-1] for line in out.splitlines() if line.strip())
    expected = sorted([*ALL, *(f"{n}_last_error" for n in ALL), *(f"{n}_metropipe_fingerprint" for n in ALL)])
    assert symbols == expected


def test_make_rebuilds_nothing_when_nothing_changed(unified: Path) -> None:
    lib = unified / "libmetropipe.so"
    before = lib.stat().st_mtime_ns
    proc = run("make", "-f", "libmetropipe.mk", cwd=unified)
    assert "Nothing to be done" in proc.stdout or "is up to date" in proc.stdout
    assert lib.stat().st_mtime_ns == before
    assert run("make", "-q", "-f", "libmetropipe.mk", cwd=unified, check=False).returncode == 0


def test_c_program_calls_every_kind_of_python_function(unified: Path) -> None:
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I.", FIXTURES / "host.c", "-o", "host",
        "-L.", "-lmetropipe", f"-Wl,-rpath,{unified}", "-lpthread", cwd=unified)
    out = run(unified / "host", cwd=unified.parent).stdout.splitlines()
    assert out == [
        "describe: t:-5|-9000000000|1.5|0.25|True|h\u00e9|00ff",
        "twice: 42",
        "widen: -9223372036854775808",
        "halve: 1.5",
        "scale: 3",
        "negate: 0 1",
        "repeat: 6 ababab",
        "fail: 0 [ValueError: kaput]",
        "twice ok: [no error]",
        "too_big: 0 [too_big() returned an int that does not fit int32]",
        "record: [no error]",
        "bad utf-8: [NULL] [describe: argument 'text': UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff "
        "in position 0: invalid start byte]",
        "threads: 0 wrong",
    ]


def test_python_ctypes_calls_the_library(unified: Path) -> None:
    code = f"""
import ctypes, threading
lib = ctypes.CDLL({str(unified / "libmetropipe.so")!r})
lib.twice.restype = ctypes.c_int32; lib.twice.argtypes = [ctypes.c_int32]
lib.scale.restype = ctypes.c_double; lib.scale.argtypes = [ctypes.c_double]
lib.fail.restype = ctypes.c_int32; lib.fail.argtypes = [ctypes.c_char_p]
lib.fail_last_error.restype = ctypes.c_char_p
lib.repeat.restype = ctypes.POINTER(ctypes.c_uint8)
lib.repeat.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int32, ctypes.POINTER(ctypes.c_size_t)]
n = ctypes.c_size_t()
p = lib.repeat(b"xy", 2, 2, ctypes.byref(n))
bad = []
def work(k):
    bad.extend(i for i in range(1000) if lib.twice(k + i) != 2 * (k + i))
ts = [threading.Thread(target=work, args=(k * 10000,)) for k in range(2)]
[t.start() for t in ts]; [t.join() for t in ts]
print(lib.twice(21), lib.scale(2.0), lib.fail(b"no"), lib.fail_last_error().decode(),
      bytes(p[: n.value]).decode(), len(bad))
"""
    out = run(sys.executable, "-c", code, cwd=unified).stdout.split()
    assert out == ["42", "3.0", "0", "ValueError:", "no", "xyxy", "0"]


def test_header_compiles_as_c11_and_cpp(unified: Path) -> None:
    header_compiles_as_c11_and_cpp(unified, ["libmetropipe.h", "metropipe_registry.h"], "twice_metropipe_fingerprint")


def test_generated_c_is_clean(unified: Path) -> None:
    include = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fPIC", f"-I{include}", "-c",
        "libmetropipe.c", "-o", "clean.o", cwd=unified)


def test_registry_filled_statically(unified: Path) -> None:
    exe = unified / "registry_host"
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I.", FIXTURES / "registry_host.c", "-o", exe,
        "-ldl", cwd=unified)
    proc = run(exe, "static", cwd=unified, check=False)
    assert proc.returncode == -6  # abort(): negate was never registered
    assert proc.stdout.splitlines() == ["missing: fail", "twice: 41", "describe: x"]
    assert proc.stderr.strip() == (
        "metropipe: the c-direct function 'negate' was never registered: call metropipe_register_negate(), set "
        "metropipe_get_registry()->negate, or metropipe_registry_load() a library that exports it")


def test_registry_filled_from_the_c_linker_library(unified: Path) -> None:
    exe = unified / "registry_host_cpp"
    shutil.copy(FIXTURES / "registry_host.c", unified / "registry_host.cpp")
    run(require("g++"), "-std=c++17", "-Wall", "-Wextra", "-Werror", "-I.", "registry_host.cpp", "-o", exe, "-ldl",
        cwd=unified)
    proc = run(exe, "dlopen", unified / "libmetropipe.so", cwd=unified)
    assert proc.stdout.splitlines() == [
        f"loaded: 10 (metropipe_registry_load: {unified / 'libmetropipe.so'} exports 10 of 10 functions)",
        "missing: none", "twice: 40", "describe: 1|2|3.0|4.0|True|x|", "negate: 0"]


def test_namespace_layout_install_and_rebuild_on_change(tmp_path: Path) -> None:
    require("gcc")
    require("make")
    (tmp_path / "svc.py").write_text("def classify(text: str, limit: int) -> str:\n"
                                     "    return 'long' if len(text.split()) > limit else 'short'\n")
    out = metropipe("export", "classify", "svc.py", "--target", "c-linker", cwd=tmp_path).stdout
    folder = tmp_path / "metropipe" / "classify"
    assert sorted(p.name for p in folder.iterdir()) == ["Makefile", "classify.c", "classify.h", "provider.py"]
    assert "wrote  metropipe/classify/Makefile" in out
    run("make", cwd=folder)
    prefix = tmp_path / "prefix"
    run("make", "install", "PREFIX=/opt/mp", f"DESTDIR={prefix}", cwd=folder)
    assert (prefix / "opt/mp/lib/libclassify.so").is_file() and (prefix / "opt/mp/include/classify.h").is_file()
    # The installed copy still finds svc.py (recorded at build time) from anywhere.
    code = (f"import ctypes; lib = ctypes.CDLL({str(prefix / 'opt/mp/lib/libclassify.so')!r}); "
            "lib.classify.restype = ctypes.c_char_p; print(lib.classify(b'a b c', ctypes.c_int64(1)).decode())")
    assert run(sys.executable, "-c", code, cwd=prefix).stdout.strip() == "long"
    # CFLAGS are honoured, and a changed signature rebuilds the library.
    lib = folder / "libclassify.so"
    before = lib.stat().st_mtime_ns
    (tmp_path / "svc.py").write_text("def classify(text: str, limit: int, strict: bool) -> str:\n    return text\n")
    metropipe("export", "classify", "svc.py", "--target", "c-linker", "-q", cwd=tmp_path)
    proc = run("make", "CFLAGS=-O0 -DMARKER_FLAG", cwd=folder)
    assert "-DMARKER_FLAG" in proc.stdout and lib.stat().st_mtime_ns != before


def test_stale_library_refuses_a_changed_function(tmp_path: Path) -> None:
    require("make")
    (tmp_path / "svc.py").write_text("def twice(x: int) -> int:\n    return 2 * x\n")
    metropipe("export", "twice", "svc.py", "--target", "c-linker", "-q", cwd=tmp_path)
    folder = tmp_path / "metropipe" / "twice"
    run("make", cwd=folder)
    (tmp_path / "svc.py").write_text("def twice(y: int, z: int) -> int:\n    return 2 * y\n")
    code = (f"import ctypes; lib = ctypes.CDLL({str(folder / 'libtwice.so')!r}); "
            "lib.twice.restype = ctypes.c_int64; lib.twice.argtypes = [ctypes.c_int64]; "
            "lib.twice_last_error.restype = ctypes.c_char_p; "
            "print(lib.twice(4)); print(lib.twice_last_error().decode())")
    out = run(sys.executable, "-c", code, cwd=tmp_path).stdout.splitlines()
    assert out == ["0", "twice: TypeError: twice(y, z) no longer matches this library, generated for twice(x); "
                        "run metropipe export again"]


@pytest.mark.parametrize("target", ["c-linker", "c-direct"])
def test_raw_functions_are_refused(tmp_path: Path, target: str) -> None:
    proc = metropipe("export", "classify", "--target", target, cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert f"error: {target} needs the function's signature: export 'classify' with its source file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unify_replaces_a_field_instead_of_duplicating_it(unified: Path, tmp_path: Path) -> None:
    registry = (unified / "metropipe_registry.h").read_text()
    assert registry.count("metropipe_twice_fn twice;") == 1
    shutil.copy(unified / "kinds.py", tmp_path / "kinds.py")
    for _ in range(2):
        metropipe("export", "twice", "kinds.py", "--target", "c-direct", "--unify", "-q", cwd=tmp_path)
    assert (tmp_path / "metropipe_registry.h").read_text().count("metropipe_twice_fn twice;") == 1
    assert os.path.getsize(tmp_path / "metropipe_registry.h") > 0


def test_library_without_its_source_tree_imports_the_installed_module(tmp_path: Path) -> None:
    """Installed elsewhere (a wheel, a prefix) with the source tree gone, the library imports the module by name."""
    require("gcc")
    require("make")
    project = tmp_path / "project"
    (project / "shapes" / "geometry").mkdir(parents=True)
    for package in ("shapes", "shapes/geometry"):
        (project / package / "__init__.py").write_text("")
    (project / "shapes" / "geometry" / "areas.py").write_text(
        "def area(w: float, h: float) -> float:\n    return w * h\n")
    metropipe("export", "area", "shapes/geometry/areas.py", "--target", "c-linker", "-q", cwd=project)
    assert "imports it as the module\n * shapes.geometry.areas" in (project / "metropipe/area/area.h").read_text()
    run("make", "install", "PREFIX=/usr", f"DESTDIR={tmp_path / 'stage'}", cwd=project / "metropipe" / "area")
    site = tmp_path / "site-packages"
    shutil.copytree(project / "shapes", site / "shapes")  # where pip would install the package
    shutil.rmtree(project)
    lib = tmp_path / "stage" / "usr" / "lib" / "libarea.so"
    code = (f"import ctypes; lib = ctypes.CDLL({str(lib)!r}); lib.area.restype = ctypes.c_double; "
            "lib.area.argtypes = [ctypes.c_double, ctypes.c_double]; lib.area_last_error.restype = ctypes.c_char_p; "
            "print(lib.area(3.0, 4.5)); print((lib.area_last_error() or b'-').decode())")
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.stdout.splitlines() == ["13.5", "-"], proc.stderr
    # Nowhere to be found: the error names both places and the module.
    env["PYTHONPATH"] = ""
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    value, error = proc.stdout.splitlines()
    assert value == "0.0" and error.startswith(f"area: ImportError: the source is neither at {lib.parent}/"), error
    assert error.endswith(" nor importable as shapes.geometry.areas (No module named 'shapes'): set PYTHONPATH, or "
                          "install its package")
