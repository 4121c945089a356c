"""The ``metropipe`` command line: parse arguments, run a command, map errors to exit codes.

Exit codes: 0 ok, 1 a user's error (diagnostics printed as ``path:line:col: error:
message``), 2 usage, 3 an internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence

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
    e.add_argument("source", nargs="?", help="the file that defines FUNCTION (.py)")
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
    e.set_defaults(mode="namespace")
    return p


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
    result = export.export(args.function, args.source, keys, args.out, args.mode, args.channel)
    if args.source is None and not args.quiet:
        print(f"metropipe: note: no source file: generated raw-bytes stubs for '{args.function}' "
              "(call(bytes) -> bytes) and a provider skeleton to fill in", file=sys.stderr)
    if not args.quiet:
        for o in result.outputs:
            state = "kept (yours to edit)" if o.kept else ("wrote" if o.written else "unchanged")
            print(f"{state:>9}  {o.path}")
        if result.start_command:
            print(f"start the provider with: {result.start_command}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from metropipe.errors import UserError

    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.command == "export":
            return _export(args)
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
