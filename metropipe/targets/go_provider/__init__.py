"""The Go provider: a ``main`` package that calls the user's real Go function and serves its channel.

Files (namespace mode; flat mode uses ``metropipe/<fn>_provider/``, unify ``metropipe_provider/``)::

    metropipe/<fn>/provider/go.mod                      module metropipe.local/provider (keeps the folder a
                                                        module of its own, out of the user's module)
    metropipe/<fn>/provider/provider.go                 package main: the Go client's runtime (rendered from
                                                        metropipe/targets/go/templates/runtime.go.j2) plus the
                                                        provider's side of the protocol (spec/wire.md 6.3)
    metropipe/<fn>/provider/overlay.json                what ``go build -overlay`` adds to the build (below)
    metropipe/<fn>/provider/user0/metropipe_export.go   package <yours>: exported wrappers of your functions

The provider reaches the user's functions through a generated file of their package that wraps
each function in an exported ``MetropipeCall_<fn>`` (so an unexported function, ``every``, is
served as well as an exported one, ``Every``), converting Go's ``int``/``rune``/``[]uint8`` to and
from the wire's types. Nothing is written to the user's folders: ``go build -overlay`` adds the
file to the build. What is compiled depends on where the source is (the parser records the
module, ``native`` ``module`` and ``module_root``):

- In a Go module (a ``go.mod`` found walking up from the source's folder), the provider is built
  inside that module, from its root (``go -C <module root> build``): overlay.json adds the wrapper
  to the package's real folder (as ``metropipe_export_user0.go``) and puts provider.go in a folder
  that exists only in the overlay, ``<package folder>/zz_metropipe_provider`` (below the package,
  so it may import a package under ``internal/``), which imports the package by its import path.
  So the user's whole package is compiled (every file its build constraints select, not the
  ``_test.go`` files), with the packages it imports (internal ones, other modules) resolved by
  the user's go.mod/go.sum, replace directives, vendor folder and module cache, exactly as
  ``go build`` of their own code (GOFLAGS, GOWORK and the like apply). The paths in overlay.json
  are relative to the module root. The generated folder's own go.mod keeps it out of the user's
  module (``go build ./...`` there never sees provider.go). A unified provider builds the
  functions of one module.
- Outside a module, the user's file is compiled alone: the overlay puts it into the package
  ``user0`` of the generated module, beside the wrapper. It must be self-contained (other files
  of its folder, and imports other than the standard library, are not part of the build).

A function of a ``main`` package cannot be served (a command cannot be imported), nor one in a
``_test.go`` file (go build does not compile it): both are diagnostics. A signature that changed
since the export no longer compiles.

Errors: a last ``error`` result (native ``errors: go-error``) answers a non-nil error as
APPLICATION with ``err.Error()``; a panic is recovered and answered as APPLICATION
``panic: <value>`` (the provider keeps serving).

Build and start (one line, printed by ``export``)::

    go build -overlay metropipe/add/provider/overlay.json -o metropipe/add/provider/provider \\
        ./calc/zz_metropipe_provider && metropipe/add/provider/provider          (in a module)
    go -C metropipe/add/provider build -overlay overlay.json -o provider . && metropipe/add/provider/provider
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass

from metropipe import layout
from metropipe.errors import fail
from metropipe.model import Function, WireType
from metropipe.render import render
from metropipe.targets import go as go_client

EXT = ".go"
UNIFIED = "metropipe_provider/provider.go"
MODULE = "metropipe.local/provider"
GO_VERSION = "1.21"
MAIN_DIR = "zz_metropipe_provider"  # in a module: the main package's virtual folder, below the package's

WIRE_GO = {
    WireType.INT32: "int32",
    WireType.INT64: "int64",
    WireType.FLOAT: "float32",
    WireType.DOUBLE: "float64",
    WireType.BOOL: "bool",
    WireType.STRING: "string",
    WireType.BYTES: "[]byte",
}
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
NATIVE_TYPE = re.compile(r"[A-Za-z0-9_\[\]]+\Z")


@dataclass(frozen=True)
class Arg:
    var: str
    name: str
    type: str  # wire type
    go: str  # wire Go type
    native: str  # the parameter's type as written
    offset: int


@dataclass(frozen=True)
class Handler:
    name: str
    wrapper: str  # the exported wrapper in the user's package
    package: str  # the import name of that package in the main package (user0...)
    fallible: bool
    args: tuple[Arg, ...]
    result: str  # wire type or "void"
    result_go: str
    result_native: str
    result_size: int
    signature: str
    fingerprint: str
    capacity: int
    channel: str
    source: str


@dataclass(frozen=True)
class Module:
    """The Go module holding the user's sources: the build runs inside it."""

    path: str  # the module path (example.com/shop)
    root: str  # its folder, relative to the output root


