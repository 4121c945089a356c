"""metropipe.layout: offsets, alignment, capacity and fingerprints (spec/wire.md 3-4), and the golden vectors."""

from __future__ import annotations

import hashlib
import json
import math
import struct
from typing import Any

import pytest

from metropipe import layout, vectors
from metropipe.model import Function, Param, WireType
from tests.conftest import ROOT

T = WireType
VECTORS = ROOT / "spec" / "vectors"
SCALARS = [T.INT32, T.INT64, T.FLOAT, T.DOUBLE, T.BOOL, T.STRING, T.BYTES]


def fn(*types: WireType, result: WireType = T.VOID, name: str = "f", names: list[str] | None = None) -> Function:
    names = names or [f"p{i}" for i in range(len(types))]
    return Function(name=name, params=tuple(Param(n, t) for n, t in zip(names, types, strict=True)), result=result)


# --- slots, offsets, padding -------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "size", "align"),
    [(T.INT32, 4, 4), (T.INT64, 8, 8), (T.FLOAT, 4, 4), (T.DOUBLE, 8, 8), (T.BOOL, 1, 1), (T.STRING, 256, 4),
     (T.BYTES, 4096, 4)],
)
def test_slot_sizes_and_alignment_are_the_spec_table(wire: WireType, size: int, align: int) -> None:
    assert (layout.SLOT_SIZE[wire], layout.SLOT_ALIGN[wire]) == (size, align)


def test_header_offsets() -> None:
    assert layout.HEADER_SIZE == 32
    assert (layout.OFF_STATUS, layout.OFF_LOCK, layout.OFF_SIZE, layout.OFF_CAPACITY, layout.OFF_ERROR,
            layout.OFF_PROVIDER, layout.OFF_FINGERPRINT) == (0, 4, 8, 12, 16, 20, 24)
    assert (layout.STRING_MAX, layout.BYTES_MAX, layout.ERROR_MESSAGE_MAX) == (252, 4092, 1020)


def test_each_slot_starts_at_its_alignment_after_the_previous_one() -> None:
    lay = layout.compute(fn(T.BOOL, T.INT64, T.BOOL, T.FLOAT, T.BOOL, T.STRING, T.DOUBLE, T.BOOL, T.BYTES, T.INT32,
                            result=T.DOUBLE))
    assert [(s.offset, s.size) for s in lay.params] == [
        (0, 1),  # bool
        (8, 8),  # int64: 7 bytes of padding
        (16, 1),  # bool
        (20, 4),  # float: 3 bytes of padding
        (24, 1),  # bool
        (28, 256),  # string: aligned to 4
        (288, 8),  # double: 284 -> 288
        (296, 1),  # bool
        (300, 4096),  # bytes: 297 -> 300
        (4396, 4),  # int32
    ]
    assert lay.request_size == 4400
    assert [s.abs_offset for s in lay.params[:2]] == [32, 40]
    assert lay.result is not None and (lay.result.offset, lay.result.size, lay.response_size) == (0, 8, 8)


def test_no_parameters_and_no_result() -> None:
    lay = layout.compute(fn())
    assert (lay.params, lay.result, lay.request_size, lay.response_size, lay.capacity) == ((), None, 0, 0, 1024)
    assert lay.signature == "f()->void"


@pytest.mark.parametrize("wire", SCALARS)
def test_result_slot_is_at_offset_zero_with_its_slot_size(wire: WireType) -> None:
    lay = layout.compute(fn(T.BOOL, T.BOOL, result=wire))
    assert lay.result is not None
    assert (lay.result.offset, lay.result.size, lay.response_size) == (0, layout.SLOT_SIZE[wire],
                                                                        layout.SLOT_SIZE[wire])


def test_variable_slots_know_their_maximum_length() -> None:
    s, b, i = layout.compute(fn(T.STRING, T.BYTES, T.INT32)).params
    assert (s.is_variable, s.max_len, b.is_variable, b.max_len, i.is_variable, i.max_len) == (
        True, 252, True, 4092, False, 4)


