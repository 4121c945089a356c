"""A metropipe channel: open, lock, post, wait, serve (spec/wire.md sections 1 and 6).

Standard library only (``ctypes`` + libatomic for the atomic words, the ``futex``
system call for sleeping). This text is inlined into generated Python stubs and
providers; the block between the ``wire constants`` markers is replaced by the
values from ``metropipe.layout``.

The native fast path: on Linux, the first channel a process opens builds a small
CPython extension from ``_NATIVE_C`` (at the end of this file) with the system C
compiler and this interpreter's headers, cached in ``$METROPIPE_ADDON_DIR`` or
``~/.cache/metropipe`` under a hash of its source and the interpreter's ABI. It does a
call's lock, post, spin and unlock (and the provider's take and answer) in C with real
atomics; every slow path stays in the Python below. Without a compiler or headers the
channel silently uses ctypes. ``METROPIPE_NATIVE=0`` always uses ctypes;
``METROPIPE_NATIVE=1`` requires the native path (a ``ChannelError`` says why it is
unavailable). ``Channel.native`` tells which path a channel uses.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import mmap
import os
import stat
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

# --- wire constants ---
from metropipe.runtime.wire import (
    BUSY,
    CHANNEL_PREFIX,
    CONTENDED,
    DEFAULT_TIMEOUT_S,
    DIR_ENV,
    E_APPLICATION,
    E_ARGUMENT,
    E_BAD_REQUEST,
    E_BAD_RESULT,
    E_CHANNEL,
    E_LAYOUT_MISMATCH,
    E_PROTOCOL,
    E_PROVIDER_DIED,
    E_PROVIDER_RESTARTED,
    E_TIMEOUT,
    ERROR,
    ERROR_MESSAGE_MAX,
    HEADER_SIZE,
    IDLE,
    OFF_ERROR,
    OFF_FINGERPRINT,
    OFF_LOCK,
    OFF_SIZE,
    OFF_STATUS,
    PID_MASK,
    REQUEST,
    RESPONSE,
    SLEEPER,
    SLICE_S,
    STATE_MASK,
    TIMEOUT_ENV,
)

# --- end wire constants ---

_SPIN_S = 0.0002  # spin this long before sleeping (spec 6.1: bounded)
_SPIN_CHECK = 32  # polls between clock reads (and yields) while spinning
_FAST_SPIN = range(300)  # polls right after posting, before looking at the clock
_SHORT_SLICE_S = 0.001  # an idle provider's sleep slice during its first _SHORT_SLICES_FOR_S
_SHORT_SLICES_FOR_S = 0.05
# While spinning, yield the CPU every _SPIN_CHECK polls: a peer the kernel woke onto
# this CPU then runs at once instead of waiting for the spin to end.
_yield = os.sched_yield if hasattr(os, "sched_yield") else (lambda: None)


class MetropipeError(Exception):
    """Base class of every error a metropipe call raises. ``code`` is the wire error code, 0 if none."""

    code = 0


class RemoteError(MetropipeError):
    """The function raised in the provider; ``str(e)`` is ``'<Type>: <message>'``."""

    code = E_APPLICATION


class LayoutMismatchError(MetropipeError):
    """The stub and the provider were generated from different signatures."""

    code = E_LAYOUT_MISMATCH


class ProtocolError(MetropipeError):
    """A request or response broke the wire contract (bad length, UTF-8 or bool byte)."""

    code = E_PROTOCOL  # a bad response; 3 or 4 when the provider reported it


class ProviderDiedError(MetropipeError):
    """The provider died while running this call; the call was not re-run."""

    code = E_PROVIDER_DIED  # seen by this caller; 5 when a restarted provider reported it


class CallTimeout(MetropipeError, TimeoutError):
    """The call did not complete before its deadline."""

    code = E_TIMEOUT


class ChannelError(MetropipeError):
    """The channel file could not be opened safely."""

    code = E_CHANNEL


class ArgumentError(MetropipeError, ValueError):
    """An argument does not fit its slot; nothing was sent."""

    code = E_ARGUMENT


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument has the wrong type for its slot; nothing was sent."""


# One set of error classes per process: every stub and provider that inlines this
# runtime takes the classes of the first one loaded, so ``except RemoteError`` catches
# errors from any metropipe stub, whichever module it was imported from.
_ERROR_NAMES = (
    "MetropipeError",
    "RemoteError",
    "LayoutMismatchError",
    "ProtocolError",
    "ProviderDiedError",
    "CallTimeout",
    "ChannelError",
    "ArgumentError",
    "ArgumentTypeError",
)
_shared = sys.modules.get("_metropipe_errors_v1")
if _shared is None:
    import types as _types

    _shared = _types.ModuleType("_metropipe_errors_v1", "Error classes shared by every metropipe stub.")
    for _name in _ERROR_NAMES:
        setattr(_shared, _name, globals()[_name])
    sys.modules["_metropipe_errors_v1"] = _shared
else:
    globals().update({_name: getattr(_shared, _name) for _name in _ERROR_NAMES})

_REMOTE = {
    E_APPLICATION: RemoteError,
    E_LAYOUT_MISMATCH: LayoutMismatchError,
    E_BAD_REQUEST: ProtocolError,
    E_BAD_RESULT: ProtocolError,
    E_PROVIDER_RESTARTED: ProviderDiedError,
}

# --- atomics and futex -----------------------------------------------------------


def _load_libatomic() -> Any:
    for name in ("libatomic.so.1", ctypes.util.find_library("atomic")):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                pass
    raise ChannelError("metropipe needs libatomic for its atomic words (Debian/Ubuntu: apt install libatomic1)")


