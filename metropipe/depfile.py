"""Depfiles for ``metropipe export --depfile``, and where the CMake package is (``metropipe --cmake-dir``).

A depfile is Make syntax, ``outputs: inputs``, read by Ninja, Make and CMake's ``DEPFILE``.
The inputs are the source, the files its parser read, and metropipe's own code and templates,
so editing a signature or upgrading metropipe regenerates.
"""

from __future__ import annotations

import os
from pathlib import Path

from metropipe import parse, writer
from metropipe.errors import Diagnostic, UserError

_PACKAGE = Path(__file__).resolve().parent


def _escape(path: str) -> str:
    return path.replace("\\", "\\\\").replace(" ", "\\ ").replace("#", "\\#").replace("$", "$$")


def engine_files() -> list[str]:
    """metropipe's own files that shape its output (code and templates), absolute."""
    found = []
    for folder, dirs, names in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.join(folder, n) for n in sorted(names) if n.endswith((".py", ".j2", ".json"))]
    return found


def inputs_of(source: str | None) -> list[str]:
    """Every input of an export of ``source``, absolute."""
    ours = [] if source is None else [os.path.abspath(source)] + [os.path.abspath(d) for d in
                                                                   parse.dependencies(source)]
    return ours + engine_files()


def write(depfile: str, outputs: list[str], inputs: list[str]) -> None:
    """``outputs: inputs``, and an empty rule per input so that a deleted one does not stop make (gcc's -MP)."""
    lines = [" ".join(_escape(t) for t in outputs) + ": \\"]
    lines += [f"  {_escape(p)} \\" for p in inputs]
    lines[-1] = lines[-1].rstrip(" \\")
    lines += [""] + [f"{_escape(p)}:" for p in inputs]
    writer.write(Path(depfile), "\n".join(lines) + "\n")


def cmake_dir() -> Path:
    """The folder holding ``metropipeConfig.cmake``: in the package (wheel) or the checkout's ``cmake/``."""
    for c in (_PACKAGE / "cmake", _PACKAGE.parent / "cmake"):
        if (c / "metropipeConfig.cmake").is_file():
            return c
    raise UserError(Diagnostic(f"metropipeConfig.cmake is not installed with this metropipe (looked in "
                               f"{_PACKAGE / 'cmake'} and {_PACKAGE.parent / 'cmake'})"))
