"""The C provider: ``provider.c`` calls the user's real C function and serves its channel.

Files, by mode (the binary is built next to them):

- namespace: ``metropipe/<fn>/provider.c``, ``metropipe/<fn>/provider.mk`` -> ``metropipe/<fn>/provider``
- flat: ``metropipe/<fn>_provider.c``, ``metropipe/<fn>_provider.mk`` -> ``metropipe/<fn>_provider``
- unify: ``metropipe_provider.c``, ``metropipe_provider.mk`` -> ``metropipe_provider``

(The makefile is not called ``Makefile``: the c-linker target writes that one in the same folder.)

``provider.c`` ``#include``s the user's source (a ``.c`` file, or a ``.h`` whose implementation
the makefile compiles and links: ``SOURCES``, by default the ``.c`` of the same name next to the
header), so ``static`` and ``static inline`` functions can be served too and the compiler checks
the call. Then it includes the C client's runtime (``metropipe/targets/c/templates/runtime.h.j2``,
rendered: the channel files, atomics, futex and UTF-8 code are the client's, not a second copy),
then the provider's side of the protocol (spec/wire.md 6.3) and one handler per function.

The C calling conventions are the ones the C parser records (docs/types.md, ``Function.native``):
a bytes or length-string parameter is passed as a pointer and its length; a string parameter as a
NUL-terminated copy; a ``const char *`` result is copied, a ``char *`` result copied and freed; a
bytes result comes back through a 4092-byte buffer and ``*out_len``; a last ``const char **error``
(``char **error``: freed) makes the function fail with ``APPLICATION`` and that message.

A ``_Static_assert`` on the function's type (spelled as the parser read it) refuses to compile
when the function changed since the provider was generated: run ``metropipe export`` again.
"""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import c as cstub

KEY = "c"
LANGUAGE = "C"
EXT = ".c"
UNIFIED = "metropipe_provider.c"

SCALAR = {
    WireType.INT32: "int32_t",
    WireType.INT64: "int64_t",
    WireType.FLOAT: "float",
    WireType.DOUBLE: "double",
    WireType.BOOL: "bool",
}
# the pointer types the parser accepts for a bytes-out buffer (metropipe.parse.c BYTE_POINTEES, and char)
OUT_POINTERS = ("unsigned char *", "signed char *", "char *", "void *")


@dataclass(frozen=True)
class PArg:
    name: str  # the parameter's name in the source (for messages)
    type: str  # wire type
    var: str  # the handler's local holding it
    ctype: str  # the local's C type (scalars)
    offset: int  # payload-relative offset of its slot
    max_len: int  # string/bytes: the slot's largest length
    length: bool  # a string passed with its length (const char *, size_t)


@dataclass(frozen=True)
class PFunction:
    name: str  # the C function
    channel: str
    signature: str
    fingerprint: str  # "0x...ULL"
    capacity: int
    source: str  # as the export saw it (for messages)
    handler: str  # metropipe_serve_<name>
    args: tuple[PArg, ...]
    call_args: str  # what the handler passes, in the native order
    result: str  # wire type of the result ("void" for none)
    result_ctype: str  # the local receiving the result: int32_t, ..., "const char *" / "char *"; "" for void/bytes
    result_free: bool
    result_size: int  # the response's size field for a fixed-size result
    error: str  # "" or the C type of the error message local: "const char *" / "char *"
    error_free: bool
    check: str  # the _Static_assert condition on the function's type
    check_message: str


@dataclass(frozen=True)
class Source:
    include: str  # path relative to provider.c, for #include "..."
    make_path: str  # the same relative to the makefile's folder, as make spells it: $(HERE)/...
    shown: str  # as the export named it (relative to the output root)
    header: bool  # a .h (its implementation is linked: SOURCES)


