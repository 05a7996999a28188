"""The cohorts' e-mails, written by the outbox job in the recipient's language."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate
from elearning.cohorts import follow_ups, invitations
from elearning.cohorts.models import Cohort, CohortInvitation, CohortMember
from elearning.outbox.kinds import Mail, message_kind
from elearning.outbox.models import OutboxMessage
from elearning.sqltypes import utcnow
from elearning.web.links import public_url


@message_kind("cohort_invitation")
def cohort_invitation(session: Session, message: OutboxMessage) -> Mail | None:
    """An invitation to join a cohort, with a fresh link (earlier ones stop working)."""
    invitation = session.get(CohortInvitation, message.ref_id) if message.ref_id else None
    if invitation is None or invitation.state != "pending":
        return None  # withdrawn, accepted or declined since it was queued
    cohort = session.get(Cohort, invitation.cohort_id)
    course = get_catalog().course(cohort.course_slug) if cohort else None
    if cohort is None or course is None:
        return None
    inviter = session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    max_age = current_app.config["INVITATION_MAX_AGE"]
    token = invitations.new_link(invitation, max_age, utcnow())
    language = message.language or current_app.config["DEFAULT_LANGUAGE"]
    return Mail(
        _("An invitation to join %(cohort)s", cohort=cohort.name),
        "cohort_invitation",
        {
            "name": invitation.name,
            "trainer": inviter.certificate_name if inviter else None,
            "cohort": cohort.name,
            "course": course.title.get(language),
            "link": public_url("cohorts.invitation", token=token),
            "days": max_age // 86400,
        },
    )


@message_kind("extra_attempt")
def extra_attempt(session: Session, message: OutboxMessage) -> Mail | None:
    """A trainer granted the judge one more attempt at the final assessment."""
    cohort = session.get(Cohort, message.cohort_id) if message.cohort_id else None
    course = get_catalog().course(cohort.course_slug) if cohort else None
    if cohort is None or course is None:
        return None
    language = message.language or current_app.config["DEFAULT_LANGUAGE"]
    return Mail(
        _(
            "One more attempt at the final assessment of %(course)s",
            course=course.title.get(language),
        ),
        "extra_attempt",
        {
            "trainer": message.context.get("trainer"),
            "reason": message.context.get("reason"),
            "course": course.title.get(language),
            "link": public_url("assessments.overview", course_slug=course.slug, kind="post"),
        },
    )


@message_kind("cohort_certificate_ready")
def cohort_certificate_ready(session: Session, message: OutboxMessage) -> Mail | None:
    """The trainer announced the cohort's certificates: the judge's is ready to download.
    Pointless (dropped) once that certificate no longer stands."""
    certificate = session.get(Certificate, message.ref_id) if message.ref_id else None
    cohort = session.get(Cohort, message.cohort_id) if message.cohort_id else None
    if certificate is None or cohort is None or certificate.status != "valid":
        return None
    return Mail(
        _("Your certificate for %(course)s is ready", course=certificate.course_title),
        "cohort_certificate_ready",
        {
            "cohort": cohort.name,
            "course": certificate.course_title,
            "serial": certificate.serial,
            "link": public_url("certificates.mine"),
        },
    )


@message_kind(follow_ups.MAIL_KIND)
def cohort_follow_up(session: Session, message: OutboxMessage) -> Mail | None:
    """Months after the course, the judge is asked what they applied at work, with a signed link
    to the follow-up evaluation. Pointless (dropped) once the cohort has stopped asking or the
    judge has answered."""
    cohort = session.get(Cohort, message.cohort_id) if message.cohort_id else None
    course = get_catalog().course(cohort.course_slug) if cohort else None
    if cohort is None or course is None or cohort.follow_up_months is None:
        return None
    if message.user_id is None or session.get(CohortMember, message.ref_id or 0) is None:
        return None  # the judge has left the cohort
    if follow_ups.answer_of(session, cohort.id, message.user_id) is not None:
        return None
    language = message.language or current_app.config["DEFAULT_LANGUAGE"]
    token = follow_ups.link_token(current_app.config["SECRET_KEY"], cohort.id, message.user_id)
    return Mail(
        _("What have you applied from %(course)s?", course=course.title.get(language)),
        "cohort_follow_up",
        {
            "cohort": cohort.name,
            "course": course.title.get(language),
            "months": cohort.follow_up_months,
            "link": public_url("cohorts.follow_up_form", cohort_id=cohort.id, token=token),
        },
    )
