"""Use cases of assessments: start, save answers, submit, score. Flush, never commit.

Writes that race (two tabs, a double click, the clock) are decided by the database: attempt
numbers are unique per enrolment, answers are saved only while the attempt is open, and
submitting is one conditional UPDATE, so a double submit records one attempt.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from blinker import Namespace
from sqlalchemy import and_, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from elearning.assessments import drawing, logic
from elearning.assessments.models import Attempt, Response
from elearning.content.itemtypes import Selection
from elearning.content.model import Course, Item, QuestionBank
from elearning.learning.models import Enrolment
from elearning.learning.services import enrolment_changed

if TYPE_CHECKING:  # the gate's module speaks to Flask; the services only call what it gives
    from elearning.assessments.gates import StartGate

_signals = Namespace()
#: Sent when a final assessment is passed, inside the transaction that records it, with
#: ``session``, ``course`` and ``enrolment_id``; the sender is the :class:`Attempt`.
#: Certificates subscribe to issue (or queue) the learner's certificate.
assessment_passed = _signals.signal("assessment-passed")
#: Asked by :func:`standing`, with ``session``, ``course`` and ``now``; the sender is the
#: enrolment's id. A receiver returns the moment from which the final's attempts count afresh
#: (a holder renewing an expiring certificate sits it again), or None.
final_reopens = _signals.signal("final-reopens")


class AssessmentRefused(Exception):
    """The request cannot be carried out; ``reason`` names why, for the page to explain."""

    def __init__(self, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.until = until


def attempts_of(session: Session, enrolment_id: int) -> list[Attempt]:
    """Every attempt of the enrolment, oldest first."""
    return list(
        session.scalars(
            select(Attempt)
            .where(Attempt.enrolment_id == enrolment_id)
            .order_by(Attempt.kind, Attempt.number)
        )
    )


def _facts(attempt: Attempt) -> logic.AttemptFacts:
    return logic.AttemptFacts(
        attempt.number,
        attempt.is_open,
        attempt.deadline_at,
        attempt.submitted_at,
        attempt.is_passed,
    )


@dataclass(frozen=True)
class Standing:
    """Where a learner stands with a course's assessments."""

    pre: list[Attempt]
    post: list[Attempt]
    pre_availability: logic.Availability | None  # None: the course has no entry assessment
    post_availability: logic.Availability | None  # None: the course has no final assessment

    @property
    def pre_score(self) -> float | None:
        """The entry assessment's score, once submitted."""
        done = [attempt for attempt in self.pre if attempt.score is not None]
        return done[0].score if done else None

    @property
    def best_post(self) -> Attempt | None:
        """The passing final attempt, else the best scored one."""
        scored = [attempt for attempt in self.post if attempt.score is not None]
        return max(scored, key=lambda a: (bool(a.is_passed), a.score or 0), default=None)

    @property
    def passed(self) -> Attempt | None:
        """The final attempt that passed, if any."""
        return next((attempt for attempt in self.post if attempt.is_passed), None)

    def open_attempt(self, kind: str) -> Attempt | None:
        """The attempt in progress for ``kind``, if any."""
        attempts = self.pre if kind == "pre" else self.post
        return next((attempt for attempt in attempts if attempt.is_open), None)

    def next_step(self, course: Course, has_lesson_to_do: bool) -> str:
        """What the learner should do next: "pre", "lesson", "post" or "done"."""
        return logic.next_step(
            course.needs_pre_assessment,
            self.pre_availability,
            self.post_availability,
            has_lesson_to_do,
        )

    def availability(self, kind: str) -> logic.Availability | None:
        """The availability of the ``pre`` or ``post`` assessment."""
        return self.pre_availability if kind == "pre" else self.post_availability


def standing(
    session: Session, course: Course, enrolment_id: int, lessons_complete: bool, now: datetime
) -> Standing:
    """The learner's attempts and what they may start now. Closes attempts whose time ran out."""
    attempts = attempts_of(session, enrolment_id)
    for attempt in attempts:
        if attempt.is_open and logic.is_expired(attempt.deadline_at, now):
            submit_attempt(session, course, attempt, now)
    extra = session.scalar(select(Enrolment.extra_attempts).where(Enrolment.id == enrolment_id))
    reopened = [
        since
        for _receiver, since in final_reopens.send(
            enrolment_id, session=session, course=course, now=now
        )
        if since is not None
    ]
    return standing_from(
        course, attempts, lessons_complete, now, extra or 0, since=max(reopened, default=None)
    )


