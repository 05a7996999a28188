"""A workshop's agenda: the cohort's sessions in time order, written by its trainers one by one
or copied from a standard agenda of the trainers' manual. Every change is audited.

Take a session and plain values; flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.audit.services import record_audit
from elearning.cohorts.models import Cohort, CohortSession
from elearning.content.model import Agenda


class AgendaRefused(Exception):
    """The agenda could not be copied; ``reason``: "no-start-date" or "has-sessions"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SessionDetails:
    """What a trainer writes about a session."""

    title: str
    held_on: date
    starts_at: time
    ends_at: time
    venue: str = ""
    description: str = ""


def sessions_of(session: Session, cohort_id: int) -> list[CohortSession]:
    """The cohort's sessions in the order they are held."""
    return list(
        session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort_id)
            .order_by(
                CohortSession.held_on,
                CohortSession.starts_at,
                CohortSession.ends_at,
                CohortSession.id,
            )
        )
    )


def session_count(session: Session, cohort_id: int) -> int:
    """How many sessions the cohort has."""
    return session.scalar(
        select(func.count()).select_from(CohortSession).where(CohortSession.cohort_id == cohort_id)
    )


def find_session(session: Session, cohort: Cohort, session_id: int) -> CohortSession | None:
    """A session of ``cohort`` (another cohort's is None, as an unknown one)."""
    return session.scalar(
        select(CohortSession).where(
            CohortSession.id == session_id, CohortSession.cohort_id == cohort.id
        )
    )


def _facts(item: CohortSession) -> dict:
    return {
        "session": item.title,
        "held_on": item.held_on.isoformat(),
        "starts_at": item.starts_at.strftime("%H:%M"),
        "ends_at": item.ends_at.strftime("%H:%M"),
    }


def add_session(
    session: Session, cohort: Cohort, details: SessionDetails, actor: User
) -> CohortSession:
    """Add a session to the cohort's agenda."""
    item = CohortSession(cohort_id=cohort.id, **details.__dict__)
    session.add(item)
    session.flush()
    record_audit(
        session, actor=actor, action="cohort.session_added", subject=cohort, details=_facts(item)
    )
    return item


def change_session(
    session: Session, cohort: Cohort, item: CohortSession, details: SessionDetails, actor: User
) -> None:
    """Change a session's title, time, venue or description (its attendance stays)."""
    before = _facts(item)
    for key, value in details.__dict__.items():
        setattr(item, key, value)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="cohort.session_changed",
        subject=cohort,
        details={**_facts(item), "before": before},
    )


def delete_session(session: Session, cohort: Cohort, item: CohortSession, actor: User) -> None:
    """Take a session off the agenda, with the attendance recorded at it."""
    facts = _facts(item)
    session.delete(item)
    session.flush()
    record_audit(
        session, actor=actor, action="cohort.session_deleted", subject=cohort, details=facts
    )


def fill_from_agenda(
    session: Session,
    cohort: Cohort,
    agenda: Agenda,
    *,
    language: str,
    actor: User,
    replace: bool = False,
) -> int:
    """Copy a standard agenda into the cohort's sessions: day 1 on the cohort's start date, day
    2 the next day, and so on; titles in ``language``, the venue the cohort's site. With
    ``replace``, the sessions already planned (and their attendance) go first. How many
    sessions were added. AgendaRefused: "no-start-date", "has-sessions" (and not ``replace``).
    """
    if cohort.starts_on is None:
        raise AgendaRefused("no-start-date")
    existing = session_count(session, cohort.id)
    if existing and not replace:
        raise AgendaRefused("has-sessions")
    if existing:
        session.execute(
            delete(CohortSession)
            .where(CohortSession.cohort_id == cohort.id)
            .execution_options(synchronize_session=False)
        )
    for entry in agenda.sessions:
        session.add(
            CohortSession(
                cohort_id=cohort.id,
                title=entry.title.get(language)[:200],
                held_on=cohort.starts_on + timedelta(days=entry.day - 1),
                starts_at=entry.starts,
                ends_at=entry.ends,
                venue=cohort.site or "",
                description="",
            )
        )
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="cohort.agenda_filled",
        subject=cohort,
        details={"agenda": agenda.slug, "sessions": len(agenda.sessions), "replaced": existing},
    )
    return len(agenda.sessions)
