"""Diagnostics: a user's mistake is reported as ``path:line:col: error: message``.

Code anywhere in the pipeline raises :class:`UserError` with one or more
:class:`Diagnostic`; ``cli.main`` prints them and exits 1. Anything else that
escapes is an internal error (exit 3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from metropipe.model import Location


@dataclass(frozen=True)
class Diagnostic:
    message: str
    location: Location | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else "metropipe: "
        return f"{where}{self.severity}: {self.message}"


class UserError(Exception):
    """One or more problems in what the user gave us; never a traceback."""

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def fail(message: str, location: Location | None = None) -> UserError:
    """Build a single-diagnostic error to ``raise``."""
    return UserError(Diagnostic(message, location))
