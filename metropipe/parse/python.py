"""Read a Python function's signature with the standard library's ``ast``.

Nothing is imported or executed. Type hints are required; the mapping is

=====================================  ==========
Python annotation                      wire type
=====================================  ==========
``int``, ``int64``                     int64
``int32``                              int32
``float``, ``float64``, ``double``     double
``float32``                            float
``bool``                               bool
``str``                                string
``bytes``                              bytes
``None`` (result only)                 no result
=====================================  ==========

``int32``/``int64``/``float32``/``float64`` are matched by their last name, so
``metropipe.types.int32``, ``mp.int32`` or the user's own ``int32 = NewType("int32",
int)`` all work; ``typing.Annotated[int, "int32"]`` does too.
"""

from __future__ import annotations

import ast
import difflib
import os
from dataclasses import replace
from typing import NoReturn

from metropipe.errors import Diagnostic, UserError, fail
from metropipe.model import Function, Location, Param, WireType

NAMES = {
    "int": WireType.INT64,
    "int64": WireType.INT64,
    "int32": WireType.INT32,
    "float": WireType.DOUBLE,
    "float64": WireType.DOUBLE,
    "double": WireType.DOUBLE,
    "float32": WireType.FLOAT,
    "bool": WireType.BOOL,
    "str": WireType.STRING,
    "bytes": WireType.BYTES,
}
HINT = "int, int32, float, float32, bool, str, bytes"
# Common spellings of a supported type, for "did you mean" (lower case -> NAMES key).
ALIASES = {
    "integer": "int", "long": "int", "uint32": "int", "int8": "int32", "int16": "int32", "uint8": "int32",
    "uint16": "int32", "float16": "float32", "single": "float32", "string": "str", "text": "str",
    "unicode": "str", "boolean": "bool", "bytearray": "bytes", "memoryview": "bytes",
}
CONTAINERS = {"list", "dict", "set", "frozenset", "tuple", "List", "Dict", "Set", "FrozenSet", "Tuple", "Sequence",
              "Mapping", "Iterable", "Any", "object"}
_CONTAINER = "a slot holds a single value (int, int32, float, float32, bool, str or bytes); pass a collection " \
             "encoded as str or bytes, for example JSON"


def _loc(path: str, node: ast.AST) -> Location:
    return Location(path, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _type_of(path: str, ann: ast.expr, what: str, result: bool) -> WireType:
    loc = _loc(path, ann)
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):  # "quoted" annotation
        try:
            inner = ast.parse(ann.value, mode="eval").body
        except SyntaxError:
            raise fail(f"{what}: cannot read the annotation '{ann.value}'", loc) from None
        try:
            return _type_of(path, inner, what, result)
        except UserError as e:  # point at the quoted annotation, not into the string
            raise UserError(replace(d, location=loc) for d in e.diagnostics) from None
    if isinstance(ann, ast.Constant) and ann.value is None:
        if result:
            return WireType.VOID
        raise fail(f"{what}: None is only allowed as a return type", loc)
    spelled = ast.unparse(ann)
    if isinstance(ann, ast.Subscript):
        base = (_dotted(ann.value) or "").split(".")[-1]
        if base == "Annotated" and isinstance(ann.slice, ast.Tuple):
            for extra in ann.slice.elts[1:]:
                if isinstance(extra, ast.Constant) and isinstance(extra.value, str):
                    if extra.value in NAMES:
                        return NAMES[extra.value]
            return _type_of(path, ann.slice.elts[0], what, result)
        if base in ("Optional", "Union"):
            members = list(ann.slice.elts) if isinstance(ann.slice, ast.Tuple) else [ann.slice]
            if base == "Optional":
                members.append(ast.Constant(None))
            _refuse_union(what, spelled, members, loc)
        raise fail(f"{what} has unsupported type '{spelled}': {_CONTAINER}", loc)
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):  # int | None
        _refuse_union(what, spelled, _union_members(ann), loc)
    name = _dotted(ann)
    if name is not None:
        short = name.split(".")[-1]
        if short in NAMES:
            return NAMES[short]
        if short == "None" and result:
            return WireType.VOID
        if short in CONTAINERS:
            raise fail(f"{what} has unsupported type '{spelled}': {_CONTAINER}", loc)
        close = short.lower() if short.lower() in NAMES else ALIASES.get(short.lower())
        if close:
            raise fail(f"{what} has unsupported type '{spelled}'; did you mean '{close}'? (supported: {HINT})", loc)
    raise fail(f"{what} has unsupported type '{spelled}' (supported: {HINT})", loc)


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*_union_members(node.left), *_union_members(node.right)]
    return [node]


