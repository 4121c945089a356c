"""Read a TypeScript function's signature (``.ts``, ``.mts``, ``.cts``) with tree-sitter-typescript.

Types come from the annotations (``x: number``, ``): Promise<string>``); a parameter or
result without one falls back to the JSDoc comment above the function. Everything else, the
type table (``number`` is a double; name a type ``int32``, e.g. ``type int32 = number``, for
a 32-bit integer; ``bigint`` is int64; ``Uint8Array``/``Buffer`` are bytes), the exports and
the ``native`` keys, is shared with JavaScript: see :mod:`metropipe.parse.javascript`.
Also refused in TypeScript: generic functions, overloads (each signature is listed) and
``declare function`` declarations.
"""

from __future__ import annotations

from metropipe.model import Function
from metropipe.parse.javascript import read


def parse(path: str, text: str, name: str) -> Function:
    return read(path, text, name, "ts")
