"""Read a JavaScript function's signature (``.js``, ``.mjs``, ``.cjs``) with tree-sitter-javascript and its JSDoc.

Types come from the JSDoc comment right above the function (or above the ``export`` or
``const`` that holds it): ``@param {number} x`` (also ``[x]``, ``[x=1]``, ``@arg``) and
``@returns {string}`` (or ``@return``). ``typescript.py`` shares this module for ``.ts``
files, where the annotations are read instead (and JSDoc only where one is missing).

================================================  ==========
JSDoc / TypeScript type                            wire type
================================================  ==========
``int32`` (a type name: see below)                 int32
``bigint``, ``int64``                              int64
``float32``                                        float
``number``, ``float64``, ``double``                double
``boolean``                                        bool
``string``                                         string
``Uint8Array``, ``Buffer``                         bytes
``void``, ``undefined`` (result only)              no result
``Promise<T>`` (result only)                       ``T``
================================================  ==========

``number`` is a double. To ask for a 32-bit integer, name the type ``int32``: in
TypeScript declare ``type int32 = number;`` (any definition, a branded one too) and write
``x: int32``; in JSDoc write ``@param {int32} x`` (optionally with ``/** @typedef {number}
int32 */``). ``float32`` works the same way. Names are matched by their last part, so
``mp.int32`` works too.

Errors: an exception thrown (or a rejected promise) is the wire's application error, its
message ``<error.name>: <error.message>`` (native ``errors``: ``exception``). A function that
is ``async`` or returns ``Promise<T>`` is awaited by the provider (native ``async``).

Which function: a module-level function (a declaration, or ``const f = (..) => ..`` /
``function (..) {..}``) is preferred over a ``static`` method of a class; an instance method
needs an object and is refused. The function must be exported, or the provider cannot
import it: ``export function f``, ``export default``, ``export { f }``, ``exports.f = ..``,
``module.exports.f = ..``, ``module.exports = { f }`` or ``module.exports = f``. Rest
parameters, destructured parameters, generators, unions, nullable types, arrays, objects and
callbacks are refused.

``native`` of the function: ``module`` (``esm`` or ``commonjs``), ``export`` (``named``,
``default``, ``commonjs`` for a property of ``module.exports``, or ``module.exports`` for
the whole module), ``export_name`` (the name it is exported as), ``owner`` (the class of a
static method), ``namespace`` (TypeScript ``namespace`` path), ``async`` (``true`` or
``false``), ``errors`` and ``result`` (the result type as written). Of each parameter:
``type`` as written (the annotation, or the JSDoc type), and ``optional`` when it may be left
out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from metropipe.errors import Diagnostic, fail
from metropipe.model import Function, Location, Param, WireType
from metropipe.parse import treesitter as ts

if TYPE_CHECKING:
    from tree_sitter import Node

NAMES = {
    "int32": WireType.INT32,
    "int64": WireType.INT64,
    "bigint": WireType.INT64,
    "float32": WireType.FLOAT,
    "number": WireType.DOUBLE,
    "float64": WireType.DOUBLE,
    "double": WireType.DOUBLE,
    "boolean": WireType.BOOL,
    "string": WireType.STRING,
    "Uint8Array": WireType.BYTES,
    "Buffer": WireType.BYTES,
}
HINT = "number, int32, bigint, float32, boolean, string, Uint8Array, Buffer"
ONE = "number, int32, bigint, float32, boolean, string, Uint8Array or Buffer"
ALIASES = {"Number": "number", "int": "int32", "integer": "int32", "Integer": "int32", "float": "number",
           "Boolean": "boolean", "bool": "boolean", "String": "string", "BigInt": "bigint", "long": "bigint",
           "ArrayBuffer": "Uint8Array", "DataView": "Uint8Array", "Int8Array": "Uint8Array",
           "Uint8ClampedArray": "Uint8Array", "Blob": "Uint8Array", "Date": "string", "char": "string"}
COLLECTIONS = {"Array", "ReadonlyArray", "Map", "Set", "WeakMap", "WeakSet", "Record", "Object", "object",
               "Iterable", "Int32Array", "Float64Array", "Float32Array"}
VOID = {"void", "undefined"}
FUNCTIONS = ("function_declaration", "generator_function_declaration", "function_expression", "function",
             "arrow_function", "generator_function", "method_definition", "function_signature")
LANG = {"js": "JavaScript", "ts": "TypeScript"}


@dataclass
class Def:
    """A function-like definition: where it is, how it is exported, what it belongs to."""

    name: str
    node: Node
    name_node: Node
    anchor: Node  # the statement whose comment is its JSDoc
    export: tuple[str, str] | None = None  # (style, exported name)
    owner: str = ""  # a class: a method
    static: bool = False
    namespace: list[str] = field(default_factory=list)
    declared_only: bool = False  # TypeScript `declare function`


def _is_function(node: Node | None) -> bool:
    return node is not None and node.type in FUNCTIONS


def _member(node: Node) -> str:
    return "".join(ts.text(node).split())


class Collector:
    def __init__(self) -> None:
        self.defs: list[Def] = []
        self.exports: dict[str, tuple[str, str]] = {}  # local name -> (style, exported name)
        self.style = ""  # "esm" or "commonjs", when the file says

    def statements(self, body: Node, namespace: list[str]) -> None:
        for item in body.named_children:
            self.statement(item, item, namespace, None)

    def statement(self, item: Node, anchor: Node, namespace: list[str], export: tuple[str, str] | None) -> None:
        t = item.type
        if t in ("function_declaration", "generator_function_declaration", "function_signature"):
            name = item.child_by_field_name("name")
            if name is not None:
                ex = (export[0], ts.text(name) if export[1] == "" else export[1]) if export else None
                self.defs.append(Def(ts.text(name), item, name, anchor, ex, namespace=namespace))
        elif t in ("lexical_declaration", "variable_declaration"):
            for d in item.named_children:
                value = d.child_by_field_name("value")
                name = d.child_by_field_name("name")
                if d.type == "variable_declarator" and name is not None and _is_function(value):
                    assert value is not None
                    ex = (export[0], ts.text(name)) if export else None
                    self.defs.append(Def(ts.text(name), value, name, anchor, ex, namespace=namespace))
        elif t == "class_declaration" or t == "abstract_class_declaration":
            self._class(item, anchor, namespace, export)
        elif t == "export_statement":
            self._export(item, namespace)
        elif t == "expression_statement":
            for c in item.named_children:
                if c.type == "assignment_expression":
                    self._assignment(c, item, namespace)
                elif c.type in ("internal_module", "module"):
                    self._namespace(c, namespace)
        elif t in ("internal_module", "module"):
            self._namespace(item, namespace)
        elif t == "ambient_declaration":
            for c in item.named_children:
                if c.type == "function_signature":
                    name = c.child_by_field_name("name")
                    if name is not None:
                        self.defs.append(Def(ts.text(name), c, name, item, export, namespace=namespace,
                                             declared_only=True))
        elif t == "import_statement":
            self.style = self.style or "esm"

    def _namespace(self, item: Node, namespace: list[str]) -> None:
        body = item.child_by_field_name("body")
        name = item.child_by_field_name("name")
        if body is not None and name is not None:
            for s in body.named_children:
                self.statement(s, s, [*namespace, ts.text(name)], None)

    def _class(self, item: Node, anchor: Node, namespace: list[str], export: tuple[str, str] | None) -> None:
        cname = ts.text(item.child_by_field_name("name"))
        body = item.child_by_field_name("body")
        for m in body.named_children if body is not None else []:
            if m.type not in ("method_definition", "method_signature", "abstract_method_signature"):
                continue
            name = m.child_by_field_name("name")
            if name is None or ts.text(name) == "constructor":
                continue
            static = any(c.type == "static" or ts.text(c) == "static" for c in m.children if not c.is_named)
            ex = (export[0], cname if export[1] == "" else export[1]) if export else None
            self.defs.append(Def(ts.text(name), m, name, m, ex, owner=cname, static=static, namespace=namespace))

    def _export(self, item: Node, namespace: list[str]) -> None:
        self.style = self.style or "esm"
        default = any(c.type == "default" or ts.text(c) == "default" for c in item.children if not c.is_named)
        decl = item.child_by_field_name("declaration")
        value = item.child_by_field_name("value")
        style = ("default", "default") if default else ("named", "")
        if decl is not None:
            self.statement(decl, item, namespace, style)
            return
        if value is not None:
            if value.type == "identifier":
                self.exports[ts.text(value)] = ("default", "default")
            elif _is_function(value) and value.child_by_field_name("name") is not None:
                name = value.child_by_field_name("name")
                assert name is not None
                self.defs.append(Def(ts.text(name), value, name, item, ("default", "default"), namespace=namespace))
            return
        for clause in item.named_children:
            if clause.type == "export_clause":
                for spec in clause.named_children:
                    local = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias")
                    if local is not None:
                        exported = ts.text(alias) if alias is not None else ts.text(local)
                        self.exports[ts.text(local)] = ("default", "default") if exported == "default" else (
                            "named", exported)

    def _assignment(self, node: Node, anchor: Node, namespace: list[str]) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        target = _member(left)
        prop = ""
        if target.startswith("module.exports.") or target.startswith("exports."):
            prop = target.split(".")[-1]
        elif target != "module.exports":
            return
        self.style = "commonjs"
        if prop:
            if right.type == "identifier":
                self.exports.setdefault(ts.text(right), ("commonjs", prop))
            elif _is_function(right):
                name_node = left.child_by_field_name("property") or left
                self.defs.append(Def(prop, right, name_node, anchor, ("commonjs", prop), namespace=namespace))
            return
        if right.type == "identifier":
            self.exports[ts.text(right)] = ("module.exports", "module.exports")
        elif _is_function(right):
            name = right.child_by_field_name("name")
            if name is not None:
                self.defs.append(Def(ts.text(name), right, name, anchor, ("module.exports", "module.exports"),
                                     namespace=namespace))
        elif right.type == "object":
            for p in right.named_children:
                if p.type == "shorthand_property_identifier":
                    self.exports[ts.text(p)] = ("commonjs", ts.text(p))
                elif p.type == "pair":
                    key, value = p.child_by_field_name("key"), p.child_by_field_name("value")
                    if key is None or value is None:
                        continue
                    if value.type == "identifier":
                        self.exports[ts.text(value)] = ("commonjs", ts.text(key))
                    elif _is_function(value):
                        self.defs.append(Def(ts.text(key), value, key, p, ("commonjs", ts.text(key)),
                                             namespace=namespace))
                elif p.type == "method_definition":
                    key = p.child_by_field_name("name")
                    if key is not None:
                        self.defs.append(Def(ts.text(key), p, key, p, ("commonjs", ts.text(key)),
                                             namespace=namespace))


def _candidates(defs: list[Def], lang: str) -> list[ts.Candidate]:
    found = []
    for d in defs:
        where = f" in namespace '{'.'.join(d.namespace)}'" if d.namespace else ""
        if d.owner and not d.static:
            found.append(ts.Candidate(d.name, d.node, d.name_node, 2, f"method of class '{d.owner}'",
                                      f"'{d.name}' is a method of class '{d.owner}'; export a module-level function "
                                      "or make it static (a method needs an object the provider does not have)",
                                      {"def": d}))
        elif d.declared_only:
            found.append(ts.Candidate(d.name, d.node, d.name_node, 3, "declaration",
                                      f"'{d.name}' is only declared here ('declare function'); export it from the "
                                      "file that defines it", {"def": d}))
        elif d.export is None:
            how = ("'export' in front of it" if lang == "ts" else
                   f"'export' in front of it (ES module) or 'module.exports.{d.name} = {d.name}' (CommonJS)")
            what = f"static method of class '{d.owner}'" if d.owner else "function"
            found.append(ts.Candidate(d.name, d.node, d.name_node, 1 if d.owner else 0, what,
                                      f"'{d.name}' is not exported{' (its class is not)' if d.owner else ''}, so the "
                                      f"provider cannot import it; add {how}", {"def": d}))
        elif d.owner:
            found.append(ts.Candidate(d.name, d.node, d.name_node, 1, f"static method of class '{d.owner}'{where}",
                                      context={"def": d}))
        else:
            kind = "overload signature" if d.node.type == "function_signature" else "function"
            found.append(ts.Candidate(d.name, d.node, d.name_node, 0, kind + where, context={"def": d}))
    return found


# --- types ----------------------------------------------------------------------------


def _split(spelling: str, sep: str) -> list[str]:
    """``spelling`` split on ``sep`` outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in spelling:
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


