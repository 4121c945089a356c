"""The ``metropipe`` command line: parse arguments, run a command, map errors to exit codes.

Exit codes: 0 ok, 1 a user's error (diagnostics printed as ``path:line:col: error:
message``), 2 usage, 3 an internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from typing import Any

from metropipe import __version__

# Every target the product names; the ones not yet built say so clearly.
ALL_TARGETS = ("c", "c-direct", "c-linker", "python", "go", "rust", "java", "csharp", "js", "ruby", "bash")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="metropipe",
        description="Generate the code to call a function in another process or language on the same machine.",
    )
    p.add_argument("--version", action="version", version=f"metropipe {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    e = sub.add_parser("export", help="read a function's signature and generate stubs and a provider",
                       description="Read FUNCTION's signature from SOURCE and generate client stubs for each "
                                   "--target plus a provider in SOURCE's language. Without SOURCE, generate "
                                   "raw-bytes stubs and a provider skeleton.")
    e.add_argument("function")
    e.add_argument("source", nargs="?", help="the file that defines FUNCTION (.py .rs .go .c .h .js .mjs .ts "
                                                ".rb .java .cs; another kind gives raw-bytes stubs)")
    e.add_argument("--target", "-t", nargs="+", required=True, metavar="LANG",
                   help=f"one or more of: {', '.join(ALL_TARGETS)}")
    e.add_argument("--out", "-o", default=".", metavar="DIR",
                   help="write under DIR instead of the current directory")
    modes = e.add_mutually_exclusive_group()
    modes.add_argument("--namespace", dest="mode", action="store_const", const="namespace",
                       help="metropipe/<function>/stub.<ext> (default)")
    modes.add_argument("--flat", dest="mode", action="store_const", const="flat",
                       help="metropipe/<function>.<ext>")
    modes.add_argument("--unify", dest="mode", action="store_const", const="unify",
                       help="one file per language holding every exported function")
    e.add_argument("--channel", metavar="NAME", help="channel name (default: the function's name)")
    e.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    e.add_argument("--depfile", metavar="FILE", help="also write a Make-syntax depfile: the files written depend on "
                                                     "the source, the files its parser read and metropipe itself")
    e.add_argument("--stamp", metavar="FILE", help="touch FILE after a successful export; with --depfile, FILE is "
                                                   "its only target (for make, which cannot restat)")
    e.add_argument("--list", action="store_true", help="print the files the export writes, one a line, and write "
                                                       "nothing")
    e.set_defaults(mode="namespace")
    x = sub.add_parser("proxy", help="one call over a channel: request payload on stdin, response payload on stdout",
                       description="Post the request payload read from stdin on CHANNEL and write the response "
                                   "payload to stdout (binary-safe), for languages that cannot map a file (the "
                                   "bash stub uses it). Without --fingerprint the channel is raw. Exit status: 0 "
                                   "ok, 1 the function raised, 2 bad usage or argument (nothing sent), 4 layout "
                                   "mismatch, 5 bad request, 6 bad result, 7 the provider died, 8 channel file "
                                   "refused, 9 bad response, 124 timeout; the message goes to stderr. The bash "
                                   "stubs run the native proxy (--native-path), which behaves the same.")
    x.add_argument("channel", nargs="?")
    x.add_argument("--fingerprint", metavar="HEX", help="the caller's layout fingerprint (default: raw channel)")
    x.add_argument("--capacity", metavar="N", help="payload bytes the layout needs (default 4096)")
    x.add_argument("--timeout", metavar="S", help="seconds to wait (default $METROPIPE_TIMEOUT, else 5)")
    x.add_argument("--signature", metavar="SIG",
                   help="the canonical signature the request was laid out for (named in a layout mismatch)")
    x.add_argument("--native-path", action="store_true",
                   help="print the path of the native proxy (same options and exit statuses, no Python start-up), "
                        "building it with the C compiler on first use; print nothing when it cannot be built")
    x.set_defaults(proxy_parser=x)
    _add_build_commands(sub)
    p.add_argument("--make-include", action="store_true", help="print the path of metropipe.mk (for a Makefile's "
                   "include) and exit")
    p.add_argument("--cmake-dir", action="store_true", help="print the folder of metropipeConfig.cmake (for "
                   "-Dmetropipe_ROOT=...) and exit")
    return p


def _add_build_commands(sub: Any) -> None:
    """``build``, ``check``, ``outputs`` and ``clean``: each takes -C DIR and --manifest FILE."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-C", dest="directory", metavar="DIR", help="run in DIR (before anything else, like make -C)")
    common.add_argument("--manifest", "-m", default="metropipe.toml", metavar="FILE",
                        help="the manifest (default: metropipe.toml)")
    b = sub.add_parser("build", parents=[common], help="generate every export of metropipe.toml, incrementally",
                       description="Generate every export of the manifest and build its c-linker libraries, "
                                   "rewriting only what changed.")
    b.add_argument("--jobs", "-j", type=int, metavar="N", help="library builds to run at once (default: CPUs)")
    b.add_argument("--depfile", metavar="FILE", help="write a Make-syntax depfile: the outputs depend on every input")
    b.add_argument("--stamp", metavar="FILE", help="make FILE newer than every input and output after a successful "
                                                   "build; with --depfile, FILE is its only target")
    b.add_argument("--no-libraries", dest="libraries", action="store_false",
                   help="generate only: leave c-linker libraries to the build system (CMake)")
    b.add_argument("--verbose", "-v", action="store_true", help="say why each export is regenerated")
    b.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    c = sub.add_parser("check", parents=[common], help="exit 1 if any generated file is missing, outdated, orphaned "
                                                       "or untracked; write nothing",
                       description="Write nothing; exit 0 when every output is fresh, 1 listing each missing, "
                                   "outdated, orphaned or (inside a git work tree) untracked file.")
    c.add_argument("--no-git", dest="git", action="store_false", help="do not ask git which outputs are untracked")
    c.add_argument("--verbose", "-v", action="store_true", help="say why")
    c.add_argument("--quiet", "-q", action="store_true", help="print nothing when everything is fresh")
    o = sub.add_parser("outputs", parents=[common], help="print the files the manifest produces, generating nothing",
                       description="Print every file the manifest produces, one a line, relative to the current "
                                   "directory: from the manifest alone, so build systems can declare them.")
    o.add_argument("--no-libraries", dest="libraries", action="store_false", help="leave out c-linker libraries")
    o.add_argument("--json", action="store_true",
                   help="print a JSON list instead: each file's path, kind, target, functions and source language")
    o.add_argument("--read-sources", action="store_true",
                   help="also read every signature, reporting a missing function or an unsupported type now")
    k = sub.add_parser("clean", parents=[common], help="remove what metropipe build generated, nothing else")
    k.add_argument("--verbose", "-v", action="store_true", help="name each file removed")
    k.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def _export(args: argparse.Namespace) -> int:
    from metropipe import export, targets
    from metropipe.errors import fail

    # A key in targets.TARGETS whose package is not there (yet) is not available.
    available = sorted(k for k in targets.TARGETS
                       if importlib.util.find_spec(f"metropipe.targets.{targets.TARGETS[k]}") is not None)
    keys: list[str] = []
    for t in args.target:
        for key in t.split(","):
            key = key.strip().lower()
            if not key:
                continue
            if key not in ALL_TARGETS:
                raise fail(f"unknown target '{key}'; valid targets: {', '.join(ALL_TARGETS)}")
            if key not in available:
                raise fail(f"target '{key}' is not available in metropipe {__version__} yet; "
                           f"available now: {', '.join(available)}")
            if key not in keys:
                keys.append(key)
    result = export.export(args.function, args.source, keys, args.out, args.mode, args.channel, dry_run=args.list)
    if args.list:
        for o in result.outputs:
            print(o.path)
        return 0
    if args.depfile:
        from metropipe import depfile

        depfile.write(args.depfile, [args.stamp] if args.stamp else [str(o.path) for o in result.outputs],
                      depfile.inputs_of(args.source))
    if args.stamp:
        from pathlib import Path

        Path(args.stamp).parent.mkdir(parents=True, exist_ok=True)
        Path(args.stamp).touch()
    if args.source is None and not args.quiet:
        print(f"metropipe: note: no source file: generated raw-bytes stubs for '{args.function}' "
              "(call(bytes) -> bytes) and a provider skeleton to fill in", file=sys.stderr)
    if not args.quiet:
        for note in result.notes:
            print(f"metropipe: note: {note}", file=sys.stderr)
        for o in result.outputs:
            state = "kept (yours to edit)" if o.kept else ("wrote" if o.written else "unchanged")
            print(f"{state:>9}  {o.path}")
        if result.start_command:
            print(f"start the provider with: {result.start_command}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None and not (args.make_include or args.cmake_dir):
        parser.print_help(sys.stderr)
        return 2
    if args.command == "proxy":
        # Lean: a shell script pays this start-up on every call, so nothing of the generator loads.
        from metropipe import proxy

        if args.native_path:
            return proxy.run_native_path()
        if args.channel is None:
            args.proxy_parser.error("the following arguments are required: channel")
        return proxy.run(args.channel, args.fingerprint, args.capacity, args.timeout, args.signature)

    from metropipe.errors import UserError

    try:
        if args.make_include:
            from metropipe import build

            print(build.make_include())
            return 0
        if args.cmake_dir:
            from metropipe import depfile

            print(depfile.cmake_dir())
            return 0
        if args.command == "export":
            return _export(args)
        if args.command in ("build", "check", "outputs", "clean"):
            from metropipe import build

            return build.run(args)
        return 2
    except UserError as e:
        for d in e.diagnostics:
            print(d, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except OSError as e:
        if e.filename is None:
            return _internal_error(e)
        # the file system refused: an output folder that is a file, no permission, a full disk
        print(f"metropipe: error: {e.strerror}: '{e.filename}'", file=sys.stderr)
        return 1
    except Exception as e:
        return _internal_error(e)


def _internal_error(e: Exception) -> int:
    """A bug in metropipe: show the traceback and ask for a report (call inside ``except``)."""
    import traceback

    traceback.print_exc()
    print(f"metropipe {__version__}: internal error: {type(e).__name__}: {e}\n"
          "please report it with the command you ran", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
