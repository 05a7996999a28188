"""Issuing certificates, in three steps so the slow one holds no lock: :func:`prepare` reads
and freezes the record, :func:`render` makes the PDF (no database), :func:`store` writes it and
deletes the request that owed it, so only one of two simultaneous issuers issues.
:func:`issue_many` does it for many learners, rendering in parallel and committing per batch."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel.numbers import format_decimal, format_percent
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning import codes
from elearning.accounts.models import User
from elearning.audit.services import record_audit
from elearning.certificates import offline, services, validity
from elearning.certificates.categories import category_label
from elearning.certificates.models import Certificate, CertificateRequest
from elearning.certificates.rendering import (
    CertificateRecord,
    PrintedSignatory,
    render_certificate,
    translations_for,
)
from elearning.certificates.signing import PdfSigning, SigningError, sign_pdf
from elearning.content.designs import read_design
from elearning.content.model import Course
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow

log = logging.getLogger(__name__)

# How a certificate came to be issued, as its audit record says (details "via"): when the
# learner completed the course, after an admin approved the request, in a bulk issue of a
# course's owed certificates, from the command line, or by an admin's reissue.
ISSUED_AUTOMATICALLY = "automatic"
ISSUED_ON_APPROVAL = "approval"
ISSUED_IN_BULK = "bulk"
ISSUED_FROM_COMMAND_LINE = "command-line"
ISSUED_BY_ADMIN = "admin"
ISSUED_ON_RENEWAL = "renewal"  # the holder passed the final again as their certificate expired
ISSUED_VIA = (
    ISSUED_AUTOMATICALLY,
    ISSUED_ON_APPROVAL,
    ISSUED_IN_BULK,
    ISSUED_FROM_COMMAND_LINE,
    ISSUED_BY_ADMIN,
    ISSUED_ON_RENEWAL,
)


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
    signing: PdfSigning | None = None
    valid_until: datetime | None = None
    category: str | None = None


def prepare(
    session: Session,
    course: Course,
    enrolment: Enrolment,
    *,
    holder_name: str,
    issuing: services.Issuing,
    now: datetime,
    replaces: Certificate | None = None,
) -> Draft:
    """Freeze the record of the enrolment's certificate (reads only).

    CertificateRefused: "not-eligible" (lessons or final assessment not done), "attendance"
    (the judge's cohort requires attendance at more of its sessions), "name".
    """
    name = services.clean_name(holder_name)
    earned = services.eligibility(session, course, enrolment.id)
    attempt = earned.passed
    if not earned.is_eligible or attempt is None:
        raise services.CertificateRefused("not-eligible")
    check = issuing.attendance_shortfalls
    if check is not None and check(session, [enrolment.id]):
        raise services.CertificateRefused("attendance")
    code = codes.new_code()
    completed_at = attempt.submitted_at or now
    score = attempt.score or 0.0
    holder = session.get(User, enrolment.user_id)
    language = services.certificate_language(holder, issuing.page_language)
    until = validity.valid_until(now, course.certificate.valid_months)
    if replaces is not None and replaces.attempt_id == attempt.id:
        until = replaces.valid_until  # a correction of the same pass does not extend it
    record = CertificateRecord(
        holder_name=name,
        course_title=course.title.get(language),
        score=score,
        score_text=format_percent(round(score) / 100, locale=language),
        completed_on=services._date(completed_at, language),
        issued_on=services._date(now, language),
        valid_until=services._date(until, language) if until else "",
        issuer=issuing.issuer,
        code=codes.display(code),
        verify_url=issuing.verify_url(code),
        content_version=attempt.content_version,
        language=language,
        offline_qr=_offline_qr(
            issuing,
            offline.OfflineClaims(
                issuer="",
                code=codes.display(code),
                holder=name,
                course=course.title.get(language),
                edition=course.edition,
                content_version=attempt.content_version,
                score=round(score) if course.certificate.show_score else None,
                issued_on=now.date(),
            ),
        ),
        **_design_facts(issuing.design_root / course.certificate.design, course, language),
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
        signing=issuing.signing,
        valid_until=until,
        category=course.certificate.category,
    )


def _offline_qr(issuing: services.Issuing, claims: offline.OfflineClaims) -> str:
    """The signed payload of the certificate's offline QR code, stating what the certificate
    prints (the score only when it prints it); empty when the platform seals none."""
    signer = issuing.offline_signer
    if signer is None:
        return ""
    return signer.seal(dataclasses.replace(claims, issuer=signer.issuer))


def _design_facts(design_dir: Path, course: Course, language: str) -> dict:
    """What the course and its design add to the record: hours, whether the score is printed,
    the logo and the signatories in ``language``."""
    settings = read_design(design_dir)
    hours = course.certificate.hours
    return {
        "show_score": course.certificate.show_score,
        "category": category_label(course.certificate.category, translations_for(language).gettext),
        "hours": hours,
        "hours_text": format_decimal(hours, format="#,##0.#", locale=language) if hours else "",
        "logo": settings.logo or "",
        "signatories": tuple(
            PrintedSignatory(
                name=person.name,
                title=person.title.get(language) if person.title else "",
                signature=person.signature or "",
            )
            for person in settings.signatories
        ),
    }


def render(draft: Draft) -> bytes:
    """The draft's PDF, signed by the academy (PAdES) when the platform issues it: the signed
    bytes are the ones stored, served and hashed. No database: safe to run in another
    process. CertificateRefused: "signing" (the signing key cannot be read)."""
    pdf = render_certificate(draft.design_dir, draft.record)
    if draft.signing is None:
        return pdf
    try:
        return sign_pdf(pdf, draft.signing)
    except SigningError as error:  # the operator's to fix; the certificate stays owed
        log.error(
            "certificate %s of enrolment %s not signed: %s", draft.code, draft.enrolment_id, error
        )
        raise services.CertificateRefused("signing") from None


def store(
    session: Session,
    draft: Draft,
    pdf: bytes,
    *,
    issued_by: User | None = None,
    via: str = ISSUED_AUTOMATICALLY,
) -> Certificate:
    """Write the rendered certificate, unless another request issued one first; the audit
    record says how it was issued (``via``: one of ISSUED_VIA).

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
        latest = services.latest_certificate(session, draft.enrolment_id)
        if latest is not None and latest.status == "valid":
            return latest
        if latest is not None:
            raise services.CertificateRefused("revoked")
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
            raise services.CertificateRefused("not-current")
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
            "via": via,
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
        hours=draft.record.hours,
        category=draft.category,
        valid_until=draft.valid_until,
        completed_at=draft.completed_at,
        issued_at=draft.issued_at,
        issuer=draft.record.issuer,
        issued_by_id=issued_by.id if issued_by else None,
        design=draft.design,
        language=draft.record.language,
        pdf=pdf,
        pdf_sha256=services.sha256(pdf),
    )
    try:
        with session.begin_nested():
            session.add(certificate)
    except IntegrityError:  # pragma: no cover - two 75-bit random codes alike
        raise services.CertificateRefused("code") from None
    certificate.serial = f"{draft.issued_at:%Y}-{certificate.id:06d}"
    session.flush()
    return certificate