@dataclass(frozen=True)
class Source:
    folder: str  # user0...: where the generated metropipe_export.go of this source file is written
    package: str  # the package clause of the user's file
    alias: str  # the import name of its package in the main package (user<i> of the package's first file)
    import_path: str  # what the main package imports
    file: str  # outside a module: the user's file in the virtual package; in one: the wrapper's name in the package
    path: str  # outside a module: the user's file relative to the generated folder; in one: the package's
    #            folder relative to the module root
    in_module: bool
    handlers: tuple[Handler, ...]


@dataclass(frozen=True)
class Plan:
    """How a Go build reaches the user's functions (shared by the provider and the Go c-linker)."""

    module: Module | None  # None: self-contained source files, each a virtual package of the generated module
    sources: tuple[Source, ...]
    handlers: tuple[Handler, ...]  # in the functions' order
    imports: tuple[tuple[str, str], ...]  # (import name, import path), one per package
    mains: tuple[str, ...]  # in a module: the main package's virtual folders (relative to the module root),
    #                         one below each package's folder (so that it may import an internal package)

    def overlay(self, here: str, main_files: dict[str, str], in_place: bool = False) -> dict[str, str]:
        """``go build -overlay``'s Replace: ``main_files`` (name -> path relative to the output root) become
        the main package's files and the wrappers join the user's packages; the paths are relative to the
        folder go runs in: ``here`` (the generated module) outside a module, the module root inside one.

        ``in_place`` (in a module): go runs in ``here``, which becomes a folder of the user's module (its
        go.mod is hidden) holding the main package (cgo needs the package's folder to exist)."""
        out: dict[str, str] = {}
        if self.module is not None and in_place:
            out["go.mod"] = ""
            for s in self.sources:
                out[posixpath.relpath(posixpath.join(self.module.root, s.path, s.file), here)] = \
                    f"{s.folder}/metropipe_export.go"
        if self.module is None or in_place:
            for s in self.sources if self.module is None else ():
                out[f"{s.folder}/{s.file}"] = s.path
            for name, path in main_files.items():
                if posixpath.normpath(path) != posixpath.join(here, name):
                    out[name] = posixpath.relpath(path, here)
            return out
        root = self.module.root
        for s in self.sources:
            out[posixpath.normpath(posixpath.join(s.path, s.file))] = posixpath.relpath(
                posixpath.join(here, s.folder, "metropipe_export.go"), root)
        for main in self.mains:
            for name, path in main_files.items():
                out[f"{main}/{name}"] = posixpath.relpath(path, root)
        return out


