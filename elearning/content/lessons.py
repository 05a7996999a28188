"""Reads a course's modules and lessons: the lesson files of each module (and their
translations), their front matter, body and knowledge checks, and the reading time measured
from the text."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import (
    Problems,
    int_field,
    parse_mapping,
    read_yaml,
    tags_and_points,
    text_field,
    unknown_keys,
)
from elearning.content.markup import (
    LessonAddress,
    LessonRenderer,
    RenderContext,
    print_anchor,
)
from elearning.content.model import (
    DEFAULT_LANGUAGE,
    HtmlBlock,
    Lesson,
    LessonText,
    MediaFile,
    Module,
    Tag,
    Text,
)
from elearning.content.yamlfile import LineDict

_LESSON_FILE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)(?:\.([a-z]{2}))?\.md$")
_MODULE_KEYS = {"title", "summary", "objectives"}
_LESSON_KEYS = {"title", "minutes", "tags", "points", "objectives", "sources"}
_WORDS = re.compile(r"\w+", re.UNICODE)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")  # a link's address is not read
DEFAULT_WORDS_PER_MINUTE = 120


def discover_lessons(
    folder: Path, modules: list[tuple[str, int]], languages: tuple[str, ...], problems: Problems
):
    """Every lesson file of every listed module, checked for names and duplicates."""
    lessons_by_path: dict[str, LessonAddress] = {}
    files: dict[str, list[tuple[int, str, dict[str, Path]]]] = {}
    seen_slugs: dict[str, Path] = {}
    for module_slug, _ in modules:
        by_slug: dict[str, tuple[int, dict[str, Path]]] = {}
        for file in sorted((folder / module_slug).iterdir()):
            if file.name in ("module.yaml",) or file.name.startswith("."):
                continue
            match = _LESSON_FILE.match(file.name)
            if not match:
                problems.add(
                    file,
                    0,
                    "unexpected file: lessons are named like 01-lesson-slug.md "
                    "(or 01-lesson-slug.fr.md for a translation)",
                )
                continue
            number, slug, language = int(match.group(1)), match.group(2), match.group(3)
            language = language or DEFAULT_LANGUAGE
            if language not in languages:
                problems.add(
                    file,
                    0,
                    f"language {language!r} is not one of the course's "
                    f"languages ({', '.join(languages)})",
                )
                continue
            entry = by_slug.setdefault(slug, (number, {}))
            if entry[0] != number:
                problems.add(file, 0, f"lesson {slug!r} has files with different numbers")
                continue
            entry[1][language] = file
        ordered = []
        numbers: dict[int, str] = {}
        for slug, (number, variants) in sorted(by_slug.items(), key=lambda item: item[1][0]):
            if DEFAULT_LANGUAGE not in variants:
                problems.add(
                    next(iter(variants.values())),
                    0,
                    f"lesson {slug!r} has a translation but no English file",
                )
                continue
            if slug in seen_slugs:
                problems.add(
                    variants[DEFAULT_LANGUAGE],
                    0,
                    f"lesson slug {slug!r} is already used "
                    f"by {problems.rel(seen_slugs[slug])}: slugs are unique in a course",
                )
                continue
            if number in numbers:
                problems.add(
                    variants[DEFAULT_LANGUAGE],
                    0,
                    f"number {number:02d} is already used by lesson {numbers[number]!r}",
                )
            numbers[number] = slug
            seen_slugs[slug] = variants[DEFAULT_LANGUAGE]
            for file in variants.values():
                lessons_by_path[problems.rel(file)] = LessonAddress(module_slug, slug)
            ordered.append((number, slug, variants))
        files[module_slug] = ordered
    return lessons_by_path, files


def load_module(
    folder: Path,
    slug: str,
    listed_line: int,
    course_path: Path,
    languages: tuple[str, ...],
    tags: dict[str, Tag],
    files,
    lessons_by_path,
    position: int,
    seen_checks: dict[str, str],
    reading: LessonReading,
    problems: Problems,
    renderer: LessonRenderer,
) -> Module | None:
    path = folder / "module.yaml"
    data = read_yaml(path, problems)
    if data is None:
        return None
    unknown_keys(data, _MODULE_KEYS, path, problems)
    title = text_field(data, "title", path, problems, languages)
    summary = text_field(data, "summary", path, problems, languages, required=False)
    objectives: list[Text] = []
    raw_objectives = data.get("objectives") or []
    if not isinstance(raw_objectives, list):
        problems.add(path, data.line_of("objectives"), "objectives must be a list")
        raw_objectives = []
    for index, item in enumerate(raw_objectives):
        holder = LineDict({"objective": item})
        holder.key_lines = {"objective": raw_objectives.line_of(index)}
        text = text_field(holder, "objective", path, problems, languages)
        if text is not None:
            objectives.append(text)
    if not files:
        problems.add(course_path, listed_line, f"module {slug!r} has no lessons")
    lessons = []
    for offset, (_, lesson_slug, variants) in enumerate(files):
        lesson = _load_lesson(
            lesson_slug,
            slug,
            position + offset,
            variants,
            tags,
            lessons_by_path,
            seen_checks,
            reading,
            problems,
            renderer,
        )
        if lesson is not None:
            lessons.append(lesson)
    if title is None:
        return None
    return Module(
        slug=slug,
        title=title,
        summary=summary or Text(MappingProxyType({DEFAULT_LANGUAGE: ""})),
        objectives=tuple(objectives),
        lessons=tuple(lessons),
    )


def front_matter(path: Path, text: str, problems: Problems) -> tuple[LineDict, str, int] | None:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.add(
            path,
            1,
            "a lesson starts with front matter between --- lines (title, minutes, tags, points)",
        )
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.add(path, 1, "the front matter is never closed with ---")
        return None
    data = parse_mapping(
        path,
        "\n".join(lines[1:end]),
        2,
        "the front matter must be keys and values (title: ..., minutes: ...)",
        problems,
    )
    if data is None:
        return None
    return data, "\n".join(lines[end + 1 :]), end + 2


def _load_lesson(
    slug: str,
    module_slug: str,
    position: int,
    variants: dict[str, Path],
    tags: dict[str, Tag],
    lessons_by_path,
    seen_checks: dict[str, str],
    reading: LessonReading,
    problems: Problems,
    renderer: LessonRenderer,
) -> Lesson | None:
    texts: dict[str, LessonText] = {}
    english_path = variants[DEFAULT_LANGUAGE]
    minutes = 0
    lesson_sources: tuple[str, ...] = ()
    lesson_tags: tuple[str, ...] = ()
    lesson_points: tuple[str, ...] = ()
    ok = True
    for language in sorted(variants, key=lambda lang: lang != DEFAULT_LANGUAGE):
        path = variants[language]
        before = len(problems.errors)
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.add(path, 1, "not UTF-8 text")
            ok = False
            continue
        parsed = front_matter(path, raw, problems)
        if parsed is None:
            ok = False
            continue
        front, body, body_line = parsed
        unknown_keys(front, _LESSON_KEYS, path, problems)
        title = front.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.add(path, front.line_of("title"), "title is missing")
        if language == DEFAULT_LANGUAGE:
            minutes = int_field(front, "minutes", 0, 0, 240, path, problems)
            lesson_tags, lesson_points = tags_and_points(front, path, tags, problems, "lesson")
            lesson_sources = _lesson_sources(front, path, reading, problems)
        elif {"minutes", "tags", "points", "sources"} & set(front):
            problems.add(
                path,
                front.line,
                "a translation takes minutes, tags, points and sources from the "
                "English file: give only its title and objectives",
            )
        objectives = _objectives(front, path, problems)
        context = RenderContext(
            problems.rel(path),
            language,
            lessons_by_path,
            reporter(path, problems),
            media=reading.media,
        )
        blocks = renderer.body(body, body_line, context, print_anchor(module_slug, slug))
        if len(problems.errors) > before:
            ok = False
            continue
        texts[language] = LessonText(language, str(title).strip(), blocks, objectives)
        if language == DEFAULT_LANGUAGE:
            minutes = max(minutes, reading.minutes(body, blocks))
    if not ok or DEFAULT_LANGUAGE not in texts:
        return None
    english = texts[DEFAULT_LANGUAGE]
    for language, text in texts.items():
        if language != DEFAULT_LANGUAGE and len(text.objectives) != len(english.objectives):
            problems.add(
                variants[language],
                1,
                f"objectives: the English file has {len(english.objectives)}, this one "
                f"{len(text.objectives)}; translate each one",
            )
            ok = False
    for check in english.checks:
        if check.id in seen_checks:
            problems.add(
                english_path,
                check.line,
                f'knowledge check "{check.id}" is already used in '
                f"{seen_checks[check.id]}: ids are unique in a course",
            )
            ok = False
        seen_checks[check.id] = problems.rel(english_path)
    shape = [(c.id, len(c.options), c.correct_keys) for c in english.checks]
    for language, text in texts.items():
        if (
            language != DEFAULT_LANGUAGE
            and [(c.id, len(c.options), c.correct_keys) for c in text.checks] != shape
        ):
            problems.add(
                variants[language],
                0,
                "the knowledge checks must match the English file "
                "(same ids in the same order, same number of options, same right answers)",
            )
            ok = False
    if not ok:
        return None
    texts = {
        language: text if language == DEFAULT_LANGUAGE else _english_anchors(english, text)
        for language, text in texts.items()
    }
    return Lesson(
        slug=slug,
        module_slug=module_slug,
        position=position,
        minutes=minutes,
        tags=lesson_tags,
        points=lesson_points,
        texts=MappingProxyType(texts),
        source=problems.rel(english_path),
        sources=lesson_sources,
    )


@dataclass(frozen=True)
class LessonReading:
    """How long lessons take to study, which sources they may name and which media files they
    may show."""

    words_per_minute: int
    source_ids: frozenset[str]
    media: Mapping[str, MediaFile] = field(default_factory=dict)  # the course's media files

    def minutes(self, body: str, blocks) -> int:
        """Reading time measured from the text: its words at the course's reading speed, a
        minute for each knowledge check and two for each reflection (time to think)."""
        words = len(_WORDS.findall(_LINK_TARGET.sub("]", body)))
        checks = sum(1 for block in blocks if getattr(block, "check", None) is not None)
        reflections = body.count("::: reflection")
        return max(1, math.ceil(words / self.words_per_minute + checks + 2 * reflections))


def _objectives(front: LineDict, path: Path, problems: Problems) -> tuple[str, ...]:
    """A lesson's "after this lesson you can ..." list, as written in this file."""
    raw = front.get("objectives") or []
    if not isinstance(raw, list) or not all(isinstance(item, str) and item.strip() for item in raw):
        problems.add(path, front.line_of("objectives"), "objectives must be a list of sentences")
        return ()
    return tuple(item.strip() for item in raw)


