"""The rendered catalog is kept in the instance folder, so a process that starts on content
another process has rendered loads it instead of rendering it again, and any edit renders
afresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from elearning import catalog as catalog_module
from tests.helpers import edit


def test_a_second_process_loads_the_stored_rendering_and_an_edit_renders_again(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    cache = tmp_path / "cache"
    rendered = catalog_module._stored_or_loaded(content, None, cache)
    [stored] = cache.glob("catalog-*.pickle")

    def no_rendering(*args):
        raise AssertionError("rendered again")

    monkeypatch.setattr(catalog_module, "load_catalog", no_rendering)
    loaded = catalog_module._stored_or_loaded(content, None, cache)
    course, again = rendered.course("sample"), loaded.course("sample")
    assert again.content_version == course.content_version
    assert again.lessons[0].text("fr").blocks == course.lessons[0].text("fr").blocks
    assert dict(again.tags) == dict(course.tags)

    monkeypatch.undo()
    edit(content / "courses/sample/basics/01-first-lesson.md", "executive", "legislature")
    edited = catalog_module._stored_or_loaded(content, None, cache)
    assert edited.course("sample").content_version != course.content_version
    assert [path.name for path in cache.glob("catalog-*.pickle")] != [stored.name]
    assert len(list(cache.iterdir())) == 1  # the old rendering is gone, no temporary is left


def test_a_damaged_stored_catalog_is_rendered_again(content: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    catalog_module._stored_or_loaded(content, None, cache)
    [stored] = cache.glob("catalog-*.pickle")
    stored.write_bytes(stored.read_bytes()[:1000])
    loaded = catalog_module._stored_or_loaded(content, None, cache)
    assert loaded.course("sample").lessons
    assert stored.stat().st_size > 1000  # stored whole again
