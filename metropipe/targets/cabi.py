"""The plain C ABI of a function, shared by the same-process targets (c-direct, c-linker).

This is the signature a C programmer would write by hand: scalars by value, a string
as ``const char *`` (NUL-terminated UTF-8), bytes as a pointer and a length; a string
result is ``const char *`` and a bytes result ``const uint8_t *`` plus a ``size_t *``
length out-parameter, both pointing at memory the library owns until the calling
thread's next call. Names are escaped like the C stub's (metropipe.targets.c).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metropipe import layout
from metropipe.model import Function, WireType
from metropipe.targets import c as cstub

SCALAR = {
    WireType.INT32: "int32_t",
    WireType.INT64: "int64_t",
    WireType.FLOAT: "float",
    WireType.DOUBLE: "double",
    WireType.BOOL: "bool",
}
RESULT = {**SCALAR, WireType.STRING: "const char *", WireType.BYTES: "const uint8_t *", WireType.VOID: "void"}
ZERO = {WireType.INT32: "0", WireType.INT64: "0", WireType.FLOAT: "0.0f", WireType.DOUBLE: "0.0",
        WireType.BOOL: "false", WireType.STRING: "NULL", WireType.BYTES: "NULL"}
RESERVED_LOCALS = frozenset({"result_len", "args", "kwargs", "out", "state", "gil", "rc"})


@dataclass(frozen=True)
class CArg:
    name: str  # the C parameter name
    len_name: str  # bytes: the length parameter's name, else ""
    type: WireType
    keyword_only: bool
    py_name: str  # the name in the source language (Python keyword arguments)

    @property
    def decl(self) -> str:
        if self.type is WireType.STRING:
            return f"const char *{self.name}"
        if self.type is WireType.BYTES:
            return f"const uint8_t *{self.name}, size_t {self.len_name}"
        return f"{SCALAR[self.type]} {self.name}"


@dataclass(frozen=True)
class CSignature:
    fn: Function
    name: str  # the C symbol
    args: tuple[CArg, ...]
    result: WireType
    result_len: str  # bytes result: the size_t * out-parameter's name, else ""
    fingerprint: int
    signature: str

    @property
    def ret(self) -> str:
        return RESULT[self.result]

    @property
    def ret_space(self) -> str:
        """The return type followed by what separates it from a name ("int32_t " / "const char *")."""
        return self.ret if self.ret.endswith("*") else self.ret + " "

    @property
    def zero(self) -> str:
        return ZERO.get(self.result, "")

    @property
    def params(self) -> str:
        decls = [a.decl for a in self.args]
        if self.result_len:
            decls.append(f"size_t *{self.result_len}")
        return ", ".join(decls) if decls else "void"

    @property
    def positional(self) -> tuple[CArg, ...]:
        return tuple(a for a in self.args if not a.keyword_only)

    @property
    def keywords(self) -> tuple[CArg, ...]:
        return tuple(a for a in self.args if a.keyword_only)


def signature(fn: Function, taken: set[str], notes: list[str]) -> CSignature:
    name = cstub._global(fn.name, taken, notes)
    used = set(RESERVED_LOCALS)
    args = []
    for p in fn.params:
        ident = cstub._unreserve(p.name)
        while ident in cstub.KEYWORDS or ident in cstub.PARAM_RESERVED or ident in used or \
                (p.type is WireType.BYTES and f"{ident}_len" in used) or ident.startswith("mp_"):
            ident += "_"
        used.add(ident)
        length = ""
        if p.type is WireType.BYTES:
            length = f"{ident}_len"
            used.add(length)
        args.append(CArg(ident, length, p.type, p.keyword_only, p.name))
    result_len = ""
    if fn.result is WireType.BYTES:
        result_len = "result_len"
    lay = layout.compute(fn)
    return CSignature(fn, name, tuple(args), fn.result, result_len, lay.fingerprint, lay.signature)


def macro(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()
