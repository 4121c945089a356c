"""Read a Go function's signature with tree-sitter-go (nothing is compiled).

=========================================  ==========
Go type                                     wire type
=========================================  ==========
``int32``, ``rune`` (an alias of int32)     int32
``int64``, ``int``                          int64
``float32``                                 float
``float64``                                 double
``bool``                                    bool
``string``                                  string
``[]byte``, ``[]uint8``                     bytes
no result, or ``error`` alone               no result
=========================================  ==========

``int`` is 64 bits on every platform metropipe supports (64-bit Linux and macOS), so it is
int64 on the wire; the Go provider converts with ``int(...)``.

Errors: a last result of type ``error`` is the wire's error status: ``(T, error)`` is
``T`` with errors, ``error`` alone is no result with errors (native ``errors``:
``go-error``); the message is ``err.Error()``. Results may be named. Any other set of
several results is refused, as are variadic parameters (``...T``), pointers, slices other
than ``[]byte``, maps, arrays, channels, funcs, interfaces (``any``), structs and generic
functions.

Which ``func``: a package-level function; a method (a func with a receiver) needs an
object and is refused.

``native`` of the function: ``package`` (the package clause), ``exported`` (``true`` when the
name starts with an upper-case letter: callable from another package), ``errors``
(``none`` or ``go-error``), ``result`` (the declared results as written, empty when none)
and ``ok`` (the value result's type, empty when none). Of each parameter: ``type`` as
written (``int``, ``[]byte``...). When a ``go.mod`` is found walking up from the source's folder
(the file is in a Go module): ``module`` (its module path) and ``module_root`` (the module's folder
relative to the source's folder, ``.`` or ``..``...; go.mod is a dependency of the parse). The Go
provider and the Go c-linker then build inside that module.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from metropipe.errors import Diagnostic, fail
from metropipe.model import Function, Location, Param, WireType
from metropipe.parse import treesitter as ts

if TYPE_CHECKING:
    from tree_sitter import Node

NAMES = {
    "int32": WireType.INT32,
    "rune": WireType.INT32,
    "int64": WireType.INT64,
    "int": WireType.INT64,
    "float32": WireType.FLOAT,
    "float64": WireType.DOUBLE,
    "bool": WireType.BOOL,
    "string": WireType.STRING,
    "[]byte": WireType.BYTES,
    "[]uint8": WireType.BYTES,
}
HINT = "int32, int64, int, float32, float64, bool, string, []byte"
ONE = "int32, int64, int, float32, float64, bool, string or []byte"
ALIASES = {
    "int8": "int32", "int16": "int32", "uint8": "int32", "byte": "int32", "uint16": "int32", "uint32": "int64",
    "uint": "int64", "uint64": "int64", "uintptr": "int64", "float": "float64", "double": "float64",
    "boolean": "bool", "String": "string", "str": "string", "[]rune": "string", "*string": "string",
    "*int": "int", "*int32": "int32", "*int64": "int64", "*float64": "float64", "*bool": "bool",
    "[]string": "string", "[]int8": "[]byte",
}


def _candidates(root: Node) -> list[ts.Candidate]:
    found = []
    for item in root.named_children:
        name = item.child_by_field_name("name")
        if name is None:
            continue
        n = ts.text(name)
        if item.type == "function_declaration":
            found.append(ts.Candidate(n, item, name, 0, "func"))
        elif item.type == "method_declaration":
            receiver = item.child_by_field_name("receiver")
            rtypes = [p.child_by_field_name("type") for p in (receiver.named_children if receiver else [])]
            owner = ts.spelled(rtypes[0]) if rtypes and rtypes[0] is not None else "?"
            found.append(ts.Candidate(n, item, name, 2, f"method of '{owner}'",
                                      f"'{n}' is a method of '{owner}' (it has a receiver); export a plain func (a "
                                      "method needs an object the provider does not have)"))
    return found


def _norm(node: Node) -> str:
    return "".join(ts.text(node).split())


def _why(node: Node, key: str, generics: set[str], structs: dict[str, str]) -> str:
    t = node.type
    if t == "pointer_type":
        inner = node.named_children[0] if node.named_children else None
        if inner is not None and _norm(inner) in NAMES:
            return ts.nullable("go", ts.spelled(inner))
        return ts.pointer(HINT)
    if key in ALIASES:
        return ts.supported(HINT, ALIASES[key])
    if t in ("slice_type", "array_type", "map_type"):
        return ts.collection(ONE)
    if t == "function_type":
        return ts.callback(HINT)
    if t == "channel_type":
        return f": a channel cannot be passed to another process (supported: {HINT})"
    if t == "struct_type":
        return ts.structure("struct")
    if any(n.type == "type_identifier" and ts.text(n) in generics for n in ts.walk(node)):
        return ts.type_parameter(HINT)
    if t == "type_identifier" and key in structs:
        return ts.structure(structs[key])
    return ts.supported(HINT, ts.close_name(key, NAMES, ALIASES))


def _wire(node: Node, generics: set[str], structs: dict[str, str]) -> WireType:
    key = _norm(node)
    if key in NAMES:
        return NAMES[key]
    raise ts.Refused(_why(node, key, generics, structs), node)


def _structs(root: Node) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in ts.walk(root):
        if n.type == "type_spec":
            name, value = n.child_by_field_name("name"), n.child_by_field_name("type")
            if name is not None and value is not None:
                kind = {"struct_type": "struct", "interface_type": "interface"}.get(value.type, "named type")
                out.setdefault(ts.text(name), kind)
    return out


def _type_params(node: Node | None) -> set[str]:
    if node is None:
        return set()
    return {ts.text(n) for d in node.named_children for n in d.children_by_field_name("name")}


MODULE_LINE = re.compile(r'^\s*module\s+(?:"([^"]+)"|`([^`]+)`|([^\s"`]+))\s*(?://.*)?$', re.M)


def go_mod(path: str) -> str | None:
    """The go.mod of the module holding the file ``path``: the first found walking up from its folder."""
    from metropipe.parse import enclosing

    return enclosing(path, "go.mod")


def _module(path: str) -> dict[str, str]:
    """``module`` and ``module_root`` of the file ``path`` (nothing outside a module)."""
    mod = go_mod(path)
    if mod is None:
        return {}
    shown = os.path.relpath(mod)
    try:
        with open(mod, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise fail(f"cannot read the module's go.mod: {e}", Location(shown, 1, 1)) from None
    m = MODULE_LINE.search(text)
    if m is None:
        raise fail("go.mod has no module directive (the Go provider builds inside the module)",
                   Location(shown, 1, 1))
    root = os.path.relpath(os.path.dirname(mod), os.path.dirname(os.path.abspath(path)))
    return {"module": next(g for g in m.groups() if g), "module_root": root.replace(os.sep, "/")}


def dependencies(path: str, text: str) -> list[str]:
    """The module's go.mod: its module path is part of what the parse records."""
    mod = go_mod(path)
    return [mod] if mod is not None else []


