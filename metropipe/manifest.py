"""``metropipe.toml``: what a project exports, loaded into dataclasses and validated.

The settings are dataclasses (:class:`Settings` for ``[metropipe]``, :class:`ExportEntry`
for each ``[[export]]``); their fields, types and docs are the one source of the JSON
Schema shipped as ``metropipe/manifest.schema.json`` (``python -m metropipe.manifest``
rewrites it; a test keeps it in sync). :func:`load` reports every problem at once as
``metropipe.toml:line:col: error: message``.

tomllib gives values without positions, so :class:`Positions` re-reads the (already
valid) TOML text with a small lexer: the position of every key, every value, every
array element and every inline-table key is exact, in characters (a tab is one
column). A problem about a whole table points at its header.
"""

from __future__ import annotations

import bisect
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

from metropipe import __version__
from metropipe.errors import Diagnostic, UserError
from metropipe.model import Location

MODES = ("namespace", "flat", "unify")
FILENAME = "metropipe.toml"
SCHEMA_FILE = Path(__file__).with_name("manifest.schema.json")


def _meta(doc: str, **schema: Any) -> dict[str, Any]:
    return {"doc": doc, "schema": schema}


@dataclass(frozen=True)
class Settings:
    """The ``[metropipe]`` table: the metropipe versions this project accepts, and defaults for every export."""

    requires: str | None = field(default=None, metadata=_meta(
        "The metropipe versions this project works with, as a version specifier: '>=0.1', '>=0.1,<0.3', "
        "'==0.1.*', '~=0.1.0'. Any other version refuses to build, so stubs never flip between versions."))
    out: str = field(default=".", metadata=_meta(
        "The output root of every export, relative to this file (default: its folder)."))
    mode: str = field(default="namespace", metadata=_meta(
        "The output mode of every export: 'namespace' (metropipe/<function>/stub.<ext>), 'flat' "
        "(metropipe/<function>.<ext>) or 'unify' (one file per language holding every function).", enum=MODES))


@dataclass(frozen=True)
class ExportEntry:
    """One ``[[export]]`` table: a function, where its signature is read, and what to generate for it."""

    function: str = field(metadata=_meta("The function's name in its source file.", examples=["classify"]))
    targets: list[str] = field(metadata=_meta(
        "The client stubs to generate: one or more target keys (see `metropipe export --help`). A provider "
        "in the source's language is generated too.", examples=[["python", "c"]]))
    source: str | None = field(default=None, metadata=_meta(
        "The file that defines the function, relative to this file; it is read, never imported. Without "
        "it, metropipe generates raw-bytes stubs and a provider skeleton that is yours to fill in."))
    out: str | None = field(default=None, metadata=_meta(
        "This export's output root, relative to this file (default: [metropipe] out)."))
    mode: str | None = field(default=None, metadata=_meta(
        "This export's output mode (default: [metropipe] mode).", enum=MODES))
    channel: str | None = field(default=None, metadata=_meta(
        "The channel's name (default: the function's name)."))
    options: dict[str, dict[str, Any]] = field(default_factory=dict, metadata=_meta(
        "Per-target options: a table per target key, for example [export.options.go] package = \"api\". "
        "Each target defines its own (they are the keyword options of its generator); a target without "
        "options accepts none."))


# annotation (as written above) -> (JSON Schema, how it is named in a message, Python check)
_TYPES: dict[str, tuple[dict[str, Any], str, Any]] = {
    "str": ({"type": "string"}, "a string", lambda v: isinstance(v, str)),
    "str | None": ({"type": "string"}, "a string", lambda v: isinstance(v, str)),
    "list[str]": ({"type": "array", "items": {"type": "string"}}, "an array of strings",
                  lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)),
    "dict[str, dict[str, Any]]": ({"type": "object", "additionalProperties": {"type": "object"}},
                                  "a table of tables", lambda v: isinstance(v, dict)
                                  and all(isinstance(x, dict) for x in v.values())),
}