def classify(spelling: str, lang: str, generics: set[str], result: bool,
             declared: dict[str, str] | None = None) -> WireType:
    """The wire type of a TypeScript or JSDoc type spelling, or :class:`ts.Refused` with why not."""
    s = spelling.strip()
    while s.startswith("(") and s.endswith(")") and _split(s[1:-1], "|") == [s[1:-1].strip()]:
        s = s[1:-1].strip()
    if s.endswith("=") and lang == "js":  # JSDoc optional
        s = s[:-1]
    if s.startswith("!"):
        s = s[1:]
    members = _split(s, "|")
    if len(members) > 1:
        nothing = [m for m in members if m in ("null", "undefined")]
        others = [m for m in members if m not in ("null", "undefined")]
        if nothing and len(others) == 1:
            if result and "undefined" in nothing and others[0] in VOID:
                return WireType.VOID
            raise ts.Refused(ts.nullable(lang, others[0]))
        raise ts.Refused(ts.union(HINT))
    if s.startswith("?"):
        raise ts.Refused(ts.nullable(lang, s[1:]))
    if result and s in VOID:
        return WireType.VOID
    base = s.split("<")[0].strip()
    short = base.split(".")[-1]
    if "<" not in s and short in NAMES:
        return NAMES[short]
    if s.startswith("{"):
        return _refuse(ts.structure("object"))
    if declared and short in declared and "<" not in s:
        return _refuse(ts.structure(declared[short]))
    if s.endswith("[]") or short in COLLECTIONS or s.startswith("["):
        return _refuse(ts.collection(ONE))
    if "=>" in s or short in ("Function", "function") or s.startswith("function("):
        return _refuse(ts.callback(HINT))
    if short in generics:
        return _refuse(ts.type_parameter(HINT))
    if s in ("any", "unknown", "*", "never", "?"):
        return _refuse(ts.supported(HINT))
    return _refuse(ts.supported(HINT, ts.close_name(short, NAMES, ALIASES)))


