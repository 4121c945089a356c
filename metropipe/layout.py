"""The byte layout of a channel: the only place where wire rules become numbers.

Implements spec/wire.md: header offsets, slot sizes and alignment, payload offsets,
capacity, the canonical signature and its fingerprint. Every template takes its
numbers from a :class:`Layout`; none computes an offset. The reference codec at
the end (``encode_*``/``decode_*``) writes and checks the golden vectors.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass
from typing import Any

from metropipe.model import Function, WireType

WIRE_VERSION = 1

# Header (spec section 2)
HEADER_SIZE = 32
OFF_STATUS = 0
OFF_LOCK = 4
OFF_SIZE = 8
OFF_CAPACITY = 12
OFF_ERROR = 16
OFF_PROVIDER = 20
OFF_FINGERPRINT = 24

STATE_MASK = 0xFF
SLEEPER = 0x80000000
CONTENDED = 0x80000000
PID_MASK = 0x3FFFFFFF

IDLE, REQUEST, BUSY, RESPONSE, ERROR = 0, 1, 2, 3, 4
STATES = {"IDLE": IDLE, "REQUEST": REQUEST, "BUSY": BUSY, "RESPONSE": RESPONSE, "ERROR": ERROR}

# Error codes (spec section 5)
E_APPLICATION = 1
E_LAYOUT_MISMATCH = 2
E_BAD_REQUEST = 3
E_BAD_RESULT = 4
E_PROVIDER_RESTARTED = 5
ERROR_CODES = {
    "APPLICATION": E_APPLICATION,
    "LAYOUT_MISMATCH": E_LAYOUT_MISMATCH,
    "BAD_REQUEST": E_BAD_REQUEST,
    "BAD_RESULT": E_BAD_RESULT,
    "PROVIDER_RESTARTED": E_PROVIDER_RESTARTED,
}
ERROR_MESSAGE_MAX = 1020

# Client-side error codes (spec section 5): never on the wire, the same in every language
E_TIMEOUT = 16
E_ARGUMENT = 17
E_CHANNEL = 18
E_PROVIDER_DIED = 19
E_PROTOCOL = 20
CLIENT_ERROR_CODES = {
    "TIMEOUT": E_TIMEOUT,
    "ARGUMENT": E_ARGUMENT,
    "CHANNEL": E_CHANNEL,
    "PROVIDER_DIED": E_PROVIDER_DIED,
    "PROTOCOL": E_PROTOCOL,
}

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
RAW_CAPACITY = 4096

# Call semantics (spec section 6)
DEFAULT_TIMEOUT_S = 5.0
TIMEOUT_ENV = "METROPIPE_TIMEOUT"
SLICE_S = 0.010
DIR_ENV = "METROPIPE_DIR"
CHANNEL_PREFIX = "metro_"


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


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def canonical_signature(fn: Function) -> str:
    if fn.raw:
        return f"{fn.name}(raw)->raw"
    args = ",".join(p.type.value for p in fn.params)
    return f"{fn.name}({args})->{fn.result.value}"


def fingerprint(signature: str) -> int:
    digest = hashlib.sha256(f"metropipe/{WIRE_VERSION} {signature}".encode()).digest()
    return int.from_bytes(digest[:8], "little") or 1


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
