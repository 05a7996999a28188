"""The certificates' e-mails, written by the outbox job in the recipient's language."""

from __future__ import annotations

from babel.dates import format_date
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate, CertificateRejection
from elearning.outbox.kinds import Mail, message_kind
from elearning.outbox.models import OutboxMessage
from elearning.web.links import public_url


@message_kind("certificate_rejected")
def certificate_rejected(session: Session, message: OutboxMessage) -> Mail | None:
    """An administrator declined to issue the certificate the judge's pass had earned."""
    rejection = session.get(CertificateRejection, message.ref_id) if message.ref_id else None
    course = get_catalog().course(rejection.course_slug) if rejection is not None else None
    if rejection is None or course is None:
        return None
    language = message.language or current_app.config["DEFAULT_LANGUAGE"]
    title = course.title.get(language)
    return Mail(
        _("Your certificate for %(course)s was not issued", course=title),
        "certificate_rejected",
        {
            "course": title,
            "reason": rejection.reason,
            "link": public_url("certificates.mine"),
        },
    )


@message_kind("certificate_expiring")
def certificate_expiring(session: Session, message: OutboxMessage) -> Mail | None:
    """The judge's certificate expires soon: when, and how to renew it. Pointless (dropped)
    once the certificate no longer stands (revoked, or already renewed)."""
    certificate = session.get(Certificate, message.ref_id) if message.ref_id else None
    if certificate is None or certificate.status != "valid" or certificate.valid_until is None:
        return None
    language = message.language or current_app.config["DEFAULT_LANGUAGE"]
    return Mail(
        _(
            "Your certificate for %(course)s expires on %(date)s",
            course=certificate.course_title,
            date=format_date(certificate.valid_until.date(), "long", locale=language),
        ),
        "certificate_expiring",
        {
            "course": certificate.course_title,
            "date": format_date(certificate.valid_until.date(), "long", locale=language),
            "link": public_url("certificates.mine"),
        },
    )
