"""What the Python stub and the Python provider share: the inlined runtime and slot codecs.

The runtime (``metropipe/runtime/shm.py``) is inlined with its wire-constant block
replaced by values from :mod:`metropipe.layout`. Each function's payload is split
into *runs* of consecutive fixed-size slots, each packed with one ``struct.Struct``,
and the variable slots (string, bytes) written one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from metropipe import layout
from metropipe.layout import HEADER_SIZE, Layout, Slot
from metropipe.model import Function, WireType

_CODE = {
    WireType.INT32: "i",
    WireType.INT64: "q",
    WireType.FLOAT: "f",
    WireType.DOUBLE: "d",
    WireType.BOOL: "B",
}
PY_TYPE = {
    WireType.INT32: "int",
    WireType.INT64: "int",
    WireType.FLOAT: "float",
    WireType.DOUBLE: "float",
    WireType.BOOL: "bool",
    WireType.STRING: "str",
    WireType.BYTES: "bytes",
    WireType.VOID: "None",
}


@dataclass(frozen=True)
class Run:
    """Consecutive fixed-size slots packed by one struct format at ``offset`` (absolute)."""

    offset: int
    fmt: str
    slots: tuple[Slot, ...]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.slots]

    @property
    def checked(self) -> bool:
        """Whether packing can fail on a value the stub has not checked already (range, overflow)."""
        return any(s.type in (WireType.INT32, WireType.INT64, WireType.FLOAT) for s in self.slots)


# Names the generated function bodies use for their own locals; a parameter with the
# same name keeps its name and the local gets a trailing underscore instead.
LOCALS = ("ch", "buf", "hdr", "u32", "function", "size", "data", "result", "problem", "err", "flag", "payload")


@dataclass(frozen=True)
class PyFunction:
    fn: Function
    layout: Layout
    runs: tuple[Run, ...]
    variables: tuple[Slot, ...]
    result_fmt: str  # struct format of a fixed-size result, "" otherwise
    timeout_name: str
    local: dict[str, str]  # LOCALS -> the name used in this function
    data_name: dict[str, str]  # string/bytes parameter -> the local holding its encoded bytes
    doc: str  # the docstring's text, escaped for a triple-quoted string

    @property
    def name(self) -> str:
        return self.fn.name

    @property
    def uses_payload(self) -> bool:
        """Whether the generated code touches the payload at all (not for ``f() -> None``)."""
        return bool(self.runs or self.variables or self.layout.result)

    def py_type(self, t: WireType) -> str:
        return PY_TYPE[t]


def runs_of(slots: tuple[Slot, ...]) -> tuple[tuple[Run, ...], tuple[Slot, ...]]:
    runs: list[Run] = []
    variables: list[Slot] = []
    cur: list[Slot] = []
    fmt = "<"
    end = 0

    def flush() -> None:
        nonlocal cur, fmt
        if cur:
            runs.append(Run(HEADER_SIZE + cur[0].offset, fmt, tuple(cur)))
        cur, fmt = [], "<"

    for s in slots:
        if s.type not in _CODE:
            flush()
            variables.append(s)
            continue
        if cur and s.offset != end:
            fmt += f"{s.offset - end}x"
        cur.append(s)
        fmt += _CODE[s.type]
        end = s.offset + s.size
    flush()
    return tuple(runs), tuple(variables)


def prepare(fn: Function) -> PyFunction:
    lay = layout.compute(fn)
    runs, variables = runs_of(lay.params)
    result_fmt = ""
    if lay.result is not None and lay.result.type in _CODE:
        result_fmt = "<" + _CODE[lay.result.type]
    taken = {p.name for p in fn.params}

    def fresh(name: str) -> str:
        while name in taken:
            name += "_"
        taken.add(name)
        return name

    timeout = fresh("timeout")
    local = {n: fresh(n) for n in LOCALS}
    data_name = {s.name: fresh(f"{s.name}_data") for s in variables}
    doc = fn.doc or f"Call {fn.name} in its provider process."
    doc = doc.replace("\\", "\\\\").replace('"', '\\"')
    return PyFunction(fn, lay, runs, variables, result_fmt, timeout, local, data_name, doc)


def import_block(*extra: str) -> str:
    """The runtime's imports plus ``extra`` modules, as one sorted block (isort style)."""
    plain, froms = set(extra), set()
    for line in _runtime_imports():
        if line.startswith("import "):
            plain.add(line[len("import "):])
        else:
            froms.add(line)
    return "\n".join([*(f"import {m}" for m in sorted(plain)), *sorted(froms)]) + "\n"


def sorted_all(names: list[str]) -> list[str]:
    """``__all__`` in the order ruff's RUF022 expects (isort-style: case-sensitive)."""
    return sorted(set(names))


@cache
def _runtime_imports() -> tuple[str, ...]:
    text = _RUNTIME.read_text(encoding="utf-8")
    head = text.split("# --- wire constants ---", 1)[0]
    lines = head.splitlines()
    return tuple(line for line in lines if line.startswith(("import ", "from ")) and "__future__" not in line)


def constants() -> dict[str, object]:
    """The wire constants the runtime uses, by name, from metropipe.layout."""
    return {name: getattr(layout, name) for name in _runtime_constant_names()}


_RUNTIME = Path(__file__).resolve().parent.parent / "runtime" / "shm.py"
_BLOCK = re.compile(r"# --- wire constants ---\n(.*?)# --- end wire constants ---\n", re.S)


@cache
def _runtime_constant_names() -> tuple[str, ...]:
    m = _BLOCK.search(_RUNTIME.read_text(encoding="utf-8"))
    assert m, "runtime/shm.py lost its wire-constant markers"
    return tuple(re.findall(r"^\s+([A-Z_]+),$", m.group(1), re.M))


@cache
def runtime_source() -> str:
    """shm.py without its docstring and __future__ import, constants inlined."""
    text = _RUNTIME.read_text(encoding="utf-8")
    text = text.split('"""', 2)[2]  # drop the module docstring
    text = text.replace("from __future__ import annotations\n", "", 1)

    def inline(_m: re.Match[str]) -> str:
        lines = []
        for name in _runtime_constant_names():
            value = getattr(layout, name)
            if isinstance(value, int) and value > 0xFFFF:
                lines.append(f"{name} = 0x{value:X}")
            else:
                lines.append(f"{name} = {value!r}")
        return "\n".join(lines) + "\n"

    text = _BLOCK.sub(inline, text)
    text = "\n".join(line for line in text.splitlines() if line not in _runtime_imports())
    return text.strip() + "\n"