@dataclass(frozen=True)
class Export:
    """One ``[[export]]``, resolved against ``[metropipe]``: paths are relative to the manifest's folder.

    ``source`` and ``out`` are normalized POSIX paths relative to the manifest's folder ("." for it).
    """

    function: str
    source: str | None
    targets: tuple[str, ...]
    out: str
    mode: str
    channel: str | None
    options: dict[str, dict[str, Any]]
    index: int  # its place in the manifest, from 0
    manifest: Manifest = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        """What identifies it across builds: its output root and its function."""
        return f"{self.out}:{self.function}"

    @property
    def language(self) -> str | None:
        from metropipe import parse

        return parse.language_key(self.source) if self.source else None

    def at(self, *key: str | int, value: bool = True) -> Location:
        """Where ``key`` (a key of this table, then array indexes or sub-keys) is written."""
        return self.manifest.positions.at(("export", self.index, *key), value=value)

    def config(self) -> dict[str, Any]:
        """Everything about this export that shapes its outputs, as plain JSON."""
        return {"function": self.function, "source": self.source, "targets": sorted(self.targets),
                "out": self.out, "mode": self.mode, "channel": self.channel, "options": self.options}


@dataclass(frozen=True)
class Manifest:
    path: Path  # absolute
    display: str  # as diagnostics name it
    settings: Settings
    exports: list[Export]
    positions: Positions = field(repr=False)

    @property
    def root(self) -> Path:
        return self.path.parent


# --- loading and validation ---------------------------------------------------------------


def load(path: str | os.PathLike[str], check_sources: bool = True) -> Manifest:
    """Read and validate the manifest at ``path``; raise :class:`UserError` with every problem found."""
    manifest, problems = load_partial(path, check_sources)
    if problems:
        raise UserError(problems)
    return manifest


def load_partial(path: str | os.PathLike[str], check_sources: bool = True) -> tuple[Manifest, list[Diagnostic]]:
    """The manifest's valid exports and the problems of the others, so that callers can report more at once.

    Raises :class:`UserError` when nothing can be read: no file, invalid TOML, a version it requires."""
    display = os.fspath(path)
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        where = os.path.abspath(p.parent)
        hint = " (pass --manifest FILE, or -C DIR to run in another folder)" if p.name == FILENAME else ""
        raise UserError(Diagnostic(f"no {p.name} in {where}{hint}")) from None
    except IsADirectoryError:
        raise UserError(Diagnostic(f"'{display}' is a folder, not a manifest file")) from None
    except UnicodeDecodeError as e:
        raise UserError(Diagnostic(f"not valid UTF-8 (byte {e.start})", Location(display, 1, 1))) from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", msg)
        end = re.search(r"\s*\(at end of document\)\s*$", msg)
        if m:
            loc, msg = Location(display, int(m.group(1)), int(m.group(2))), msg[: m.start()]
        elif end:
            last = text.rsplit("\n", 1)[-1]
            loc, msg = Location(display, text.count("\n") + 1, len(last) + 1), msg[: end.start()]
        else:
            loc = Location(display, 1, 1)
        raise UserError(Diagnostic(f"invalid TOML: {msg}", loc)) from None
    positions = Positions(display, text)
    return _Validator(Path(os.path.abspath(p)), display, data, positions, check_sources).run()