def _lesson_sources(
    front: LineDict, path: Path, reading: LessonReading, problems: Problems
) -> tuple[str, ...]:
    raw = front.get("sources") or []
    if not isinstance(raw, list):
        problems.add(path, front.line_of("sources"), "sources must be a list of source ids")
        return ()
    for item in raw:
        if item not in reading.source_ids:
            problems.add(
                path, front.line_of("sources"), f"unknown source {item!r}: add it to sources.yaml"
            )
    return tuple(str(item) for item in raw)


def reporter(path: Path, problems: Problems):
    return lambda line, message: problems.add(path, line, message)


_HEADING_ID = re.compile(r'(<h[2-4] id=")([^"]+)(")')


def _heading_ids(text: LessonText) -> list[str]:
    return [
        match.group(2)
        for block in text.blocks
        if isinstance(block, HtmlBlock)
        for match in _HEADING_ID.finditer(block.html)
    ]


def _english_anchors(english: LessonText, text: LessonText) -> LessonText:
    """The translation with its headings' ids taken from the English file, heading by heading:
    a link to a section (``#what-the-2010-measures-ask``) then lands on that section in every
    language, whatever its script. A translation that does not have the English headings keeps
    its own (the translation check reports it)."""
    ids = _heading_ids(english)
    if len(ids) != len(_heading_ids(text)):
        return text
    web, printed = iter(ids), iter(ids)

    def rename(block):
        if not isinstance(block, HtmlBlock):
            return block
        html = _HEADING_ID.sub(lambda m: f"{m.group(1)}{next(web)}{m.group(3)}", block.html)
        print_html = _HEADING_ID.sub(
            lambda m: f"{m.group(1)}{m.group(2).split('--')[0]}--{next(printed)}{m.group(3)}",
            block.print_html,
        )
        return HtmlBlock(html, print_html)

    return LessonText(
        text.language, text.title, tuple(rename(b) for b in text.blocks), text.objectives
    )
