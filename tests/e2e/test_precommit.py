"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit on real `git commit`s.

The hook repository is a snapshot of this checkout committed to a temporary git repository
(pre-commit installs hooks from a commit); the hooks are ``language: python``, so pre-commit
builds their environment with pip on first use (a few seconds, once per test session).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, metropipe, require

SERVICES = '''\
def classify(text: str, threshold: int) -> str:
    return "long" if len(text.split()) > threshold else "short"
'''
MANIFEST = '[[export]]\nfunction = "classify"\nsource = "services.py"\ntargets = ["python", "c"]\n'
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, Path]]:
    """(hook repository, its commit, PRE_COMMIT_HOME shared by the tests of this module)."""
    git = require("git")
    require("pre-commit")
    repo = tmp_path_factory.mktemp("hooks")
    for name in ["metropipe", "make"]:
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml"]:
        shutil.copy(ROOT / name, repo / name)
    env = {**os.environ, **GIT_ENV}
    subprocess.run([git, "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run([git, "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run([git, "commit", "-qm", "hooks"], cwd=repo, check=True, env=env)
    sha = subprocess.run([git, "rev-parse", "HEAD"], cwd=repo, check=True, env=env, capture_output=True,
                         text=True).stdout.strip()
    yield repo, sha, tmp_path_factory.mktemp("pre-commit-home")


def project(tmp_path: Path, hooks: tuple[Path, str, Path], *ids: str) -> tuple[Path, dict[str, str]]:
    repo, sha, home = hooks
    root = tmp_path / "proj"
    root.mkdir()
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}
    env.pop("PYTHONPATH", None)  # the hook runs the metropipe pre-commit installed, not this checkout
    (root / "services.py").write_text(SERVICES)
    (root / "metropipe.toml").write_text(MANIFEST)
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {sha}\n    hooks:\n" + "".join(f"      - id: {i}\n" for i in ids))
    git(root, env, "init", "-q")
    subprocess.run(["pre-commit", "install"], cwd=root, env=env, check=True, capture_output=True)
    return root, env


def git(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def commit(root: Path, env: dict[str, str], message: str) -> tuple[int, str]:
    """git commit's exit code and everything it printed (pre-commit's report included)."""
    proc = git(root, env, "commit", "-m", message)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.e2e
def test_check_hook_fails_on_stale_or_untracked_stubs_and_passes_after(tmp_path: Path,
                                                                      hooks: tuple[Path, str, Path]) -> None:
    root, env = project(tmp_path, hooks, "metropipe-check")
    metropipe("build", "-q", cwd=root)
    git(root, env, "add", "-A")
    code, out = commit(root, env, "stubs")
    assert code == 0, out
    assert "metropipe stubs are fresh......" in out and "Passed" in out

    # the signature changes, the stubs are not regenerated: the commit is refused
    (root / "services.py").write_text(SERVICES.replace("threshold: int)", "threshold: float)"))
    git(root, env, "add", "services.py")
    code, out = commit(root, env, "signature")
    assert code == 1
    assert "metropipe/classify/stub.h:1:1: error: outdated" in out
    assert "metropipe/classify/stub.py:1:1: error: outdated" in out
    assert "metropipe check: 3 problems in 3 files from 1 exports" in out

    # regenerated, and a new target whose file is not added: still refused
    (root / "metropipe.toml").write_text(MANIFEST.replace('"python", "c"', '"python", "c", "c-direct"'))
    metropipe("build", "-q", cwd=root)
    git(root, env, "add", "services.py", "metropipe.toml", "metropipe/classify/stub.h", "metropipe/classify/stub.py",
        "metropipe/classify/provider.py")
    code, out = commit(root, env, "untracked")
    assert code == 1
    assert "metropipe/classify/registry.h:1:1: error: not tracked by git" in out

    git(root, env, "add", "-A")
    code, out = commit(root, env, "regenerated")
    assert code == 0, out
    assert "Passed" in out and "Failed" not in out


@pytest.mark.slow
@pytest.mark.e2e
def test_build_hook_then_check_hook(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    """metropipe-build regenerates; pre-commit fails when it changed a tracked file, and metropipe-check when a
    new file is not added yet (pre-commit does not count new files as modified)."""
    root, env = project(tmp_path, hooks, "metropipe-build", "metropipe-check")
    git(root, env, "add", "-A")
    code, out = commit(root, env, "no stubs yet")
    assert code == 1
    assert re.search(r"metropipe build\.+Passed", out), "new files are not modifications to pre-commit"
    assert "metropipe/classify/stub.h:1:1: error: not tracked by git" in out
    git(root, env, "add", "-A")
    code, out = commit(root, env, "with stubs")
    assert code == 0, out

    (root / "services.py").write_text(SERVICES.replace("threshold: int)", "threshold: float)"))
    git(root, env, "add", "services.py")
    code, out = commit(root, env, "signature")
    assert code == 1
    assert "files were modified by this hook" in out and "metropipe build: regenerated 1" in out
    assert "classify(string,double)->string" in (root / "metropipe/classify/stub.py").read_text()
    git(root, env, "add", "-A")
    code, out = commit(root, env, "signature, regenerated")
    assert code == 0, out
    assert "Failed" not in out
