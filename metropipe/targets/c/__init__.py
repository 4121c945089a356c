"""The ``c`` target: a header-only C11 client stub (``stub.h``) per function.

The Python pass below turns each :class:`~metropipe.model.Function` and its
:func:`metropipe.layout.compute` layout into a :class:`CFunction`: C identifiers
(escaped away from keywords, C library names and each other), C type spellings,
parameter lists, payload offsets and the call's constants. The templates in
``templates/`` only loop over and branch on these fields; ``runtime.h.j2`` is the
channel code shared by every stub (spec/wire.md sections 1 and 6, the same
semantics as :mod:`metropipe.runtime.shm`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, Param, WireType
from metropipe.render import render
from metropipe.targets import stub_path

KEY = "c"
LANGUAGE = "C"
EXT = ".h"
UNIFIED = "metropipe.h"  # the one file of --unify

# Client-side error codes: never on the wire, C's own (the wire's are 1-5).
CLIENT_ERRORS = {
    "TIMEOUT": 16,
    "ARGUMENT": 17,
    "CHANNEL": 18,
    "PROVIDER_DIED": 19,
    "PROTOCOL": 20,
}
ERROR_TEXT = {
    "APPLICATION": 'the function failed in the provider ("<Type>: <message>")',
    "LAYOUT_MISMATCH": "the provider was generated from another signature",
    "BAD_REQUEST": "the provider found the request malformed",
    "BAD_RESULT": "the function's result does not fit its type",
    "PROVIDER_RESTARTED": "a provider died running this call; it was not re-run",
    "TIMEOUT": "no answer in time (the message says what it waited for)",
    "ARGUMENT": "a bad argument (nothing was sent), or a bad $METROPIPE_TIMEOUT",
    "CHANNEL": "the channel file could not be opened safely",
    "PROVIDER_DIED": "the provider died while running this call",
    "PROTOCOL": "the response broke the wire contract",
}
DEFAULT_TIMEOUT_MS = round(layout.DEFAULT_TIMEOUT_S * 1000)
SLICE_NS = round(layout.SLICE_S * 1e9)

# wire type -> (C type of a parameter, C type a result is stored in)
C_TYPES = {
    WireType.INT32: ("int32_t", "int32_t"),
    WireType.INT64: ("int64_t", "int64_t"),
    WireType.FLOAT: ("float", "float"),
    WireType.DOUBLE: ("double", "double"),
    WireType.BOOL: ("bool", "bool"),
    WireType.STRING: ("const char *", "metropipe_string"),
    WireType.BYTES: ("const void *", "metropipe_bytes"),
}
# what the usage example in the header comment passes for each type
EXAMPLE_ARGS = {
    WireType.INT32: "1",
    WireType.INT64: "1",
    WireType.FLOAT: "1.5f",
    WireType.DOUBLE: "2.5",
    WireType.BOOL: "true",
    WireType.STRING: '"hello"',
    WireType.BYTES: '"\\x01\\x02", 2',
}

CHANNEL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class CParam:
    name: str  # as in the source
    ident: str  # the C parameter name
    len_ident: str  # bytes: the length parameter; else ""
    type: str  # wire type name
    decls: tuple[str, ...]  # ("int32_t a",), ("const void *blob", "size_t blob_len")
    args: str  # how it is passed on: "a", "blob, blob_len"
    offset: int  # payload offset of its slot
    writer: str  # runtime function that writes the slot
    checker: str  # runtime function that checks the value before sending, or ""


@dataclass(frozen=True)
class CResult:
    type: str  # wire type name
    ctype: str  # what *result points to
    offset: int
    reader: str  # runtime function that checks and reads the slot


@dataclass(frozen=True)
class CFunction:
    name: str  # as in the source
    raw: bool
    signature: str  # canonical signature (spec section 4)
    fingerprint: str  # "0x...", 16 hex digits
    capacity: int
    request_size: int
    response_size: int
    channel: str  # channel name
    doc: str  # first line of the docstring, comment-safe
    guard: str  # include guard of this function's block
    macro: str  # prefix of its constants: METROPIPE_ADD
    call: str  # the public function: add (raw: echo_call)
    call_timeout: str  # the same with a timeout: add_timeout
    check: str  # metropipe_add_check ("" when no argument can be out of range)
    write: str
    encode: str
    decode: str
    channel_var: str  # the static channel state
    params: tuple[CParam, ...]
    checked: tuple[CParam, ...]  # the params the check function takes
    result: CResult | None
    # declarations ("static inline int add(int32_t a, ...)"), wrapped at WIDTH columns
    declare_check: str
    declare_write: str
    declare_encode: str
    declare_decode: str
    declare_call: str
    declare_call_timeout: str
    api: tuple[str, ...]  # the two public prototypes, wrapped for the header comment
    # argument lists the bodies pass on, each after a first argument
    value_args: str  # ", a, b": the values of write/encode
    check_args: str  # "text, blob, blob_len"
    decode_args: str  # ", result" or ""
    forward: str  # what call passes to call_timeout before timeout_ms: "a, b, result"
    example: tuple[str, ...]  # lines of a usage example
    renamed: tuple[str, ...] = field(default=())  # notes on escaped names


WIDTH = 120


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    """Render ``stub.h`` for each function, or one ``metropipe.h`` holding all of them (unify)."""
    if mode == "unify":
        path = stub_path(mode, "", "stub", EXT, UNIFIED)
        return {path: _render(functions, header, record, path)}
    out = {}
    for fn in functions:
        path = stub_path(mode, fn.name, "stub", EXT, UNIFIED)
        out[path] = _render([fn], header, None, path)
    return out


def _render(functions: list[Function], header: str, record: str | None, path: str) -> str:
    model = _prepare(functions)
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    return render(
        __file__,
        "stub.h.j2",
        header=comment_text(header),
        record=record,
        include=path,
        functions=model,
        k=_constants(),
    )


def _constants() -> dict[str, object]:
    """The wire's numbers, for runtime.h.j2 (from metropipe.layout, never retyped)."""
    return {
        **layout.header_numbers(),
        "STATE_MASK": f"0x{layout.STATE_MASK:02X}u",
        "SLEEPER": f"0x{layout.SLEEPER:08X}u",
        "CONTENDED": f"0x{layout.CONTENDED:08X}u",
        "PID_MASK": f"0x{layout.PID_MASK:08X}u",
        "STATES": layout.STATES,
        "WIRE_ERRORS": layout.ERROR_CODES,
        "CLIENT_ERRORS": CLIENT_ERRORS,
        "ERROR_MESSAGE_MAX": layout.ERROR_MESSAGE_MAX,
        "STRING_MAX": layout.STRING_MAX,
        "STRING_DATA": layout.STRING_MAX + 1,
        "BYTES_MAX": layout.BYTES_MAX,
        "RAW_MAX": layout.RAW_CAPACITY,
        "LENGTH_PREFIX": layout.LENGTH_PREFIX,
        "DEFAULT_TIMEOUT_MS": DEFAULT_TIMEOUT_MS,
        "DEFAULT_TIMEOUT_S": f"{layout.DEFAULT_TIMEOUT_S:g}",
        "ERROR_DOCS": [f"{'METROPIPE_E_' + name:<31} {code:>2}   {ERROR_TEXT[name]}"
                       for name, code in [*layout.ERROR_CODES.items(), *CLIENT_ERRORS.items()]],
        "TIMEOUT_ENV": layout.TIMEOUT_ENV,
        "DIR_ENV": layout.DIR_ENV,
        "CHANNEL_PREFIX": layout.CHANNEL_PREFIX,
        "SLICE_NS": SLICE_NS,
    }


