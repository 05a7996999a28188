"""Use cases of certificates: eligibility, issue, revoke, reissue, name corrections, lookup.

Take a session and plain values; flush, never commit. Every change of a certificate's standing
is written to the audit log in the same transaction.

Issuing is three steps, so the slow one holds no lock: :func:`prepare` reads and freezes the
record, :func:`render` makes the PDF (no database), :func:`store` writes it. A learner who passes
is first *owed* a certificate (a :class:`CertificateRequest` row, written with the passing
attempt); storing deletes that row, and only the one request that deletes it issues, so two
clicks, two workers or two admins never issue two certificates for one enrolment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_percent
from sqlalchemy import Select, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning import codes, names
from elearning.accounts.models import User
from elearning.assessments.models import Attempt
from elearning.assessments.services import passed_attempt
from elearning.audit.services import record_audit
from elearning.certificates.models import Certificate, CertificateRequest, NameCorrection
from elearning.certificates.rendering import CertificateRecord, render_certificate
from elearning.config import LANGUAGES
from elearning.content.model import DEFAULT_LANGUAGE, Course
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
class Issuing:
    """What every certificate of this platform shares: who issues it, where designs live, and
    the public address its QR code and text point to."""

    issuer: str
    design_root: Path
    verify_url: VerifyUrl
    # The language of the page that asks for the certificate (None on the command line): the
    # language of a certificate whose holder has no preference.
    page_language: str | None = None


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


def owe_eligible(session: Session, course: Course, now: datetime) -> list[int]:
    """Record a request for every enrolment of the course that has earned a certificate and has
    none (nor a revoked one); the enrolments now waiting, old and new requests alike."""
    passed = (
        select(Attempt.enrolment_id, func.min(Attempt.id).label("attempt_id"))
        .join(Enrolment, Enrolment.id == Attempt.enrolment_id)
        .where(
            Enrolment.course_slug == course.slug,
            Attempt.kind == "post",
            Attempt.is_passed.is_(True),
            ~exists().where(Certificate.enrolment_id == Attempt.enrolment_id),
            ~exists().where(CertificateRequest.enrolment_id == Attempt.enrolment_id),
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
            .where(CertificateRequest.course_slug == course.slug)
            .order_by(CertificateRequest.requested_at, CertificateRequest.id)
        )
    )


# --- issuing: prepare, render, store -----------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A certificate ready to render and store: everything frozen, nothing written yet."""

    enrolment_id: int
    user_id: int
    attempt_id: int
    course_slug: str
    design: str
    design_dir: Path
    content_version: str
    score: float
    completed_at: datetime
    issued_at: datetime
    code: str
    record: CertificateRecord
    replaces_id: int | None = None


def prepare(
    session: Session,
    course: Course,
    enrolment: Enrolment,
    *,
    holder_name: str,
    issuing: Issuing,
    now: datetime,
    replaces: Certificate | None = None,
) -> Draft:
    """Freeze the record of the enrolment's certificate (reads only).

    CertificateRefused: "not-eligible" (lessons or final assessment not done), "name".
    """
    name = clean_name(holder_name)
    earned = eligibility(session, course, enrolment.id)
    attempt = earned.passed
    if not earned.is_eligible or attempt is None:
        raise CertificateRefused("not-eligible")
    code = codes.new_code()
    completed_at = attempt.submitted_at or now
    score = attempt.score or 0.0
    language = certificate_language(session.get(User, enrolment.user_id), issuing.page_language)
    record = CertificateRecord(
        holder_name=name,
        course_title=course.title.get(language),
        score=score,
        score_text=format_percent(round(score) / 100, locale=language),
        completed_on=_date(completed_at, language),
        issued_on=_date(now, language),
        issuer=issuing.issuer,
        code=codes.display(code),
        verify_url=issuing.verify_url(code),
        content_version=attempt.content_version,
        language=language,
    )
    return Draft(
        enrolment_id=enrolment.id,
        user_id=enrolment.user_id,
        attempt_id=attempt.id,
        course_slug=course.slug,
        design=course.certificate.design,
        design_dir=issuing.design_root / course.certificate.design,
        content_version=attempt.content_version,
        score=score,
        completed_at=completed_at,
        issued_at=now,
        code=code,
        record=record,
        replaces_id=replaces.id if replaces is not None else None,
    )


def render(draft: Draft) -> bytes:
    """The draft's PDF. No database: safe to run in another process."""
    return render_certificate(draft.design_dir, draft.record)


