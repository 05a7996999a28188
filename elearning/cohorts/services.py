"""Cohort use cases: create and edit cohorts, their trainers, join codes and membership.

They take a session and plain values, flush at most, and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning import codes
from elearning.accounts.models import User
from elearning.assessments import services as assessments
from elearning.assessments.logic import least_used
from elearning.assessments.models import Attempt
from elearning.audit.services import record_audit
from elearning.cohorts import follow_ups, room, tallies
from elearning.cohorts.models import (
    Cohort,
    CohortMember,
    CohortSession,
    CohortTrainer,
    FollowUpAnswer,
)
from elearning.content.model import Course
from elearning.learning.models import Enrolment
from elearning.learning.services import enrol
from elearning.outbox.services import queue_message
from elearning.sqltypes import utcnow

JOIN_CODE_LENGTH = 8  # 35 random bits and a check character: XXXX-XXXX


@dataclass(frozen=True)
class CohortDetails:
    """What a trainer says about a cohort when creating or editing it."""

    name: str
    site: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    join_closes_on: date | None = None
    counts_earlier_scores: bool = True
    trainer_opens_assessments: bool = False
    follow_up_months: int | None = follow_ups.DEFAULT_MONTHS  # None: judges are not asked


def display_join_code(code: str) -> str:
    """A join code as it is printed and read out: ``7K3Q-M9XD``."""
    return codes.display(code)


def _apply(cohort: Cohort, details: CohortDetails) -> None:
    cohort.name = details.name.strip()
    cohort.site = details.site.strip()
    cohort.starts_on = details.starts_on
    cohort.ends_on = details.ends_on
    cohort.join_closes_on = details.join_closes_on


def _fresh_code(session: Session) -> str:
    while True:  # 35 bits: a clash is rare, but the column is unique, so make sure
        code = codes.new_code(JOIN_CODE_LENGTH)
        if session.scalar(select(Cohort.id).where(Cohort.join_code == code)) is None:
            return code


def create_cohort(
    session: Session, *, course: Course, details: CohortDetails, creator: User
) -> Cohort:
    """A new cohort with a join code; its creator is its first trainer."""
    cohort = Cohort(
        course_slug=course.slug,
        created_by_id=creator.id,
        join_code=_fresh_code(session),
        counts_earlier_scores=details.counts_earlier_scores,
        trainer_opens_assessments=details.trainer_opens_assessments,
        follow_up_months=details.follow_up_months,
    )
    _apply(cohort, details)
    session.add(cohort)
    session.flush()
    tallies.start(session, cohort.id, course)
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=creator.id))
    record_audit(
        session,
        actor=creator,
        action="cohort.created",
        subject=cohort,
        details={"name": cohort.name, "course": course.slug},
    )
    return cohort


def update_cohort(
    session: Session, cohort: Cohort, course: Course, details: CohortDetails, actor: User
) -> None:
    """Save a cohort's name, site, dates, whether it counts scores earned before joining and
    whether its trainer opens its assessments in the room, and when it asks its judges what
    they applied."""
    _apply(cohort, details)
    record_audit(
        session, actor=actor, action="cohort.updated", subject=cohort, details={"name": cohort.name}
    )
    set_counts_earlier_scores(session, cohort, course, details.counts_earlier_scores, actor)
    room.set_trainer_opens_assessments(session, cohort, details.trainer_opens_assessments, actor)
    follow_ups.set_months(session, cohort, details.follow_up_months, actor)


def set_counts_earlier_scores(
    session: Session, cohort: Cohort, course: Course, counts: bool, actor: User
) -> bool:
    """Say whether the cohort's figures count the scores judges earned before joining it; on a
    change its totals are counted again. Returns whether it changed."""
    if cohort.counts_earlier_scores == counts:
        return False
    cohort.counts_earlier_scores = counts
    session.flush()
    tallies.rebuild(session, cohort.id, course)
    record_audit(
        session,
        actor=actor,
        action="cohort.earlier_scores_counted" if counts else "cohort.earlier_scores_left_out",
        subject=cohort,
    )
    return True


def renew_join_code(session: Session, cohort: Cohort, actor: User) -> str:
    """Replace the join code (the old code and invite link stop working); returns the new one."""
    cohort.join_code = _fresh_code(session)
    record_audit(session, actor=actor, action="cohort.join_code_renewed", subject=cohort)
    return cohort.join_code


def close_joining(session: Session, cohort: Cohort, actor: User) -> None:
    """Switch the join code off: nobody can join until a new code is made."""
    cohort.join_code = None
    record_audit(session, actor=actor, action="cohort.joining_closed", subject=cohort)


# --- who sees what --------------------------------------------------------------------------


def visible_cohorts(user: User) -> Select:
    """The cohorts ``user`` may open: all for an admin, their own for a trainer, none else."""
    query = select(Cohort)
    if user.is_admin:
        return query
    if user.is_trainer:
        return query.where(
            exists().where(CohortTrainer.cohort_id == Cohort.id, CohortTrainer.user_id == user.id)
        )
    return query.where(False)  # noqa: FBT003 (a SQL false, not a flag)


def find_visible_cohort(session: Session, user: User, cohort_id: int) -> Cohort | None:
    """The cohort if ``user`` may open it; None for a cohort that is not theirs or not there."""
    return session.scalar(visible_cohorts(user).where(Cohort.id == cohort_id))


@dataclass(frozen=True)
class CohortSummary:
    """A line of the cohort list."""

    cohort: Cohort
    members: int


def list_cohorts(session: Session, user: User) -> list[CohortSummary]:
    """The cohorts ``user`` may open, newest first, with their size: one query."""
    members = (
        select(func.count())
        .where(CohortMember.cohort_id == Cohort.id)
        .correlate(Cohort)
        .scalar_subquery()
    )
    query = visible_cohorts(user).add_columns(members).order_by(Cohort.id.desc())
    return [CohortSummary(cohort, count) for cohort, count in session.execute(query)]


def trainers_of(session: Session, cohort_id: int) -> list[User]:
    """The cohort's trainers, by name."""
    return list(
        session.scalars(
            select(User)
            .join(CohortTrainer, CohortTrainer.user_id == User.id)
            .where(CohortTrainer.cohort_id == cohort_id)
            .order_by(User.certificate_name)
        )
    )