def _declared_types(root: Node) -> dict[str, str]:
    """Classes, interfaces, enums and object type aliases of the file, for messages."""
    kinds = {"class_declaration": "class", "interface_declaration": "interface", "enum_declaration": "enum",
             "abstract_class_declaration": "class"}
    out: dict[str, str] = {}
    for n in ts.walk(root):
        name = n.child_by_field_name("name") if n.type in kinds or n.type == "type_alias_declaration" else None
        if name is None:
            continue
        if n.type == "type_alias_declaration":
            value = n.child_by_field_name("value")
            if value is not None and value.type == "object_type":
                out.setdefault(ts.text(name), "object")
        else:
            out.setdefault(ts.text(name), kinds[n.type])
    return out


def _refuse(tail: str) -> WireType:
    raise ts.Refused(tail)


def _promise(spelling: str) -> str | None:
    s = spelling.strip()
    if s.startswith("Promise<") and s.endswith(">"):
        return s[len("Promise<"):-1]
    return None


# --- JSDoc ----------------------------------------------------------------------------


@dataclass
class Tag:
    kind: str  # "param" or "returns"
    name: str
    type: str
    at: Location
    optional: bool = False


def jsdoc(path: str, comment: Node) -> tuple[list[str], list[Tag]]:
    """A ``/** */`` comment's description lines and its ``@param``/``@returns`` tags, with where each type is."""
    raw = comment.text or b""
    text = raw.decode("utf-8", "replace")
    line0, col0 = comment.start_point[0] + 1, comment.start_point[1] + 1
    tags: list[Tag] = []
    lines = ts.comment_lines(text)
    i = 0
    while True:
        i = text.find("@", i)
        if i < 0:
            break
        j = i + 1
        while j < len(text) and (text[j].isalnum() or text[j] == "_"):
            j += 1
        tag = text[i + 1:j]
        i = j
        if tag not in ("param", "arg", "argument", "returns", "return"):
            continue
        while j < len(text) and text[j] in " \t":
            j += 1
        type_text, at = "", None
        if j < len(text) and text[j] == "{":
            depth, k = 0, j
            while k < len(text):
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                if depth == 0:
                    break
                k += 1
            type_text = " ".join(text[j + 1:k].split())
            prefix = raw[:len(text[:j].encode("utf-8"))]
            line = line0 + prefix.count(b"\n")
            col = (len(prefix) - prefix.rfind(b"\n")) if b"\n" in prefix else col0 + len(prefix)
            at = Location(path, line, col)
            j = k + 1
        if tag in ("returns", "return"):
            if at is not None:
                tags.append(Tag("returns", "", type_text, at))
            continue
        while j < len(text) and text[j] in " \t":
            j += 1
        k = j
        if k < len(text) and text[k] == "[":
            k = text.find("]", k)
            k = len(text) if k < 0 else k + 1
            name, optional = text[j + 1:k - 1].split("=")[0].strip(), True
        else:
            while k < len(text) and not text[k].isspace() and text[k] not in "*":
                k += 1
            name, optional = text[j:k], False
        if at is not None and name:
            tags.append(Tag("param", name, type_text, at, optional))
        i = k
    return lines, tags


