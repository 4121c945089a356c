"""Source parsers: one module per source language, each ``parse(path, text, name) -> Function``.

The parser for a file is chosen by its extension and imported lazily, so exporting
from one language never pays for the others. A parser module may also define
``dependencies(path, text) -> list[str]``: the other files whose content can change
what ``parse`` returns (a C source's included headers), for ``metropipe build``'s
incremental checks and depfile; without it a source depends on itself only. A parser
reports a function that is not in its source with a message starting
``function '<name>' not found`` (``metropipe build`` points it at the manifest).

Python is read with the standard library's ``ast``; every other language with tree-sitter
(``treesitter.py``), whose grammar is imported only when a file of that language is parsed.
A file whose extension no parser reads gives a raw function (opaque bytes in and out):
``export`` generates raw-bytes stubs for it and says so in one line.
"""

from __future__ import annotations

import importlib
import io
import tokenize
from pathlib import Path

from metropipe.errors import fail
from metropipe.model import Function, Location

# extension -> parser module (under metropipe.parse)
PARSERS = {
    ".py": "python", ".pyi": "python",
    ".rs": "rust",
    ".go": "go",
    ".c": "c", ".h": "c",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".rb": "ruby",
    ".java": "java",
    ".cs": "csharp",
}
# Function.language -> how messages name it
DISPLAY = {"python": "Python", "rust": "Rust", "go": "Go", "c": "C", "js": "JavaScript", "ts": "TypeScript",
           "ruby": "Ruby", "java": "Java", "csharp": "C#"}


# parser module -> the Function.language key its functions carry, where they differ
LANGUAGE_KEYS = {"javascript": "js", "typescript": "ts"}


def language_key(path: str) -> str | None:
    """The ``Function.language`` a source's functions get (``js`` for ``.mjs``), or None."""
    module = language_of(path)
    return LANGUAGE_KEYS.get(module, module) if module else None


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


def unreadable(path: str) -> str | None:
    """Why no signature can be read from ``path`` ("cannot read signatures from '.toml' files ..."), or None."""
    if language_of(path) is not None:
        return None
    suffix = Path(path).suffix
    kind = f"'{suffix}' files" if suffix else "a file without an extension"
    return f"cannot read signatures from {kind} (supported: {', '.join(sorted(PARSERS))})"


def parse(path: str, name: str) -> Function:
    """Read the signature of ``name`` from ``path``; a raw function if no parser reads files like it."""
    lang = language_of(path)
    if lang is None:
        _check_file(path)  # a missing file or a folder is reported as such first
        return Function(name=name, raw=True)
    module = importlib.import_module(f"metropipe.parse.{lang}")
    fn: Function = module.parse(path, read_source(path, lang), name)
    return fn


def dependencies(path: str) -> list[str]:
    """Files other than ``path`` that ``parse(path, ...)`` reads, as the parser reports them (default: none)."""
    lang = language_of(path)
    if lang is None:
        return []
    module = importlib.import_module(f"metropipe.parse.{lang}")
    hook = getattr(module, "dependencies", None)
    if hook is None:
        return []
    found: list[str] = hook(path, read_source(path, lang))
    return found


def enclosing(path: str, name: str) -> str | None:
    """The file ``name`` (``go.mod``, ``Cargo.toml``...) nearest above the file ``path``, walking up from its folder."""
    import os

    here = os.path.dirname(os.path.abspath(path))
    while True:
        candidate = os.path.join(here, name)
        if os.path.isfile(candidate):
            return candidate
        up = os.path.dirname(here)
        if up == here:
            return None
        here = up
