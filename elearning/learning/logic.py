"""Pure rules of the learner's path: percentages, where to continue, which lessons are locked."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from elearning.content.model import Course, KnowledgeCheck, Lesson, Module, Option


def percent(done: int, total: int) -> int:
    """Whole per cent, rounded down, so 100 % means everything is done."""
    return 0 if total <= 0 else min(100, done * 100 // total)


class _Tally:
    """Per cent and completeness from ``done`` and ``total``, shared by modules and courses."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        """Per cent of lessons complete."""
        return percent(self.done, self.total)

    @property
    def is_complete(self) -> bool:
        """True when every lesson is complete."""
        return self.done >= self.total


@dataclass(frozen=True)
class ModuleProgress(_Tally):
    """How far a learner is through one module."""

    module: Module
    done: int

    @property
    def total(self) -> int:
        """Lessons in the module."""
        return len(self.module.lessons)


@dataclass(frozen=True)
class CourseProgress(_Tally):
    """How far a learner is through a course, module by module."""

    course: Course
    modules: tuple[ModuleProgress, ...]

    @property
    def done(self) -> int:
        """Lessons complete."""
        return sum(module.done for module in self.modules)

    @property
    def total(self) -> int:
        """Lessons in the course."""
        return sum(module.total for module in self.modules)

    def of(self, module: Module) -> ModuleProgress:
        """The progress of one module."""
        return next(item for item in self.modules if item.module.slug == module.slug)


def course_progress(course: Course, done_by_module: Mapping[str, int]) -> CourseProgress:
    """Progress from per-module counts of completed lessons (as the database counts them)."""
    return CourseProgress(
        course,
        tuple(
            ModuleProgress(module, done_by_module.get(module.slug, 0)) for module in course.modules
        ),
    )


def done_by_module(course: Course, completed: Iterable[str]) -> dict[str, int]:
    """Per-module counts of completed lessons from their slugs, as ``services.done_by_module``
    counts them: lessons no longer in the course are not counted."""
    completed = set(completed)
    return {
        module.slug: sum(1 for lesson in module.lessons if lesson.slug in completed)
        for module in course.modules
    }


def continue_lesson(course: Course, completed_at: Mapping[str, datetime]) -> Lesson | None:
    """Where the learner left off: the first unfinished lesson after the one they last finished.

    With nothing finished it is the first lesson; with everything finished there is none.
    """
    lessons = course.lessons
    if not completed_at:
        return lessons[0] if lessons else None
    latest = max(completed_at, key=lambda slug: completed_at[slug])
    start = next((i for i, lesson in enumerate(lessons) if lesson.slug == latest), -1) + 1
    for lesson in (*lessons[start:], *lessons[:start]):
        if lesson.slug not in completed_at:
            return lesson
    return None


def lesson_lock(course: Course, lesson: Lesson, completed: Iterable[str]) -> Lesson | None:
    """In a sequential course, the earliest unfinished lesson before ``lesson``; else None."""
    if not course.is_sequential:
        return None
    done = set(completed)
    for earlier in course.lessons[: lesson.position]:
        if earlier.slug not in done:
            return earlier
    return None


def neighbours(course: Course, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The lessons before and after ``lesson`` in course order."""
    lessons = course.lessons
    before = lessons[lesson.position - 1] if lesson.position > 0 else None
    after = lessons[lesson.position + 1] if lesson.position + 1 < len(lessons) else None
    return before, after


def answer_is_correct(check: KnowledgeCheck, selected: frozenset[str]) -> bool:
    """Right when exactly the right options are chosen."""
    return selected == check.correct_keys


def check_options(seed: int | str, check: KnowledgeCheck) -> tuple[Option, ...]:
    """A knowledge check's options in the order one reader sees them: shuffled once per judge
    (``seed`` is their enrolment), the same on every visit; the printed course uses one order
    for everyone. The options keep their keys, so answers are recorded the same way."""
    options = list(check.options)
    random.Random(f"{seed}:{check.id}").shuffle(options)  # noqa: S311  # nosec B311
    return tuple(options)


#: A lesson with at least this many sections gets an in-page list of contents.
CONTENTS_FROM = 3
_SECTION = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.DOTALL)


def contents(blocks) -> list[tuple[str, str]]:
    """(anchor, title) of the lesson's sections, for its list of contents; none for a short
    lesson. The titles are the lesson's own sanitised HTML, read as text."""
    found = [
        (anchor, Markup(title).striptags())  # noqa: S704 - our sanitised HTML  # nosec B704
        for block in blocks
        for anchor, title in _SECTION.findall(getattr(block, "html", "") or "")
    ]
    return found if len(found) >= CONTENTS_FROM else []
