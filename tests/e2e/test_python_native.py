"""The Python runtime's compiled fast path: built on first use, cached, and never in the way.

The call semantics themselves run with and without it in test_python_e2e.py; here, how
the helper is built, shared and replaced by the ctypes path when it cannot be built.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import require_native_build
from tests.e2e.conftest import Project

pytestmark = pytest.mark.e2e

CALL = """
    from metropipe.add import stub
    r = stub.add(2, 3)
    ch = stub._add_channel
    print(json.dumps([r, ch.native, ch.native_problem]))
"""


def env_for(project: Project, addon: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in project.env.items() if k not in ("METROPIPE_NATIVE", "CC")}
    return {**env, "METROPIPE_ADDON_DIR": str(addon), **extra}


def built(addon: Path) -> list[str]:
    return sorted(p.name for p in addon.iterdir()) if addon.is_dir() else []


def test_native_path_is_built_once_and_used_by_both_sides(project: Project, tmp_path: Path) -> None:
    require_native_build()
    addon = tmp_path / "addon"
    project.env = env_for(project, addon)  # no METROPIPE_NATIVE: native when it builds
    prov = project.provider("add")  # the first use builds it
    names = built(addon)
    assert len(names) == 1 and names[0].startswith("_metropipe_native-") and names[0].endswith(".so"), names
    assert (addon / names[0]).stat().st_mode & 0o777 == 0o700
    assert prov.proc is not None
    assert names[0] in Path(f"/proc/{prov.proc.pid}/maps").read_text()  # the provider serves through it
    assert project.result(CALL) == [5, True, ""]
    assert built(addon) == names  # the client loaded the cached build


def test_concurrent_first_uses_share_one_build(project: Project, tmp_path: Path) -> None:
    require_native_build()
    addon = tmp_path / "addon"
    project.provider("add")
    env = env_for(project, addon)
    code = "import json, sys\nsys.path.insert(0, '.')\n" + textwrap.dedent(CALL)
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=project.root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == '[5, true, ""]'
    names = built(addon)
    assert len(names) == 1 and names[0].endswith(".so"), names  # one build, no temp file left


def test_no_compiler_falls_back_to_ctypes_silently(project: Project, tmp_path: Path) -> None:
    addon = tmp_path / "addon"
    project.env = env_for(project, addon, CC="/bin/false")
    prov = project.provider("add")  # the provider falls back too
    proc = project.client(CALL)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr  # not a word on stderr
    r, native, problem = json.loads(proc.stdout)
    assert (r, native) == (5, False)
    assert "failed before" in problem and "/bin/false exited 1" in problem  # the provider's build failed first
    assert prov.proc is not None
    assert "_metropipe_native" not in Path(f"/proc/{prov.proc.pid}/maps").read_text()
    assert [n for n in built(addon) if not n.endswith(".failed")] == []
    # METROPIPE_NATIVE=1 insists: a clear ChannelError, built again (not taken from the marker)
    got = project.result("""
        from metropipe.add.stub import add, ChannelError
        try:
            add(2, 3)
        except ChannelError as e:
            print(json.dumps(str(e)))
    """, env={**project.env, "METROPIPE_NATIVE": "1"})
    assert got.startswith("METROPIPE_NATIVE=1, but the native fast path is unavailable: /bin/false exited 1"), got


def test_native_can_be_turned_off_and_bad_values_are_clear(project: Project) -> None:
    project.provider("add")
    assert project.result(CALL, env={**project.env, "METROPIPE_NATIVE": "0"}) == [5, False, "METROPIPE_NATIVE=0"]
    got = project.result("""
        from metropipe.add.stub import add, ArgumentError
        try:
            add(2, 3)
        except ArgumentError as e:
            print(json.dumps(str(e)))
    """, env={**project.env, "METROPIPE_NATIVE": "yes"})
    assert got == "METROPIPE_NATIVE='yes': use 0 (never the compiled fast path), 1 (require it) or leave it unset"


def test_headers_missing_falls_back(project: Project, tmp_path: Path) -> None:
    """An interpreter without its C headers (no python3-dev): the ctypes path, and why."""
    project.provider("add")
    fake = tmp_path / "include"
    fake.mkdir()
    code = textwrap.dedent(f"""
        import sysconfig
        real = sysconfig.get_paths
        sysconfig.get_paths = lambda *a, **k: {{**real(*a, **k), "include": {str(fake)!r}}}
    """) + textwrap.dedent(CALL)
    r, native, problem = project.result(code, env=env_for(project, tmp_path / "addon"))  # type: ignore[misc]
    assert (r, native) == (5, False)
    assert problem.startswith("Python's headers are not installed")
