"""The catalog as immutable values: Catalog → Course → Module → Lesson → blocks and checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Text:
    """A string in one or more languages; a missing language falls back to English."""

    by_language: Mapping[str, str]

    def get(self, language: str) -> str:
        """The text in ``language``, else in English."""
        return self.by_language.get(language) or self.by_language[DEFAULT_LANGUAGE]

    def has(self, language: str) -> bool:
        """Whether the text is written in ``language`` (rather than falling back to English)."""
        return bool(self.by_language.get(language))

    def __str__(self) -> str:
        return self.by_language[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Tag:
    """Something a lesson or question is about, with its numbered application points."""

    slug: str
    label: str  # in English; ``title`` in every language the course has it in
    points: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # English
    title: Text | None = None
    point_texts: Mapping[str, Text] = field(default_factory=lambda: MappingProxyType({}))

    def label_text(self) -> Text:
        """The tag's label as a Text (its translations, English where there are none)."""
        return self.title or Text(MappingProxyType({DEFAULT_LANGUAGE: self.label}))


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
    objectives: tuple[str, ...] = ()  # "after this lesson you can ...", in this language

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
    sources: tuple[str, ...] = ()  # ids of the official texts it draws on (the course's sources)

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
class Source:
    """An official text the course teaches from, with where a judge can read it."""

    id: str
    title: Text
    edition: Text | None  # year and edition, as a reader would cite it
    publisher: Text | None
    url: str
    covers: tuple[str, ...] = ()  # tags whose application points it states


@dataclass(frozen=True)
class GlossaryTerm:
    """A term of the course and its translation, as the official texts use it."""

    english: str
    translated: str
    forms: tuple[str, ...]  # word stems that count as using the term (declension, agreement)
    check: bool  # a translation must not name it by another word


@dataclass(frozen=True)
class Glossary:
    """One language's terms of the course (``glossary/<language>.yaml``)."""

    language: str
    terms: tuple[GlossaryTerm, ...]


@dataclass(frozen=True)
class LocalSource:
    """A national text a local layer cites (a code of conduct, a statute)."""

    id: str
    title: str
    edition: str
    url: str


@dataclass(frozen=True)
class LocalProvision:
    """Where a national text states an application point, in the layer's words."""

    point: str
    source: LocalSource
    where: str  # "Article IV", "rule 5(2)"
    text: str


@dataclass(frozen=True)
class LocalNote:
    """An academy's own note on a lesson: at its head, under the standard, or at its end."""

    title: str
    where: str  # "head" or "end"
    html: str
    print_html: str


@dataclass(frozen=True)
class LocalLayer:
    """What an academy adds to a course from its own folder (``ELEARNING_LOCAL_DIR``)."""

    name: str  # the jurisdiction, as the notes are headed: "In Pakistan"
    language: str
    example: bool  # a shipped example, not an academy's own text: every note says so
    about: str
    sources: Mapping[str, LocalSource]
    provisions: Mapping[str, tuple[LocalProvision, ...]]  # by application point
    notes: Mapping[tuple[str, str], tuple[LocalNote, ...]]  # by (module, lesson)


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
    max_attempts: int = 3  # 0: no limit
    cooldown_hours: int = 24
    extra_attempts: int = 1  # attempts a trainer may grant a judge beyond max_attempts
    pre_required: bool = True  # the entry assessment opens the lessons
    show_correct_answers: bool = True  # False: only once passed or out of attempts
    # The entry assessment's right answers and explanations: "after-final" (once the judge has
    # passed the final, or used every attempt: the key must not circulate before others sit
    # it) or "at-once".
    entry_answers: str = "after-final"
    cue_margin: int = 5  # points a test-wise strategy may beat guessing by (content check)


@dataclass(frozen=True)
class Choice:
    """One option of an assessment question; its text is rendered HTML per language."""

    key: str  # "a", "b"... in the order written; "true"/"false" for true-false questions
    text: Text
    is_correct: bool