# --- capacity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "result", "capacity"),
    [
        ((), T.VOID, 1024),
        ((T.INT32,), T.INT32, 1024),
        ((T.STRING,) * 4, T.VOID, 1024),  # exactly 1024
        ((T.STRING,) * 4 + (T.BOOL,), T.VOID, 1032),  # 1025 -> align8
        ((T.STRING,) * 4 + (T.INT32,), T.VOID, 1032),  # 1028 -> align8
        ((T.INT32,), T.BYTES, 4096),  # the response decides
        ((T.BYTES, T.BOOL), T.INT32, 4104),  # 4097 -> align8
        ((T.BYTES, T.BYTES), T.BYTES, 8192),
    ],
)
def test_capacity_is_at_least_1024_and_aligned_to_8(types: tuple[WireType, ...], result: WireType,
                                                    capacity: int) -> None:
    lay = layout.compute(fn(*types, result=result))
    assert lay.capacity == capacity
    assert lay.capacity % 8 == 0 and lay.capacity >= max(lay.request_size, lay.response_size)


def test_raw_layout() -> None:
    lay = layout.compute(Function(name="classify", raw=True))
    assert lay.raw
    assert (lay.signature, lay.capacity, lay.params, lay.result) == ("classify(raw)->raw", 4096, (), None)
    assert lay.fingerprint == layout.fingerprint("classify(raw)->raw")


# --- fingerprint ----------------------------------------------------------------------


def test_fingerprint_is_sha256_of_the_versioned_signature() -> None:
    sig = "add(int32,int32)->int32"
    expected = int.from_bytes(hashlib.sha256(b"metropipe/1 " + sig.encode()).digest()[:8], "little")
    lay = layout.compute(fn(T.INT32, T.INT32, result=T.INT32, name="add"))
    assert lay.signature == sig
    assert lay.fingerprint == expected != 0
    assert lay.fingerprint_hex == f"0x{expected:016x}"


def test_fingerprint_zero_becomes_one(monkeypatch: pytest.MonkeyPatch) -> None:
    class Zero:
        def __init__(self, _data: bytes) -> None:
            pass

        def digest(self) -> bytes:
            return bytes(32)

    monkeypatch.setattr(hashlib, "sha256", Zero)
    assert layout.fingerprint("anything") == 1


def test_function_name_is_part_of_the_fingerprint() -> None:
    assert layout.compute(fn(T.INT32, name="add")).fingerprint != layout.compute(fn(T.INT32, name="sub")).fingerprint


def test_parameter_names_are_not_part_of_the_fingerprint() -> None:
    a = layout.compute(fn(T.INT32, T.STRING, names=["a", "b"]))
    b = layout.compute(fn(T.INT32, T.STRING, names=["x", "text"]))
    assert (a.signature, a.fingerprint) == (b.signature, b.fingerprint)


def test_every_type_change_changes_the_fingerprint() -> None:
    seen: dict[int, str] = {}
    cases = [fn(*types, result=result) for types in [(), *[(t,) for t in SCALARS], *[(t, T.INT32) for t in SCALARS]]
             for result in [T.VOID, *SCALARS]]
    cases.append(Function(name="f", raw=True))
    for case in cases:
        lay = layout.compute(case)
        assert lay.fingerprint not in seen, f"{lay.signature} collides with {seen[lay.fingerprint]}"
        seen[lay.fingerprint] = lay.signature
    assert len(seen) == len(cases) == 8 * 15 + 1


def test_parameter_order_changes_the_fingerprint() -> None:
    assert layout.compute(fn(T.INT32, T.INT64)).fingerprint != layout.compute(fn(T.INT64, T.INT32)).fingerprint


# --- reference codec ------------------------------------------------------------------


def test_reference_codec_rejects_what_the_wire_cannot_carry() -> None:
    lay = layout.compute(fn(T.INT32, T.FLOAT, T.BOOL, T.STRING, T.BYTES))
    ok: list[Any] = [1, 1.0, True, "x", b"y"]
    layout.encode_request(lay, ok)
    for index, bad, error in [(0, 2**31, struct.error), (1, 1e39, OverflowError), (2, 1, TypeError),
                              (3, "x" * 253, ValueError), (4, bytes(4093), ValueError)]:
        args = list(ok)
        args[index] = bad
        with pytest.raises(error):
            layout.encode_request(lay, args)


