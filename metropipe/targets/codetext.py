"""Text helpers shared by the Java and C# targets: names, string literals, long lines.

Both languages spell identifiers the same way (camelCase, PascalCase), escape string
literals the same way (\\uXXXX), and get generated lines wrapped the same way.
"""

from __future__ import annotations

WIDTH = 120


def wrap_code(text: str, width: int = WIDTH, extra: int = 8) -> str:
    """Breaks code lines longer than ``width`` after a ", " or before a " + " outside string
    literals (the last such point that fits); continuation lines are indented ``extra`` more.
    Comment lines are left alone."""
    out = []
    for line in text.split("\n"):
        body = line.lstrip()
        indent = " " * (len(line) - len(body) + extra)
        while len(line) > width and not body.startswith(("*", "/")):
            cut = _break_at(line, width)
            if cut is None:
                break
            out.append(cut[0])
            line = indent + cut[1]
        out.append(line)
    return "\n".join(out)


def _break_at(line: str, width: int) -> tuple[str, str] | None:
    best: tuple[str, str] | None = None
    quoted = False
    for i, c in enumerate(line):
        if c == '"' and (i == 0 or line[i - 1] != "\\"):
            quoted = not quoted
        if quoted or not line[:i].strip():
            continue
        if line.startswith(", ", i):
            cut = (line[:i + 1], line[i + 2:])
        elif line.startswith(" + ", i):
            cut = (line[:i], line[i + 1:])
        else:
            continue
        if len(cut[0]) > width and best is not None:
            break
        best = cut
    return best


def string_literal(text: str) -> str:
    """A Java or C# string literal holding ``text`` (ASCII source)."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ord(c) < 127:
            out.append(c)
        else:
            out.append(escape_char(c))
    return '"' + "".join(out) + '"'


def escape_char(c: str) -> str:
    data = c.encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{int.from_bytes(data[i:i + 2], 'big'):04x}" for i in range(0, len(data), 2))


def _parts(name: str) -> list[str]:
    return [p for p in name.split("_") if p]


def camel(name: str) -> str:
    """``blob_of`` -> ``blobOf``, ``ID`` -> ``id``, ``HTTP_code`` -> ``httpCode``."""
    parts = _parts(name) or ["x"]
    first = parts[0].lower() if parts[0].isupper() else parts[0][0].lower() + parts[0][1:]
    return first + "".join(_cap(p) for p in parts[1:])


def pascal(name: str) -> str:
    """``blob_of`` -> ``BlobOf``, ``HTTP_get`` -> ``HttpGet``."""
    return "".join(_cap(p) for p in _parts(name)) or "X"


def _cap(part: str) -> str:
    return part.capitalize() if part.isupper() else part[0].upper() + part[1:]


def fresh(ident: str, taken: set[str], reserved: frozenset[str] = frozenset()) -> str:
    if ident[0].isdigit():
        ident = "_" + ident
    while ident in taken or ident in reserved:
        ident += "_"
    taken.add(ident)
    return ident
