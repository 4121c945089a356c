"""Writing generated files: atomically, and only when their content changes.

An unchanged file keeps its timestamp, so downstream builds stay no-ops.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write(path: Path, content: str, executable: bool = False) -> bool:
    """Write ``content`` to ``path`` unless it already holds it; returns True if written."""
    data = content.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o755 if executable else 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True
