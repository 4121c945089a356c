"""The ``ruby`` target: ``stub.rb``, standard library only (Fiddle, with libc and libatomic).

Ruby has no ``IO.mmap`` and no atomics: the runtime (``templates/runtime.rb.j2``, spec/wire.md
sections 1 and 6) calls libc's ``mmap``, ``posix_fallocate``, ``syscall(SYS_futex)`` and
``sched_yield`` and libatomic's ``__atomic_*_4`` through Fiddle. Each function becomes a
snake_case module method ``Metropipe.<name>(..., timeout: nil)`` and a codec module
``Metropipe::Codecs::<Name>`` whose ``encode`` packs the request with one ``Array#pack``
format computed here (slots, alignment gaps, fixed-width strings) and whose ``decode`` reads
the response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import stub_path

KEY = "ruby"
LANGUAGE = "Ruby"
EXT = ".rb"
UNIFIED = "metropipe.rb"

CLIENT_ERRORS = {"TIMEOUT": 16, "ARGUMENT": 17, "CHANNEL": 18, "PROVIDER_DIED": 19, "PROTOCOL": 20}  # as in C
ERROR_CLASS = {
    "APPLICATION": "RemoteError",
    "LAYOUT_MISMATCH": "LayoutMismatchError",
    "BAD_REQUEST": "ProtocolError",
    "BAD_RESULT": "ProtocolError",
    "PROVIDER_RESTARTED": "ProviderDiedError",
    "TIMEOUT": "TimeoutError",
    "ARGUMENT": "ArgumentError",
    "CHANNEL": "ChannelError",
    "PROVIDER_DIED": "ProviderDiedError",
    "PROTOCOL": "ProtocolError",
}
CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

KEYWORDS = frozenset("""
__ENCODING__ __LINE__ __FILE__ BEGIN END alias and begin break case class def defined do else elsif end ensure
false for if in module next nil not or redo rescue retry return self super then true undef unless until when while
yield
""".split())
# Methods every Module has (Ruby 3.1, public and private, Kernel's included): a module method
# of Metropipe with one of these names would change how Ruby itself treats the module.
MODULE_METHODS = frozenset("""
__callee__ __dir__ __id__ __method__ __send__ abort alias_method ancestors append_features at_exit attr
attr_accessor attr_reader attr_writer autoload binding caller caller_locations catch class class_eval
class_exec class_variable_get class_variable_set class_variables clone const_get const_missing const_set
const_source_location constants define_method define_singleton_method deprecate_constant display dup enum_for
eval exec exit extend extend_object extended fail fork format freeze gem gem_original_require gets
global_variables hash include included included_modules initialize initialize_clone initialize_copy
initialize_dup inspect instance_eval instance_exec instance_method instance_methods instance_variable_get
instance_variable_set instance_variables itself lambda load local_variables loop method method_added
method_missing method_removed method_undefined methods module_eval module_exec module_function name object_id
open p pp prepend prepend_features prepended print printf private private_class_method private_constant
private_instance_methods private_methods proc protected protected_instance_methods protected_methods public
public_class_method public_constant public_instance_method public_instance_methods public_method
public_methods public_send putc puts raise rand readline readlines refine remove_class_variable remove_const
remove_instance_variable remove_method require require_relative ruby2_keywords select send set_trace_func
singleton_class singleton_method singleton_method_added singleton_method_removed singleton_method_undefined
singleton_methods sleep spawn sprintf srand syscall system taint tap test then throw to_enum to_s trace_var
trap trust undef_method untaint untrace_var untrust using warn yield_self
""".split())
# names the generated methods use themselves
LOCALS = frozenset({"timeout"})

PACK = {
    WireType.INT32: "l<",
    WireType.INT64: "q<",
    WireType.FLOAT: "e",
    WireType.DOUBLE: "E",
    WireType.BOOL: "C",
    WireType.STRING: f"L<a{layout.STRING_MAX}",
    WireType.BYTES: f"L<a{layout.BYTES_MAX}",
}
UNPACK = {WireType.INT32: "l<", WireType.INT64: "q<", WireType.FLOAT: "e", WireType.DOUBLE: "E"}
CONVERT = {
    WireType.INT32: "int32",
    WireType.INT64: "int64",
    WireType.FLOAT: "float32",
    WireType.DOUBLE: "double",
    WireType.BOOL: "bool",
    WireType.STRING: "string",
    WireType.BYTES: "bytes",
}
RUBY_TYPE = {
    WireType.INT32: "Integer",
    WireType.INT64: "Integer",
    WireType.FLOAT: "Float",
    WireType.DOUBLE: "Float",
    WireType.BOOL: "true/false",
    WireType.STRING: "String",
    WireType.BYTES: "String (bytes)",
    WireType.VOID: "nil",
}
EXAMPLE = {
    WireType.INT32: "1",
    WireType.INT64: "2",
    WireType.FLOAT: "1.5",
    WireType.DOUBLE: "2.5",
    WireType.BOOL: "true",
    WireType.STRING: '"hello"',
    WireType.BYTES: '"\\x01\\x02".b',
}


@dataclass(frozen=True)
class RubyParam:
    name: str
    ident: str
    type: str
    convert: str  # "Runtime.int32(\"add\", \"a\", a)"
    variable: bool  # string/bytes: converted first, then packed with its length


@dataclass(frozen=True)
class RubyFunction:
    name: str
    method: str  # Metropipe.<method>
    module: str  # Metropipe::Codecs::<module>
    raw: bool
    signature: str
    fingerprint: str
    capacity: int
    request_size: int
    response_size: int
    channel: str
    doc: str
    params: tuple[RubyParam, ...]
    idents: str
    pack_format: str
    pack_args: str
    decode: tuple[str, ...]  # lines of decode's body
    api: str
    example: str
    renamed: tuple[str, ...]


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    """Render ``stub.rb`` for each function, or one ``metropipe.rb`` holding all of them (unify)."""
    if mode == "unify":
        return {stub_path(mode, "", "stub", EXT, UNIFIED): _render(functions, header, record, unified=True)}
    return {stub_path(mode, fn.name, "stub", EXT, UNIFIED): _render([fn], header, None) for fn in functions}


def _render(functions: list[Function], header: str, record: str | None, unified: bool = False) -> str:
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    return render(__file__, "stub.rb.j2", header=header.replace("\n", " "), record=record, unified=unified,
                  functions=_prepare(functions), k=_constants())


def _constants() -> dict[str, object]:
    errors = {**layout.ERROR_CODES, **CLIENT_ERRORS}
    return {
        **layout.header_numbers(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02x}",
        "SLEEPER": f"0x{layout.SLEEPER:08x}",
        "CONTENDED": f"0x{layout.CONTENDED:08x}",
        "PID_MASK": f"0x{layout.PID_MASK:08x}",
        "STATES": layout.STATES,
        "ERROR_MESSAGE_MAX": layout.ERROR_MESSAGE_MAX,
        "STRING_MAX": layout.STRING_MAX,
        "BYTES_MAX": layout.BYTES_MAX,
        "RAW_MAX": layout.RAW_CAPACITY,
        "DEFAULT_TIMEOUT_S": f"{layout.DEFAULT_TIMEOUT_S!r}",
        "SLICE_S": f"{layout.SLICE_S!r}",
        "TIMEOUT_ENV": layout.TIMEOUT_ENV,
        "DIR_ENV": layout.DIR_ENV,
        "CHANNEL_PREFIX": layout.CHANNEL_PREFIX,
        "E": errors,
        "ERRORS": [(code, name.lower(), ERROR_CLASS[name]) for name, code in errors.items()],
        "ALL_ERRORS": [(code, name.lower(), ERROR_CLASS[name]) for name, code in errors.items()],
    }


# --- names ------------------------------------------------------------------------


def snake(name: str) -> str:
    """``everyType`` -> ``every_type``; snake_case stays as it is."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower() if not name.isupper() else name.lower()