def issue_certificate(
    session: Session,
    course: Course,
    enrolment: Enrolment,
    *,
    holder_name: str,
    issuing: services.Issuing,
    issued_by: User | None = None,
    now: datetime | None = None,
    replaces: Certificate | None = None,
    via: str = ISSUED_BY_ADMIN,
) -> Certificate:
    """Prepare, render and store in one go (one certificate; the caller's transaction).

    Issuing again returns the certificate that stands (unless ``replaces`` names it: a reissue).
    """
    if replaces is None:
        standing = services.current_certificate(session, enrolment.id)
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
    return store(session, draft, render(draft), issued_by=issued_by, via=via)


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
    issuing: services.Issuing,
    issued_by: User | None,
    now: datetime,
    via: str = ISSUED_IN_BULK,
    render_all: Callable[[Callable[[Draft], bytes], Iterable[Draft]], Iterable[bytes]] = map,
    commit: Callable[[], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    until: Callable[[], bool] | None = None,
    batch: int = 16,
) -> BulkResult:
    """Issue the owed certificates of these enrolments, ``batch`` at a time.

    Each batch is prepared (reads), rendered by ``render_all`` (``map``, or an executor's
    ``map`` to use every core), then stored; ``commit`` ends each batch's transaction, so a
    long run holds no lock while rendering. The next batch is prepared and handed to
    ``render_all`` before this one's PDFs are awaited, so a pool never waits for this process
    (nor for the slowest render of a batch) between batches. ``until()`` returning True stops
    before the next batch (the rest stay owed: ``remaining``).
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
    rendering: tuple[list[Draft], Iterable[bytes], int] | None = None  # the batch in flight
    for start in range(0, len(order), batch):
        if until is not None and until():
            result.remaining = len(order) - start
            break
        chunk = order[start : start + batch]
        drafts = []
        for enrolment_id in chunk:
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
            except services.CertificateRefused as refused:
                result.refused[enrolment_id] = refused.reason
        if commit is not None:
            commit()  # end the read transaction before the long render
        # An executor's ``map`` starts rendering this batch now, behind the one in flight.
        handed = (drafts, render_all(render, drafts), len(chunk))
        if rendering is not None:
            _store_rendered(session, result, *rendering, issued_by=issued_by, via=via)
            _end_batch(commit, on_progress, rendering[2])
        rendering = handed
    if rendering is not None:
        _store_rendered(session, result, *rendering, issued_by=issued_by, via=via)
        _end_batch(commit, on_progress, rendering[2])
    return result


def _store_rendered(
    session: Session,
    result: BulkResult,
    drafts: list[Draft],
    pdfs: Iterable[bytes],
    _count: int,
    *,
    issued_by: User | None,
    via: str,
) -> None:
    """Store a batch's PDFs, each in a savepoint: a refusal spoils no other. Every PDF is
    awaited first, so no render runs inside the write transaction (``map`` renders lazily)."""
    for draft, pdf in zip(drafts, list(pdfs), strict=True):
        try:
            with session.begin_nested():
                result.issued.append(store(session, draft, pdf, issued_by=issued_by, via=via))
        except services.CertificateRefused as refused:
            result.refused[draft.enrolment_id] = refused.reason


def _end_batch(
    commit: Callable[[], None] | None, on_progress: Callable[[int], None] | None, count: int
) -> None:
    if commit is not None:
        commit()
    if on_progress is not None:
        on_progress(count)
