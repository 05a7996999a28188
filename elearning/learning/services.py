"""Use cases of the learner's path. Take a session and plain values; flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning.content.model import Catalog, Course, KnowledgeCheck, Lesson
from elearning.learning.logic import answer_is_correct
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion
from elearning.sqltypes import utcnow


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
    whens = [
        (
            and_(
                Enrolment.course_slug == course.slug,
                LessonCompletion.lesson_slug.in_([lesson.slug for lesson in module.lessons]),
            ),
            module.slug,
        )
        for course in courses
        for module in course.modules
    ]
    return case(*whens, else_=None)


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
    module = _module_of_lesson(catalog.courses).label("module")
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
    return True


def check_answers(
    session: Session, enrolment_id: int, checks: Iterable[KnowledgeCheck]
) -> dict[str, CheckAnswer]:
    """The learner's answers to these checks, by check id."""
    ids = [check.id for check in checks]
    if not ids:
        return {}
    answers = session.scalars(
        select(CheckAnswer).where(
            CheckAnswer.enrolment_id == enrolment_id, CheckAnswer.check_id.in_(ids)
        )
    )
    return {answer.check_id: answer for answer in answers}


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