class TrainerRefused(ValueError):
    """The person cannot be (or stop being) a trainer of the cohort; the message says why."""


def add_trainer(session: Session, cohort: Cohort, user: User, actor: User) -> bool:
    """Make ``user`` a trainer of the cohort; False if they already are."""
    if not user.is_trainer or user.disabled_at is not None:
        raise TrainerRefused("not-a-trainer")
    if session.get(CohortTrainer, (cohort.id, user.id)) is not None:
        return False
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id))
    record_audit(
        session,
        actor=actor,
        action="cohort.trainer_added",
        subject=cohort,
        details={"trainer": user.email},
    )
    return True


def remove_trainer(session: Session, cohort: Cohort, user: User, actor: User) -> bool:
    """Take ``user`` off the cohort's trainers; a cohort keeps at least one. Only the cohort's
    creator or an admin removes a trainer (anyone may step down): a co-trainer cannot take the
    cohort from the one who made it."""
    if session.get(CohortTrainer, (cohort.id, user.id)) is None:
        return False
    if not (actor.is_admin or actor.id == cohort.created_by_id or actor.id == user.id):
        raise TrainerRefused("not-allowed")
    if session.scalar(select(func.count()).where(CohortTrainer.cohort_id == cohort.id)) <= 1:
        raise TrainerRefused("last-trainer")
    session.execute(
        delete(CohortTrainer).where(
            CohortTrainer.cohort_id == cohort.id, CohortTrainer.user_id == user.id
        )
    )
    record_audit(
        session,
        actor=actor,
        action="cohort.trainer_removed",
        subject=cohort,
        details={"trainer": user.email},
    )
    return True


# --- joining --------------------------------------------------------------------------------


