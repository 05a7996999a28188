"""Use cases of the learner's path. Take a session and plain values; flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from blinker import Namespace
from sqlalchemy import (
    TextClause,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning.content.model import Catalog, Course, KnowledgeCheck, Lesson
from elearning.learning.logic import answer_is_correct
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion
from elearning.sqltypes import utcnow

_signals = Namespace()

enrolment_changed = _signals.signal("enrolment-changed")
"""Sent, in the change's own transaction, when what an enrolment has done changes (a lesson
marked or unmarked, an attempt begun or scored): sender the enrolment's id, keyword ``session``.
The cohorts' reports keep their totals with it."""


class EnrolmentClosed(Exception):
    """The course takes learners only through a cohort."""


def find_enrolment(session: Session, user_id: int, course_slug: str) -> Enrolment | None:
    """The user's enrolment in the course, if any."""
    return session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_slug == course_slug)
    )


def enrol(session: Session, user_id: int, course: Course, source: str = "self") -> Enrolment:
    """Enrol the user (once: enrolling again returns the existing enrolment)."""
    existing = find_enrolment(session, user_id, course.slug)
    if existing is not None:
        return existing
    if source == "self" and not course.is_open:
        raise EnrolmentClosed(course.slug)
    enrolment = Enrolment(user_id=user_id, course_slug=course.slug, source=source)
    try:
        with session.begin_nested():
            session.add(enrolment)
    except IntegrityError:  # a second tab enrolled at the same moment
        existing = find_enrolment(session, user_id, course.slug)
        assert existing is not None
        return existing
    return enrolment


def user_enrolments(session: Session, user_id: int) -> list[Enrolment]:
    """The user's enrolments, oldest first."""
    return list(
        session.scalars(
            select(Enrolment).where(Enrolment.user_id == user_id).order_by(Enrolment.id)
        )
    )


@dataclass(frozen=True)
class EnrolledCourse:
    """An enrolment as a learner's overview shows it: its course, its allowance of extra
    attempts, and its completed lessons with when each was completed."""

    enrolment_id: int
    course_slug: str
    extra_attempts: int
    completed_at: dict[str, datetime]


# Built once: every dashboard asks it.
_ENROLLED_COURSES = (
    select(
        Enrolment.id,
        Enrolment.course_slug,
        Enrolment.extra_attempts,
        LessonCompletion.lesson_slug,
        LessonCompletion.completed_at,
    )
    .outerjoin(LessonCompletion, LessonCompletion.enrolment_id == Enrolment.id)
    .where(Enrolment.user_id == bindparam("user_id"))
    .order_by(Enrolment.id)
)


def enrolled_courses(session: Session, user_id: int) -> list[EnrolledCourse]:
    """The user's enrolments, oldest first, each with its completed lessons: one query."""
    rows = session.execute(_ENROLLED_COURSES, {"user_id": user_id})
    result: dict[int, EnrolledCourse] = {}
    for enrolment_id, course_slug, extra_attempts, slug, completed_at in rows:
        enrolled = result.get(enrolment_id)
        if enrolled is None:
            enrolled = result[enrolment_id] = EnrolledCourse(
                enrolment_id, course_slug, extra_attempts, {}
            )
        if slug is not None:
            enrolled.completed_at[slug] = completed_at
    return list(result.values())


def completion_times(
    session: Session, enrolment_ids: Iterable[int]
) -> dict[int, dict[str, datetime]]:
    """For each enrolment, its completed lessons and when each was completed."""
    ids = list(enrolment_ids)
    result: dict[int, dict[str, datetime]] = {enrolment_id: {} for enrolment_id in ids}
    if not ids:
        return result
    rows = session.execute(
        select(
            LessonCompletion.enrolment_id,
            LessonCompletion.lesson_slug,
            LessonCompletion.completed_at,
        ).where(LessonCompletion.enrolment_id.in_(ids))
    )
    for enrolment_id, slug, completed_at in rows:
        result[enrolment_id][slug] = completed_at
    return result


def _module_of_lesson(courses: Iterable[Course]):
    """A SQL expression naming each completed lesson's module, from the catalog."""
    return _module_case(
        tuple(
            (course.slug, module.slug, tuple(lesson.slug for lesson in module.lessons))
            for course in courses
            for module in course.modules
        )
    )


