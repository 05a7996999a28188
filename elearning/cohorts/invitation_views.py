"""Invitations from a participants file, answered by the judge; leaving a cohort.

The invitation page is opened from the e-mail's link (the link proves the mailbox). A judge
with an account accepts signed in as that account; a judge without one chooses a password
there. Either way nothing reaches the cohort's trainers until the judge accepts.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from elearning.accounts import services as accounts
from elearning.accounts.access import role_required
from elearning.accounts.forms import ConfirmForm
from elearning.accounts.models import Role
from elearning.catalog import get_catalog
from elearning.cohorts import bp, invitations, services
from elearning.cohorts.forms import AcceptWithNewAccountForm
from elearning.cohorts.models import Cohort, CohortInvitation
from elearning.extensions import db, limiter
from elearning.outbox.services import queue_message
from elearning.sqltypes import utcnow


def _join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def _new_account_form(invitation: CohortInvitation) -> AcceptWithNewAccountForm:
    form = AcceptWithNewAccountForm()
    form.fill_choices()
    if request.method == "GET":
        form.certificate_name.data = invitation.name
        form.country.data = invitation.country or ""
        form.institution.data = invitation.institution
        form.position.data = invitation.position
        form.preferred_language.data = invitation.language or ""
    return form


@bp.route("/cohorts/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"])
def invitation(token: str):
    """Accept or decline an invitation to a cohort."""
    now = utcnow()
    found = invitations.find_by_link(db.session, token, now)
    cohort = db.session.get(Cohort, found.cohort_id) if found else None
    course = get_catalog().course(cohort.course_slug) if cohort else None
    if found is None or cohort is None or course is None:
        return render_template("accounts/link_invalid.html", purpose="cohort_invitation"), 404
    account = accounts.find_user_by_email(db.session, found.email)
    usable = account is not None and account.email_confirmed_at is not None
    if account is not None and account.disabled_at is not None:
        return render_template("accounts/link_invalid.html", purpose="cohort_invitation"), 404
    button = ConfirmForm()
    form = None if usable else _new_account_form(found)
    if request.method == "POST":
        action = request.form.get("action")
        if action == "decline" and button.validate_on_submit():
            invitations.decline(db.session, found, now)
            return render_template("cohorts/invitation_declined.html", cohort=cohort)
        if action == "accept" and usable and button.validate_on_submit():
            if current_user.is_authenticated and current_user.id == account.id:
                invitations.accept(db.session, found, account, course, now)
                flash(_("You have joined %(cohort)s.", cohort=cohort.name), "success")
                return redirect(url_for("learning.course", course_slug=course.slug))
            abort(403)
        if action == "accept" and form is not None and form.validate_on_submit():
            user = _account_for(found, form, account, now)
            invitations.accept(db.session, found, user, course, now)
            login_user(user)
            flash(_("Welcome! Your account is ready and you have joined the cohort."), "success")
            return redirect(url_for("learning.course", course_slug=course.slug))
        if form is None or not form.errors:
            abort(400)
    return render_template(
        "cohorts/invitation.html",
        invitation=found,
        cohort=cohort,
        course=course,
        trainers=services.trainers_of(db.session, cohort.id),
        has_account=usable,
        signed_in_as_other=usable
        and current_user.is_authenticated
        and current_user.id != account.id,
        form=form,
        button=button,
    ), (422 if form is not None and form.errors else 200)


def _account_for(invitation: CohortInvitation, form, account, now):
    """The invited address's account, made or activated with the password chosen here: the
    link that opened this page proves the mailbox, as an activation link would."""
    profile = accounts.Profile(
        certificate_name=form.certificate_name.data,
        country=form.country.data,
        institution=form.institution.data or "",
        position=form.position.data or "",
        preferred_language=form.preferred_language.data,
    )
    if account is None:
        account = accounts.create_user(
            db.session,
            email=invitation.email,
            password=form.password.data,
            profile=profile,
            is_confirmed=True,
            now=now,
        )
    else:  # signed up once, never activated: this mailbox's owner decides the password now
        accounts.update_profile(db.session, account, profile)
        accounts.set_password(db.session, account, form.password.data, now)
        account.email_confirmed_at = now
    return account


@bp.route("/cohorts/<int:cohort_id>/invitations/<int:invitation_id>", methods=["POST"])
@role_required(Role.trainer)
def manage_invitation(cohort_id: int, invitation_id: int):
    """Send an invitation again (with a new link), or withdraw it."""
    cohort = services.find_visible_cohort(db.session, current_user, cohort_id)
    found = db.session.get(CohortInvitation, invitation_id)
    if cohort is None or found is None or found.cohort_id != cohort.id:
        abort(404)
    if not ConfirmForm().validate_on_submit() or found.accepted_at is not None:
        abort(400)
    if request.form.get("action") == "withdraw":
        invitations.withdraw(db.session, found, current_user)
        message = _("The invitation to %(email)s is withdrawn.", email=found.email)
    else:
        found.declined_at = None
        queue_message(
            db.session,
            "cohort_invitation",
            found.email,
            language=found.language,
            cohort_id=cohort.id,
            ref_id=found.id,
            created_by_id=current_user.id,
        )
        message = _(
            "The invitation to %(email)s is sent again, with a new link.", email=found.email
        )
    flash(message, "success")
    return redirect(url_for("cohorts.roster", cohort_id=cohort.id, _anchor="invitations"))


@bp.route("/cohorts/<int:cohort_id>/leave", methods=["GET", "POST"])
@login_required
def leave(cohort_id: int):
    """A judge leaves a cohort; its trainers no longer see their progress or scores."""
    cohort = db.session.get(Cohort, cohort_id)
    member = services.membership(db.session, cohort_id, current_user.id) if cohort else None
    if member is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        invitations.leave(db.session, cohort, member, current_user)
        flash(_("You have left %(cohort)s.", cohort=cohort.name), "success")
        return redirect(url_for("site.dashboard"))
    return render_template(
        "cohorts/leave.html",
        cohort=cohort,
        form=form,
        trainers=services.trainers_of(db.session, cohort.id),
    )
