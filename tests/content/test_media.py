"""Figures and media in lessons: folded until asked for, in the lesson's language, checked at
their line; served to the course's judges only, with nothing an SVG could run."""

from __future__ import annotations

from pathlib import Path

from elearning.content import load_catalog
from tests.helpers import errors_of

SECOND = "courses/sample/basics/02-second-lesson.md"


def _lesson_html(root: Path, slug: str, language: str) -> str:
    course = load_catalog(root).course("sample")
    lesson = next(each for each in course.lessons if each.slug == slug)
    return "".join(getattr(block, "html", "") for block in lesson.text(language).blocks)


def test_a_figure_is_folded_in_the_lessons_language_and_printed_as_words(content: Path):
    english = _lesson_html(content, "second-lesson", "en")
    assert '<details class="media__show"><summary>Show the figure' in english
    assert '<img src="../media/distance.svg?v=' in english and 'loading="lazy"' in english
    assert "<figcaption>The distance a judge keeps from the <strong>parties</strong>." in english
    french = _lesson_html(content, "first-lesson", "fr")
    assert "Afficher la figure" in french and "../media/distance.fr.svg?v=" in french
    course = load_catalog(content).course("sample")
    lesson = next(each for each in course.lessons if each.slug == "second-lesson")
    printed = "".join(getattr(block, "print_html", "") for block in lesson.text("en").blocks)
    assert "<img" not in printed and "kept apart by a dashed line" in printed


def test_media_blocks_are_checked_at_their_line(content: Path):
    media = content / "courses/sample/media"
    (media / "talk.mp4").write_bytes(b"\0" * 2_000)
    (media / "talk.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nGood morning.\n")
    (media / "Bad Name.png").write_bytes(b"\x89PNG")
    (media / "notes.exe").write_bytes(b"MZ")
    blocks = [
        "::: figure missing.svg\nalt: Nothing.",
        "::: figure distance.svg\ncaption: No text alternative.",
        "::: figure distance.svg\nalt: A line.\nA paragraph.",
        "::: media talk.mp4\ntitle: A talk\n\nThe words of the talk.",
        "::: media talk.mp4\ntitle: A talk\ncaptions: talk.vtt",
        "::: media distance.svg\ntitle: Not a video\n\nWords.",
    ]
    lesson = content / SECOND
    text = lesson.read_text()
    lines = []  # the line each block opens on
    for block in blocks:
        lines.append(text.count("\n") + 2)
        text += f"\n{block}\n:::\n"
    lesson.write_text(text)
    errors = errors_of(content)
    for expected in (
        f"{SECOND}:{lines[0]}: ::: figure missing.svg: name an image of the course's media/ folder",
        f"{SECOND}:{lines[1]}: ::: figure distance.svg: give its text (alt: ...)",
        f"{SECOND}:{lines[2] + 2}: ::: figure takes alt:, caption: lines",
        f"{SECOND}:{lines[3]}: ::: media talk.mp4: a video needs captions",
        f"{SECOND}:{lines[4]}: ::: media talk.mp4: write its transcript below",
        f"{SECOND}:{lines[5]}: ::: media distance.svg: name a video or a recording",
        "courses/sample/media/Bad Name.png:0: a media file is named in lower-case letters",
        "courses/sample/media/notes.exe:0: a media file is named in lower-case letters",
    ):
        assert any(error.startswith(expected) for error in errors), (expected, errors)


def test_a_video_has_its_captions_and_transcript_folded_beside_it(content: Path):
    media = content / "courses/sample/media"
    (media / "talk.mp4").write_bytes(b"\0" * 2_500_000)
    (media / "talk.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nGood morning.\n")
    lesson = content / SECOND
    lesson.write_text(
        lesson.read_text()
        + "\n::: media talk.mp4\ntitle: A judge on recusal\ncaptions: talk.vtt\n\n"
        + "**Judge:** Good morning.\n:::\n"
    )
    html = _lesson_html(content, "second-lesson", "en")
    assert "<summary>Show the video: A judge on recusal" in html and "(MP4, 2.5 MB)" in html
    assert '<video controls preload="none" src="../media/talk.mp4?v=' in html
    assert '<track kind="captions" src="../media/talk.vtt?v=' in html and 'srclang="en"' in html
    assert "<summary>Transcript</summary><p><strong>Judge:</strong> Good morning.</p>" in html
