"""``metropipe proxy``: one call over a channel as a filter, for languages that cannot map a file.

    metropipe proxy CHANNEL [--fingerprint HEX] [--capacity N] [--timeout S] [--signature SIG] < request > response
    metropipe proxy --native-path

The request payload (spec/wire.md section 3, already laid out by the caller, e.g. the
generated ``stub.sh``) is read from stdin, posted on CHANNEL with the spec's call
protocol (section 6.2: lock, post, spin-then-futex wait, deadline, retract), and the
response payload (``size`` bytes from payload offset 0) is written to stdout. Binary-safe
both ways. Without ``--fingerprint`` the channel is a raw one: the fingerprint of
``CHANNEL(raw)->raw`` and a capacity of 4096.

Exit status (stable: stub.sh and scripts rely on it); the message is one line on stderr,
``metropipe proxy: <KIND>: <message>``:

    0    ok: the response payload is on stdout
    1    APPLICATION          the function raised in the provider ("<Type>: <message>")
    2    ARGUMENT / usage     a bad option, a request larger than the capacity, a bad
                              $METROPIPE_TIMEOUT: nothing was sent
    3    internal error       a bug in metropipe (please report it)
    4    LAYOUT_MISMATCH      the provider serves another signature
    5    BAD_REQUEST          the provider found the request malformed
    6    BAD_RESULT           the function's result does not fit its type
    7    PROVIDER_RESTARTED / PROVIDER_DIED   the provider died while running this call
    8    CHANNEL              the channel file could not be opened safely
    9    PROTOCOL             the response broke the wire contract
    124  TIMEOUT              no answer before the deadline (like coreutils' timeout)
    130  interrupted
    141  stdout was closed before the response was written (SIGPIPE's status)

The native proxy: ``metropipe proxy --native-path`` prints the path of a compiled program with
exactly this command line, streams, exit statuses and messages (``metropipe-proxy-<hash>-<machine>``,
the C client runtime of the ``c`` target plus a ``main``, rendered from
``metropipe/targets/c/templates/proxy.c.j2``), building it with the system C compiler on first use
into the cache the Python runtime's fast path uses (``$METROPIPE_ADDON_DIR`` or
``~/.cache/metropipe``). It prints nothing (and exits 0) when it cannot: no compiler, or
``METROPIPE_NATIVE=0``; with ``METROPIPE_NATIVE=1`` that is a CHANNEL error (exit 8) saying why.
The Bash stubs run the native program for each call (a few milliseconds, not a Python start-up).

A call through this module imports only :mod:`metropipe.runtime.shm` (standard library,
ctypes and libatomic, and the wire constants of :mod:`metropipe.layout`): a caller without
the native proxy pays Python's start-up on every call, so nothing else loads (``cli``
imports this module only for the ``proxy`` command). Only ``--native-path`` renders the C
source (the generator's templates), once per shell at most.
"""

from __future__ import annotations

import math
import os
import re
import sys

from metropipe.runtime import wire as layout  # the wire's numbers, without the generator's imports

EXIT_OK = 0
EXIT_APPLICATION = 1
EXIT_ARGUMENT = 2
EXIT_INTERNAL = 3
EXIT_LAYOUT_MISMATCH = 4
EXIT_BAD_REQUEST = 5
EXIT_BAD_RESULT = 6
EXIT_PROVIDER_DIED = 7
EXIT_CHANNEL = 8
EXIT_PROTOCOL = 9
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a reader that went away

# exit status -> the kind printed on stderr (and what stub.sh's metropipe_error_kind says)
KINDS = {
    EXIT_APPLICATION: "APPLICATION",
    EXIT_ARGUMENT: "ARGUMENT",
    EXIT_INTERNAL: "INTERNAL",
    EXIT_LAYOUT_MISMATCH: "LAYOUT_MISMATCH",
    EXIT_BAD_REQUEST: "BAD_REQUEST",
    EXIT_BAD_RESULT: "BAD_RESULT",
    EXIT_PROVIDER_DIED: "PROVIDER_DIED",
    EXIT_CHANNEL: "CHANNEL",
    EXIT_PROTOCOL: "PROTOCOL",
    EXIT_TIMEOUT: "TIMEOUT",
    EXIT_INTERRUPTED: "INTERRUPTED",
    EXIT_BROKEN_PIPE: "BROKEN_PIPE",
}

MAX_CAPACITY = 1 << 24
_CHANNEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}\Z")
_HEX = re.compile(r"(0[xX])?[0-9a-fA-F]{1,16}\Z")