def parse(path: str, text: str, name: str) -> Function:
    tree = ts.parse_tree("go", text)
    root = tree.root_node
    cand = ts.choose(path, name, _candidates(root), "functions")
    fn = cand.node
    ts.check_syntax(path, fn, fn.child_by_field_name("body"), "Go", name)
    structs = _structs(root)
    problems: list[Diagnostic] = []
    package = next((c for c in root.named_children if c.type == "package_clause"), None)
    pkg_name = next((ts.text(c) for c in package.named_children), "") if package is not None else ""
    native = {"package": pkg_name, "exported": "true" if name[:1].isupper() else "false"}
    tparams = fn.child_by_field_name("type_parameters")
    generics = _type_params(tparams)
    if tparams is not None:
        problems.append(Diagnostic(ts.generic(name, ts.spelled(tparams)), ts.loc(path, tparams)))

    params: list[Param] = []
    index = 0
    plist = fn.child_by_field_name("parameters")
    for decl in plist.named_children if plist is not None else []:
        if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        ptype = decl.child_by_field_name("type")
        names: list[Node | None] = list(decl.children_by_field_name("name")) or [None]
        for pname_node in names:
            index += 1
            pname = ts.text(pname_node) if pname_node is not None else ""
            if pname in ("", "_"):
                pname = f"arg{index}"
            what = f"parameter '{pname}'"
            if ptype is None:
                continue
            if decl.type == "variadic_parameter_declaration":
                problems.append(Diagnostic(ts.variadic(what, f"...{ts.spelled(ptype)}"), ts.loc(path, decl)))
                continue
            try:
                wt = _wire(ptype, generics, structs)
                params.append(Param(pname, wt, ts.loc(path, pname_node or ptype), native={"type": ts.spelled(ptype)}))
            except ts.Refused as e:
                problems.append(Diagnostic(ts.unsupported(what, ts.spelled(ptype), e.tail), ts.loc(path, ptype)))

    result = WireType.VOID
    ret = fn.child_by_field_name("result")
    native["errors"] = "none"
    native["result"] = ts.spelled(ret) if ret is not None else ""
    native["ok"] = ""
    if ret is not None:
        if ret.type == "parameter_list":
            types = [d.child_by_field_name("type") for d in ret.named_children if d.type == "parameter_declaration"
                     for _ in range(max(1, len(d.children_by_field_name("name"))))]
        else:
            types = [ret]
        kinds = [ts.text(t) if t is not None else "" for t in types]
        if kinds and kinds[-1] == "error":
            native["errors"] = "go-error"
            types = types[:-1]
        if len(types) > 1 or "error" in kinds[:-1]:
            problems.append(Diagnostic(f"the results '{ts.spelled(ret)}' are not supported: a function returns one "
                                       "value, optionally followed by an error ('(T, error)')", ts.loc(path, ret)))
        elif types and types[0] is not None:
            native["ok"] = ts.spelled(types[0])
            try:
                result = _wire(types[0], generics, structs)
            except ts.Refused as e:
                problems.append(Diagnostic(ts.unsupported("the return value", ts.spelled(types[0]), e.tail),
                                           ts.loc(path, types[0])))
    ts.raise_all(problems)
    native.update(_module(path))

    doc = [line for c in ts.preceding(fn, ("comment",)) for line in ts.comment_lines(ts.text(c))
           if not line.startswith(("go:", f"export {name}"))]
    return Function(name=name, params=tuple(params), result=result, source=path, language="go",
                    location=ts.loc(path, cand.name_node), doc=ts.first_line(doc), native=native)
