"""Attendance at a workshop's sessions: who was present at each (the trainer's sign-in sheet on
screen, or a judge's QR code on the printed sheet scanned by a trainer), how many sessions each
judge attended, and whether a cohort that requires attendance holds a judge's certificate back.

The QR code of a printed sheet carries a signed token naming the cohort, the session and the
judge: it cannot be forged, nor used for another session or judge, and only a trainer of the
cohort (or an admin) can record with it. Every change is audited.

Take a session and plain values; flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.audit.services import record_audit
from elearning.cohorts.logic import sessions_needed
from elearning.cohorts.models import Cohort, CohortMember, CohortSession, SessionAttendance

TOKEN_SALT = "cohorts.attendance"  # noqa: S105 - a salt, not a secret  # nosec B105
VIA_SHEET = "sheet"
VIA_SCAN = "scan"


# --- the token of a printed sheet's QR code -------------------------------------------------------


@dataclass(frozen=True)
class AttendanceToken:
    """What a sign-in QR code names."""

    cohort_id: int
    session_id: int
    member_id: int


def attendance_token(secret: str, cohort_id: int, session_id: int, member_id: int) -> str:
    """The signed token of a judge's QR code on a session's sign-in sheet."""
    return URLSafeSerializer(secret, salt=TOKEN_SALT).dumps([cohort_id, session_id, member_id])


def read_attendance_token(secret: str, token: str) -> AttendanceToken | None:
    """What a token names; None when it is malformed or not signed with ``secret``."""
    try:
        value = URLSafeSerializer(secret, salt=TOKEN_SALT).loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    ):
        return None
    return AttendanceToken(*value)


# --- recording ------------------------------------------------------------------------------------


def present_members(session: Session, session_id: int) -> set[int]:
    """The ids of the members recorded present at the session."""
    return set(
        session.scalars(
            select(SessionAttendance.member_id).where(SessionAttendance.session_id == session_id)
        )
    )


def _members_of(session: Session, cohort_id: int) -> dict[int, int]:
    """The cohort's member ids, with their user ids."""
    return dict(
        session.execute(
            select(CohortMember.id, CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)
        ).all()
    )


def record_sheet(
    session: Session,
    cohort: Cohort,
    item: CohortSession,
    present: Iterable[int],
    *,
    actor: User,
    now: datetime,
) -> tuple[int, int]:
    """Record the sign-in sheet of a session: the members in ``present`` were there, the others
    were not (ids of other cohorts' members are ignored). (How many were marked present, how
    many absent, by this change); audited when anything changed."""
    members = _members_of(session, cohort.id)
    wanted = {member_id for member_id in present if member_id in members}
    before = present_members(session, item.id)
    added, removed = wanted - before, before - wanted
    if removed:
        session.execute(
            delete(SessionAttendance)
            .where(
                SessionAttendance.session_id == item.id,
                SessionAttendance.member_id.in_(removed),
            )
            .execution_options(synchronize_session=False)
        )
    for member_id in sorted(added):
        session.add(
            SessionAttendance(
                session_id=item.id,
                member_id=member_id,
                via=VIA_SHEET,
                recorded_at=now,
                recorded_by_id=actor.id,
            )
        )
    session.flush()
    if added or removed:
        record_audit(
            session,
            actor=actor,
            action="cohort.attendance_recorded",
            subject=cohort,
            details={
                "session": item.title,
                "session_id": item.id,
                "present": len(added),
                "absent": len(removed),
                "present_user_ids": sorted(members[m] for m in added),
                "absent_user_ids": sorted(members[m] for m in removed),
            },
            at=now,
        )
    return len(added), len(removed)


def mark_present(
    session: Session,
    cohort: Cohort,
    item: CohortSession,
    member: CohortMember,
    *,
    actor: User,
    now: datetime,
) -> bool:
    """Record one judge present (a scanned QR code); False when they already were."""
    if member.id in present_members(session, item.id):
        return False
    try:
        with session.begin_nested():  # two trainers scanning the same code at once: one records
            session.add(
                SessionAttendance(
                    session_id=item.id,
                    member_id=member.id,
                    via=VIA_SCAN,
                    recorded_at=now,
                    recorded_by_id=actor.id,
                )
            )
    except IntegrityError:
        return False
    record_audit(
        session,
        actor=actor,
        action="cohort.attendance_scanned",
        subject=cohort,
        details={"session": item.title, "session_id": item.id, "user_id": member.user_id},
        at=now,
    )
    return True