class JoinRefused(Exception):
    """A join code that cannot be used: "unknown" (or closed) or "expired"."""

    def __init__(self, reason: str, cohort: Cohort | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cohort = cohort


def find_joinable(session: Session, typed: str, today: date) -> Cohort:
    """The cohort a typed or linked join code opens; JoinRefused when it opens none."""
    code = codes.normalise(typed[:64], JOIN_CODE_LENGTH)
    cohort = (
        session.scalar(select(Cohort).where(Cohort.join_code == code)) if code is not None else None
    )
    if cohort is None:
        raise JoinRefused("unknown")
    if cohort.join_closes_on is not None and today > cohort.join_closes_on:
        raise JoinRefused("expired", cohort)
    return cohort


def membership(session: Session, cohort_id: int, user_id: int) -> CohortMember | None:
    """The user's place in the cohort, if they have one."""
    return session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id
        )
    )


def join_cohort(
    session: Session,
    cohort: Cohort,
    user_id: int,
    course: Course,
    via: str,
    now: datetime | None = None,
) -> tuple[CohortMember, bool]:
    """Put the user in the cohort and enrol them in its course (keeping any progress they had).

    Returns the membership and whether it is new; joining twice changes nothing.
    """
    existing = membership(session, cohort.id, user_id)
    if existing is not None:
        return existing, False
    enrolment = enrol(session, user_id, course, source="cohort")
    _assign_entry_form(session, cohort, course, enrolment)
    member = CohortMember(
        cohort_id=cohort.id,
        user_id=user_id,
        enrolment_id=enrolment.id,
        via=via,
        joined_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(member)
    except IntegrityError:  # the same link opened twice at once
        again = membership(session, cohort.id, user_id)
        assert again is not None
        return again, False
    tallies.joined(session, cohort.id, enrolment.id)
    return member, True


def _assign_entry_form(session: Session, cohort: Cohort, course: Course, enrolment) -> None:
    """Counterbalance the cohort: a judge who has not begun the entry assessment gets the
    parallel form fewer of the cohort's judges start with, so half go A→B and half B→A."""
    if not course.parallel_forms or enrolment.entry_form is not None:
        return
    if session.scalar(
        select(Attempt.id).where(Attempt.enrolment_id == enrolment.id, Attempt.kind == "pre")
    ):
        return
    used = dict(
        session.execute(
            select(Enrolment.entry_form, func.count())
            .join(CohortMember, CohortMember.enrolment_id == Enrolment.id)
            .where(CohortMember.cohort_id == cohort.id, Enrolment.entry_form.is_not(None))
            .group_by(Enrolment.entry_form)
        ).all()
    )
    enrolment.entry_form = least_used(list(course.parallel_forms), used)


@dataclass(frozen=True)
class LearnerCohort:
    """One of a judge's cohorts as their dashboard lists it: whether it has a workshop agenda,
    whether they may give its reaction evaluation (they sat the final), and whether its
    follow-up evaluation waits for their answer (e-mailed, not answered)."""

    cohort: Cohort
    has_sessions: bool
    may_evaluate: bool
    follow_up_waiting: bool


@cache
def _learner_cohorts() -> Select:
    """The dashboard's cohorts query, built once (every judge's dashboard asks it)."""
    user_id = bindparam("user_id")
    has_sessions = exists().where(CohortSession.cohort_id == Cohort.id)
    sat_final = exists().where(
        Attempt.enrolment_id == CohortMember.enrolment_id,
        Attempt.kind == "post",
        Attempt.status == "submitted",
    )
    answered = exists().where(
        FollowUpAnswer.cohort_id == Cohort.id, FollowUpAnswer.user_id == user_id
    )
    return (
        select(
            Cohort,
            has_sessions,
            sat_final,
            CohortMember.follow_up_asked_at.is_not(None) & ~answered,
        )
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id)
        .order_by(Cohort.id)
    )


def cohorts_of_learner(session: Session, user_id: int) -> list[LearnerCohort]:
    """The cohorts the user belongs to (for their own dashboard), oldest first; one query."""
    rows = session.execute(_learner_cohorts(), {"user_id": user_id})
    return [LearnerCohort(*row) for row in rows]