_atomic = _load_libatomic()
# PyDLL: these never block, so keep the GIL and save its release/re-acquire.
_atomic_nogil = ctypes.PyDLL(_atomic._name)
_cas_fn = _atomic_nogil.__atomic_compare_exchange_4
_cas_fn.restype = ctypes.c_bool
_xchg = _atomic_nogil.__atomic_exchange_4
_xchg.restype = ctypes.c_uint32
_libc = ctypes.CDLL(None, use_errno=True)
_SYS_FUTEX = {"x86_64": 202, "aarch64": 98, "arm64": 98, "riscv64": 98, "ppc64le": 221, "s390x": 238}.get(
    os.uname().machine
)
_HAVE_FUTEX = sys.platform.startswith("linux") and _SYS_FUTEX is not None
_FUTEX_WAIT = 0  # shared futex: never FUTEX_PRIVATE_FLAG (spec 6.1)
_FUTEX_WAKE = 1
_SEQ_CST = 5


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _pid_alive(pid: int) -> bool:
    """kill(pid, 0), and on Linux a zombie (killed, not yet reaped) counts as dead (spec 6.2)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1][1:2] != b"Z"
    except OSError:
        return True


# --- the native fast path (optional) ----------------------------------------------

NATIVE_ENV = "METROPIPE_NATIVE"  # "0": ctypes only; "1": the native path or a ChannelError; unset: native if it builds
ADDON_DIR_ENV = "METROPIPE_ADDON_DIR"  # where the compiled helper is cached (shared with the JavaScript stub's addon)
_NATIVE_SPIN_NS = 1000  # the C spins poll this long, then yield the CPU between polls (GIL held throughout)
_NATIVE_YIELD_NS = 10000  # until this bound; then the Python waits below take over
_NATIVE_NAME = "_metropipe_native"


def _native_mode() -> str:
    raw = os.environ.get(NATIVE_ENV, "")
    if raw not in ("", "0", "1"):
        raise ArgumentError(
            f"{NATIVE_ENV}={raw!r}: use 0 (never the compiled fast path), 1 (require it) or leave it unset"
        )
    return raw


def _own_folder(path: str, create: bool) -> bool:
    """Whether ``path`` is a folder only this user can write (created first, 0700, when ``create``)."""
    try:
        if create:
            os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022
            and os.access(path, os.W_OK))


def _addon_folder() -> str:
    env = os.environ.get(ADDON_DIR_ENV)
    if env:
        return env
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "metropipe")


def _native_source() -> str:
    """The helper's C source: the wire constants as macros, then ``_NATIVE_C``."""
    defs = {
        "MP_STATE_MASK": STATE_MASK, "MP_REQUEST": REQUEST, "MP_BUSY": BUSY, "MP_RESPONSE": RESPONSE,
        "MP_ERROR": ERROR, "MP_SLEEPER": SLEEPER, "MP_CONTENDED": CONTENDED, "MP_SPIN_NS": _NATIVE_SPIN_NS,
        "MP_YIELD_NS": _NATIVE_YIELD_NS,
        "MP_W_STATUS": OFF_STATUS // 4, "MP_W_LOCK": OFF_LOCK // 4, "MP_W_SIZE": OFF_SIZE // 4,
        "MP_W_ERROR": OFF_ERROR // 4, "MP_W_FINGERPRINT": OFF_FINGERPRINT // 4,
    }
    return "".join(f"#define {k} {v}u\n" for k, v in defs.items()) + _NATIVE_C


def _native_module(force: bool) -> tuple[Any, str]:
    """The compiled helper, or None and why it is unavailable; once per process (shared by all stubs)."""
    if not _HAVE_FUTEX:
        return None, "it needs Linux (the futex system call)"
    import hashlib
    import importlib.machinery

    source = _native_source()
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]  # names the interpreter's ABI (SOABI)
    key = hashlib.sha256(f"{source}\0{suffix}".encode()).hexdigest()[:16]
    built: dict[str, tuple[Any, str]] = _shared.__dict__.setdefault("native_modules", {})
    if key not in built or (force and built[key][0] is None):
        built[key] = _load_native(source, key, suffix, force)
    return built[key]


def _load_native(source: str, key: str, suffix: str, force: bool) -> tuple[Any, str]:
    import importlib.machinery

    path, problem = cached_build(source, f"{_NATIVE_NAME}-{key}{suffix}", _compile_native, force)
    if path is None:
        return None, problem
    try:
        loader = importlib.machinery.ExtensionFileLoader(_NATIVE_NAME, path)
        module = loader.create_module(importlib.machinery.ModuleSpec(_NATIVE_NAME, loader, origin=path))
        loader.exec_module(module)
    except (ImportError, OSError) as e:  # any failure means: use ctypes
        return None, f"cannot load {path}: {e} (delete it to build it again)"
    return module, ""


def cached_build(source: str, name: str, build: Callable[[str, str], str], force: bool) -> tuple[str | None, str]:
    """The file ``name`` in the per-user cache (``$METROPIPE_ADDON_DIR`` or ``~/.cache/metropipe``, a folder
    only this user can write), made from the C ``source`` by ``build(source, temp_then_target)`` the first
    time; returns its path and "", or None and why it is unavailable. A failed build is remembered in
    ``name.failed`` (not retried unless ``force``). Shared by the Python runtime's fast path and the
    native ``metropipe proxy``; ``name`` holds a hash of the source, so a new source is a new file."""
    folder = _addon_folder()
    path = os.path.join(folder, name)
    failed = path + ".failed"
    if not _own_folder(folder, create=True):
        return None, f"no folder to cache it in: {folder} (set {ADDON_DIR_ENV} to a folder only you can write)"
    if not os.path.exists(path):
        if not force and os.path.exists(failed):
            try:
                with open(failed, encoding="utf-8", errors="replace") as f:
                    why = f.read().strip()
            except OSError:
                why = "unknown"
            return None, f"building it failed before ({why}); delete {failed} or set {NATIVE_ENV}=1 to try again"
        problem = build(source, path)
        if problem:
            _write_atomically(failed, problem + "\n")
            return None, problem
    try:
        st = os.lstat(path)
    except OSError as e:
        return None, f"{path}: {e.strerror}"
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        return None, f"{path}: not a regular file of this user, or writable by others; refusing to use it"
    return path, ""


def _write_atomically(path: str, text: str) -> None:
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temp, path)
    except OSError:
        pass


def _compile_native(source: str, target: str) -> str:
    """Build the Python extension ``source`` into ``target``; "" or the problem."""
    import sysconfig

    paths = sysconfig.get_paths()
    include = paths.get("include", "")
    if not os.path.isfile(os.path.join(include, "Python.h")):
        return f"Python's headers are not installed (no {os.path.join(include, 'Python.h')}; Debian/Ubuntu: " \
               "apt install python3-dev)"
    platinclude = paths.get("platinclude", include)
    return compile_c(source, target, ["-shared", "-fPIC", "-O2", "-I", include, "-I", platinclude])


