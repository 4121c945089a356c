"""c-linker for Rust sources: the real Rust function compiled into lib<function>.so behind the plain C ABI.

Real builds: the generated Makefile (rustc, then cc with a version script), nm, a C host program
built with gcc -Werror -pedantic, Python ctypes from two threads, g++ for the header. The fixtures
are in tests/toolchains/c_linker_rust/: mathkit.rs (every type, errors, a panic, a `mod` file, a
`#[no_mangle]` function of its own) and private_tool.rs (private fns: the file is include!d).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import metropipe, require
from tests.toolchains.linker_checks import exported, header_compiles_as_c11_and_cpp, intended, run

pytestmark = pytest.mark.toolchain
HERE = Path(__file__).resolve().parent / "c_linker_rust"
FUNCTIONS = ["add", "widen", "halve", "hypot", "negate", "greet", "shout", "sign", "first_word", "checksum",
             "reversed", "head", "describe", "divide", "parse", "check", "repeat", "isqrt", "with_nul", "noop",
             "nothing", "mix", "chars", "start"]
# hypot is a C library name: the header spells it hypot_ (and says so)
SYMBOLS = ["hypot_" if f == "hypot" else f for f in FUNCTIONS]


@pytest.fixture(scope="module")
def unified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every mathkit.rs function in one libmetropipe.so (c-linker --unify)."""
    require("rustc")
    require("cc")
    require("make")
    root = tmp_path_factory.mktemp("c-linker-rust")
    for name in ("mathkit.rs", "util.rs"):
        shutil.copy(HERE / name, root / name)
    for fn in FUNCTIONS:
        metropipe("export", fn, "mathkit.rs", "--target", "c-linker", "--unify", "-q", cwd=root)
    run("make", "-f", "libmetropipe.mk", cwd=root)
    return root


def test_the_files_are_a_header_a_rust_shim_and_a_makefile(unified: Path) -> None:
    assert {"libmetropipe.h", "libmetropipe.rs", "libmetropipe.mk", "libmetropipe.so"} <= {
        p.name for p in unified.iterdir()}
    assert not (unified / "libmetropipe.c").exists()
    shim = (unified / "libmetropipe.rs").read_text()
    assert '#[path = "mathkit.rs"]\nmod src0;' in shim
    assert '#[export_name = "hypot_"]' in shim and "src0::hypot(a0, a1)" in shim
    assert "the real Rust functions are compiled into it" in (unified / "libmetropipe.h").read_text()


def test_library_exports_only_the_functions(unified: Path) -> None:
    symbols = exported(unified / "libmetropipe.so")
    assert symbols == intended(SYMBOLS)
    assert "mathkit_version" not in symbols  # the source's own #[no_mangle] fn stays inside


def test_make_rebuilds_nothing_when_nothing_changed_and_follows_mod_files(unified: Path) -> None:
    lib = unified / "libmetropipe.so"
    before = lib.stat().st_mtime_ns
    proc = run("make", "-f", "libmetropipe.mk", cwd=unified)
    assert "Nothing to be done" in proc.stdout or "is up to date" in proc.stdout
    assert lib.stat().st_mtime_ns == before
    assert run("make", "-q", "-f", "libmetropipe.mk", cwd=unified, check=False).returncode == 0
    # util.rs is only named by `mod util;` inside mathkit.rs: rustc's dependency list has it
    past = time.time() - 100
    for path in unified.iterdir():
        os.utime(path, (past, past))
    os.utime(unified / "util.rs", (past + 50, past + 50))
    assert run("make", "-q", "-f", "libmetropipe.mk", cwd=unified, check=False).returncode == 1
    run("make", "-f", "libmetropipe.mk", cwd=unified)
    assert lib.stat().st_mtime_ns != before
    assert run("make", "-q", "-f", "libmetropipe.mk", cwd=unified, check=False).returncode == 0
    assert sorted(p.name for p in unified.iterdir() if p.name.startswith("libmetropipe.so")) == [
        "libmetropipe.so", "libmetropipe.so.d"]  # the archive, map and rustc's list are cleaned up