def names(mode: str, fn: Function) -> tuple[str, str, str]:
    """(provider.c, makefile, binary), relative to the output root."""
    if mode == "namespace":
        stem = f"metropipe/{fn.name}/provider"
    elif mode == "flat":
        stem = f"metropipe/{fn.name}_provider"
    else:
        stem = UNIFIED[: -len(EXT)]
    return f"{stem}.c", f"{stem}.mk", stem


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    for fn in functions:
        if fn.raw or fn.language != "c":
            raise fail(f"the C provider serves functions read from C sources; '{fn.name}' is not one", fn.location)
    c_file, mk_file, binary = names(mode, functions[0])
    here = posixpath.dirname(c_file) or "."
    sources = _sources(functions, here)
    model = [_function(fn) for fn in functions]
    included = {s.shown for s in sources if not s.header}
    # a header that only declares a function needs its implementation linked: default to its .c
    implementations = []
    for s in sources:
        if s.header:
            sibling = s.make_path[: -len(".h")] + ".c" if s.make_path.endswith(".h") else ""
            shown = s.shown[: -len(".h")] + ".c"
            if sibling and shown not in included:
                implementations.append(sibling)
    linked = {s.shown[: -len(".h")] for s in sources if s.header and s.shown[: -len(".h")] + ".c" in included}
    declared_only = [f.name for f in functions if f.native.get("declared") == "declaration"
                     and not ((f.source or "").endswith(".h") and (f.source or "")[: -len(".h")] in linked)]
    start = start_command(functions[0], mode, ".")
    make_command = f"make -f {shlex.quote(mk_file)}"
    common = dict(header=cstub.comment_text(header), functions=model, sources=sources, binary=binary,
                  binary_name=posixpath.basename(binary), c_name=posixpath.basename(c_file),
                  start=start, make_command=make_command, wire_version=layout.WIRE_VERSION,
                  max_string=layout.STRING_MAX, max_bytes=layout.BYTES_MAX)
    out = {
        c_file: render(__file__, "provider.c.j2", record=record, runtime=_runtime(), **common),
        mk_file: render(__file__, "provider.mk.j2", implementations=implementations, declared_only=declared_only,
                        default_sources=" ".join(f"$(wildcard {i})" for i in implementations),
                        **common),
    }
    return out


def start_command(fn: Function, mode: str, out: str) -> str:
    _, mk_file, binary = names(mode, fn)
    if out not in ("", "."):
        mk_file, binary = posixpath.join(out, mk_file), posixpath.join(out, binary)
    if "/" not in binary:
        binary = "./" + binary
    return f"make -s -f {shlex.quote(mk_file)} && {shlex.quote(binary)}"


def _runtime() -> str:
    """The C client's runtime (channel files, atomics, futex, UTF-8), rendered: the provider's base."""
    return render(cstub.__file__, "runtime.h.j2", k=cstub._constants())


def _sources(functions: list[Function], here: str) -> list[Source]:
    out: dict[str, Source] = {}
    for fn in functions:
        if not fn.source or fn.source in out:
            continue
        rel = posixpath.relpath(fn.source, here)
        out[fn.source] = Source(include=rel, make_path=f"$(HERE)/{rel}", shown=fn.source,
                                header=fn.source.endswith((".h", ".hh", ".hpp")))
    # .c files first: a header among the sources is then included after its implementation
    return sorted(out.values(), key=lambda s: (s.header, s.shown))


def _function(fn: Function) -> PFunction:
    lay = layout.compute(fn)
    native = fn.native
    args: list[PArg] = []
    call: list[str] = []
    types: list[str] = []  # the native parameter types, for the type check
    for i, (p, slot) in enumerate(zip(fn.params, lay.params, strict=True)):
        var = f"mp_a{i}"
        has_length = bool(p.native.get("length"))
        args.append(PArg(name=p.name, type=p.type.value, var=var, ctype=SCALAR.get(p.type, ""), offset=slot.offset,
                         max_len=slot.max_len, length=has_length and p.type is WireType.STRING))
        types.append(p.native.get("type") or SCALAR.get(p.type, "const char *"))
        if p.type is WireType.BYTES or has_length:
            call += [var, f"{var}_len"]
            types.append(p.native.get("length_type") or "size_t")
        else:
            call.append(var)
    result = fn.result
    result_ctype = ""
    result_free = False
    if result is WireType.BYTES:
        call += ["mp_out", "&mp_out_len"]
    elif result is WireType.STRING:
        result_free = native.get("result_free") == "free"
        result_ctype = "char *" if result_free else "const char *"
    elif result is not WireType.VOID:
        result_ctype = SCALAR[result]
    error = ""
    error_free = False
    if native.get("errors") == "c-error-out":
        error_free = native.get("error_free") == "free"
        error = "char *" if error_free else "const char *"
        call.append("&mp_error")
    ret = native.get("result") or (result_ctype or "void")
    tails = [[f"{p} ", "size_t *"] for p in OUT_POINTERS] if result is WireType.BYTES else [[]]
    alternatives = []
    for tail in tails:
        params = types + [t.strip() for t in tail] + ([f"{error}*"] if error else [])
        alternatives.append(f"__builtin_types_compatible_p(__typeof__({fn.name}) *, "
                            f"{ret} (*)({', '.join(params) or 'void'}))")
    source = fn.source or ""
    message = (f"{fn.name}() in {source} is no longer {lay.signature} as this provider was generated for it "
               f"(or its native types changed): run metropipe export again")
    return PFunction(
        name=fn.name,
        channel=fn.channel_name,
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016x}ULL",
        capacity=lay.capacity,
        source=source,
        handler=f"metropipe_serve_{fn.name}",
        args=tuple(args),
        call_args=", ".join(call),
        result=result.value,
        result_ctype=result_ctype,
        result_free=result_free,
        result_size=lay.result.size if lay.result else 0,
        error=error,
        error_free=error_free,
        check=" \\\n              || ".join(alternatives),
        check_message=_c_string(message),
    )


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
