"""``metropipe export`` from every source language: the real CLI, the python and c client stubs.

A language without a provider yet gets the client stubs only, and export says so in one line.
The Python stubs are compiled with ``py_compile``; the C stubs with ``gcc -fsyntax-only``
(a toolchain test). The wire layout depends only on the wire types and the function name, so
a function read from any language has the fingerprint its signature gives.
"""

from __future__ import annotations

import py_compile
import subprocess
from pathlib import Path

import pytest

from metropipe import layout
from metropipe.model import Function, Param, WireType
from tests.conftest import ROOT, metropipe, require
from tests.unit.parse_golden import read

FIXTURES = ROOT / "tests" / "fixtures" / "parse"
HAVE_C = (ROOT / "metropipe" / "targets" / "c" / "__init__.py").is_file()
TARGETS = ["python", "c"] if HAVE_C else ["python"]

# language folder -> (fixture, function, how the note names the language, the canonical signature)
CASES = {
    "rust": ("lib.rs", "parse_number", "Rust", "parse_number(string)->double"),
    "go": ("calc.go", "Checksum", "Go", "Checksum(bytes,int64)->int64"),
    "c": ("mylib.h", "mylib_reverse", "C", "mylib_reverse(bytes)->bytes"),
    "js": ("textkit.mjs", "digest", "JavaScript", "digest(bytes,int64)->bytes"),
    "ts": ("textkit.ts", "add", "TypeScript", "add(int32,int32)->int32"),
    "ruby": ("text_tools.rb", "greet", "Ruby", "greet(string,bool)->string"),
    "java": ("TextTools.java", "encode", "Java", "encode(string,int64,float)->bytes"),
    "csharp": ("TextTools.cs", "Check", "C#", "Check(int32,bool,float,int64,double)->void"),
}


def has_provider(lang: str) -> bool:
    from metropipe import targets

    return lang in targets.PROVIDERS


def export(lang: str, out: Path) -> tuple[Path, str]:
    file, name, display, _ = CASES[lang]
    proc = metropipe("export", name, file, "--target", *TARGETS, "--out", str(out), cwd=FIXTURES / lang)
    if has_provider(lang):
        assert "no provider exists yet" not in proc.stderr
    else:
        assert proc.stderr.splitlines() == [f"metropipe: note: no provider exists yet for {display} sources: "
                                            f"generated the client stubs for '{name}' only"]
    return out / "metropipe" / name, name


@pytest.mark.parametrize("lang", list(CASES))
def test_export_writes_the_client_stubs_and_says_when_no_provider_exists(lang: str, tmp_path: Path) -> None:
    folder, name = export(lang, tmp_path)
    stubs = ["stub.py", *(["stub.h"] if HAVE_C else [])]
    files = sorted(p.name for p in folder.iterdir())
    if has_provider(lang):
        assert set(stubs) <= set(files) and any("provider" in f.lower() for f in files), files
    else:
        assert files == sorted(stubs)
    py_compile.compile(str(folder / "stub.py"), doraise=True)
    text = (folder / "stub.py").read_text(encoding="utf-8")
    lay = layout.compute(read(lang, CASES[lang][0], name))
    assert f'{lay.fingerprint:#018X}, "{CASES[lang][3]}"'.replace("0X", "0x") in text
    assert f"/{lang}/{CASES[lang][0]} ({name})" in text.splitlines()[0]


@pytest.mark.parametrize("lang", list(CASES))
def test_the_layout_is_the_signature_alone(lang: str) -> None:
    file, name, _, signature = CASES[lang]
    fn = read(lang, file, name)
    assert layout.canonical_signature(fn) == signature
    bare = Function(name, tuple(Param(p.name, p.type) for p in fn.params), fn.result)
    assert layout.compute(fn).fingerprint == layout.compute(bare).fingerprint
    assert Function.from_json(fn.to_json()).to_json() == fn.to_json()  # native survives a unify record


@pytest.mark.toolchain
@pytest.mark.skipif(not HAVE_C, reason="the c target (metropipe/targets/c) is not in this checkout")
@pytest.mark.parametrize("lang", list(CASES))
def test_the_c_stub_compiles(lang: str, tmp_path: Path) -> None:
    gcc = require("gcc")
    folder, _ = export(lang, tmp_path)
    (folder / "use.c").write_text('#include "stub.h"\nint main(void) { return 0; }\n', encoding="utf-8")
    proc = subprocess.run([gcc, "-std=c11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-pedantic",
                           str(folder / "use.c")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_python_sources_print_no_note(tmp_path: Path) -> None:
    (tmp_path / "svc.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n", encoding="utf-8")
    proc = metropipe("export", "add", "svc.py", "--target", "python", cwd=tmp_path)
    assert proc.stderr == ""


def test_native_details_are_not_written_for_python(tmp_path: Path) -> None:
    fn = Function("f", (Param("a", WireType.INT32),), WireType.INT32, language="python")
    assert "native" not in fn.to_json() and fn.to_json()["params"] == [["a", "int32", False]]
