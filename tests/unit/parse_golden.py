"""Golden models of the parser fixtures, tests/fixtures/parse/<lang>/expected.json.

Each fixture file is read like a user's source; the expected model of every function listed
here is its ``to_json()`` plus the locations (which ``to_json`` leaves out). Regenerate with

    python -m tests.unit.parse_golden          (or: nox -s regen)

and review the diff: a change there is a change in what metropipe reads from real code.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from metropipe import parse
from metropipe.errors import UserError
from metropipe.model import Function

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "parse"

# language folder -> fixture file -> the functions whose models are golden
CASES: dict[str, dict[str, list[str]]] = {
    "rust": {"lib.rs": ["add", "greet", "parse_number", "reverse", "verify", "ping", "encode", "depth", "zero"]},
    "go": {"calc.go": ["Add", "Greet", "ParseRatio", "Checksum", "Validate", "reverse", "Reset", "Scale"]},
    "c": {
        "mylib.h": ["mylib_add", "mylib_scale", "mylib_greet", "mylib_join", "mylib_hash", "mylib_reverse",
                    "mylib_parse", "mylib_check", "mylib_old_add", "mylib_mul", "mylib_reset", "mylib_twice"],
        "mylib.c": ["clamp", "mylib_add", "count_bits", "is_even"],
    },
    "js": {
        "textkit.mjs": ["add", "greet", "digest", "scale", "reset", "reverse"],
        "legacy.js": ["join", "count", "check", "isEven"],
    },
    "ts": {"textkit.ts": ["add", "greet", "digest", "scale", "reset", "check", "reverse", "mean"]},
    "ruby": {"text_tools.rb": ["add", "greet", "digest", "check", "shout", "parse", "toggle", "log_value"]},
    "java": {"TextTools.java": ["add", "greet", "parseNumber", "encode", "checksum", "isEven", "reset", "reverse",
                                "unit"]},
    "csharp": {
        "TextTools.cs": ["Add", "Greet", "ParseNumber", "Encode", "Check", "WordCount", "Reverse", "Reset"],
        "Scoped.cs": ["IsEven"],
    },
}


def read(lang: str, file: str, name: str) -> Function:
    """Parse ``name`` from a fixture, named by its file name alone (as a user in that folder would)."""
    path = FIXTURES / lang / file
    module = importlib.import_module(f"metropipe.parse.{parse.language_of(file)}")
    fn: Function = module.parse(file, parse.read_source(str(path)), name)
    return fn


def diagnostics(lang: str, file: str, name: str) -> list[str]:
    """The exact lines ``metropipe export`` prints for ``name`` in a fixture that it refuses."""
    try:
        read(lang, file, name)
    except UserError as e:
        return [str(d) for d in e.diagnostics]
    raise AssertionError(f"{file}: '{name}' was read without a diagnostic")


def snapshot(fn: Function) -> dict[str, Any]:
    data = fn.to_json()
    data["location"] = str(fn.location)
    data["param_locations"] = [str(p.location) for p in fn.params]
    return data


def build(lang: str) -> dict[str, dict[str, Any]]:
    return {file: {name: snapshot(read(lang, file, name)) for name in names}
            for file, names in CASES[lang].items()}


def expected(lang: str) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((FIXTURES / lang / "expected.json").read_text(encoding="utf-8"))
    return data


def main() -> int:
    for lang in CASES:
        path = FIXTURES / lang / "expected.json"
        text = json.dumps(build(lang), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if text != old:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(FIXTURES.parent.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
