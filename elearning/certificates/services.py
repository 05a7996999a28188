"""Use cases of certificates: eligibility, issue, revoke, reissue, name corrections, lookup.

Take a session and plain values; flush, never commit. Every change of a certificate's standing
is written to the audit log in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.admin.services import record_audit
from elearning.assessments.models import Attempt
from elearning.assessments.services import passed_attempt
from elearning.certificates import codes
from elearning.certificates.models import Certificate, NameCorrection
from elearning.certificates.rendering import CertificateRecord, render_certificate
from elearning.content.model import Course
from elearning.learning.models import Enrolment
from elearning.learning.services import completion_times
from elearning.sqltypes import utcnow

VerifyUrl = Callable[[str], str]  # compact code → the public verification address


class CertificateRefused(Exception):
    """The operation is not allowed; ``reason`` names why, for the page to explain."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Eligibility:
    """Whether an enrolment has earned its certificate, and the attempt that earned it."""

    lessons_complete: bool
    passed: Attempt | None

    @property
    def is_eligible(self) -> bool:
        """Every lesson complete and the final assessment passed."""
        return self.lessons_complete and self.passed is not None


def eligibility(session: Session, course: Course, enrolment_id: int) -> Eligibility:
    """Every lesson of the course (as it is now) complete, and a passed final assessment."""
    done = completion_times(session, [enrolment_id])[enrolment_id]
    complete = all(lesson.slug in done for lesson in course.lessons)
    return Eligibility(complete, passed_attempt(session, enrolment_id))


def current_certificate(session: Session, enrolment_id: int) -> Certificate | None:
    """The enrolment's certificate that stands (neither revoked nor superseded), if any."""
    return session.scalar(
        select(Certificate).where(
            Certificate.enrolment_id == enrolment_id,
            Certificate.revoked_at.is_(None),
            Certificate.superseded_by_id.is_(None),
        )
    )


def find_by_code(session: Session, typed: str) -> Certificate | None:
    """The certificate with this verification code, however it was typed; None if the code is
    malformed or unknown (the two are not told apart)."""
    code = codes.normalise(typed)
    if code is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))


