"""The generated Python stub and provider against the golden vectors of spec/vectors/, byte for byte.

No provider process: each vector's function is exported from a small source file, the
generated modules are imported here, and

* the provider's handler decodes each vector's request bytes and encodes the result
  (and errors) into exactly the vector's response bytes, calling a fake function
  that checks the arguments it receives;
* the stub, calling a provider thread in this process over a real channel in a
  private METROPIPE_DIR, writes exactly the vector's request bytes (captured by the
  fake function before the response overwrites them) and decodes the vector's
  response bytes into the vector's result.

Encoders write into a zero-filled payload, as the vectors assume; the fake function
also zeroes the payload before returning, so a provider that read an argument after
calling the function (spec section 3) would fail here.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from metropipe import export, layout, vectors
from metropipe.model import Function, Param, WireType
from tests.conftest import ROOT, require_native_build

VECTORS = ROOT / "spec" / "vectors"
HEADER = layout.HEADER_SIZE
TYPED = sorted(n for n, case in vectors.CASES.items() if not case[0].raw)
RAW = sorted(n for n, case in vectors.CASES.items() if case[0].raw)
ANNOTATION = {
    WireType.INT32: "int32",
    WireType.INT64: "int",
    WireType.FLOAT: "float32",
    WireType.DOUBLE: "float",
    WireType.BOOL: "bool",
    WireType.STRING: "str",
    WireType.BYTES: "bytes",
    WireType.VOID: "None",
}
PRELUDE = 'from typing import NewType\n\nint32 = NewType("int32", int)\nfloat32 = NewType("float32", float)\n\n'


def source_of(fn: Function) -> str:
    params = ", ".join(f"{p.name}: {ANNOTATION[p.type]}" for p in fn.params)
    return f"{PRELUDE}\ndef {fn.name}({params}) -> {ANNOTATION[fn.result]}:\n    raise NotImplementedError\n"


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Generated:
    name: str
    vector: dict[str, Any]
    stub: ModuleType
    provider: ModuleType

    @property
    def capacity(self) -> int:
        return int(self.vector["capacity"])

    def channel(self, module: ModuleType, fingerprint: int | None = None) -> Any:
        v = self.vector
        fp = int(v["fingerprint"], 16) if fingerprint is None else fingerprint
        return module.Channel(self.name, v["capacity"], fp, v["signature"])


def generate(folder: Path, name: str, fn: Function) -> tuple[ModuleType, ModuleType]:
    folder.mkdir(parents=True, exist_ok=True)
    source = None
    if not fn.raw:
        (folder / "src.py").write_text(source_of(fn), encoding="utf-8")
        source = str(folder / "src.py")
    result = export.export(name, source, ["python"], out=str(folder))
    assert layout.compute(result.function).signature == layout.compute(fn).signature
    stub = load(folder / "metropipe" / name / "stub.py", f"vector_stub_{name}")
    provider = load(folder / "metropipe" / name / "provider.py", f"vector_provider_{name}")
    return stub, provider


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    root = tmp_path_factory.mktemp("vectors")
    out = {}
    for name, (fn, _calls, _errors) in vectors.CASES.items():
        stub, provider = generate(root / name, name, fn)
        vector = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
        out[name] = Generated(name, vector, stub, provider)
    return out


def value(wire: str, v: Any) -> Any:
    if wire == "bytes":
        return bytes.fromhex(v["hex"])
    if wire in ("float", "double"):
        return float(v)
    return v


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type; floats bit for bit (so -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return bool(a == b)


def calls_of(g: Generated) -> list[tuple[list[Any], Any, bytes, bytes]]:
    v = g.vector
    out = []
    for call in v["calls"]:
        result: Any
        if v["raw"]:
            args = [bytes.fromhex(call["args"][0]["hex"])]
            result = bytes.fromhex(call["result"]["hex"])
        else:
            args = [value(p["type"], a) for p, a in zip(v["params"], call["args"], strict=True)]
            result = None if v["result"] is None else value(v["result"]["type"], call["result"])
        out.append((args, result, bytes.fromhex(call["request"]), bytes.fromhex(call["response"])))
    return out


def application_errors(g: Generated) -> list[dict[str, Any]]:
    return [e for e in g.vector["errors"] if e["code"] == layout.E_APPLICATION]


def raising(message: str) -> BaseException:
    """The exception whose provider message is ``message`` ('<Type>: <text>')."""
    type_name, _, text = message.partition(": ")
    cls = getattr(builtins, type_name)
    assert isinstance(cls, type) and issubclass(cls, Exception)
    return cls(text)


def zero(ch: Any) -> None:
    ch.buf[HEADER : HEADER + ch.capacity] = bytes(ch.capacity)


def payload(ch: Any, n: int) -> bytes:
    return bytes(ch.buf[HEADER : HEADER + n])


@pytest.fixture(params=["native", "ctypes"])
def channels(request: pytest.FixtureRequest, shm_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The channels a test opens (closed after it), each test once with the runtime's compiled
    fast path required and once with the ctypes fallback."""
    if request.param == "native":
        require_native_build()
    monkeypatch.setenv("METROPIPE_NATIVE", "1" if request.param == "native" else "0")
    opened: list[Any] = []
    yield opened
    for ch in opened:
        ch.close()