class _Validator:
    def __init__(self, path: Path, display: str, data: dict[str, Any], positions: Positions,
                 check_sources: bool) -> None:
        self.path, self.display, self.data, self.pos = path, display, data, positions
        self.check_sources = check_sources
        self.problems: list[Diagnostic] = []

    def error(self, message: str, key: tuple[str | int, ...], value: bool = True) -> None:
        self.problems.append(Diagnostic(message, self.pos.at(key, value=value)))

    def run(self) -> tuple[Manifest, list[Diagnostic]]:
        self._unknown(self.data, ("metropipe", "export"), (), "")
        raw_settings = self.data.get("metropipe", {})
        if not isinstance(raw_settings, dict):
            self.error(f"'metropipe' must be a table ([metropipe]), not {_kind(raw_settings)}", ("metropipe",))
            raw_settings = {}
        values, _ = self._table(Settings, raw_settings, ("metropipe",), "[metropipe]")
        settings = Settings(**values)
        if settings.requires is not None:
            self._requires(settings.requires)
            if self.problems:  # a newer metropipe may accept what this one does not: say only that
                raise UserError(self.problems)
        raw_exports = self.data.get("export", [])
        if not isinstance(raw_exports, list) or not all(isinstance(e, dict) for e in raw_exports):
            self.error("'export' must be an array of tables: write [[export]] (two brackets) before each "
                       "export", ("export",), value=False)
            raw_exports = []
        manifest = Manifest(self.path, self.display, settings, [], self.pos)
        seen: dict[tuple[str, str], Export] = {}
        for i, raw in enumerate(raw_exports):
            values, ok = self._table(ExportEntry, raw, ("export", i), f"[[export]] #{i + 1}")
            export = self._export(values, ok, i, settings, manifest)
            if export is None:
                continue
            first = seen.get((export.out, export.function))
            if first is not None:
                self.error(f"'{export.function}' is already exported into '{export.out}' at "
                           f"{first.at('function')}; export it once, with all its targets", ("export", i, "function"))
                continue
            seen[(export.out, export.function)] = export
            manifest.exports.append(export)
        return manifest, sorted(self.problems, key=_order)

    # the generic part: keys, types, required fields, enums -- all read from the dataclass

    def _unknown(self, table: dict[str, Any], valid: Iterable[str], key: tuple[str | int, ...], where: str) -> None:
        valid = list(valid)
        for name in table:
            if name not in valid:
                hint = _did_you_mean(name, valid)
                self.error(f"unknown key '{name}'{where}{hint} (valid: {', '.join(valid)})", (*key, name),
                           value=False)

    def _table(self, cls: type[Any], raw: dict[str, Any], key: tuple[str | int, ...],
               title: str) -> tuple[dict[str, Any], bool]:
        """The keys of ``raw`` that are valid for ``cls``, and whether all of them (and every required one) are."""
        where = "" if key == () else f" in {title}"
        self._unknown(raw, [f.name for f in fields(cls)], key, where)
        values: dict[str, Any] = {}
        ok = True
        for f in fields(cls):
            required = f.default is MISSING and f.default_factory is MISSING
            if f.name not in raw:
                if required:
                    example = f.metadata["schema"].get("examples", [""])[0]
                    self.error(f"{title} is missing the required key '{f.name}' (for example {f.name} = "
                               f"{_toml(example)})", key, value=False)
                    ok = False
                continue
            value = raw[f.name]
            schema, named, check = _TYPES[str(f.type)]
            if not check(value):
                hint = f"; write {f.name} = [{_toml(value)}]" if schema.get("type") == "array" and \
                    isinstance(value, str) else ""
                self.error(f"'{f.name}' must be {named}, not {_kind(value)} {_toml(value)}{hint}", (*key, f.name))
                ok = False
                continue
            enum = f.metadata["schema"].get("enum")
            if enum is not None and value not in enum:
                self.error(f"{f.name} '{value}' is not one of {', '.join(enum)}{_did_you_mean(value, enum)}",
                           (*key, f.name))
                ok = False
                continue
            values[f.name] = value
        return values, ok

    # the specific part

    def _requires(self, spec: str) -> None:
        try:
            ok = satisfies(__version__, spec)
        except ValueError as e:
            self.error(f"invalid version specifier '{spec}': {e}", ("metropipe", "requires"))
            return
        if not ok:
            self.error(f"this project requires metropipe {spec}, but this is metropipe {__version__}: install a "
                       f"matching version (pip install 'metropipe{spec}')", ("metropipe", "requires"))

    def _export(self, values: dict[str, Any], ok: bool, i: int, settings: Settings,
                manifest: Manifest) -> Export | None:
        """Check what the table's valid keys say (all of it, even when others are wrong); the export if all is well."""
        from metropipe import export as export_module
        from metropipe.errors import UserError as Failed
        from metropipe.model import Function

        before = len(self.problems)
        key = ("export", i)
        function, channel = values.get("function"), values.get("channel")
        if function is not None:
            try:
                export_module.check_names(function, channel)
            except Failed as err:
                which = "channel" if channel is not None and err.diagnostics[0].message.startswith("invalid channel") \
                    else "function"
                self.error(_manifest_words(err.diagnostics[0].message), (*key, which))
        keys = self._targets(values["targets"], key) if "targets" in values else []
        source = self._source(values["source"], key) if "source" in values else None
        out = _relative(self.path.parent, values.get("out", settings.out))
        mode = values.get("mode") or settings.mode
        self._options(values.get("options", {}), keys, key)
        if not ok or function is None or len(self.problems) > before:
            return None
        export = Export(function, source, tuple(keys), out, mode, channel, values.get("options", {}), i, manifest)
        try:  # the generated Python folder must not be shadowed by one of metropipe's own modules
            fn = Function(function, raw=source is None, language=export.language)
            export_module._check_python_module_name(fn, keys, mode)
        except Failed as err:
            self.error(_manifest_words(err.diagnostics[0].message), (*key, "function"))
            return None
        return export

    def _targets(self, names: list[str], key: tuple[str | int, ...]) -> list[str]:
        from metropipe.cli import ALL_TARGETS

        if not names:
            self.error(f"'targets' is empty: name at least one of {', '.join(ALL_TARGETS)}", (*key, "targets"))
        available = available_targets()
        keys: list[str] = []
        for j, name in enumerate(names):
            if name not in ALL_TARGETS:
                self.error(f"unknown target '{name}'{_did_you_mean(name, ALL_TARGETS)} (valid targets: "
                           f"{', '.join(ALL_TARGETS)})", (*key, "targets", j))
            elif name not in available:
                self.error(f"target '{name}' is not available in metropipe {__version__} yet; available now: "
                           f"{', '.join(available)}", (*key, "targets", j))
            elif name not in keys:
                keys.append(name)
        return keys

    def _source(self, source: str, key: tuple[str | int, ...]) -> str | None:
        from metropipe import parse

        root = self.path.parent
        full = root / source
        if self.check_sources and not full.exists():
            siblings = [p.name for p in full.parent.iterdir()] if full.parent.is_dir() else []
            self.error(f"source file '{source}' does not exist (paths are relative to the folder of "
                       f"{self.display}){_did_you_mean(full.name, siblings)}", (*key, "source"))
            return None
        if self.check_sources and not full.is_file():
            self.error(f"source '{source}' is not a file", (*key, "source"))
            return None
        if parse.language_of(source) is None:
            suffix = full.suffix
            kind = f"'{suffix}' files" if suffix else "a file without an extension"
            self.error(f"cannot read signatures from {kind} (supported: {', '.join(sorted(parse.PARSERS))}); "
                       "leave 'source' out for raw-bytes stubs", (*key, "source"))
            return None
        return _relative(root, source)

    def _options(self, options: dict[str, dict[str, Any]], keys: list[str], key: tuple[str | int, ...]) -> None:
        for target, opts in options.items():
            at = (*key, "options", target)
            if target not in keys:
                self.error(f"options for '{target}', which is not one of this export's targets"
                           f"{_did_you_mean(target, keys)} ({', '.join(keys) or 'none'})", at, value=False)
                continue
            accepted = target_options(target)
            for name, value in opts.items():
                kind = accepted.get(name)
                if name not in accepted:
                    listing = f"options: {', '.join(accepted)}" if accepted else "it has no options"
                    self.error(f"unknown option '{name}' for target '{target}'{_did_you_mean(name, list(accepted))}"
                               f" ({listing})", (*at, name), value=False)
                elif kind is not None and not _TYPES[kind][2](value):
                    self.error(f"option '{name}' of target '{target}' must be {_TYPES[kind][1]}, not "
                               f"{_kind(value)} {_toml(value)}", (*at, name))


