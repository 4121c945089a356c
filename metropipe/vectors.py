"""The golden vectors of spec/vectors/: cases, and the writer behind ``nox -s regen``.

Bytes come from the reference codec in :mod:`metropipe.layout`; reviewers read the
diff of spec/vectors/ like any other change to the contract.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from metropipe import layout
from metropipe.model import Function, Param, WireType

T = WireType


def _fn(name: str, params: list[tuple[str, WireType]], result: WireType) -> Function:
    return Function(name=name, params=tuple(Param(n, t) for n, t in params), result=result)


# name -> (function, [(args, result)], [(code, message)])
CASES: dict[str, tuple[Function, list[tuple[list[Any], Any]], list[tuple[int, str]]]] = {
    "add": (
        _fn("add", [("a", T.INT32), ("b", T.INT32)], T.INT32),
        [([1, 2], 3), ([-2147483648, 2147483647], -1), ([0, -7], -7)],
        [(layout.E_APPLICATION, "ValueError: boom")],
    ),
    "every_type": (
        _fn(
            "every_type",
            [
                ("i32", T.INT32),
                ("i64", T.INT64),
                ("f32", T.FLOAT),
                ("f64", T.DOUBLE),
                ("flag", T.BOOL),
                ("text", T.STRING),
                ("blob", T.BYTES),
            ],
            T.STRING,
        ),
        [
            ([-5, 9007199254740993, 1.5, -0.125, True, "h\u00e9llo \u2713", b"\x00\x01\xfe\xff"], "ok \u00e9"),
            ([2147483647, -9223372036854775808, -0.0, 1e300, False, "", b""], ""),
            ([0, 0, 3.4028234663852886e38, 5e-324, True, "x" * 252, bytes(range(256)) * 15 + b"\xaa" * 252], "y" * 252),
        ],
        [
            (layout.E_LAYOUT_MISMATCH, "layout mismatch on channel 'every_type'"),
            (layout.E_BAD_REQUEST, "bad request: 'text' is not valid UTF-8"),
        ],
    ),
    "alignment": (
        _fn(
            "alignment",
            [("a", T.BOOL), ("b", T.INT64), ("c", T.BOOL), ("d", T.FLOAT), ("e", T.BOOL), ("s", T.STRING),
             ("g", T.DOUBLE)],
            T.DOUBLE,
        ),
        [([True, -1, False, -2.5, True, "\u00fc", 0.1], 2.75)],
        [],
    ),
    "notify": (
        _fn("notify", [("message", T.STRING)], T.VOID),
        [(["hello"], None)],
        [(layout.E_APPLICATION, "RuntimeError: " + "\u00e9" * 600)],
    ),
    "nothing": (_fn("nothing", [], T.INT64), [([], 42)], [(layout.E_PROVIDER_RESTARTED, "provider restarted")]),
    "results": (
        _fn("results", [("which", T.INT32)], T.BYTES),
        [([1], b"\x00binary\xff"), ([0], b"")],
        [(layout.E_BAD_RESULT, "bad result: 5000 bytes do not fit the 4092-byte slot")],
    ),
    "flag": (_fn("flag", [("x", T.DOUBLE)], T.BOOL), [([0.5], True), ([-1.0], False)], []),
    "ratio": (_fn("ratio", [("x", T.FLOAT), ("y", T.FLOAT)], T.FLOAT), [([1.0, 4.0], 0.25)], []),
    "echo": (Function(name="echo", raw=True), [([b"raw \x00 bytes"], b"raw \x00 bytes")], []),
}


def _json_value(t: WireType, v: Any) -> Any:
    return {"hex": bytes(v).hex()} if t is WireType.BYTES else v


def build(name: str) -> dict[str, Any]:
    fn, calls, errors = CASES[name]
    lay = layout.compute(fn)
    out: dict[str, Any] = {
        "wire_version": layout.WIRE_VERSION,
        "signature": lay.signature,
        "fingerprint": lay.fingerprint_hex,
        "raw": fn.raw,
        "params": [{"name": s.name, "type": s.type.value, "offset": s.offset, "size": s.size} for s in lay.params],
        "result": None if lay.result is None else {"type": lay.result.type.value, "offset": 0, "size": lay.result.size},
        "request_size": lay.request_size,
        "response_size": lay.response_size,
        "capacity": lay.capacity,
        "calls": [],
        "errors": [],
    }
    for args, result in calls:
        if fn.raw:
            out["calls"].append({"args": [{"hex": args[0].hex()}], "request": args[0].hex(),
                                 "result": {"hex": result.hex()}, "response": result.hex()})
            continue
        req = layout.encode_request(lay, args)
        assert layout.decode_request(lay, req) == args or any(isinstance(a, float) for a in args)
        resp = layout.encode_response(lay, result)
        out["calls"].append({
            "args": [_json_value(s.type, a) for s, a in zip(lay.params, args, strict=True)],
            "request": req.hex(),
            "result": None if lay.result is None else _json_value(lay.result.type, result),
            "response": resp.hex(),
        })
    for code, message in errors:
        data = layout.encode_error(message)
        out["errors"].append({"code": code, "message": message, "response": data.hex(),
                              "delivered_message": data[4:].decode("utf-8")})
    return out


def render(name: str) -> str:
    return json.dumps(build(name), indent=2, ensure_ascii=False) + "\n"


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CASES:
        path = folder / f"{name}.json"
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write(Path(sys.argv[1] if len(sys.argv) > 1 else "spec/vectors")):
        print(p)
