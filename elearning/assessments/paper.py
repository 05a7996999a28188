"""Answers ticked on a printed answer sheet and typed in by a trainer: the attempt they become.

A paper attempt holds exactly the sheet's questions in the sheet's order (its seed gives the
option order printed), and is submitted, scored and announced through the same path as an
attempt answered online (:func:`services.submit_attempt`): the kept totals, the item analysis
and the certificate on a pass follow it alike. One sheet makes one attempt: it is the judge's
only attempt at that assessment, and the database refuses a second one with the same number.
Flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from elearning.assessments import logic, services
from elearning.assessments.models import Attempt, Response
from elearning.content.itemtypes import Selection
from elearning.content.model import Course
from elearning.learning.services import enrolment_changed

PAPER = "paper"


class PaperRefused(Exception):
    """The sheet cannot be entered; ``reason`` names why: "online" (the judge has an attempt
    at this assessment online), "other-sheet" (another sheet of theirs was entered), "question"
    or "option" (an answer that is not on the sheet), "taken" (entered at the same moment by
    someone else), "missing" (the course has no such assessment)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def entered_attempt(session: Session, enrolment_id: int, kind: str, sheet: str) -> Attempt | None:
    """The attempt this sheet became, if it was entered already; PaperRefused when the judge
    has an attempt at the assessment that is not this sheet's (online, or another sheet)."""
    attempts = [a for a in services.attempts_of(session, enrolment_id) if a.kind == kind]
    entered = next((a for a in attempts if a.is_paper and a.sheet == sheet), None)
    if entered is not None:
        return entered
    if any(not attempt.is_paper for attempt in attempts):
        raise PaperRefused("online")
    if attempts:
        raise PaperRefused("other-sheet")
    return None


def check_answers(
    course: Course, entry_ids: Sequence[str], answers: Mapping[str, Selection]
) -> dict[str, Selection]:
    """Every question of the sheet with its answer (none: left blank); PaperRefused for an
    answer to a question not on the sheet or an option the question does not have."""
    assert course.bank is not None
    questions = {
        question.id: question
        for entry_id in entry_ids
        for question in course.bank.entries[entry_id].questions
    }
    if not set(answers) <= set(questions):
        raise PaperRefused("question")
    checked: dict[str, Selection] = {}
    for question_id, question in questions.items():
        keys = frozenset(answers.get(question_id, frozenset()))
        if not keys <= {choice.key for choice in question.choices}:
            raise PaperRefused("option")
        checked[question_id] = keys
    return checked


def differences(session: Session, attempt: Attempt, answers: Mapping[str, Selection]) -> list[str]:
    """The questions whose stored answer differs from ``answers``, in the attempt's order."""
    return [
        response.question_id
        for response in services.responses_of(session, attempt.id)
        if response.selected_keys != answers.get(response.question_id, frozenset())
    ]


def record_sheet(
    session: Session,
    course: Course,
    enrolment_id: int,
    kind: str,
    *,
    form: str | None,
    seed: int,
    entry_ids: Sequence[str],
    sheet: str,
    answers: Mapping[str, Selection],
    now: datetime,
) -> Attempt:
    """The sheet's attempt, its answers stored and submitted (scored, counted, a certificate
    owed on a pass) as an online submit is. The caller has checked with
    :func:`entered_attempt` that the judge has no attempt at this assessment."""
    if course.form(kind) is None or course.bank is None:
        raise PaperRefused("missing")
    checked = check_answers(course, entry_ids, answers)
    attempt = Attempt(
        enrolment_id=enrolment_id,
        kind=kind,
        number=1,
        seed=seed,
        content_version=course.content_version,
        status="open",
        started_at=now,
        deadline_at=None,  # the room's clock, not the platform's
        form=form,
        mode=PAPER,
        sheet=sheet,
    )
    if not services.insert_attempt(session, course, attempt, entry_ids, checked):
        raise PaperRefused("taken")  # the same sheet typed in at the same moment elsewhere
    enrolment_changed.send(enrolment_id, session=session)
    services.submit_attempt(session, course, attempt, now)
    return attempt


def correct_sheet(
    session: Session, course: Course, attempt: Attempt, answers: Mapping[str, Selection]
) -> list[str]:
    """Store the sheet's answers as now typed in place of those entered before and score the
    attempt again; returns the questions whose answer changed. The caller takes the judge's
    share out of what counts their responses first (``cohorts.tallies.set_aside``)."""
    assert attempt.is_paper and not attempt.is_open
    entry_ids = services.entry_order(services.responses_of(session, attempt.id))
    checked = check_answers(course, entry_ids, answers)
    changed = differences(session, attempt, checked)
    for question_id in changed:
        session.execute(
            update(Response)
            .where(Response.attempt_id == attempt.id, Response.question_id == question_id)
            .values(
                selected=logic.format_selection(checked[question_id]),
                answered_at=attempt.submitted_at if checked[question_id] else None,
            )
            .execution_options(synchronize_session=False)
        )
    if changed:
        services.score_again(session, course, attempt)
    return changed
