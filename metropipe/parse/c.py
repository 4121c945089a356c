"""Read a C function's signature (a ``.c`` definition or a ``.h`` prototype) with tree-sitter-c.

Nothing is preprocessed or compiled. Export and attribute macros that tree-sitter cannot
know (``MYLIB_API int32_t f(...)``, ``MYLIB_DEPRECATED("x") int g(void)``) are blanked out
first: a macro the file ``#define``s to nothing or to an attribute, ``__declspec`` or
storage class, an upper-case name ending in ``_API``, ``_EXPORT``, ``_PUBLIC``, ``_EXTERN``,
``_DECL``, ``_INLINE``, ``_CALL`` (and a few Windows names such as ``WINAPI``), and an
upper-case name tree-sitter could only read as a type followed by another type. ``extern
"C"`` guards, ``__attribute__`` and include guards need nothing.

=============================================  ==========
C type                                          wire type
=============================================  ==========
``int32_t``, ``int``                            int32
``int64_t``, ``long``, ``long long``            int64
``float``                                       float
``double``                                      double
``bool``, ``_Bool``                             bool
``const char *`` (NUL-terminated UTF-8)         string
``void`` (result only)                          no result
bytes: see the conventions below                bytes
=============================================  ==========

``int`` is 32 and ``long`` 64 bits on every platform metropipe supports (LP64 Linux and
macOS). ``typedef`` names of these types in the same file are followed (``typedef int32_t
status_t``). ``const`` on a value is ignored; unsigned, ``short``, ``char`` and ``size_t``
values are refused (the wire's integers are signed).

Conventions (docs/types.md has examples):

- **bytes in**: a pointer ``const uint8_t *``, ``const unsigned char *`` or ``const void *``
  immediately followed by a ``size_t`` parameter (any name: ``data_len``, ``len``, ``n``) is
  one bytes parameter; the provider passes the pointer and the length. A ``const char *``
  followed by ``size_t`` is a string with an explicit length (not NUL-terminated).
- **string out**: a ``const char *`` result is copied at once and never freed (a literal or
  a static buffer); a ``char *`` result is copied, then released with ``free()``.
- **bytes out**: a function with a bytes result returns ``void`` and ends its parameters
  with ``uint8_t *out, size_t *out_len`` (any names; ``unsigned char *`` or ``void *`` too):
  the provider passes a buffer of 4092 bytes with ``*out_len = 4092``; the function writes
  its result there and sets ``*out_len`` to its length.
- **errors**: a last parameter ``const char **error`` (or ``char **error``: then the message
  is released with ``free()``) makes the function fallible: the provider passes a pointer to
  NULL; a function that fails sets it to a NUL-terminated message, and its return value is
  then ignored (native ``errors``: ``c-error-out``). Without it, a function cannot fail
  (``none``).

So the native call order is: each wire parameter in order (a bytes or length-string
parameter followed by its length), then the bytes-out pair if any, then the error pointer.

``native`` of the function: ``errors``, ``result`` (the result type as written, ``void``
included), ``result_free`` (``free`` for a ``char *`` result), ``result_param`` and
``result_length_param`` (the bytes-out pair), ``error_param`` and ``error_free`` (``free`` for
``char **``), ``storage`` (``static``, ``inline``, ``extern``, as written, or empty),
``export_macro`` (the macros blanked out in front of it, space-separated) and ``declared``
(``definition`` when the file has the body, else ``declaration``: the provider links the
library). Of each parameter: ``type`` as written (``const char *``), and for a pointer with
a length, ``length`` (the ``size_t`` parameter's name) and ``length_type`` (``size_t``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from metropipe.errors import Diagnostic
from metropipe.model import Function, Param, WireType
from metropipe.parse import treesitter as ts

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

SCALARS = {
    "int32_t": WireType.INT32,
    "int": WireType.INT32,
    "signed int": WireType.INT32,
    "int64_t": WireType.INT64,
    "long": WireType.INT64,
    "long int": WireType.INT64,
    "long long": WireType.INT64,
    "long long int": WireType.INT64,
    "float": WireType.FLOAT,
    "double": WireType.DOUBLE,
    "bool": WireType.BOOL,
    "_Bool": WireType.BOOL,
}
HINT = "int32_t, int64_t, int, long, long long, float, double, bool, const char *, and bytes as a pointer and length"
ALIASES = {
    "int8_t": "int32_t", "int16_t": "int32_t", "uint8_t": "int32_t", "uint16_t": "int32_t", "short": "int32_t",
    "unsigned short": "int32_t", "char": "int32_t", "signed char": "int32_t", "unsigned char": "int32_t",
    "uint32_t": "int64_t", "unsigned": "int64_t", "unsigned int": "int64_t", "uint64_t": "int64_t",
    "unsigned long": "int64_t", "unsigned long long": "int64_t", "size_t": "int64_t", "ssize_t": "int64_t",
    "intptr_t": "int64_t", "uintptr_t": "int64_t", "ptrdiff_t": "int64_t", "long double": "double",
    "boolean": "bool", "BOOL": "bool", "string": "const char *", "char *": "const char *",
}
BYTE_POINTEES = {"uint8_t", "unsigned char", "void", "int8_t", "signed char"}
DECORATION_WORDS = ("__attribute__", "__declspec", "visibility", "dllexport", "dllimport", "extern", "static",
                    "inline", "__cdecl", "__stdcall", "__fastcall", "[[", "noexcept", "_Noreturn", "__inline")
MACRO_SUFFIXES = ("_API", "_EXPORT", "_EXPORTS", "_PUBLIC", "_EXTERN", "_DECL", "_INLINE", "_CALL", "_CDECL",
                  "_STDCALL", "_ABI", "_DEPRECATED", "_NODISCARD", "_NONNULL", "_PURE", "_CONST", "_NOEXCEPT",
                  "_EXPORTED", "_IMPORT", "_VISIBLE", "_HIDDEN", "_LOCAL", "_FUNC", "_FN")
MACRO_NAMES = {"WINAPI", "APIENTRY", "CALLBACK", "STDCALL", "CDECL", "EXPORT", "API", "DLLEXPORT", "DLL_EXPORT",
               "EXTERN_C", "BEGIN_C_DECLS", "END_C_DECLS", "__BEGIN_DECLS", "__END_DECLS", "__THROW", "__wur"}


# --- macros ---------------------------------------------------------------------------


def _mask(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``text`` with decoration macros blanked (same length, same lines) and where each was: (start, end, name)."""
    data = text.encode("utf-8")
    masked: list[tuple[int, int, str]] = []
    for _ in range(3):  # a blanked macro can reveal the next one
        tree = ts.parse_tree("c", data.decode("utf-8"))
        names, calls = _decorations(tree)
        spans = []
        for n in ts.walk(tree.root_node):
            if n.child_count or n.type not in ("identifier", "type_identifier", "primitive_type"):
                continue
            word = ts.text(n)
            if word not in names and word not in calls and not _suspect(n):
                continue
            if _inside(n, ("preproc_def", "preproc_function_def", "preproc_call", "preproc_include",
                           "preproc_ifdef", "preproc_defined")) and n.parent is not None and n.parent.type in (
                    "preproc_def", "preproc_function_def", "preproc_ifdef", "preproc_defined"):
                continue
            start, end = n.start_byte, n.end_byte
            if word in calls:
                end = _balanced(data, end)
            spans.append((start, end, word))
        if not spans:
            break
        buf = bytearray(data)
        for start, end, word in spans:
            for i in range(start, end):
                if buf[i] not in (0x0A, 0x0D):
                    buf[i] = 0x20
            masked.append((start, end, word))
        data = bytes(buf)
    return data.decode("utf-8"), masked


