"""The byte layout of a channel: the only place where wire rules become numbers.

Implements spec/wire.md: header offsets, slot sizes and alignment, payload offsets,
capacity, the canonical signature and its fingerprint. Every template takes its
numbers from a :class:`Layout`; none computes an offset. The reference codec at
the end (``encode_*``/``decode_*``) writes and checks the golden vectors.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

from metropipe.model import Function, WireType
from metropipe.runtime.wire import (  # re-exported: targets take every wire number from layout
    BUSY as BUSY,
)
from metropipe.runtime.wire import (
    CHANNEL_PREFIX as CHANNEL_PREFIX,
)
from metropipe.runtime.wire import (
    CLIENT_ERROR_CODES as CLIENT_ERROR_CODES,
)
from metropipe.runtime.wire import (
    CONTENDED as CONTENDED,
)
from metropipe.runtime.wire import (
    DEFAULT_TIMEOUT_S as DEFAULT_TIMEOUT_S,
)
from metropipe.runtime.wire import (
    DIR_ENV as DIR_ENV,
)
from metropipe.runtime.wire import (
    E_APPLICATION as E_APPLICATION,
)
from metropipe.runtime.wire import (
    E_ARGUMENT as E_ARGUMENT,
)
from metropipe.runtime.wire import (
    E_BAD_REQUEST as E_BAD_REQUEST,
)
from metropipe.runtime.wire import (
    E_BAD_RESULT as E_BAD_RESULT,
)
from metropipe.runtime.wire import (
    E_CHANNEL as E_CHANNEL,
)
from metropipe.runtime.wire import (
    E_LAYOUT_MISMATCH as E_LAYOUT_MISMATCH,
)
from metropipe.runtime.wire import (
    E_PROTOCOL as E_PROTOCOL,
)
from metropipe.runtime.wire import (
    E_PROVIDER_DIED as E_PROVIDER_DIED,
)
from metropipe.runtime.wire import (
    E_PROVIDER_RESTARTED as E_PROVIDER_RESTARTED,
)
from metropipe.runtime.wire import (
    E_TIMEOUT as E_TIMEOUT,
)
from metropipe.runtime.wire import (
    ERROR as ERROR,
)
from metropipe.runtime.wire import (
    ERROR_CODES as ERROR_CODES,
)
from metropipe.runtime.wire import (
    ERROR_MESSAGE_MAX as ERROR_MESSAGE_MAX,
)
from metropipe.runtime.wire import (
    HEADER_SIZE as HEADER_SIZE,
)
from metropipe.runtime.wire import (
    IDLE as IDLE,
)
from metropipe.runtime.wire import (
    OFF_CAPACITY as OFF_CAPACITY,
)
from metropipe.runtime.wire import (
    OFF_ERROR as OFF_ERROR,
)
from metropipe.runtime.wire import (
    OFF_FINGERPRINT as OFF_FINGERPRINT,
)
from metropipe.runtime.wire import (
    OFF_LOCK as OFF_LOCK,
)
from metropipe.runtime.wire import (
    OFF_PROVIDER as OFF_PROVIDER,
)
from metropipe.runtime.wire import (
    OFF_SIZE as OFF_SIZE,
)
from metropipe.runtime.wire import (
    OFF_STATUS as OFF_STATUS,
)
from metropipe.runtime.wire import (
    PID_MASK as PID_MASK,
)
from metropipe.runtime.wire import (
    RAW_CAPACITY as RAW_CAPACITY,
)
from metropipe.runtime.wire import (
    REQUEST as REQUEST,
)
from metropipe.runtime.wire import (
    RESPONSE as RESPONSE,
)
from metropipe.runtime.wire import (
    SLEEPER as SLEEPER,
)
from metropipe.runtime.wire import (
    SLICE_S as SLICE_S,
)
from metropipe.runtime.wire import (
    STATE_MASK as STATE_MASK,
)
from metropipe.runtime.wire import (
    STATES as STATES,
)
from metropipe.runtime.wire import (
    TIMEOUT_ENV as TIMEOUT_ENV,
)
from metropipe.runtime.wire import (
    WIRE_VERSION as WIRE_VERSION,
)
from metropipe.runtime.wire import (
    fingerprint as fingerprint,
)

# Payload slots (spec section 3)
SLOT_SIZE = {
    WireType.INT32: 4,
    WireType.INT64: 8,
    WireType.FLOAT: 4,
    WireType.DOUBLE: 8,
    WireType.BOOL: 1,
    WireType.STRING: 256,
    WireType.BYTES: 4096,
}
SLOT_ALIGN = {
    WireType.INT32: 4,
    WireType.INT64: 8,
    WireType.FLOAT: 4,
    WireType.DOUBLE: 8,
    WireType.BOOL: 1,
    WireType.STRING: 4,
    WireType.BYTES: 4,
}
LENGTH_PREFIX = 4
STRING_MAX = SLOT_SIZE[WireType.STRING] - LENGTH_PREFIX  # 252
BYTES_MAX = SLOT_SIZE[WireType.BYTES] - LENGTH_PREFIX  # 4092
MIN_CAPACITY = 1024


@dataclass(frozen=True)
class Slot:
    name: str
    type: WireType
    offset: int  # payload-relative
    size: int

    @property
    def abs_offset(self) -> int:
        return HEADER_SIZE + self.offset

    @property
    def is_variable(self) -> bool:
        return self.type in (WireType.STRING, WireType.BYTES)

    @property
    def max_len(self) -> int:
        return self.size - LENGTH_PREFIX if self.is_variable else self.size


@dataclass(frozen=True)
class Layout:
    function: Function
    signature: str
    fingerprint: int
    params: tuple[Slot, ...]
    result: Slot | None
    request_size: int
    response_size: int
    capacity: int

    @property
    def raw(self) -> bool:
        return self.function.raw

    @property
    def fingerprint_hex(self) -> str:
        return f"0x{self.fingerprint:016x}"


def header_numbers() -> dict[str, int]:
    """The wire version and header offsets, for every target's runtime template (spec section 2)."""
    return {
        "WIRE_VERSION": WIRE_VERSION,
        "HEADER_SIZE": HEADER_SIZE,
        "OFF_STATUS": OFF_STATUS,
        "OFF_LOCK": OFF_LOCK,
        "OFF_SIZE": OFF_SIZE,
        "OFF_CAPACITY": OFF_CAPACITY,
        "OFF_ERROR": OFF_ERROR,
        "OFF_PROVIDER": OFF_PROVIDER,
        "OFF_FINGERPRINT": OFF_FINGERPRINT,
    }


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def canonical_signature(fn: Function) -> str:
    if fn.raw:
        return f"{fn.name}(raw)->raw"
    args = ",".join(p.type.value for p in fn.params)
    return f"{fn.name}({args})->{fn.result.value}"