def test_c_program_calls_every_kind_of_rust_function(unified: Path) -> None:
    run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I.", HERE / "host.c", "-o", "host",
        "-L.", "-lmetropipe", f"-Wl,-rpath,{unified}", cwd=unified)
    proc = run(unified / "host", cwd=unified, env={**os.environ, "RUST_BACKTRACE": "0"})
    assert proc.stdout.splitlines() == [
        "add: 42",
        "add wraps: -2147483648",
        "widen: -9000000000",
        "halve: 1.50",
        "hypot: 5.0",
        "negate: 0",
        "greet: Hello, w\u00f6rld!",
        "shout: QUIET",
        "sign: negative",
        "first_word: [hello]",
        "first_word empty: []",
        "checksum: 256",
        "checksum empty: 0",
        "reversed: ptr 4 [250 3 2 1]",
        "head: ptr 2 [1 2]",
        "nothing: ptr 0 []",
        "describe: -5|-9000000000|1.5|0.25|true|h\u00e9|3",
        "divide: 0.25 [no error]",
        "divide by 0: 0.0 [MathError: division by zero]",
        "parse: 12 [no error]",
        'parse bad: 0 [cannot parse "12abc": invalid digit found in string]',
        "check: [no error]",
        "check over: [MathError: 3 is over the limit 2]",
        "repeat: ptr 4 [1 2 1 2]",
        "repeat bad: NULL 0 []",
        "repeat error: [negative count]",
        "isqrt panic: 0 [panic: isqrt of a negative number: -4]",
        "isqrt again: 4 [no error]",
        "with_nul: NULL [with_nul() returned a string containing NUL, which a C string cannot hold]",
        "noop: [no error]",
        "mix: 65",
        "chars: 3",
        "start: 100",
        "null string: 0 [chars: argument 'text' is NULL]",
        "bad utf-8: 0 [chars: argument 'text' is not valid UTF-8: invalid utf-8 sequence of 1 bytes from index 0]",
        "null bytes: 0 [checksum: argument 'data' is NULL]",
        "fingerprint: 1",
    ]
    assert "isqrt of a negative number: -4" in proc.stderr  # the panic hook's usual report; the process goes on


def test_python_ctypes_calls_the_library_from_two_threads(unified: Path) -> None:
    code = f"""
import ctypes, threading
lib = ctypes.CDLL({str(unified / "libmetropipe.so")!r})
lib.add.restype = ctypes.c_int32; lib.add.argtypes = [ctypes.c_int32, ctypes.c_int32]
lib.greet.restype = ctypes.c_char_p; lib.greet.argtypes = [ctypes.c_char_p]
lib.divide.restype = ctypes.c_double; lib.divide.argtypes = [ctypes.c_double, ctypes.c_double]
lib.divide_last_error.restype = ctypes.c_char_p
lib.negate.restype = ctypes.c_bool; lib.negate.argtypes = [ctypes.c_bool]
lib.reversed.restype = ctypes.POINTER(ctypes.c_uint8)
lib.reversed.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
n = ctypes.c_size_t()
p = lib.reversed(b"xyz", 3, ctypes.byref(n))
bad = []
def work(k):
    for i in range(2000):
        if lib.add(k, i) != k + i or lib.greet(str(k + i).encode()) != f"Hello, {{k + i}}!".encode():
            bad.append(i)
        # each thread sees its own last error: one fails while the other succeeds
        value = lib.divide(1.0, 0.0 if k else 2.0)
        error = lib.divide_last_error()
        if (k and (value, error) != (0.0, b"MathError: division by zero")) or (not k and (value, error) != (0.5, None)):
            bad.append(-i)
ts = [threading.Thread(target=work, args=(k * 10000,)) for k in range(2)]
[t.start() for t in ts]; [t.join() for t in ts]
print(lib.add(40, 2), lib.greet("w\\u00f6rld".encode()).decode(), lib.negate(False), bytes(p[: n.value]).decode(),
      lib.divide(1.0, 0.0), lib.divide_last_error().decode().split(":")[0], len(bad))
"""
    out = run(sys.executable, "-c", code, cwd=unified).stdout.split()
    assert out == ["42", "Hello,", "w\u00f6rld!", "True", "zyx", "0.0", "MathError", "0"]


def test_header_compiles_as_c11_and_cpp(unified: Path) -> None:
    header_compiles_as_c11_and_cpp(unified, ["libmetropipe.h"], "add_metropipe_fingerprint")


def test_generated_rust_is_warning_free(unified: Path) -> None:
    run(require("rustc"), "--crate-type", "staticlib", "--edition", "2021", "-D", "warnings", "--emit=metadata",
        "-o", unified / "shim.rmeta", "libmetropipe.rs", cwd=unified)


