"""The public facts of a certificate (what the verification page and API show), and the
admin's search of the register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from elearning import codes
from elearning.certificates import services
from elearning.certificates.models import Certificate
from elearning.sqltypes import contains_folded, utcnow


@dataclass(frozen=True)
class PublicFacts:
    """What the public verification shows of a certificate, and nothing more."""

    status: str  # valid, revoked, superseded
    code: str  # compact
    holder_name: str
    course_title: str
    issuer: str
    issued_at: datetime
    pdf_sha256: str
    hours: float | None = None
    category: str | None = None
    valid_until: datetime | None = None
    is_expired: bool = False  # past valid_until: authentic, no longer current
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    successor_code: str | None = None

    def as_json(self) -> dict:
        """The API's answer."""
        data = {
            "status": self.status,
            "code": codes.display(self.code),
            "holder": self.holder_name,
            "course": self.course_title,
            "issuer": self.issuer,
            "issued_on": self.issued_at.date().isoformat(),
            "pdf_sha256": self.pdf_sha256,
        }
        if self.hours is not None:
            data["hours"] = self.hours
        if self.category is not None:
            data["category"] = self.category
        if self.valid_until is not None:
            data["valid_until"] = self.valid_until.date().isoformat()
        if self.status == "valid" and self.is_expired:
            data["status"] = "expired"  # authentic, but no longer current
            data["expired_on"] = data["valid_until"]
        if self.status == "revoked":
            data["revoked_on"] = self.revoked_at.date().isoformat() if self.revoked_at else None
            data["revocation_reason"] = self.revoked_reason
        if self.successor_code is not None:
            data["superseded_by"] = codes.display(self.successor_code)
        return data


def public_facts(
    session: Session, certificate: Certificate, now: datetime | None = None
) -> PublicFacts:
    """The certificate as the verification page and API show it (expired or not at ``now``)."""
    successor = None
    if certificate.superseded_by_id is not None:
        successor = session.scalar(
            select(Certificate.code).where(Certificate.id == certificate.superseded_by_id)
        )
    return PublicFacts(
        status=certificate.status,
        code=certificate.code,
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        issuer=certificate.issuer,
        issued_at=certificate.issued_at,
        pdf_sha256=certificate.pdf_sha256,
        hours=certificate.hours,
        category=certificate.category,
        valid_until=certificate.valid_until,
        is_expired=certificate.is_expired(now or utcnow()),
        revoked_at=certificate.revoked_at,
        revoked_reason=certificate.revoked_reason,
        successor_code=successor,
    )


@dataclass(frozen=True)
class RegisterFilter:
    """What the admin's list of certificates is narrowed to; blank values filter nothing.
    ``enrolments``: a statement of enrolment ids (a cohort's members)."""

    query: str = ""
    status: str = ""
    course: str = ""
    enrolments: Select | None = None
    issued_from: date | None = None
    issued_to: date | None = None


def search_certificates(where: RegisterFilter) -> Select:
    """Certificates matching a name, serial or code fragment, a status, a course, a cohort and
    the days they were issued (from and to, both included, in UTC), newest first (a
    statement: the caller pages it)."""
    conditions = []
    if where.query:
        code = codes.normalise(where.query)
        conditions.append(
            or_(
                contains_folded(Certificate.holder_name, where.query),
                contains_folded(Certificate.serial, where.query),
                *([Certificate.code == code] if code else []),
            )
        )
    if where.course:
        conditions.append(Certificate.course_slug == where.course)
    if where.status:
        conditions += services.status_condition(where.status)
    if where.enrolments is not None:
        conditions.append(Certificate.enrolment_id.in_(where.enrolments))
    if where.issued_from is not None:
        conditions.append(Certificate.issued_at >= _midnight(where.issued_from))
    if where.issued_to is not None:
        conditions.append(Certificate.issued_at < _midnight(where.issued_to + timedelta(days=1)))
    return (
        select(Certificate)
        .where(*conditions)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