def _refuse_union(what: str, spelled: str, members: list[ast.expr], loc: Location) -> NoReturn:
    def is_none(m: ast.expr) -> bool:
        return (isinstance(m, ast.Constant) and m.value is None) or _dotted(m) == "None"

    others = [m for m in members if not is_none(m)]
    if len(others) < len(members) and len(others) == 1:
        raise fail(f"{what} has unsupported type '{spelled}': a slot always holds a value, never None; "
                   f"use '{ast.unparse(others[0])}'", loc)
    raise fail(f"{what} has unsupported type '{spelled}': a slot has one fixed type, not a union ({HINT})", loc)


def _own_yield(fn: ast.FunctionDef) -> ast.AST | None:
    # ast.walk descends into nested functions too; filter those out.
    nested: set[int] = set()
    for node in ast.walk(fn):
        if node is not fn and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            nested.update(id(n) for n in ast.walk(node))
    for node in ast.walk(fn):
        if id(node) not in nested and isinstance(node, (ast.Yield, ast.YieldFrom)):
            return node
    return None


def parse(path: str, text: str, name: str) -> Function:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        raise fail(f"invalid Python syntax: {e.msg}", Location(path, e.lineno or 1, e.offset or 1)) from None

    found: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node  # a later definition replaces an earlier one, as in Python
    if found is None:
        for cls in ast.walk(tree):
            if isinstance(cls, ast.ClassDef):
                for item in cls.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == name:
                        raise fail(f"'{name}' is a method of class '{cls.name}'; export a module-level "
                                   "function (a method needs an object the provider does not have)",
                                   _loc(path, item))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                raise fail(f"'{name}' is a class, not a function; export a module-level def", _loc(path, node))
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and any(_dotted(t) == name for t in targets if t):
                raise fail(f"'{name}' is assigned here, not defined with 'def', so it has no signature to read",
                           _loc(path, node))
        there = sorted(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
        listing = ", ".join(there) if there else "none"
        close = difflib.get_close_matches(name, there, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise fail(f"function '{name}' not found{hint} (module-level functions here: {listing})",
                   Location(path, 1, 1))

    if isinstance(found, ast.AsyncFunctionDef):
        raise fail(f"'{name}' is an async function; export a plain def (wrap it with asyncio.run)",
                   _loc(path, found))
    y = _own_yield(found)
    if y is not None:
        raise fail(f"'{name}' is a generator (it yields); export a function that returns a value",
                   _loc(path, y))

    problems: list[Diagnostic] = []
    a = found.args
    if a.vararg is not None:
        problems.append(Diagnostic(f"'*{a.vararg.arg}' is not supported: every parameter needs a fixed slot; "
                                   "list the parameters one by one",
                                   _loc(path, a.vararg)))
    if a.kwarg is not None:
        problems.append(Diagnostic(f"'**{a.kwarg.arg}' is not supported: every parameter needs a fixed slot; "
                                   "list the parameters one by one",
                                   _loc(path, a.kwarg)))
    params: list[Param] = []
    kwonly = {id(x) for x in a.kwonlyargs}
    for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
        what = f"parameter '{arg.arg}'"
        if arg.annotation is None:
            problems.append(Diagnostic(f"{what} has no type hint (for example '{arg.arg}: int')", _loc(path, arg)))
            continue
        try:
            wt = _type_of(path, arg.annotation, what, False)
            params.append(Param(arg.arg, wt, _loc(path, arg), keyword_only=id(arg) in kwonly))
        except UserError as e:
            problems.extend(e.diagnostics)
    result = WireType.VOID
    if found.returns is None:
        problems.append(Diagnostic(f"'{name}' has no return type hint (write '-> None' if it returns nothing)",
                                   _loc(path, found)))
    else:
        try:
            result = _type_of(path, found.returns, "the return value", True)
        except UserError as e:
            problems.extend(e.diagnostics)
    if problems:  # all of them at once, in source order
        raise UserError(sorted(problems, key=lambda d: (d.location.line, d.location.col) if d.location else (0, 0)))

    doc = ast.get_docstring(found) or ""
    return Function(
        name=name,
        params=tuple(params),
        result=result,
        source=path,
        language="python",
        location=_loc(path, found),
        doc=doc.strip().splitlines()[0] if doc.strip() else "",
        native={"module": module_name(path)},
    )


def module_name(path: str) -> str:
    """The dotted name ``path`` is imported by: its stem, under every enclosing package (``__init__.py``)."""
    folder, file = os.path.split(os.path.abspath(path))
    parts = [os.path.splitext(file)[0]]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        parts.insert(0, package)
    return ".".join(parts)
