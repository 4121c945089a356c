"""The language-neutral model of an exported function.

Parsers produce it, ``layout`` lays it out, targets render it. Every element keeps
the source location it came from, so diagnostics can point at it.
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
    keyword_only: bool = False  # Python: a parameter after '*' is passed by keyword


@dataclass(frozen=True)
class Function:
    """One exported function.

    ``raw`` functions have no typed signature: they take and return opaque bytes.
    ``source`` is the path of the file the signature was read from (None for raw),
    ``language`` the parser that read it.
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

    @property
    def channel_name(self) -> str:
        return self.channel or self.name

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON form, used to remember what a unified file holds."""
        return {
            "name": self.name,
            "params": [[p.name, p.type.value, p.keyword_only] for p in self.params],
            "result": self.result.value,
            "raw": self.raw,
            "source": self.source,
            "language": self.language,
            "doc": self.doc,
            "channel": self.channel,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Function:
        return cls(
            name=data["name"],
            params=tuple(Param(p[0], WireType(p[1]), keyword_only=bool(p[2:3] and p[2])) for p in data["params"]),
            result=WireType(data["result"]),
            raw=bool(data["raw"]),
            source=data.get("source"),
            language=data.get("language"),
            doc=data.get("doc", ""),
            channel=data.get("channel", ""),
        )
