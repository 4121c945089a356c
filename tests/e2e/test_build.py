"""``metropipe build``, ``check``, ``outputs`` and ``clean`` on real projects, through the real CLI.

Incremental behaviour is asserted on the files themselves: their bytes and their mtimes
(set to an old date first, so any rewrite shows).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from metropipe import __version__
from tests.conftest import ROOT, metropipe, require

OLD = 1_000_000_000_000_000_000  # 2001-09-09, in ns

SERVICES = '''\
"""A user's module."""
from typing import NewType

int32 = NewType("int32", int)


def classify(text: str, threshold: int32) -> str:
    """Label a text by its length."""
    return "long" if len(text.split()) > threshold else "short"


def add(a: int, b: int) -> int:
    return a + b
'''
MANIFEST = '''\
[[export]]
function = "classify"
source = "services.py"
targets = ["python", "c"]

[[export]]
function = "add"
source = "services.py"
targets = ["python"]
'''
CLASSIFY = ["metropipe/classify/provider.py", "metropipe/classify/stub.h", "metropipe/classify/stub.py"]
ADD = ["metropipe/add/provider.py", "metropipe/add/stub.py"]
SUMMARY = re.compile(r"metropipe build: regenerated (\d+), up to date (\d+), removed (\d+), libraries built (\d+) "
                     r"\((.*); [0-9.]+ s\)$")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "services.py").write_text(SERVICES, encoding="utf-8")
    (root / "metropipe.toml").write_text(MANIFEST, encoding="utf-8")
    return root


def build(root: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return metropipe("build", *args, cwd=root, check=check, env=env)


def summary(proc: subprocess.CompletedProcess[str]) -> tuple[int, int, int, int, str]:
    m = SUMMARY.match(proc.stdout.strip().splitlines()[-1])
    assert m, proc.stdout
    return int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5]


def generated(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "metropipe").rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts) if (root / "metropipe").exists() else []


def age(root: Path) -> dict[str, bytes]:
    """Set every generated file's mtime to OLD; return their contents."""
    out = {}
    for rel in generated(root):
        os.utime(root / rel, ns=(OLD, OLD))
        out[rel] = (root / rel).read_bytes()
    return out


def rewritten(root: Path) -> list[str]:
    return [rel for rel in generated(root) if (root / rel).stat().st_mtime_ns != OLD]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- build ---------------------------------------------------------------------------------


def test_cold_build_then_a_no_op_writes_nothing(project: Path) -> None:
    proc = build(project)
    assert summary(proc) == (2, 0, 0, 0, "5 files written, no compiler run")
    assert generated(project) == sorted(ADD + CLASSIFY)
    assert (project / ".metropipe/.gitignore").read_text().splitlines()[-1] == "*"
    before = age(project)
    proc = build(project)
    assert summary(proc) == (0, 2, 0, 0, "nothing to do: no file written, no compiler run")
    assert rewritten(project) == []
    assert {rel: (project / rel).read_bytes() for rel in generated(project)} == before
    # the record took the new mtimes (same bytes); from now on a build touches no file at all, the record included
    state = project / ".metropipe/state.json"
    os.utime(state, ns=(OLD + 10**9, OLD + 10**9))
    state_bytes = state.read_bytes()
    proc = build(project)
    assert summary(proc) == (0, 2, 0, 0, "nothing to do: no file written, no compiler run")
    assert rewritten(project) == []
    assert state.read_bytes() == state_bytes and state.stat().st_mtime_ns == OLD + 10**9


def test_body_only_edit_reparses_and_rewrites_nothing(project: Path) -> None:
    build(project)
    age(project)
    edit(project / "services.py", "return a + b", "return b + a  # commutative")
    proc = build(project, "-v")
    assert "up to date  add: services.py changed; signature unchanged, nothing to rewrite" in proc.stdout
    assert summary(proc)[:2] == (0, 2)
    assert rewritten(project) == []


def test_signature_change_regenerates_only_that_export(project: Path) -> None:
    build(project)
    age(project)
    edit(project / "services.py", "def add(a: int, b: int) -> int:", "def add(a: int32, b: int32) -> int32:")
    proc = build(project, "-v")
    assert ("regenerated add (in .): signature changed: add(a: int64, b: int64) -> int64 => "
            "add(a: int32, b: int32) -> int32") in proc.stdout
    assert summary(proc) == (1, 1, 0, 0, "2 files written, no compiler run")
    assert rewritten(project) == ADD
    assert "add(int32,int32)->int32" in (project / "metropipe/add/stub.py").read_text(encoding="utf-8")


def test_a_deleted_or_edited_output_is_restored(project: Path) -> None:
    build(project)
    before = age(project)
    (project / "metropipe/add/stub.py").unlink()
    (project / "metropipe/classify/stub.h").write_text("/* mine */\n", encoding="utf-8")
    proc = build(project, "-v")
    assert "regenerated add (in .): metropipe/add/stub.py is missing" in proc.stdout
    assert "regenerated classify (in .): metropipe/classify/stub.h was edited since it was generated" in proc.stdout
    assert rewritten(project) == ["metropipe/add/stub.py", "metropipe/classify/stub.h"]
    assert {rel: (project / rel).read_bytes() for rel in generated(project)} == before


def test_a_new_target_and_a_manifest_change(project: Path) -> None:
    build(project)
    age(project)
    edit(project / "metropipe.toml", 'targets = ["python"]', 'targets = ["python", "c"]\nchannel = "adder"')
    proc = build(project, "-v")
    assert "regenerated add (in .): its [[export]] entry changed" in proc.stdout
    assert rewritten(project) == ["metropipe/add/provider.py", "metropipe/add/stub.h", "metropipe/add/stub.py"]


def test_removed_exports_files_are_deleted_and_nothing_else(project: Path) -> None:
    build(project)
    (project / "metropipe/add/notes.txt").write_text("mine\n", encoding="utf-8")
    edit(project / "metropipe.toml", 'targets = ["python", "c"]', 'targets = ["python"]')
    manifest = (project / "metropipe.toml").read_text(encoding="utf-8")
    (project / "metropipe.toml").write_text(manifest.split("\n\n[[export]]\nfunction = \"add\"")[0] + "\n")
    proc = build(project, "-v")
    assert summary(proc)[:3] == (0, 1, 3)
    assert "  removed metropipe/classify/stub.h" in proc.stdout
    assert generated(project) == ["metropipe/add/notes.txt", "metropipe/classify/provider.py",
                                  "metropipe/classify/stub.py"]


def test_an_edited_orphan_is_never_deleted(project: Path) -> None:
    build(project)
    stub = project / "metropipe/add/stub.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "# my change\n", encoding="utf-8")
    (project / "metropipe.toml").write_text(MANIFEST.split("\n\n[[export]]\nfunction = \"add\"")[0] + "\n")
    proc = build(project, check=False)
    assert proc.returncode == 1
    assert proc.stderr == ("metropipe/add/stub.py:1:1: error: not removing metropipe/add/stub.py: metropipe "
                           "generated it for an export that is gone, but it was edited since; delete it yourself, "
                           "or move it away\n")
    assert stub.exists() and not (project / "metropipe/add/provider.py").exists()
    assert build(project, check=False).returncode == 1  # still reported, still kept
    stub.unlink()
    assert build(project).returncode == 0


def test_a_file_metropipe_did_not_write_is_never_overwritten(project: Path) -> None:
    (project / "metropipe/add").mkdir(parents=True)
    mine = project / "metropipe/add/stub.py"
    mine.write_text("# my own module\n", encoding="utf-8")
    proc = build(project, check=False)
    assert proc.returncode == 1
    assert proc.stderr == ("metropipe/add/stub.py:1:1: error: metropipe/add/stub.py exists and was not generated by "
                           "metropipe; it is left alone: move it away, or choose another 'out' for 'add'\n")
    assert mine.read_text(encoding="utf-8") == "# my own module\n"
    assert not (project / "metropipe/classify").exists(), "nothing is written when one output is in the way"


def test_files_from_metropipe_export_are_adopted_without_rewriting(project: Path) -> None:
    metropipe("export", "add", "services.py", "--target", "python", "-q", cwd=project)
    age(project)
    build(project)
    assert rewritten(project) == CLASSIFY


def test_raw_export_skeleton_is_the_users(project: Path) -> None:
    (project / "metropipe.toml").write_text('[[export]]\nfunction = "blob"\ntargets = ["python"]\n')
    build(project)
    skeleton = project / "metropipe/blob/provider.py"
    skeleton.write_text(skeleton.read_text(encoding="utf-8").replace(
        'raise NotImplementedError', 'return request  # mine\n    raise NotImplementedError'), encoding="utf-8")
    mine = skeleton.read_bytes()
    proc = build(project)
    assert summary(proc)[:2] == (0, 1) and skeleton.read_bytes() == mine
    assert metropipe("check", "--no-git", cwd=project).returncode == 0
    (project / "metropipe.toml").write_text("")
    proc = build(project)
    assert summary(proc)[2] == 1  # the stub
    assert skeleton.read_bytes() == mine
    assert metropipe("clean", cwd=project).stdout == "metropipe clean: removed 0 files\n"
    assert skeleton.read_bytes() == mine


def test_unify_group_shares_files_and_drops_a_removed_function(project: Path) -> None:
    (project / "metropipe.toml").write_text(MANIFEST.replace("[[export]]", "[[export]]\nmode = \"unify\""))
    build(project)
    stubs = (project / "metropipe_stubs.py").read_text(encoding="utf-8")
    assert "\ndef add(" in stubs and "\ndef classify(" in stubs
    (project / "metropipe.toml").write_text(MANIFEST.split("\n\n[[export]]\nfunction = \"add\"")[0]
                                            .replace("[[export]]", "[[export]]\nmode = \"unify\"") + "\n")
    proc = build(project, "-v")
    assert "regenerated classify (in .): the set of functions in its unified file changed" in proc.stdout
    stubs = (project / "metropipe_stubs.py").read_text(encoding="utf-8")
    assert "\ndef add(" not in stubs and "\ndef classify(" in stubs


def test_errors_exit_1_and_write_nothing(project: Path) -> None:
    edit(project / "services.py", "def add(a: int, b: int) -> int:", "def add(a: list, b) -> int:")
    edit(project / "metropipe.toml", 'function = "classify"', 'function = "clasify"')
    proc = build(project, check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "metropipe.toml:2:12: error: function 'clasify' not found in services.py; did you mean 'classify'? "
        "(module-level functions here: add, classify)",
        "services.py:12:12: error: parameter 'a' has unsupported type 'list': a slot holds a single value (int, "
        "int32, float, float32, bool, str or bytes); pass a collection encoded as str or bytes, for example JSON",
        "services.py:12:18: error: parameter 'b' has no type hint (for example 'b: int')",
    ]
    assert generated(project) == []


def test_minus_c_and_manifest_option(project: Path) -> None:
    other = project.parent / "elsewhere"
    other.mkdir()
    (project / "metropipe.toml").rename(project / "stubs.toml")
    proc = metropipe("build", "-C", str(project), "--manifest", "stubs.toml", cwd=other)
    assert summary(proc)[0] == 2
    proc = metropipe("outputs", "--manifest", "../proj/stubs.toml", cwd=other)
    assert proc.stdout.splitlines() == [f"../proj/{p}" for p in sorted(ADD + CLASSIFY)]


# --- check -----------------------------------------------------------------------------------


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_check_exit_codes_and_messages(project: Path) -> None:
    proc = metropipe("check", "--no-git", cwd=project, check=False)
    assert proc.returncode == 1
    missing = [f"{p}:1:1: error: missing: run 'metropipe build'" for p in sorted(ADD + CLASSIFY)]
    assert proc.stderr.splitlines() == [*missing, "metropipe check: 5 problems in 5 files from 2 exports"]
    assert not (project / ".metropipe").exists() and not (project / "metropipe").exists(), "check wrote something"
    build(project)
    proc = metropipe("check", "--no-git", cwd=project)
    assert (proc.returncode, proc.stdout) == (0, "metropipe check: 5 files from 2 exports are fresh\n")

    edit(project / "services.py", "def add(a: int, b: int) -> int:", "def add(a: int32, b: int32) -> int32:")
    (project / "metropipe.toml").write_text(MANIFEST.replace('targets = ["python", "c"]', 'targets = ["python"]'))
    before = tree(project)
    proc = metropipe("check", "--no-git", cwd=project, check=False)
    assert proc.returncode == 1
    why = "signature changed: add(a: int64, b: int64) -> int64 => add(a: int32, b: int32) -> int32"
    assert proc.stderr.splitlines() == [
        f"metropipe/add/provider.py:1:1: error: outdated ({why}): run 'metropipe build'",
        f"metropipe/add/stub.py:1:1: error: outdated ({why}): run 'metropipe build'",
        "metropipe/classify/stub.h:1:1: error: orphaned: generated for an export that is no longer in the manifest; "
        "'metropipe build' removes it",
        "metropipe check: 3 problems in 4 files from 2 exports",
    ]
    assert tree(project) == before, "check wrote something"
    build(project)
    assert metropipe("check", "--no-git", cwd=project).returncode == 0


def test_check_without_a_build_record_compares_contents(project: Path) -> None:
    build(project)
    shutil.rmtree(project / ".metropipe")  # a fresh clone: the generated files are committed, the record is not
    assert metropipe("check", "--no-git", cwd=project).returncode == 0
    edit(project / "services.py", "threshold: int32", "threshold: int")
    proc = metropipe("check", "--no-git", cwd=project, check=False)
    assert proc.returncode == 1
    assert [line.split(":1:1:")[0] for line in proc.stderr.splitlines()[:-1]] == CLASSIFY
    assert "outdated: run 'metropipe build'" in proc.stderr


def test_check_reports_outputs_git_does_not_track(project: Path) -> None:
    git = require("git")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run([git, "init", "-q"], cwd=project, check=True, env=env)
    (project / ".gitignore").write_text("metropipe/add/provider.py\n")
    build(project)
    subprocess.run([git, "add", "metropipe/classify", "services.py"], cwd=project, check=True, env=env)
    proc = metropipe("check", cwd=project, check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "metropipe/add/stub.py:1:1: error: not tracked by git: 'git add' it (or list it in .gitignore if you "
        "generate it at build time)",
        "metropipe check: 1 problem in 5 files from 2 exports",
    ]
    subprocess.run([git, "add", "metropipe/add/stub.py"], cwd=project, check=True, env=env)
    assert metropipe("check", cwd=project).returncode == 0


# --- outputs, depfile, clean ---------------------------------------------------------------


def test_outputs_need_no_source_and_do_not_depend_on_contents(project: Path) -> None:
    first = metropipe("outputs", cwd=project).stdout
    assert first.splitlines() == sorted(ADD + CLASSIFY)
    (project / "services.py").unlink()
    assert metropipe("outputs", cwd=project).stdout == first
    assert not (project / "metropipe").exists() and not (project / ".metropipe").exists()


def test_outputs_read_sources_reports_every_unreadable_signature_at_once(project: Path) -> None:
    assert metropipe("outputs", "--read-sources", cwd=project).stdout.splitlines() == sorted(ADD + CLASSIFY)
    (project / "services.py").write_text("def add(a: int, b) -> int:\n    return a\n")
    proc = metropipe("outputs", "--read-sources", cwd=project, check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "services.py:1:1: error: function 'classify' not found (module-level functions here: add)",
        "services.py:1:17: error: parameter 'b' has no type hint (for example 'b: int')"]
    assert metropipe("outputs", cwd=project).stdout.splitlines() == sorted(ADD + CLASSIFY)  # without: not read


def test_outputs_json_says_what_each_file_is(project: Path) -> None:
    (project / "metropipe.toml").write_text(LINKER)
    listed = json.loads(metropipe("outputs", "--json", cwd=project).stdout)
    assert [r["path"] for r in listed] == metropipe("outputs", cwd=project).stdout.splitlines()
    by_path = {r.pop("path"): r for r in listed}
    assert by_path["metropipe/add/libadd.so"] == {"kind": "library", "target": "c-linker", "functions": ["add"],
                                                  "language": "python", "sources": ["services.py"],
                                                  "makefile": "metropipe/add/Makefile"}
    assert by_path["metropipe/classify/stub.py"] == {"kind": "generated", "target": "python",
                                                     "functions": ["classify"], "language": "python",
                                                     "sources": ["services.py"]}
    assert by_path["metropipe/classify/provider.py"]["provider"] == "python"


def _bench_sources() -> Any:
    spec = importlib.util.spec_from_file_location("bench_build", ROOT / "bench" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LANGUAGES


@pytest.mark.parametrize("language", ["python", "rust", "go", "c", "java", "csharp", "ts", "js", "ruby"])
@pytest.mark.parametrize("mode", ["namespace", "flat", "unify"])
def test_outputs_are_what_build_writes_for_every_source_language(tmp_path: Path, language: str, mode: str) -> None:
    """From the manifest alone, every file a build writes, whatever the source language (its provider too)."""
    name_of, generate = _bench_sources()[language]
    (tmp_path / name_of(0)).write_text(generate(0, ["first", "second"]))
    targets = ["python", "c", "c-direct", "go", "rust", "java", "csharp", "js", "ruby", "bash"]
    if language in ("python", "c", "rust", "go"):
        targets.append("c-linker")
    listed = ", ".join(f'"{t}"' for t in targets)
    (tmp_path / "metropipe.toml").write_text(
        f'[metropipe]\nmode = "{mode}"\n' + "".join(
            f'\n[[export]]\nfunction = "{fn}"\nsource = "{name_of(0)}"\ntargets = [{listed}]\n'
            for fn in ("first", "second")))
    declared = metropipe("outputs", "--no-libraries", cwd=tmp_path).stdout.splitlines()
    metropipe("build", "-q", "--no-libraries", cwd=tmp_path)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file() and ".metropipe" not in p.parts and p.name not in ("metropipe.toml", name_of(0)))
    assert declared == written


def test_outputs_list_exactly_what_build_writes(project: Path) -> None:
    (project / "gen dir").mkdir()
    (project / "metropipe.toml").write_text(MANIFEST + '\n[[export]]\nfunction = "raw"\ntargets = ["python", "c"]\n'
                                            'out = "gen dir"\nmode = "flat"\n')
    declared = metropipe("outputs", cwd=project).stdout.splitlines()
    build(project)
    written = sorted(p.relative_to(project).as_posix() for p in project.rglob("*")
                     if p.is_file() and ".metropipe" not in p.parts and p.suffix != ".toml" and p.name != "services.py")
    assert declared == written


def test_depfile(project: Path) -> None:
    (project / "my src").mkdir()
    (project / "services.py").rename(project / "my src/services.py")
    (project / "metropipe.toml").write_text(MANIFEST.replace('"services.py"', '"my src/services.py"'))
    build(project, "--depfile", "out/deps.d")
    text = (project / "out/deps.d").read_text(encoding="utf-8")
    rule, phony = text.split("\n\n")
    lines = rule.splitlines()
    assert lines[0] == " ".join(sorted(ADD + CLASSIFY)) + ": \\"
    prerequisites = [line.strip().rstrip(" \\") for line in lines[1:]]
    assert prerequisites[:2] == ["metropipe.toml", "my\\ src/services.py"]
    ours = prerequisites[2:]
    package = ROOT / "metropipe"
    assert str(package / "__init__.py") in ours  # the version
    assert str(package / "targets/python/templates/stub.py.j2") in ours
    assert str(package / "targets/c/templates/runtime.h.j2") in ours
    assert str(package / "runtime/shm.py") in ours
    assert not any("/targets/go/" in p for p in ours), "a target the manifest does not use is no input"
    assert all(Path(p).is_file() for p in ours)
    assert phony.splitlines() == [f"{p}:" for p in prerequisites]
    mtime = (project / "out/deps.d").stat().st_mtime_ns
    build(project, "--depfile", "out/deps.d")
    assert (project / "out/deps.d").stat().st_mtime_ns == mtime


def test_depfile_with_a_stamp(project: Path) -> None:
    build(project, "--depfile", "deps.d", "--stamp", "deps.d")
    lines = (project / "deps.d").read_text(encoding="utf-8").split("\n\n")[0].splitlines()
    assert lines[0] == "deps.d: \\"
    prerequisites = [line.strip().rstrip(" \\") for line in lines[1:]]
    assert prerequisites[:2] == ["metropipe.toml", "services.py"]
    assert prerequisites[-5:] == sorted(ADD + CLASSIFY)
    stamp = (project / "deps.d").stat().st_mtime_ns
    assert stamp >= max((project / p).stat().st_mtime_ns for p in ["services.py", *ADD, *CLASSIFY])
    build(project, "--depfile", "deps.d", "--stamp", "deps.d")
    assert (project / "deps.d").stat().st_mtime_ns == stamp, "a stamp newer than every input is left alone"


def test_clean_removes_what_was_generated_and_nothing_else(project: Path) -> None:
    build(project)
    (project / "metropipe/add/notes.txt").write_text("mine\n")
    stub = project / "metropipe/classify/stub.h"
    stub.write_text(stub.read_text() + "/* edited */\n")
    proc = metropipe("clean", cwd=project, check=False)
    assert proc.returncode == 1
    assert proc.stderr == ("metropipe/classify/stub.h:1:1: error: not removing metropipe/classify/stub.h: it was "
                           "edited since metropipe generated it\n")
    assert generated(project) == ["metropipe/add/notes.txt", "metropipe/classify/stub.h"]
    assert sorted(p.name for p in project.iterdir()) == [".metropipe", "metropipe", "metropipe.toml", "services.py"]


# --- metropipe itself changes ------------------------------------------------------------------


def copy_of_metropipe(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of this checkout's package, importable first: a real 'other installation' of metropipe."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "metropipe", site / "metropipe", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(site)}
    return site / "metropipe", env


def run_copy(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "metropipe", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_a_changed_template_regenerates_what_it_renders(project: Path, tmp_path: Path) -> None:
    package, env = copy_of_metropipe(tmp_path)
    run_copy(project, env, "build")
    age(project)
    assert summary(run_copy(project, env, "build"))[0] == 0
    template = package / "targets/c/templates/stub.h.j2"
    template.write_text(template.read_text(encoding="utf-8") + "/* a template change */\n", encoding="utf-8")
    proc = run_copy(project, env, "build", "-v")
    assert "regenerated classify (in .): metropipe's c target (its templates or code) changed" in proc.stdout
    assert summary(proc) == (1, 1, 0, 0, "1 file written, no compiler run")
    assert rewritten(project) == ["metropipe/classify/stub.h"]
    assert (project / "metropipe/classify/stub.h").read_text(encoding="utf-8").endswith("/* a template change */\n")


def test_a_new_metropipe_version_regenerates_everything(project: Path, tmp_path: Path) -> None:
    package, env = copy_of_metropipe(tmp_path)
    run_copy(project, env, "build")
    age(project)
    edit(package / "__init__.py", f'__version__ = "{__version__}"', '__version__ = "99.0.0"')
    proc = run_copy(project, env, "build", "-v")
    assert f"regenerated add (in .): metropipe changed from {__version__} to 99.0.0" in proc.stdout
    assert summary(proc)[:2] == (2, 0)
    assert rewritten(project) == sorted(ADD + CLASSIFY)
    assert "Generated by metropipe 99.0.0 from" in (project / "metropipe/add/stub.py").read_text(encoding="utf-8")


def test_the_required_version_is_enforced(project: Path) -> None:
    (project / "metropipe.toml").write_text('[metropipe]\nrequires = ">=99"\n\n' + MANIFEST)
    proc = build(project, check=False)
    assert (proc.returncode, proc.stderr) == (1, f"metropipe.toml:2:12: error: this project requires metropipe >=99, "
                                                 f"but this is metropipe {__version__}: install a matching version "
                                                 "(pip install 'metropipe>=99')\n")


# --- libraries (c-linker) ----------------------------------------------------------------------


LINKER = '''\
[[export]]
function = "classify"
source = "services.py"
targets = ["c-linker", "python"]

