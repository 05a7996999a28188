"""Content tests: a writable copy of the test content, and reading the errors it reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURE_CONTENT


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the test content."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root