def comment_text(text: str) -> str:
    """Make ``text`` safe inside a /* */ comment (no "*/", no trigraph line splice)."""
    return text.replace("*/", "*\\/").replace("??", "?\\?").replace("\n", " ")


# --- names ------------------------------------------------------------------------


def _prepare(functions: list[Function]) -> list[CFunction]:
    """Name every function's C identifiers, unique within the file, then build the models."""
    taken: set[str] = set(RUNTIME_NAMES)
    macros: set[str] = set()
    named = []
    for fn in functions:
        _check_function(fn)
        notes: list[str] = []
        stem = f"{fn.name}_call" if fn.raw else fn.name
        call = _global(stem, taken, notes)
        call_timeout = _global(f"{stem}_timeout", taken, notes)
        base = f"fn_{fn.name}" if fn.name == "rt" or fn.name.startswith("rt_") else fn.name  # not metropipe_rt_*
        internal = {part: _internal(f"metropipe_{base}_{part}", taken)
                    for part in ("check", "write", "encode", "decode", "channel")}
        macro = _internal(f"METROPIPE_{fn.name.upper()}", macros)
        named.append((fn, notes, call, call_timeout, internal, macro))
    return [_function(fn, notes, call, ct, internal, macro) for fn, notes, call, ct, internal, macro in named]


