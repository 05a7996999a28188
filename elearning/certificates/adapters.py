"""Certificates inside the running app (the Flask adapter of the certificates domain):
settings from the app's configuration, the public address, and issuing on a pass.

The services take plain values; this module supplies them from the app (issuer, design folder,
verification address, the key that signs the PDF); :mod:`elearning.certificates.tasks` issues
on a pass.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, has_request_context
from flask_babel import get_locale

from elearning.accounts.models import User
from elearning.catalog import get_catalog
from elearning.certificates import (
    credentials,
    groups,
    issuance,
    keys,
    offline,
    services,
    signing,
)
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


def issuer() -> credentials.Issuer:
    """Who signs the platform's verifiable credentials, at its public address."""
    config = current_app.config
    return credentials.Issuer(
        base_url=config["BASE_URL"],
        name=config["CERTIFICATE_ISSUER"],
        address=config.get("CERTIFICATE_ISSUER_ADDRESS"),
        keys_dir=Path(config["CERTIFICATE_KEYS_DIR"]),
        course_url=lambda slug: public_url("learning.course", course_slug=slug),
    )


def issuing(page_language: str | None = None) -> services.Issuing:
    """The platform's issuing settings; ``page_language`` is the language the judge reads in
    (by default the request's), for a holder whose profile names none."""
    if page_language is None and has_request_context():
        page_language = str(get_locale() or "")
    return services.Issuing(
        issuer=current_app.config["CERTIFICATE_ISSUER"],
        design_root=design_root(),
        verify_url=verify_url,
        page_language=page_language,
        signing=pdf_signing(),
        offline_signer=offline_signer(),
        attendance_shortfalls=groups.cohort_links().attendance_shortfalls,
    )


def pdf_signing() -> signing.PdfSigning:
    """The key that signs certificate PDFs: the academy's own when configured (a path relative
    to the instance folder, or absolute), else the platform's self-signed one, made on first
    use."""
    config = current_app.config
    instance = Path(current_app.instance_path)
    if not config.get("CERTIFICATE_SIGNING_KEY"):
        return signing.generated_signing(instance, config["CERTIFICATE_ISSUER"])
    certificate = config.get("CERTIFICATE_SIGNING_CERTIFICATE")
    return signing.PdfSigning(
        key_file=instance / config["CERTIFICATE_SIGNING_KEY"],
        certificate_file=instance / certificate if certificate else None,
        password=config.get("CERTIFICATE_SIGNING_PASSWORD"),
    )


def offline_signer() -> offline.Signer:
    """The issuer's DID and current key, which seal the certificates' offline QR codes."""
    found = issuer()
    return offline.Signer(found.did, keys.signing_key(found.keys_dir, utcnow()).private)


def fulfil(
    enrolment_id: int, issued_by: User | None = None, *, page_language: str | None = None
) -> Certificate | None:
    """Issue the certificate the enrolment is owed, in transactions of its own: the record is
    read and committed, the PDF rendered holding no lock, then stored and committed. None when
    nothing is owed; the certificate that stands when another request issued it first."""
    session = db.session
    owed = services.pending_request(session, enrolment_id)
    if owed is None:
        return services.current_certificate(session, enrolment_id)
    if owed.is_held:  # an admin holds it: only their approval issues it
        raise services.CertificateRefused("held")
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
        issuing=issuing(page_language),
        now=utcnow(),
    )
    session.commit()
    pdf = issuance.render(draft)
    certificate = issuance.store(session, draft, pdf, issued_by=issued_by)
    session.commit()
    return certificate
