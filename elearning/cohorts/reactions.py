"""The reaction evaluation (Kirkpatrick level 1): who may answer, one answer per judge kept up
to date, and what a trainer reads of them: the cohort's answers together, once enough judges
answered that none can be told apart."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning.assessments.models import Attempt
from elearning.cohorts.models import Cohort, CohortMember, ReactionAnswer

SCALES = ("relevance", "trainers", "materials")
TEXTS = ("will_apply", "would_change")
#: Below this many answers a trainer reads only how many there are.
THRESHOLD = 5
#: How long an answer can be changed when the cohort has no end date.
EDIT_DAYS = 30


@dataclass(frozen=True)
class ScaleResult:
    """One rating question across the cohort: answers per value 1–5 and their mean."""

    counts: tuple[int, ...]  # counts[0] is the number of 1s
    mean: float


@dataclass(frozen=True)
class ReactionResults:
    """What a trainer reads: aggregates only, and the free texts in an order of no meaning."""

    count: int
    scales: dict[str, ScaleResult]
    texts: dict[str, list[str]]


def may_answer(session: Session, cohort: Cohort, user_id: int) -> bool:
    """Whether the user is a judge of the cohort who has submitted a final attempt."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    CohortMember.cohort_id == cohort.id,
                    CohortMember.user_id == user_id,
                    Attempt.enrolment_id == CohortMember.enrolment_id,
                    Attempt.kind == "post",
                    Attempt.status == "submitted",
                )
            )
        )
    )


def answer_of(session: Session, cohort_id: int, user_id: int) -> ReactionAnswer | None:
    """The user's own answer for the cohort, if they gave one."""
    return session.scalar(
        select(ReactionAnswer).where(
            ReactionAnswer.cohort_id == cohort_id, ReactionAnswer.user_id == user_id
        )
    )


def editable_until(cohort: Cohort, answer: ReactionAnswer | None) -> date | None:
    """The last day an answer can be changed: the cohort's end date, or 30 days after it was
    first given when the cohort has none. None: not answered yet (a first answer is welcome)."""
    if answer is None:
        return None
    return cohort.ends_on or answer.answered_at.date() + timedelta(days=EDIT_DAYS)


def is_editable(cohort: Cohort, answer: ReactionAnswer | None, today: date) -> bool:
    """Whether the judge may still give or change their answer."""
    last_day = editable_until(cohort, answer)
    return last_day is None or today <= last_day


def save_answer(session: Session, cohort: Cohort, user_id: int, values: dict) -> ReactionAnswer:
    """Record the judge's answer, or change the one they gave (a second submit edits it)."""
    answer = answer_of(session, cohort.id, user_id)
    if answer is None:
        try:
            with session.begin_nested():  # a double click racing the first insert
                answer = ReactionAnswer(cohort_id=cohort.id, user_id=user_id, **values)
                session.add(answer)
            return answer
        except IntegrityError:
            answer = answer_of(session, cohort.id, user_id)
    for name, value in values.items():
        setattr(answer, name, value)
    session.flush()
    return answer


def answer_count(session: Session, cohort_id: int) -> int:
    """How many judges answered."""
    return session.scalar(select(func.count()).where(ReactionAnswer.cohort_id == cohort_id))


def results(session: Session, cohort_id: int) -> ReactionResults | None:
    """The cohort's answers together; None below :data:`THRESHOLD` answers."""
    count = answer_count(session, cohort_id)
    if count < THRESHOLD:
        return None
    where = ReactionAnswer.cohort_id == cohort_id
    scales = {}
    for name in SCALES:
        column = getattr(ReactionAnswer, name)
        rows = session.execute(select(column, func.count()).where(where).group_by(column))
        scales[name] = scale_result(dict(rows.all()))
    texts = {
        name: unordered(session.scalars(select(getattr(ReactionAnswer, name)).where(where)))
        for name in TEXTS
    }
    return ReactionResults(count=count, scales=scales, texts=texts)


def scale_result(by_value: dict[int, int]) -> ScaleResult:
    """Counts per value 1–5 and their mean."""
    counts = tuple(by_value.get(value, 0) for value in range(1, 6))
    total = sum(counts)
    mean = sum(value * n for value, n in zip(range(1, 6), counts, strict=True)) / total
    return ScaleResult(counts=counts, mean=mean)


def unordered(texts) -> list[str]:
    """The non-empty texts in an order drawn from their content (the same on every reading),
    so that neither the order of answering nor of storage shows who wrote which."""
    kept = [text for text in texts if text]
    return sorted(kept, key=lambda text: hashlib.sha256(text.encode()).digest())