def test_private_function_namespace_layout_install_and_flags(tmp_path: Path) -> None:
    require("rustc")
    require("make")
    shutil.copy(HERE / "private_tool.rs", tmp_path / "private_tool.rs")
    metropipe("export", "greet", "private_tool.rs", "--target", "c-linker", "-q", cwd=tmp_path)
    folder = tmp_path / "metropipe" / "greet"
    assert {"Makefile", "greet.h", "greet.rs"} <= {p.name for p in folder.iterdir()}
    assert 'include!("../../private_tool.rs");' in (folder / "greet.rs").read_text()
    proc = run("make", "-C", "metropipe/greet", "RUSTFLAGS=-C opt-level=1 --cfg metropipe_marker",
               "LDFLAGS=-Wl,-z,now", cwd=tmp_path)
    assert "--cfg metropipe_marker" in proc.stdout and "-Wl,-z,now" in proc.stdout
    lib = folder / "libgreet.so"
    assert exported(lib) == intended(["greet"])
    assert run("make", "-q", "-C", "metropipe/greet", cwd=tmp_path, check=False).returncode == 0

    prefix = tmp_path / "prefix"
    run("make", "-C", "metropipe/greet", "install", "PREFIX=/opt/mp", f"DESTDIR={prefix}", cwd=tmp_path)
    installed = prefix / "opt/mp/lib/libgreet.so"
    assert installed.is_file() and (prefix / "opt/mp/include/greet.h").is_file()
    code = (f"import ctypes; lib = ctypes.CDLL({str(installed)!r}); lib.greet.restype = ctypes.c_char_p; "
            "lib.greet.argtypes = [ctypes.c_char_p, ctypes.c_bool]; lib.greet_last_error.restype = ctypes.c_char_p; "
            "print(lib.greet(b'ab', True).decode()); print(lib.greet(b'', False)); "
            "print(lib.greet_last_error().decode())")
    assert run(sys.executable, "-c", code, cwd=tmp_path).stdout.splitlines() == [
        "Hello, ab! (6162)", "None", "nobody to greet"]

    # editing the source rebuilds; a changed signature is a compile error until exported again
    source = tmp_path / "private_tool.rs"
    source.write_text(source.read_text().replace('let end = if excited { "!" } else { "." };',
                                                 'let end = if excited { "!!" } else { "." };'))
    assert run("make", "-q", "-C", "metropipe/greet", cwd=tmp_path, check=False).returncode == 1
    run("make", "-C", "metropipe/greet", cwd=tmp_path)
    source.write_text(source.read_text().replace("fn greet(name: &str, excited: bool)", "fn greet(name: &str)")
                      .replace("if excited", "if true").replace('greet("main", true)', 'greet("main")'))
    assert run("make", "-C", "metropipe/greet", cwd=tmp_path, check=False).returncode != 0
    metropipe("export", "greet", "private_tool.rs", "--target", "c-linker", "-q", cwd=tmp_path)
    run("make", "-C", "metropipe/greet", cwd=tmp_path)
    run("make", "-C", "metropipe/greet", "clean", cwd=tmp_path)
    assert not lib.exists() and not (folder / "libgreet.so.d").exists()


def test_flat_layout(tmp_path: Path) -> None:
    require("rustc")
    require("make")
    for name in ("mathkit.rs", "util.rs"):
        shutil.copy(HERE / name, tmp_path / name)
    metropipe("export", "greet", "mathkit.rs", "--target", "c-linker", "--flat", "-q", cwd=tmp_path)
    assert {"libgreet.h", "libgreet.rs", "libgreet.mk"} <= {p.name for p in (tmp_path / "metropipe").iterdir()}
    run("make", "-f", "metropipe/libgreet.mk", cwd=tmp_path)
    assert exported(tmp_path / "metropipe" / "libgreet.so") == intended(["greet"])


def test_unify_takes_functions_of_several_rust_sources(tmp_path: Path) -> None:
    require("rustc")
    require("make")
    for name in ("mathkit.rs", "util.rs", "private_tool.rs"):
        shutil.copy(HERE / name, tmp_path / name)
    metropipe("export", "add", "mathkit.rs", "--target", "c-linker", "--unify", "-q", cwd=tmp_path)
    metropipe("export", "greet", "private_tool.rs", "--target", "c-linker", "--unify", "-q", cwd=tmp_path)
    run("make", "-f", "libmetropipe.mk", cwd=tmp_path)
    lib = tmp_path / "libmetropipe.so"
    assert exported(lib) == intended(["add", "greet"])
    code = (f"import ctypes; lib = ctypes.CDLL({str(lib)!r}); lib.greet.restype = ctypes.c_char_p; "
            "lib.greet.argtypes = [ctypes.c_char_p, ctypes.c_bool]; "
            "print(lib.add(2, 3), lib.greet(b'x', False).decode())")
    assert run(sys.executable, "-c", code, cwd=tmp_path).stdout.strip() == "5 Hello, x. (78)"


