"""Read a Java method's signature with tree-sitter-java (nothing is compiled).

=================================================  ==========
Java type                                           wire type
=================================================  ==========
``int``, ``Integer``                                int32
``long``, ``Long``                                  int64
``float``, ``Float``                                float
``double``, ``Double``                              double
``boolean``, ``Boolean``                            bool
``String`` (``java.lang.String``)                   string
``byte[]``                                          bytes
``void`` (result only)                              no result
=================================================  ==========

Boxed types are accepted as their primitive (a ``null`` result is a bad result).

Errors: an exception thrown by the method is the wire's application error, its message
``<SimpleClassName>: <getMessage()>`` (native ``errors``: ``exception``).

Which method: a ``static`` method of a class, interface, enum or record (nested ones too) is
callable; an instance method needs an object and is refused, and so is a ``private`` one
(the provider, another class, cannot call it). Overloads that are all static are ambiguous
and listed. Generic methods, varargs (``int...``), arrays other than ``byte[]``,
collections, ``Optional``, functional interfaces (callbacks) and classes are refused.

``native`` of the function: ``package`` (empty for the default package), ``class`` (the
enclosing types joined with ``.``, ``Outer.Inner``), ``visibility`` (``public``,
``protected``, ``package`` or ``private``), ``throws`` (the declared exceptions, ``, ``
separated), ``errors`` and ``result`` (the result type as written). Of each parameter:
``type`` as written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metropipe.errors import Diagnostic
from metropipe.model import Function, Param, WireType
from metropipe.parse import treesitter as ts

if TYPE_CHECKING:
    from tree_sitter import Node

NAMES = {
    "int": WireType.INT32, "Integer": WireType.INT32,
    "long": WireType.INT64, "Long": WireType.INT64,
    "float": WireType.FLOAT, "Float": WireType.FLOAT,
    "double": WireType.DOUBLE, "Double": WireType.DOUBLE,
    "boolean": WireType.BOOL, "Boolean": WireType.BOOL,
    "String": WireType.STRING,
    "byte[]": WireType.BYTES,
}
HINT = "int, long, float, double, boolean, String, byte[]"
ONE = "int, long, float, double, boolean, String or byte[]"
ALIASES = {"short": "int", "byte": "int", "char": "int", "Short": "int", "Byte": "int", "Character": "int",
           "BigInteger": "long", "BigDecimal": "double", "bool": "boolean", "string": "String",
           "CharSequence": "String", "StringBuilder": "String", "Byte[]": "byte[]", "ByteBuffer": "byte[]",
           "char[]": "String"}
COLLECTIONS = {"List", "ArrayList", "LinkedList", "Map", "HashMap", "TreeMap", "Set", "HashSet", "TreeSet",
               "Collection", "Iterable", "Stream", "Deque", "Queue"}
CALLBACKS = {"Function", "BiFunction", "Supplier", "Consumer", "BiConsumer", "Predicate", "Runnable", "Callable",
             "UnaryOperator", "BinaryOperator", "IntFunction", "ToIntFunction"}
TYPES = {"class_declaration": "class", "interface_declaration": "interface", "enum_declaration": "enum",
         "record_declaration": "record", "annotation_type_declaration": "annotation"}
BODIES = ("class_body", "interface_body", "enum_body", "enum_body_declarations", "record_body",
          "annotation_type_body")


def _modifiers(node: Node) -> list[str]:
    mods = next((c for c in node.children if c.type == "modifiers"), None)
    return [ts.text(c) for c in mods.children if not c.is_named] if mods is not None else []


def _candidates(root: Node) -> tuple[list[ts.Candidate], dict[str, str]]:
    found: list[ts.Candidate] = []
    declared: dict[str, str] = {}

    def visit(body: Node, owners: list[str], kinds: list[str]) -> None:
        for item in body.named_children:
            if item.type in TYPES:
                name_node = item.child_by_field_name("name")
                name = ts.text(name_node)
                declared.setdefault(name, TYPES[item.type])
                if name_node is not None:
                    found.append(ts.Candidate(name, item, name_node, 3, TYPES[item.type],
                                              f"'{name}' is {'an' if TYPES[item.type][0] in 'aeiou' else 'a'} "
                                              f"{TYPES[item.type]}, not a method; export a static method"))
                inner = item.child_by_field_name("body")
                if inner is not None:
                    visit(inner, [*owners, name], [*kinds, TYPES[item.type]])
            elif item.type in BODIES:
                visit(item, owners, kinds)
            elif item.type == "method_declaration" and owners:
                _method(item, owners, kinds[-1], found)

    visit(root, [], [])
    return found, declared


def _method(item: Node, owners: list[str], kind: str, found: list[ts.Candidate]) -> None:
    name_node = item.child_by_field_name("name")
    if name_node is None:
        return
    name = ts.text(name_node)
    mods = _modifiers(item)
    owner = ".".join(owners)
    signature = f"{ts.spelled(item.child_by_field_name('type') or item)} {name}" \
                f"{ts.spelled(item.child_by_field_name('parameters') or item)}"
    context = {"class": owner, "modifiers": mods, "kind": kind}
    if "static" not in mods:
        found.append(ts.Candidate(name, item, name_node, 2, f"instance method of {kind} '{owner}'",
                                  f"'{name}' is an instance method of {kind} '{owner}'; make it static (a method "
                                  "needs an object the provider does not have)", context))
    elif "private" in mods:
        found.append(ts.Candidate(name, item, name_node, 2, f"private method of {kind} '{owner}'",
                                  f"'{name}' is private in {kind} '{owner}'; make it public or package-private so "
                                  "the provider can call it", context))
    else:
        found.append(ts.Candidate(name, item, name_node, 0, f"static {signature} in {kind} '{owner}'",
                                  context=context))


def _norm(node: Node) -> str:
    key = "".join(ts.text(node).split())
    for prefix in ("java.lang.", "java.util.", "java.util.function.", "java.nio."):
        if key.startswith(prefix) and "." not in key[len(prefix):].split("<")[0]:
            key = key[len(prefix):]
    return key


def _wire(node: Node, extra_dims: bool, generics: set[str], declared: dict[str, str]) -> WireType:
    key = _norm(node) + ("[]" if extra_dims else "")
    if key in NAMES:
        return NAMES[key]
    raise ts.Refused(_why(node, key, generics, declared), node)


def _why(node: Node, key: str, generics: set[str], declared: dict[str, str]) -> str:
    base = key.split("<")[0]
    if key in ALIASES:
        return ts.supported(HINT, ALIASES[key])
    if base == "Optional" or base.startswith("Optional"):
        args = node.named_children[-1] if node.named_children else None
        inner = ts.spelled(args.named_children[0]) if args is not None and args.named_children else "T"
        return ts.nullable("java", inner if base == "Optional" else {"OptionalInt": "int", "OptionalLong": "long",
                                                                       "OptionalDouble": "double"}.get(base, inner))
    if base in CALLBACKS or base.endswith(("Function", "Operator", "Consumer", "Supplier", "Predicate")):
        return ts.callback(HINT)
    if any(n.type == "type_identifier" and ts.text(n) in generics for n in ts.walk(node)):
        return ts.type_parameter(HINT)
    if key.endswith("[]") or base in COLLECTIONS:
        return ts.collection(ONE)
    if base in declared:
        return ts.structure(declared[base])
    return ts.supported(HINT, ts.close_name(key, NAMES, ALIASES))


def parse(path: str, text: str, name: str) -> Function:
    tree = ts.parse_tree("java", text)
    root = tree.root_node
    found, declared = _candidates(root)
    cand = ts.choose(path, name, found, "static methods")
    fn = cand.node
    ts.check_syntax(path, fn, fn.child_by_field_name("body"), "Java", name)
    problems: list[Diagnostic] = []
    package = next((c for c in root.named_children if c.type == "package_declaration"), None)
    mods = cand.context["modifiers"]
    default = "public" if cand.context["kind"] in ("interface", "annotation") else "package"
    visibility = next((m for m in ("public", "protected", "private") if m in mods), default)
    throws = next((c for c in fn.named_children if c.type == "throws"), None)
    native = {
        "package": ts.spelled(package.named_children[0]) if package is not None and package.named_children else "",
        "class": cand.context["class"],
        "visibility": visibility,
        "throws": ", ".join(ts.spelled(t) for t in throws.named_children) if throws is not None else "",
        "errors": "exception",
    }
    generics: set[str] = set()
    tparams = fn.child_by_field_name("type_parameters")
    if tparams is not None:
        generics = {ts.text(n) for p in tparams.named_children for n in p.named_children
                    if n.type in ("type_identifier", "identifier")}
        problems.append(Diagnostic(ts.generic(name, ts.spelled(tparams)), ts.loc(path, tparams)))

    params: list[Param] = []
    plist = fn.child_by_field_name("parameters")
    for p in plist.named_children if plist is not None else []:
        if p.type == "spread_parameter":
            decl = next((c for c in p.named_children if c.type == "variable_declarator"), None)
            pname = ts.text(decl.child_by_field_name("name")) if decl is not None else "..."
            ptype = next((c for c in p.named_children if c.type not in ("modifiers", "variable_declarator")), p)
            problems.append(Diagnostic(ts.variadic(f"parameter '{pname}'", f"{ts.spelled(ptype)}..."),
                                       ts.loc(path, p)))
            continue
        if p.type != "formal_parameter":
            continue
        ftype = p.child_by_field_name("type")
        pname_node = p.child_by_field_name("name")
        pname = ts.text(pname_node)
        dims = p.child_by_field_name("dimensions")
        if ftype is None:
            continue
        ptype = ftype
        spelled = ts.spelled(ptype) + (ts.spelled(dims) if dims is not None else "")
        try:
            wt = _wire(ptype, dims is not None, generics, declared)
            params.append(Param(pname, wt, ts.loc(path, pname_node or p), native={"type": spelled}))
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported(f"parameter '{pname}'", spelled, e.tail), ts.loc(path, ptype)))

    rtype = fn.child_by_field_name("type")
    result = WireType.VOID
    native["result"] = ts.spelled(rtype) if rtype is not None else "void"
    if rtype is not None and rtype.type != "void_type":
        try:
            result = _wire(rtype, fn.child_by_field_name("dimensions") is not None, generics, declared)
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported("the return value", ts.spelled(rtype), e.tail),
                                       ts.loc(path, rtype)))
    ts.raise_all(problems)

    doc = [line for c in ts.preceding(fn, ("block_comment", "line_comment"))
           if ts.text(c).startswith("/**") for line in ts.comment_lines(ts.text(c))]
    return Function(name=name, params=tuple(params), result=result, source=path, language="java",
                    location=ts.loc(path, cand.name_node), doc=ts.first_line(doc), native=native)