def _decorations(tree: Tree) -> tuple[set[str], set[str]]:
    """Macros the file defines as decorations: object-like ones, function-like ones."""
    plain = set(MACRO_NAMES)
    calls: set[str] = set()
    for n in ts.walk(tree.root_node):
        if n.type not in ("preproc_def", "preproc_function_def"):
            continue
        name = ts.text(n.child_by_field_name("name"))
        value = ts.text(n.child_by_field_name("value")).strip()
        if not value or any(w in value for w in DECORATION_WORDS) or value in MACRO_NAMES:
            (calls if n.type == "preproc_function_def" else plain).add(name)
        elif n.type == "preproc_def" and (name.endswith(MACRO_SUFFIXES) or name in MACRO_NAMES):
            plain.add(name)
    return plain, calls


def _suspect(n: Node) -> bool:
    """An upper-case name that tree-sitter could not fit into a declaration: a macro to blank."""
    word = ts.text(n)
    if not word.isupper() or len(word) < 2 or word in ("BOOL",):
        return False
    parent = n.parent
    if parent is None:
        return False
    if word.endswith(MACRO_SUFFIXES):
        return parent.type in ("declaration", "function_definition", "ERROR", "translation_unit", "declaration_list")
    if parent.type == "ERROR":  # MYLIB_API int32_t f(...) where MYLIB_API is unknown: ERROR(int32_t) or so
        return True
    if parent.type not in ("declaration", "function_definition") or n.type != "type_identifier":
        return False
    nxt = n.next_sibling
    if nxt is not None and nxt.type == "ERROR":
        return True
    declarator = parent.child_by_field_name("declarator")
    # ZEXTERN int ZEXPORT f(...): read as the declaration "ZEXTERN int" with its ';' missing
    return declarator is not None and declarator.type == "identifier" and (
        ts.text(declarator) in C_TYPES or ts.text(declarator) in SCALARS) and any(c.is_missing for c in parent.children)


