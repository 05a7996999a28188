"""Reads ``courses/`` into a validated, immutable :class:`Catalog`, or reports every problem.

No Flask and no database: the command line validates content with exactly the code the
application loads it with.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import (
    Problems,
    int_field,
    parse_mapping,
    read_yaml,
    section,
    tags_and_points,
    text_field,
    unknown_keys,
)
from elearning.content.markup import (
    SLUG,
    LessonAddress,
    LessonRenderer,
    RenderContext,
    print_anchor,
)
from elearning.content.model import (
    DEFAULT_LANGUAGE,
    AssessmentRules,
    Catalog,
    CertificateRules,
    ContentInvalid,
    Course,
    Lesson,
    LessonText,
    Module,
    Tag,
    Text,
    TrainerPage,
)
from elearning.content.quizzes import load_quizzes
from elearning.content.sources import load_sources
from elearning.content.yamlfile import LineDict, LineList

KNOWN_LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
_LESSON_FILE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)(?:\.([a-z]{2}))?\.md$")
RESERVED_MODULE_SLUGS = frozenset(
    {"enrol", "print", "results", "assessment", "certificate", "sources"}
)
_COURSE_KEYS = {
    "title",
    "summary",
    "version",
    "languages",
    "enrolment",
    "modules",
    "lessons",
    "assessment",
    "certificate",
}
_ASSESSMENT_KEYS = {
    "pass_mark",
    "max_attempts",
    "cooldown_hours",
    "pre_required",
    "show_correct_answers",
    "entry_answers",
    "cue_margin",
}
_MODULE_KEYS = {"title", "summary", "objectives"}
_LESSON_KEYS = {"title", "minutes", "tags", "points", "objectives", "sources"}
_WORDS = re.compile(r"\w+", re.UNICODE)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")  # a link's address is not read
DEFAULT_WORDS_PER_MINUTE = 120


def load_catalog(content_dir: Path | str) -> Catalog:
    """Load and validate every course under ``content_dir/courses``; raise ContentInvalid."""
    root = Path(content_dir)
    problems = Problems(root)
    courses_dir = root / "courses"
    courses: list[Course] = []
    if not courses_dir.is_dir():
        problems.add(courses_dir, 0, "the content folder has no courses/ folder")
    else:
        renderer = LessonRenderer()
        for folder in sorted(p for p in courses_dir.iterdir() if p.is_dir()):
            if folder.name.startswith((".", "_")):
                continue
            course = _load_course(folder, problems, renderer)
            if course is not None:
                courses.append(course)
        _orphan_banks(root, {course.slug for course in courses}, courses_dir, problems)
        if not courses and not problems.errors:
            problems.add(courses_dir, 0, "there is no course (a folder with a course.yaml)")
    if problems.errors:
        raise ContentInvalid(problems.errors)
    return Catalog(tuple(courses))


def _orphan_banks(root: Path, loaded: set[str], courses_dir: Path, problems: Problems) -> None:
    """A folder in quizzes/ must belong to a course (a typo would silently drop the bank)."""
    quizzes = root / "quizzes"
    if not quizzes.is_dir():
        return
    for folder in sorted(p for p in quizzes.iterdir() if p.is_dir()):
        if not folder.name.startswith((".", "_")) and not (courses_dir / folder.name).is_dir():
            problems.add(folder, 0, f"no course named {folder.name!r} in courses/ for this bank")


def _load_course(folder: Path, problems: Problems, renderer: LessonRenderer) -> Course | None:
    path = folder / "course.yaml"
    if not path.exists():
        problems.add(folder, 0, "a course folder needs a course.yaml")
        return None
    first_error = len(problems.errors)
    slug = folder.name
    if not SLUG.match(slug):
        problems.add(folder, 0, f"course folder {slug!r}: use lower-case letters, digits, hyphens")
    data = read_yaml(path, problems)
    if data is None:
        return None
    unknown_keys(data, _COURSE_KEYS, path, problems)

    languages = _languages(data, path, problems)
    title = text_field(data, "title", path, problems, languages)
    summary = text_field(data, "summary", path, problems, languages)
    enrolment = data.get("enrolment", "open")
    if enrolment not in ("open", "cohort"):
        problems.add(path, data.line_of("enrolment"), "enrolment must be open or cohort")
    lessons_rules = section(data, "lessons", path, problems)
    unknown_keys(lessons_rules, {"sequential", "words_per_minute"}, path, problems)
    sequential = lessons_rules.get("sequential", False)
    reading = LessonReading(
        int_field(
            lessons_rules, "words_per_minute", DEFAULT_WORDS_PER_MINUTE, 40, 400, path, problems
        ),
        frozenset(),
    )
    if not isinstance(sequential, bool):
        problems.add(path, lessons_rules.line_of("sequential"), "sequential must be true or false")
    assessment_data = section(data, "assessment", path, problems)
    unknown_keys(assessment_data, _ASSESSMENT_KEYS, path, problems)
    assessment = AssessmentRules(
        pass_mark=int_field(assessment_data, "pass_mark", 70, 1, 100, path, problems),
        max_attempts=int_field(assessment_data, "max_attempts", 3, 0, 100, path, problems),
        cooldown_hours=int_field(
            assessment_data, "cooldown_hours", 24, 0, 24 * 365, path, problems
        ),
        pre_required=_bool(assessment_data, "pre_required", True, path, problems),
        show_correct_answers=_bool(assessment_data, "show_correct_answers", True, path, problems),
        entry_answers=_choice(
            assessment_data, "entry_answers", ("after-final", "at-once"), path, problems
        ),
        cue_margin=int_field(assessment_data, "cue_margin", 5, 0, 100, path, problems),
    )
    certificate_data = section(data, "certificate", path, problems)
    unknown_keys(certificate_data, {"design", "issuing"}, path, problems)
    design = str(certificate_data.get("design", "default"))
    issuing = certificate_data.get("issuing", "automatic")
    if issuing not in ("automatic", "approval"):
        problems.add(
            path,
            certificate_data.line_of("issuing"),
            "certificate issuing must be automatic or approval",
        )
    if not SLUG.match(design):
        problems.add(
            path,
            certificate_data.line_of("design"),
            f"certificate design {design!r}: a folder name in certificates/",
        )
    elif (problems.root / "certificates").is_dir() and not (
        problems.root / "certificates" / design
    ).is_dir():
        problems.add(
            path,
            certificate_data.line_of("design"),
            f"certificate design {design!r} does not exist in certificates/",
        )

    tags = _load_tags(folder / "tags.yaml", problems)
    sources = load_sources(folder, tags, languages, problems)
    reading = LessonReading(reading.words_per_minute, frozenset(sources))
    quiz_folder = problems.root / "quizzes" / slug
    bank, forms, parallel_forms = load_quizzes(quiz_folder, tags, languages, problems, renderer)
    module_slugs = _module_list(data, path, problems)
    lessons_by_path, files = _discover_lessons(folder, module_slugs, languages, problems)
    modules = []
    position = 0
    seen_checks: dict[str, str] = {}
    for module_slug, module_line in module_slugs:
        module = _load_module(
            folder / module_slug,
            module_slug,
            module_line,
            path,
            languages,
            tags,
            files.get(module_slug, []),
            lessons_by_path,
            position,
            seen_checks,
            reading,
            problems,
            renderer,
        )
        if module is not None:
            modules.append(module)
            position += len(module.lessons)
    if len(problems.errors) > first_error or title is None or summary is None:
        return None
    return Course(
        slug=slug,
        title=title,
        summary=summary,
        edition=str(data.get("version", "1")),
        languages=languages,
        enrolment=enrolment,
        is_sequential=sequential,
        assessment=assessment,
        certificate=CertificateRules(design=design, issuing=issuing),
        modules=tuple(modules),
        tags=MappingProxyType(tags),
        content_version=content_version(folder, quiz_folder),
        bank=bank,
        forms=forms,
        parallel_forms=parallel_forms,
        trainer_pages=_load_trainer_pages(folder / "trainer", problems, renderer),
        sources=sources,
        words_per_minute=reading.words_per_minute,
    )


_TRAINER_FILE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")


def _load_trainer_pages(
    folder: Path, problems: Problems, renderer: LessonRenderer
) -> tuple[TrainerPage, ...]:
    """The trainers' manual: ``NN-slug.md`` files with a title and a summary, in number order."""
    if not folder.is_dir():
        return ()
    pages = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")) or path.is_dir():
            continue
        match = _TRAINER_FILE.match(path.name)
        if match is None:
            problems.add(path, 0, "a trainers' manual page is named NN-slug.md, e.g. 01-agenda.md")
            continue
        text = path.read_text(encoding="utf-8")
        parsed = _front_matter(path, text, problems)
        if parsed is None:
            continue
        data, body, body_line = parsed
        unknown_keys(data, {"title", "summary"}, path, problems)
        title, summary = data.get("title"), data.get("summary", "")
        if not isinstance(title, str) or not title.strip():
            problems.add(path, data.line_of("title") or 1, "a manual page needs a title")
            continue
        context = RenderContext(
            path=problems.rel(path),
            language=DEFAULT_LANGUAGE,
            lessons_by_path={},
            report=_reporter(path, problems),
        )
        pages.append(
            (
                int(match.group(1)),
                TrainerPage(
                    slug=match.group(2),
                    title=title.strip(),
                    summary=str(summary).strip(),
                    html=renderer.markdown(body, context, body_line),
                    source=problems.rel(path),
                ),
            )
        )
    pages.sort(key=lambda pair: pair[0])
    return tuple(page for _, page in pages)