def folder(mode: str, fn: Function) -> str:
    if mode == "namespace":
        return f"metropipe/{fn.name}/provider"
    if mode == "flat":
        return f"metropipe/{fn.name}_provider"
    return posixpath.dirname(UNIFIED)


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    if record is not None and "\n" in record:
        raise ValueError("the unified record must be one line")
    here = folder(mode, functions[0])
    for fn in functions:
        _check(fn)
    plan = make_plan(functions, here, MAIN_DIR)
    k = go_client._constants()
    why = ("standard library only" if plan.module is None else
           f"only keeps this folder out of the module {plan.module.path}, inside which provider.go is built")
    out = {
        f"{here}/go.mod": f"// {go_client.comment_text(header)}\n// {why}\n\nmodule {MODULE}\n\ngo {GO_VERSION}\n",
        f"{here}/overlay.json": json.dumps({"Replace": plan.overlay(here, {"provider.go": f"{here}/provider.go"})},
                                           indent=2, sort_keys=True) + "\n",
        f"{here}/provider.go": render(
            __file__, "provider.go.j2", header=go_client.comment_text(header), record=record,
            build=go_client.BUILD, handlers=plan.handlers, plan=plan,
            imports=sorted({*go_client.IMPORTS, "os/signal"}),
            command=_command(here, *_where(functions[0], plan.module)), k=k,
            runtime=render(go_client.__file__, "runtime.go.j2", k=k),
            e={"APPLICATION": layout.E_APPLICATION, "LAYOUT_MISMATCH": layout.E_LAYOUT_MISMATCH,
               "BAD_REQUEST": layout.E_BAD_REQUEST, "BAD_RESULT": layout.E_BAD_RESULT,
               "PROVIDER_RESTARTED": layout.E_PROVIDER_RESTARTED},
        ),
    }
    for s in plan.sources:
        out[f"{here}/{s.folder}/metropipe_export.go"] = render(
            __file__, "export.go.j2", header=go_client.comment_text(header), source=s)
    return out


def module_of(fn: Function) -> Module | None:
    """The Go module holding ``fn``'s source (the parser records it), its root relative to the output root."""
    if "module" not in fn.native:
        return None
    return Module(fn.native["module"], posixpath.normpath(
        posixpath.join(posixpath.dirname(fn.source or ""), fn.native.get("module_root", "."))))


def package_dir(fn: Function, module: Module) -> str:
    """``fn``'s package folder relative to its module root."""
    return posixpath.relpath(posixpath.dirname(posixpath.normpath(fn.source or "")) or ".", module.root)


def main_dir(package: str, name: str) -> str:
    return posixpath.normpath(posixpath.join(package, name))


def make_plan(functions: list[Function], here: str, main_name: str, generated: str = MODULE) -> Plan:
    """The packages (virtual ones outside a module), the handlers and the main package's folders, for the
    generated folder ``here`` (relative to the output root; ``generated`` is its module's path). Also used by
    c-linker for Go sources."""
    modules = [module_of(fn) for fn in functions]
    module = modules[0]
    for fn, m in zip(functions, modules, strict=True):
        if m != module:
            def shown(x: Module | None) -> str:
                return "in no Go module" if x is None else f"in the module {x.path} ({x.root}/go.mod)"

            raise fail(f"'{fn.name}' is {shown(m)} but '{functions[0].name}' is {shown(module)}: one Go build "
                       "holds the functions of one module; use the namespace mode for the others",
                       next((f.location for f in (fn, *functions) if f.location), None))

    def rel_of(fn: Function) -> str:
        return posixpath.relpath(fn.source or "", here)

    rels = list(dict.fromkeys(rel_of(fn) for fn in functions))
    folders = {rel: f"user{i}" for i, rel in enumerate(rels)}
    first = {rel: next(fn for fn in functions if rel_of(fn) == rel) for rel in rels}

    def key(fn: Function) -> str:  # what one import stands for: a package's folder in a module, else a file
        return package_dir(fn, module) if module else rel_of(fn)

    alias: dict[str, str] = {}
    for rel in rels:
        alias.setdefault(key(first[rel]), folders[rel])
    handlers: dict[str, list[Handler]] = {rel: [] for rel in rels}
    ordered = []
    for fn in functions:
        h = _handler(fn, alias[key(fn)], rel_of(fn))
        handlers[rel_of(fn)].append(h)
        ordered.append(h)
    sources = []
    imports: dict[str, str] = {}
    for rel in rels:
        fn = first[rel]
        if module is None:
            base = posixpath.basename(rel)
            file = base if base != "metropipe_export.go" else "source_" + base
            path, import_path = rel, f"{generated}/{folders[rel]}"
        else:
            path = package_dir(fn, module)
            file = f"metropipe_export_{folders[rel]}.go"
            import_path = module.path if path == "." else f"{module.path}/{path}"
        sources.append(Source(folders[rel], fn.native.get("package", ""), alias[key(fn)], import_path, file, path,
                              module is not None, tuple(handlers[rel])))
        imports.setdefault(alias[key(fn)], import_path)
    mains = tuple(dict.fromkeys(main_dir(s.path, main_name) for s in sources)) if module else ()
    ordered_imports = tuple(sorted(imports.items(), key=lambda i: (i[1], i[0])))  # gofmt's order
    return Plan(module, tuple(sources), tuple(ordered), ordered_imports, mains)