# --- provider: request bytes in, response bytes out ---------------------------------


@pytest.mark.parametrize("name", TYPED + RAW)
def test_provider_decodes_vector_requests_and_encodes_vector_responses(
    name: str, generated: dict[str, Generated], channels: list[Any]
) -> None:
    g = generated[name]
    ch = g.channel(g.provider)
    channels.append(ch)
    make_handler = getattr(g.provider, f"_{name}_handler")
    kw_only = {p.name for p in vectors.CASES[name][0].params if p.keyword_only}
    for args, result, request, response in calls_of(g):
        received: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

        def fake(*a: Any, _result: Any = result, _received: list[Any] = received, **k: Any) -> Any:
            _received.append((a, k))
            zero(ch)  # every argument must have been read by now
            return _result

        zero(ch)
        ch.buf[HEADER : HEADER + len(request)] = request
        ch.hdr[2] = len(request)
        assert make_handler(ch, fake)() == g.provider.RESPONSE
        assert len(received) == 1
        positional, keywords = received[0]
        assert not kw_only and keywords == {}
        assert len(positional) == len(args)
        for got, want in zip(positional, args, strict=True):
            assert same(got, want), (got, want)
        assert payload(ch, len(response)) == response
        assert ch.hdr[2] == len(response)

    for err in application_errors(g):
        args, _result, request, _response = calls_of(g)[0]

        def fails(*_a: Any, _message: str = err["message"]) -> Any:
            zero(ch)
            raise raising(_message)

        zero(ch)
        ch.buf[HEADER : HEADER + len(request)] = request
        ch.hdr[2] = len(request)
        assert make_handler(ch, fails)() == g.provider.ERROR
        expected = bytes.fromhex(err["response"])
        assert payload(ch, len(expected)) == expected
        assert (ch.hdr[2], ch.hdr[4]) == (len(expected), layout.E_APPLICATION)


def test_provider_refuses_invalid_utf8_with_the_vector_error(generated: dict[str, Generated],
                                                            channels: list[Any]) -> None:
    g = generated["every_type"]
    ch = g.channel(g.provider)
    channels.append(ch)
    [err] = [e for e in g.vector["errors"] if e["code"] == layout.E_BAD_REQUEST]
    text = next(p for p in g.vector["params"] if p["name"] == "text")
    request = bytearray(calls_of(g)[0][2])
    request[text["offset"] + 4] = 0xFF  # the first byte of 'text' is no longer UTF-8
    zero(ch)
    ch.buf[HEADER : HEADER + len(request)] = bytes(request)
    ch.hdr[2] = len(request)
    called = []
    assert g.provider._every_type_handler(ch, lambda *a: called.append(a))() == g.provider.ERROR
    assert called == []
    expected = bytes.fromhex(err["response"])
    assert payload(ch, len(expected)) == expected
    assert (ch.hdr[2], ch.hdr[4]) == (len(expected), layout.E_BAD_REQUEST)


@pytest.mark.parametrize("name", sorted(vectors.CASES))
def test_runtime_encodes_every_vector_error(name: str, generated: dict[str, Generated], channels: list[Any]) -> None:
    g = generated[name]
    ch = g.channel(g.provider)
    channels.append(ch)
    for err in g.vector["errors"]:
        zero(ch)
        ch.write_error(err["code"], err["message"])
        expected = bytes.fromhex(err["response"])
        assert payload(ch, len(expected)) == expected
        assert (ch.hdr[2], ch.hdr[4]) == (len(expected), err["code"])
        stub_ch = g.channel(g.stub)  # the same file, mapped by the stub's runtime
        channels.append(stub_ch)
        assert stub_ch.read_error() == err["delivered_message"]


