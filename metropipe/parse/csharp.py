"""Read a C# method's signature with tree-sitter-c-sharp (nothing is compiled).

=====================================================  ==========
C# type                                                 wire type
=====================================================  ==========
``int``, ``Int32``, ``System.Int32``                    int32
``long``, ``Int64``                                     int64
``float``, ``Single``                                   float
``double``, ``Double``                                  double
``bool``, ``Boolean``                                   bool
``string``, ``String``                                  string
``byte[]``, ``Byte[]``                                  bytes
``void`` (result only)                                  no result
=====================================================  ==========

Errors: an exception thrown by the method is the wire's application error, its message
``<ExceptionTypeName>: <Message>`` (native ``errors``: ``exception``).

Which method: a ``static`` method of a class, struct, interface or record, in any namespace
(block or file-scoped) and nested type, that is not ``private`` (the C# default for a member
without a modifier: the provider, another class, could not call it). An instance method
needs an object and is refused. Overloads that are all callable are ambiguous and listed.
Generic and ``async`` methods (``Task``), ``params`` arrays, ``ref``/``out``/``in``
parameters, nullable types (``int?``), other arrays, collections, delegates (``Func``,
``Action``), tuples, pointers and user types are refused. Extension methods (``this string
s``) are static methods like others.

``native`` of the function: ``namespace`` (dotted; empty for the global one), ``class`` (the
enclosing types joined with ``.``), ``visibility`` (``public``, ``internal``, ``protected
internal``...), ``errors`` and ``result`` (the result type as written). Of each parameter:
``type`` as written, and ``this`` (``true``) on an extension method's first parameter.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from metropipe.errors import Diagnostic
from metropipe.model import Function, Param, WireType
from metropipe.parse import treesitter as ts

if TYPE_CHECKING:
    from tree_sitter import Node

NAMES = {
    "int": WireType.INT32, "Int32": WireType.INT32,
    "long": WireType.INT64, "Int64": WireType.INT64,
    "float": WireType.FLOAT, "Single": WireType.FLOAT,
    "double": WireType.DOUBLE, "Double": WireType.DOUBLE,
    "bool": WireType.BOOL, "Boolean": WireType.BOOL,
    "string": WireType.STRING, "String": WireType.STRING,
    "byte[]": WireType.BYTES, "Byte[]": WireType.BYTES,
}
HINT = "int, long, float, double, bool, string, byte[]"
ONE = "int, long, float, double, bool, string or byte[]"
ALIASES = {"short": "int", "byte": "int", "sbyte": "int", "char": "int", "ushort": "int", "uint": "long",
           "ulong": "long", "nint": "long", "nuint": "long", "decimal": "double", "Int16": "int", "UInt32": "long",
           "UInt64": "long", "Decimal": "double", "boolean": "bool", "Str": "string", "sbyte[]": "byte[]",
           "ReadOnlySpan<byte>": "byte[]", "Span<byte>": "byte[]", "Memory<byte>": "byte[]",
           "ReadOnlyMemory<byte>": "byte[]", "char[]": "string", "StringBuilder": "string"}
COLLECTIONS = {"List", "IList", "IEnumerable", "ICollection", "IReadOnlyList", "Dictionary", "IDictionary",
               "HashSet", "ISet", "Queue", "Stack", "ImmutableArray", "IReadOnlyCollection", "ArrayList"}
CALLBACKS = {"Func", "Action", "Predicate", "Delegate", "EventHandler", "Converter", "Comparison"}
TYPES = {"class_declaration": "class", "struct_declaration": "struct", "interface_declaration": "interface",
         "record_declaration": "record", "record_struct_declaration": "record struct", "enum_declaration": "enum"}


def _candidates(root: Node) -> tuple[list[ts.Candidate], dict[str, str], dict[int, str]]:
    found: list[ts.Candidate] = []
    declared: dict[str, str] = {}
    namespaces: dict[int, str] = {}  # method start byte -> namespace

    def visit(body: Node, namespace: list[str], owners: list[str], kinds: list[str]) -> None:
        scoped = list(namespace)
        for item in body.named_children:
            if item.type == "file_scoped_namespace_declaration":
                scoped = [*namespace, ts.text(item.child_by_field_name("name"))]
            elif item.type == "namespace_declaration":
                inner = item.child_by_field_name("body")
                if inner is not None:
                    visit(inner, [*scoped, ts.text(item.child_by_field_name("name"))], owners, kinds)
            elif item.type in TYPES:
                name_node = item.child_by_field_name("name")
                name = ts.text(name_node)
                kind = TYPES[item.type]
                declared.setdefault(name, kind)
                if name_node is not None:
                    found.append(ts.Candidate(name, item, name_node, 3, kind,
                                              f"'{name}' is {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not a "
                                              "method; export a static method"))
                inner = item.child_by_field_name("body")
                if inner is not None:
                    visit(inner, scoped, [*owners, name], [*kinds, kind])
            elif item.type == "declaration_list":
                visit(item, scoped, owners, kinds)
            elif item.type == "method_declaration" and owners:
                namespaces[item.start_byte] = ".".join(scoped)
                _method(item, owners, kinds[-1], found)

    visit(root, [], [], [])
    return found, declared, namespaces


def _modifiers(node: Node) -> list[str]:
    return [ts.text(c) for c in node.children if c.type == "modifier"]


def _method(item: Node, owners: list[str], kind: str, found: list[ts.Candidate]) -> None:
    name_node = item.child_by_field_name("name")
    if name_node is None:
        return
    name = ts.text(name_node)
    mods = _modifiers(item)
    owner = ".".join(owners)
    signature = f"{ts.spelled(item.child_by_field_name('returns') or item)} {name}" \
                f"{ts.spelled(item.child_by_field_name('parameters') or item)}"
    visibility = " ".join(m for m in mods if m in ("public", "private", "protected", "internal", "file"))
    if not visibility:
        visibility = "public" if kind == "interface" else "private"
    context = {"class": owner, "visibility": visibility, "kind": kind}
    if "static" not in mods:
        found.append(ts.Candidate(name, item, name_node, 2, f"instance method of {kind} '{owner}'",
                                  f"'{name}' is an instance method of {kind} '{owner}'; make it static (a method "
                                  "needs an object the provider does not have)", context))
    elif visibility in ("private", "file", "private protected"):
        default = " (the default in C#)" if not any(m in mods for m in ("private", "file")) else ""
        found.append(ts.Candidate(name, item, name_node, 2, f"private method of {kind} '{owner}'",
                                  f"'{name}' is {visibility} in {kind} '{owner}'{default}; make it public or internal "
                                  "so the provider can call it", context))
    else:
        found.append(ts.Candidate(name, item, name_node, 0, f"static {signature} in {kind} '{owner}'",
                                  context=context))


def _norm(node: Node) -> str:
    key = "".join(ts.text(node).split())
    return key[len("System."):] if key.startswith("System.") and "." not in key[7:].split("<")[0] else key


def _wire(node: Node, generics: set[str], declared: dict[str, str]) -> WireType:
    key = _norm(node)
    if key in NAMES:
        return NAMES[key]
    raise ts.Refused(_why(node, key, generics, declared), node)


def _why(node: Node, key: str, generics: set[str], declared: dict[str, str]) -> str:
    base = key.split("<")[0]
    if node.type == "nullable_type":
        inner = node.child_by_field_name("type")
        return ts.nullable("csharp", ts.spelled(inner) if inner is not None else key.rstrip("?"))
    if key in ALIASES:
        return ts.supported(HINT, ALIASES[key])
    if base in ("Task", "ValueTask"):
        return ": an asynchronous result; export a synchronous method (wait for the task in a wrapper)"
    if base in CALLBACKS:
        return ts.callback(HINT)
    if node.type == "pointer_type" or node.type == "function_pointer_type":
        return ts.pointer(HINT)
    if any(n.type == "identifier" and ts.text(n) in generics for n in ts.walk(node)):
        return ts.type_parameter(HINT)
    if node.type in ("array_type", "tuple_type") or base in COLLECTIONS:
        return ts.collection(ONE)
    if base in declared:
        return ts.structure(declared[base])
    return ts.supported(HINT, ts.close_name(key, NAMES, ALIASES))


def _parameters(plist: Node | None) -> list[tuple[Node, Node | None, Node | None, list[str]]]:
    """(node, type, name, modifiers) per parameter; ``params`` arrays are inline in the list (modifier 'params')."""
    out: list[tuple[Node, Node | None, Node | None, list[str]]] = []
    if plist is None:
        return out
    pending: list[str] = []
    ptype: Node | None = None
    start: Node | None = None
    for c in plist.children:
        if c.type == "parameter":
            mods = [ts.text(m) for m in c.children if m.type == "modifier"]
            out.append((c, c.child_by_field_name("type"), c.child_by_field_name("name"), mods))
        elif c.type == "params" or ts.text(c) == "params":
            pending, start = ["params"], c
        elif pending and plist.field_name_for_child(list(plist.children).index(c)) == "type":
            ptype = c
        elif pending and c.type == "identifier":
            out.append((start or c, ptype, c, pending))
            pending, ptype, start = [], None, None
    return out


def parse(path: str, text: str, name: str) -> Function:
    tree = ts.parse_tree("csharp", text)
    root = tree.root_node
    found, declared, namespaces = _candidates(root)
    cand = ts.choose(path, name, found, "static methods")
    fn = cand.node
    ts.check_syntax(path, fn, fn.child_by_field_name("body"), "C#", name)
    problems: list[Diagnostic] = []
    native = {"namespace": namespaces.get(fn.start_byte, ""), "class": cand.context["class"],
              "visibility": cand.context["visibility"], "errors": "exception"}
    if "async" in _modifiers(fn):
        problems.append(Diagnostic(f"'{name}' is async; export a synchronous method (wait for the task in a "
                                   "wrapper)", ts.loc(path, fn.child_by_field_name("returns") or fn)))
    generics: set[str] = set()
    tparams = fn.child_by_field_name("type_parameters")
    if tparams is not None:
        generics = {ts.text(p.child_by_field_name("name")) for p in tparams.named_children}
        problems.append(Diagnostic(ts.generic(name, ts.spelled(tparams)), ts.loc(path, tparams)))

    params: list[Param] = []
    for i, (node, ptype, pname_node, mods) in enumerate(_parameters(fn.child_by_field_name("parameters")), 1):
        pname = ts.text(pname_node) if pname_node is not None else f"arg{i}"
        what = f"parameter '{pname}'"
        spelled = ts.spelled(ptype) if ptype is not None else "?"
        if "params" in mods:
            problems.append(Diagnostic(ts.variadic(what, f"params {spelled}"), ts.loc(path, node)))
            continue
        passing = [m for m in mods if m in ("ref", "out", "in", "scoped")]
        if passing:
            problems.append(Diagnostic(f"{what} is passed by '{passing[0]}': a slot holds a value that the provider "
                                       f"passes in; return results instead (supported: {HINT})", ts.loc(path, node)))
            continue
        if ptype is None:
            continue
        try:
            wt = _wire(ptype, generics, declared)
            pnative = {"type": spelled}
            if "this" in mods:
                pnative["this"] = "true"
            params.append(Param(pname, wt, ts.loc(path, pname_node or node), native=pnative))
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported(what, spelled, e.tail), ts.loc(path, ptype)))

    rtype = fn.child_by_field_name("returns")
    result = WireType.VOID
    native["result"] = ts.spelled(rtype) if rtype is not None else "void"
    if rtype is not None and native["result"] != "void" and "async" not in _modifiers(fn):
        try:
            result = _wire(rtype, generics, declared)
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported("the return value", ts.spelled(rtype), e.tail),
                                       ts.loc(path, rtype)))
    ts.raise_all(problems)

    doc = [line for c in ts.preceding(fn, ("comment",)) if ts.text(c).startswith(("///", "/**"))
           for line in ts.comment_lines(ts.text(c))]
    return Function(name=name, params=tuple(params), result=result, source=path, language="csharp",
                    location=ts.loc(path, cand.name_node), doc=_xml_first_line(doc), native=native)


def _xml_first_line(lines: list[str]) -> str:
    """The text of a ``<summary>`` on one line (XML tags dropped), or the first line of a plain doc comment."""
    text = " ".join(lines)
    m = re.search(r"<summary>(.*?)</summary>", text, re.S)
    if m is None:
        return ts.first_line(re.sub(r"<[^>]+>", "", line) for line in lines)
    body = m.group(1)
    body = re.sub(r"<see\s+cref=\"([^\"]*)\"\s*/>", r"\1", body)
    body = re.sub(r"<[^>]+>", "", body)
    return " ".join(body.split())
