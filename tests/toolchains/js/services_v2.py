"""add() with another signature: its provider must refuse stubs made from services.py."""

from __future__ import annotations


def add(a: int, b: int) -> int:
    return a + b
