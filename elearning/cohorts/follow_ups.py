"""The follow-up evaluation (Kirkpatrick level 3): months after the course, each judge of a cohort
that asks is e-mailed once a link to a short form (what they applied at work, how often, what got
in the way, what training would help); they answer it once; its trainers read the cohort's
answers together, once enough judges answered that none can be told apart. No Flask."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.assessments.models import Attempt
from elearning.audit.services import record_audit
from elearning.certificates.validity import add_months
from elearning.cohorts.models import Cohort, CohortMember, FollowUpAnswer
from elearning.cohorts.reactions import THRESHOLD, unordered
from elearning.outbox.services import queue_message

#: The months after the course a new cohort asks, unless its trainer chooses otherwise.
DEFAULT_MONTHS = 3
#: A judge whose moment to be asked passed longer ago than this is not asked any more: a cohort
#: switched on long after its course does not e-mail judges who finished it years before.
LATE_MONTHS = 1
FREQUENCIES = ("never", "once", "several", "regularly")
OBSTACLES = ("caseload", "support", "rules", "colleagues", "other")
TEXTS = ("applied", "obstacle_other", "further_training")
#: The e-mail asking a judge for their follow-up evaluation (one per judge and cohort, ever).
MAIL_KIND = "cohort_follow_up"
_SALT = "cohort-follow-up"


@dataclass(frozen=True)
class FollowUpResults:
    """What a trainer reads: counts only, and the free texts in an order of no meaning."""

    asked: int
    count: int
    frequencies: dict[str, int]
    applied: int  # answered anything but "never"
    obstacles: dict[str, int]
    texts: dict[str, list[str]]


# --- who is asked, when ---------------------------------------------------------------------


def completed_on(passed_at: datetime | None, cohort_ends_on: date | None) -> date | None:
    """When a judge completed the course: the day they passed the final assessment, else the
    cohort's end date; None when neither has happened."""
    return passed_at.date() if passed_at is not None else cohort_ends_on


def due_on(completed: date, months: int) -> date:
    """The day a judge who completed the course on ``completed`` is asked."""
    return add_months(datetime(completed.year, completed.month, completed.day), months).date()


def is_due(completed: date | None, months: int, today: date) -> bool:
    """Whether a judge is to be asked today: their day has come, and not so long ago that the
    question would come too late (:data:`LATE_MONTHS`)."""
    if completed is None:
        return False
    return due_on(completed, months) <= today < due_on(completed, months + LATE_MONTHS)


def queue_due(session: Session, now: datetime) -> int:
    """E-mail every judge whose follow-up is due, once each: their membership is marked asked
    by a conditional UPDATE, so however many runs overlap, one e-mail goes. Returns how many."""
    passed = (
        select(Attempt.enrolment_id, func.min(Attempt.submitted_at).label("passed_at"))
        .where(Attempt.kind == "post", Attempt.is_passed.is_(True))
        .group_by(Attempt.enrolment_id)
        .subquery()
    )
    rows = session.execute(
        select(CohortMember.id, Cohort, User, passed.c.passed_at)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(passed, passed.c.enrolment_id == CohortMember.enrolment_id)
        .where(
            Cohort.follow_up_months.is_not(None),
            CohortMember.follow_up_asked_at.is_(None),
            User.disabled_at.is_(None),
        )
        .order_by(CohortMember.id)
    ).all()
    asked: Counter[int] = Counter()
    for member_id, cohort, judge, passed_at in rows:
        completed = completed_on(passed_at, cohort.ends_on)
        if not is_due(completed, cohort.follow_up_months, now.date()):
            continue
        if not _mark_asked(session, member_id, now):
            continue  # another run asked them first
        queue_message(
            session,
            MAIL_KIND,
            judge.email,
            language=judge.preferred_language,
            user_id=judge.id,
            cohort_id=cohort.id,
            ref_id=member_id,
            now=now,
        )
        asked[cohort.id] += 1
    for cohort_id, count in asked.items():
        record_audit(
            session,
            actor=None,
            action="cohort.follow_up_asked",
            subject=session.get(Cohort, cohort_id),
            details={"count": count},
            at=now,
        )
    return sum(asked.values())


