"""The benchmarks, one module per area of the platform (``pages`` for signed-in pages, ...).

Every module in this package is imported by :func:`load_all`, and its ``@benchmark`` functions
register themselves: adding a benchmark means writing one decorated function, here or in a new
module beside the others. They run in the order the modules sort in, then the order they are
written in.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every benchmark module, which registers its benchmarks."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")