def test_metropipe_build_makes_the_library(tmp_path: Path) -> None:
    require("rustc")
    require("make")
    for name in ("mathkit.rs", "util.rs"):
        shutil.copy(HERE / name, tmp_path / name)
    (tmp_path / "metropipe.toml").write_text('[[export]]\nfunction = "add"\nsource = "mathkit.rs"\n'
                                             'targets = ["c-linker"]\n')
    metropipe("build", cwd=tmp_path)
    lib = tmp_path / "metropipe" / "add" / "libadd.so"
    assert exported(lib) == intended(["add"])
    before = lib.stat().st_mtime_ns
    out = metropipe("build", cwd=tmp_path).stdout
    assert "nothing to do" in out and lib.stat().st_mtime_ns == before


def test_a_fn_private_to_an_inline_mod_is_refused(tmp_path: Path) -> None:
    shutil.copy(HERE.parent / "rust_provider" / "nested_private.rs", tmp_path / "lib.rs")
    proc = metropipe("export", "secret", "lib.rs", "--target", "c-linker", cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert ("error: c-linker: 'secret' is private to mod 'inner', so the library cannot call it; make it "
            "pub(crate) (or pub)") in proc.stderr
    assert "Traceback" not in proc.stderr


def test_other_source_languages_get_a_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "tool.rb").write_text("# Doubles a number.\n# @param x [Integer]\n# @return [Integer]\n"
                                      "def twice(x)\n  x * 2\nend\n")
    proc = metropipe("export", "twice", "tool.rb", "--target", "c-linker", cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert ("c-linker is not available for ruby sources yet; call 'twice' through the shared-memory targets "
            "instead (for example --target c)") in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "metropipe").exists()


# --- a function of a Cargo crate ------------------------------------------------------------

