"""The catalog as immutable values: Catalog → Course → Module → Lesson → blocks and checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Text:
    """A string in one or more languages; a missing language falls back to English."""

    by_language: Mapping[str, str]

    def get(self, language: str) -> str:
        """The text in ``language``, else in English."""
        return self.by_language.get(language) or self.by_language[DEFAULT_LANGUAGE]

    def __str__(self) -> str:
        return self.by_language[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Tag:
    """Something a lesson or question is about, with its numbered application points."""

    slug: str
    label: str
    points: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Option:
    """One answer of a knowledge check, with the feedback shown once it is chosen."""

    key: str
    html: str
    feedback_html: str
    is_correct: bool


@dataclass(frozen=True)
class KnowledgeCheck:
    """A formative question inside a lesson: answered, given feedback, never graded."""

    id: str
    prompt_html: str
    options: tuple[Option, ...]
    line: int = field(default=0, compare=False)  # where it is written, for error messages

    @property
    def is_multiple(self) -> bool:
        """True when more than one option is right ("select all that apply")."""
        return sum(option.is_correct for option in self.options) > 1

    @property
    def correct_keys(self) -> frozenset[str]:
        """The keys of the right options."""
        return frozenset(option.key for option in self.options if option.is_correct)

    def option(self, key: str) -> Option | None:
        """The option with this key, if there is one."""
        return next((option for option in self.options if option.key == key), None)


@dataclass(frozen=True)
class HtmlBlock:
    """A run of rendered, sanitised lesson HTML, in its web and print forms."""

    html: str
    print_html: str


@dataclass(frozen=True)
class CheckBlock:
    """The place in a lesson where a knowledge check appears."""

    check: KnowledgeCheck


Block = HtmlBlock | CheckBlock


@dataclass(frozen=True)
class LessonText:
    """A lesson's words in one language."""

    language: str
    title: str
    blocks: tuple[Block, ...]

    @property
    def checks(self) -> tuple[KnowledgeCheck, ...]:
        """The lesson's knowledge checks, in order."""
        return tuple(block.check for block in self.blocks if isinstance(block, CheckBlock))


@dataclass(frozen=True)
class Lesson:
    """A lesson: one Markdown file and its translations."""

    slug: str
    module_slug: str
    position: int  # 0-based, across the whole course
    minutes: int
    tags: tuple[str, ...]
    points: tuple[str, ...]
    texts: Mapping[str, LessonText]
    source: str  # path of the English file, relative to the content root

    def text(self, language: str) -> LessonText:
        """The lesson in ``language``, else in English."""
        return self.texts.get(language) or self.texts[DEFAULT_LANGUAGE]

    @property
    def title(self) -> str:
        """The English title."""
        return self.texts[DEFAULT_LANGUAGE].title

    @property
    def checks(self) -> tuple[KnowledgeCheck, ...]:
        """The knowledge checks (the same in every language)."""
        return self.texts[DEFAULT_LANGUAGE].checks


@dataclass(frozen=True)
class Module:
    """A module: a titled, ordered group of lessons with learning objectives."""

    slug: str
    title: Text
    summary: Text
    objectives: tuple[Text, ...]
    lessons: tuple[Lesson, ...]

    @property
    def minutes(self) -> int:
        """The module's time estimate: the sum of its lessons'."""
        return sum(lesson.minutes for lesson in self.lessons)


@dataclass(frozen=True)
class AssessmentRules:
    """How the final test is run: pass mark, attempts and the wait between them."""

    pass_mark: int = 70
    max_attempts: int = 3
    cooldown_hours: int = 24


@dataclass(frozen=True)
class CertificateRules:
    """Which design the certificate uses and whether an admin approves each one."""

    design: str = "default"
    issuing: str = "automatic"


@dataclass(frozen=True)
class Course:
    """A course with its modules, tag vocabulary, rules and content version."""

    slug: str
    title: Text
    summary: Text
    edition: str
    languages: tuple[str, ...]
    enrolment: str  # "open" or "cohort"
    is_sequential: bool
    assessment: AssessmentRules
    certificate: CertificateRules
    modules: tuple[Module, ...]
    tags: Mapping[str, Tag]
    content_version: str

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        """Every lesson, in course order."""
        return tuple(lesson for module in self.modules for lesson in module.lessons)

    @property
    def minutes(self) -> int:
        """The course's time estimate."""
        return sum(module.minutes for module in self.modules)

    @property
    def is_open(self) -> bool:
        """True when anyone signed in may enrol."""
        return self.enrolment == "open"

    def module(self, slug: str) -> Module | None:
        """The module with this slug, if there is one."""
        return next((module for module in self.modules if module.slug == slug), None)

    def lesson(self, module_slug: str, lesson_slug: str) -> Lesson | None:
        """The lesson at this address, if there is one."""
        module = self.module(module_slug)
        if module is None:
            return None
        return next((lesson for lesson in module.lessons if lesson.slug == lesson_slug), None)


@dataclass(frozen=True)
class Catalog:
    """Every course the platform offers, in a stable order."""

    courses: tuple[Course, ...]

    def course(self, slug: str) -> Course | None:
        """The course with this slug, if there is one."""
        return next((course for course in self.courses if course.slug == slug), None)


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in a content file, located as precisely as the file allows."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentInvalid(Exception):
    """The content has errors: the platform must not start on it."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = sorted(errors)
        lines = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(f"{len(self.errors)} error(s) in the course content:\n{lines}")