def standing_from(
    course: Course,
    attempts: list[Attempt],
    lessons_complete: bool,
    now: datetime,
    extra: int = 0,
    *,
    since: datetime | None = None,
) -> Standing:
    """The standing from attempts already loaded (read only: expired attempts stay open).
    ``since``: the final's attempts begun before it no longer count (a renewal)."""
    pre = [attempt for attempt in attempts if attempt.kind == "pre"]
    post = [attempt for attempt in attempts if attempt.kind == "post"]
    counted = [attempt for attempt in post if since is None or attempt.started_at >= since]
    return Standing(
        pre=pre,
        post=post,
        pre_availability=(
            logic.pre_availability([_facts(a) for a in pre], bool(post))
            if course.form("pre")
            else None
        ),
        post_availability=(
            logic.post_availability(
                course.assessment, [_facts(a) for a in counted], lessons_complete, now, extra
            )
            if course.form("post")
            else None
        ),
    )


# Built once: every dashboard asks it.
_ATTEMPTS_OF = (
    select(Attempt)
    .where(Attempt.enrolment_id.in_(bindparam("enrolment_ids", expanding=True)))
    .order_by(Attempt.kind, Attempt.number)
)


def attempts_by_enrolment(session: Session, enrolment_ids: list[int]) -> dict[int, list[Attempt]]:
    """Every attempt of these enrolments, in one query."""
    result: dict[int, list[Attempt]] = {enrolment_id: [] for enrolment_id in enrolment_ids}
    if enrolment_ids:
        for attempt in session.scalars(_ATTEMPTS_OF, {"enrolment_ids": list(enrolment_ids)}):
            result[attempt.enrolment_id].append(attempt)
    return result


def start_attempt(
    session: Session,
    course: Course,
    enrolment_id: int,
    kind: str,
    current: Standing,
    now: datetime,
    seed: int | None = None,
    gate: StartGate | None = None,
) -> Attempt:
    """The attempt in progress, or a new one drawn from the bank; AssessmentRefused if the
    learner may not start one now (``current`` is their standing, as :func:`standing` gives).
    ``seed`` draws and orders the questions (random unless given: the demo's is fixed).
    ``gate`` (``assessments.gates``) may hold a new attempt back, never the one in progress."""
    form = course.form(kind)
    availability = current.availability(kind)
    if form is None or availability is None or course.bank is None:
        raise AssessmentRefused("missing")
    if availability.state == "open":
        attempt = current.open_attempt(kind)
        assert attempt is not None
        return attempt
    if availability.state != "available":
        raise AssessmentRefused(availability.state, availability.until)
    held = gate.refusal(session, enrolment_id, kind) if gate is not None else None
    if held is not None:
        raise AssessmentRefused(held)
    used = current.pre if kind == "pre" else current.post
    seed = secrets.randbits(31) if seed is None else seed
    try:
        parallel_form, entry_ids = drawing.draw(session, course, enrolment_id, kind, current, seed)
    except logic.FormCannotBeDrawn as exc:
        raise AssessmentRefused("bank") from exc
    attempt = Attempt(
        enrolment_id=enrolment_id,
        kind=kind,
        number=len(used) + 1,
        seed=seed,
        content_version=course.content_version,
        status="open",
        started_at=now,
        deadline_at=(
            now + timedelta(minutes=form.time_limit_minutes) if form.time_limit_minutes else None
        ),
        form=parallel_form,
    )
    if not insert_attempt(session, course, attempt, entry_ids):
        # the same start arrived twice: use the attempt the other one made
        session.expire_all()
        existing = session.scalar(
            select(Attempt).where(
                Attempt.enrolment_id == enrolment_id,
                Attempt.kind == kind,
                Attempt.number == len(used) + 1,
            )
        )
        if existing is None or not existing.is_open:
            raise AssessmentRefused("taken") from None
        return existing
    enrolment_changed.send(enrolment_id, session=session)
    return attempt


