"""The accounts' e-mails, written by the outbox job in the recipient's language.

Links that carry a secret are made here, when the message is sent: the token exists only in the
e-mail, and only its SHA-256 in the database.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from elearning.accounts import services
from elearning.accounts.models import TokenPurpose, User
from elearning.outbox.kinds import Mail, message_kind
from elearning.outbox.models import OutboxMessage
from elearning.web.links import public_url


def _user(session: Session, message: OutboxMessage) -> User | None:
    return session.get(User, message.user_id) if message.user_id is not None else None


@message_kind("activate")
def activate(session: Session, message: OutboxMessage) -> Mail | None:
    """The activation link of one sign-up: it applies that sign-up's password and profile."""
    user = _user(session, message)
    pending = message.context.get("sign_up")
    if user is None or user.email_confirmed_at is not None or not pending:
        return None
    token = services.issue_token(
        session,
        user,
        TokenPurpose.confirm_email,
        current_app.config["EMAIL_CONFIRM_MAX_AGE"],
        payload=pending,
    )
    return Mail(
        _("Activate your account"),
        "activate",
        {
            "name": pending["profile"]["certificate_name"],
            "link": public_url("accounts.confirm_email", token=token),
        },
    )


@message_kind("already_registered")
def already_registered(session: Session, message: OutboxMessage) -> Mail | None:
    """Someone signed up with an address that has an account: tell its owner, not the browser."""
    user = _user(session, message)
    if user is None:
        return None
    return Mail(
        _("You already have an account"),
        "already_registered",
        {
            "name": user.certificate_name,
            "sign_in": public_url("accounts.sign_in"),
            "reset": public_url("accounts.forgot_password"),
        },
    )


@message_kind("reset_password")
def reset_password(session: Session, message: OutboxMessage) -> Mail | None:
    """A single-use link to choose a new password."""
    user = _user(session, message)
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    started = services.start_password_reset(session, user.email, max_age) if user else None
    if started is None:
        return None
    user, token = started
    return Mail(
        _("Reset your password"),
        "reset_password",
        {
            "name": user.certificate_name,
            "link": public_url("accounts.reset_password", token=token),
            "minutes": max_age // 60,
        },
    )


@message_kind("no_account")
def no_account(session: Session, message: OutboxMessage) -> Mail:
    """A reset asked for an address with no usable account: its owner learns why no link came
    (perhaps they signed up with another address); the browser learned nothing."""
    return Mail(
        _("About your password reset request"),
        "no_account",
        {
            "sign_up": public_url("accounts.sign_up"),
            "forgot": public_url("accounts.forgot_password"),
        },
    )