C_TYPES = {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "const", "struct",
           "enum", "union", "bool", "_Bool", "size_t", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t",
           "uint16_t", "uint32_t", "uint64_t", "static", "extern", "inline"}


def _inside(n: Node, types: tuple[str, ...]) -> bool:
    p = n.parent
    while p is not None:
        if p.type in types:
            return True
        p = p.parent
    return False


def _balanced(data: bytes, i: int) -> int:
    """The end of ``(...)`` right after ``i`` (white space allowed before it), or ``i``."""
    j = i
    while j < len(data) and data[j] in b" \t":
        j += 1
    if j >= len(data) or data[j] != ord("("):
        return i
    depth = 0
    while j < len(data):
        if data[j] == ord("("):
            depth += 1
        elif data[j] == ord(")"):
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return i


# --- declarations ---------------------------------------------------------------------


@dataclass
class CType:
    """One declared type: ``const`` base, the base spelling, pointer levels, and what else the declarator had."""

    base: str
    const: bool = False
    pointers: int = 0
    array: bool = False
    function: bool = False
    name: Node | None = None
    node: Node | None = None  # where to point
    extra: list[str] = field(default_factory=list)

    @property
    def spelled(self) -> str:
        if self.extra:  # a function pointer: as written
            return self.extra[0]
        s = ("const " if self.const else "") + self.base
        if self.pointers:
            s += " " + "*" * self.pointers
        if self.function:
            s += " (*)(...)"
        if self.array:
            s += "[]"
        return s


def _base(node: Node | None) -> str:
    if node is None:
        return "int"  # implicit int
    return " ".join(ts.text(node).split())


def _ctype(decl: Node) -> CType:
    """The type of a parameter_declaration, declaration or function_definition (before its function part)."""
    base = decl.child_by_field_name("type")
    ct = CType(_base(base), node=base)
    ct.const = any(c.type == "type_qualifier" and ts.text(c) == "const" for c in decl.children)
    return ct


def _declarator(ct: CType, d: Node | None) -> CType:
    """Walk a declarator down to its name, counting pointers, arrays and function pointers."""
    while d is not None:
        if d.type == "pointer_declarator":
            ct.pointers += 1
            d = d.child_by_field_name("declarator")
        elif d.type == "array_declarator":
            ct.array = True
            d = d.child_by_field_name("declarator")
        elif d.type == "function_declarator":
            ct.function = True
            d = d.child_by_field_name("declarator")
        elif d.type == "parenthesized_declarator":
            d = d.named_children[0] if d.named_children else None
        elif d.type in ("abstract_pointer_declarator",):
            ct.pointers += 1
            d = d.child_by_field_name("declarator")
        elif d.type in ("abstract_array_declarator",):
            ct.array = True
            d = d.child_by_field_name("declarator")
        elif d.type == "abstract_function_declarator":
            ct.function = True
            d = d.child_by_field_name("declarator")
        elif d.type in ("identifier", "field_identifier", "type_identifier"):
            ct.name = d
            return ct
        else:
            d = d.child_by_field_name("declarator")
    return ct


