"""Read a Rust function's signature with tree-sitter-rust (nothing is compiled or expanded).

=========================================  ==========
Rust type                                   wire type
=========================================  ==========
``i32``                                     int32
``i64``                                     int64
``f32``                                     float
``f64``                                     double
``bool``                                    bool
``&str`` (any lifetime), ``String``         string
``&[u8]`` (any lifetime), ``Vec<u8>``       bytes
``()`` or no ``->`` (result only)           no result
=========================================  ==========

Errors: a result ``Result<T, E>`` (also ``std::result::Result``, and one-argument aliases
such as ``io::Result<T>`` or ``anyhow::Result<T>``) is ``T`` on the wire; an ``Err`` is the
wire's application error, its message the error's ``Display`` (native ``errors``:
``rust-result``). Other functions cannot fail (``none``); a panic is the provider's business.

Which ``fn``: a free function (at the top of the file or in an inline ``mod``, not one under
``#[cfg(test)]``) is preferred over an associated function without ``self`` in an ``impl``
(``Type::f``); a method taking ``self`` needs an object and is refused, as are functions in a
``trait`` or an ``extern`` block. Lifetime parameters are fine; type and const parameters
make a function generic and are refused, as are ``async fn``, ``&mut`` references, raw
pointers, ``Option``, tuples, closures (``impl Fn``, ``fn(..)``), structs and other types.

``native`` of the function: ``module`` (the inline module path inside the file, ``a::b``, or
empty), ``visibility`` (``pub``, ``pub(crate)``... or empty), ``impl`` and ``trait`` (for an
associated function), ``unsafe`` and ``abi`` (``extern "C"``) when present, ``errors``,
``result`` (the declared result type as written, empty without ``->``), ``ok`` and
``error_type`` (inside a ``Result``). Of each parameter: ``type``, the type as written
(``&'a str``, ``String``...), and ``mut`` when the binding is ``mut``.

When a ``Cargo.toml`` is found walking up from the source's folder (the file is in a Cargo
package; it and the ``mod`` declarations read are dependencies of the parse): ``crate_root``
(the package's folder relative to the source's folder), ``crate_package`` (its name), and, when
the package has a library target that other crates can depend on and the file is one of its
modules, ``crate`` (the library's crate name) and ``crate_module`` (the file's module path in it,
``a::b`` for ``src/a/b.rs`` or ``src/a/b/mod.rs``, empty for the library root); ``crate_private``
says why another crate cannot call the function by that path (a module on the way, or the
function, is not ``pub``...), empty when it can (the Rust provider then depends on the crate).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from metropipe.errors import Diagnostic, UserError, fail
from metropipe.model import Function, Location, Param, WireType
from metropipe.parse import treesitter as ts

if TYPE_CHECKING:
    from tree_sitter import Node

NAMES = {
    "i32": WireType.INT32,
    "i64": WireType.INT64,
    "f32": WireType.FLOAT,
    "f64": WireType.DOUBLE,
    "bool": WireType.BOOL,
    "&str": WireType.STRING,
    "String": WireType.STRING,
    "&[u8]": WireType.BYTES,
    "Vec<u8>": WireType.BYTES,
}
HINT = "i32, i64, f32, f64, bool, &str, String, &[u8], Vec<u8>"
ONE = "i32, i64, f32, f64, bool, &str, String, &[u8] or Vec<u8>"
ALIASES = {
    "i8": "i32", "i16": "i32", "u8": "i32", "u16": "i32", "u32": "i64", "u64": "i64", "usize": "i64",
    "isize": "i64", "i128": "i64", "u128": "i64", "char": "i32", "&String": "&str", "str": "&str",
    "&mut str": "&str", "Box<str>": "String", "&Vec<u8>": "&[u8]", "[u8]": "&[u8]", "&mut [u8]": "&[u8]",
    "&mut Vec<u8>": "&[u8]", "Box<[u8]>": "Vec<u8>", "&i32": "i32", "&i64": "i64", "&f64": "f64", "&bool": "bool",
}
COLLECTIONS = {"Vec", "VecDeque", "HashMap", "BTreeMap", "HashSet", "BTreeSet", "LinkedList", "BinaryHeap"}
RESULTS = {"Result"}


def _candidates(root: Node) -> list[ts.Candidate]:
    found: list[ts.Candidate] = []

    def visit(body: Node, module: list[str], private: list[str]) -> None:
        for item in body.named_children:
            if item.type == "function_item":
                name = item.child_by_field_name("name")
                if name is not None:
                    what = f"fn in mod '{'::'.join(module)}'" if module else "free fn"
                    found.append(ts.Candidate(ts.text(name), item, name, 0, what,
                                              context={"module": module, "private_mods": private}))
            elif item.type == "mod_item":
                inner = item.child_by_field_name("body")
                name = item.child_by_field_name("name")
                if inner is not None and name is not None and not _cfg_test(item):
                    public = _visibility(item) == "pub"
                    visit(inner, [*module, ts.text(name)], private if public else [*private, ts.text(name)])
            elif item.type == "impl_item":
                _impl(item, module, found)
            elif item.type in ("trait_item", "foreign_mod_item"):
                _declared(item, found)
            elif item.type == "macro_definition":
                name = item.child_by_field_name("name")
                if name is not None:
                    found.append(ts.Candidate(ts.text(name), item, name, 3, "macro",
                                              f"'{ts.text(name)}' is a macro (macro_rules!), not a fn; export a fn "
                                              "(it has a signature to read)"))

    visit(root, [], [])
    return found


def _cfg_test(item: Node) -> bool:
    sib = item.prev_sibling
    while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
        if sib.type == "attribute_item" and "".join(ts.text(sib).split()) == "#[cfg(test)]":
            return True
        sib = sib.prev_sibling
    return False


def _impl(item: Node, module: list[str], found: list[ts.Candidate]) -> None:
    body = item.child_by_field_name("body")
    if body is None:
        return
    owner = ts.spelled(item.child_by_field_name("type") or item)
    trait = item.child_by_field_name("trait")
    for fn in body.named_children:
        if fn.type != "function_item":
            continue
        name = fn.child_by_field_name("name")
        params = fn.child_by_field_name("parameters")
        if name is None or params is None:
            continue
        n = ts.text(name)
        context = {"module": module, "impl": owner, "trait": ts.spelled(trait) if trait is not None else "",
                   "impl_generics": item.child_by_field_name("type_parameters")}
        if any(p.type == "self_parameter" for p in params.named_children):
            refusal = (f"'{n}' is a method of '{owner}' (it takes self); export a free fn (a method needs an "
                       "object the provider does not have)")
            found.append(ts.Candidate(n, fn, name, 2, f"method of '{owner}'", refusal, context))
        else:
            found.append(ts.Candidate(n, fn, name, 1, f"associated fn of '{owner}'", context=context))


def _declared(item: Node, found: list[ts.Candidate]) -> None:
    body = item.child_by_field_name("body")
    if body is None:
        return
    if item.type == "trait_item":
        owner = ts.text(item.child_by_field_name("name"))
        where = f"declared in trait '{owner}'; export a free fn that the provider can call without a type"
    else:
        where = "declared in an extern block (a foreign function); export it from where it is defined"
    for fn in body.named_children:
        name = fn.child_by_field_name("name")
        if fn.type in ("function_item", "function_signature_item") and name is not None:
            found.append(ts.Candidate(ts.text(name), fn, name, 3, "declaration", f"'{ts.text(name)}' is {where}"))


# --- types ----------------------------------------------------------------------------


def _norm(node: Node) -> str:
    """A canonical spelling: no lifetimes, paths of the standard names dropped, no spaces but after '&mut'."""
    t = node.type
    if t == "reference_type":
        inner = node.child_by_field_name("type")
        mut = any(c.type == "mutable_specifier" for c in node.children)
        return ("&mut " if mut else "&") + (_norm(inner) if inner is not None else "?")
    if t == "array_type":
        element = node.child_by_field_name("element")
        length = node.child_by_field_name("length")
        item = _norm(element) if element is not None else "?"
        return f"[{item}; {ts.spelled(length)}]" if length is not None else f"[{item}]"
    if t == "generic_type":
        base = node.child_by_field_name("type")
        args = node.child_by_field_name("type_arguments")
        names = [_norm(a) for a in args.named_children if a.type != "lifetime"] if args is not None else []
        return f"{_norm(base) if base is not None else '?'}<{', '.join(names)}>"
    if t == "scoped_type_identifier":
        name = node.child_by_field_name("name")
        short = ts.text(name)
        if short in ("String", "Vec", "Option", "Result", "Box"):
            path = ts.text(node.child_by_field_name("path"))
            # std::string::String, alloc::vec::Vec, ... (but io::Result keeps its path: it is an alias)
            if path.split("::")[0] in ("std", "core", "alloc") and not path.endswith("io"):
                return short
        return "".join(ts.text(node).split())
    if t == "unit_type":
        return "()"
    return "".join(ts.text(node).split())


def _wire(node: Node, what: str, generics: set[str], structs: dict[str, str]) -> WireType:
    key = _norm(node)
    if key in NAMES:
        return NAMES[key]
    raise ts.Refused(_why(node, key, generics, structs), node)


def _why(node: Node, key: str, generics: set[str], structs: dict[str, str]) -> str:
    t = node.type
    base = key.split("<")[0]
    if t == "generic_type" and base in ("Option",):
        args = node.child_by_field_name("type_arguments")
        inner = ts.spelled(args.named_children[0]) if args is not None and args.named_children else "T"
        return ts.nullable("rust", inner)
    if (t == "generic_type" and base.split("::")[-1] in COLLECTIONS) or t in ("tuple_type", "array_type"):
        if key not in ALIASES:
            return ts.collection(ONE)
    if t in ("function_type",) or (t in ("abstract_type", "dynamic_type") and
                                   any(c.type == "function_type" for c in node.named_children)):
        return ts.callback(HINT)
    if t == "pointer_type":
        return ts.pointer(HINT)
    if any(n.type == "type_identifier" and ts.text(n) in generics for n in ts.walk(node)):
        return ts.type_parameter(HINT)
    if t == "type_identifier" and key in structs:
        return ts.structure(structs[key])
    return ts.supported(HINT, ts.close_name(key, NAMES, ALIASES))


def _result(node: Node | None, generics: set[str], structs: dict[str, str], native: dict[str, str]) -> WireType:
    native["errors"] = "none"
    native["result"] = ts.spelled(node) if node is not None else ""
    if node is None or node.type == "unit_type":
        return WireType.VOID
    if node.type == "generic_type":
        base = _norm(node.child_by_field_name("type") or node)
        args = node.child_by_field_name("type_arguments")
        types = [a for a in args.named_children if a.type != "lifetime"] if args is not None else []
        if base.split("::")[-1] in RESULTS and 1 <= len(types) <= 2:
            native["errors"] = "rust-result"
            native["ok"] = ts.spelled(types[0])
            native["error_type"] = ts.spelled(types[1]) if len(types) == 2 else ""
            if types[0].type == "unit_type":
                return WireType.VOID
            return _wire(types[0], "the return value", generics, structs)
    if node.type == "never_type":
        raise ts.Refused(": it never returns; export a function that returns a value or ()", node)
    return _wire(node, "the return value", generics, structs)


def _structs(root: Node) -> dict[str, str]:
    kinds = {"struct_item": "struct", "enum_item": "enum", "union_item": "union", "type_item": "type alias",
             "trait_item": "trait"}
    out: dict[str, str] = {}
    for n in ts.walk(root):
        if n.type in kinds:
            name = n.child_by_field_name("name")
            if name is not None:
                out.setdefault(ts.text(name), kinds[n.type])
    return out


def parse(path: str, text: str, name: str) -> Function:
    tree = ts.parse_tree("rust", text)
    root = tree.root_node
    cand = ts.choose(path, name, _candidates(root), "functions")
    fn = cand.node
    body = fn.child_by_field_name("body")
    ts.check_syntax(path, fn, body, "Rust", name)
    structs = _structs(root)
    problems: list[Diagnostic] = []
    native: dict[str, str] = {"module": "::".join(cand.context.get("module", []))}
    vis = next((c for c in fn.named_children if c.type == "visibility_modifier"), None)
    native["visibility"] = ts.spelled(vis) if vis is not None else ""
    if "impl" in cand.context:
        native["impl"] = cand.context["impl"]
        native["trait"] = cand.context["trait"]
        impl_generics = cand.context.get("impl_generics")
        if impl_generics is not None and _type_params(impl_generics):
            problems.append(Diagnostic(ts.generic(name, "impl" + ts.spelled(impl_generics)),
                                       ts.loc(path, impl_generics)))
    native.update(_crate(path, name, native, cand.context.get("private_mods", [])))
    modifiers = next((c for c in fn.named_children if c.type == "function_modifiers"), None)
    if modifiers is not None:
        for m in modifiers.children:
            if m.type == "async":
                problems.append(Diagnostic(f"'{name}' is an async fn; export a plain fn (block on the future in a "
                                           "wrapper)", ts.loc(path, m)))
            elif m.type == "unsafe":
                native["unsafe"] = "true"
            elif m.type == "extern_modifier":
                abi = next((c for c in m.named_children if c.type == "string_literal"), None)
                native["abi"] = ts.text(abi).strip('"') if abi is not None else "C"
    generics: set[str] = set()
    tparams = fn.child_by_field_name("type_parameters")
    if tparams is not None:
        generics = _type_params(tparams)
        if generics:
            problems.append(Diagnostic(ts.generic(name, ts.spelled(tparams)), ts.loc(path, tparams)))

    params: list[Param] = []
    plist = fn.child_by_field_name("parameters")
    for i, p in enumerate(plist.named_children if plist is not None else [], 1):
        if p.type in ("line_comment", "block_comment", "attribute_item"):
            continue
        if p.type == "variadic_parameter":
            pattern = p.child_by_field_name("pattern")
            what = f"parameter '{ts.text(pattern)}'" if pattern is not None else "'...'"
            problems.append(Diagnostic(ts.variadic(what, ts.spelled(p)), ts.loc(path, p)))
            continue
        if p.type != "parameter":
            continue
        pattern = p.child_by_field_name("pattern")
        ptype = p.child_by_field_name("type")
        pname = ts.text(pattern) if pattern is not None and pattern.type == "identifier" else f"arg{i}"
        if pname == "_":
            pname = f"arg{i}"
        what = f"parameter '{pname}'"
        if ptype is None:
            continue
        pnative = {"type": ts.spelled(ptype)}
        if any(c.type == "mutable_specifier" for c in p.children):
            pnative["mut"] = "true"
        try:
            params.append(Param(pname, _wire(ptype, what, generics, structs), ts.loc(path, pattern or p),
                                native=pnative))
        except ts.Refused as e:
            problems.append(Diagnostic(ts.unsupported(what, ts.spelled(ptype), e.tail), ts.loc(path, ptype)))
    ret = fn.child_by_field_name("return_type")
    result = WireType.VOID
    try:
        result = _result(ret, generics, structs, native)
    except ts.Refused as e:
        at = e.node or ret or fn
        problems.append(Diagnostic(ts.unsupported("the return value", ts.spelled(at), e.tail), ts.loc(path, at)))
    ts.raise_all(problems)

    doc = [line for c in ts.preceding(fn, ("line_comment", "block_comment"), ("attribute_item",))
           if _is_doc(ts.text(c)) for line in ts.comment_lines(ts.text(c))]
    return Function(name=name, params=tuple(params), result=result, source=path, language="rust",
                    location=ts.loc(path, cand.name_node), doc=ts.first_line(doc), native=native)


def _type_params(node: Node) -> set[str]:
    """The type and const parameter names of a ``<...>`` list (lifetimes are not generic for a provider)."""
    out = set()
    for p in node.named_children:
        if p.type in ("type_parameter", "const_parameter", "constrained_type_parameter", "optional_type_parameter"):
            name = p.child_by_field_name("name") or p.child_by_field_name("left")
            out.add(ts.text(name) if name is not None else ts.text(p))
        elif p.type == "type_identifier":
            out.add(ts.text(p))
    return out


def _is_doc(comment: str) -> bool:
    return (comment.startswith("///") and not comment.startswith("////")) or (
        comment.startswith("/**") and not comment.startswith("/***"))


# --- the Cargo package holding the file ---------------------------------------------------


def cargo_toml(path: str) -> str | None:
    """The manifest of the Cargo package holding the file ``path``: the first found walking up from its folder."""
    from metropipe.parse import enclosing

    return enclosing(path, "Cargo.toml")


def _visibility(item: Node) -> str:
    vis = next((c for c in item.named_children if c.type == "visibility_modifier"), None)
    return "".join(ts.spelled(vis).split()) if vis is not None else ""


def _manifest(manifest: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    shown = os.path.relpath(manifest)
    try:
        with open(manifest, "rb") as f:
            data: dict[str, Any] = tomllib.load(f)
            return data
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise fail(f"cannot read the Cargo package's manifest (the Rust provider builds with it): {e}",
                   Location(shown, 1, 1)) from None


def _library(manifest: str) -> tuple[str, str | None, str]:
    """(package name, library root file or None, crate name or why there is no usable library)."""
    data = _manifest(manifest)
    package = data.get("package")
    folder = os.path.dirname(manifest)
    shown = os.path.relpath(manifest)
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return "", None, f"{shown} has no [package] (a workspace manifest)"
    name = package["name"]
    lib = data.get("lib")
    if lib is not None and not isinstance(lib, dict):
        return name, None, f"{shown} has a malformed [lib]"
    lib = lib or {}
    root = os.path.join(folder, lib.get("path", "src/lib.rs") if isinstance(lib.get("path", ""), str) else "")
    if not os.path.isfile(root):
        return name, None, f"the package {name} has no library target (only a library can be a dependency)"
    kinds = lib.get("crate-type", lib.get("crate_type", ["lib"]))
    if lib.get("proc-macro") or (isinstance(kinds, list) and not {"lib", "rlib"} & set(kinds)):
        return name, None, f"the library of {name} is not a Rust library (proc-macro or crate-type {kinds})"
    crate = lib.get("name", name)
    return name, os.path.normpath(root), str(crate).replace("-", "_")


def _mod_file(base: str, parts: list[str]) -> str | None:
    """The file of the module ``parts`` below the library root's folder ``base`` (``a/b.rs`` or ``a/b/mod.rs``)."""
    for candidate in (os.path.join(base, *parts[:-1], parts[-1] + ".rs"), os.path.join(base, *parts, "mod.rs")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _declared_mod(parent: str, name: str) -> str:
    """How the file ``parent`` declares ``mod name;`` at its top: its visibility, "?" if it does not (or not
    plainly: under #[path], #[cfg(test)])."""
    try:
        with open(parent, encoding="utf-8") as f:
            root = ts.parse_tree("rust", f.read()).root_node
    except (OSError, UnicodeDecodeError):
        return "?"
    for item in root.named_children:
        if item.type != "mod_item" or item.child_by_field_name("body") is not None:
            continue
        if ts.text(item.child_by_field_name("name")) != name or _cfg_test(item):
            continue
        sib = item.prev_sibling
        while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
            if sib.type == "attribute_item" and "".join(ts.text(sib).split()).startswith("#[path"):
                return "?"
            sib = sib.prev_sibling
        return _visibility(item)
    return "?"


def _chain(path: str) -> tuple[str | None, list[str]]:
    """The Cargo.toml holding ``path`` and the files whose ``mod`` declarations lead to it (dependencies)."""
    manifest = cargo_toml(path)
    if manifest is None:
        return None, []
    try:
        _name, root, _crate_name = _library(manifest)
    except UserError:  # parse reports it
        return manifest, []
    if root is None:
        return manifest, []
    parts = _module_parts(path, root)
    files = [root]
    for i in range(1, len(parts or [])):
        f = _mod_file(os.path.dirname(root), (parts or [])[:i])
        if f is None:
            break
        files.append(f)
    return manifest, files


def _module_parts(path: str, root: str) -> list[str] | None:
    """The module path of the file ``path`` in the library whose root file is ``root`` (None: not below it)."""
    source = os.path.normpath(os.path.abspath(path))
    if source == os.path.abspath(root):
        return []
    rel = os.path.relpath(source, os.path.dirname(os.path.abspath(root)))
    if rel.startswith(".." + os.sep) or not rel.endswith(".rs"):
        return None
    parts = rel[: -len(".rs")].split(os.sep)
    if parts[-1] == "mod" and len(parts) > 1:
        parts.pop()
    return parts


def _crate(path: str, name: str, native: dict[str, str], private_mods: list[str]) -> dict[str, str]:
    """What ``native`` records about the Cargo package holding ``path`` (nothing outside one)."""
    manifest = cargo_toml(path)
    if manifest is None:
        return {}
    package, root, crate = _library(manifest)
    if not package:  # a virtual workspace manifest: the file is in no package
        return {}
    here = os.path.dirname(os.path.abspath(path))
    out = {"crate_root": os.path.relpath(os.path.dirname(manifest), here).replace(os.sep, "/"),
           "crate_package": package}
    if root is None:
        out["crate_private"] = crate
        return out
    shown_root = os.path.relpath(root)
    parts = _module_parts(path, root)
    if parts is None:
        out["crate_private"] = f"the file is not below the library root's folder ({shown_root})"
        return out
    out["crate"] = crate
    out["crate_module"] = "::".join(parts)
    why = ""
    base = os.path.dirname(root)
    for i, part in enumerate(parts):
        parent = root if i == 0 else _mod_file(base, parts[:i])
        vis = _declared_mod(parent, part) if parent is not None else "?"
        shown = os.path.relpath(parent) if parent is not None else shown_root
        if vis == "?":
            why = f"{shown} does not declare `pub mod {part};` (a plain one, without #[path])"
        elif vis != "pub":
            why = f"`mod {part}` in {shown} is {vis or 'private'}, not pub"
        if why:
            break
    if not why and private_mods:
        why = f"the inline `mod {private_mods[0]}` is not pub"
    if not why and native.get("impl"):
        why = f"'{name}' is an associated fn of {native['impl']} (only free fns are called by their crate path)"
    if not why and native.get("visibility") != "pub":
        why = f"'{name}' is {native.get('visibility') or 'private'}, not pub"
    out["crate_private"] = why
    return out


def dependencies(path: str, text: str) -> list[str]:
    """The package's Cargo.toml and the files declaring the modules on the way to ``path``."""
    manifest, files = _chain(path)
    return ([manifest] if manifest else []) + [f for f in files if os.path.abspath(f) != os.path.abspath(path)]