def _choice(data: LineDict, key: str, choices: tuple[str, ...], path: Path, problems) -> str:
    """One of ``choices`` (the first is the default)."""
    value = data.get(key, choices[0])
    if value not in choices:
        problems.add(path, data.line_of(key), f"{key} must be one of {', '.join(choices)}")
        return choices[0]
    return value


def _bool(data: LineDict, key: str, default: bool, path: Path, problems: Problems) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        problems.add(path, data.line_of(key), f"{key} must be true or false")
        return default
    return value


def _languages(data: LineDict, path: Path, problems: Problems) -> tuple[str, ...]:
    value = data.get("languages", [DEFAULT_LANGUAGE])
    if not isinstance(value, LineList) and value != [DEFAULT_LANGUAGE]:
        problems.add(path, data.line_of("languages"), "languages must be a list such as [en, fr]")
        return (DEFAULT_LANGUAGE,)
    languages = tuple(str(item) for item in value)
    for index, language in enumerate(languages):
        if language not in KNOWN_LANGUAGES:
            line = (
                value.line_of(index) if isinstance(value, LineList) else data.line_of("languages")
            )
            problems.add(
                path,
                line,
                f"language {language!r} is not one the platform serves "
                f"({', '.join(KNOWN_LANGUAGES)})",
            )
    if not languages or languages[0] != DEFAULT_LANGUAGE:
        problems.add(path, data.line_of("languages"), "languages must start with en")
    return languages