def insert_attempt(
    session: Session,
    course: Course,
    attempt: Attempt,
    entry_ids: Sequence[str],
    answers: Mapping[str, Selection] | None = None,
) -> bool:
    """Add ``attempt`` with a response for each question of ``entry_ids``, in that order,
    unanswered (or, for a paper sheet, answered as ``answers`` says, at the attempt's start).
    False when the attempt's number was taken at the same moment (the same start, or the same
    sheet, arrived twice): nothing is added."""
    assert course.bank is not None

    def answered(question_id: str) -> dict:
        if answers is None:
            return {}
        keys = answers[question_id]
        return {
            "selected": logic.format_selection(keys),
            "answered_at": attempt.started_at if keys else None,
        }

    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
            session.add_all(
                Response(
                    attempt_id=attempt.id,
                    question_id=question.id,
                    entry_id=entry_id,
                    position=position,
                    **answered(question.id),
                )
                for position, entry_id in enumerate(entry_ids)
                for question in course.bank.entries[entry_id].questions
            )
    except IntegrityError:
        return False
    return True


def find_attempt(
    session: Session, attempt_id: int, user_id: int, course_slug: str, *, lock: bool = False
) -> Attempt | None:
    """The attempt, if it is the user's in this course (anyone else's is "not found").

    ``lock``: read as :func:`lock_attempt` reads it, its row locked until commit, in the same
    statement (a save or a submit then makes one round trip fewer to PostgreSQL).
    """
    query = (
        select(Attempt)
        .join(Enrolment, Enrolment.id == Attempt.enrolment_id)
        .where(
            Attempt.id == attempt_id,
            Enrolment.user_id == user_id,
            Enrolment.course_slug == course_slug,
        )
    )
    if lock:
        query = query.with_for_update(of=Attempt).execution_options(populate_existing=True)
    return session.scalar(query)


def lock_attempt(session: Session, attempt_id: int) -> Attempt | None:
    """The attempt, re-read with its row locked until commit (PostgreSQL), so a save and a
    submit of the same attempt happen one after the other."""
    return session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def responses_of(session: Session, attempt_id: int) -> list[Response]:
    """The attempt's responses, page by page, as the database holds them now (answers are
    saved with UPDATE statements, which rows already loaded in the session do not see)."""
    return list(
        session.scalars(
            select(Response)
            .where(Response.attempt_id == attempt_id)
            .order_by(Response.position, Response.question_id)
            .execution_options(populate_existing=True)
        )
    )


@dataclass(frozen=True)
class Review:
    """An attempt's questions as the judge met them: each bank entry with its questions and
    their responses, and each question's number in the attempt."""

    entries: list[tuple[Item, list[tuple[Item, Response | None]]]]
    numbers: dict[str, int]
    missed: int  # questions not answered fully right

    def orders(self, seed: int) -> dict[str, tuple[str, ...]]:
        """Each question's options in the order the attempt showed them."""
        return {
            question.id: logic.option_order(seed, question)
            for entry, _pairs in self.entries
            for question in entry.questions
        }


def review(bank: QuestionBank, responses: list[Response], *, missed_only: bool = False) -> Review:
    """The attempt's review; ``missed_only``: only the entries with a question not answered
    fully right (numbered as in the whole attempt)."""
    entries = []
    numbers: dict[str, int] = {}
    by_question = {response.question_id: response for response in responses}
    for entry_id in entry_order(responses):
        entry = bank.entries.get(entry_id)
        if entry is None:
            continue
        pairs = [(question, by_question.get(question.id)) for question in entry.questions]
        for question, _response in pairs:
            numbers[question.id] = len(numbers) + 1
        missed = any(r is None or r.credit is None or r.credit < 1 for _q, r in pairs)
        if missed or not missed_only:
            entries.append((entry, pairs))
    missed = sum(1 for r in responses if r.credit is None or r.credit < 1)
    return Review(entries, numbers, missed)