def remove_member(session: Session, cohort: Cohort, member: CohortMember, actor: User) -> None:
    """Take a judge out of the cohort. Their enrolment and everything they did stay theirs."""
    session.delete(member)
    tallies.left(session, cohort.id, member.enrolment_id)
    record_audit(
        session,
        actor=actor,
        action="cohort.member_removed",
        subject=cohort,
        details={"user_id": member.user_id},
    )
    session.flush()


def record_import(session: Session, cohort: Cohort, actor: User, outcome, filename: str) -> None:
    """Audit a participants file's import."""
    record_audit(
        session,
        actor=actor,
        action="cohort.participants_imported",
        subject=cohort,
        details={
            "file": filename,
            "invited": len(outcome.invitations),
            "already": outcome.already,
        },
    )


def is_joinable_now(cohort: Cohort, now: datetime) -> bool:
    """Whether the cohort's join code works today (UTC)."""
    return cohort.join_code is not None and (
        cohort.join_closes_on is None or now.date() <= cohort.join_closes_on
    )


@dataclass(frozen=True)
class CohortFigures:
    """A cohort in the platform figures: its size and how many passed."""

    cohort: Cohort
    members: int
    passed: int


def all_cohort_figures(session: Session) -> list[CohortFigures]:
    """Every cohort, newest first, with its members and passes: one query."""
    passed = (
        select(Attempt.enrolment_id)
        .where(Attempt.kind == "post", Attempt.is_passed.is_(True))
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(Cohort, func.count(CohortMember.id), func.count(passed.c.enrolment_id))
        .outerjoin(CohortMember, CohortMember.cohort_id == Cohort.id)
        .outerjoin(passed, passed.c.enrolment_id == CohortMember.enrolment_id)
        .group_by(Cohort.id)
        .order_by(Cohort.id.desc())
    )
    return [CohortFigures(cohort, members, n_passed) for cohort, members, n_passed in rows]


class GrantRefused(Exception):
    """An extra attempt cannot be granted: "not-exhausted" (the judge has passed, or still has
    an attempt), "limit" (the course allows no more)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def can_grant_extra_attempt(session: Session, course: Course, member: CohortMember) -> str | None:
    """None if a trainer may grant the judge one more final attempt now, else why not."""
    enrolment = session.get(Enrolment, member.enrolment_id)
    assert enrolment is not None
    current = assessments.standing(session, course, enrolment.id, True, utcnow())
    post = current.post_availability
    if post is None or post.state != "exhausted":
        return "not-exhausted"
    if enrolment.extra_attempts >= course.assessment.extra_attempts:
        return "limit"
    return None


def grant_extra_attempt(
    session: Session, cohort: Cohort, course: Course, member: CohortMember, actor: User, reason: str
) -> None:
    """One more final attempt for a judge of the cohort who has used every one, within the
    course's ``extra_attempts``; audited with its reason, and the judge is told by e-mail.
    GrantRefused when it cannot be granted."""
    refused = can_grant_extra_attempt(session, course, member)
    if refused:
        raise GrantRefused(refused)
    granted = session.execute(
        update(Enrolment)
        .where(
            Enrolment.id == member.enrolment_id,
            Enrolment.extra_attempts < course.assessment.extra_attempts,
        )
        .values(extra_attempts=Enrolment.extra_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if granted.rowcount != 1:  # another trainer granted it at the same moment
        raise GrantRefused("limit")
    record_audit(
        session,
        actor=actor,
        action="cohort.extra_attempt_granted",
        subject=cohort,
        details={"user_id": member.user_id, "reason": reason},
    )
    judge = session.get(User, member.user_id)
    if judge is not None:
        queue_message(
            session,
            "extra_attempt",
            judge.email,
            language=judge.preferred_language,
            user_id=judge.id,
            cohort_id=cohort.id,
            context={"reason": reason, "trainer": actor.certificate_name},
            created_by_id=actor.id,
        )
