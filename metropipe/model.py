"""The language-neutral model of an exported function.

Parsers produce it, ``layout`` lays it out, targets render it. Every element keeps
the source location it came from, so diagnostics can point at it.

``native`` (on :class:`Function` and :class:`Param`) holds what a provider in the source's own
language needs to call the real function, as plain strings: the exact native type spelling,
the class, package or module that owns the function, the error idiom, C's pointer and length
pairs. The wire layout never reads it (it depends on the wire types and the function name
only). docs/types.md lists every key per language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


class WireType(str, enum.Enum):
    """The wire's value types (spec/wire.md section 3). ``VOID`` means no result."""

    INT32 = "int32"
    INT64 = "int64"
    FLOAT = "float"
    DOUBLE = "double"
    BOOL = "bool"
    STRING = "string"
    BYTES = "bytes"
    VOID = "void"


@dataclass(frozen=True)
class Param:
    name: str
    type: WireType
    location: Location | None = None
    keyword_only: bool = False  # Python: a parameter after '*' is passed by keyword (Ruby: a keyword argument)
    # how the source language spells and passes it, e.g. {"type": "&str"} (docs/types.md)
    native: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Function:
    """One exported function.

    ``raw`` functions have no typed signature: they take and return opaque bytes.
    ``source`` is the path of the file the signature was read from (None for raw),
    ``language`` the parser that read it (python, rust, go, c, js, ts, ruby, java, csharp).
    ``native`` is what a provider in that language needs to call it (docs/types.md), for
    example {"errors": "go-error", "package": "calc"}; empty for Python.
    """

    name: str
    params: tuple[Param, ...] = ()
    result: WireType = WireType.VOID
    raw: bool = False
    source: str | None = None
    language: str | None = None
    location: Location | None = None
    doc: str = ""
    channel: str = field(default="")
    native: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def channel_name(self) -> str:
        return self.channel or self.name

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON form, used to remember what a unified file holds.

        ``native`` is written only when there is some (a parameter's as a fourth item), so the
        records of Python functions are what they were before it existed.
        """
        data: dict[str, Any] = {
            "name": self.name,
            "params": [[p.name, p.type.value, p.keyword_only, *([dict(p.native)] if p.native else [])]
                       for p in self.params],
            "result": self.result.value,
            "raw": self.raw,
            "source": self.source,
            "language": self.language,
            "doc": self.doc,
            "channel": self.channel,
        }
        if self.native:
            data["native"] = dict(self.native)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Function:
        return cls(
            name=data["name"],
            params=tuple(Param(p[0], WireType(p[1]), keyword_only=bool(p[2:3] and p[2]),
                               native=_strings(p[3] if len(p) > 3 else {})) for p in data["params"]),
            result=WireType(data["result"]),
            raw=bool(data["raw"]),
            source=data.get("source"),
            language=data.get("language"),
            doc=data.get("doc", ""),
            channel=data.get("channel", ""),
            native=_strings(data.get("native", {})),
        )


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise TypeError("native must map strings to strings")
    return dict(value)