@cache
def available_targets() -> list[str]:
    """The target keys whose package is in this installation."""
    import importlib.util

    from metropipe import targets

    return sorted(k for k, mod in targets.TARGETS.items()
                  if importlib.util.find_spec(f"metropipe.targets.{mod}") is not None)


def target_options(key: str) -> dict[str, str | None]:
    """A target's options: the keyword parameters of its ``files()`` after the four every target takes.

    Maps each name to its annotation when metropipe can check it (a key of ``_TYPES``), else None.
    """
    import inspect

    from metropipe import targets

    params = list(inspect.signature(targets.load(key).files).parameters.values())[4:]
    return {p.name: (str(p.annotation) if str(p.annotation) in _TYPES else None) for p in params}


def _relative(root: Path, path: str) -> str:
    full = os.path.normpath(os.path.join(root, path))
    return os.path.relpath(full, root).replace(os.sep, "/")


def _manifest_words(message: str) -> str:
    """A message written for ``metropipe export``'s options, in the manifest's words."""
    return message.replace("use --unify", 'use mode = "unify"').replace("pass --channel NAME", 'set channel')


def _order(d: Diagnostic) -> tuple[int, int]:
    return (d.location.line, d.location.col) if d.location else (0, 0)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{...}"
    return str(value)


# --- version specifiers (the release-number part of PEP 440) ------------------------------

_CLAUSE = re.compile(r"\s*(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?\s*\Z")


def _release(version: str) -> tuple[int, ...]:
    m = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(x) for x in m.group(0).split(".")) if m else (0,)