def constant(name: str) -> str:
    """``every_type`` -> ``EveryType`` (a Ruby constant starts with a capital letter)."""
    parts = [p for p in re.split(r"_+", name) if p]
    text = "".join(p[:1].upper() + p[1:] for p in parts) or "Function"
    return text if text[0].isalpha() else "F" + text


def _free(name: str, taken: set[str], reserved: frozenset[str]) -> str:
    while name in reserved or name in taken:
        name += "_"
    taken.add(name)
    return name


def _check(fn: Function) -> None:
    if not fn.name.isascii() or not IDENTIFIER.match(fn.name):
        raise fail(f"ruby target: the function name '{fn.name}' is not an ASCII identifier (rename the function)",
                   fn.location)
    if not CHANNEL_NAME.match(fn.channel_name):
        raise fail(f"ruby target: invalid channel name '{fn.channel_name}': use letters, digits, '_', '.', '-' "
                   "(at most 200, not starting with '.' or '-')", fn.location)
    for p in fn.params:
        if not p.name.isascii() or not IDENTIFIER.match(p.name):
            raise fail(f"ruby target: the parameter name '{p.name}' of '{fn.name}' is not an ASCII identifier",
                       p.location or fn.location)


def _prepare(functions: list[Function]) -> list[RubyFunction]:
    methods: set[str] = set()
    modules: set[str] = set()
    out = []
    for fn in functions:
        _check(fn)
        method = _free(snake(fn.name), methods, KEYWORDS | MODULE_METHODS)
        module = constant(fn.name)
        while module in modules or module in ("Runtime", "Metropipe", "Codecs"):
            module += "_"
        modules.add(module)
        out.append(_function(fn, method, module))
    return out


