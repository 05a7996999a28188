"""Changing a certificate's standing: revoking, reissuing, and the holder's name corrections.
Each change is written to the audit log in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.audit.services import record_audit
from elearning.certificates import services
from elearning.certificates.issuance import issue_certificate
from elearning.certificates.models import Certificate, NameCorrection
from elearning.content.model import Course
from elearning.learning.models import Enrolment


def revoke_certificate(
    session: Session, certificate: Certificate, *, actor: User, reason: str, now: datetime
) -> None:
    """Revoke a certificate that stands, with the reason shown on its verification page."""
    if certificate.status != "valid":
        raise services.CertificateRefused(certificate.status)
    revoked = session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, *services.status_condition("valid"))
        .values(revoked_at=now, revoked_reason=reason, revoked_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if revoked.rowcount != 1:
        raise services.CertificateRefused("not-current")
    session.refresh(certificate)
    record_audit(
        session,
        actor=actor,
        action="certificate.revoke",
        subject=certificate,
        details={"serial": certificate.serial, "reason": reason},
        at=now,
    )


def reissue_certificate(
    session: Session,
    certificate: Certificate,
    course: Course,
    *,
    holder_name: str,
    issuing: services.Issuing,
    actor: User,
    now: datetime,
) -> Certificate:
    """A new certificate for the same achievement that supersedes ``certificate`` (valid or
    revoked, not already superseded): with another name, a new design, after a revocation
    made in error."""
    if certificate.superseded_by_id is not None:
        raise services.CertificateRefused("superseded")
    enrolment = (
        session.get(Enrolment, certificate.enrolment_id) if certificate.enrolment_id else None
    )
    if enrolment is None:
        raise services.CertificateRefused("not-current")
    return issue_certificate(
        session,
        course,
        enrolment,
        holder_name=holder_name,
        issuing=issuing,
        issued_by=actor,
        now=now,
        replaces=certificate,
    )


def request_name_correction(
    session: Session, certificate: Certificate, *, name: str, note: str, now: datetime
) -> NameCorrection:
    """The holder asks for another name on a certificate that stands (one request at a time)."""
    if certificate.status != "valid":
        raise services.CertificateRefused(certificate.status)
    pending = session.scalar(
        select(NameCorrection).where(
            NameCorrection.certificate_id == certificate.id, NameCorrection.status == "pending"
        )
    )
    if pending is not None:
        raise services.CertificateRefused("pending")
    requested = services.clean_name(name)
    if requested == certificate.holder_name:
        raise services.CertificateRefused("same-name")
    correction = NameCorrection(
        certificate_id=certificate.id, requested_name=requested, note=note, requested_at=now
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
    issuing: services.Issuing,
    now: datetime,
) -> Certificate | None:
    """Approve (a new certificate with the corrected name supersedes the old) or reject a
    request; the new certificate when approved."""
    decided = session.execute(
        update(NameCorrection)
        .where(NameCorrection.id == correction.id, NameCorrection.status == "pending")
        .values(
            status="approved" if approve else "rejected",
            decided_at=now,
            decided_by_id=actor.id,
            decision_note=note,
        )
        .execution_options(synchronize_session=False)
    )
    if decided.rowcount != 1:
        raise services.CertificateRefused("decided")
    session.refresh(correction)
    certificate = session.get(Certificate, correction.certificate_id)
    assert certificate is not None
    if not approve:
        record_audit(
            session,
            actor=actor,
            action="certificate.name_correction_rejected",
            subject=certificate,
            details={
                "serial": certificate.serial,
                "requested_name": correction.requested_name,
                "note": note,
            },
            at=now,
        )
        return None
    if certificate.status != "valid":
        raise services.CertificateRefused("not-current")
    record_audit(
        session,
        actor=actor,
        action="certificate.name_correction_approved",
        subject=certificate,
        details={
            "serial": certificate.serial,
            "requested_name": correction.requested_name,
            "note": note,
        },
        at=now,
    )
    # The corrected name is the holder's name from now on: a later replacement, and the next
    # certificate they earn, print it too.
    holder = session.get(User, certificate.user_id) if certificate.user_id else None
    if holder is not None:
        holder.certificate_name = correction.requested_name
    return reissue_certificate(
        session,
        certificate,
        course,
        holder_name=correction.requested_name,
        issuing=issuing,
        actor=actor,
        now=now,
    )
