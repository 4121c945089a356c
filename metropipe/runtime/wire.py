"""The wire contract's plain constants (spec/wire.md), with no imports at all.

The runtime (``metropipe.runtime.shm``, and so ``metropipe proxy``) imports only this,
to start fast; ``metropipe.layout`` re-exports every name and computes everything else.
"""

WIRE_VERSION = 1

# Header (spec section 2)
HEADER_SIZE = 32
OFF_STATUS = 0
OFF_LOCK = 4
OFF_SIZE = 8
OFF_CAPACITY = 12
OFF_ERROR = 16
OFF_PROVIDER = 20
OFF_FINGERPRINT = 24

STATE_MASK = 0xFF
SLEEPER = 0x80000000
CONTENDED = 0x80000000
PID_MASK = 0x3FFFFFFF

IDLE, REQUEST, BUSY, RESPONSE, ERROR = 0, 1, 2, 3, 4
STATES = {"IDLE": IDLE, "REQUEST": REQUEST, "BUSY": BUSY, "RESPONSE": RESPONSE, "ERROR": ERROR}

# Error codes (spec section 5)
E_APPLICATION = 1
E_LAYOUT_MISMATCH = 2
E_BAD_REQUEST = 3
E_BAD_RESULT = 4
E_PROVIDER_RESTARTED = 5
ERROR_CODES = {
    "APPLICATION": E_APPLICATION,
    "LAYOUT_MISMATCH": E_LAYOUT_MISMATCH,
    "BAD_REQUEST": E_BAD_REQUEST,
    "BAD_RESULT": E_BAD_RESULT,
    "PROVIDER_RESTARTED": E_PROVIDER_RESTARTED,
}
ERROR_MESSAGE_MAX = 1020

# Client-side error codes (spec section 5): never on the wire, the same in every language
E_TIMEOUT = 16
E_ARGUMENT = 17
E_CHANNEL = 18
E_PROVIDER_DIED = 19
E_PROTOCOL = 20
CLIENT_ERROR_CODES = {
    "TIMEOUT": E_TIMEOUT,
    "ARGUMENT": E_ARGUMENT,
    "CHANNEL": E_CHANNEL,
    "PROVIDER_DIED": E_PROVIDER_DIED,
    "PROTOCOL": E_PROTOCOL,
}

RAW_CAPACITY = 4096  # a raw channel's payload capacity (spec section 3)

# Call semantics (spec section 6)
DEFAULT_TIMEOUT_S = 5.0
TIMEOUT_ENV = "METROPIPE_TIMEOUT"
SLICE_S = 0.010
DIR_ENV = "METROPIPE_DIR"
CHANNEL_PREFIX = "metro_"


def fingerprint(signature: str) -> int:
    """The layout fingerprint of a canonical signature (spec section 4)."""
    import hashlib  # here, not at the top: the runtime imports this module on every start

    digest = hashlib.sha256(f"metropipe/{WIRE_VERSION} {signature}".encode()).digest()
    return int.from_bytes(digest[:8], "little") or 1
