"""An academy's local layer: its national provisions, procedure and cases added to a course from
a folder of its own, so that replacing the shipped course with a newer edition keeps them.

The folder (``ELEARNING_LOCAL_DIR``) holds one sub-folder per course it adds to::

    <local>/judicial-ethics/
      layer.yaml                        who speaks, in which language, the national texts and
                                        the provisions that state each application point
      impartiality/04-disqualification.md        a note shown at the end of that lesson
      impartiality/04-disqualification.head.md   a note shown at its head, under the standard

A note file has front matter (``title``) and Markdown, callouts included (a ``case-study``, say);
knowledge checks stay in the shipped lessons. Everything is checked as the rest of the content:
a note for a lesson the course does not have, a provision for a point it does not teach, or a
provision citing a text the layer does not name is reported with its file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import Problems, read_yaml, unknown_keys
from elearning.content.lessons import front_matter, reporter
from elearning.content.markup import SLUG, LessonRenderer, RenderContext
from elearning.content.model import (
    DEFAULT_LANGUAGE,
    CheckBlock,
    Course,
    LocalLayer,
    LocalNote,
    LocalProvision,
    LocalSource,
)
from elearning.content.yamlfile import LineDict, LineList

LAYER_FILE = "layer.yaml"
_LAYER_KEYS = {"name", "language", "example", "about", "sources", "provisions"}
_SOURCE_KEYS = {"title", "edition", "url"}
_PROVISION_KEYS = {"point", "source", "where", "text"}
_NOTE_KEYS = {"title"}
_HEADING_ID = re.compile(r'<(h[2-4]) id="([^"]+)"')
_NOTE_FILE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)(\.head)?\.md$")


def load_local_layers(local_dir: Path, courses: list[Course], problems: Problems) -> list[Course]:
    """The courses with the layers ``local_dir`` holds for them; problems reported, paths given
    from the local folder's parent."""
    own = Problems(local_dir.parent)
    if not local_dir.is_dir():
        problems.add(str(local_dir), 0, "the local layer folder (ELEARNING_LOCAL_DIR) is missing")
        return courses
    by_slug = {course.slug: course for course in courses}
    renderer = LessonRenderer()
    result = list(courses)
    for folder in sorted(p for p in local_dir.iterdir() if p.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        course = by_slug.get(folder.name)
        if course is None:
            own.add(folder, 0, f"no course named {folder.name!r} for this local layer")
            continue
        layer = _load_layer(folder, course, own, renderer)
        if layer is not None:
            result[result.index(course)] = course.with_local(layer)
    problems.errors.extend(own.errors)
    return result


def _load_layer(
    folder: Path, course: Course, problems: Problems, renderer: LessonRenderer
) -> LocalLayer | None:
    path = folder / LAYER_FILE
    data = read_yaml(path, problems)
    if data is None:
        return None
    first_error = len(problems.errors)
    unknown_keys(data, _LAYER_KEYS, path, problems)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add(path, data.line_of("name"), "a local layer needs a name (its jurisdiction)")
        name = ""
    language = data.get("language", DEFAULT_LANGUAGE)
    if language not in course.languages and language != DEFAULT_LANGUAGE:
        problems.add(
            path,
            data.line_of("language"),
            f"language {language!r}: the course is offered in {', '.join(course.languages)}",
        )
        language = DEFAULT_LANGUAGE
    example = data.get("example", False)
    if not isinstance(example, bool):
        problems.add(path, data.line_of("example"), "example is true or false")
        example = False
    about = data.get("about", "")
    if not isinstance(about, str):
        problems.add(path, data.line_of("about"), "about is a sentence or two of text")
        about = ""
    sources = _sources(data, path, problems)
    provisions = _provisions(data, path, course, sources, problems)
    notes = _notes(folder, course, language, problems, renderer)
    if len(problems.errors) > first_error:
        return None
    return LocalLayer(
        name=name.strip(),
        language=language,
        example=example,
        about=about.strip(),
        sources=MappingProxyType(sources),
        provisions=MappingProxyType(provisions),
        notes=MappingProxyType(notes),
    )


def _sources(data: LineDict, path: Path, problems: Problems) -> dict[str, LocalSource]:
    raw = data.get("sources") or LineDict()
    if not isinstance(raw, LineDict):
        problems.add(path, data.line_of("sources"), "sources: one entry per national text, by id")
        return {}
    sources = {}
    for source_id, entry in raw.items():
        line = raw.line_of(source_id)
        if not SLUG.match(str(source_id)) or not isinstance(entry, LineDict):
            problems.add(path, line, f"{source_id!r}: an id (lower-case, hyphens) with a title")
            continue
        unknown_keys(entry, _SOURCE_KEYS, path, problems)
        title, url = entry.get("title"), str(entry.get("url", ""))
        if not isinstance(title, str) or not title.strip():
            problems.add(path, line, f"source {source_id!r} needs a title")
            continue
        if url and not url.startswith("https://"):
            problems.add(path, entry.line_of("url"), f"source {source_id!r}: an https:// address")
            continue
        sources[source_id] = LocalSource(
            id=source_id, title=title.strip(), edition=str(entry.get("edition", "")), url=url
        )
    return sources


def _provisions(
    data: LineDict,
    path: Path,
    course: Course,
    sources: Mapping[str, LocalSource],
    problems: Problems,
) -> dict[str, tuple[LocalProvision, ...]]:
    raw = data.get("provisions") or LineList()
    if not isinstance(raw, LineList):
        problems.add(path, data.line_of("provisions"), "provisions: a list, one per provision")
        return {}
    by_point: dict[str, list[LocalProvision]] = {}
    for index, entry in enumerate(raw):
        line = raw.line_of(index)
        if not isinstance(entry, LineDict):
            problems.add(path, line, "a provision has a point, a source, where and text")
            continue
        unknown_keys(entry, _PROVISION_KEYS, path, problems)
        point, source = str(entry.get("point", "")), str(entry.get("source", ""))
        where, text = entry.get("where", ""), entry.get("text", "")
        if point not in course.point_labels:
            problems.add(path, line, f"point {point!r} is not an application point of the course")
            continue
        if source not in sources:
            problems.add(path, line, f"source {source!r} is not among the layer's sources")
            continue
        if not isinstance(text, str) or not text.strip() or not isinstance(where, str):
            problems.add(path, line, "a provision says where it is (where) and what it says (text)")
            continue
        by_point.setdefault(point, []).append(
            LocalProvision(
                point=point, source=sources[source], where=where.strip(), text=text.strip()
            )
        )
    return {point: tuple(found) for point, found in by_point.items()}


def _notes(
    folder: Path, course: Course, language: str, problems: Problems, renderer: LessonRenderer
) -> dict[tuple[str, str], tuple[LocalNote, ...]]:
    lessons = {(lesson.module_slug, lesson.slug): lesson for lesson in course.lessons}
    files = {(lesson.module_slug, Path(lesson.source).name): key for key, lesson in lessons.items()}
    notes: dict[tuple[str, str], list[LocalNote]] = {}
    for module in sorted(p for p in folder.iterdir() if p.is_dir()):
        if module.name.startswith((".", "_")):
            continue
        for path in sorted(module.iterdir()):
            if path.name.startswith((".", "_")):
                continue
            match = _NOTE_FILE.match(path.name)
            lesson_file = f"{match.group(1)}-{match.group(2)}.md" if match else ""
            key = files.get((module.name, lesson_file))
            if key is None:
                problems.add(
                    path,
                    0,
                    "a local note is named after the lesson it adds to, as in the course "
                    "(impartiality/04-disqualification.md, or .head.md for its head)",
                )
                continue
            where = "head" if match.group(3) else "end"
            anchor = f"local-{key[0]}-{key[1]}-{where}"
            note = _note(path, where, anchor, language, problems, renderer)
            if note is not None:
                notes.setdefault(key, []).append(note)
    return {
        key: tuple(sorted(found, key=lambda n: n.where != "head")) for key, found in notes.items()
    }


def _note(
    path: Path,
    where: str,
    anchor: str,
    language: str,
    problems: Problems,
    renderer: LessonRenderer,
) -> LocalNote | None:
    parsed = front_matter(path, path.read_text(encoding="utf-8"), problems)
    if parsed is None:
        return None
    data, body, body_line = parsed
    unknown_keys(data, _NOTE_KEYS, path, problems)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add(path, data.line_of("title") or 1, "a local note needs a title")
        return None
    context = RenderContext(
        path=problems.rel(path),
        language=language,
        lessons_by_path={},
        report=reporter(path, problems),
    )
    blocks = renderer.body(body, body_line, context, anchor=anchor)
    if any(isinstance(block, CheckBlock) for block in blocks):
        problems.add(
            path, body_line, "knowledge checks belong in the course's lessons, not in notes"
        )
        return None
    # The note's headings get ids of their own, apart from the lesson's (the same "procedure"
    # could be a heading in both).
    html = _HEADING_ID.sub(rf'<\1 id="{anchor}--\2"', "".join(block.html for block in blocks))
    if not html.strip():
        problems.add(path, body_line, "the note is empty")
        return None
    return LocalNote(
        title=title.strip(),
        where=where,
        html=html,
        print_html="".join(block.print_html for block in blocks),
    )