def _mark_asked(session: Session, member_id: int, now: datetime) -> bool:
    taken = session.execute(
        update(CohortMember)
        .where(CohortMember.id == member_id, CohortMember.follow_up_asked_at.is_(None))
        .values(follow_up_asked_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


# --- the link ------------------------------------------------------------------------------


def link_token(secret_key: str, cohort_id: int, user_id: int) -> str:
    """The signed part of the link e-mailed to a judge: which cohort, which judge."""
    return URLSafeSerializer(secret_key, salt=_SALT).dumps([cohort_id, user_id])


def read_token(secret_key: str, token: str) -> tuple[int, int] | None:
    """The cohort and judge a link was made for, or None when it was not made here."""
    try:
        cohort_id, user_id = URLSafeSerializer(secret_key, salt=_SALT).loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(cohort_id, int) or not isinstance(user_id, int):
        return None
    return cohort_id, user_id


# --- answers -------------------------------------------------------------------------------


def was_asked(session: Session, cohort_id: int, user_id: int) -> bool:
    """Whether the judge of the cohort has been sent the follow-up evaluation."""
    return (
        session.scalar(
            select(CohortMember.id).where(
                CohortMember.cohort_id == cohort_id,
                CohortMember.user_id == user_id,
                CohortMember.follow_up_asked_at.is_not(None),
            )
        )
        is not None
    )


def answer_of(session: Session, cohort_id: int, user_id: int) -> FollowUpAnswer | None:
    """The judge's own answer for the cohort, if they gave one."""
    return session.scalar(
        select(FollowUpAnswer).where(
            FollowUpAnswer.cohort_id == cohort_id, FollowUpAnswer.user_id == user_id
        )
    )


def save_answer(session: Session, cohort_id: int, user_id: int, values: dict) -> bool:
    """Record the judge's answer; False when they had already given one (an answer is given
    once: a second submit, or a double click racing the first, changes nothing)."""
    if answer_of(session, cohort_id, user_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(FollowUpAnswer(cohort_id=cohort_id, user_id=user_id, **values))
    except IntegrityError:
        return False
    return True


def asked_count(session: Session, cohort_id: int) -> int:
    """How many of the cohort's judges have been sent the follow-up evaluation."""
    return session.scalar(
        select(func.count()).where(
            CohortMember.cohort_id == cohort_id, CohortMember.follow_up_asked_at.is_not(None)
        )
    )


def answer_count(session: Session, cohort_id: int) -> int:
    """How many judges answered."""
    return session.scalar(select(func.count()).where(FollowUpAnswer.cohort_id == cohort_id))


def results(session: Session, cohort_id: int) -> FollowUpResults | None:
    """The cohort's answers together; None below :data:`THRESHOLD` answers."""
    count = answer_count(session, cohort_id)
    if count < THRESHOLD:
        return None
    answers = session.execute(
        select(
            FollowUpAnswer.frequency,
            FollowUpAnswer.obstacles,
            *(getattr(FollowUpAnswer, name) for name in TEXTS),
        ).where(FollowUpAnswer.cohort_id == cohort_id)
    ).all()
    frequencies = Counter(row.frequency for row in answers)
    obstacles = Counter(obstacle for row in answers for obstacle in row.obstacles or ())
    return FollowUpResults(
        asked=asked_count(session, cohort_id),
        count=count,
        frequencies={name: frequencies[name] for name in FREQUENCIES},
        applied=count - frequencies["never"],
        obstacles={name: obstacles[name] for name in OBSTACLES},
        texts={name: unordered(getattr(row, name) for row in answers) for name in TEXTS},
    )


# --- the setting ---------------------------------------------------------------------------


def set_months(session: Session, cohort: Cohort, months: int | None, actor: User) -> bool:
    """Say after how many months the cohort's judges are asked (None: not asked); returns
    whether it changed. Judges already asked are not asked again."""
    if cohort.follow_up_months == months:
        return False
    cohort.follow_up_months = months
    record_audit(
        session,
        actor=actor,
        action="cohort.follow_up_set" if months else "cohort.follow_up_switched_off",
        subject=cohort,
        details={"months": months} if months else None,
    )
    return True
