"""Account pages: sign up, activate, sign in and out, reset and change the password, profile."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from elearning.accounts import bp, services
from elearning.accounts.access import safe_next
from elearning.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    ProfileForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from elearning.accounts.logic import normalise_email
from elearning.accounts.models import TokenPurpose
from elearning.extensions import db, limiter
from elearning.names import sort_name_of
from elearning.outbox.services import queue_message


def _email_key() -> str:
    """Rate-limit key for the account named in the form, so one address cannot be hammered."""
    return "email:" + normalise_email(request.form.get("email", ""))[:254]


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _profile_from(form) -> services.Profile:
    return services.Profile(
        certificate_name=form.certificate_name.data,
        country=form.country.data,
        institution=form.institution.data or "",
        position=form.position.data or "",
        preferred_language=form.preferred_language.data,
        time_zone=form.time_zone.data,
        sort_name=getattr(form, "sort_name", None) and form.sort_name.data,
    )


def _start_session(user) -> None:
    session.clear()
    session.permanent = True
    login_user(user)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_limit, key_func=_email_key, methods=["POST"])
def sign_up():
    """Register; the same confirmation page follows whether or not the e-mail was known."""
    if current_user.is_authenticated:
        return redirect(url_for("site.dashboard"))
    form = SignUpForm()
    form.fill_choices()
    if form.validate_on_submit():
        profile = _profile_from(form)
        outcome = services.sign_up(
            db.session, email=form.email.data, password=form.password.data, profile=profile
        )
        # Either way one e-mail is queued, and sent by a job: the answer and its timing are the
        # same whether or not the address has an account.
        queue_message(
            db.session,
            outcome.mail,
            outcome.user.email,
            language=profile.preferred_language or str(get_locale()),
            user_id=outcome.user.id,
            context={"sign_up": outcome.pending} if outcome.pending else {},
        )
        return render_template("accounts/check_inbox.html", email=form.email.data, reason="signup")
    return render_template("accounts/sign_up.html", form=form)


@bp.route("/activate/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Activate an account. GET only shows the button: mail scanners must not use the link up."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        user = services.confirm_email(db.session, token)
        if user is not None:
            _start_session(user)
            flash(_("Your account is active. Welcome!"), "success")
            return redirect(url_for("site.dashboard"))
    elif request.method == "GET" and services.find_valid_token(
        db.session, token, TokenPurpose.confirm_email
    ):
        return render_template("accounts/activate.html", form=form)
    return render_template("accounts/link_invalid.html", purpose="activate"), 404


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, key_func=_email_key, methods=["POST"])
def sign_in():
    """Sign in; one message for every failure so nobody learns which e-mails have accounts."""
    if current_user.is_authenticated:
        return redirect(url_for("site.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is not None and user.is_active:
            _start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("site.dashboard"))
        db.session.rollback()
        if user is not None and user.email_confirmed_at is None and user.disabled_at is None:
            # Only the owner of the password gets here, so saying why reveals nothing.
            form.form_errors.append(
                _(
                    "Your account is not active yet. Follow the link in the e-mail we sent you, or "
                    "sign up again with the same address to receive a new link."
                )
            )
        else:
            form.credentials_rejected = True
            form.form_errors.append(_("The e-mail address or the password is not right."))
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/signout", methods=["POST"])
def sign_out():
    """Sign out everywhere: every copy of this session stops working."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("site.index"))
    if current_user.is_authenticated:
        services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_limit, key_func=_email_key, methods=["POST"])
def forgot_password():
    """Send a reset link if the account exists; the page says the same thing either way."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.reset_candidate(db.session, form.email.data)
        # One e-mail either way (the link, or why there is none), sent by a job: the page and
        # its timing do not tell who has an account.
        queue_message(
            db.session,
            "reset_password" if user else "no_account",
            user.email if user else normalise_email(form.email.data),
            language=(user.preferred_language if user else None) or str(get_locale()),
            user_id=user.id if user else None,
        )
        return render_template("accounts/check_inbox.html", email=form.email.data, reason="reset")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a single-use, expiring link."""
    if not services.find_valid_token(db.session, token, TokenPurpose.reset_password):
        return render_template("accounts/link_invalid.html", purpose="reset"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(db.session, token, form.password.data)
        if user is None:
            return render_template("accounts/link_invalid.html", purpose="reset"), 404
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(_("Your password is changed. Sign in with the new password."), "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """A participant a trainer enrolled chooses their first password and is signed in."""
    found = services.find_valid_token(db.session, token, TokenPurpose.invitation)
    if found is None:
        return render_template("accounts/link_invalid.html", purpose="invitation"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.accept_invitation(db.session, token, form.password.data)
        if user is None:
            return render_template("accounts/link_invalid.html", purpose="invitation"), 404
        _start_session(user)
        flash(_("Welcome! Your password is set and you are signed in."), "success")
        return redirect(url_for("site.dashboard"))
    return render_template("accounts/accept_invitation.html", form=form, user=found.user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.change_password(
            db.session, current_user, form.current_password.data, form.password.data
        ):
            # This browser stays signed in, under the new session version.
            _start_session(current_user._get_current_object())
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
        form.current_password.errors.append(_("This is not your current password."))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Edit the profile, including the name printed on future certificates."""
    form = ProfileForm(obj=current_user)
    form.fill_choices()
    if request.method == "GET":
        form.country.data = current_user.country or ""
        form.preferred_language.data = current_user.preferred_language or ""
        form.time_zone.data = current_user.time_zone or ""
    form.sort_name.description = _(
        "Lists of judges are sorted by it. Leave it empty to be listed as “%(name)s”.",
        name=sort_name_of(current_user.certificate_name),
    )
    if form.validate_on_submit():
        services.update_profile(db.session, current_user, _profile_from(form))
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)
