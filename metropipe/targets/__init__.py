"""Client and provider targets: one package per ``--target`` key.

Each target package exposes::

    KEY: str                       # the --target value
    LANGUAGE: str                  # a display name
    EXT: str                       # file extension of its stub, e.g. ".h"
    UNIFIED: str                   # the file --unify writes, e.g. "metropipe.h"
    def files(functions, mode, header, record) -> dict[str, str]

``functions`` is a list of :class:`metropipe.model.Function` (one, except in unify
mode), ``mode`` is "namespace", "flat" or "unify", ``header`` the one-line "generated
by" text (without comment markers), ``record`` (unify mode only, else None) a line
of JSON the target writes into a comment as ``metropipe-unified: <record>`` so that
a later export can rebuild the unified file. ``files`` returns paths relative to the output
root (see :func:`stub_path`) mapped to their content. A target's Python pass turns
the model and its :func:`metropipe.layout.compute` layout into names and spellings;
its templates only loop and branch.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# --target key -> module under metropipe.targets (one key per language everywhere)
TARGETS = {
    "python": "python",
    "c": "c",
    "c-direct": "c_direct",
    "c-linker": "c_linker",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "csharp": "csharp",
    "js": "js",
    "ruby": "ruby",
    "bash": "bash",
}
PROVIDERS = {  # source language -> provider target module
    "python": "python_provider",
    "js": "js_provider",
    "ts": "js_provider",
    "ruby": "ruby_provider",
    "java": "java_provider",
    "rust": "rust_provider",
    "go": "go_provider",
    "c": "c_provider",
    "csharp": "csharp_provider",
}


def load(key: str) -> ModuleType:
    return importlib.import_module(f"metropipe.targets.{TARGETS[key]}")


def load_provider(language: str) -> ModuleType:
    return importlib.import_module(f"metropipe.targets.{PROVIDERS[language]}")


def stub_path(mode: str, function: str, stem: str, ext: str, unified: str) -> str:
    """Where a target's file goes under the output root, by mode (PRODUCT.md)."""
    if mode == "namespace":
        return f"metropipe/{function}/{stem}{ext}"
    if mode == "flat":
        return f"metropipe/{function}{ext}" if stem == "stub" else f"metropipe/{function}_{stem}{ext}"
    return unified