[[export]]
function = "add"
source = "services.py"
targets = ["c-linker"]
'''


@pytest.mark.slow
@pytest.mark.toolchain
def test_c_linker_libraries_are_built_only_when_their_files_change(project: Path, tmp_path: Path) -> None:
    make, gcc = require("make"), require("gcc")
    assert gcc
    log = tmp_path / "make.log"
    wrapper = tmp_path / "logging-make"  # the real make, each call logged: $MAKE is honoured
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{make}" "$@"\n')
    wrapper.chmod(0o755)
    env = {**os.environ, "MAKE": str(wrapper)}
    (project / "metropipe.toml").write_text(LINKER)
    proc = build(project, "--jobs", "2", env=env)
    assert summary(proc) == (2, 0, 0, 2, "9 files written")  # 3 + 3 c-linker, a stub, 2 providers
    libs = [project / "metropipe/add/libadd.so", project / "metropipe/classify/libclassify.so"]
    assert all(lib.is_file() for lib in libs)
    assert sorted(log.read_text().splitlines()) == ["-C metropipe/add -f Makefile",
                                                    "-C metropipe/classify -f Makefile"]
    declared = metropipe("outputs", cwd=project).stdout.splitlines()
    assert "metropipe/add/libadd.so" in declared and "metropipe/classify/libclassify.so" in declared

    log.unlink()
    age(project)
    proc = build(project, env=env)
    assert summary(proc) == (0, 2, 0, 0, "nothing to do: no file written, no compiler run")
    assert not log.exists(), "a no-op build ran make"

    edit(project / "services.py", "return a + b", "return a + b + 0")  # body only
    assert summary(build(project, env=env))[3] == 0 and not log.exists()

    edit(project / "services.py", "def add(a: int, b: int) -> int:", "def add(a: int32, b: int32) -> int32:")
    proc = build(project, "-v", env=env)
    assert summary(proc)[:4] == (1, 1, 0, 1)
    assert log.read_text().splitlines() == ["-C metropipe/add -f Makefile"]
    assert libs[0].stat().st_mtime_ns != OLD and libs[1].stat().st_mtime_ns == OLD

    libs[1].unlink()  # a library deleted by hand is rebuilt
    log.unlink()
    proc = build(project, env=env)
    assert summary(proc)[3] == 1 and log.read_text().splitlines() == ["-C metropipe/classify -f Makefile"]

    # a real shared library that exports the function (tests/toolchains/test_same_process.py calls it)
    code = "import ctypes, sys; print('loaded', hasattr(ctypes.CDLL(sys.argv[1]), 'add'))"
    run = subprocess.run([sys.executable, "-c", code, str(libs[0])], capture_output=True, text=True)
    assert run.stdout.strip() == "loaded True", run.stderr

    proc = metropipe("clean", cwd=project)
    assert not any(lib.exists() for lib in libs)


@pytest.mark.slow
@pytest.mark.toolchain
def test_a_library_that_compiles_its_c_source_in_is_rebuilt_when_the_body_changes(tmp_path: Path) -> None:
    require("make")
    require("gcc")
    (tmp_path / "kit.c").write_text("#include <stdint.h>\nint64_t twice(int64_t x) { return 2 * x; }\n")
    (tmp_path / "metropipe.toml").write_text('[[export]]\nfunction = "twice"\nsource = "kit.c"\n'
                                             'targets = ["c-linker"]\n')
    build(tmp_path)
    lib = tmp_path / "metropipe/twice/libtwice.so"
    code = ("import ctypes, sys; f = ctypes.CDLL(sys.argv[1]).twice; f.restype = ctypes.c_int64; "
            "f.argtypes = [ctypes.c_int64]; print(f(21))")

    def call() -> str:
        return subprocess.run([sys.executable, "-c", code, str(lib)], capture_output=True, text=True).stdout.strip()

    assert call() == "42"
    assert summary(build(tmp_path))[3] == 0  # nothing changed: no compiler run
    edit(tmp_path / "kit.c", "2 * x", "3 * x")  # the body only: the generated files stay the same
    assert summary(build(tmp_path))[:4] == (0, 1, 0, 1)
    assert call() == "63"


@pytest.mark.slow
@pytest.mark.toolchain
def test_a_failing_library_build_is_an_error_and_is_retried(project: Path, tmp_path: Path) -> None:
    require("make")
    (project / "metropipe.toml").write_text(LINKER)
    env = {**os.environ, "CC": "false"}
    proc = build(project, env=env, check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("metropipe/add/Makefile:1:1: error: building metropipe/add/libadd.so failed: make "
                                  "-C metropipe/add -f Makefile exited 2:\n")
    assert summary(build(project))[3] == 2, "the failed libraries are built again"
