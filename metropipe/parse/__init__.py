"""Source parsers: one module per source language, each ``parse(path, name) -> Function``.

The parser for a file is chosen by its extension and imported lazily, so exporting
from one language never pays for the others.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from metropipe.errors import fail
from metropipe.model import Function, Location

# extension -> parser module (under metropipe.parse)
PARSERS = {".py": "python", ".pyi": "python"}


def language_of(path: str) -> str | None:
    return PARSERS.get(Path(path).suffix.lower())


def read_source(path: str) -> str:
    p = Path(path)
    if not p.exists():
        raise fail(f"no such file: '{path}'", Location(path, 1, 1))
    if not p.is_file():
        raise fail(f"'{path}' is not a file", Location(path, 1, 1))
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise fail(f"source is not valid UTF-8 (byte {e.start})", Location(path, 1, 1)) from None
    except OSError as e:
        raise fail(f"cannot read source: {e.strerror}", Location(path, 1, 1)) from None


def parse(path: str, name: str) -> Function:
    """Read the signature of ``name`` from ``path``."""
    lang = language_of(path)
    if lang is None:
        known = ", ".join(sorted(PARSERS))
        raise fail(f"cannot read signatures from '{Path(path).suffix}' files yet (supported: {known})",
                   Location(path, 1, 1))
    module = importlib.import_module(f"metropipe.parse.{lang}")
    fn: Function = module.parse(path, read_source(path), name)
    return fn