# --- stub: a provider thread in this process ----------------------------------------


class ProviderThread:
    """Serves ``g``'s channel with the generated handler around ``function``, in a thread."""

    def __init__(self, g: Generated, function: Callable[..., Any], channels: list[Any],
                 fingerprint: int | None = None) -> None:
        self.ch = g.channel(g.provider, fingerprint)
        channels.append(self.ch)
        self.ch.register_provider()
        handler = getattr(g.provider, f"_{g.name}_handler")(self.ch, function)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.ch.serve, args=(handler, self.stop.is_set), daemon=True)

    def __enter__(self) -> ProviderThread:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        self.ch.unregister_provider()


@pytest.mark.parametrize("name", TYPED + RAW)
def test_stub_encodes_vector_requests_and_decodes_vector_responses(
    name: str, generated: dict[str, Generated], channels: list[Any]
) -> None:
    g = generated[name]
    call = getattr(g.stub, name)
    setattr(g.stub, f"_{name}_channel", None)
    stub_ch = getattr(g.stub, f"_{name}_open")()
    channels.append(stub_ch)
    seen: dict[str, Any] = {}
    answer: dict[str, Any] = {}

    def fake(*args: Any) -> Any:
        prov = provider.ch
        seen["args"] = args
        seen["size"] = prov.hdr[2]
        seen["fingerprint"] = prov.fp[0]
        seen["request"] = payload(prov, prov.hdr[2])
        zero(prov)
        if "raise" in answer:
            raise answer["raise"]
        return answer["result"]

    with ProviderThread(g, fake, channels) as provider:
        for args, result, request, response in calls_of(g):
            answer.clear()
            answer["result"] = result
            zero(stub_ch)
            got = call(*args)
            assert seen["request"] == request
            assert seen["size"] == len(request)
            assert seen["fingerprint"] == int(g.vector["fingerprint"], 16)
            assert all(same(a, b) for a, b in zip(seen["args"], args, strict=True)), (seen["args"], args)
            assert same(got, result), (got, result)
            assert payload(stub_ch, len(response)) == response

        for err in application_errors(g):
            answer.clear()
            answer["raise"] = raising(err["message"])
            zero(stub_ch)
            with pytest.raises(g.stub.RemoteError) as info:
                call(*calls_of(g)[0][0])
            assert str(info.value) == err["delivered_message"]
            assert info.value.code == layout.E_APPLICATION
            expected = bytes.fromhex(err["response"])
            assert payload(stub_ch, len(expected)) == expected


def test_stub_and_provider_of_different_signatures_never_exchange_data(generated: dict[str, Generated],
                                                                      channels: list[Any]) -> None:
    g = generated["add"]
    g.stub.__dict__["_add_channel"] = None
    channels.append(g.stub._add_open())
    other = layout.fingerprint("add(int64,int64)->int64")
    called = []
    with ProviderThread(g, lambda *a: called.append(a), channels, fingerprint=other), \
            pytest.raises(g.stub.LayoutMismatchError) as info:
        g.stub.add(1, 2)
    assert called == []
    assert f"0x{other:016x}" in str(info.value)
    assert str(info.value).endswith("; this stub was generated for add(int32,int32)->int32")


def test_parameter_names_that_are_also_generated_locals(tmp_path: Path, channels: list[Any]) -> None:
    names = ["ch", "buf", "hdr", "size", "data", "result", "function", "u32", "b", "payload", "struct", "text"]
    fn = Function(name="clash", params=tuple(Param(n, WireType.STRING if n == "text" else WireType.INT32)
                                             for n in names), result=WireType.STRING)
    stub, provider = generate(tmp_path / "clash", "clash", fn)
    lay = layout.compute(fn)
    vector = {"capacity": lay.capacity, "fingerprint": lay.fingerprint_hex, "signature": lay.signature}
    g = Generated("clash", vector, stub, provider)
    args: list[Any] = [*range(1, len(names)), "\u00e9t\u00e9"]
    seen: dict[str, Any] = {}

    def fake(*a: Any) -> str:
        seen["args"] = list(a)
        seen["request"] = payload(prov.ch, lay.request_size)
        return "ok"

    stub.__dict__["_clash_channel"] = None
    channels.append(stub._clash_open())
    with ProviderThread(g, fake, channels) as prov:
        assert stub.clash(*args) == "ok"
    assert seen["request"] == layout.encode_request(lay, args)
    assert seen["args"] == args
