"""Entry point for ``python -m metropipe``."""

from __future__ import annotations

import sys

from metropipe.cli import main

if __name__ == "__main__":
    sys.exit(main())