def sha256(data: bytes) -> str:
    """The hexadecimal SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def issue_certificate(
    session: Session,
    course: Course,
    enrolment: Enrolment,
    *,
    holder_name: str,
    issuer: str,
    design_root: Path,
    verify_url: VerifyUrl,
    issued_by: User | None = None,
    now: datetime | None = None,
    replaces: Certificate | None = None,
) -> Certificate:
    """Issue the enrolment's certificate: freeze the record, render and store the PDF.

    Issuing again returns the certificate that stands (unless ``replaces`` names it: a reissue).
    CertificateRefused("not-eligible") when the lessons or the final assessment are not done.
    """
    standing = current_certificate(session, enrolment.id)
    if standing is not None and standing is not replaces:
        return standing
    earned = eligibility(session, course, enrolment.id)
    if not earned.is_eligible or earned.passed is None:
        raise CertificateRefused("not-eligible")
    attempt = earned.passed
    now = now or utcnow()
    design_dir = design_root / course.certificate.design
    for _ in range(5):  # a code collision is a 1 in 2**75 event; retry rather than fail
        certificate = Certificate(
            serial=f"pending-{codes.new_code()}",
            code=codes.new_code(),
            user_id=enrolment.user_id,
            enrolment_id=enrolment.id,
            attempt_id=attempt.id,
            course_slug=course.slug,
            holder_name=holder_name,
            course_title=str(course.title),
            content_version=attempt.content_version,
            score=attempt.score or 0.0,
            completed_at=attempt.submitted_at or now,
            issued_at=now,
            issuer=issuer,
            issued_by_id=issued_by.id if issued_by else None,
            design=course.certificate.design,
            language="en",
            pdf=b"",
            pdf_sha256="",
        )
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            continue
        break
    else:  # pragma: no cover - five collisions of 75-bit random codes
        raise CertificateRefused("code")
    certificate.serial = f"{now:%Y}-{certificate.id:06d}"
    record = CertificateRecord(
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        score=certificate.score,
        completed_on=_date(certificate.completed_at),
        issued_on=_date(certificate.issued_at),
        issuer=certificate.issuer,
        serial=certificate.serial,
        code=codes.display(certificate.code),
        verify_url=verify_url(certificate.code),
        content_version=certificate.content_version,
        language=certificate.language,
    )
    certificate.pdf = render_certificate(design_dir, record)
    certificate.pdf_sha256 = sha256(certificate.pdf)
    if replaces is not None:
        replaces.superseded_by_id = certificate.id
    session.flush()
    record_audit(
        session,
        actor=issued_by,
        action="certificate.reissue" if replaces is not None else "certificate.issue",
        subject=certificate,
        details={
            "serial": certificate.serial,
            "course": course.slug,
            "holder_name": holder_name,
            **({"replaces": replaces.serial} if replaces is not None else {}),
        },
        at=now,
    )
    return certificate


def revoke_certificate(
    session: Session, certificate: Certificate, *, actor: User, reason: str, now: datetime
) -> None:
    """Revoke a certificate that stands, with the reason shown on its verification page."""
    if certificate.status != "valid":
        raise CertificateRefused(certificate.status)
    certificate.revoked_at = now
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="certificate.revoke",
        subject=certificate,
        details={"serial": certificate.serial, "reason": reason},
        at=now,
    )


def request_name_correction(
    session: Session, certificate: Certificate, *, name: str, note: str, now: datetime
) -> NameCorrection:
    """The holder asks for another name on a certificate that stands (one request at a time)."""
    if certificate.status != "valid":
        raise CertificateRefused(certificate.status)
    pending = session.scalar(
        select(NameCorrection).where(
            NameCorrection.certificate_id == certificate.id, NameCorrection.status == "pending"
        )
    )
    if pending is not None:
        raise CertificateRefused("pending")
    if name.strip() == certificate.holder_name:
        raise CertificateRefused("same-name")
    correction = NameCorrection(
        certificate_id=certificate.id, requested_name=name.strip(), note=note, requested_at=now
    )
    session.add(correction)
    session.flush()
    record_audit(
        session,
        actor=session.get(User, certificate.user_id) if certificate.user_id else None,
        action="certificate.name_correction_requested",
        subject=certificate,
        details={"serial": certificate.serial, "requested_name": correction.requested_name},
        at=now,
    )
    return correction


def decide_name_correction(
    session: Session,
    correction: NameCorrection,
    course: Course,
    *,
    approve: bool,
    actor: User,
    note: str,
    issuer: str,
    design_root: Path,
    verify_url: VerifyUrl,
    now: datetime,
) -> Certificate | None:
    """Approve (a new certificate with the corrected name supersedes the old) or reject a
    request; the new certificate when approved."""
    if correction.status != "pending":
        raise CertificateRefused("decided")
    certificate = session.get(Certificate, correction.certificate_id)
    assert certificate is not None
    correction.status = "approved" if approve else "rejected"
    correction.decided_at = now
    correction.decided_by_id = actor.id
    correction.decision_note = note
    session.flush()
    if not approve:
        record_audit(
            session,
            actor=actor,
            action="certificate.name_correction_rejected",
            subject=certificate,
            details={"serial": certificate.serial, "requested_name": correction.requested_name},
            at=now,
        )
        return None
    enrolment = (
        session.get(Enrolment, certificate.enrolment_id) if certificate.enrolment_id else None
    )
    if enrolment is None or certificate.status != "valid":
        raise CertificateRefused("not-current")
    return issue_certificate(
        session,
        course,
        enrolment,
        holder_name=correction.requested_name,
        issuer=issuer,
        design_root=design_root,
        verify_url=verify_url,
        issued_by=actor,
        now=now,
        replaces=certificate,
    )