def _check_function(fn: Function) -> None:
    if not fn.name.isascii() or not IDENTIFIER.match(fn.name):
        raise fail(f"C target: the function name '{fn.name}' is not an ASCII identifier; "
                   "C stubs need ASCII names (rename the function)", fn.location)
    if not CHANNEL_NAME.match(fn.channel_name):
        raise fail(f"C target: invalid channel name '{fn.channel_name}': use letters, digits, '_', '.', '-' "
                   "(at most 200, not starting with '.' or '-')", fn.location)
    for p in fn.params:
        if not p.name.isascii() or not IDENTIFIER.match(p.name):
            raise fail(f"C target: the parameter name '{p.name}' of '{fn.name}' is not an ASCII identifier; "
                       "C stubs need ASCII names (rename the parameter)", p.location or fn.location)


def _unreserve(name: str) -> str:
    """C reserves names starting with "__" or "_" + capital letter; drop the underscores."""
    if re.match(r"_[_A-Z]", name):
        return name.lstrip("_") + "_"
    return name


def _global(name: str, taken: set[str], notes: list[str]) -> str:
    """A file-scope C name for ``name``: a trailing '_' while it is a keyword, a C library
    name (any of the C standard's and common POSIX headers may be included with the stub),
    a likely macro (ALL_CAPS) or already used in this file."""
    ident = _unreserve(name)
    if ident.lower().startswith("metropipe_rt_"):
        ident = "x_" + ident
    while ident in KEYWORDS or _libc(ident) or _all_caps(ident) or ident in taken:
        ident += "_"
    if ident != name:
        notes.append(f"{name} is spelled {ident} here: {name} is a C/C++ keyword or C library name, "
                     "or is used by another function in this file")
    taken.add(ident)
    return ident


def _libc(name: str) -> bool:
    if name in LIBC_NAMES or name.startswith(LIBC_PREFIXES):
        return True
    return any(name.endswith(s) and name[: -len(s)] in LIBC_NAMES for s in LIBC_SUFFIXES)


def _internal(name: str, taken: set[str]) -> str:
    ident = name
    while ident in taken:
        ident += "_"
    taken.add(ident)
    return ident


def _local(name: str, taken: set[str]) -> bool:
    """Whether a parameter may be called ``name``: not a keyword, a type or object-like macro
    of the C library, a name the stub uses inside the function, or one taken already."""
    return not (name in KEYWORDS or name in PARAM_RESERVED or _all_caps(name) or name in taken
                or name.lower().startswith("metropipe"))


def _param_names(params: tuple[Param, ...], body_names: set[str]) -> list[tuple[str, str]]:
    """(ident, len_ident) per parameter, escaped by appending '_'. ``body_names`` are the
    file-scope names the function's bodies refer to (besides metropipe_*), which a parameter
    must not shadow."""
    taken = body_names | LOCALS
    out = []
    for p in params:
        ident = _unreserve(p.name)
        if ident.lower().startswith("metropipe"):
            ident = "p_" + ident
        if p.type is WireType.BYTES:
            while not (_local(ident, taken) and _local(ident + "_len", taken)):
                ident += "_"
            out.append((ident, ident + "_len"))
            taken.update((ident, ident + "_len"))
        else:
            while not _local(ident, taken):
                ident += "_"
            out.append((ident, ""))
            taken.add(ident)
    return out