@dataclass(frozen=True)
class Item:
    """A question-bank entry or, inside a scenario, one of its questions.

    The type (``single``, ``multiple``, ``true-false``, ``scenario``) names its grading rule in
    :mod:`elearning.content.itemtypes`. A scenario's ``stem`` is its case and ``parts`` its
    questions; every other type is one question and has no parts.
    """

    id: str
    type: str
    tags: tuple[str, ...]
    points: tuple[str, ...]
    stem: Text
    explanation: Text | None = None
    choices: tuple[Choice, ...] = ()
    parts: tuple[Item, ...] = ()
    scoring: str = "all-or-nothing"  # multiple choice: or "partial"
    shuffle_options: bool = True
    difficulty: str | None = None
    source: str = field(default="", compare=False)  # file, relative to the content root
    line: int = field(default=0, compare=False)

    @property
    def primary_tag(self) -> str:
        """The tag a form's blueprint counts this entry under: its first."""
        return self.tags[0]

    @property
    def questions(self) -> tuple[Item, ...]:
        """What the learner answers: a scenario's questions, else the item itself."""
        return self.parts or (self,)

    @property
    def correct_keys(self) -> frozenset[str]:
        """The keys of the right options."""
        return frozenset(choice.key for choice in self.choices if choice.is_correct)

    def choice(self, key: str) -> Choice | None:
        """The option with this key, if there is one."""
        return next((choice for choice in self.choices if choice.key == key), None)


@dataclass(frozen=True)
class QuestionBank:
    """A course's questions: entries in the order written, and every question by id."""

    entries: Mapping[str, Item]
    questions: Mapping[str, Item]  # question id → the question (scenario parts included)
    entry_of: Mapping[str, str]  # question id → id of the entry it belongs to

    def by_tag(self, tag: str) -> tuple[Item, ...]:
        """The entries whose first tag is ``tag``, in the order written."""
        return tuple(entry for entry in self.entries.values() if entry.primary_tag == tag)


@dataclass(frozen=True)
class AssessmentForm:
    """How one assessment is put together: a blueprint per tag, or a fixed list of entries."""

    kind: str  # "pre" or "post"
    blueprint: tuple[tuple[str, int], ...] = ()
    fixed: tuple[str, ...] = ()
    time_limit_minutes: int | None = None
    shuffle: bool = True
    # The course's matched parallel forms serve this assessment: the entry assessment is one
    # of them, the first final attempt the other; retakes follow the blueprint.
    parallel: bool = False

    @property
    def size(self) -> int:
        """How many bank entries an attempt holds."""
        return len(self.fixed) or sum(count for _, count in self.blueprint)


@dataclass(frozen=True)
class MediaFile:
    """A figure, a video, a recording or a captions file of a course (``courses/<c>/media/``),
    shown in lessons only when the judge asks for it."""

    name: str  # the file's name, as lessons and addresses write it
    path: Path
    kind: str  # image, video, audio or captions
    mime: str
    size: int  # bytes
    digest: str  # a short hash of the bytes: the address changes when the file does

    @property
    def address(self) -> str:
        """The address relative to a lesson page (``/courses/<c>/<module>/<lesson>``)."""
        return f"../media/{self.name}?v={self.digest}"


#: Days before a certificate expires that its holder is reminded, when the course names none.
DEFAULT_REMIND_DAYS = (60, 14)


@dataclass(frozen=True)
class CertificateRules:
    """Which design the certificate uses, whether an admin approves each one, the hours of
    study it states (None: it states none) and their continuing-education category, whether it
    prints the final score, how many months it stays current (None: it never expires) and the
    days before expiry its holder is reminded (largest first)."""

    design: str = "default"
    issuing: str = "automatic"
    hours: float | None = None
    show_score: bool = True
    category: str | None = None
    valid_months: int | None = None
    remind_days: tuple[int, ...] = DEFAULT_REMIND_DAYS

    @property
    def renewal_days(self) -> int:
        """How long before expiry the holder may renew: from the first reminder on."""
        return max(self.remind_days)


@dataclass(frozen=True)
class TrainerText:
    """A page of the trainers' manual in one language."""

    language: str
    title: str
    summary: str
    html: str


@dataclass(frozen=True)
class TrainerPage:
    """A page of the trainers' manual (``courses/<course>/trainer/``), for trainers only, in
    English and the languages it is translated into (``NN-slug.fr.md``)."""

    slug: str
    texts: Mapping[str, TrainerText]  # by language; English always
    source: str  # the English file, relative to the content root

    def text(self, language: str) -> TrainerText:
        """The page in ``language``, else in English."""
        return self.texts.get(language) or self.texts[DEFAULT_LANGUAGE]

    @property
    def title(self) -> str:
        """The English title."""
        return self.texts[DEFAULT_LANGUAGE].title