def _function_parts(node: Node) -> tuple[Node, Node, int] | None:
    """For a declaration or definition of a function: (its function_declarator, name, result pointer levels)."""
    for d in node.children_by_field_name("declarator"):
        pointers = 0
        cur: Node | None = d
        while cur is not None and cur.type in ("pointer_declarator", "attributed_declarator"):
            pointers += cur.type == "pointer_declarator"
            cur = cur.child_by_field_name("declarator") or (cur.named_children[0] if cur.named_children else None)
        if cur is not None and cur.type == "function_declarator":
            inner = cur.child_by_field_name("declarator")
            if inner is not None and inner.type == "identifier":
                return cur, inner, pointers
    return None


def _function_pointer(node: Node) -> Node | None:
    """The name of a function pointer variable declared by ``node`` (``int (*f)(int);``), else None."""
    for d in node.children_by_field_name("declarator"):
        if d.type == "function_declarator":
            inner = d.child_by_field_name("declarator")
            if inner is not None and inner.type == "parenthesized_declarator":
                ct = _declarator(CType("?"), inner)
                return ct.name
    return None


def _candidates(root: Node) -> list[ts.Candidate]:
    found: list[ts.Candidate] = []
    stack = [root]
    while stack:
        node = stack.pop()
        for item in reversed(node.named_children):
            if item.type in ("function_definition", "declaration"):
                parts = _function_parts(item)
                if parts is not None:
                    fdecl, name, _ = parts
                    found.append(ts.Candidate(ts.text(name), item, name, 0,
                                              "definition" if item.type == "function_definition" else "declaration",
                                              context={"declarator": fdecl}))
                elif item.type == "declaration" and (fp := _function_pointer(item)) is not None:
                    n = ts.text(fp)
                    found.append(ts.Candidate(n, item, fp, 3, "function pointer",
                                              f"'{n}' is a function pointer variable, not a function; export the "
                                              "function it points to"))
            elif item.type == "preproc_function_def":
                macro = item.child_by_field_name("name")
                if macro is not None:
                    n = ts.text(macro)
                    found.append(ts.Candidate(n, item, macro, 3, "macro",
                                              f"'{n}' is a function-like macro, not a function; export a function "
                                              "(a macro has no signature to read)"))
            elif item.type in ("linkage_specification", "declaration_list", "preproc_if", "preproc_ifdef",
                               "preproc_else", "preproc_elif", "preproc_elifdef"):
                stack.append(item)
    found.sort(key=lambda c: c.node.start_byte)
    return found


# --- types ----------------------------------------------------------------------------


class Typedefs:
    """``typedef`` names of the file: scalars followed, structs and others known for messages."""

    def __init__(self, root: Node) -> None:
        self.scalars: dict[str, WireType] = {}
        self.kinds: dict[str, str] = {}
        for n in ts.walk(root):
            if n.type == "type_definition":
                base = n.child_by_field_name("type")
                for d in n.children_by_field_name("declarator"):
                    ct = _declarator(_ctype(n), d)
                    name = ts.text(ct.name)
                    if not name:
                        continue
                    if not ct.pointers and not ct.array and not ct.function and ct.base in SCALARS:
                        self.scalars[name] = SCALARS[ct.base]
                    elif base is not None and base.type in ("struct_specifier", "union_specifier", "enum_specifier"):
                        self.kinds[name] = base.type.split("_")[0]
                    elif ct.function:
                        self.kinds[name] = "function pointer"

    def scalar(self, ct: CType) -> WireType | None:
        if ct.pointers or ct.array or ct.function:
            return None
        return SCALARS.get(ct.base) or self.scalars.get(ct.base)


