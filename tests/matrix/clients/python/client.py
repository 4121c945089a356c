"""The conformance scenario (tests/fixtures/matrix/scenario.py) from Python."""

import sys

sys.path.insert(0, sys.argv[1])

from metropipe.boom.stub import MetropipeError, boom
from metropipe.echo_bytes.stub import echo_bytes
from metropipe.every.stub import ArgumentError, every
from metropipe.ping.stub import ping

CODES = {1: "APPLICATION", 2: "LAYOUT_MISMATCH", 3: "BAD_REQUEST", 4: "BAD_RESULT", 5: "PROVIDER_RESTARTED"}

print("every:", every(-5, 4611686018427387904, 1.5, -0.1, True, "h\u00e9llo \u2713", b"\x00\xff"))
try:
    boom("kaput")
except MetropipeError as e:
    print("boom:", CODES[e.code], e)
try:
    every(0, 0, 0.0, 0.0, False, "x" * 300, b"")
except ArgumentError:
    print("oversized: ARGUMENT")
data = echo_bytes(bytes(range(256)) * 15 + bytes(252))
print("echo_bytes:", len(data), sum(data))
ping()
print("ping: ok")
