"""The Python client stub: ``stub.py``, standard library only, importable from anywhere."""

from __future__ import annotations

from metropipe import layout
from metropipe.model import Function
from metropipe.render import render
from metropipe.targets import stub_path
from metropipe.targets.pyshared import import_block, prepare, runtime_source, sorted_all

KEY = "python"
LANGUAGE = "Python"
EXT = ".py"
UNIFIED = "metropipe_stubs.py"  # not metropipe.py: that would shadow the metropipe package


def files(functions: list[Function], mode: str, header: str, record: str | None) -> dict[str, str]:
    prepared = [prepare(fn) for fn in functions]
    alias_call = mode != "unify" and functions[0].raw
    errors = ["ArgumentError", "ArgumentTypeError", "CallTimeout", "ChannelError", "LayoutMismatchError",
              "MetropipeError", "ProtocolError", "ProviderDiedError", "RemoteError"]
    text = render(
        __file__,
        "stub.py.j2",
        header=header,
        record=record,
        functions=prepared,
        runtime=runtime_source(),
        header_size=layout.HEADER_SIZE,
        max_string=layout.STRING_MAX,
        max_bytes=layout.BYTES_MAX,
        alias_call=alias_call,
        imports=import_block("math", "struct"),
        all_names=sorted_all([*errors, *(f.name for f in prepared), *(["call"] if alias_call else [])]),
    )
    return {stub_path(mode, functions[0].name, "stub", EXT, UNIFIED): text}