@lru_cache(maxsize=16)
def _module_case(modules: tuple[tuple[str, str, tuple[str, ...]], ...]):
    # Built once per shape of the catalog: building it costs more than the query it goes in.
    whens = [
        (
            and_(Enrolment.course_slug == course_slug, LessonCompletion.lesson_slug.in_(lessons)),
            module_slug,
        )
        for course_slug, module_slug, lessons in modules
    ]
    return case(*whens, else_=None).label("module")


def done_by_module(
    session: Session, enrolment_ids: Iterable[int], catalog: Catalog
) -> dict[int, dict[str, int]]:
    """For each enrolment, how many lessons of each module are complete: one SQL aggregate.

    Lessons that are no longer in the course (the content changed) are not counted.
    """
    ids = list(enrolment_ids)
    result: dict[int, dict[str, int]] = {enrolment_id: {} for enrolment_id in ids}
    if not ids:
        return result
    module = _module_of_lesson(catalog.courses)
    rows = session.execute(
        select(Enrolment.id, module, func.count())
        .join(LessonCompletion, LessonCompletion.enrolment_id == Enrolment.id)
        .where(Enrolment.id.in_(ids))
        .group_by(Enrolment.id, module)
    )
    for enrolment_id, module_slug, count in rows:
        if module_slug is not None:
            result[enrolment_id][module_slug] = count
    return result


@dataclass(frozen=True)
class LessonState:
    """What the lesson page needs to know about the learner, from one query."""

    enrolment_id: int
    done_by_module: dict[str, int]
    is_done: bool
    earlier_done: int  # how many of the lessons before this one are complete
    pre_taken: bool  # the entry assessment is submitted (True when the course has none)
    answers: dict[str, AnswerView]  # the learner's answers to the lesson's checks, by check id


def _sum_if(condition) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_compiled: dict[tuple[str, str, str, str], TextClause] = {}


def _lesson_state_sql(dialect: Dialect, course: Course, lesson: Lesson) -> TextClause:
    """The lesson page's query, compiled once per lesson, content version and dialect: the
    learner's progress (one aggregate) and their answers to the lesson's checks (a subquery
    each, on the one enrolment row).

    Lesson slugs and check ids come from the validated catalog (letters, digits, hyphens), so
    they are written into the SQL; the user and course stay bound parameters.
    """
    key = (dialect.name, course.slug, course.content_version, lesson.slug)
    cached = _compiled.get(key)
    if cached is not None:
        return cached
    slug = LessonCompletion.lesson_slug
    earlier = [other.slug for other in course.lessons[: lesson.position]]
    columns = [
        _sum_if(slug.in_([item.slug for item in module.lessons])).label(f"m{index}")
        for index, module in enumerate(course.modules)
    ]
    pre_taken = (
        Enrolment.pre_taken_at.is_not(None).label("pre_taken")
        if course.needs_pre_assessment
        else literal(True)
    )
    answers = [
        select(column)
        .where(CheckAnswer.enrolment_id == Enrolment.id, CheckAnswer.check_id == check.id)
        .scalar_subquery()
        for check in lesson.checks
        for column in (CheckAnswer.selected, CheckAnswer.is_correct)
    ]
    statement = (
        select(
            Enrolment.id,
            _sum_if(slug == lesson.slug),
            _sum_if(slug.in_(earlier)) if earlier else literal(0),
            pre_taken,
            *columns,
            *answers,
        )
        .outerjoin(LessonCompletion, LessonCompletion.enrolment_id == Enrolment.id)
        .where(
            Enrolment.user_id == literal_column(":user_id"),
            Enrolment.course_slug == literal_column(":course_slug"),
        )
        .group_by(Enrolment.id)
    )
    # The two parameters stay as :name placeholders, which text() binds on every dialect.
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    _compiled[key] = text(sql)
    return _compiled[key]


