"""The approval queue's decisions: approve (with the name to print), hold, release, reject.

Take a session and plain values; flush, never commit. Each decision is written to the audit log
under its own action; a rejection is kept (:class:`CertificateRejection`) and told to the judge
by e-mail, in their language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.assessments.models import Attempt
from elearning.audit.services import record_audit
from elearning.certificates.models import CertificateRejection, CertificateRequest
from elearning.learning.models import Enrolment
from elearning.outbox.services import queue_message


@dataclass(frozen=True)
class Waiting:
    """A request of the queue with its judge and the score of the attempt that earned it."""

    request: CertificateRequest
    user: User
    score: float | None


def _rows(*where, limit: int | None = None) -> Select:
    return (
        select(CertificateRequest, User, Attempt.score)
        .join(Enrolment, Enrolment.id == CertificateRequest.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .join(Attempt, Attempt.id == CertificateRequest.attempt_id)
        .where(*where)
        .order_by(CertificateRequest.requested_at, CertificateRequest.id)
        .limit(limit)
    )


def waiting(session: Session, *, among: Select | None = None, limit: int = 500) -> list[Waiting]:
    """The requests in the queue, oldest first; ``among``: only these enrolments (a cohort)."""
    where = [CertificateRequest.enrolment_id.in_(among)] if among is not None else []
    return [Waiting(*row) for row in session.execute(_rows(*where, limit=limit))]


def chosen(session: Session, request_ids: Iterable[int]) -> list[Waiting]:
    """The requests of these ids still in the queue, oldest first."""
    ids = set(request_ids)
    if not ids:
        return []
    return [Waiting(*row) for row in session.execute(_rows(CertificateRequest.id.in_(ids)))]


def _audit(session: Session, action: str, row: Waiting, actor: User, now: datetime, **details):
    record_audit(
        session,
        actor=actor,
        action=action,
        subject=row.user,
        details={
            "course": row.request.course_slug,
            "enrolment_id": row.request.enrolment_id,
            "attempt_id": row.request.attempt_id,
            **details,
        },
        at=now,
    )


def approve(
    session: Session, rows: list[Waiting], *, names: dict[int, str], actor: User, now: datetime
) -> list[int]:
    """Release the chosen requests for issuing, with the name each certificate prints; the
    enrolment ids to issue. A name edited here (already cleaned by ``elearning.names``) becomes
    the judge's certificate name, as an approved correction does: their next certificate
    prints it too."""
    for row in rows:
        name = names.get(row.request.id)
        if name and name != row.user.certificate_name:
            _audit(
                session,
                "certificate.request_name_edited",
                row,
                actor,
                now,
                old_name=row.user.certificate_name,
                new_name=name,
            )
            row.user.certificate_name = name
        if row.request.is_held:
            row.request.held_at = row.request.held_reason = row.request.held_by_id = None
        _audit(session, "certificate.request_approved", row, actor, now)
    session.flush()
    return [row.request.enrolment_id for row in rows]


def hold(session: Session, rows: list[Waiting], *, reason: str, actor: User, now: datetime) -> None:
    """Put the chosen requests on hold, with the reason: they stay in the queue, and nothing
    issues them until they are approved or released."""
    for row in rows:
        row.request.held_at = now
        row.request.held_reason = reason
        row.request.held_by_id = actor.id
        _audit(session, "certificate.request_held", row, actor, now, reason=reason)
    session.flush()


def release(session: Session, rows: list[Waiting], *, actor: User, now: datetime) -> int:
    """Take the chosen requests off hold (they wait for approval, or their job, again); how
    many were on hold."""
    released = [row for row in rows if row.request.is_held]
    for row in released:
        _audit(
            session,
            "certificate.request_released",
            row,
            actor,
            now,
            reason=row.request.held_reason,
        )
        row.request.held_at = row.request.held_reason = row.request.held_by_id = None
    session.flush()
    return len(released)


def reject(
    session: Session, rows: list[Waiting], *, reason: str, actor: User, now: datetime
) -> None:
    """Refuse the chosen requests: they leave the queue, the attempt they named earns no
    certificate again (a later pass does), and each judge is told why by e-mail."""
    for row in rows:
        rejection = CertificateRejection(
            enrolment_id=row.request.enrolment_id,
            attempt_id=row.request.attempt_id,
            course_slug=row.request.course_slug,
            reason=reason,
            rejected_at=now,
            rejected_by_id=actor.id,
        )
        session.add(rejection)
        session.flush()
        _audit(session, "certificate.request_rejected", row, actor, now, reason=reason)
        queue_message(
            session,
            "certificate_rejected",
            row.user.email,
            language=row.user.preferred_language,
            user_id=row.user.id,
            ref_id=rejection.id,
            created_by_id=actor.id,
            now=now,
        )
    session.execute(
        delete(CertificateRequest)
        .where(CertificateRequest.id.in_([row.request.id for row in rows]))
        .execution_options(synchronize_session=False)
    )
