"""Functions the C stub's end-to-end tests call through a real Python provider."""

from __future__ import annotations

import time
from typing import NewType

int32 = NewType("int32", int)
float32 = NewType("float32", float)


def add(a: int32, b: int32) -> int32:
    return a + b


def every(i32: int32, i64: int, f32: float32, f64: float, flag: bool, text: str, blob: bytes) -> str:
    """Describe every argument as text (short enough for the 252-byte string slot)."""
    return f"{i32}|{i64}|{f32!r}|{f64!r}|{flag}|{len(text)}:{text[:12]}|{len(blob)}:{blob[:4].hex()}:{sum(blob)}"


def big(x: int) -> int:
    return -x


def twice(x: float) -> float:
    return x * 2


def half(x: float32) -> float32:
    return x / 2


def negate(flag: bool) -> bool:
    return not flag


def shout(text: str) -> str:
    return text.upper() + "!"


def blob_of(n: int32, fill: int32) -> bytes:
    return bytes([fill]) * n


def nothing() -> None:
    pass


def fail(message: str) -> int:
    raise ValueError(message)


def slow(seconds: float) -> int32:
    time.sleep(seconds)
    return 7