def _refusal(ct: CType, types: Typedefs, sized: bool = False) -> str:
    if ct.function or types.kinds.get(ct.base) == "function pointer":
        return ts.callback(HINT)
    if ct.array:
        return ts.collection("int32_t, int64_t, float, double, bool, a string or bytes")
    kind = ct.base.split(" ")[0] if ct.base.startswith(("struct ", "union ", "enum ")) else types.kinds.get(ct.base)
    if kind in ("struct", "union") and not ct.pointers:
        return ts.structure(kind)
    if kind == "enum" and not ct.pointers:
        return ts.supported(HINT, "int32_t")
    if ct.pointers == 1 and ct.base in BYTE_POINTEES | {"char"}:
        if ct.const and ct.base != "char":
            return (": a pointer needs its length: follow it with a 'size_t' parameter (bytes), or use "
                    "'const char *' for a NUL-terminated string")
        if not ct.const and ct.base in BYTE_POINTEES and sized:
            return (": a writable buffer; a bytes result comes back through a last pair 'uint8_t *out, size_t "
                    "*out_len' (and the function returns void)")
    if ct.pointers == 1 and (ct.base in SCALARS or ct.base in types.scalars):
        return ts.pointer(HINT) if ct.const else (
            ": a pointer cannot be passed to another process; results are returned (errors through a last "
            "'const char **error')")
    if ct.pointers:
        return ts.pointer(HINT)
    return ts.supported(HINT, ts.close_name(ct.base, SCALARS, ALIASES))


def _is_size_t(ct: CType, pointers: int = 0) -> bool:
    return ct.base == "size_t" and ct.pointers == pointers and not ct.array and not ct.function


def _signature_key(cand: ts.Candidate) -> str:
    fdecl = cand.context["declarator"]
    params = fdecl.child_by_field_name("parameters")
    parts = []
    for p in params.named_children if params is not None else []:
        if p.type == "parameter_declaration":
            ct = _declarator(_ctype(p), p.child_by_field_name("declarator"))
            parts.append(ct.spelled)
        elif p.type == "variadic_parameter":
            parts.append("...")
    parts = [] if parts == ["void"] else parts
    parts_ = _function_parts(cand.node)
    result = _ctype(cand.node)
    result.pointers = parts_[2] if parts_ else 0
    return f"{result.spelled} {cand.name}({', '.join(parts)})"


def _dedupe(found: list[ts.Candidate]) -> list[ts.Candidate]:
    """One candidate per distinct signature of a name (a prototype and its definition are one function)."""
    out: list[ts.Candidate] = []
    seen: dict[tuple[str, str], ts.Candidate] = {}
    for c in found:
        if c.refusal is not None:
            out.append(c)
            continue
        key = (c.name, _signature_key(c))
        c.what = f"{c.what} '{key[1]}'"
        if key in seen:
            first = seen[key]
            if c.node.type == "function_definition" and first.node.type != "function_definition":
                out[out.index(first)] = c
                seen[key] = c
            continue
        seen[key] = c
        out.append(c)
    return out


