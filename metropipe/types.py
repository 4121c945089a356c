"""Spellings for the wire's narrower and explicit widths, for type hints in Python sources.

``def add(a: int32, b: int32) -> int32`` exports int32 slots; plain ``int`` is int64
and plain ``float`` is double. These are ``typing.NewType``s: at run time they are
just ``int`` and ``float``. Any module-level name ``int32`` (for example your own
``int32 = NewType("int32", int)``) is read the same way, so a source need not import
metropipe.
"""

from __future__ import annotations

from typing import NewType

int32 = NewType("int32", int)
int64 = NewType("int64", int)
float32 = NewType("float32", float)
float64 = NewType("float64", float)

__all__ = ["float32", "float64", "int32", "int64"]