def satisfies(version: str, spec: str) -> bool:
    """Whether ``version`` matches ``spec`` (comma-separated clauses: ~= == != <= >= < >, and ``==X.*``)."""
    have = _release(version)
    clauses = [c for c in spec.split(",")]
    if not spec.strip():
        raise ValueError("it is empty")
    for clause in clauses:
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError(f"cannot read '{clause.strip()}' (write for example '>=0.1' or '>=0.1,<0.3')")
        op, text, star = m.group(1), m.group(2), bool(m.group(3))
        want = tuple(int(x) for x in text.split("."))
        if star and op not in ("==", "!="):
            raise ValueError(f"'.*' only goes with == and != ('{clause.strip()}')")
        n = max(len(have), len(want))
        a, b = have + (0,) * (n - len(have)), want + (0,) * (n - len(want))
        if op == "~=":
            if len(want) < 2:
                raise ValueError(f"'~=' needs at least two numbers ('{clause.strip()}')")
            ok = a >= b and have[: len(want) - 1] == want[:-1]
        elif op in ("==", "==="):
            ok = have[: len(want)] == want if star else a == b
        elif op == "!=":
            ok = have[: len(want)] != want if star else a != b
        else:
            ok = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if not ok:
            return False
    return True


# --- where things are written ------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")


class Positions:
    """The position of every key and value of a valid TOML text, keyed by their path.

    A path is a tuple of keys and array indexes, as in the loaded data: ``("export", 0,
    "targets", 1)`` is the second target of the first ``[[export]]``. :meth:`at` falls back to
    the closest enclosing key or table header for a path it does not know.
    """

    def __init__(self, display: str, text: str) -> None:
        self.display, self.text = display, text
        self.keys: dict[tuple[str | int, ...], int] = {}  # path -> offset of the key (or table header)
        self.values: dict[tuple[str | int, ...], int] = {}  # path -> offset of the value
        self._lines = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        try:
            self._scan()
        except (IndexError, ValueError):  # never for valid TOML; then positions are coarser
            pass

    def at(self, path: tuple[str | int, ...], value: bool = True) -> Location:
        for n in range(len(path), 0, -1):
            p = path[:n]
            if value and n == len(path) and p in self.values:
                return self._loc(self.values[p])
            if p in self.keys:
                return self._loc(self.keys[p])
        return Location(self.display, 1, 1)

    def _loc(self, offset: int) -> Location:
        line = bisect.bisect_right(self._lines, offset)
        return Location(self.display, line, offset - self._lines[line - 1] + 1)

    # the lexer: only what locating needs; the text is valid TOML (tomllib read it first)

    def _scan(self) -> None:
        t, i, n = self.text, 0, len(self.text)
        table: tuple[str | int, ...] = ()
        arrays: dict[tuple[str, ...], int] = {}  # array-of-tables path (keys only) -> its last index
        while i < n:
            i = self._space(i, newlines=True)
            if i >= n:
                break
            if t[i] == "[":
                double = t.startswith("[[", i)
                start = i
                names, i = self._key(i + (2 if double else 1))
                i = t.index("]]" if double else "]", i) + (2 if double else 1)
                table = self._resolve(names, arrays, double)
                for k in range(1, len(table) + 1):
                    self.keys.setdefault(table[:k], start)
            else:
                start = i
                names, i = self._key(i)
                i = self._space(i) + 1  # '='
                path = (*table, *names)
                for k in range(len(table) + 1, len(path)):
                    self.keys.setdefault(path[:k], start)
                self.keys[path] = start
                i = self._value(self._space(i), path)
            i = self._space(i)
            if i < n and t[i] == "#":
                i = t.find("\n", i)
                i = n if i < 0 else i

    def _resolve(self, names: list[str], arrays: dict[tuple[str, ...], int], double: bool) -> tuple[str | int, ...]:
        out: list[str | int] = []
        for k in range(1, len(names) + 1):
            out.append(names[k - 1])
            prefix = tuple(names[:k])
            if double and k == len(names):
                arrays[prefix] = arrays.get(prefix, -1) + 1
                # a new element: forget the sub-arrays of the previous one
                for other in [a for a in arrays if a[:k] == prefix and len(a) > k]:
                    del arrays[other]
                out.append(arrays[prefix])
            elif prefix in arrays:
                out.append(arrays[prefix])
        return tuple(out)

    def _space(self, i: int, newlines: bool = False) -> int:
        t, n = self.text, len(self.text)
        while i < n:
            c = t[i]
            if c in " \t\r" or (newlines and c == "\n"):
                i += 1
            elif newlines and c == "#":
                j = t.find("\n", i)
                i = n if j < 0 else j
            else:
                break
        return i

    def _key(self, i: int) -> tuple[list[str], int]:
        t = self.text
        names: list[str] = []
        while True:
            i = self._space(i)
            if t[i] in "\"'":
                end = self._string(i)
                raw = t[i:end]
                names.append(raw[1:-1] if raw[0] == "'" else _unescape(raw[1:-1]))
                i = end
            else:
                m = _BARE.match(t, i)
                if not m:
                    raise ValueError("no key")
                names.append(m.group(0))
                i = m.end()
            i = self._space(i)
            if i < len(t) and t[i] == ".":
                i += 1
                continue
            return names, i

    def _string(self, i: int) -> int:
        """The offset just after the string that starts at ``i``."""
        t = self.text
        q = t[i]
        if t.startswith(q * 3, i):  # multi-line
            j = i + 3
            while True:
                if q == '"' and t[j] == "\\":
                    j += 2
                elif t.startswith(q * 3, j):
                    k = j + 3
                    while k < len(t) and t[k] == q and k - j < 5:  # up to two quotes end the content
                        k += 1
                    return k
                else:
                    j += 1
        if q == "'":
            return t.index("'", i + 1) + 1
        j = i + 1
        while t[j] != '"':
            j += 2 if t[j] == "\\" else 1
        return j + 1

    def _value(self, i: int, path: tuple[str | int, ...]) -> int:
        t = self.text
        self.values[path] = i
        if t[i] in "\"'":
            return self._string(i)
        if t[i] == "[":
            i += 1
            k = 0
            while True:
                i = self._space(i, newlines=True)
                if t[i] == "]":
                    return i + 1
                i = self._value(i, (*path, k))
                k += 1
                i = self._space(i, newlines=True)
                if t[i] == ",":
                    i += 1
        if t[i] == "{":
            i += 1
            while True:
                i = self._space(i)
                if t[i] == "}":
                    return i + 1
                start = i
                names, i = self._key(i)
                inner = (*path, *names)
                self.keys[inner] = start
                i = self._space(i) + 1
                i = self._value(self._space(i), inner)
                i = self._space(i)
                if t[i] == ",":
                    i += 1
        m = re.compile(r"[^\s,\]}#]+(?:[ T][0-9][^\s,\]}#]*)?").match(t, i)  # numbers, booleans, dates
        return m.end() if m else i + 1