def store(
    session: Session, draft: Draft, pdf: bytes, *, issued_by: User | None = None
) -> Certificate:
    """Write the rendered certificate, unless another request issued one first.

    A first certificate takes the enrolment's request; when the enrolment already holds a
    certificate that stands, that one is returned and nothing is written. A reissue supersedes
    the certificate it replaces only if that one still stands. CertificateRefused: "revoked"
    (the enrolment's certificate was revoked: only a reissue makes a new one), "not-current"
    (the certificate to replace no longer stands).
    """
    # The enrolment row is the lock on PostgreSQL; SQLite has one writer at a time, and the
    # DELETE below makes this transaction that writer before anything is read.
    session.execute(
        select(Enrolment.id).where(Enrolment.id == draft.enrolment_id).with_for_update()
    )
    session.execute(
        delete(CertificateRequest)
        .where(CertificateRequest.enrolment_id == draft.enrolment_id)
        .execution_options(synchronize_session=False)
    )
    if draft.replaces_id is None:
        latest = latest_certificate(session, draft.enrolment_id)
        if latest is not None and latest.status == "valid":
            return latest
        if latest is not None:
            raise CertificateRefused("revoked")
    certificate = _insert(session, draft, pdf, issued_by)
    replaces = None
    if draft.replaces_id is not None:
        taken = session.execute(
            update(Certificate)
            .where(Certificate.id == draft.replaces_id, Certificate.superseded_by_id.is_(None))
            .values(superseded_by_id=certificate.id)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise CertificateRefused("not-current")
        replaces = session.get(Certificate, draft.replaces_id)
        if replaces is not None:
            session.refresh(replaces)
    record_audit(
        session,
        actor=issued_by,
        action="certificate.reissue" if replaces is not None else "certificate.issue",
        subject=certificate,
        details={
            "serial": certificate.serial,
            "course": draft.course_slug,
            "holder_name": certificate.holder_name,
            **({"replaces": replaces.serial} if replaces is not None else {}),
        },
        at=draft.issued_at,
    )
    return certificate


def _insert(session: Session, draft: Draft, pdf: bytes, issued_by: User | None) -> Certificate:
    certificate = Certificate(
        serial=f"pending-{draft.code}",
        code=draft.code,
        user_id=draft.user_id,
        enrolment_id=draft.enrolment_id,
        attempt_id=draft.attempt_id,
        course_slug=draft.course_slug,
        holder_name=draft.record.holder_name,
        course_title=draft.record.course_title,
        content_version=draft.content_version,
        score=draft.score,
        completed_at=draft.completed_at,
        issued_at=draft.issued_at,
        issuer=draft.record.issuer,
        issued_by_id=issued_by.id if issued_by else None,
        design=draft.design,
        language=draft.record.language,
        pdf=pdf,
        pdf_sha256=sha256(pdf),
    )
    try:
        with session.begin_nested():
            session.add(certificate)
    except IntegrityError:  # pragma: no cover - two 75-bit random codes alike
        raise CertificateRefused("code") from None
    certificate.serial = f"{draft.issued_at:%Y}-{certificate.id:06d}"
    session.flush()
    return certificate


def issue_certificate(
    session: Session,
    course: Course,
    enrolment: Enrolment,
    *,
    holder_name: str,
    issuing: Issuing,
    issued_by: User | None = None,
    now: datetime | None = None,
    replaces: Certificate | None = None,
) -> Certificate:
    """Prepare, render and store in one go (one certificate; the caller's transaction).

    Issuing again returns the certificate that stands (unless ``replaces`` names it: a reissue).
    """
    if replaces is None:
        standing = current_certificate(session, enrolment.id)
        if standing is not None:
            return standing
    draft = prepare(
        session,
        course,
        enrolment,
        holder_name=holder_name,
        issuing=issuing,
        now=now or utcnow(),
        replaces=replaces,
    )
    return store(session, draft, render(draft), issued_by=issued_by)


@dataclass
class BulkResult:
    """What a bulk issue did: certificates issued, and enrolments refused with the reason."""

    issued: list[Certificate]
    refused: dict[int, str]
    remaining: int = 0


def issue_many(
    session: Session,
    course: Course,
    enrolment_ids: Sequence[int],
    *,
    issuing: Issuing,
    issued_by: User | None,
    now: datetime,
    render_all: Callable[[Callable[[Draft], bytes], Iterable[Draft]], Iterable[bytes]] = map,
    commit: Callable[[], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    until: Callable[[], bool] | None = None,
    batch: int = 16,
) -> BulkResult:
    """Issue the owed certificates of these enrolments, ``batch`` at a time.

    Each batch is prepared (reads), rendered by ``render_all`` (``map``, or an executor's
    ``map`` to use every core), then stored; ``commit`` ends each batch's transaction, so a
    long run holds no lock while rendering. ``until()`` returning True stops before the next
    batch (the rest stay owed: ``remaining``).
    """
    result = BulkResult(issued=[], refused={})
    enrolments = {
        e.id: e for e in session.scalars(select(Enrolment).where(Enrolment.id.in_(enrolment_ids)))
    }
    names = dict(
        session.execute(
            select(User.id, User.certificate_name).where(
                User.id.in_({e.user_id for e in enrolments.values()})
            )
        ).all()
    )
    order = [i for i in enrolment_ids if i in enrolments]
    for start in range(0, len(order), batch):
        if until is not None and until():
            result.remaining = len(order) - start
            break
        drafts = []
        for enrolment_id in order[start : start + batch]:
            enrolment = enrolments[enrolment_id]
            try:
                drafts.append(
                    prepare(
                        session,
                        course,
                        enrolment,
                        holder_name=names.get(enrolment.user_id, ""),
                        issuing=issuing,
                        now=now,
                    )
                )
            except CertificateRefused as refused:
                result.refused[enrolment_id] = refused.reason
        if commit is not None:
            commit()  # end the read transaction before the long render
        pdfs = list(render_all(render, drafts))
        for draft, pdf in zip(drafts, pdfs, strict=True):
            try:
                with session.begin_nested():
                    result.issued.append(store(session, draft, pdf, issued_by=issued_by))
            except CertificateRefused as refused:
                result.refused[draft.enrolment_id] = refused.reason
        if commit is not None:
            commit()
        if on_progress is not None:
            on_progress(len(order[start : start + batch]))
    return result


# --- revoking, reissuing, name corrections ------------------------------------------------------


def revoke_certificate(
    session: Session, certificate: Certificate, *, actor: User, reason: str, now: datetime
) -> None:
    """Revoke a certificate that stands, with the reason shown on its verification page."""
    if certificate.status != "valid":
        raise CertificateRefused(certificate.status)
    revoked = session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, *status_condition("valid"))
        .values(revoked_at=now, revoked_reason=reason, revoked_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if revoked.rowcount != 1:
        raise CertificateRefused("not-current")
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
    issuing: Issuing,
    actor: User,
    now: datetime,
) -> Certificate:
    """A new certificate for the same achievement that supersedes ``certificate`` (valid or
    revoked, not already superseded): with another name, a new design, after a revocation
    made in error."""
    if certificate.superseded_by_id is not None:
        raise CertificateRefused("superseded")
    enrolment = (
        session.get(Enrolment, certificate.enrolment_id) if certificate.enrolment_id else None
    )
    if enrolment is None:
        raise CertificateRefused("not-current")
    draft = prepare(
        session,
        course,
        enrolment,
        holder_name=holder_name,
        issuing=issuing,
        now=now,
        replaces=certificate,
    )
    return store(session, draft, render(draft), issued_by=actor)


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
    requested = clean_name(name)
    if requested == certificate.holder_name:
        raise CertificateRefused("same-name")
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
    issuing: Issuing,
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
        raise CertificateRefused("decided")
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
        raise CertificateRefused("not-current")
    record_audit(
        session,
        actor=actor,
        action="certificate.name_correction_approved",
        subject=certificate,
        details={"serial": certificate.serial, "requested_name": correction.requested_name},
        at=now,
    )
    return reissue_certificate(
        session,
        certificate,
        course,
        holder_name=correction.requested_name,
        issuing=issuing,
        actor=actor,
        now=now,
    )


# --- public verification -------------------------------------------------------------------------


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
        if self.status == "revoked":
            data["revoked_on"] = self.revoked_at.date().isoformat() if self.revoked_at else None
            data["revocation_reason"] = self.revoked_reason
        if self.successor_code is not None:
            data["superseded_by"] = codes.display(self.successor_code)
        return data


def public_facts(session: Session, certificate: Certificate) -> PublicFacts:
    """The certificate as the verification page and API show it."""
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
        revoked_at=certificate.revoked_at,
        revoked_reason=certificate.revoked_reason,
        successor_code=successor,
    )


def search_certificates(*, query: str = "", status: str = "", course: str = "") -> Select:
    """Certificates matching a name, serial or code fragment, a status and a course, newest
    first (a statement: the caller pages it)."""
    where = []
    if query:
        pattern = f"%{query.lower()}%"
        code = codes.normalise(query)
        where.append(
            or_(
                func.lower(Certificate.holder_name).like(pattern),
                func.lower(Certificate.serial).like(pattern),
                *([Certificate.code == code] if code else []),
            )
        )
    if course:
        where.append(Certificate.course_slug == course)
    if status:
        where += status_condition(status)
    return (
        select(Certificate)
        .where(*where)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
