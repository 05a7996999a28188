"""The benchmark harness: what every part of it shares.

Where things are, how progress is reported and how a failed setup is signalled. The parts live
in modules named for what they do: :mod:`~bench.harness.registry` (what a benchmark is and gets),
:mod:`~bench.harness.load` (load generators), :mod:`~bench.harness.web` (HTTP and sign-in),
:mod:`~bench.harness.database` (the throw-away database and its seeding) and
:mod:`~bench.harness.servers` (the gunicorn servers).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
ROOT = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent


class BenchError(RuntimeError):
    """The benchmark could not be set up: database, servers or sign-in."""


def log(message: str) -> None:
    """Progress for the person watching, on stderr so stdout stays the table."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def tool_path(name: str) -> str:
    """The venv's copy of a command, else the one on PATH."""
    candidate = VENV_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} is not installed")
    return found
