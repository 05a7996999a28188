"""Content tests: a writable copy of the test content, and reading the errors it reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elearning.content import ContentInvalid, load_catalog
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the test content."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as caught:
        load_catalog(root)
    return [str(error) for error in caught.value.errors]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors_after_edit(root: Path, file: str, old: str, new: str) -> list[str]:
    """Replace ``old`` by ``new`` in one file of ``root``, then the errors the load reports."""
    edit(root / file, old, new)
    return errors_of(root)
