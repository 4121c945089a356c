"""metropipe: call a function in another process or language on the same machine.

The package is the generator (``metropipe export``) and the small runtime used by
``metropipe proxy``/``connect``. Generated Python stubs are written by default to a
``metropipe/`` folder in the user's project; ``__path__`` is extended so that
``import metropipe.<function>.stub`` finds them even while this package is installed.
"""

from __future__ import annotations

import pkgutil

__path__ = pkgutil.extend_path(__path__, __name__)

__version__ = "0.1.0"