def credits_of(session: Session, attempt_ids: list[int]) -> dict[int, dict[str, float]]:
    """The credit of each scored question, by attempt: one query for several attempts."""
    credits: dict[int, dict[str, float]] = {attempt_id: {} for attempt_id in attempt_ids}
    if attempt_ids:
        for attempt_id, question_id, credit in session.execute(
            select(Response.attempt_id, Response.question_id, Response.credit).where(
                Response.attempt_id.in_(attempt_ids), Response.credit.is_not(None)
            )
        ):
            credits[attempt_id][question_id] = credit
    return credits


def entry_order(responses: list[Response]) -> list[str]:
    """The attempt's bank entries in page order."""
    order: list[str] = []
    for response in responses:
        if not order or order[-1] != response.entry_id:
            order.append(response.entry_id)
    return order


def save_answers(
    session: Session,
    course: Course,
    attempt: Attempt,
    position: int,
    answers: Mapping[str, Selection],
    now: datetime,
    *,
    locked: bool = False,
) -> int:
    """Save the answers given on one page (every question of the page: an unticked one is
    cleared) and remember the page. Returns how many answers changed. ``locked``: the caller
    read ``attempt`` with its row lock in this transaction (``find_attempt(lock=True)``), so
    it is not read again.

    AssessmentRefused: "submitted" when the attempt is closed, "time" when its time ran out
    (the attempt is then closed with the answers saved before), "question" when an answer is
    for a question not on this page of the attempt.
    """
    current = attempt if locked else lock_attempt(session, attempt.id)
    if current is None or not current.is_open:
        raise AssessmentRefused("submitted")
    if logic.is_expired(current.deadline_at, now):
        submit_attempt(session, course, current, now)
        raise AssessmentRefused("time")
    on_page = set(
        session.scalars(
            select(Response.question_id).where(
                Response.attempt_id == attempt.id, Response.position == position
            )
        )
    )
    if not on_page or not set(answers) <= on_page:
        raise AssessmentRefused("question")
    rows = [
        {"row_question": question_id, "row_selected": value, "row_at": now if value else None}
        for question_id in sorted(on_page)
        for value in [logic.format_selection(answers.get(question_id, frozenset()))]
    ]
    responses = Response.__table__.c
    # Every answer of the page in one executemany: one round trip, however many questions.
    changed = session.execute(
        update(Response.__table__)
        .where(
            responses.attempt_id == attempt.id,
            responses.question_id == bindparam("row_question"),
            # Only while the attempt is open: a submit that won the race keeps what it scored.
            exists().where(Attempt.id == attempt.id, Attempt.status == "open"),
            # Unchanged answers keep their time, so "answered at" means what it says.
            responses.selected.is_distinct_from(bindparam("row_selected")),
        )
        .values(selected=bindparam("row_selected"), answered_at=bindparam("row_at")),
        rows,
    ).rowcount
    session.execute(
        update(Attempt)
        .where(and_(Attempt.id == attempt.id, Attempt.status == "open"))
        .values(position=position)
        .execution_options(synchronize_session=False)
    )
    return changed


def submit_attempt(
    session: Session, course: Course, attempt: Attempt, now: datetime, *, locked: bool = False
) -> bool:
    """Close the attempt and score it from the stored responses; False if it was already
    closed (a double submit records one attempt).

    Closed after its deadline, the attempt counts as closed by the clock at the deadline.
    The responses are read and scored before the first write: on SQLite that write takes the
    database's one write lock until the request commits, and a room submitting at once queues
    on it, so as little as possible happens between the two. ``locked``: the caller read the
    attempt with its row lock (``find_attempt(lock=True)``); where rows lock (PostgreSQL), no
    save can then come between the read and the close, and the answers are not read again.
    """
    timed_out = logic.is_expired(attempt.deadline_at, now)
    responses = responses_of(session, attempt.id)
    score = _scored(course, responses)
    closing = {
        "status": "submitted",
        "submitted_at": attempt.deadline_at if timed_out else now,
        "closed_by": "time" if timed_out else "learner",
    }
    closed = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == "open")
        .values(**closing, **_marks(course, attempt, score))
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        session.refresh(attempt)
        return False
    # Nothing is saved once the attempt is closed; but without a row lock (SQLite has none)
    # a save committed between the read above and the UPDATE is scored by reading again.
    rows_locked = locked and session.get_bind().dialect.name == "postgresql"
    if not rows_locked and _selections(session, attempt.id) != {
        r.question_id: r.selected for r in responses
    }:
        responses = responses_of(session, attempt.id)
        score = _scored(course, responses)
        session.execute(
            update(Attempt)
            .where(Attempt.id == attempt.id)
            .values(**_marks(course, attempt, score))
            .execution_options(synchronize_session=False)
        )
        session.refresh(attempt)
    else:  # what the UPDATE wrote, without reading it back
        for key, value in (closing | _marks(course, attempt, score)).items():
            set_committed_value(attempt, key, value)
    _record_credits(session, attempt, responses, score)
    _scored_signals(session, course, attempt)
    return True