CRATE = HERE.parent / "rust_provider" / "crate"  # inventory: `pub mod stock; mod util;`, a path dependency
REORDER = """
import ctypes, json, sys
lib = ctypes.CDLL(sys.argv[1])
f = lib.reorder_level
f.restype = ctypes.c_int64; f.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_int32]
lib.reorder_level_last_error.restype = ctypes.c_char_p
out = [f(b"bolts", 10, 3), f(b"nuts", 0, 1), f(b"bolts", 1, 0), lib.reorder_level_last_error().decode()]
if hasattr(lib, "add"):
    out.append(lib.add(2, 3))
print(json.dumps(out))
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def reorder(lib: Path) -> list[object]:
    import json

    return list(json.loads(run(sys.executable, "-c", REORDER, lib, cwd=lib.parent).stdout))


@pytest.fixture
def crate_root(tmp_path: Path) -> Path:
    require("cargo")
    require("cc")
    require("make")
    shutil.copytree(CRATE, tmp_path / "crate")
    return tmp_path


def test_crate_function_is_built_through_its_crate(crate_root: Path) -> None:
    root = crate_root
    before = snapshot(root / "crate")
    env = {**os.environ, "CARGO_TARGET_DIR": str(root / "elsewhere")}
    proc = metropipe("export", "reorder_level", "crate/src/stock.rs", "--target", "c-linker", cwd=root)
    assert ("metropipe: note: c-linker: 'reorder_level' is called as inventory::stock::reorder_level from a generated "
            "Cargo package that depends on the crate inventory (crate/Cargo.toml)") in proc.stderr
    folder = root / "metropipe" / "reorder_level"
    assert "::inventory::stock::reorder_level(" in (folder / "reorder_level.rs").read_text()
    assert 'inventory = { package = "inventory", path = "../../../crate" }' in \
        (folder / "libreorder_level_cargo" / "Cargo.toml").read_text()
    run("make", "-C", "metropipe/reorder_level", cwd=root, env=env)
    lib = folder / "libreorder_level.so"
    assert exported(lib) == intended(["reorder_level"])
    assert reorder(lib) == [60, 0, 0, "bolts: 0 days is not between 1 and 365"]
    assert snapshot(root / "crate") == before and not (root / "elsewhere").exists()
    # nothing changed: make does not even run cargo; a file of the crate changed: it rebuilds
    assert run("make", "-q", "-C", "metropipe/reorder_level", cwd=root, check=False).returncode == 0
    built = lib.stat().st_mtime_ns
    assert "Nothing to be done" in run("make", "-C", "metropipe/reorder_level", cwd=root, env=env).stdout
    assert lib.stat().st_mtime_ns == built
    util = root / "crate" / "src" / "util.rs"
    util.write_text(util.read_text().replace("(value + step - 1) / step * step", "(value + step) / step * step"))
    future = time.time() + 5
    os.utime(util, (future, future))
    assert run("make", "-q", "-C", "metropipe/reorder_level", cwd=root, check=False).returncode == 1
    run("make", "-C", "metropipe/reorder_level", cwd=root, env=env)
    assert reorder(lib)[:2] == [60, 12]
    os.utime(lib, (future + 1, future + 1))
    assert run("make", "-q", "-C", "metropipe/reorder_level", cwd=root, check=False).returncode == 0
    run("make", "-C", "metropipe/reorder_level", "clean", cwd=root)
    assert not lib.exists() and not (folder / "libreorder_level_cargo" / "target").exists()


def test_unified_library_of_a_crate_and_a_plain_file_is_warning_free(crate_root: Path) -> None:
    root = crate_root
    for name in ("mathkit.rs", "util.rs"):
        shutil.copy(HERE / name, root / name)
    metropipe("export", "add", "mathkit.rs", "--target", "c-linker", "--unify", "-q", cwd=root)
    metropipe("export", "reorder_level", "crate/src/stock.rs", "--target", "c-linker", "--unify", "-q", cwd=root)
    run("make", "-f", "libmetropipe.mk", cwd=root)
    lib = root / "libmetropipe.so"
    assert exported(lib) == intended(["add", "reorder_level"])
    assert reorder(lib) == [60, 0, 0, "bolts: 0 days is not between 1 and 365", 5]
    # -D warnings for the shim only (the user's crate is built as cargo builds it)
    run("cargo", "rustc", "--offline", "--release", "--manifest-path", "libmetropipe_cargo/Cargo.toml", "--target-dir",
        "libmetropipe_cargo/target", "--", "-D", "warnings", cwd=root)
    metropipe("export", "reorder_level", "crate/src/stock.rs", "--target", "c-linker", "--flat", "-q", cwd=root)
    run("make", "-f", "metropipe/libreorder_level.mk", cwd=root)
    assert exported(root / "metropipe" / "libreorder_level.so") == intended(["reorder_level"])


def test_private_fn_of_a_crate_is_compiled_alone_with_a_note(crate_root: Path) -> None:
    proc = metropipe("export", "packs", "crate/src/stock.rs", "--target", "c-linker", cwd=crate_root)
    assert ("metropipe: note: c-linker: 'packs': crate/src/stock.rs is compiled into the library on its own, not "
            "through its crate ('packs' is private, not pub)") in proc.stderr
    assert 'include!("../../crate/src/stock.rs");' in (crate_root / "metropipe" / "packs" / "packs.rs").read_text()


def test_metropipe_build_rebuilds_when_another_file_of_the_crate_changes(crate_root: Path) -> None:
    """metropipe build asks make -q about libraries that compile a crate in: util.rs is not the source."""
    root = crate_root
    (root / "metropipe.toml").write_text('[[export]]\nfunction = "reorder_level"\nsource = "crate/src/stock.rs"\n'
                                         'targets = ["c-linker"]\n')
    assert "libraries built 1" in metropipe("build", cwd=root).stdout
    lib = root / "metropipe" / "reorder_level" / "libreorder_level.so"
    assert reorder(lib)[:2] == [60, 0]
    assert "libraries built 0" in metropipe("build", cwd=root).stdout  # make -q: up to date, nothing compiled
    util = root / "crate" / "src" / "util.rs"
    util.write_text(util.read_text().replace("(value + step - 1) / step * step", "(value + step) / step * step"))
    future = time.time() + 5
    os.utime(util, (future, future))
    out = metropipe("build", "-v", cwd=root).stdout
    assert "libraries built 1" in out and "a file it is compiled from changed" in out, out
    assert reorder(lib)[:2] == [60, 12]
