"""Reads ``courses/`` into a validated, immutable :class:`Catalog`, or reports every problem.

No Flask and no database: the command line validates content with exactly the code the
application loads it with.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import MappingProxyType

from elearning.content.agendas import AGENDA_FILE, load_agendas
from elearning.content.designs import load_design
from elearning.content.fields import (
    Problems,
    int_field,
    read_yaml,
    section,
    text_field,
    unknown_keys,
)
from elearning.content.glossary import load_glossaries
from elearning.content.lessons import (
    DEFAULT_WORDS_PER_MINUTE,
    LessonReading,
    discover_lessons,
    front_matter,
    load_module,
    reporter,
)
from elearning.content.local import load_local_layers
from elearning.content.markup import (
    SLUG,
    LessonRenderer,
    RenderContext,
)
from elearning.content.media import discover_media
from elearning.content.model import (
    DEFAULT_LANGUAGE,
    DEFAULT_REMIND_DAYS,
    AssessmentRules,
    Catalog,
    CertificateRules,
    ContentInvalid,
    Course,
    HtmlBlock,
    TrainerPage,
    TrainerText,
)
from elearning.content.quizzes import load_quizzes
from elearning.content.sources import load_sources
from elearning.content.tags import load_tags
from elearning.content.yamlfile import LineDict, LineList

KNOWN_LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru", "pt")
RESERVED_MODULE_SLUGS = frozenset(
    {"enrol", "print", "results", "assessment", "certificate", "sources", "media"}
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
    "evaluation",
}
_EVALUATION_KEYS = {"follow_up_months"}
_CERTIFICATE_KEYS = {
    "design",
    "issuing",
    "hours",
    "show_score",
    "category",
    "valid_months",
    "remind_days",
}
_ASSESSMENT_KEYS = {
    "pass_mark",
    "max_attempts",
    "cooldown_hours",
    "extra_attempts",
    "pre_required",
    "show_correct_answers",
    "entry_answers",
    "cue_margin",
}


def load_catalog(content_dir: Path | str, local_dir: Path | str | None = None) -> Catalog:
    """Load and validate every course under ``content_dir/courses``, with an academy's local
    layers from ``local_dir`` when given; raise ContentInvalid."""
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
        if local_dir is not None:
            courses = load_local_layers(Path(local_dir), courses, problems)
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
        extra_attempts=int_field(assessment_data, "extra_attempts", 1, 0, 10, path, problems),
        pre_required=_bool(assessment_data, "pre_required", True, path, problems),
        show_correct_answers=_bool(assessment_data, "show_correct_answers", True, path, problems),
        entry_answers=_choice(
            assessment_data, "entry_answers", ("after-final", "at-once"), path, problems
        ),
        cue_margin=int_field(assessment_data, "cue_margin", 5, 0, 100, path, problems),
    )
    certificate_data = section(data, "certificate", path, problems)
    unknown_keys(certificate_data, _CERTIFICATE_KEYS, path, problems)
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
    elif (problems.root / "certificates").is_dir():
        if (problems.root / "certificates" / design).is_dir():
            load_design(problems.root / "certificates" / design, problems, KNOWN_LANGUAGES)
        else:
            problems.add(
                path,
                certificate_data.line_of("design"),
                f"certificate design {design!r} does not exist in certificates/",
            )
    hours = certificate_data.get("hours")
    if hours is not None and (
        isinstance(hours, bool) or not isinstance(hours, int | float) or not 0.5 <= hours <= 1000
    ):
        problems.add(
            path,
            certificate_data.line_of("hours"),
            "certificate hours must be a number of hours from 0.5 to 1000, such as 12 or 7.5",
        )
        hours = None
    certificate = CertificateRules(
        design=design,
        issuing=issuing,
        hours=float(hours) if hours is not None else None,
        show_score=_bool(certificate_data, "show_score", True, path, problems),
        category=_category(certificate_data, path, problems),
        valid_months=_valid_months(certificate_data, path, problems),
        remind_days=_remind_days(certificate_data, path, problems),
    )

    evaluation_data = section(data, "evaluation", path, problems)
    unknown_keys(evaluation_data, _EVALUATION_KEYS, path, problems)
    follow_up_months = int_field(evaluation_data, "follow_up_months", 3, 0, 24, path, problems)

    tags = load_tags(folder / "tags.yaml", problems, languages)
    sources = load_sources(folder, tags, languages, problems)
    glossaries = load_glossaries(folder, languages, problems)
    media = discover_media(folder, problems)
    reading = LessonReading(reading.words_per_minute, frozenset(sources), media)
    quiz_folder = problems.root / "quizzes" / slug
    bank, forms, parallel_forms = load_quizzes(quiz_folder, tags, languages, problems, renderer)
    module_slugs = _module_list(data, path, problems)
    lessons_by_path, files = discover_lessons(folder, module_slugs, languages, problems)
    modules = []
    position = 0
    seen_checks: dict[str, str] = {}
    for module_slug, module_line in module_slugs:
        module = load_module(
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
        certificate=certificate,
        follow_up_months=follow_up_months,
        media=media,
        modules=tuple(modules),
        tags=MappingProxyType(tags),
        content_version=content_version(folder, quiz_folder),
        bank=bank,
        forms=forms,
        parallel_forms=parallel_forms,
        trainer_pages=_load_trainer_pages(folder / "trainer", languages, problems, renderer),
        agendas=load_agendas(folder / "trainer", languages, problems),
        sources=sources,
        words_per_minute=reading.words_per_minute,
        glossaries=glossaries,
    )


_TRAINER_FILE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)(?:\.([a-z]{2}))?\.md$")


def _load_trainer_pages(
    folder: Path, languages: tuple[str, ...], problems: Problems, renderer: LessonRenderer
) -> tuple[TrainerPage, ...]:
    """The trainers' manual: ``NN-slug.md`` files with a title and a summary, in number order;
    ``NN-slug.fr.md`` beside one is its French version."""
    if not folder.is_dir():
        return ()
    found: dict[tuple[int, str], dict[str, TrainerText]] = {}
    sources: dict[tuple[int, str], str] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")) or path.is_dir() or path.name == AGENDA_FILE:
            continue
        match = _TRAINER_FILE.match(path.name)
        if match is None:
            problems.add(path, 0, "a trainers' manual page is named NN-slug.md, e.g. 01-agenda.md")
            continue
        number, slug, language = int(match.group(1)), match.group(2), match.group(3)
        language = language or DEFAULT_LANGUAGE
        if language not in languages:
            known = ", ".join(languages)
            problems.add(path, 0, f"{language!r} is not one of the course's languages ({known})")
            continue
        text = _trainer_text(path, language, problems, renderer)
        if text is not None:
            found.setdefault((number, slug), {})[language] = text
            if language == DEFAULT_LANGUAGE:
                sources[(number, slug)] = problems.rel(path)
    pages = []
    for (number, slug), texts in sorted(found.items()):
        if DEFAULT_LANGUAGE not in texts:
            english = folder / f"{number:02d}-{slug}.md"
            problems.add(english, 0, "a translated manual page needs its English page")
            continue
        pages.append(TrainerPage(slug, MappingProxyType(texts), sources[(number, slug)]))
    return tuple(pages)


def _trainer_text(
    path: Path, language: str, problems: Problems, renderer: LessonRenderer
) -> TrainerText | None:
    """One file of the trainers' manual, rendered; None (and a problem) when it is broken."""
    parsed = front_matter(path, path.read_text(encoding="utf-8"), problems)
    if parsed is None:
        return None
    data, body, body_line = parsed
    unknown_keys(data, {"title", "summary"}, path, problems)
    title, summary = data.get("title"), data.get("summary", "")
    if not isinstance(title, str) or not title.strip():
        problems.add(path, data.line_of("title") or 1, "a manual page needs a title")
        return None
    context = RenderContext(
        path=problems.rel(path),
        language=language,
        lessons_by_path={},
        report=reporter(path, problems),
    )
    # Callouts (a case for the groups, a key point) as in lessons; a knowledge check is a
    # judge's exercise and has no place in the manual.
    html = []
    for block in renderer.body(body, body_line, context, anchor=path.stem):
        if isinstance(block, HtmlBlock):
            html.append(block.html)
        else:
            problems.add(path, body_line, "a knowledge check belongs in a lesson, not the manual")
    return TrainerText(language, title.strip(), str(summary).strip(), "".join(html))


