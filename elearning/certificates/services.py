"""Use cases of certificates, the common part: eligibility, owing a certificate, lookup, the
holder's name and language. Issuing is in ``issuance``, changes of standing in ``changes``, the
public facts and the register's search in ``register``.

Take a session and plain values; flush, never commit. A learner who passes is first *owed* a
certificate (a :class:`CertificateRequest` row, written with the passing attempt); storing the
certificate deletes that row, and only the one request that deletes it issues, so two clicks,
two workers or two admins never issue two certificates for one enrolment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel.dates import format_date
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from elearning import codes, names
from elearning.accounts.models import User
from elearning.assessments.models import Attempt
from elearning.assessments.services import passed_attempt
from elearning.certificates.models import (
    Certificate,
    CertificateRejection,
    CertificateRequest,
)
from elearning.certificates.offline import Signer
from elearning.certificates.signing import PdfSigning
from elearning.config import LANGUAGES
from elearning.content.model import DEFAULT_LANGUAGE, Course
from elearning.learning.models import Enrolment
from elearning.learning.services import completion_times

VerifyUrl = Callable[[str], str]  # compact code → the public verification address
# (session, enrolment ids) → the enrolments a cohort's attendance requirement holds back.
AttendanceCheck = Callable[[Session, Iterable[int]], Mapping[int, object]]


class CertificateRefused(Exception):
    """The operation is not allowed; ``reason`` names why, for the page to explain."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Issuing:
    """What every certificate of this platform shares: who issues it, where designs live, and
    the public address its QR code and text point to, and the key that signs its PDF."""

    issuer: str
    design_root: Path
    verify_url: VerifyUrl
    # The language of the page that asks for the certificate (None on the command line): the
    # language of a certificate whose holder has no preference.
    page_language: str | None = None
    # The key that signs each PDF (PAdES); None only where a test renders unsigned PDFs.
    signing: PdfSigning | None = None
    # Seals the certificate's offline QR code (None: the certificate prints only the link's).
    offline_signer: Signer | None = None
    # Which enrolments wait for the attendance their cohort requires (the cohorts' answer,
    # through ``certificates.groups``); None: nothing waits for attendance.
    attendance_shortfalls: AttendanceCheck | None = None


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


def status_condition(status: str) -> tuple:
    """SQL conditions selecting certificates of ``status`` (valid, revoked or superseded), as
    :attr:`Certificate.status` reads them."""
    if status == "revoked":
        return (Certificate.revoked_at.is_not(None),)
    if status == "superseded":
        return (Certificate.revoked_at.is_(None), Certificate.superseded_by_id.is_not(None))
    return (Certificate.revoked_at.is_(None), Certificate.superseded_by_id.is_(None))


def current_certificate(session: Session, enrolment_id: int) -> Certificate | None:
    """The enrolment's certificate that stands (neither revoked nor superseded), if any."""
    return session.scalar(
        select(Certificate).where(
            Certificate.enrolment_id == enrolment_id, *status_condition("valid")
        )
    )


def latest_certificate(session: Session, enrolment_id: int) -> Certificate | None:
    """The enrolment's newest certificate, standing or revoked (never a superseded one)."""
    return session.scalar(
        select(Certificate)
        .where(Certificate.enrolment_id == enrolment_id, Certificate.superseded_by_id.is_(None))
        .order_by(Certificate.id.desc())
        .limit(1)
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


def _date(moment: datetime, language: str) -> str:
    return format_date(moment.date(), format="long", locale=language)


def certificate_language(user: User | None, page_language: str | None = None) -> str:
    """The holder's preferred language when the platform speaks it; without a preference, the
    language of the page that issues it (the judge's own submission, in the language they
    read the course in); else English (the command line)."""
    language = user.preferred_language if user is not None else None
    if language not in LANGUAGES:
        language = (page_language or "").split("_")[0]
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def clean_name(name: str) -> str:
    """A holder name as printed (the one rule of ``elearning.names``); CertificateRefused
    ("name") when it is empty, too long or holds invisible characters."""
    cleaned = names.clean_name(name)
    if cleaned is None:
        raise CertificateRefused("name")
    return cleaned


# --- owing a certificate ------------------------------------------------------------------------


def owe_certificate(
    session: Session, course_slug: str, enrolment_id: int, attempt_id: int, now: datetime
) -> bool:
    """Record that the enrolment has earned a certificate (it passed); False when it already
    holds one, has one waiting, or had one revoked (a new one is then the admin's decision)."""
    already = session.scalar(
        select(
            exists().where(Certificate.enrolment_id == enrolment_id)
            | exists().where(CertificateRequest.enrolment_id == enrolment_id)
        )
    )
    if already:
        return False
    session.add(
        CertificateRequest(
            enrolment_id=enrolment_id,
            attempt_id=attempt_id,
            course_slug=course_slug,
            requested_at=now,
        )
    )
    session.flush()
    return True


def pending_request(session: Session, enrolment_id: int) -> CertificateRequest | None:
    """The enrolment's certificate waiting to be issued (or approved), if any."""
    return session.scalar(
        select(CertificateRequest).where(CertificateRequest.enrolment_id == enrolment_id)
    )


def owe_eligible(
    session: Session, course: Course, now: datetime, *, among: Select | None = None
) -> list[int]:
    """Record a request for every enrolment of the course that has earned a certificate and has
    none (nor a revoked one); the enrolments now waiting, old and new requests alike, but those
    an admin holds. An attempt whose certificate an admin rejected earns none (a later pass
    does). ``among``: a statement of enrolment ids (a cohort's) to keep to."""
    passed = (
        select(Attempt.enrolment_id, func.min(Attempt.id).label("attempt_id"))
        .join(Enrolment, Enrolment.id == Attempt.enrolment_id)
        .where(
            Enrolment.course_slug == course.slug,
            Attempt.kind == "post",
            Attempt.is_passed.is_(True),
            ~exists().where(Certificate.enrolment_id == Attempt.enrolment_id),
            ~exists().where(CertificateRequest.enrolment_id == Attempt.enrolment_id),
            ~exists().where(CertificateRejection.attempt_id == Attempt.id),
            *([Attempt.enrolment_id.in_(among)] if among is not None else []),
        )
        .group_by(Attempt.enrolment_id)
    )
    candidates = dict(session.execute(passed).all())
    done = completion_times(session, candidates)
    lessons = [lesson.slug for lesson in course.lessons]
    for enrolment_id, attempt_id in candidates.items():
        if all(slug in done[enrolment_id] for slug in lessons):
            session.add(
                CertificateRequest(
                    enrolment_id=enrolment_id,
                    attempt_id=attempt_id,
                    course_slug=course.slug,
                    requested_at=now,
                )
            )
    session.flush()
    return list(
        session.scalars(
            select(CertificateRequest.enrolment_id)
            .where(
                CertificateRequest.course_slug == course.slug,
                CertificateRequest.held_at.is_(None),
                *([CertificateRequest.enrolment_id.in_(among)] if among is not None else []),
            )
            .order_by(CertificateRequest.requested_at, CertificateRequest.id)
        )
    )