def _function(fn: Function, method: str, module: str) -> RubyFunction:
    lay = layout.compute(fn)
    renamed: list[str] = []
    if method != snake(fn.name):
        renamed.append(f"{fn.name} is Metropipe.{method} here ({snake(fn.name)} is a Ruby keyword, a method every "
                       "module has, or taken)")
    params: list[RubyParam] = []
    taken: set[str] = set(LOCALS)
    fmt: list[str] = []
    pack: list[str] = []
    end = 0
    for p, slot in zip(fn.params, lay.params, strict=True):
        ident = _free(snake(p.name), taken, KEYWORDS)
        if ident != p.name:
            renamed.append(f"parameter {p.name} of {fn.name} is {ident} here")
        convert = f'Runtime.{CONVERT[p.type]}("{fn.name}", "{p.name}", {ident})'
        variable = slot.is_variable
        params.append(RubyParam(p.name, ident, p.type.value, convert, variable))
        if slot.offset > end:
            fmt.append(f"x{slot.offset - end}")
        fmt.append(PACK[p.type])
        pack.extend([f"{ident}.bytesize", ident] if variable else [ident])
        end = slot.offset + slot.size
    name = fn.name
    if fn.raw:
        params = [RubyParam("data", "data", "bytes", f'Runtime.bytes("{name}", "data", data, Runtime::RAW_MAX)', True)]
        decode: tuple[str, ...] = (f'Runtime.get_raw("{name}", response)',)
        result = "String (bytes)"
    elif lay.result is None:
        decode = ("nil",)
        result = "nil"
    else:
        r = lay.result
        result = RUBY_TYPE[r.type]
        if r.type in UNPACK:
            decode = (f'Runtime.need("{name}", response, {r.offset + r.size}, "{r.type.value}")',
                      f'response.unpack1("{UNPACK[r.type]}", offset: {r.offset})')
        else:
            decode = (f'Runtime.get_{r.type.value}("{name}", response, {r.offset})',)
    idents = ", ".join(p.ident for p in params)
    typed = ", ".join(f"{p.ident} ({'String (bytes)' if fn.raw else RUBY_TYPE[WireType(p.type)]})" for p in params)
    api = f"Metropipe.{method}({typed}{', ' if typed else ''}timeout: nil) -> {result}"
    if fn.raw:
        example = f'response = Metropipe.{method}("ping")'
    else:
        args = ", ".join(EXAMPLE[p.type] for p in fn.params)
        call = f"Metropipe.{method}({args})" if args else f"Metropipe.{method}"
        example = f"result = {call}" if lay.result is not None else call
    return RubyFunction(
        name=fn.name,
        method=method,
        module=module,
        raw=fn.raw,
        signature=lay.signature,
        fingerprint=f"0x{lay.fingerprint:016x}",
        capacity=lay.capacity,
        request_size=lay.request_size,
        response_size=lay.response_size,
        channel=fn.channel_name,
        doc=fn.doc.replace("\n", " "),
        params=tuple(params),
        idents=idents,
        pack_format="".join(fmt),
        pack_args=", ".join(pack),
        decode=decode,
        api=api,
        example=example,
        renamed=tuple(renamed),
    )