def start_command(fn: Function, mode: str, out: str) -> str:
    here = folder(mode, fn)
    out = "." if out in ("", ".") else out
    return _command(posixpath.normpath(posixpath.join(out, here)), *_where(fn, module_of(fn), out))


def _where(fn: Function, module: Module | None, out: str = ".") -> tuple[str | None, str | None]:
    """The module root (joined to ``out``), and the folder of the main package building ``fn``'s provider."""
    if module is None:
        return None, None
    return posixpath.normpath(posixpath.join(out, module.root)), main_dir(package_dir(fn, module), MAIN_DIR)


def _command(here: str, root: str | None = None, main: str | None = None) -> str:
    binary = posixpath.join(here, "provider")
    run = binary if "/" in binary else f"./{binary}"
    if root is None or main is None:
        return f"go -C {shlex.quote(here)} build -overlay overlay.json -o provider . && {shlex.quote(run)}"
    overlay = posixpath.relpath(posixpath.join(here, "overlay.json"), root)
    built = posixpath.relpath(binary, root)
    chdir = "" if root == "." else f"-C {shlex.quote(root)} "
    return (f"go {chdir}build -overlay {shlex.quote(overlay)} -o {shlex.quote(built)} {shlex.quote('./' + main)} "
            f"&& {shlex.quote(run)}")


def _check(fn: Function) -> None:
    if fn.raw or fn.language != "go" or not fn.source:
        raise ValueError(f"the Go provider serves functions read from Go sources, not {fn.name}")
    package = fn.native.get("package", "")
    if not IDENT.match(package) or package == "main":
        raise fail(f"Go provider: '{fn.name}' is in package '{package}'; the provider imports the function's "
                   "package, and a main package cannot be imported: move it to a package of its own", fn.location)
    if (fn.source or "").endswith("_test.go"):
        raise fail(f"Go provider: '{fn.name}' is in a test file, which go build does not compile: move it to a "
                   "file of its package that does not end in _test.go", fn.location)
    for p in fn.params:
        if not NATIVE_TYPE.match(p.native.get("type", "x")):
            raise fail(f"Go provider: cannot pass parameter '{p.name}' of type '{p.native.get('type')}'",
                       p.location or fn.location)


def _handler(fn: Function, package: str, source: str) -> Handler:
    lay = layout.compute(fn)
    args = []
    for i, (p, slot) in enumerate(zip(fn.params, lay.params, strict=True)):
        go = WIRE_GO[p.type]
        args.append(Arg(f"arg{i}", p.name, p.type.value, go, p.native.get("type", go), slot.offset))
    result = lay.result
    go_result = WIRE_GO[result.type] if result else ""
    return Handler(
        name=fn.name,
        wrapper=f"MetropipeCall_{fn.name}",
        package=package,
        fallible=fn.native.get("errors") == "go-error",
        args=tuple(args),
        result=result.type.value if result else "void",
        result_go=go_result,
        result_native=fn.native.get("ok", go_result) or go_result,
        result_size=result.size if result else 0,
        signature=lay.signature,
        fingerprint=lay.fingerprint_hex,
        capacity=lay.capacity,
        channel=fn.channel_name,
        source=source,
    )