def compute(fn: Function) -> Layout:
    """Lay out ``fn`` as spec/wire.md section 3 says."""
    sig = canonical_signature(fn)
    if fn.raw:
        return Layout(fn, sig, fingerprint(sig), (), None, 0, 0, RAW_CAPACITY)
    slots = []
    end = 0
    for p in fn.params:
        off = _align(end, SLOT_ALIGN[p.type])
        slots.append(Slot(p.name, p.type, off, SLOT_SIZE[p.type]))
        end = off + SLOT_SIZE[p.type]
    result = None
    if fn.result is not WireType.VOID:
        result = Slot("result", fn.result, 0, SLOT_SIZE[fn.result])
    response_size = result.size if result else 0
    capacity = max(MIN_CAPACITY, _align(end, 8), _align(response_size, 8))
    return Layout(fn, sig, fingerprint(sig), tuple(slots), result, end, response_size, capacity)


# --- reference codec -------------------------------------------------------------

_SCALAR = {
    WireType.INT32: "<i",
    WireType.INT64: "<q",
    WireType.FLOAT: "<f",
    WireType.DOUBLE: "<d",
}


def _encode_slot(buf: bytearray, slot: Slot, value: Any) -> None:
    t = slot.type
    if t in _SCALAR:
        if t is WireType.FLOAT and isinstance(value, float) and math.isfinite(value):
            struct.pack("<f", value)  # raises OverflowError like the stubs do
        struct.pack_into(_SCALAR[t], buf, slot.offset, value)
    elif t is WireType.BOOL:
        if not isinstance(value, bool):
            raise TypeError(f"{slot.name}: expected bool")
        buf[slot.offset] = 1 if value else 0
    else:
        data = value.encode("utf-8") if t is WireType.STRING else bytes(value)
        if len(data) > slot.max_len:
            raise ValueError(f"{slot.name}: {len(data)} bytes > {slot.max_len}")
        struct.pack_into("<I", buf, slot.offset, len(data))
        buf[slot.offset + 4 : slot.offset + 4 + len(data)] = data


def _decode_slot(buf: bytes, slot: Slot) -> Any:
    t = slot.type
    if t in _SCALAR:
        return struct.unpack_from(_SCALAR[t], buf, slot.offset)[0]
    if t is WireType.BOOL:
        b = buf[slot.offset]
        if b > 1:
            raise ValueError(f"{slot.name}: bool byte {b}")
        return b == 1
    (n,) = struct.unpack_from("<I", buf, slot.offset)
    if n > slot.max_len:
        raise ValueError(f"{slot.name}: length {n} > {slot.max_len}")
    data = bytes(buf[slot.offset + 4 : slot.offset + 4 + n])
    return data.decode("utf-8") if t is WireType.STRING else data


def encode_request(layout: Layout, args: list[Any]) -> bytes:
    buf = bytearray(layout.request_size)
    for slot, value in zip(layout.params, args, strict=True):
        _encode_slot(buf, slot, value)
    return bytes(buf)


def decode_request(layout: Layout, payload: bytes) -> list[Any]:
    return [_decode_slot(payload, s) for s in layout.params]


def encode_response(layout: Layout, value: Any) -> bytes:
    buf = bytearray(layout.response_size)
    if layout.result is not None:
        _encode_slot(buf, layout.result, value)
    return bytes(buf)


def decode_response(layout: Layout, payload: bytes) -> Any:
    return None if layout.result is None else _decode_slot(payload, layout.result)


def encode_error(message: str) -> bytes:
    data = message.encode("utf-8")
    if len(data) > ERROR_MESSAGE_MAX:
        data = data[:ERROR_MESSAGE_MAX].decode("utf-8", "ignore").encode("utf-8")
    return struct.pack("<I", len(data)) + data
