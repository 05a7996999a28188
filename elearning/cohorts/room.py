"""The room's assessments: in a cohort run face to face (``Cohort.trainer_opens_assessments``),
the trainer opens the entry or final assessment for the room at a moment and closes it again.
Until it is opened, and once it is closed, the cohort's judges cannot begin it; a judge who has
begun keeps saving and may submit (``assessments.gates``: only a new attempt is held back).

A judge in several cohorts of the course: the cohorts that leave their judges free do not hold
them back; of those run in a room, one that has the assessment open is enough (the judge sits
in that room). Otherwise the judge waits, or is told it was closed if any of those rooms closed it.

The projector's live figures count the cohort's judges by their attempts of that kind, as the
cohort's figures count them (scores earned before joining left out if the cohort says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.assessments import gates
from elearning.assessments.models import Attempt
from elearning.audit.services import record_audit
from elearning.cohorts.facts import counted_by, counts_earlier, member_ids
from elearning.cohorts.models import Cohort, CohortMember, RoomAssessment

if TYPE_CHECKING:
    from flask import Flask

KINDS = ("pre", "post")


@dataclass(frozen=True)
class RoomState:
    """One assessment of the room: never opened, open (since when), or closed (when)."""

    kind: str
    opened_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def state(self) -> str:
        """ "waiting" (never opened), "open" or "closed"."""
        if self.opened_at is None:
            return "waiting"
        return "open" if self.closed_at is None else "closed"


@dataclass(frozen=True)
class LiveCounts:
    """How many of the cohort's judges have begun and submitted an assessment: no names."""

    enrolled: int
    started: int
    submitted: int


def states(session: Session, cohort_id: int) -> dict[str, RoomState]:
    """The entry and final assessments of the room, by kind."""
    found = {
        row.kind: RoomState(row.kind, row.opened_at, row.closed_at)
        for row in session.scalars(
            select(RoomAssessment).where(RoomAssessment.cohort_id == cohort_id)
        )
    }
    return {kind: found.get(kind, RoomState(kind)) for kind in KINDS}


def open_assessment(
    session: Session, cohort: Cohort, kind: str, actor: User, now: datetime
) -> bool:
    """Open ``kind`` for the room from ``now`` (again, after a close). Returns whether it
    changed (opening an open assessment does nothing)."""
    row = session.get(RoomAssessment, (cohort.id, kind))
    if row is not None and row.is_open:
        return False
    if row is None:
        row = RoomAssessment(cohort_id=cohort.id, kind=kind)
        session.add(row)
    row.opened_at = now
    row.closed_at = None
    session.flush()
    record_audit(
        session,
        actor=actor,
        action=("cohort.room_pre_opened", "cohort.room_post_opened")[KINDS.index(kind)],
        subject=cohort,
        at=now,
    )
    return True


def close_assessment(
    session: Session, cohort: Cohort, kind: str, actor: User, now: datetime
) -> bool:
    """Close ``kind`` for the room: nobody begins it any more; who has begun may finish.
    Returns whether it changed (closing what is not open does nothing)."""
    row = session.get(RoomAssessment, (cohort.id, kind))
    if row is None or not row.is_open:
        return False
    row.closed_at = now
    session.flush()
    record_audit(
        session,
        actor=actor,
        action=("cohort.room_pre_closed", "cohort.room_post_closed")[KINDS.index(kind)],
        subject=cohort,
        at=now,
    )
    return True


def set_trainer_opens_assessments(
    session: Session, cohort: Cohort, opens: bool, actor: User
) -> bool:
    """Say whether the trainer opens the cohort's assessments in the room. Returns whether
    it changed."""
    if cohort.trainer_opens_assessments == opens:
        return False
    cohort.trainer_opens_assessments = opens
    record_audit(
        session,
        actor=actor,
        action="cohort.room_control_on" if opens else "cohort.room_control_off",
        subject=cohort,
    )
    return True


def live_counts(session: Session, cohort_id: int, kind: str) -> LiveCounts:
    """The cohort's judges, those who have begun ``kind`` and those who have submitted it, in
    one query (each judge once, however many attempts)."""
    attempt = (
        select(
            Attempt.enrolment_id,
            func.max(case((Attempt.status == "submitted", 1), else_=0)).label("submitted"),
        )
        .where(
            Attempt.enrolment_id.in_(member_ids(cohort_id)),
            Attempt.kind == kind,
            counted_by(cohort_id, counts_earlier(session, cohort_id)),
        )
        .group_by(Attempt.enrolment_id)
        .subquery()
    )
    enrolled, started, submitted = session.execute(
        select(
            func.count(CohortMember.id),
            func.count(attempt.c.enrolment_id),
            func.coalesce(func.sum(attempt.c.submitted), 0),
        )
        .select_from(CohortMember)
        .outerjoin(attempt, attempt.c.enrolment_id == CohortMember.enrolment_id)
        .where(CohortMember.cohort_id == cohort_id)
    ).one()
    return LiveCounts(int(enrolled), int(started), int(submitted))


class RoomGate:
    """:class:`elearning.assessments.gates.StartGate` over the cohorts run in a room."""

    def refusal(self, session: Session, enrolment_id: int, kind: str) -> str | None:
        rooms = session.execute(
            select(RoomAssessment.opened_at, RoomAssessment.closed_at)
            .select_from(CohortMember)
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .outerjoin(
                RoomAssessment,
                and_(RoomAssessment.cohort_id == Cohort.id, RoomAssessment.kind == kind),
            )
            .where(CohortMember.enrolment_id == enrolment_id, Cohort.trainer_opens_assessments)
        ).all()
        if not rooms:
            return None
        if any(opened is not None and closed is None for opened, closed in rooms):
            return None
        if any(closed is not None for _opened, closed in rooms):
            return gates.CLOSED
        return gates.WAITING


def init_app(app: Flask) -> None:
    """Let the cohorts run in a room hold their assessments shut until the trainer opens them."""
    gates.register(app, RoomGate())