class ProxyFailure(Exception):
    def __init__(self, status: int, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind or KINDS[status]


def _options(channel: str, fingerprint: str | None, capacity: str | int | None, timeout: str | float | None
             ) -> tuple[int, int, float | None]:
    if not _CHANNEL.match(channel):
        raise ProxyFailure(EXIT_ARGUMENT, f"invalid channel name {channel!r}: use letters, digits, '_', '.', '-' "
                                          "(at most 200, not starting with '.' or '-')")
    if fingerprint is None:
        fp = layout.fingerprint(f"{channel}(raw)->raw")
    else:
        if not _HEX.match(fingerprint) or int(fingerprint, 16) == 0:
            raise ProxyFailure(EXIT_ARGUMENT, f"--fingerprint {fingerprint!r} is not a non-zero 64-bit hex number")
        fp = int(fingerprint, 16)
    if capacity is None:
        cap = layout.RAW_CAPACITY
    else:
        try:
            cap = int(capacity)
        except ValueError:
            cap = 0
        if not 0 < cap <= MAX_CAPACITY:
            raise ProxyFailure(EXIT_ARGUMENT, f"--capacity {capacity!r} is not a number of bytes in 1..{MAX_CAPACITY}")
    seconds = None
    if timeout is not None:
        try:
            seconds = float(timeout)
        except ValueError:
            seconds = -1.0
        if not (seconds > 0 and math.isfinite(seconds)):
            raise ProxyFailure(EXIT_ARGUMENT, f"--timeout {timeout!r} is not a positive number of seconds")
    return fp, cap, seconds


def call(channel: str, request: bytes, *, fingerprint: str | None = None, capacity: str | int | None = None,
         timeout: str | float | None = None, signature: str | None = None) -> bytes:
    """Post ``request`` on ``channel`` and return the response payload; raises :class:`ProxyFailure`."""
    fp, cap, seconds = _options(channel, fingerprint, capacity, timeout)
    if len(request) > cap:
        raise ProxyFailure(EXIT_ARGUMENT, f"the request is {len(request)} bytes; channel '{channel}' holds at most "
                                          f"{cap} (--capacity)")
    if signature is None:
        signature = f"{channel}(raw)->raw" if fingerprint is None else f"fingerprint 0x{fp:016x}"

    from metropipe.runtime import shm  # here, so that the generator can read the exit codes above

    try:
        ch = shm.Channel(channel, cap, fp, signature, native=False)  # one call: not worth loading the helper
        ch.acquire(seconds)
        try:
            ch.buf[layout.HEADER_SIZE : layout.HEADER_SIZE + len(request)] = request
            ch.post(len(request))
            size = ch.hdr[2]
            if size > cap:
                raise ProxyFailure(EXIT_PROTOCOL, f"bad response on channel '{channel}': size {size} > capacity {cap}")
            return bytes(ch.buf[layout.HEADER_SIZE : layout.HEADER_SIZE + size])
        finally:
            ch.release()
    except shm.MetropipeError as e:
        raise _failure(e) from None
    except OSError as e:  # mmap and the like, past the checks of shm's channel file
        raise ProxyFailure(EXIT_CHANNEL, f"{shm.channel_path(channel)}: {e.strerror or e}") from None


NATIVE_PREFIX = "metropipe-proxy-"


def native_stem(source: str | None = None) -> str:
    """The native proxy's file name in the cache, less ``-<machine>``: a hash of its C source. The Bash stubs
    hold it and add ``-$HOSTTYPE``, so they find the program without asking Python."""
    import hashlib

    if source is None:
        from metropipe.targets import c

        source = c.proxy_source()
    return f"{NATIVE_PREFIX}{hashlib.sha256(source.encode()).hexdigest()[:16]}"


def native_name(source: str | None = None) -> str:
    """The native proxy's file name in the cache."""
    return f"{native_stem(source)}-{os.uname().machine}"


def native_path(force: bool = False) -> tuple[str | None, str]:
    """The native proxy, built on first use: its path and "", or None and why it is unavailable."""
    from metropipe.runtime import shm
    from metropipe.targets import c

    if not sys.platform.startswith("linux"):
        return None, "it needs Linux (the futex system call)"
    source = c.proxy_source()
    return shm.cached_build(source, native_name(source), _build_native, force)


def _build_native(source: str, target: str) -> str:
    """Compile the native proxy into ``target`` and check that it runs (a cache on a noexec mount would
    fail every call); "" or the problem, with nothing left at ``target``."""
    import subprocess

    from metropipe.runtime import shm

    problem = shm.compile_c(source, target, ["-O2", "-pthread"])
    if problem:
        return problem
    try:
        proc = subprocess.run([target, "--native-path"], capture_output=True, text=True, timeout=30, check=False)
        ok = proc.returncode == 0 and proc.stdout.strip() != ""
        problem = "" if ok else f"built, but it does not run: exit status {proc.returncode} {proc.stderr.strip()}"
    except (OSError, subprocess.SubprocessError) as e:
        problem = f"built, but it does not run: {e}"
    if problem:
        try:
            os.unlink(target)
        except OSError:
            pass
    return problem


def run_native_path() -> int:
    """``metropipe proxy --native-path``: print the native proxy's path, or nothing (see the module docstring)."""
    mode = os.environ.get("METROPIPE_NATIVE", "")
    try:
        if mode not in ("", "0", "1"):
            raise ProxyFailure(EXIT_ARGUMENT, f"METROPIPE_NATIVE={mode!r}: use 0 (never the native proxy), 1 "
                                              "(require it) or leave it unset")
        if mode == "0":
            return EXIT_OK
        path, why = native_path(force=mode == "1")
        if path is None:
            if mode == "1":
                raise ProxyFailure(EXIT_CHANNEL, f"METROPIPE_NATIVE=1, but the native proxy is unavailable: {why}")
            return EXIT_OK
    except ProxyFailure as e:
        print(f"metropipe proxy: {e.kind}: {e}", file=sys.stderr)
        return e.status
    except Exception:  # never a traceback: without the native proxy the Python one still works
        return EXIT_OK
    print(path)
    return EXIT_OK


def _failure(e: Exception) -> ProxyFailure:
    """Map a runtime error onto an exit status (see the module docstring)."""
    from metropipe.runtime import shm

    message = str(e)
    wire = e.__dict__.get("code")  # set on errors that came over the wire (Channel._raise_remote)
    if isinstance(e, shm.CallTimeout):
        return ProxyFailure(EXIT_TIMEOUT, message)
    if isinstance(e, shm.ChannelError):
        return ProxyFailure(EXIT_CHANNEL, message)
    if isinstance(e, shm.ArgumentError):
        return ProxyFailure(EXIT_ARGUMENT, message)
    by_code = {1: (EXIT_APPLICATION, "APPLICATION"), 2: (EXIT_LAYOUT_MISMATCH, "LAYOUT_MISMATCH"),
               3: (EXIT_BAD_REQUEST, "BAD_REQUEST"), 4: (EXIT_BAD_RESULT, "BAD_RESULT"),
               5: (EXIT_PROVIDER_DIED, "PROVIDER_RESTARTED")}
    if wire in by_code:
        status, kind = by_code[wire]
        return ProxyFailure(status, message, kind)
    if wire is not None:
        return ProxyFailure(EXIT_PROTOCOL, f"the provider answered with unknown error code {wire}: {message}")
    if isinstance(e, shm.ProviderDiedError):
        return ProxyFailure(EXIT_PROVIDER_DIED, message)
    if isinstance(e, shm.ProtocolError):
        return ProxyFailure(EXIT_PROTOCOL, message)
    return ProxyFailure(EXIT_ARGUMENT, message)  # a bad $METROPIPE_TIMEOUT


def run(channel: str, fingerprint: str | None = None, capacity: str | int | None = None,
        timeout: str | float | None = None, signature: str | None = None) -> int:
    """The command: stdin -> channel -> stdout; returns the exit status."""
    try:
        try:
            request = sys.stdin.buffer.read() if sys.stdin is not None else b""
            response = call(channel, request, fingerprint=fingerprint, capacity=capacity, timeout=timeout,
                            signature=signature)
        except ProxyFailure as e:
            print(f"metropipe proxy: {e.kind}: {e}", file=sys.stderr)
            return e.status
        out = sys.stdout.buffer
        out.write(response)
        out.flush()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away: silence the interpreter's own flush at exit
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_BROKEN_PIPE
    except Exception as e:  # a bug in metropipe: never exit 1, which means APPLICATION
        import traceback

        traceback.print_exc()
        print(f"metropipe proxy: INTERNAL: {type(e).__name__}: {e}; please report it with the command you ran",
              file=sys.stderr)
        return EXIT_INTERNAL