def parse(path: str, text: str, name: str) -> Function:
    masked_text, masked = _mask(text)
    tree = ts.parse_tree("c", masked_text)
    root = tree.root_node
    cand = ts.choose(path, name, _dedupe(_candidates(root)), "functions")
    node = cand.node
    fdecl: Node = cand.context["declarator"]
    ts.check_syntax(path, fdecl, None, "C", name)
    types = Typedefs(root)
    problems: list[Diagnostic] = []
    native: dict[str, str] = {}

    # the parameters, as C has them
    plist = fdecl.child_by_field_name("parameters")
    raw: list[tuple[Node, CType, str]] = []
    for i, p in enumerate(plist.named_children if plist is not None else [], 1):
        if p.type == "variadic_parameter":
            problems.append(Diagnostic("the variadic '...' is not supported: every parameter needs a fixed slot; "
                                       "list the parameters one by one", ts.loc(path, p)))
            continue
        if p.type != "parameter_declaration":
            continue
        ct = _declarator(_ctype(p), p.child_by_field_name("declarator"))
        if ct.function:
            ct.extra = [ts.spelled(p)]
        raw.append((p, ct, ts.text(ct.name) if ct.name is not None else f"arg{i}"))
    if len(raw) == 1 and raw[0][1].spelled == "void" and raw[0][1].name is None:
        raw = []

    # the result and the conventions at the end of the list
    result_ct = _ctype(node)
    parts = _function_parts(node)
    result_ct.pointers = parts[2] if parts else 0
    native["errors"] = "none"
    native["result"] = result_ct.spelled
    if raw and raw[-1][1].pointers == 2 and raw[-1][1].base == "char" and not raw[-1][1].array:
        _, ct, pname = raw.pop()
        native["errors"] = "c-error-out"
        native["error_param"] = pname
        native["error_free"] = "" if ct.const else "free"
    bytes_out = (len(raw) >= 2 and _is_size_t(raw[-1][1], 1) and raw[-2][1].pointers == 1 and not raw[-2][1].const
                 and raw[-2][1].base in BYTE_POINTEES | {"char"})
    result = WireType.VOID
    if bytes_out:
        native["result_param"] = raw[-2][2]
        native["result_length_param"] = raw[-1][2]
        raw = raw[:-2]
        result = WireType.BYTES
        if result_ct.spelled != "void":
            problems.append(Diagnostic(f"'{name}' returns '{result_ct.spelled}' and has a bytes result through "
                                       f"'{native['result_param']}, {native['result_length_param']}': return void "
                                       "(errors go through a last 'const char **error')",
                                       ts.loc(path, result_ct.node or node)))
    else:
        try:
            result = _result(result_ct, types, native)
        except ts.Refused as e:
            at = result_ct.node or node
            problems.append(Diagnostic(ts.unsupported("the return value", result_ct.spelled, e.tail),
                                       ts.loc(path, at)))

    params: list[Param] = []
    i = 0
    while i < len(raw):
        p, ct, pname = raw[i]
        what = f"parameter '{pname}'"
        at = ct.name or p
        following = raw[i + 1][1] if i + 1 < len(raw) else None
        paired = following is not None and _is_size_t(following) and ct.pointers == 1 and ct.const and (
            ct.base in BYTE_POINTEES | {"char"})
        if paired:
            wt = WireType.STRING if ct.base == "char" else WireType.BYTES
            params.append(Param(pname, wt, ts.loc(path, at),
                                native={"type": ct.spelled, "length": raw[i + 1][2], "length_type": "size_t"}))
            i += 2
            continue
        i += 1
        scalar = types.scalar(ct)
        wt = scalar if scalar is not None else WireType.VOID
        if scalar is None and ct.pointers == 1 and ct.base == "char" and not ct.array and not ct.function:
            scalar = WireType.STRING  # const char * (a char * is read too: the provider passes its own copy)
            wt = scalar
        if scalar is None:
            sized = following is not None and _is_size_t(following)
            problems.append(Diagnostic(ts.unsupported(what, ct.spelled, _refusal(ct, types, sized)),
                                       ts.loc(path, ct.node or p)))
            continue
        params.append(Param(pname, wt, ts.loc(path, at), native={"type": ct.spelled}))
    ts.raise_all(problems)

    storage = [ts.text(c) for c in node.children if c.type == "storage_class_specifier"]
    native["storage"] = " ".join(storage)
    before = node.prev_sibling.end_byte if node.prev_sibling is not None else 0
    native["export_macro"] = " ".join(w for start, _, w in sorted(masked) if before <= start < fdecl.start_byte)
    native["declared"] = "definition" if node.type == "function_definition" else "declaration"
    doc = [line for c in ts.preceding(node, ("comment",), ("expression_statement",))
           for line in ts.comment_lines(ts.text(c))]
    return Function(name=name, params=tuple(params), result=result, source=path, language="c",
                    location=ts.loc(path, cand.name_node), doc=ts.first_line(doc), native=native)


def _result(ct: CType, types: Typedefs, native: dict[str, str]) -> WireType:
    if ct.spelled == "void":
        return WireType.VOID
    wt = types.scalar(ct)
    if wt is not None:
        return wt
    if ct.pointers == 1 and ct.base == "char" and not ct.array and not ct.function:
        if not ct.const:
            native["result_free"] = "free"
        return WireType.STRING
    if ct.pointers == 1 and ct.base in BYTE_POINTEES:
        raise ts.Refused(": a bytes result comes back through a last pair 'uint8_t *out, size_t *out_len' (and "
                         "the function returns void)")
    raise ts.Refused(_refusal(ct, types))
