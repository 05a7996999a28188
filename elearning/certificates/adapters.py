"""Certificates inside the running app (the Flask adapter of the certificates domain):
settings from the app's configuration, the public address, and issuing on a pass.

The services take plain values; this module supplies them from the app (issuer, design folder,
verification address) and subscribes to the assessments' ``assessment_passed`` signal.
"""

from __future__ import annotations

from pathlib import Path

from flask import after_this_request, current_app, has_request_context, request
from flask_babel import get_locale

from elearning.accounts.models import User
from elearning.assessments.services import assessment_passed
from elearning.catalog import get_catalog
from elearning.certificates import issuance, services
from elearning.certificates.models import Certificate
from elearning.config import ROOT
from elearning.extensions import db
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from elearning.web.links import public_url


def design_root() -> Path:
    """``certificates/`` of the content folder, else the designs shipped with the platform."""
    own = Path(current_app.config["CONTENT_DIR"]) / "certificates"
    return own if own.is_dir() else ROOT / "certificates"


def verify_url(code: str) -> str:
    """The public verification address of a certificate, at the platform's public address
    (never the request's: a judge could otherwise mint a genuine PDF whose QR code leads to a
    site of their own)."""
    return public_url("certificates.verify", code=code)


def issuing() -> services.Issuing:
    """The platform's issuing settings."""
    return services.Issuing(
        issuer=current_app.config["CERTIFICATE_ISSUER"],
        design_root=design_root(),
        verify_url=verify_url,
        page_language=str(get_locale() or "") if has_request_context() else None,
    )


def fulfil(enrolment_id: int, issued_by: User | None = None) -> Certificate | None:
    """Issue the certificate the enrolment is owed, in transactions of its own: the record is
    read and committed, the PDF rendered holding no lock, then stored and committed. None when
    nothing is owed; the certificate that stands when another request issued it first."""
    session = db.session
    owed = services.pending_request(session, enrolment_id)
    if owed is None:
        return services.current_certificate(session, enrolment_id)
    enrolment = session.get(Enrolment, enrolment_id)
    course = get_catalog().course(owed.course_slug)
    if enrolment is None or course is None:
        raise services.CertificateRefused("not-eligible")
    holder = session.get(User, enrolment.user_id)
    assert holder is not None
    draft = issuance.prepare(
        session,
        course,
        enrolment,
        holder_name=holder.certificate_name,
        issuing=issuing(),
        now=utcnow(),
    )
    session.commit()
    pdf = issuance.render(draft)
    certificate = issuance.store(session, draft, pdf, issued_by=issued_by)
    session.commit()
    return certificate


def init_app(app) -> None:
    """Owe (and, where the course says so, issue) a certificate whenever a final assessment is
    passed: connected here, explicitly, by the app factory."""
    assessment_passed.connect(_owe_on_pass)


def _owe_on_pass(attempt, *, session, course, enrolment_id, **_extra) -> None:
    """A pass owes a certificate (in the pass's own transaction). In a course that issues
    automatically, a POST (the submit) then issues it after its own transaction is committed,
    before the response leaves, so the results page can link to it. (Work queued for after the
    response, with ``call_on_close``, is skipped by some servers when the browser drops the
    connection first.) A pass recorded while serving a GET (an attempt closed by the clock) is
    issued by the learner's button, so no GET issues anything."""
    if not services.owe_certificate(session, course.slug, enrolment_id, attempt.id, utcnow()):
        return
    if course.certificate.issuing != "automatic" or not has_request_context():
        return
    if request.method != "POST":
        return

    @after_this_request
    def _issue(response):
        try:
            fulfil(enrolment_id)
        except Exception:  # the pass stands; the certificate stays owed, issued on demand
            db.session.rollback()
            current_app.logger.exception("issuing the certificate of enrolment %s", enrolment_id)
        return response