def test_reference_codec_rejects_bad_bytes_on_decode() -> None:
    lay = layout.compute(fn(T.BOOL, T.STRING))
    payload = bytearray(layout.encode_request(lay, [True, "ok"]))
    payload[0] = 2
    with pytest.raises(ValueError, match="bool byte 2"):
        layout.decode_request(lay, bytes(payload))
    payload[0] = 1
    struct.pack_into("<I", payload, 4, 253)
    with pytest.raises(ValueError, match="253 > 252"):
        layout.decode_request(lay, bytes(payload))
    struct.pack_into("<I", payload, 4, 1)
    payload[8] = 0xFF
    with pytest.raises(UnicodeDecodeError):
        layout.decode_request(lay, bytes(payload))


def test_error_message_is_cut_at_a_character_boundary() -> None:
    data = layout.encode_error("\u00e9" * 600)  # 1200 bytes of UTF-8
    (n,) = struct.unpack_from("<I", data)
    assert n == 1020 and len(data) == 1024
    assert data[4:].decode("utf-8") == "\u00e9" * 510
    data = layout.encode_error("a" + "\u00e9" * 600)  # 1020 would split a character: 1019
    assert struct.unpack_from("<I", data)[0] == 1019
    assert data[4:].decode("utf-8") == "a" + "\u00e9" * 509


# --- golden vectors -------------------------------------------------------------------


def test_the_vector_files_are_exactly_the_cases() -> None:
    assert sorted(p.stem for p in VECTORS.glob("*.json")) == sorted(vectors.CASES)


@pytest.mark.parametrize("name", sorted(vectors.CASES))
def test_checked_in_vector_is_what_the_code_produces_now(name: str) -> None:
    """A wire change cannot slip in without regenerating spec/vectors (nox -s regen) and reviewing the diff."""
    on_disk = (VECTORS / f"{name}.json").read_text(encoding="utf-8")
    assert on_disk == vectors.render(name), f"spec/vectors/{name}.json is stale: run `nox -s regen` and review"


def _value(wire: str, v: Any) -> Any:
    return bytes.fromhex(v["hex"]) if wire == "bytes" else v


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return type(a) is type(b) and (a == b or (math.isnan(a) and math.isnan(b))) and \
            math.copysign(1, a) == math.copysign(1, b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("name", sorted(vectors.CASES))
def test_reference_codec_round_trips_each_vector(name: str) -> None:
    data = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    function = vectors.CASES[name][0]
    lay = layout.compute(function)
    assert data["wire_version"] == layout.WIRE_VERSION
    assert (data["signature"], int(data["fingerprint"], 16)) == (lay.signature, lay.fingerprint)
    assert (data["request_size"], data["response_size"], data["capacity"]) == (lay.request_size,
                                                                                lay.response_size, lay.capacity)
    assert [(p["type"], p["offset"], p["size"]) for p in data["params"]] == [
        (s.type.value, s.offset, s.size) for s in lay.params]
    assert data["calls"], "a vector without calls checks nothing"
    for call in data["calls"]:
        request, response = bytes.fromhex(call["request"]), bytes.fromhex(call["response"])
        if data["raw"]:
            assert request == bytes.fromhex(call["args"][0]["hex"]) and response == bytes.fromhex(
                call["result"]["hex"])
            continue
        assert len(request) == lay.request_size and len(response) == lay.response_size
        args = [_value(p["type"], a) for p, a in zip(data["params"], call["args"], strict=True)]
        assert layout.encode_request(lay, args) == request
        decoded = layout.decode_request(lay, request)
        assert all(_same(x, y) for x, y in zip(decoded, args, strict=True)), (decoded, args)
        result = None if data["result"] is None else _value(data["result"]["type"], call["result"])
        assert layout.encode_response(lay, result) == response
        assert _same(layout.decode_response(lay, response), result) or result is None
    for err in data["errors"]:
        encoded = layout.encode_error(err["message"])
        assert encoded.hex() == err["response"]
        assert encoded[4:].decode("utf-8") == err["delivered_message"]
        assert struct.unpack_from("<I", encoded)[0] == len(encoded) - 4 <= layout.ERROR_MESSAGE_MAX