def _all_caps(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return len(name) > 1 and bool(letters) and all(c.isupper() for c in letters)


# --- the model --------------------------------------------------------------------


def _function(fn: Function, notes: list[str], call: str, call_timeout: str, internal: dict[str, str],
              macro: str) -> CFunction:
    lay = layout.compute(fn)
    renamed = list(notes)
    params: list[CParam] = []
    result: CResult | None = None
    if fn.raw:
        values = ["const void *req", "size_t req_len"]
        outs = ["void *resp", "size_t resp_cap", "size_t *resp_len"]
        value_args, decode_args = ", req, req_len", ", resp, resp_cap, resp_len"
        check_decls, check_args = values + outs, "req, req_len, resp, resp_cap, resp_len"
        forward = check_args
        example: tuple[str, ...] = (
            "unsigned char response[4096];",
            "size_t response_len;",
            f'int rc = {call}("ping", 4, response, sizeof response, &response_len);',
        )
    else:
        names = _param_names(fn.params, {call_timeout})
        for p, slot, (ident, len_ident) in zip(fn.params, lay.params, names, strict=True):
            if ident != p.name:
                renamed.append(f"parameter {p.name} of {fn.name} is spelled {ident} here (a C/C++ keyword, type "
                               "or macro, or a name the stub uses)")
            ctype = C_TYPES[p.type][0]
            decls = (f"{ctype}{'' if ctype.endswith('*') else ' '}{ident}",) + ((f"size_t {len_ident}",)
                                                                               if len_ident else ())
            params.append(CParam(
                name=p.name,
                ident=ident,
                len_ident=len_ident,
                type=p.type.value,
                decls=decls,
                args=f"{ident}, {len_ident}" if len_ident else ident,
                offset=slot.offset,
                writer=f"metropipe_rt_put_{p.type.value}",
                checker=f"metropipe_rt_check_{p.type.value}" if slot.is_variable else "",
            ))
        if lay.result is not None:
            result = CResult(
                type=lay.result.type.value,
                ctype=C_TYPES[lay.result.type][1],
                offset=lay.result.offset,
                reader=f"metropipe_rt_get_{lay.result.type.value}",
            )
        values = [d for p in params for d in p.decls]
        outs = [f"{result.ctype} *result"] if result else []
        value_args = "".join(f", {p.args}" for p in params)
        decode_args = ", result" if result else ""
        checked = [p for p in params if p.checker]
        check_decls = [d for p in checked for d in p.decls]
        check_args = ", ".join(p.args for p in checked)
        forward = ", ".join([p.args for p in params] + (["result"] if result else []))
        example = _example(call, fn, result)
    has_check = bool(check_decls)
    return CFunction(
        name=fn.name,
        raw=fn.raw,
        signature=lay.signature,
        fingerprint=lay.fingerprint_hex,
        capacity=lay.capacity,
        request_size=lay.request_size,
        response_size=lay.response_size,
        channel=fn.channel_name,
        doc=comment_text(fn.doc),
        guard=f"METROPIPE_STUB_{fn.name}_{lay.fingerprint:016x}",
        macro=macro,
        call=call,
        call_timeout=call_timeout,
        check=internal["check"] if has_check else "",
        write=internal["write"],
        encode=internal["encode"],
        decode=internal["decode"],
        channel_var=internal["channel"],
        params=tuple(params),
        checked=tuple(p for p in params if p.checker),
        result=result,
        declare_check=_declare(f"static inline int {internal['check']}", check_decls),
        declare_write=_declare(f"static inline {'uint32_t' if fn.raw else 'void'} {internal['write']}",
                               ["uint8_t *payload", *values]),
        declare_encode=_declare(f"static inline int {internal['encode']}",
                                ["uint8_t *payload", *values, *(["uint32_t *size"] if fn.raw else [])]),
        declare_decode=_declare(f"static inline int {internal['decode']}",
                                ["const uint8_t *payload", "uint32_t size", *outs]),
        declare_call=_declare(f"static inline int {call}", [*values, *outs]),
        declare_call_timeout=_declare(f"static inline int {call_timeout}", [*values, *outs, "int timeout_ms"]),
        api=(_declare(f"int {call}", [*values, *outs], lead=" *     ") + ";",
             _declare(f"int {call_timeout}", [*values, *outs, "int timeout_ms"], lead=" *     ") + ";"),
        value_args=value_args,
        check_args=check_args,
        decode_args=decode_args,
        forward=forward,
        example=example,
        renamed=tuple(comment_text(n) for n in renamed),
    )


def _declare(head: str, params: list[str], lead: str = "") -> str:
    """``head(params)``, wrapped at WIDTH with continuation lines aligned after the parenthesis
    (``lead`` starts every line: " *     " inside a comment)."""
    line = f"{lead}{head}("
    pad = (lead.rstrip() + " " * len(line))[: len(line)] if lead else " " * len(line)
    lines = []
    pieces = params or ["void"]
    for i, p in enumerate(pieces):
        piece = p + (", " if i < len(pieces) - 1 else ")")
        if not line.endswith("(") and len(line) + len(piece.rstrip()) > WIDTH:
            lines.append(line.rstrip())
            line = pad
        line += piece
    lines.append(line)
    return "\n".join(lines)


def _example(call: str, fn: Function, result: CResult | None) -> tuple[str, ...]:
    args = [str(i) if p.type in (WireType.INT32, WireType.INT64) else EXAMPLE_ARGS[p.type]
            for i, p in enumerate(fn.params, 1)]
    lines = []
    if result is not None:
        lines.append(f"{result.ctype} result;")
        args.append("&result")
    lines.append(f"int rc = {call}({', '.join(args)});")
    return tuple(lines)


# --- reserved names ---------------------------------------------------------------

KEYWORDS = frozenset("""
alignas alignof and and_eq asm atomic_cancel atomic_commit atomic_noexcept auto bitand bitor bool break case
catch char char8_t char16_t char32_t class co_await co_return co_yield compl concept const const_cast consteval
constexpr constinit continue decltype default defined delete do double dynamic_cast else enum explicit export
extern false float for fortran friend goto if inline int long mutable namespace new noexcept not not_eq nullptr
operator or or_eq private protected public reflexpr register reinterpret_cast requires restrict return short
signed sizeof static static_assert static_cast struct switch synchronized template this thread_local throw
true try typedef typeid typename typeof typeof_unqual union unsigned using virtual void volatile wchar_t while
xor xor_eq _Alignas _Alignof _Atomic _BitInt _Bool _Complex _Decimal128 _Decimal32 _Decimal64 _Generic
_Imaginary _Noreturn _Static_assert _Thread_local main NULL
""".split())

# Names the generated functions use for their own parameters and locals.
LOCALS = frozenset({"result", "timeout_ms", "payload", "size", "rc", "call"})

# Names the runtime part of every stub defines.
RUNTIME_NAMES = frozenset("""
metropipe_bytes metropipe_call metropipe_channel metropipe_decode_error metropipe_error_name
metropipe_last_error metropipe_string
""".split())

# Functions, variables, types and lowercase macros declared by the C11 standard headers and by
# common POSIX headers (glibc 2.36 with _GNU_SOURCE, as g++ compiles: unistd, fcntl, sys/mman,
# sys/stat, signal, time, pthread, sys/socket, netdb, poll, dirent, dlfcn, ...), less families
# (pthread_*, atomic_*, posix_*, wcs*, locale _l, 64-bit and float/long double variants).
# A generated function with one of these names would not compile next to that header.
LIBC_NAMES = frozenset("""
DIR FILE Lmid_t a64l abort abs accept accept4 access acct acos acosh adjtime alarm alignas aligned_alloc alignof
alloca alphasort and and_eq arc4random arc4random_buf arc4random_uniform asctime asin asinh asprintf assert
assert_perror at_quick_exit atan atan2 atanh atexit atof atoi atol basename bcmp bcopy be16toh be32toh be64toh
bind bind_textdomain_codeset bindresvport bindresvport6 bindtextdomain bitand bitor blkcnt64_t blkcnt_t
blksize_t bool brk bsearch btowc bzero c16rtomb c32rtomb c8rtomb cabs cacos cacosh caddr_t call_once calloc
canonicalize canonicalize_file_name carg casin casinh catan catanh cbrt cc_t ccos ccosh ceil cexp cfgetispeed
cfgetospeed cfmakeraw cfsetispeed cfsetospeed cfsetspeed char16_t char32_t char8_t chdir chmod chown chroot
cimag clearenv clearerr clock clock_adjtime clock_getcpuclockid clock_getres clock_gettime clock_nanosleep
clock_settime clock_t clockid_t clog clog10 clone close close_range closedir closefrom closelog comparison_fn_t
compl complex confstr conj connect copy_file_range copysign cos cosh cpow cproj creal creat crypt csin csinh
csqrt ctan ctanh ctermid ctime cuserid d_fileno daddl daddr_t daemon daylight dcgettext dcngettext ddivl dev_t
dfmal dgettext difftime dirfd dirname div dladdr dladdr1 dlclose dlerror dli_fname dlinfo dlmopen dlopen
dls_name dls_size dlsym dlvsym dmull dngettext double_t dprintf drand48 drem dsqrtl dsubl dup dup2 dup3
duplocale dysize eaccess ecvt endgrent endhostent endnetent endnetgrent endprotoent endpwent endrpcent
endservent endusershell environ erand48 erf erfc errno error_t euidaccess execl execle execlp execv execve
execveat execvp execvpe exit exp exp10 exp2 explicit_bzero expm1 fabs faccessat fadd fallocate false fchdir
fchmod fchmodat fchown fchownat fclose fcloseall fcntl fcvt fd_mask fdatasync fdim fdiv fdopen fdopendir
fds_bits feclearexcept fedisableexcept feenableexcept fegetenv fegetexcept fegetexceptflag fegetmode fegetround
feholdexcept feof feraiseexcept ferror fesetenv fesetexcept fesetexceptflag fesetmode fesetround fetestexcept
fetestexceptflag feupdateenv fexcept_t fexecve fflush ffma ffs fgetc fgetgrent fgetpos fgetpwent fgets fgetwc
fgetws fileno finite float_t flockfile floor fma fmax fmaximum fmaximum_mag fmaximum_mag_num fmaximum_num
fmaxmag fmemopen fmin fminimum fminimum_mag fminimum_mag_num fminimum_num fminmag fmod fmul fnmatch fopen
fopencookie fork fpathconf fpclassify fpos64_t fpos_t fpregset_t fprintf fputc fputs fputwc fputws fread free
freeaddrinfo freelocale freopen frexp fromfp fromfpx fsblkcnt64_t fsblkcnt_t fscanf fseek fseeko fsetpos
fsfilcnt64_t fsfilcnt_t fsid_t fsqrt fstat fstatat fsub fsync ftell ftello ftruncate ftrylockfile funlockfile
futimens futimes futimesat fwide fwprintf fwrite fwscanf gai_cancel gai_error gai_strerror gai_suspend gamma
gcvt get_current_dir_name getaddrinfo getaddrinfo_a getc getchar getcpu getcwd getdate getdate_err getdelim
getdents64 getdirentries getdomainname getdtablesize getegid getentropy getenv geteuid getgid getgrent getgrgid
getgrnam getgrouplist getgroups gethostbyaddr gethostbyname gethostbyname2 gethostent gethostid gethostname
getipv4sourcefilter getitimer getline getloadavg getlogin getnameinfo getnetbyaddr getnetbyname getnetent
getnetgrent getopt getpagesize getpass getpayload getpeername getpgid getpgrp getpid getppid getpriority
getprotobyname getprotobynumber getprotoent getpt getpw getpwent getpwnam getpwuid getresgid getresuid getrlimit
getrpcbyname getrpcbynumber getrpcent getrusage getservbyname getservbyport getservent getsid getsockname
getsockopt getsourcefilter getsubopt gettext gettid gettimeofday getuid getumask getusershell getw getwc
getwchar getwd gid_t gl_pathc glob glob_pattern_p globfree gmtime grantpt greg_t gregs gregset_t group_member
gsignal h_addr h_errno herror hstrerror htobe16 htobe32 htobe64 htole16 htole32 htole64 htonl htons hypot id_t
idtype_t ilogb imaxabs imaxdiv in6addr_any in6addr_loopback in_addr_t in_port_t index inet_addr inet_aton
inet_lnaof inet_makeaddr inet_net_ntop inet_net_pton inet_neta inet_netof inet_network inet_nsap_addr
inet_nsap_ntoa inet_ntoa inet_ntop inet_pton initgroups initstate innetgr ino64_t ino_t int16_t int32_t int64_t
int8_t int_fast16_t int_fast32_t int_fast64_t int_fast8_t int_least16_t int_least32_t int_least64_t int_least8_t
intmax_t intptr_t ioctl iruserok iruserok_af isalnum isalpha isascii isatty isblank iscanonical iscntrl isctype
isdigit iseqsig isfdtype isfinite isgraph isgreater isgreaterequal isinf isless islessequal islessgreater
islower isnan isnormal isprint ispunct issignaling isspace issubnormal isunordered isupper iswalnum iswalpha
iswblank iswcntrl iswctype iswdigit iswgraph iswlower iswprint iswpunct iswspace iswupper iswxdigit isxdigit
iszero j0 j1 jmp_buf jn jrand48 key_t kill kill_dependency killpg l64a labs lchmod lchown lcong48 ldexp ldiv
le16toh le32toh le64toh lgamma link linkat listen llabs lldiv llogb llrint llround locale_t localeconv localtime
lockf loff_t log log10 log1p log2 logb longjmp lrand48 lrint lround lseek lstat lutimes madvise main malloc
math_errhandling mblen mbrlen mbrtoc16 mbrtoc32 mbrtoc8 mbrtowc mbsinit mbsnrtowcs mbsrtowcs mbstate_t mbstowcs
mbtowc memccpy memchr memcmp memcpy memfd_create memfrob memmem memmove memory_order mempcpy memrchr memset
mincore mkdir mkdirat mkdtemp mkfifo mkfifoat mknod mknodat mkostemp mkostemps mkstemp mkstemps mktemp mktime
mlock mlock2 mlockall mmap mode_t modf mprotect mrand48 mremap msync munlock munlockall munmap name_to_handle_at
nan nanosleep nearbyint newlocale nextafter nextdown nexttoward nextup nfds_t ngettext nice nlink_t noreturn not
not_eq nrand48 ntohl ntohs obstack_printf obstack_vprintf off64_t off_t offsetof on_exit once_flag open
open_by_handle_at open_memstream open_wmemstream openat opendir openlog optarg opterr optind optopt or or_eq
pathconf pause pclose perror pid_t pipe pipe2 pkey_alloc pkey_free pkey_get pkey_mprotect pkey_set poll popen
pow ppoll pread preadv preadv2 preadv64v2 printf prlimit process_madvise process_mrelease process_vm_readv
process_vm_writev profil program_invocation_name program_invocation_short_name pselect psiginfo psignal
ptrdiff_t ptsname putc putchar putenv putgrent putpwent puts putw putwc putwchar pwrite pwritev pwritev2
pwritev64v2 qecvt qfcvt qgcvt qsort quad_t quick_exit quot raise rand random rawmemchr rcmd rcmd_af read
readahead readdir readlink readlinkat readv realloc reallocarray realpath recv recvfrom recvmmsg recvmsg
remainder remap_file_pages remove remquo rename renameat renameat2 revoke rewind rewinddir rexec rexec_af rindex
rint rlim64_t rlim_t rmdir round roundeven rpmatch rresvport rresvport_af ruserok ruserok_af s6_addr s6_addr16
s6_addr32 sa_family_t sa_handler sa_sigaction sbrk scalb scalbln scalbn scandir scandirat scanf secure_getenv
seed48 seekdir select send sendmmsg sendmsg sendto setbuf setbuffer setdomainname setegid setenv seteuid setgid
setgrent setgroups sethostent sethostid sethostname setipv4sourcefilter setitimer setjmp setlinebuf setlocale
setlogin setlogmask setnetent setnetgrent setns setpayload setpayloadsig setpgid setpgrp setpriority setprotoent
setpwent setregid setresgid setresuid setreuid setrlimit setrpcent setservent setsid setsockopt setsourcefilter
setstate settimeofday setuid setusershell setvbuf shm_open shm_unlink shutdown si_addr si_addr_lsb si_arch
si_band si_call_addr si_fd si_int si_lower si_overrun si_pid si_pkey si_ptr si_signo si_status si_stime
si_syscall si_timerid si_uid si_upper si_utime si_value sig_atomic_t sig_t sigabbrev_np sigaction sigaddset
sigaltstack sigandset sigblock sigdelset sigdescr_np sigemptyset sigev_notify_attributes sigev_notify_function
sigev_value sigfillset siggetmask sighandler_t sighold sigignore siginterrupt sigisemptyset sigismember
sigjmp_buf siglongjmp sigmask signal signbit signgam significand sigorset sigpause sigpending sigprocmask
sigqueue sigrelse sigreturn sigset sigset_t sigsetjmp sigsetmask sigstack sigsuspend sigtimedwait sigval_t
sigwait sigwaitinfo sin sincos sinh size_t sleep snprintf sockatmark socket socketpair socklen_t speed_t splice
sprintf sqrt srand srand48 srandom ss_sp sscanf ssignal ssize_t st_atime st_ctime st_mtime stat static_assert
statx stderr stdin stdout stpcpy stpncpy strcasecmp strcasestr strcat strchr strchrnul strcmp strcoll strcpy
strcspn strdup strdupa strerror strerrordesc_np strerrorname_np strfromd strfromf strfromf128 strfromf32
strfromf32x strfromf64x strfroml strfry strftime strlen strncasecmp strncat strncmp strncpy strndup strndupa
strnlen strpbrk strptime strrchr strsep strsignal strspn strstr strtod strtof strtof128 strtof32 strtof32x
strtof64x strtoimax strtok strtol strtold strtoq strtoul strtoumax strtouq strverscmp strxfrm suseconds_t swab
swprintf swscanf symlink symlinkat sync sync_file_range syncfs syscall sysconf syslog system sysv_signal tan
tanh tcdrain tcflag_t tcflow tcflush tcgetattr tcgetpgrp tcgetsid tcsendbreak tcsetattr tcsetpgrp tee telldir
tempnam textdomain tgamma tgkill thread_local time time_t timegm timelocal timer_create timer_delete
timer_getoverrun timer_gettime timer_settime timer_t timeradd timerclear timercmp timerisset timersub
timespec_get timespec_getres timezone tmpfile tmpnam toascii tolower totalorder totalordermag toupper towctrans
towlower towupper true trunc truncate ttyname ttyslot tzname tzset u_char u_int u_int16_t u_int32_t u_int64_t
u_int8_t u_long u_quad_t u_short ualarm uc_flags ufromfp ufromfpx uid_t uint uint16_t uint32_t uint64_t uint8_t
uint_fast16_t uint_fast32_t uint_fast64_t uint_fast8_t uint_least16_t uint_least32_t uint_least64_t
uint_least8_t uintmax_t uintptr_t ulong umask uname ungetc ungetwc unlink unlinkat unlockpt unsetenv unshare
useconds_t uselocale ushort usleep utimensat utimes va_arg va_copy va_end va_list va_start val valloc vasprintf
vdprintf versionsort vfork vfprintf vfscanf vfwprintf vfwscanf vhangup vmsplice vprintf vscanf vsnprintf
vsprintf vsscanf vswprintf vswscanf vsyslog vwprintf vwscanf wait wait3 wait4 waitid waitpid wchar_t wcpcpy
wcpncpy wcrtomb wctob wctomb wctrans wctrans_t wctype wctype_t wcwidth wint_t wprintf write writev wscanf xor
xor_eq y0 y1 yn
""".split())

# Families of the above, left out of the list: a prefix, or a suffix on a listed name.
LIBC_PREFIXES = ("pthread_", "sched_", "posix_", "atomic_", "mtx_", "cnd_", "thrd_", "tss_", "sem_", "wcs", "wmem",
                 "inet6_")
LIBC_SUFFIXES = ("f", "l", "_l", "64", "_r", "_unlocked", "f32", "f64", "f128", "f32x", "f64x", "f128x")

# Types and object-like lowercase macros of the same headers: a parameter so named would not
# compile (a parameter may shadow a function name, so those are not here).
PARAM_RESERVED = frozenset("""
DIR FILE Lmid_t alignas alignof and and_eq atomic_bool atomic_char atomic_char16_t atomic_char32_t atomic_int
atomic_int_fast16_t atomic_int_fast32_t atomic_int_fast64_t atomic_int_fast8_t atomic_int_least16_t
atomic_int_least32_t atomic_int_least64_t atomic_int_least8_t atomic_intmax_t atomic_intptr_t atomic_llong
atomic_long atomic_ptrdiff_t atomic_schar atomic_short atomic_size_t atomic_uchar atomic_uint
atomic_uint_fast16_t atomic_uint_fast32_t atomic_uint_fast64_t atomic_uint_fast8_t atomic_uint_least16_t
atomic_uint_least32_t atomic_uint_least64_t atomic_uint_least8_t atomic_uintmax_t atomic_uintptr_t atomic_ullong
atomic_ulong atomic_ushort atomic_wchar_t basename bitand bitor blkcnt64_t blkcnt_t blksize_t bool caddr_t cc_t
char16_t char32_t char8_t clock_t clockid_t comparison_fn_t compl complex d_fileno daddr_t dev_t double_t errno
error_t false fd_mask fexcept_t float_t fpos64_t fpos_t fpregset_t fsblkcnt64_t fsblkcnt_t fsfilcnt64_t
fsfilcnt_t fsid_t gid_t greg_t gregset_t h_addr h_errno id_t idtype_t in_addr_t in_port_t ino64_t ino_t int16_t
int32_t int64_t int8_t int_fast16_t int_fast32_t int_fast64_t int_fast8_t int_least16_t int_least32_t
int_least64_t int_least8_t intmax_t intptr_t jmp_buf key_t locale_t loff_t math_errhandling mbstate_t
memory_order mode_t nfds_t nlink_t noreturn not not_eq off64_t off_t once_flag or or_eq pid_t pthread_attr_t
pthread_key_t pthread_once_t pthread_spinlock_t pthread_t ptrdiff_t quad_t rlim64_t rlim_t s6_addr s6_addr16
s6_addr32 sa_family_t sa_handler sa_sigaction sched_priority si_addr si_addr_lsb si_arch si_band si_call_addr
si_fd si_int si_lower si_overrun si_pid si_pkey si_ptr si_status si_stime si_syscall si_timerid si_uid si_upper
si_utime si_value sig_atomic_t sig_t sigev_notify_attributes sigev_notify_function sighandler_t sigjmp_buf
sigset_t sigval_t size_t socklen_t speed_t ssize_t st_atime st_ctime st_mtime static_assert stderr stdin stdout
suseconds_t tcflag_t thrd_start_t thrd_t thread_local time_t timer_t true tss_dtor_t tss_t u_char u_int
u_int16_t u_int32_t u_int64_t u_int8_t u_long u_quad_t u_short uid_t uint uint16_t uint32_t uint64_t uint8_t
uint_fast16_t uint_fast32_t uint_fast64_t uint_fast8_t uint_least16_t uint_least32_t uint_least64_t
uint_least8_t uintmax_t uintptr_t ulong useconds_t ushort va_list wchar_t wctrans_t wctype_t wint_t xor xor_eq
""".split())


# --- the native `metropipe proxy` -------------------------------------------------------

PROXY_TEMPLATE = "proxy.c.j2"


def proxy_source() -> str:
    """The C source of the native ``metropipe proxy`` (metropipe/proxy.py builds and caches it): the
    runtime every C stub includes, plus a ``main`` with the Python command's options, streams, exit
    statuses and messages."""
    from metropipe import __version__, proxy

    numbers = {name: getattr(proxy, name) for name in dir(proxy) if name.startswith("EXIT_")}
    return render(__file__, PROXY_TEMPLATE, header=f"Generated by metropipe {__version__}: the native metropipe proxy.",
                  k=_constants(), p={**numbers, "MAX_CAPACITY": proxy.MAX_CAPACITY})
