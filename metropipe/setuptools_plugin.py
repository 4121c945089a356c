"""The setuptools hook: ``metropipe build`` runs whenever setuptools builds a project with a ``metropipe.toml``.

A project opts in with a ``metropipe.toml`` beside its ``pyproject.toml`` (the same manifest
``metropipe build`` reads; ``[tool.metropipe]`` in pyproject.toml is not read) and
``metropipe`` in ``[build-system] requires``. setuptools calls :func:`finalize` through the
``setuptools.finalize_distribution_options`` entry point for every command (sdist, wheel,
editable install), so the generated files exist before ``build_py`` and ``sdist`` collect
package data: list them there (for example ``shapes = ["metropipe/*/*"]``) and they land
in both the sdist and the wheel. A c-linker library makes the wheel platform-specific.

The hook calls the CLI (:func:`metropipe.cli.main`); a generation error fails the build
with metropipe's diagnostics, never a warning.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

MANIFEST = "metropipe.toml"


def finalize(dist: Any) -> None:
    manifest = Path(os.getcwd()) / MANIFEST  # setuptools runs a build from the project's folder
    if not manifest.is_file():
        return
    from metropipe import build, cli

    errors = importlib.import_module("setuptools.errors")  # setuptools is there: it calls us; no type stubs

    code = cli.main(["build", "--manifest", str(manifest)])
    if code != 0:
        raise errors.SetupError(f"metropipe build failed (exit status {code}): see the diagnostics above; "
                         f"fix them, or run 'metropipe build --manifest {manifest}' to see them again")
    if any(o["kind"] == "library" for o in build.outputs(str(manifest))):
        dist.has_ext_modules = lambda: True  # a c-linker library: tag the wheel for this platform


finalize.order = 100  # type: ignore[attr-defined]  # after setuptools' own hooks
