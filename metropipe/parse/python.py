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
        ast.copy_location(inner, ann)
        ast.fix_missing_locations(inner)
        return _type_of(path, inner, what, result)
    if isinstance(ann, ast.Constant) and ann.value is None:
        if result:
            return WireType.VOID
        raise fail(f"{what}: None is only allowed as a return type", loc)
    if isinstance(ann, ast.Subscript):
        base = _dotted(ann.value) or ""
        if base.split(".")[-1] == "Annotated" and isinstance(ann.slice, ast.Tuple):
            for extra in ann.slice.elts[1:]:
                if isinstance(extra, ast.Constant) and isinstance(extra.value, str):
                    if extra.value in NAMES:
                        return NAMES[extra.value]
            return _type_of(path, ann.slice.elts[0], what, result)
        spelled = ast.unparse(ann)
        raise fail(f"{what} has unsupported type '{spelled}': the wire carries only scalars, "
                   f"str and bytes ({HINT})", loc)
    name = _dotted(ann)
    if name is not None:
        short = name.split(".")[-1]
        if short in NAMES:
            return NAMES[short]
        if short == "None" and result:
            return WireType.VOID
    spelled = ast.unparse(ann)
    raise fail(f"{what} has unsupported type '{spelled}' (supported: {HINT})", loc)




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
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == name:
                        raise fail(f"'{name}' is a method of class '{node.name}'; export a module-level "
                                   "function (a method needs an object the provider does not have)",
                                   _loc(path, item))
        there = sorted(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
        listing = ", ".join(there) if there else "none"
        raise fail(f"function '{name}' not found; module-level functions here: {listing}", Location(path, 1, 1))

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
        problems.append(Diagnostic(f"'*{a.vararg.arg}' is not supported: every parameter needs a fixed slot",
                                   _loc(path, a.vararg)))
    if a.kwarg is not None:
        problems.append(Diagnostic(f"'**{a.kwarg.arg}' is not supported: every parameter needs a fixed slot",
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
    if problems:
        raise UserError(problems)

    doc = ast.get_docstring(found) or ""
    return Function(
        name=name,
        params=tuple(params),
        result=result,
        source=path,
        language="python",
        location=_loc(path, found),
        doc=doc.strip().splitlines()[0] if doc.strip() else "",
    )
