"""Read a Ruby method's signature with tree-sitter-ruby: types from a Sorbet ``sig`` or YARD tags.

Ruby has no annotations, so types come from, in this order: a Sorbet signature right above
the method (``sig { params(x: Integer).returns(String) }``, ``.void``), else the YARD tags
of the comment above it (``# @param name [String]``, ``# @param [String] name``,
``# @return [Integer]``).

=====================================================  ==========
YARD / Sorbet type                                      wire type
=====================================================  ==========
``Int32``                                               int32
``Integer``, ``Int64``                                  int64
``Float32``                                             float
``Float``                                               double
``Boolean``, ``true, false``, ``TrueClass, FalseClass``,
``T::Boolean``                                          bool
``String``                                              string
``Bytes`` (a binary ``String``, ASCII-8BIT)             bytes
``void``, ``nil`` (result only; Sorbet ``.void``)       no result
=====================================================  ==========

``Int32``, ``Float32`` and ``Bytes`` are names metropipe reads (in YARD any text is a type;
with Sorbet declare them, e.g. ``Bytes = T.type_alias { String }``); they are matched by
their last part, so ``Metropipe::Bytes`` works too.

Errors: an exception raised by the method is the wire's application error, its message
``<ExceptionClass>: <message>`` (native ``errors``: ``exception``).

Which method: a top-level ``def`` or a module function (``def self.f`` in a module,
``module_function``, ``extend self``, ``class << self``) is preferred over a class method
(``def self.f`` in a class); an instance method needs an object and is refused. Keyword
parameters (``name:``) are passed by keyword (``keyword_only``); ``*args``, ``**opts``,
``&block``, ``...``, destructuring, unions, ``nil``-able types, collections and procs are
refused.

``native`` of the function: ``owner`` (the module or class path, ``Acme::Tools``, empty at
the top level), ``kind`` (``toplevel``, ``singleton`` for ``self.f``/``class << self``, or
``module_function``), ``types`` (``sorbet`` or ``yard``), ``errors`` and ``result`` (the result
type as written). Of each parameter: ``type`` as written, ``kind`` (``positional``,
``optional`` or ``keyword``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from metropipe.errors import Diagnostic
from metropipe.model import Function, Location, Param, WireType
from metropipe.parse import javascript
from metropipe.parse import treesitter as ts

if TYPE_CHECKING:
    from tree_sitter import Node

NAMES = {
    "Int32": WireType.INT32,
    "Integer": WireType.INT64,
    "Int64": WireType.INT64,
    "Float32": WireType.FLOAT,
    "Float": WireType.DOUBLE,
    "Boolean": WireType.BOOL,
    "Bool": WireType.BOOL,
    "T::Boolean": WireType.BOOL,
    "String": WireType.STRING,
    "Bytes": WireType.BYTES,
}
BOOLS = ({"true", "false"}, {"TrueClass", "FalseClass"})
HINT = "Integer, Int32, Float, Float32, Boolean, String, Bytes"
ONE = "Integer, Int32, Float, Float32, Boolean, String or Bytes"
ALIASES = {"Fixnum": "Integer", "Bignum": "Integer", "Numeric": "Float", "BigDecimal": "Float",
           "Rational": "Float", "Symbol": "String", "Str": "String", "TrueClass": "Boolean",
           "FalseClass": "Boolean", "Int": "Integer", "Double": "Float", "Binary": "Bytes", "ByteString": "Bytes"}
COLLECTIONS = {"Array", "Hash", "Set", "T::Array", "T::Hash", "T::Set", "Enumerable", "Struct", "Object",
               "T::Enumerable", "Range", "OpenStruct"}
VOID = {"void", "nil", "NilClass"}
HERE = "methods"


@dataclass
class Ctx:
    owner: list[str]
    kind: str  # "", "module", "class", "singleton"
    in_class: bool = False  # singleton: of a class (a class method) rather than a module


def _candidates(root: Node) -> list[ts.Candidate]:
    found: list[ts.Candidate] = []

    def visit(body: Node | None, ctx: Ctx) -> None:
        if body is None:
            return
        extend_self = False
        named: set[str] = set()  # module_function :name (before or after the def)
        for item in body.named_children:
            method = ts.text(item.child_by_field_name("method")) if item.type == "call" else ""
            if method in ("module_function", "extend"):
                args = item.child_by_field_name("arguments")
                words = [ts.text(a).lstrip(":") for a in (args.named_children if args is not None else [])]
                if method == "extend":
                    extend_self = extend_self or "self" in words
                else:
                    named.update(words)
        module_function = extend_self
        for item in body.named_children:
            if item.type == "identifier" and ts.text(item) == "module_function":
                module_function = True  # every def below it
            elif item.type == "method":
                _method(item, ctx, module_function, named, found)
            elif item.type == "singleton_method":
                _singleton(item, ctx, found)
            elif item.type in ("module", "class"):
                name = item.child_by_field_name("name")
                visit(item.child_by_field_name("body") or _body(item),
                      Ctx([*ctx.owner, ts.text(name)], item.type))
            elif item.type == "singleton_class":
                visit(_body(item) or item.child_by_field_name("body"),
                      Ctx(ctx.owner, "singleton", ctx.kind == "class"))

    visit(root, Ctx([], ""))
    return found


def _body(node: Node) -> Node | None:
    return next((c for c in node.named_children if c.type == "body_statement"), None)


def _method(item: Node, ctx: Ctx, module_function: bool, later: set[str], found: list[ts.Candidate]) -> None:
    name_node = item.child_by_field_name("name")
    if name_node is None:
        return
    name = ts.text(name_node)
    owner = "::".join(ctx.owner)
    context = {"owner": owner}
    if ctx.kind == "":
        found.append(ts.Candidate(name, item, name_node, 0, "top-level method", context={**context,
                                                                                        "kind": "toplevel"}))
    elif ctx.kind == "singleton":
        found.append(ts.Candidate(name, item, name_node, 1 if ctx.in_class else 0,
                                  f"singleton method of '{owner}'", context={**context, "kind": "singleton"}))
    elif ctx.kind == "module" and (module_function or name in later):
        found.append(ts.Candidate(name, item, name_node, 0, f"module function of '{owner}'",
                                  context={**context, "kind": "module_function"}))
    else:
        kind = "module" if ctx.kind == "module" else "class"
        hint = f"; use 'def self.{name}' or " + ("'module_function'" if kind == "module" else "a top-level def")
        found.append(ts.Candidate(name, item, name_node, 2, f"instance method of {kind} '{owner}'",
                                  f"'{name}' is an instance method of {kind} '{owner}'{hint} (a method needs an "
                                  "object the provider does not have)", context))


def _singleton(item: Node, ctx: Ctx, found: list[ts.Candidate]) -> None:
    name_node = item.child_by_field_name("name")
    obj = item.child_by_field_name("object")
    if name_node is None:
        return
    name = ts.text(name_node)
    owner = "::".join(ctx.owner)
    if obj is not None and ts.text(obj) != "self":
        owner = ts.text(obj)
    rank = 1 if ctx.kind == "class" else 0
    what = "class method" if ctx.kind == "class" else "module function"
    found.append(ts.Candidate(name, item, name_node, rank, f"{what} of '{owner}'",
                              context={"owner": owner, "kind": "singleton"}))


# --- types ----------------------------------------------------------------------------


def classify(spelling: str, result: bool) -> WireType:
    s = " ".join(spelling.split())
    members = javascript._split(s, ",")
    if len(members) == 1:
        members = [m.strip() for m in javascript._split(s, "|")]  # RBS-like unions
    if len(members) > 1:
        names = {m.split("::")[-1] if m != "T::Boolean" else m for m in members}
        if names in BOOLS:
            return WireType.BOOL
        nothing = [m for m in members if m in ("nil", "NilClass")]
        others = [m for m in members if m not in ("nil", "NilClass")]
        if nothing and len(others) == 1:
            raise ts.Refused(ts.nullable("ruby", others[0]))
        raise ts.Refused(ts.union(HINT))
    if result and s in VOID:
        return WireType.VOID
    if s.startswith("T.nilable(") and s.endswith(")"):
        raise ts.Refused(ts.nullable("ruby", s[len("T.nilable("):-1]))
    if s.startswith(("T.any(", "T.all(")):
        raise ts.Refused(ts.union(HINT))
    if s.startswith(("T.proc", "Proc", "Method", "Lambda")):
        raise ts.Refused(ts.callback(HINT))
    if s in NAMES:
        return NAMES[s]
    short = s.split("<")[0].split("[")[0].split("(")[0].split("{")[0]
    last = short.split("::")[-1]
    if last in NAMES and short == s:
        return NAMES[last]
    if short in COLLECTIONS or last in COLLECTIONS or s.startswith(("{", "[")):
        raise ts.Refused(ts.collection(ONE))
    raise ts.Refused(ts.supported(HINT, ts.close_name(last, NAMES, ALIASES)))


@dataclass
class Typed:
    spelled: str
    at: Location


def _yard(path: str, comments: list[Node]) -> tuple[list[str], dict[str, Typed], Typed | None]:
    """Description lines, ``@param`` types by name and the ``@return`` type of YARD comments."""
    lines: list[str] = []
    params: dict[str, Typed] = {}
    ret: Typed | None = None
    for c in comments:
        raw = ts.text(c)
        body = raw.lstrip("#").strip()
        lines.append(body)
        if not body.startswith("@"):
            continue
        tag, _, rest = body.partition(" ")
        if tag not in ("@param", "@return", "@returns"):
            continue
        rest = rest.strip()
        name = ""
        if tag == "@param" and not rest.startswith("["):
            name, _, rest = rest.partition(" ")
            rest = rest.strip()
        if not rest.startswith("["):
            continue
        depth, k = 0, 0
        while k < len(rest):
            depth += {"[": 1, "]": -1}.get(rest[k], 0)
            if depth == 0:
                break
            k += 1
        spelled = rest[1:k].strip()
        if tag == "@param" and not name:
            name = rest[k + 1:].strip().split(" ")[0]
        offset = len(raw.encode("utf-8")) - len(raw[raw.index(rest):].encode("utf-8")) + 1
        at = Location(path, c.start_point[0] + 1, c.start_point[1] + 1 + offset)
        if tag == "@param":
            params[name] = Typed(spelled, at)
        else:
            ret = Typed(spelled, at)
    return lines, params, ret


def _sorbet(path: str, sig: Node) -> tuple[dict[str, Typed], Typed | None]:
    params: dict[str, Typed] = {}
    ret: Typed | None = None
    for n in ts.walk(sig):
        if n.type == "call":
            method = ts.text(n.child_by_field_name("method"))
            args = n.child_by_field_name("arguments")
            if method == "params" and args is not None:
                for pair in args.named_children:
                    key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                    if pair.type == "pair" and key is not None and value is not None:
                        params[ts.text(key).rstrip(":").lstrip(":")] = Typed(ts.spelled(value), ts.loc(path, value))
            elif method == "returns" and args is not None and args.named_children:
                ret = Typed(ts.spelled(args.named_children[0]), ts.loc(path, args.named_children[0]))
            elif method == "void":
                ret = Typed("void", ts.loc(path, n.child_by_field_name("method") or n))
        elif n.type == "identifier" and ts.text(n) == "void" and n.parent is not None and n.parent.type in (
                "block_body", "body_statement", "call"):
            ret = Typed("void", ts.loc(path, n))
    return params, ret


def _sig_above(node: Node) -> Node | None:
    sib = node.prev_named_sibling
    if sib is None and node.parent is not None and node.parent.type == "body_statement":
        sib = node.parent.prev_named_sibling
    while sib is not None and sib.type == "comment":
        sib = sib.prev_named_sibling
    if sib is not None and sib.type == "call" and ts.text(sib.child_by_field_name("method")) == "sig":
        return sib
    return None


def parse(path: str, text: str, name: str) -> Function:
    tree = ts.parse_tree("ruby", text)
    root = tree.root_node
    cand = ts.choose(path, name, _candidates(root), HERE)
    fn = cand.node
    ts.check_syntax(path, fn, _body(fn), "Ruby", name)
    sig = _sig_above(fn)
    anchor = sig or fn
    while anchor.prev_sibling is None and anchor.parent is not None and anchor.parent.type == "body_statement":
        anchor = anchor.parent  # tree-sitter-ruby puts a body's leading comments before its body_statement
    comments = ts.preceding(anchor, ("comment",))
    doc_lines, yard_params, yard_ret = _yard(path, comments)
    if sig is not None:
        types, ret = _sorbet(path, sig)
        source = "sorbet"
    else:
        types, ret = yard_params, yard_ret
        source = "yard"
    native = {"owner": cand.context["owner"], "kind": cand.context["kind"], "types": source,
              "errors": "exception"}
    problems: list[Diagnostic] = []
    params: list[Param] = []
    plist = fn.child_by_field_name("parameters")
    for i, p in enumerate(plist.named_children if plist is not None else [], 1):
        if p.type == "comment":
            continue
        pname_node = p if p.type == "identifier" else p.child_by_field_name("name")
        pname = ts.text(pname_node) if pname_node is not None else ""
        what = f"parameter '{pname}'"
        if p.type in ("splat_parameter", "hash_splat_parameter", "forward_parameter"):
            spelled = ts.spelled(p)
            problems.append(Diagnostic(ts.variadic(what if pname else "'...'", spelled), ts.loc(path, p)))
            continue
        if p.type == "block_parameter":
            problems.append(Diagnostic(f"{what} is a block ('{ts.spelled(p)}'): a function cannot be passed to "
                                       f"another process (supported: {HINT})", ts.loc(path, p)))
            continue
        if p.type not in ("identifier", "optional_parameter", "keyword_parameter") or pname_node is None:
            problems.append(Diagnostic(f"parameter {i} is destructured ('{ts.spelled(p)}'): a slot holds a single "
                                       "value; take each value as its own parameter", ts.loc(path, p)))
            continue
        kind = {"identifier": "positional", "optional_parameter": "optional", "keyword_parameter": "keyword"}[p.type]
        typed = types.get(pname)
        if typed is None:
            example = (f"'params({pname}: Integer)' in its sig" if source == "sorbet"
                       else f"'# @param {pname} [Integer]' above it")
            problems.append(Diagnostic(f"{what} has no type (for example {example})", ts.loc(path, pname_node)))
            continue
        try:
            wt = classify(typed.spelled, False)
            params.append(Param(pname, wt, ts.loc(path, pname_node), keyword_only=kind == "keyword",
                                native={"type": typed.spelled, "kind": kind}))
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported(what, typed.spelled, e.tail), typed.at))
    result = WireType.VOID
    native["result"] = ret.spelled if ret is not None else ""
    if ret is None:
        example = "'.returns(Integer)' or '.void' in its sig" if source == "sorbet" else \
            "'# @return [Integer]' above it, or '# @return [void]'"
        problems.append(Diagnostic(f"'{name}' has no return type (for example {example})",
                                   ts.loc(path, cand.name_node)))
    else:
        try:
            result = classify(ret.spelled, True)
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported("the return value", ret.spelled, e.tail), ret.at))
    ts.raise_all(problems)

    description = [line for line in doc_lines if not line.startswith(("typed:", "frozen_string_literal:",
                                                                         "encoding:", "rubocop:"))]
    return Function(name=name, params=tuple(params), result=result, source=path, language="ruby",
                    location=ts.loc(path, cand.name_node), doc=ts.first_line(description), native=native)
