"""Expiry and renewal: the reminders owed before a certificate expires, the final assessment
re-opened for its holder, and the certificate a renewal pass issues. Flush, never commit; no
Flask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.assessments.models import Attempt
from elearning.assessments.services import passed_attempt
from elearning.certificates import issuance, services, validity
from elearning.certificates.models import Certificate
from elearning.content.model import Course
from elearning.learning.models import Enrolment

#: The furthest ahead a reminder can be (the content check allows remind_days up to 365).
LONGEST_NOTICE = timedelta(days=365)


def renewable(session: Session, course: Course, enrolment_id: int, now: datetime):
    """The enrolment's current certificate when its holder may renew it now (from the first
    reminder on, expired or not), else None."""
    certificate = services.current_certificate(session, enrolment_id)
    if certificate is None or not validity.renewal_open(
        certificate.valid_until, course.certificate.remind_days, now
    ):
        return None
    return certificate


def attempts_count_from(
    enrolment_id: int, *, session: Session, course: Course, now: datetime, **_extra
) -> datetime | None:
    """For the assessments' standing: a holder renewing sits the final afresh, counting only
    the attempts begun since their certificate was issued."""
    certificate = renewable(session, course, enrolment_id, now)
    return certificate.issued_at if certificate is not None else None


def renew(
    session: Session,
    course: Course,
    certificate: Certificate,
    *,
    issuing: services.Issuing,
    now: datetime,
) -> Certificate | None:
    """Issue the certificate a renewal pass earned, superseding ``certificate``; None when
    there is nothing to renew (no pass since it was issued, or it no longer stands).
    CertificateRefused as :func:`issuance.store` says (another request renewed it first)."""
    enrolment = session.get(Enrolment, certificate.enrolment_id)
    if enrolment is None or certificate.status != "valid":
        return None
    attempt = passed_attempt(session, enrolment.id)
    if attempt is None or attempt.id == certificate.attempt_id:
        return None
    if attempt.started_at < certificate.issued_at:
        return None
    holder = session.get(User, enrolment.user_id)
    return issuance.issue_certificate(
        session,
        course,
        enrolment,
        holder_name=holder.certificate_name if holder is not None else certificate.holder_name,
        issuing=issuing,
        now=now,
        replaces=certificate,
        via=issuance.ISSUED_ON_RENEWAL,
    )


@dataclass(frozen=True)
class Reminder:
    """A reminder to send: the certificate, its holder and how many days are left."""

    certificate: Certificate
    holder: User
    days: int


def due_reminders(
    session: Session, course_of: Callable[[str], Course | None], now: datetime
) -> list[Reminder]:
    """The expiry reminders owed now, each marked sent (a conditional UPDATE: a reminder goes
    once however many sweeps run). Only certificates that stand, held by an account."""
    candidates = session.execute(
        select(Certificate, User)
        .join(User, User.id == Certificate.user_id)
        .where(
            *services.status_condition("valid"),
            Certificate.valid_until > now,
            Certificate.valid_until <= now + LONGEST_NOTICE,
        )
        .order_by(Certificate.id)
    ).all()
    reminders = []
    for certificate, holder in candidates:
        course = course_of(certificate.course_slug)
        if course is None:
            continue
        days = validity.due_reminder(
            certificate.valid_until, course.certificate.remind_days, certificate.reminded_days, now
        )
        if days is not None and _mark_reminded(session, certificate.id, days):
            reminders.append(Reminder(certificate, holder, days))
    return reminders


def _mark_reminded(session: Session, certificate_id: int, days: int) -> bool:
    taken = session.execute(
        update(Certificate)
        .where(
            Certificate.id == certificate_id,
            or_(Certificate.reminded_days.is_(None), Certificate.reminded_days > days),
        )
        .values(reminded_days=days)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


@cache
def _expiring_of_user() -> Select:
    """The user's standing certificates that expire, built once (every dashboard asks it)."""
    return (
        select(Certificate)
        .where(
            Certificate.user_id == bindparam("user_id"),
            Certificate.valid_until.is_not(None),
            *services.status_condition("valid"),
        )
        .order_by(Certificate.valid_until)
    )


def renewable_certificates(
    session: Session, user_id: int, course_of: Callable[[str], Course | None], now: datetime
) -> list[Certificate]:
    """The user's certificates they may renew now (expiring soon, or expired), soonest first."""
    standing = session.scalars(_expiring_of_user(), {"user_id": user_id})
    return [
        certificate
        for certificate in standing
        if (course := course_of(certificate.course_slug)) is not None
        and course.form("post") is not None
        and validity.renewal_open(certificate.valid_until, course.certificate.remind_days, now)
    ]


def renewals_owed(session: Session) -> list[int]:
    """Certificates that stand although their holder has passed the final again since they
    were issued (the renewal's job was lost): their ids, for the sweeper to renew."""
    return list(
        session.scalars(
            select(Certificate.id)
            .join(Attempt, Attempt.enrolment_id == Certificate.enrolment_id)
            .where(
                *services.status_condition("valid"),
                Certificate.valid_until.is_not(None),
                Attempt.kind == "post",
                Attempt.is_passed.is_(True),
                Attempt.id != Certificate.attempt_id,
                Attempt.started_at >= Certificate.issued_at,
            )
            .distinct()
        )
    )