def _choice(data: LineDict, key: str, choices: tuple[str, ...], path: Path, problems) -> str:
    """One of ``choices`` (the first is the default)."""
    value = data.get(key, choices[0])
    if value not in choices:
        problems.add(path, data.line_of(key), f"{key} must be one of {', '.join(choices)}")
        return choices[0]
    return value


def _category(data: LineDict, path: Path, problems: Problems) -> str | None:
    """The continuing-education category of the certificate's hours: a short lowercase word."""
    value = data.get("category")
    if value is None:
        return None
    if not isinstance(value, str) or not SLUG.match(value) or len(value) > 32:
        problems.add(
            path,
            data.line_of("category"),
            "certificate category must be a short lowercase word such as ethics",
        )
        return None
    return value


def _valid_months(data: LineDict, path: Path, problems: Problems) -> int | None:
    """How many months the certificate stays current (None: it never expires)."""
    if data.get("valid_months") is None:
        return None
    return int_field(data, "valid_months", 36, 1, 600, path, problems)


def _remind_days(data: LineDict, path: Path, problems: Problems) -> tuple[int, ...]:
    """The days before expiry a holder is reminded, largest first."""
    value = data.get("remind_days", list(DEFAULT_REMIND_DAYS))
    if (
        not isinstance(value, list)
        or not value
        or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 365 for d in value)
    ):
        problems.add(
            path,
            data.line_of("remind_days"),
            "certificate remind_days must be a list of days from 1 to 365, such as [60, 14]",
        )
        return DEFAULT_REMIND_DAYS
    return tuple(sorted(set(value), reverse=True))


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
