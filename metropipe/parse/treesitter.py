"""What the tree-sitter parsers share: loading a grammar, locations, text, doc comments, choosing the function.

Each grammar is a PyPI package (tree-sitter-rust, tree-sitter-go, ...) imported only when a
file of its language is parsed, so exporting from one language never loads another's grammar
(nor ``tree_sitter`` itself for a Python source).

A language module collects every function-like definition as a :class:`Candidate` and lets
:func:`choose` pick the one to export: the callable candidates of the best rank (0: a free
function; 1: callable without an object, like a static method; see each module), where a
tie is an ambiguity listing every candidate as ``path:line``. A candidate that cannot be
called (a method that needs an object) carries the diagnostic to give when nothing else
matches.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from metropipe.errors import Diagnostic, UserError, fail
from metropipe.model import Location

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Tree

# language key -> (grammar module, function returning its language)
GRAMMARS = {
    "rust": ("tree_sitter_rust", "language"),
    "go": ("tree_sitter_go", "language"),
    "c": ("tree_sitter_c", "language"),
    "js": ("tree_sitter_javascript", "language"),
    "ts": ("tree_sitter_typescript", "language_typescript"),
    "ruby": ("tree_sitter_ruby", "language"),
    "java": ("tree_sitter_java", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
}
PACKAGES = {"rust": "tree-sitter-rust", "go": "tree-sitter-go", "c": "tree-sitter-c", "js": "tree-sitter-javascript",
            "ts": "tree-sitter-typescript", "ruby": "tree-sitter-ruby", "java": "tree-sitter-java",
            "csharp": "tree-sitter-c-sharp"}
# the shapes a message gives for "no value" in each language
NOTHING = {"rust": "None", "go": "nil", "c": "NULL", "js": "null or undefined", "ts": "null or undefined",
           "ruby": "nil", "java": "null", "csharp": "null"}


@cache
def language(key: str) -> Language:
    """The grammar of ``key``, imported on first use. A missing or incompatible package is a clear error."""
    module_name, attr = GRAMMARS[key]
    try:
        import tree_sitter

        module = importlib.import_module(module_name)
        return tree_sitter.Language(getattr(module, attr)())
    except (ImportError, ValueError) as e:  # not installed, or built for another tree-sitter ABI
        raise fail(f"cannot load the {PACKAGES[key]} grammar ({e}); reinstall metropipe with pip so that its "
                   "dependencies 'tree-sitter' and the grammar packages are installed") from None


def parse_tree(key: str, text: str) -> Tree:
    import tree_sitter

    return tree_sitter.Parser(language(key)).parse(text.encode("utf-8"))


def loc(path: str, node: Node) -> Location:
    """1-based line and column (in bytes, as Python's ``ast`` and compilers count) of ``node``'s start."""
    return Location(path, node.start_point[0] + 1, node.start_point[1] + 1)


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def spelled(node: Node) -> str:
    """``node``'s text with runs of white space (newlines too) made one space: how a message quotes a type."""
    return " ".join(text(node).split())


def children(node: Node, *types: str) -> list[Node]:
    return [c for c in node.named_children if not types or c.type in types]


def walk(node: Node) -> Iterator[Node]:
    yield node
    for c in node.children:
        yield from walk(c)


def first_error(node: Node, skip: Iterable[Node] = ()) -> Node | None:
    """The first ERROR or MISSING node under ``node``, not looking into the ``skip`` subtrees (a body)."""
    skipped = {(s.start_byte, s.end_byte, s.type) for s in skip}
    stack = [node]
    while stack:
        n = stack.pop()
        if (n.start_byte, n.end_byte, n.type) in skipped:
            continue
        if n.type == "ERROR" or n.is_missing:
            return n
        if n.has_error:
            stack.extend(reversed(n.children))
    return None


def check_syntax(path: str, fn: Node, body: Node | None, lang: str, name: str) -> None:
    """A syntax error in ``fn``'s signature (not its body) is reported there: its types cannot be trusted."""
    if not fn.has_error:
        return
    bad = first_error(fn, [body] if body is not None else [])
    if bad is not None:
        missing = bad.is_missing or not text(bad).strip()
        what = "(something is missing here)" if missing else f"at '{spelled(bad)[:40]}'"
        raise fail(f"cannot read the signature of '{name}': invalid {lang} syntax {what}", loc(path, bad))


# --- comments ----------------------------------------------------------------------


def preceding(node: Node, comment_types: tuple[str, ...], skip_types: tuple[str, ...] = ()) -> list[Node]:
    """The comments right above ``node`` (each on the line before the next; ``skip_types`` siblings, such as
    attributes, may stand between them), first to last."""
    found: list[Node] = []
    top = node.start_point[0]
    sib = node.prev_sibling
    while sib is not None:
        if sib.type not in skip_types and sib.type not in comment_types:
            break
        if last_row(sib) < top - 1:  # a blank line between
            break
        if sib.type in comment_types:
            found.append(sib)
        top = sib.start_point[0]
        sib = sib.prev_sibling
    return list(reversed(found))


def last_row(node: Node) -> int:
    """The 0-based row of ``node``'s last character (a line comment's node may end after its newline)."""
    end = node.end_point
    return end[0] - 1 if end[1] == 0 and end[0] > node.start_point[0] else end[0]


def comment_lines(raw: str) -> list[str]:
    """The text of a ``//``, ``///``, ``#``, ``/* */`` or ``/** */`` comment, line by line, markers removed."""
    body = raw.strip()
    if body.startswith("/*"):
        body = body[2:-2] if body.endswith("*/") else body[2:]
        body = body.lstrip("*!")
        lines = []
        for line in body.splitlines():
            s = line.strip()
            if s.startswith("*"):
                s = s[1:]
                s = s[1:] if s.startswith(" ") else s
            lines.append(s.rstrip())
        return lines
    lines = []
    for line in body.splitlines():
        s = line.strip()
        for marker in ("//!", "///", "//", "#"):
            if s.startswith(marker):
                s = s[len(marker):]
                break
        lines.append(s[1:] if s.startswith(" ") else s)
    return lines


def first_line(lines: Iterable[str]) -> str:
    """The first non-empty line of a doc text before any tag line (``@param``, ``# Errors``...)."""
    for line in lines:
        s = line.strip()
        if s.startswith("@"):
            return ""
        if s:
            return s
    return ""


# --- choosing the function -----------------------------------------------------------


@dataclass
class Candidate:
    """A definition named like a function in the source.

    ``rank`` orders the callable ones (lower is preferred); ``refusal`` is set on one that cannot be
    exported at all (for example a method that needs an object), with where to point.
    ``context`` is what the language module needs later (its owner, package, ...).
    """

    name: str
    node: Node
    name_node: Node
    rank: int = 0
    what: str = "function"
    refusal: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def choose(path: str, name: str, found: list[Candidate], here: str) -> Candidate:
    """The candidate ``name`` denotes, or a diagnostic: not found (listing ``here``), cannot be called, ambiguous."""
    same = [c for c in found if c.name == name]
    usable = [c for c in same if c.refusal is None]
    if not usable:
        if same:
            first = same[0]
            raise fail(first.refusal or "", loc(path, first.name_node))
        there = sorted({c.name for c in found if c.refusal is None})
        listing = ", ".join(there) if there else "none"
        close = difflib.get_close_matches(name, there, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise fail(f"function '{name}' not found{hint} ({here} here: {listing})", Location(path, 1, 1))
    best = min(c.rank for c in usable)
    top = [c for c in usable if c.rank == best]
    if len(top) > 1:
        listing = ", ".join(f"{path}:{c.name_node.start_point[0] + 1} ({c.what})" for c in top)
        raise fail(f"'{name}' is ambiguous: {len(top)} definitions could be meant: {listing}; rename all but one, "
                   "or export from a file that has only one", loc(path, top[0].name_node))
    return top[0]


def raise_all(problems: list[Diagnostic]) -> None:
    """Every problem of one function at once, in source order."""
    if problems:
        raise UserError(sorted(problems, key=lambda d: (d.location.line, d.location.col) if d.location else (0, 0)))


def close_name(spelling: str, names: Iterable[str], aliases: dict[str, str]) -> str | None:
    """A supported spelling close to ``spelling``: a known alias, a case slip, or a near miss."""
    names = list(names)
    if spelling in aliases:
        return aliases[spelling]
    for n in names:
        if n.lower() == spelling.lower():
            return n
    near = difflib.get_close_matches(spelling, names, n=1, cutoff=0.75)
    return near[0] if near else None


# --- type messages (the Python parser's wording, with each language's words) ---------------


class Refused(Exception):
    """A type the wire cannot carry: the message tail after ``<what> has unsupported type '<spelled>'``."""

    def __init__(self, tail: str, node: Node | None = None) -> None:
        super().__init__(tail)
        self.tail = tail
        self.node = node


def unsupported(what: str, spelling: str, tail: str) -> str:
    return f"{what} has unsupported type '{spelling}'{tail}"


def supported(hint: str, close: str | None = None) -> str:
    """The tail of a message for an unknown type: "; did you mean 'x'? (supported: ...)"."""
    return f"; did you mean '{close}'? (supported: {hint})" if close else f" (supported: {hint})"


def collection(one: str) -> str:
    """``one`` lists the single values, e.g. "i32, i64, f32, f64, bool, String or Vec<u8>"."""
    return f": a slot holds a single value ({one}); pass a collection encoded as a string or bytes, for example JSON"


def nullable(lang: str, inner: str) -> str:
    return f": a slot always holds a value, never {NOTHING[lang]}; use '{inner}'"


def union(hint: str) -> str:
    return f": a slot has one fixed type, not a union ({hint})"


def callback(hint: str) -> str:
    return f": a function cannot be passed to another process (supported: {hint})"


def pointer(hint: str) -> str:
    return f": a pointer cannot be passed to another process (supported: {hint})"


def structure(kind: str) -> str:
    article = "an" if kind[:1] in "aeiou" else "a"
    return (f": {article} {kind} does not cross as one value; pass its fields as separate parameters, or encode it "
            "as a string or bytes (for example JSON)")


def type_parameter(hint: str) -> str:
    return f": it uses a type parameter, and a slot has one fixed type (supported: {hint})"


def generic(name: str, spelling: str) -> str:
    return (f"'{name}' is generic ('{spelling}'): the provider cannot choose its type parameters; export a "
            "non-generic function (a wrapper that calls it with concrete types)")


def variadic(what: str, spelling: str) -> str:
    return (f"{what} is variadic ('{spelling}'): every parameter needs a fixed slot; list the parameters one by "
            "one")