# --- counting -------------------------------------------------------------------------------------


def attended_counts(session: Session, cohort_id: int) -> dict[int, int]:
    """How many of the cohort's sessions each member attended, by member id (none: absent)."""
    return dict(
        session.execute(
            select(SessionAttendance.member_id, func.count())
            .join(CohortSession, CohortSession.id == SessionAttendance.session_id)
            .where(CohortSession.cohort_id == cohort_id)
            .group_by(SessionAttendance.member_id)
        ).all()
    )


def attended_session_ids(session: Session, member_id: int) -> set[int]:
    """The sessions the member was recorded present at."""
    return set(
        session.scalars(
            select(SessionAttendance.session_id).where(SessionAttendance.member_id == member_id)
        )
    )


def set_requirement(session: Session, cohort: Cohort, percent: int, *, actor: User) -> bool:
    """Require attendance at ``percent`` of the sessions for a certificate (0: none); False
    when that is already the cohort's setting. Audited."""
    percent = max(0, min(100, percent))
    if cohort.attendance_required_percent == percent:
        return False
    previous = cohort.attendance_required_percent
    cohort.attendance_required_percent = percent
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="cohort.attendance_required",
        subject=cohort,
        details={"percent": percent, "previous": previous},
    )
    return True


@dataclass(frozen=True)
class Shortfall:
    """A judge's attendance below what their cohort requires for a certificate."""

    cohort_id: int
    cohort_name: str
    attended: int
    total: int
    needed: int


def shortfalls(session: Session, enrolment_ids: Iterable[int]) -> dict[int, Shortfall]:
    """For each of these enrolments that a cohort requiring attendance holds back, what it
    lacks (the first such cohort). Three queries however many enrolments."""
    wanted = set(enrolment_ids)
    if not wanted:
        return {}
    members = session.execute(
        select(
            CohortMember.id,
            CohortMember.enrolment_id,
            Cohort.id,
            Cohort.name,
            Cohort.attendance_required_percent,
        )
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.enrolment_id.in_(wanted), Cohort.attendance_required_percent > 0)
        .order_by(CohortMember.joined_at, CohortMember.id)
    ).all()
    if not members:
        return {}
    cohort_ids = {row[2] for row in members}
    totals = dict(
        session.execute(
            select(CohortSession.cohort_id, func.count())
            .where(CohortSession.cohort_id.in_(cohort_ids))
            .group_by(CohortSession.cohort_id)
        ).all()
    )
    attended = dict(
        session.execute(
            select(SessionAttendance.member_id, func.count())
            .where(SessionAttendance.member_id.in_({row[0] for row in members}))
            .group_by(SessionAttendance.member_id)
        ).all()
    )
    found: dict[int, Shortfall] = {}
    for member_id, enrolment_id, cohort_id, name, percent in members:
        total = totals.get(cohort_id, 0)
        needed = sessions_needed(total, percent)
        count = attended.get(member_id, 0)
        if count < needed and enrolment_id not in found:
            found[enrolment_id] = Shortfall(cohort_id, name, count, total, needed)
    return found


@dataclass(frozen=True)
class SignInRow:
    """A judge on a session's sign-in sheet."""

    member_id: int
    name: str
    institution: str
    email: str
    is_present: bool


def sign_in_rows(session: Session, cohort_id: int, session_id: int) -> list[SignInRow]:
    """The cohort's judges by family name, each marked present or not at the session."""
    present = present_members(session, session_id)
    rows = session.execute(
        select(CohortMember.id, User.certificate_name, User.institution, User.email)
        .join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id == cohort_id)
        .order_by(User.name_key, User.certificate_name, CohortMember.id)
    ).all()
    return [
        SignInRow(member_id, name, institution or "", email, member_id in present)
        for member_id, name, institution, email in rows
    ]


def present_counts(session: Session, cohort_id: int) -> dict[int, int]:
    """How many judges were recorded present at each of the cohort's sessions, by session."""
    return dict(
        session.execute(
            select(SessionAttendance.session_id, func.count())
            .join(CohortSession, CohortSession.id == SessionAttendance.session_id)
            .where(CohortSession.cohort_id == cohort_id)
            .group_by(SessionAttendance.session_id)
        ).all()
    )