def _doc_comment(d: Def) -> Node | None:
    """The JSDoc comment above the statement, or right before the function (``x = /** ... */ (n) => ..``)."""
    for anchor in (d.node, d.anchor):
        comments = ts.preceding(anchor, ("comment",), ("decorator",))
        docs = [c for c in comments if ts.text(c).startswith("/**")]
        if docs:
            return docs[-1]
    return None


# --- reading --------------------------------------------------------------------------


def read(path: str, text: str, name: str, lang: str) -> Function:
    tree = ts.parse_tree(lang, text)
    root = tree.root_node
    col = Collector()
    col.statements(root, [])
    declared = _declared_types(root)
    for each in col.defs:
        if each.export is None:
            each.export = col.exports.get(each.owner or each.name)
    overloads = [d for d in col.defs if d.name == name and d.node.type == "function_signature" and not d.declared_only]
    if overloads:
        bodies = [d for d in col.defs if d.name == name and d.node.type != "function_signature" and not d.owner]
        every = sorted([*overloads, *bodies], key=lambda d: d.node.start_byte)
        listing = ", ".join(f"{path}:{d.name_node.start_point[0] + 1}" for d in every)
        raise fail(f"'{name}' is overloaded ({len(every)} signatures: {listing}): a slot has one fixed type; export "
                   "a function with a single signature (a wrapper that calls it)", ts.loc(path, every[0].name_node))
    cand = ts.choose(path, name, _candidates(col.defs, lang), "functions")
    d: Def = cand.context["def"]
    fn = d.node
    body = fn.child_by_field_name("body")
    ts.check_syntax(path, fn, body, LANG[lang], name)
    problems: list[Diagnostic] = []
    suffix = path.rsplit(".", 1)[-1].lower()
    module = "esm" if suffix in ("mjs", "mts") else "commonjs" if suffix in ("cjs", "cts") else (
        col.style or ("esm" if lang == "ts" else "commonjs"))
    assert d.export is not None
    native = {"module": module, "export": d.export[0], "export_name": d.export[1], "owner": d.owner,
              "namespace": ".".join(d.namespace), "errors": "exception"}
    is_async = any(ts.text(c) == "async" for c in fn.children if not c.is_named)
    if fn.type in ("generator_function_declaration", "generator_function") or any(
            ts.text(c) == "*" for c in fn.children if not c.is_named):
        problems.append(Diagnostic(f"'{name}' is a generator (function*); export a function that returns a value",
                                   ts.loc(path, cand.name_node)))

    doc_node = _doc_comment(d)
    doc_lines, tags = jsdoc(path, doc_node) if doc_node is not None else ([], [])
    ptags = {t.name: t for t in tags if t.kind == "param"}
    rtag = next((t for t in tags if t.kind == "returns"), None)
    generics: set[str] = set()
    tparams = fn.child_by_field_name("type_parameters")
    if tparams is not None:
        generics = {ts.text(p.child_by_field_name("name")) for p in tparams.named_children
                    if p.child_by_field_name("name") is not None}
        problems.append(Diagnostic(ts.generic(name, ts.spelled(tparams)), ts.loc(path, tparams)))

    params: list[Param] = []
    plist = fn.child_by_field_name("parameters")
    nodes = plist.named_children if plist is not None else []
    if plist is None and fn.child_by_field_name("parameter") is not None:
        nodes = [fn.child_by_field_name("parameter")]  # type: ignore[list-item]
    for i, p in enumerate(nodes, 1):
        if p.type == "comment":
            continue
        optional = p.type == "optional_parameter"
        pattern = p.child_by_field_name("pattern") if p.type in ("required_parameter", "optional_parameter") else p
        annotation = p.child_by_field_name("type") if p.type in ("required_parameter", "optional_parameter") else None
        if pattern is not None and pattern.type == "assignment_pattern":
            optional = True
            pattern = pattern.child_by_field_name("left")
        if pattern is not None and pattern.type == "this":
            continue
        if pattern is not None and pattern.type == "rest_pattern":
            inner = pattern.named_children[0] if pattern.named_children else pattern
            spelled = ts.spelled(annotation.named_children[0]) if annotation is not None and \
                annotation.named_children else (ptags[ts.text(inner)].type if ts.text(inner) in ptags else "")
            problems.append(Diagnostic(ts.variadic(f"parameter '{ts.text(inner)}'", f"...{ts.text(inner)}"
                                                   + (f": {spelled}" if spelled else "")), ts.loc(path, p)))
            continue
        if pattern is None or pattern.type != "identifier":
            spelled = ts.spelled(pattern or p)
            problems.append(Diagnostic(f"parameter {i} is destructured ('{spelled}'): a slot holds a single value; "
                                       "take each value as its own parameter", ts.loc(path, p)))
            continue
        pname = ts.text(pattern)
        what = f"parameter '{pname}'"
        if annotation is not None and annotation.named_children:
            tnode = annotation.named_children[0]
            spelled, at = ts.spelled(tnode), ts.loc(path, tnode)
        elif pname in ptags:
            spelled, at = ptags[pname].type, ptags[pname].at
            optional = optional or ptags[pname].optional
        else:
            example = f"'{pname}: number'" if lang == "ts" else f"'@param {{number}} {pname}' in its JSDoc comment"
            kind = "type annotation" if lang == "ts" else "JSDoc type"
            problems.append(Diagnostic(f"{what} has no {kind} (for example {example})", ts.loc(path, pattern)))
            continue
        try:
            wt = classify(spelled, lang, generics, False, declared)
            pnative = {"type": spelled}
            if optional:
                pnative["optional"] = "true"
            params.append(Param(pname, wt, ts.loc(path, pattern), native=pnative))
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported(what, spelled, e.tail), at))

    result = WireType.VOID
    rnode = fn.child_by_field_name("return_type")
    rspelled, rat = "", None
    if rnode is not None and rnode.named_children:
        rspelled, rat = ts.spelled(rnode.named_children[0]), ts.loc(path, rnode.named_children[0])
    elif rtag is not None:
        rspelled, rat = rtag.type, rtag.at
    native["result"] = rspelled
    if rat is None:
        if lang == "ts":
            problems.append(Diagnostic(f"'{name}' has no return type annotation (write ': void' if it returns "
                                       "nothing)", ts.loc(path, cand.name_node)))
        else:
            problems.append(Diagnostic(f"'{name}' has no @returns tag in its JSDoc comment (write '@returns "
                                       "{void}' if it returns nothing)", ts.loc(path, cand.name_node)))
    else:
        awaited = _promise(rspelled)
        if awaited is not None:
            is_async = True
        try:
            result = classify(awaited if awaited is not None else rspelled, lang, generics, True, declared)
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported("the return value", rspelled, e.tail), rat))
    native["async"] = "true" if is_async else "false"
    ts.raise_all(problems)

    return Function(name=name, params=tuple(params), result=result, source=path, language=lang,
                    location=ts.loc(path, cand.name_node), doc=ts.first_line(doc_lines), native=native)


def parse(path: str, text: str, name: str) -> Function:
    return read(path, text, name, "js")