@dataclass(frozen=True)
class AgendaSession:
    """One session of a standard workshop agenda: on which day of the workshop (1 is its
    first), from when to when (the venue's clock) and its title in the course's languages."""

    day: int
    starts: time
    ends: time
    title: Text


@dataclass(frozen=True)
class Agenda:
    """A standard workshop agenda of the trainers' manual (``trainer/agenda.yaml``), e.g. the
    two-day workshop or its one-day variant, which a trainer copies into a cohort's sessions."""

    slug: str  # "two-day", "one-day"
    title: Text
    sessions: tuple[AgendaSession, ...]

    @property
    def days(self) -> int:
        """How many days the agenda spans."""
        return max((session.day for session in self.sessions), default=0)


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
    bank: QuestionBank | None = None
    forms: Mapping[str, AssessmentForm] = field(default_factory=lambda: MappingProxyType({}))
    #: Matched fixed forms by name ("A", "B"): bank entry ids, in their written order.
    parallel_forms: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    trainer_pages: tuple[TrainerPage, ...] = ()
    #: The standard workshop agendas, by slug, in the file's order.
    agendas: Mapping[str, Agenda] = field(default_factory=lambda: MappingProxyType({}))
    sources: Mapping[str, Source] = field(default_factory=lambda: MappingProxyType({}))
    words_per_minute: int = 120
    glossaries: Mapping[str, Glossary] = field(default_factory=lambda: MappingProxyType({}))
    local: LocalLayer | None = None
    media: Mapping[str, MediaFile] = field(default_factory=lambda: MappingProxyType({}))
    #: Months after the course a new cohort asks its judges what they applied at work
    #: (Kirkpatrick level 3); 0: a new cohort does not ask. Its trainer may change it.
    follow_up_months: int = 3

    def with_local(self, layer: LocalLayer) -> Course:
        """The course with an academy's local layer on top."""
        return replace(self, local=layer)

    def local_notes(self, lesson: Lesson, where: str) -> tuple[LocalNote, ...]:
        """The local layer's notes on ``lesson`` at its head or its end."""
        if self.local is None:
            return ()
        found = self.local.notes.get((lesson.module_slug, lesson.slug), ())
        return tuple(note for note in found if note.where == where)

    def local_provisions(self, lesson: Lesson) -> tuple[LocalProvision, ...]:
        """The national provisions stating the lesson's application points."""
        if self.local is None:
            return ()
        return tuple(p for point in lesson.points for p in self.local.provisions.get(point, ()))

    def point_text(self, point: str) -> Text:
        """An application point's label in every language the course has it in."""
        for tag in self.tags.values():
            if point in tag.point_texts:
                return tag.point_texts[point]
        return Text(MappingProxyType({DEFAULT_LANGUAGE: self.point_labels[point]}))

    @cached_property
    def point_labels(self) -> Mapping[str, str]:
        """Every application point's label, by number ("2.5": "Disqualification ...")."""
        return MappingProxyType(
            {point: label for tag in self.tags.values() for point, label in tag.points.items()}
        )

    def sources_for(self, lesson: Lesson) -> tuple[Source, ...]:
        """The official texts behind a lesson: those stating its points, then its own list."""
        ids = [s.id for s in self.sources.values() if set(s.covers) & set(lesson.tags)]
        ids += [i for i in lesson.sources if i not in ids]
        return tuple(self.sources[i] for i in ids if i in self.sources)

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

    @property
    def needs_pre_assessment(self) -> bool:
        """True when the lessons open only after the entry assessment."""
        return self.assessment.pre_required and self.form("pre") is not None

    def form(self, kind: str) -> AssessmentForm | None:
        """The entry ("pre") or final ("post") assessment, if the course has it."""
        return self.forms.get(kind) if self.bank is not None else None

    def trainer_page(self, slug: str) -> TrainerPage | None:
        """The trainers' manual page with this slug, if there is one."""
        return next((page for page in self.trainer_pages if page.slug == slug), None)

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
