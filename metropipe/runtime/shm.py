"""A metropipe channel: open, lock, post, wait, serve (spec/wire.md sections 1 and 6).

Standard library only (``ctypes`` + libatomic for the atomic words, the ``futex``
system call for sleeping). This text is inlined into generated Python stubs and
providers; the block between the ``wire constants`` markers is replaced by the
values from ``metropipe.layout``.
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
    OFF_FINGERPRINT,
    OFF_LOCK,
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

    def __init__(self, name: str, capacity: int, fingerprint: int, signature: str) -> None:
        self.name = name
        self.path = channel_path(name)
        self.fingerprint = fingerprint
        self.signature = signature
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

    def close(self) -> None:
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
        return self._start + self._timeout

    def acquire(self, timeout: float | None = None) -> None:
        """Spec 6.2 steps 2-3: take the lock, then wait until the payload is free."""
        self._start = time.monotonic()
        if timeout is None:
            self._timeout = self.default_timeout
        elif timeout > 0:
            self._timeout = timeout
        else:
            raise ArgumentError(f"timeout must be a positive number of seconds, not {timeout!r}")
        if not self._threads.acquire(False) and not self._threads.acquire(timeout=self._timeout):
            raise CallTimeout(f"timed out waiting for another thread's call on channel '{self.name}'")
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
        return s

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
                self.write_error(
                    E_LAYOUT_MISMATCH,
                    f"layout mismatch on channel '{self.name}': the provider serves {self.signature} "
                    f"(fingerprint 0x{mine:016x}) but the caller's stub has fingerprint "
                    f"0x{fp[0]:016x}; regenerate the stub and the provider from the same source",
                )
                state = ERROR
            else:
                h[4] = 0
                state = handle()
            if xchg(status, state, 5) & 0x80000000:  # the caller sleeps: wake it
                self.wake(status, 0x7FFFFFFF)

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