def _module_list(data: LineDict, path: Path, problems: Problems) -> list[tuple[str, int]]:
    value = data.get("modules")
    if not isinstance(value, LineList) or not value:
        problems.add(path, data.line_of("modules"), "modules must list the module folders in order")
        return []
    slugs: list[tuple[str, int]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        line = value.line_of(index)
        slug = str(item)
        if not SLUG.match(slug):
            problems.add(path, line, f"module {slug!r}: use lower-case letters, digits, hyphens")
        elif slug in RESERVED_MODULE_SLUGS:
            problems.add(
                path,
                line,
                f"module {slug!r}: the name is taken by the platform's own pages; choose another",
            )
        elif slug in seen:
            problems.add(path, line, f"module {slug!r} is listed twice")
        elif not (path.parent / slug).is_dir():
            problems.add(path, line, f"module {slug!r} is listed but its folder is missing")
        else:
            seen.add(slug)
            slugs.append((slug, line))
    return slugs


def _load_tags(path: Path, problems: Problems) -> dict[str, Tag]:
    if not path.exists():
        return {}
    data = read_yaml(path, problems)
    if data is None:
        return {}
    tags: dict[str, Tag] = {}
    owners: dict[str, str] = {}
    for slug, value in data.items():
        line = data.line_of(slug)
        if not isinstance(slug, str) or not SLUG.match(slug):
            problems.add(path, line, f"tag {slug!r}: use lower-case letters, digits, hyphens")
            continue
        if not isinstance(value, LineDict) or not str(value.get("label") or "").strip():
            problems.add(path, line, f"tag {slug!r} needs a label")
            continue
        unknown_keys(value, {"label", "points"}, path, problems)
        points = value.get("points") or LineDict()
        if not isinstance(points, dict):
            problems.add(
                path,
                value.line_of("points"),
                f'tag {slug!r}: points must map numbers to descriptions ("1.1": "...")',
            )
            points = {}
        for point in points:
            if str(point) in owners:
                problems.add(
                    path,
                    points.line_of(point),
                    f"point {point} already belongs to tag {owners[str(point)]!r}",
                )
            owners[str(point)] = slug
        tags[slug] = Tag(
            slug,
            str(value["label"]).strip(),
            MappingProxyType({str(k): str(v) for k, v in points.items()}),
        )
    return tags


def _discover_lessons(
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


def _load_module(
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


def _front_matter(path: Path, text: str, problems: Problems) -> tuple[LineDict, str, int] | None:
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
        parsed = _front_matter(path, raw, problems)
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
            problems.rel(path), language, lessons_by_path, _reporter(path, problems)
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
    """How long lessons take to study, and which sources they may name."""

    words_per_minute: int
    source_ids: frozenset[str]

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


def _reporter(path: Path, problems: Problems):
    return lambda line, message: problems.add(path, line, message)


def content_version(folder: Path, quiz_folder: Path | None = None) -> str:
    """A short hash of every file of a course and its question bank: any edit changes it."""
    digest = hashlib.sha256()
    for prefix, root in (("", folder), ("quizzes/", quiz_folder)):
        if root is None or not root.is_dir():
            continue
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update((prefix + file.relative_to(root).as_posix()).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