def _unescape(s: str) -> str:
    try:
        return s.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return s


# --- the JSON Schema -----------------------------------------------------------------------


def _table_schema(cls: type[Any]) -> dict[str, Any]:
    from metropipe.cli import ALL_TARGETS

    props: dict[str, Any] = {}
    required = []
    for f in fields(cls):
        prop = {"description": f.metadata["doc"], **_TYPES[str(f.type)][0], **f.metadata["schema"]}
        if f.name == "targets":
            prop["items"] = {"enum": list(ALL_TARGETS)}
            prop["minItems"] = 1
        if f.name == "options":
            prop["propertyNames"] = {"enum": list(ALL_TARGETS)}
        if f.default is MISSING and f.default_factory is MISSING:
            required.append(f.name)
        elif f.default is not MISSING and f.default is not None:
            prop["default"] = f.default
        props[f.name] = prop
    out: dict[str, Any] = {"type": "object", "description": (cls.__doc__ or "").strip().replace("``", "`"),
                           "properties": props,
                           "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def schema() -> dict[str, Any]:
    """The JSON Schema of ``metropipe.toml``, generated from :class:`Settings` and :class:`ExportEntry`."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "metropipe.toml",
        "description": "What a project exports with metropipe: read by `metropipe build`, `check`, `outputs` "
                       "and `clean`.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "metropipe": _table_schema(Settings),
            "export": {"type": "array", "description": "The functions to export, one [[export]] table each.",
                       "items": _table_schema(ExportEntry)},
        },
    }


def schema_text() -> str:
    import json

    return json.dumps(schema(), indent=2) + "\n"


if __name__ == "__main__":  # python -m metropipe.manifest: rewrite the shipped schema
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