def lesson_state(
    session: Session, user_id: int, course: Course, lesson: Lesson
) -> LessonState | None:
    """The learner's enrolment, progress around ``lesson`` and answers to its checks in one
    query; None when not enrolled. Counts only lessons the course has now."""
    sql = _lesson_state_sql(session.get_bind().dialect, course, lesson)
    row = session.execute(sql, {"user_id": user_id, "course_slug": course.slug}).first()
    if row is None:
        return None
    modules = len(course.modules)
    counts = row[4 : 4 + modules]
    answered = row[4 + modules :]
    return LessonState(
        enrolment_id=row[0],
        done_by_module={
            module.slug: int(n) for module, n in zip(course.modules, counts, strict=True)
        },
        is_done=bool(row[1]),
        earlier_done=int(row[2]),
        pre_taken=bool(row[3]),
        answers={
            check.id: _answer_view(selected, is_correct)
            for check, selected, is_correct in zip(
                lesson.checks, answered[::2], answered[1::2], strict=True
            )
            if selected is not None
        },
    )


def mark_complete(session: Session, enrolment: Enrolment, lesson: Lesson, version: str) -> bool:
    """Record the lesson as complete; False if it already was."""
    exists = session.scalar(
        select(LessonCompletion.id).where(
            LessonCompletion.enrolment_id == enrolment.id,
            LessonCompletion.lesson_slug == lesson.slug,
        )
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                LessonCompletion(
                    enrolment_id=enrolment.id, lesson_slug=lesson.slug, content_version=version
                )
            )
    except IntegrityError:  # the same click arrived twice
        return False
    enrolment_changed.send(enrolment.id, session=session)
    return True


def mark_incomplete(session: Session, enrolment: Enrolment, lesson: Lesson) -> bool:
    """Take the lesson off the completed list; False if it was not on it."""
    completion = session.scalar(
        select(LessonCompletion).where(
            LessonCompletion.enrolment_id == enrolment.id,
            LessonCompletion.lesson_slug == lesson.slug,
        )
    )
    if completion is None:
        return False
    session.delete(completion)
    session.flush()
    enrolment_changed.send(enrolment.id, session=session)
    return True


@dataclass(frozen=True)
class AnswerView:
    """A stored answer, as the lesson page shows it."""

    selected_keys: frozenset[str]
    is_correct: bool


# Built once: the lesson page asks it on every view.
_CHECK_ANSWERS = select(CheckAnswer.check_id, CheckAnswer.selected, CheckAnswer.is_correct).where(
    CheckAnswer.enrolment_id == bindparam("enrolment_id"),
    CheckAnswer.check_id.in_(bindparam("check_ids", expanding=True)),
)


def check_answers(
    session: Session, enrolment_id: int, checks: Iterable[KnowledgeCheck]
) -> dict[str, AnswerView]:
    """The learner's answers to these checks, by check id."""
    ids = [check.id for check in checks]
    if not ids:
        return {}
    rows = session.execute(_CHECK_ANSWERS, {"enrolment_id": enrolment_id, "check_ids": ids})
    return {check_id: _answer_view(selected, is_correct) for check_id, selected, is_correct in rows}


def _answer_view(selected: str, is_correct: Any) -> AnswerView:
    # bool(): a text() query hands SQLite's 0 and 1 back as they are.
    return AnswerView(frozenset(key for key in selected.split(",") if key), bool(is_correct))


def answer_check(
    session: Session, enrolment: Enrolment, check: KnowledgeCheck, selected: frozenset[str]
) -> CheckAnswer:
    """Record the learner's answer (replacing an earlier one) and whether it is right."""
    is_correct = answer_is_correct(check, selected)
    value = ",".join(sorted(selected))
    answer = session.scalar(
        select(CheckAnswer).where(
            CheckAnswer.enrolment_id == enrolment.id, CheckAnswer.check_id == check.id
        )
    )
    if answer is None:
        answer = CheckAnswer(
            enrolment_id=enrolment.id, check_id=check.id, selected=value, is_correct=is_correct
        )
        try:
            with session.begin_nested():
                session.add(answer)
            return answer
        except IntegrityError:  # answered twice at once: update the row the other one wrote
            answer = session.scalar(
                select(CheckAnswer).where(
                    CheckAnswer.enrolment_id == enrolment.id, CheckAnswer.check_id == check.id
                )
            )
            assert answer is not None
    answer.selected = value
    answer.is_correct = is_correct
    answer.tries += 1
    answer.answered_at = utcnow()
    session.flush()
    return answer
