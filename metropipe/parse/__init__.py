"""Source parsers: one module per source language, each ``parse(path, name) -> Function``.

The parser for a file is chosen by its extension and imported lazily, so exporting
from one language never pays for the others.
"""

from __future__ import annotations

import importlib
import io
import tokenize
from pathlib import Path

from metropipe.errors import fail
from metropipe.model import Function, Location

# extension -> parser module (under metropipe.parse)
PARSERS = {".py": "python", ".pyi": "python"}


def language_of(path: str) -> str | None:
    return PARSERS.get(Path(path).suffix.lower())


def _check_file(path: str) -> None:
    p = Path(path)
    if not p.exists():
        raise fail(f"no such file: '{path}'", Location(path, 1, 1))
    if not p.is_file():
        raise fail(f"'{path}' is not a file", Location(path, 1, 1))


def read_source(path: str, language: str | None = None) -> str:
    """The text of ``path``: UTF-8 (a BOM is allowed), or a Python file's PEP 263 ``coding:`` line."""
    _check_file(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise fail(f"cannot read source: {e.strerror}", Location(path, 1, 1)) from None
    encoding = "utf-8-sig"
    if language == "python":
        try:
            declared = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        except SyntaxError:
            declared = "utf-8"  # undecodable first lines: reported below
        if declared not in ("utf-8", "utf-8-sig"):
            encoding = declared
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        name = "UTF-8" if encoding == "utf-8-sig" else encoding
        raise fail(f"source is not valid {name}: byte 0x{data[e.start]:02x} cannot be decoded; save the file as UTF-8",
                   Location(path, line, col)) from None


def parse(path: str, name: str) -> Function:
    """Read the signature of ``name`` from ``path``."""
    lang = language_of(path)
    if lang is None:
        _check_file(path)  # a missing file or a folder is reported as such first
        known = ", ".join(sorted(PARSERS))
        suffix = Path(path).suffix
        kind = f"'{suffix}' files" if suffix else "a file without an extension"
        raise fail(f"cannot read signatures from {kind} yet (supported: {known})", Location(path, 1, 1))
    module = importlib.import_module(f"metropipe.parse.{lang}")
    fn: Function = module.parse(path, read_source(path, lang), name)
    return fn