def score_again(session: Session, course: Course, attempt: Attempt) -> None:
    """Score a submitted attempt again from its stored responses, after they were corrected (a
    paper sheet typed in wrongly): the same scoring, the same signals as a submit."""
    assert not attempt.is_open
    responses = responses_of(session, attempt.id)
    score = _scored(course, responses)
    for key, value in _marks(course, attempt, score).items():
        setattr(attempt, key, value)
    session.flush()
    _record_credits(session, attempt, responses, score)
    _scored_signals(session, course, attempt)


def _scored_signals(session: Session, course: Course, attempt: Attempt) -> None:
    """What follows a scored attempt: an entry assessment opens the lessons, a pass owes the
    certificate, and whatever counts the enrolment counts it again."""
    if attempt.kind == "pre":  # the lessons open (learning reads this, not the attempts)
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == attempt.enrolment_id, Enrolment.pre_taken_at.is_(None))
            .values(pre_taken_at=attempt.submitted_at)
            .execution_options(synchronize_session=False)
        )
    if attempt.is_passed:
        assessment_passed.send(
            attempt, session=session, course=course, enrolment_id=attempt.enrolment_id
        )
    enrolment_changed.send(attempt.enrolment_id, session=session)


def _scored(course: Course, responses: list[Response]) -> logic.Score:
    bank = course.bank
    assert bank is not None
    answers = {response.question_id: response.selected_keys for response in responses}
    return logic.score_answers(bank, entry_order(responses), answers)


def _marks(course: Course, attempt: Attempt, score: logic.Score) -> dict:
    """The attempt's columns that record its score (only the final is passed or not)."""
    passed = logic.passes(course.assessment, score.percent) if attempt.kind == "post" else None
    return {
        "marks_earned": score.earned,
        "marks_possible": score.possible,
        "score": score.percent,
        "is_passed": passed,
    }


def _selections(session: Session, attempt_id: int) -> dict[str, str | None]:
    return dict(
        session.execute(
            select(Response.question_id, Response.selected).where(Response.attempt_id == attempt_id)
        ).all()
    )


def _record_credits(
    session: Session, attempt: Attempt, responses: list[Response], score: logic.Score
) -> None:
    """Each response's credit, in one executemany (not the unit of work's bookkeeping for every
    row, inside the lock)."""
    credits = [
        {
            "row_question": response.question_id,
            "credit": (credit := score.credits.get(response.question_id)),
            "is_correct": None if credit is None else credit >= 1.0,
        }
        for response in responses
    ]
    session.execute(
        update(Response.__table__)
        .where(
            Response.__table__.c.attempt_id == attempt.id,
            Response.__table__.c.question_id == bindparam("row_question"),
        )
        .values(credit=bindparam("credit"), is_correct=bindparam("is_correct")),
        credits,
    )
    for response, row in zip(responses, credits, strict=True):
        set_committed_value(response, "credit", row["credit"])
        set_committed_value(response, "is_correct", row["is_correct"])


def passed_attempt(session: Session, enrolment_id: int) -> Attempt | None:
    """The final attempt that passed (the latest, after a renewal), if any: what certificate
    eligibility reads."""
    return session.scalar(
        select(Attempt)
        .where(
            Attempt.enrolment_id == enrolment_id,
            Attempt.kind == "post",
            Attempt.is_passed.is_(True),
        )
        .order_by(Attempt.number.desc())
        .limit(1)
    )