def compile_c(source: str, target: str, flags: list[str]) -> str:
    """Compile C ``source`` with ``flags`` into ``target`` with $CC, else cc, gcc or clang (temp file +
    rename: concurrent first uses are safe); "" or the problem."""
    import shlex
    import shutil
    import subprocess

    cc_env = os.environ.get("CC", "").strip()
    compilers = [shlex.split(cc_env)] if cc_env else [["cc"], ["gcc"], ["clang"]]
    temp = f"{target}.{os.getpid()}.tmp"
    problem = "no C compiler (cc, gcc or clang) was found; install one or set CC"
    for cc in compilers:
        if not cc or shutil.which(cc[0]) is None:
            continue
        argv = [*cc, *flags, "-o", temp, "-x", "c", "-"]
        try:
            proc = subprocess.run(argv, input=source, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            problem = f"{cc[0]} failed: {e}"
            break
        if proc.returncode == 0:
            try:
                os.chmod(temp, 0o700)
                os.replace(temp, target)  # atomic: a concurrent first use gets one or the other, both whole
                return ""
            except OSError as e:
                problem = f"cannot write {target}: {e.strerror}"
                break
        problem = f"{' '.join(cc)} exited {proc.returncode}: {proc.stderr.strip()[:2000]}"
        break
    try:
        os.unlink(temp)
    except OSError:
        pass
    return problem


def _timeout_default() -> float:
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ArgumentError(f"{TIMEOUT_ENV}={raw!r} is not a positive number of seconds")
    return value


# --- channel files ---------------------------------------------------------------


def channel_dir() -> str:
    """The folder channel files live in (spec section 1)."""
    env = os.environ.get(DIR_ENV)
    if env:
        return env
    if sys.platform.startswith("linux") and os.path.isdir("/dev/shm"):
        return "/dev/shm"
    if sys.platform == "darwin":
        return "/tmp"
    return os.path.join(os.getcwd(), ".metropipe")


def channel_path(name: str) -> str:
    ok = 0 < len(name) <= 200 and (name[0].isalnum() or name[0] == "_")
    ok = ok and all(c.isascii() and (c.isalnum() or c in "_.-") for c in name)
    if not ok:
        raise ChannelError(f"invalid channel name {name!r}: use letters, digits, '_', '.', '-'")
    return os.path.join(channel_dir(), CHANNEL_PREFIX + name)


def _open_file(path: str, size: int) -> int:
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError as e:
            raise ChannelError(f"{folder}: cannot create the channel folder: {e.strerror}") from None
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ChannelError(f"{path}: refusing to open a symlink as a channel") from None
        raise ChannelError(f"{path}: cannot open channel: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ChannelError(f"{path}: not a regular file; refusing it as a channel")
        if st.st_uid != os.geteuid():
            raise ChannelError(f"{path}: owned by uid {st.st_uid}, not by this user ({os.geteuid()}); refusing it")
        if st.st_mode & 0o022:
            raise ChannelError(f"{path}: writable by other users (mode {stat.S_IMODE(st.st_mode):o}); refusing it")
        if st.st_size < size:
            try:
                os.posix_fallocate(fd, 0, size)
            except OSError:
                if os.fstat(fd).st_size < size:
                    os.pwrite(fd, b"\0", size - 1)
    except BaseException:
        os.close(fd)
        raise
    return fd


class Channel:
    """One mapped channel. ``buf`` is the whole mapping (header + payload)."""

    def __init__(self, name: str, capacity: int, fingerprint: int, signature: str,
                 native: bool | None = None) -> None:
        """``native``: None follows $METROPIPE_NATIVE; False never uses the compiled fast path."""
        self.name = name
        self.path = channel_path(name)
        self.fingerprint = fingerprint
        self.signature = signature
        mode = "0" if native is False else _native_mode()
        module, self.native_problem = (None, f"{NATIVE_ENV}=0") if mode == "0" else _native_module(mode == "1")
        if module is None and mode == "1":
            raise ChannelError(f"{NATIVE_ENV}=1, but the native fast path is unavailable: {self.native_problem}")
        size = HEADER_SIZE + capacity
        fd = _open_file(self.path, size)
        try:
            self.mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        self.buf = memoryview(self.mm)
        self.hdr = self.buf[:HEADER_SIZE].cast("I")
        self.fp = self.buf[OFF_FINGERPRINT : OFF_FINGERPRINT + 8].cast("Q")
        self._anchor = ctypes.c_char.from_buffer(self.mm)
        base = ctypes.addressof(self._anchor)
        self._status = ctypes.c_void_p(base + OFF_STATUS)
        self._lock = ctypes.c_void_p(base + OFF_LOCK)
        self._expected = ctypes.c_uint32(0)
        self._expected_p = ctypes.byref(self._expected)
        self._zero = ctypes.c_uint32(0)  # the lock fast path's expected value; stays 0 after a success
        self._zero_p = ctypes.byref(self._zero)
        self._ts = _Timespec()
        self._ts_p = ctypes.byref(self._ts)
        self._busy_sleeper = ctypes.c_uint32(BUSY | SLEEPER)
        self.pid = os.getpid()
        self.capacity = capacity
        self.default_timeout = _timeout_default()  # $METROPIPE_TIMEOUT, read when the channel opens
        self._start = 0.0
        self._timeout = self.default_timeout
        # The compiled fast path, when there is one: its acquire/post/release replace the methods
        # below on this instance (the stubs call them as before) and call back into them when slow.
        self._native: Any = None
        if module is not None:
            try:
                self._native = module.channel(self, self.mm, self.pid, fingerprint, self.default_timeout)
            except (ValueError, TypeError, BufferError) as e:  # not expected: a mapping is page-aligned
                if mode == "1":
                    raise ChannelError(f"{NATIVE_ENV}=1, but the native path cannot map {self.path}: {e}") from None
                module, self.native_problem = None, str(e)
        if module is not None:
            self.acquire = self._native.acquire  # type: ignore[method-assign]
            self.post = self._native.post  # type: ignore[method-assign]
            self.release = self._native.release  # type: ignore[method-assign]
        self.native = module is not None  # whether this channel uses the compiled fast path
        # Threads of one process take turns (the shared lock holds a PID, and the
        # scratch ctypes words above are per channel).
        self._threads = threading.Lock()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork)
        cur = self.hdr[3]
        while cur < capacity and not self.cas(self.word(12), cur, capacity):
            cur = self.hdr[3]

    def word(self, offset: int) -> ctypes.c_void_p:
        """A pointer to the header word at ``offset``, for the atomic functions."""
        return ctypes.c_void_p(ctypes.addressof(self._anchor) + offset)

    def _after_fork(self) -> None:
        self.pid = os.getpid()
        self._threads = threading.Lock()
        if self._native is not None:
            self._native.after_fork(self.pid)

    def close(self) -> None:
        if self._native is not None:
            self._native.close()
        del self._anchor
        self.fp.release()
        self.hdr.release()
        self.buf.release()
        self.mm.close()

    # atomics ---------------------------------------------------------------------
    def cas(self, ptr: ctypes.c_void_p, old: int, new: int) -> bool:
        self._expected.value = old
        return bool(_cas_fn(ptr, self._expected_p, ctypes.c_uint32(new), 0, _SEQ_CST, _SEQ_CST))

    def wake(self, ptr: ctypes.c_void_p, count: int) -> None:
        if _HAVE_FUTEX:
            _libc.syscall(_SYS_FUTEX, ptr, _FUTEX_WAKE, count, None, None, 0)

    def sleep(self, ptr: ctypes.c_void_p, expected: int, seconds: float) -> None:
        """Sleep on a word while it holds ``expected``, at most ``seconds`` (capped to one slice)."""
        seconds = min(seconds, SLICE_S)
        if seconds <= 0:
            return
        if not _HAVE_FUTEX:
            time.sleep(seconds)
            return
        self._ts.tv_sec = 0
        self._ts.tv_nsec = int(seconds * 1e9)
        _libc.syscall(_SYS_FUTEX, ptr, _FUTEX_WAIT, ctypes.c_uint32(expected), self._ts_p, None, 0)

    def _wait_status(self, done: Callable[[int], bool], deadline: float, on_slice: Callable[[int], None]) -> int:
        """Spin, then sleep on ``status`` until ``done(state)``; returns the status word."""
        h = self.hdr
        spin_end = time.monotonic() + _SPIN_S
        while True:
            for _ in range(_SPIN_CHECK):
                s = h[0]
                if done(s & STATE_MASK):
                    return s
            _yield()
            if time.monotonic() >= spin_end:
                break
        while True:
            s = h[0]
            if done(s & STATE_MASK):
                return s
            now = time.monotonic()
            if now >= deadline:
                raise CallTimeout("deadline")
            on_slice(s)
            s = h[0]
            if done(s & STATE_MASK):
                return s
            if s & SLEEPER or self.cas(self._status, s, s | SLEEPER):
                self.sleep(self._status, s | SLEEPER, deadline - now)

    # caller ------------------------------------------------------------------------
    def deadline(self) -> float:
        """The current call's deadline; computed only on slow paths."""
        if self._native is not None:
            return float(self._native.start + self._native.timeout)
        return self._start + self._timeout

    def _call_timeout(self, timeout: float | None) -> float:
        """The call's timeout in seconds: ``timeout``, else the channel's default; a bad one is the caller's error."""
        if timeout is None:
            return self.default_timeout
        if timeout > 0:
            return timeout
        raise ArgumentError(f"timeout must be a positive number of seconds, not {timeout!r}")

    def acquire(self, timeout: float | None = None) -> None:
        """Spec 6.2 steps 2-3: take the lock, then wait until the payload is free."""
        start = time.monotonic()
        t = self._call_timeout(timeout)
        if not self._threads.acquire(False) and not self._threads.acquire(timeout=t):
            raise CallTimeout(f"timed out waiting for another thread's call on channel '{self.name}'")
        self._start, self._timeout = start, t
        try:
            if not _cas_fn(self._lock, self._zero_p, self.pid, 0, 5, 5):
                self._zero.value = 0
                self._acquire_slow(self.deadline())
        except BaseException:
            self._threads.release()
            raise
        s = self.hdr[0] & 0xFF
        if s == 1 or s == 2:  # REQUEST, BUSY: left by a caller that timed out or died
            try:
                self._wait_free(self.deadline())
            except BaseException:
                self.release()
                raise

    # the native fast path's slow paths (it calls these; each ends the call's acquire) ------
    def _native_acquire(self, timeout: float | None) -> None:
        """Another thread of this process is calling on this channel (or ``timeout`` needs checking)."""
        start = time.monotonic()
        t = self._call_timeout(timeout)
        if not self._native.lock_threads(t):
            raise CallTimeout(f"timed out waiting for another thread's call on channel '{self.name}'")
        self._native.start, self._native.timeout = start, t
        self._native_lock_slow()

    def _native_lock_slow(self) -> None:
        """Holding this process's thread lock: take the channel's lock, then wait for a free payload."""
        try:
            if not self.cas(self._lock, 0, self.pid):
                self._acquire_slow(self.deadline())
        except BaseException:
            self._native.unlock_threads()
            raise
        s = self.hdr[0] & 0xFF
        if s == 1 or s == 2:  # REQUEST, BUSY: left by a caller that timed out or died
            self._native_wait_free()

    def _native_wait_free(self) -> None:
        try:
            self._wait_free(self.deadline())
        except BaseException:
            self.release()
            raise

    def _native_answer(self) -> int:
        """No answer within the native spin: wait as the ctypes path does."""
        s = self._wait_answer(self.deadline()) & 0xFF
        if s == 4:
            self._raise_remote()
        if s != 3:
            self._bad_state(s)
        return s

    def _acquire_slow(self, deadline: float) -> None:
        h = self.hdr
        mine = self.pid
        spin_end = time.monotonic() + _SPIN_S
        while True:
            cur = h[1]
            if cur == 0 and self.cas(self._lock, 0, mine):
                return
            now = time.monotonic()
            if now < spin_end:
                _yield()
                continue
            if now >= deadline:
                raise CallTimeout(
                    f"timed out waiting for the lock of channel '{self.name}' "
                    f"(held by pid {cur & PID_MASK}); other callers are busy"
                )
            if cur and not _pid_alive(cur & PID_MASK):
                if self.cas(self._lock, cur, mine | CONTENDED):
                    return  # a dead holder's lock: taken over (spec 6.2 step 2)
                continue
            if cur and (cur & CONTENDED or self.cas(self._lock, cur, cur | CONTENDED)):
                self.sleep(self._lock, cur | CONTENDED, deadline - now)
            mine = self.pid | CONTENDED  # after sleeping, keep waking the next one

    def _wait_free(self, deadline: float) -> None:
        def on_slice(s: int) -> None:
            prov = self.hdr[5]
            if s & STATE_MASK == BUSY and not _pid_alive(prov):
                self.cas(self._status, s, IDLE)

        try:
            self._wait_status(lambda st: st != REQUEST and st != BUSY, deadline, on_slice)
        except CallTimeout:
            raise CallTimeout(
                f"timed out: channel '{self.name}' is still busy with an earlier call "
                f"(provider pid {self.hdr[5] or 'none'})"
            ) from None

    def release(self) -> None:
        old = _xchg(self._lock, 0, 5)
        if old & 0x80000000:  # CONTENDED
            self.wake(self._lock, 1)
        self._threads.release()

    def post(self, size: int) -> int:
        """Spec 6.2 steps 4-6: publish the request and wait for the answer; returns the state."""
        h = self.hdr
        h[2] = size
        self.fp[0] = self.fingerprint
        if _xchg(self._status, 1, 5) & 0x80000000:  # REQUEST; the provider sleeps: wake it
            self.wake(self._status, 0x7FFFFFFF)
        for _ in _FAST_SPIN:  # the provider usually answers within this spin
            s = h[0] & 0xFF
            if s >= 3:  # RESPONSE or ERROR
                break
        else:
            s = self._wait_answer(self.deadline()) & 0xFF
        if s == 4:
            self._raise_remote()
        if s != 3:
            self._bad_state(s)
        return s

    def _bad_state(self, s: int) -> None:
        """A status word that is no state of the wire (spec 3): never read the payload as an answer."""
        raise ProtocolError(f"bad response on channel '{self.name}': unknown state {s}")  # as every runtime says

    def _wait_answer(self, deadline: float) -> int:
        def on_slice(s: int) -> None:
            prov = self.hdr[5]
            if s & STATE_MASK == BUSY and not _pid_alive(prov):
                self.cas(self._status, s, IDLE)
                raise ProviderDiedError(
                    f"the provider of '{self.name}' (pid {prov}) died while running this call"
                )

        try:
            return self._wait_status(lambda st: st >= RESPONSE, deadline, on_slice)
        except CallTimeout:
            s = self.hdr[0]
            if s & STATE_MASK == REQUEST and self.cas(self._status, s, IDLE):
                prov = self.hdr[5]
                if prov and _pid_alive(prov):
                    why = f"the provider (pid {prov}) did not take the request"
                else:
                    why = "no provider is serving it"
                raise CallTimeout(f"timed out calling '{self.name}' on {self.path}: {why}") from None
            raise CallTimeout(
                f"timed out calling '{self.name}': the provider (pid {self.hdr[5]}) is still running it"
            ) from None

    def _raise_remote(self) -> None:
        code = self.hdr[4]
        message = self.read_error()
        cls = _REMOTE.get(code, MetropipeError)
        if code == E_LAYOUT_MISMATCH:
            message += f"; this stub was generated for {self.signature}"
        err = cls(message)
        err.code = code
        raise err

    def read_error(self) -> str:
        n = int.from_bytes(self.buf[HEADER_SIZE : HEADER_SIZE + 4], "little")
        n = min(n, ERROR_MESSAGE_MAX, self.capacity - 4)
        return bytes(self.buf[HEADER_SIZE + 4 : HEADER_SIZE + 4 + n]).decode("utf-8", "replace")

    # provider ----------------------------------------------------------------------
    def register_provider(self) -> None:
        """Spec 6.3 steps 1-2."""
        h = self.hdr
        slot = self.word(20)
        while True:
            cur = h[5]
            if cur and cur != self.pid and _pid_alive(cur):
                raise ChannelError(f"{self.path}: already served by a provider (pid {cur})")
            if self.cas(slot, cur, self.pid):
                break
        s = h[0]
        if s & STATE_MASK == BUSY:
            self.write_error(E_PROVIDER_RESTARTED, "a provider died while running this call; it was not re-run")
            self.finish(ERROR)

    def unregister_provider(self) -> None:
        self.cas(self.word(20), self.pid, 0)

    def write_error(self, code: int, message: str) -> None:
        data = message.encode("utf-8", "replace")
        if len(data) > ERROR_MESSAGE_MAX:
            data = data[:ERROR_MESSAGE_MAX].decode("utf-8", "ignore").encode("utf-8")
        self.buf[HEADER_SIZE : HEADER_SIZE + 4] = len(data).to_bytes(4, "little")
        self.buf[HEADER_SIZE + 4 : HEADER_SIZE + 4 + len(data)] = data
        self.hdr[2] = 4 + len(data)
        self.hdr[4] = code

    def finish(self, state: int) -> None:
        old = _xchg(self._status, state, _SEQ_CST)
        if old & SLEEPER:
            self.wake(self._status, 0x7FFFFFFF)

    def serve(self, handle: Callable[[], int], should_stop: Callable[[], bool]) -> None:
        """Spec 6.3 step 3: answer requests until ``should_stop()``.

        ``handle()`` reads the request from ``buf`` and writes the response, returning
        RESPONSE or ERROR (after ``write_error``); the fingerprint is checked here.
        """
        if self._native is not None:
            take, finish = self._native.take, self._native.finish
            while not should_stop():
                got = take()  # REQUEST -> BUSY: 1, or 2 if the fingerprint is not ours; 0: none yet
                if not got:
                    if self._wait_request(should_stop) < 0:
                        return
                    continue
                finish(handle() if got == 1 else self._mismatch())
            return
        h, fp, mine = self.hdr, self.fp, self.fingerprint
        status, expected, expected_p = self._status, self._expected, self._expected_p
        busy_sleeper, cas, xchg = self._busy_sleeper, _cas_fn, _xchg
        while not should_stop():
            s = h[0]
            if s & 0xFF != 1:  # not REQUEST
                s = self._wait_request(should_stop)
                if s < 0:
                    return
            expected.value = s
            if not cas(status, expected_p, busy_sleeper if s & 0x80000000 else 2, 0, 5, 5):
                continue  # a caller set SLEEPER meanwhile: look again
            if fp[0] != mine:
                state = self._mismatch()
            else:
                h[4] = 0
                state = handle()
            if xchg(status, state, 5) & 0x80000000:  # the caller sleeps: wake it
                self.wake(status, 0x7FFFFFFF)

    def _mismatch(self) -> int:
        self.write_error(
            E_LAYOUT_MISMATCH,
            f"layout mismatch on channel '{self.name}': the provider serves {self.signature} "
            f"(fingerprint 0x{self.fingerprint:016x}) but the caller's stub has fingerprint "
            f"0x{self.fp[0]:016x}; regenerate the stub and the provider from the same source",
        )
        return ERROR

    def _wait_request(self, should_stop: Callable[[], bool]) -> int:
        h = self.hdr
        for _ in _FAST_SPIN:  # back-to-back callers post again within microseconds
            s = h[0]
            if s & 0xFF == 1:
                return s
        spin_end = time.monotonic() + _SPIN_S
        while time.monotonic() < spin_end:
            for _ in range(_SPIN_CHECK):
                s = h[0]
                if s & STATE_MASK == REQUEST:
                    return s
            _yield()
        # Sleep in short slices at first: a caller that cannot wake a futex (Java 17) and
        # calls steadily is then served within ~1 ms; long idleness costs 10 ms slices.
        short_until = spin_end + _SHORT_SLICES_FOR_S
        while not should_stop():
            s = h[0]
            if s & STATE_MASK == REQUEST:
                return s
            if s & SLEEPER or self.cas(self._status, s, s | SLEEPER):
                self.sleep(self._status, s | SLEEPER,
                           _SHORT_SLICE_S if time.monotonic() < short_until else SLICE_S)
        return -1


# The native fast path's C source (see the module docstring); _native_source() prepends the constants.
_NATIVE_C = r"""/* _metropipe_native: the fast paths of a metropipe Python channel (spec/wire.md 6.1-6.3).
 *
 * Built by the Python runtime on first use (cc -shared -fPIC -O2 -I<Python's include>) and
 * cached; every slow path (waiting for another thread or caller, a dead lock holder, a stale
 * BUSY, sleeping on the futex, deadlines, a dead provider) calls back into the Python
 * runtime, which the C code never duplicates. The GIL is held throughout, except while
 * waiting for another thread's call; a spin is bounded by MP_YIELD_NS (mp_spin_on).
 *
 *   channel(owner, mapping, pid, fingerprint, default_timeout) -> Channel
 *   Channel.acquire(timeout=None)  lock (6.2 steps 2-3), else owner._native_acquire(timeout),
 *                                  owner._native_lock_slow() or owner._native_wait_free()
 *   Channel.post(size) -> state    post (steps 4-5), spin for RESPONSE; else owner._native_answer(),
 *                                  and owner._raise_remote() on ERROR
 *   Channel.release()              unlock (step 8)
 *   Channel.take() -> 0|1|2        provider (6.3 step 3): take a REQUEST (1; 2 if the fingerprint
 *                                  is not the provider's), or 0 when none came within the spin
 *   Channel.finish(state)          provider: publish the answer, wake a sleeping caller
 *   Channel.lock_threads(seconds) -> bool, unlock_threads(), after_fork(pid), close()
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>
#include <structmember.h>

#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "metropipe's native fast path is for little-endian machines (the wire is little-endian)"
#endif

#if defined(__x86_64__) || defined(__i386__)
#define MP_PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define MP_PAUSE() __asm__ __volatile__("yield" ::: "memory")
#else
#define MP_PAUSE() ((void)0)
#endif

#define MP_SEQ __ATOMIC_SEQ_CST

static PyObject *s_native_acquire, *s_native_lock_slow, *s_native_wait_free, *s_native_answer, *s_raise_remote;

static inline uint64_t mp_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The spins' clock: poll MP_SPIN_NS (a peer on another CPU answers within it), then give the CPU
 * away between polls (a peer waiting for this CPU runs at once) until MP_YIELD_NS; then the
 * Python runtime's own waiting takes over. Returns 0 when the spin is over. */
typedef struct {
    uint64_t yield_at, end;
} MpSpin;

static inline int mp_spin_on(MpSpin *spin, unsigned i)
{
    if (i & 15)
        return 1;
    uint64_t now = mp_now_ns();
    if (spin->end == 0) {
        spin->yield_at = now + MP_SPIN_NS;
        spin->end = now + MP_YIELD_NS;
    } else if (now >= spin->end)
        return 0;
    else if (now >= spin->yield_at)
        sched_yield();
    return 1;
}

static inline void mp_wake(uint32_t *word, int count)
{
    syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0); /* shared: never FUTEX_PRIVATE_FLAG */
}

typedef struct {
    PyObject_HEAD
    PyObject *owner;          /* the Python Channel: its slow paths */
    Py_buffer view;           /* the mapping, held until close() */
    uint32_t *hdr;            /* the header's words; NULL once closed */
    uint32_t pid;
    uint64_t fingerprint;
    double default_timeout;   /* seconds */
    double start, timeout;    /* the current call's (time.monotonic's clock) */
    PyThread_type_lock threads;
    int locked;               /* this process's thread lock is held */
} MpChannel;

static PyTypeObject MpChannel_Type;

static int mp_closed(MpChannel *self)
{
    if (self->hdr != NULL)
        return 0;
    PyErr_SetString(PyExc_ValueError, "the metropipe channel is closed");
    return 1;
}

static PyObject *mp_channel(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "channel(owner, mapping, pid, fingerprint, default_timeout)");
        return NULL;
    }
    unsigned long pid = PyLong_AsUnsignedLong(args[2]);
    if (pid == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    unsigned long long fp = PyLong_AsUnsignedLongLong(args[3]);
    if (fp == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    double timeout = PyFloat_AsDouble(args[4]);
    if (timeout == -1.0 && PyErr_Occurred())
        return NULL;
    MpChannel *self = PyObject_GC_New(MpChannel, &MpChannel_Type);
    if (self == NULL)
        return NULL;
    self->hdr = NULL;
    self->threads = NULL;
    self->owner = Py_NewRef(args[0]);
    if (PyObject_GetBuffer(args[1], &self->view, PyBUF_WRITABLE | PyBUF_SIMPLE) < 0) {
        self->view.obj = NULL;
        Py_DECREF(self);
        return NULL;
    }
    if (self->view.len < 32 || ((uintptr_t)self->view.buf & 7) != 0) {
        PyErr_SetString(PyExc_ValueError, "not a channel mapping");
        Py_DECREF(self);
        return NULL;
    }
    self->threads = PyThread_allocate_lock();
    if (self->threads == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->hdr = (uint32_t *)self->view.buf;
    self->pid = (uint32_t)pid;
    self->fingerprint = (uint64_t)fp;
    self->default_timeout = timeout;
    self->start = 0.0;
    self->timeout = timeout;
    self->locked = 0;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int mp_traverse(MpChannel *self, visitproc visit, void *arg)
{
    Py_VISIT(self->owner);
    return 0;
}

static int mp_clear(MpChannel *self)
{
    Py_CLEAR(self->owner);
    return 0;
}

static void mp_dealloc(MpChannel *self)
{
    PyObject_GC_UnTrack(self);
    mp_clear(self);
    if (self->view.obj != NULL)
        PyBuffer_Release(&self->view);
    if (self->threads != NULL && !self->locked)
        PyThread_free_lock(self->threads);
    PyObject_GC_Del(self);
}

static PyObject *mp_close(MpChannel *self, PyObject *unused)
{
    if (self->hdr != NULL) {
        self->hdr = NULL;
        PyBuffer_Release(&self->view);
        self->view.obj = NULL;
    }
    Py_RETURN_NONE;
}

/* Spec 6.2 steps 2-3. The fast path takes this process's thread lock and the channel's
 * lock at the first try and finds the payload free; anything else is the runtime's. */
static PyObject *mp_acquire(MpChannel *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *arg = nargs + nkw > 0 ? args[0] : Py_None;
    double t;
    if (nargs + nkw > 1 || (nkw == 1 && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "timeout"))) {
        PyErr_SetString(PyExc_TypeError, "acquire() takes one optional argument, timeout");
        return NULL;
    }
    if (mp_closed(self))
        return NULL;
    if (arg == Py_None)
        t = self->default_timeout;
    else if (PyFloat_CheckExact(arg))
        t = PyFloat_AS_DOUBLE(arg);
    else if (PyLong_CheckExact(arg)) {
        t = PyLong_AsDouble(arg);
        if (t == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            t = -1.0;
        }
    } else
        t = -1.0;
    if (!(t > 0) || !PyThread_acquire_lock(self->threads, NOWAIT_LOCK))
        return PyObject_CallMethodOneArg(self->owner, s_native_acquire, arg);
    self->locked = 1;
    self->start = (double)mp_now_ns() / 1e9;
    self->timeout = t;
    uint32_t expected = 0;
    if (!__atomic_compare_exchange_n(&self->hdr[1], &expected, self->pid, 0, MP_SEQ, MP_SEQ))
        return PyObject_CallMethodNoArgs(self->owner, s_native_lock_slow);
    uint32_t s = __atomic_load_n(&self->hdr[0], __ATOMIC_ACQUIRE) & MP_STATE_MASK;
    if (s == MP_REQUEST || s == MP_BUSY) /* left by a caller that timed out or died */
        return PyObject_CallMethodNoArgs(self->owner, s_native_wait_free);
    Py_RETURN_NONE;
}

/* Spec 6.2 steps 4-6: publish the request, spin a little for the answer. */
static PyObject *mp_post(MpChannel *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "post() takes one argument (size)");
        return NULL;
    }
    if (mp_closed(self))
        return NULL;
    unsigned long size = PyLong_AsUnsignedLong(args[0]);
    if (size == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    if (size > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "size does not fit 32 bits");
        return NULL;
    }
    uint32_t *h = self->hdr;
    h[MP_W_SIZE] = (uint32_t)size;
    memcpy(h + MP_W_FINGERPRINT, &self->fingerprint, 8);
    if (__atomic_exchange_n(&h[0], MP_REQUEST, MP_SEQ) & MP_SLEEPER) /* release: publishes the payload */
        mp_wake(&h[0], INT_MAX);
    uint32_t s;
    MpSpin spin = {0, 0};
    for (unsigned i = 1;; i++) {
        s = __atomic_load_n(&h[0], __ATOMIC_ACQUIRE) & MP_STATE_MASK;
        if (s >= MP_RESPONSE)
            break;
        MP_PAUSE();
        if (!mp_spin_on(&spin, i))
            return PyObject_CallMethodNoArgs(self->owner, s_native_answer);
    }
    if (s == MP_ERROR)
        return PyObject_CallMethodNoArgs(self->owner, s_raise_remote);
    if (s != MP_RESPONSE)
        return PyObject_CallMethod(self->owner, "_bad_state", "I", s);
    return PyLong_FromUnsignedLong(s);
}

/* Spec 6.2 step 8. */
static PyObject *mp_release(MpChannel *self, PyObject *unused)
{
    if (mp_closed(self))
        return NULL;
    if (!self->locked) {
        PyErr_SetString(PyExc_RuntimeError, "release() without acquire()");
        return NULL;
    }
    if (__atomic_exchange_n(&self->hdr[1], 0, MP_SEQ) & MP_CONTENDED)
        mp_wake(&self->hdr[1], 1);
    self->locked = 0;
    PyThread_release_lock(self->threads);
    Py_RETURN_NONE;
}

/* Spec 6.3 step 3, the provider: take a REQUEST (keeping SLEEPER) if one comes within the spin. */
static PyObject *mp_take(MpChannel *self, PyObject *unused)
{
    if (mp_closed(self))
        return NULL;
    uint32_t *h = self->hdr;
    MpSpin spin = {0, 0};
    for (unsigned i = 1;; i++) {
        uint32_t s = __atomic_load_n(&h[0], __ATOMIC_ACQUIRE);
        if ((s & MP_STATE_MASK) == MP_REQUEST) {
            if (__atomic_compare_exchange_n(&h[0], &s, MP_BUSY | (s & MP_SLEEPER), 0, MP_SEQ, MP_SEQ))
                break;
            continue; /* a caller set SLEEPER meanwhile: look again */
        }
        MP_PAUSE();
        if (!mp_spin_on(&spin, i))
            return PyLong_FromLong(0);
    }
    uint64_t fp;
    memcpy(&fp, h + MP_W_FINGERPRINT, 8);
    if (fp != self->fingerprint)
        return PyLong_FromLong(2);
    h[MP_W_ERROR] = 0;
    return PyLong_FromLong(1);
}

static PyObject *mp_finish(MpChannel *self, PyObject *arg)
{
    if (mp_closed(self))
        return NULL;
    long state = PyLong_AsLong(arg);
    if (state == -1 && PyErr_Occurred())
        return NULL;
    if (__atomic_exchange_n(&self->hdr[0], (uint32_t)state, MP_SEQ) & MP_SLEEPER)
        mp_wake(&self->hdr[0], INT_MAX);
    Py_RETURN_NONE;
}

/* Wait at most `seconds` for this process's other threads' call on the channel. */
static PyObject *mp_lock_threads(MpChannel *self, PyObject *arg)
{
    double seconds = PyFloat_AsDouble(arg);
    if (seconds == -1.0 && PyErr_Occurred())
        return NULL;
    uint64_t deadline = mp_now_ns() + (uint64_t)(seconds > 0 ? (seconds < 1e9 ? seconds * 1e9 : 1e18) : 0);
    for (;;) {
        PyLockStatus r = PyThread_acquire_lock_timed(self->threads, 0, 0);
        if (r != PY_LOCK_ACQUIRED) {
            uint64_t now = mp_now_ns();
            if (now >= deadline)
                Py_RETURN_FALSE;
            long long us = (long long)((deadline - now) / 1000) + 1;
            if (us > PY_TIMEOUT_MAX)
                us = PY_TIMEOUT_MAX;
            Py_BEGIN_ALLOW_THREADS
            r = PyThread_acquire_lock_timed(self->threads, us, 1);
            Py_END_ALLOW_THREADS
        }
        if (r == PY_LOCK_ACQUIRED) {
            self->locked = 1;
            Py_RETURN_TRUE;
        }
        if (r == PY_LOCK_INTR && PyErr_CheckSignals() < 0)
            return NULL;
    }
}

static PyObject *mp_unlock_threads(MpChannel *self, PyObject *unused)
{
    if (self->locked) {
        self->locked = 0;
        PyThread_release_lock(self->threads);
    }
    Py_RETURN_NONE;
}

/* In a child after fork(): its own PID, and a fresh thread lock (the parent's other threads
 * do not exist here). */
static PyObject *mp_after_fork(MpChannel *self, PyObject *arg)
{
    unsigned long pid = PyLong_AsUnsignedLong(arg);
    if (pid == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    PyThread_type_lock fresh = PyThread_allocate_lock();
    if (fresh == NULL)
        return PyErr_NoMemory();
    self->threads = fresh; /* the old one may be held: leave it */
    self->locked = 0;
    self->pid = (uint32_t)pid;
    Py_RETURN_NONE;
}

static PyMethodDef mp_methods[] = {
    {"acquire", (PyCFunction)(void (*)(void))mp_acquire, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"post", (PyCFunction)(void (*)(void))mp_post, METH_FASTCALL, NULL},
    {"release", (PyCFunction)mp_release, METH_NOARGS, NULL},
    {"take", (PyCFunction)mp_take, METH_NOARGS, NULL},
    {"finish", (PyCFunction)mp_finish, METH_O, NULL},
    {"lock_threads", (PyCFunction)mp_lock_threads, METH_O, NULL},
    {"unlock_threads", (PyCFunction)mp_unlock_threads, METH_NOARGS, NULL},
    {"after_fork", (PyCFunction)mp_after_fork, METH_O, NULL},
    {"close", (PyCFunction)mp_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef mp_members[] = {
    {"start", T_DOUBLE, offsetof(MpChannel, start), 0, NULL},
    {"timeout", T_DOUBLE, offsetof(MpChannel, timeout), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject MpChannel_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_metropipe_native.Channel",
    .tp_basicsize = sizeof(MpChannel),
    .tp_dealloc = (destructor)mp_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)mp_traverse,
    .tp_clear = (inquiry)mp_clear,
    .tp_methods = mp_methods,
    .tp_members = mp_members,
};

static int mp_exec(PyObject *module)
{
    if (PyType_Ready(&MpChannel_Type) < 0)
        return -1;
    if (s_native_acquire == NULL) {
        s_native_acquire = PyUnicode_InternFromString("_native_acquire");
        s_native_lock_slow = PyUnicode_InternFromString("_native_lock_slow");
        s_native_wait_free = PyUnicode_InternFromString("_native_wait_free");
        s_native_answer = PyUnicode_InternFromString("_native_answer");
        s_raise_remote = PyUnicode_InternFromString("_raise_remote");
        if (!s_native_acquire || !s_native_lock_slow || !s_native_wait_free || !s_native_answer || !s_raise_remote)
            return -1;
    }
    return 0;
}

static PyMethodDef mp_functions[] = {
    {"channel", (PyCFunction)(void (*)(void))mp_channel, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot mp_slots[] = {
    {Py_mod_exec, mp_exec},
    {0, NULL},
};

static struct PyModuleDef mp_module = {
    PyModuleDef_HEAD_INIT, "_metropipe_native", NULL, 0, mp_functions, mp_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__metropipe_native(void)
{
    return PyModuleDef_Init(&mp_module);
}
"""
