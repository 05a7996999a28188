"""An academy's local layer: its notes and national provisions on top of a course, from a folder
of its own, checked like the rest of the content and shown in the lesson, the printed course and
the Sources page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elearning.config import ROOT
from elearning.content import ContentInvalid, load_catalog
from tests.helpers import FIXTURE_CONTENT, AuthActions, csrf_token_of

LOCAL = Path(__file__).resolve().parents[1] / "fixtures" / "local"
EXAMPLE = ROOT / "courses" / "_local-examples" / "pakistan"


@pytest.fixture
def local(tmp_path: Path) -> Path:
    """A writable copy of the sample course's local layer."""
    copy = tmp_path / "local"
    shutil.copytree(LOCAL, copy)
    return copy


def errors_with(local: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as caught:
        load_catalog(FIXTURE_CONTENT, local)
    return [str(error) for error in caught.value.errors]


def test_a_layer_adds_notes_and_provisions_without_touching_the_course(local):
    plain = load_catalog(FIXTURE_CONTENT).course("sample")
    course = load_catalog(FIXTURE_CONTENT, local).course("sample")
    lesson = course.lesson("basics", "first-lesson")
    assert plain.local is None and course.local.name == "Ruritania"
    [head] = course.local_notes(lesson, "head")
    [end] = course.local_notes(lesson, "end")
    assert head.title == "The Ruritanian code on independence" and "Article 3" in head.html
    assert "<strong>reassign</strong>" in end.html and "callout--case-study" in end.html
    # The note's heading has an id of its own, apart from any heading of the lesson.
    assert 'id="local-basics-first-lesson-end--procedure"' in end.html
    code, act = course.local_provisions(lesson)
    assert (code.point, code.where) == ("1.1", "Article 3")
    assert code.source.url == "https://judiciary.example.org/code"
    assert (act.where, act.source.url) == ("section 12", "")
    # The course itself is the shipped one: same lessons, same version.
    assert course.content_version == plain.content_version
    assert lesson.text("en").blocks == plain.lesson("basics", "first-lesson").text("en").blocks


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


def _note_for_no_lesson(layer: Path) -> None:
    (layer / "basics/01-first-lesson.md").rename(layer / "basics/09-no-such.md")


def _unknown_point(layer: Path) -> None:
    _edit(layer / "layer.yaml", 'point: "1.1"', 'point: "9.9"')


def _unknown_source(layer: Path) -> None:
    _edit(layer / "layer.yaml", "source: ruritania-code", "source: nowhere")


def _a_knowledge_check(layer: Path) -> None:
    (layer / "basics/01-first-lesson.md").write_text(
        "---\ntitle: A check\n---\n\n::: check local-check\nWhy?\n\n"
        "- [x] Yes\n  Right.\n- [ ] No\n  Wrong.\n:::\n"
    )


def _no_front_matter(layer: Path) -> None:
    (layer / "basics/01-first-lesson.head.md").write_text("No front matter.\n")


def _no_such_course(layer: Path) -> None:
    layer.rename(layer.parent / "no-such-course")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_note_for_no_lesson, "is named after the lesson it adds to"),
        (_unknown_point, "point '9.9' is not an application point of the course"),
        (_unknown_source, "source 'nowhere' is not among the layer's sources"),
        (_a_knowledge_check, "knowledge checks belong in the course's lessons"),
        (_no_front_matter, "front matter"),
        (_no_such_course, "no course named 'no-such-course'"),
    ],
)
def test_content_check_reports_a_broken_layer_with_file_and_line(local, change, message):
    change(local / "sample")
    errors = errors_with(local)
    assert any(message in error for error in errors), errors
    assert all(":" in error for error in errors)


def test_the_lesson_print_and_sources_show_the_layer(make_app, create_user, local):
    app = make_app(LOCAL_DIR=str(local))
    client = app.test_client()
    create_user(email="judge@example.org")
    AuthActions(client, lambda path: csrf_token_of(client, path)).login("judge@example.org")
    client.post(
        "/courses/sample/enrol", data={"csrf_token": csrf_token_of(client, "/courses/sample")}
    )
    page = client.get("/courses/sample/basics/first-lesson").text
    assert page.index("The Ruritanian code on independence") < page.index("Independence is the")
    assert page.index("Independence is the") < page.index("A Ruritanian case")
    assert "Added for Ruritania" in page and "an example, not an official text" not in page
    assert "In Ruritania" in page and "Code of Judicial Conduct of Ruritania" in page
    assert 'href=""' not in page and "<cite>Courts Act of Ruritania</cite>" in page
    printed = client.get("/courses/sample/print").text
    assert "A Ruritanian case" in printed and "The minister" in printed
    sources = client.get("/courses/sample/sources").text
    assert "In Ruritania" in sources and "https://judiciary.example.org/code" in sources
    # Without the layer, nothing of it shows.
    bare = make_app().test_client()
    AuthActions(bare, lambda path: csrf_token_of(bare, path)).login("judge@example.org")
    assert "Ruritania" not in bare.get("/courses/sample/basics/first-lesson").text


def test_the_shipped_example_layer_is_valid_and_marked_as_an_example():
    course = load_catalog(ROOT, EXAMPLE).course("judicial-ethics")
    assert course.local.example and course.local.name == "Pakistan"
    assert sum(len(notes) for notes in course.local.notes.values()) >= 3
    assert course.local.provisions


def test_content_check_prints_the_layer_and_the_points_it_leaves(runner, local):
    result = runner(
        "content", "check", "--content-dir", str(FIXTURE_CONTENT), "--local-dir", str(local)
    )
    assert result.exit_code == 0, result.output
    assert "local layer 'Ruritania' (en): 2 notes on 1 lessons, 2 provisions" in result.output
    assert "points no provision states: 1.2" in result.output
