"""The function we want to call from another process, in another language."""

from typing import NewType

int32 = NewType("int32", int)  # or: from metropipe.types import int32


def classify(text: str, threshold: int32) -> str:
    """Label a text by how many words it has."""
    words = len(text.split())
    return "long" if words > threshold else "short"
