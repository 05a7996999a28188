"""Certificates, frozen at issue, and the requests around them: approval and name corrections.

A certificate copies what it certifies (holder name, course title, score, dates) and stores its
PDF with the PDF's SHA-256: later changes to the profile, the course or the design never alter a
certificate already issued. A correction is a new certificate that supersedes the old one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from elearning.extensions import db
from elearning.sqltypes import UTCDateTime, utcnow


class Certificate(db.Model):
    """An issued certificate: the record, its PDF, and whether it still stands."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # compact, without hyphens
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolments.id", ondelete="SET NULL"), index=True
    )
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    course_slug: Mapped[str] = mapped_column(String(64), index=True)
    holder_name: Mapped[str] = mapped_column(Text)
    course_title: Mapped[str] = mapped_column(Text)
    content_version: Mapped[str] = mapped_column(String(32))
    score: Mapped[float]
    hours: Mapped[float | None]  # the hours of study the certificate states, if any
    # The continuing-education category of those hours (the course's, at issue), if any.
    category: Mapped[str | None] = mapped_column(String(32))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it stops being current (the course's validity, at issue; None: never). It stays
    # authentic after: the verification says "expired".
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The last expiry reminder sent, as its days before expiry (60, then 14): each once.
    reminded_days: Mapped[int | None]
    issuer: Mapped[str] = mapped_column(String(200))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    design: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL")
    )

    @property
    def status(self) -> str:
        """``revoked``, ``superseded`` or ``valid``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_by_id is not None:
            return "superseded"
        return "valid"

    def is_expired(self, now: datetime) -> bool:
        """Past its ``valid_until`` (still authentic, no longer current)."""
        return self.valid_until is not None and now >= self.valid_until


class CertificateRequest(db.Model):
    """A learner eligible in a course whose certificates wait for an admin's approval.

    An admin may hold a request (with a reason): it stays in the queue, marked so, and nothing
    issues it (no bulk run, no job, no button of the judge's) until it is approved or released.
    """

    __tablename__ = "certificate_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True
    )
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(64), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_reason: Mapped[str | None] = mapped_column(Text)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_held(self) -> bool:
        return self.held_at is not None


class CertificateRejection(db.Model):
    """An admin's refusal to certify a passing attempt, with the reason the judge was sent.

    The request leaves the queue; the attempt it named never earns a certificate again (a bulk
    issue passes it over), but a later pass by the same judge does.
    """

    __tablename__ = "certificate_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    course_slug: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    rejected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class NameCorrection(db.Model):
    """A learner's request to correct the name on an issued certificate."""

    __tablename__ = "name_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    requested_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved, rejected
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_note: Mapped[str | None] = mapped_column(Text)


class CertificateRun(db.Model):
    """Certificates issued in bulk from the web (a course's whole cohort, or the approval
    queue's selection), by a background job: what the run covers and what it has done.
    While it runs, its progress is read from the requests still owed; ``heartbeat_at`` tells
    a running job from one whose worker died (the sweeper queues that one again)."""

    __tablename__ = "certificate_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the admin did: "approval" (requests chosen in the approval queue) or "bulk" (every
    # certificate a course owes); the certificates' audit records say which.
    kind: Mapped[str] = mapped_column(String(16), default="bulk", server_default="bulk")
    enrolment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    issued: Mapped[int] = mapped_column(default=0)
    refused: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # reason -> how many
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    @property
    def total(self) -> int:
        return len(self.enrolment_ids)
