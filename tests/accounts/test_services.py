"""Account use cases, tested directly against the database (no HTTP)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from elearning.accounts import services
from elearning.accounts.models import AccountToken, TokenPurpose, User
from elearning.extensions import db
from elearning.sqltypes import utcnow

PROFILE = services.Profile(
    certificate_name="Hon. Justice Li Wei",
    country="CN",
    institution="Supreme People's Court",
    position="Judge",
)


def _sign_up(email="li.wei@example.org", password="correct horse battery staple"):
    """Sign up, and make the activation link the e-mail job would send (None if none)."""
    outcome = services.sign_up(db.session, email=email, password=password, profile=PROFILE)
    token = (
        services.issue_token(
            db.session, outcome.user, TokenPurpose.confirm_email, 3600, payload=outcome.pending
        )
        if outcome.pending
        else None
    )
    return SimpleNamespace(user=outcome.user, token=token, is_new_account=outcome.is_new_account)


def test_sign_up_creates_an_inactive_account_with_an_activation_token(app_ctx):
    outcome = _sign_up()
    assert outcome.is_new_account and outcome.token
    assert not outcome.user.is_active
    assert outcome.user.password_hash.startswith("$argon2id$")
    assert services.confirm_email(db.session, outcome.token) is outcome.user
    assert outcome.user.is_active


def test_sign_up_with_a_known_email_writes_no_account(app_ctx):
    first = _sign_up()
    services.confirm_email(db.session, first.token)
    again = _sign_up(email="LI.WEI@example.org ", password="another long password")
    assert not again.is_new_account
    assert again.user is first.user
    assert again.token is None
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_activation_link_works_once(app_ctx):
    outcome = _sign_up()
    assert services.confirm_email(db.session, outcome.token) is not None
    assert services.confirm_email(db.session, outcome.token) is None


def test_authenticate(app_ctx):
    outcome = _sign_up()
    services.confirm_email(db.session, outcome.token)
    assert (
        services.authenticate(db.session, "Li.Wei@example.org", "correct horse battery staple")
        is outcome.user
    )
    assert outcome.user.last_login_at is not None
    assert services.authenticate(db.session, "li.wei@example.org", "wrong") is None
    assert services.authenticate(db.session, "nobody@example.org", "whatever") is None


def test_reset_link_is_single_use_and_ends_sessions(app_ctx):
    user = _sign_up().user
    version = user.session_version
    _, token = services.start_password_reset(db.session, user.email, max_age=600)
    assert services.reset_password(db.session, token, "a brand new passphrase") is user
    assert user.session_version > version
    assert services.reset_password(db.session, token, "yet another passphrase") is None
    assert services.authenticate(db.session, user.email, "a brand new passphrase") is user


def test_reset_link_expires(app_ctx):
    user = _sign_up().user
    past = utcnow() - timedelta(hours=2)
    _, token = services.start_password_reset(db.session, user.email, max_age=3600, now=past)
    assert services.find_valid_token(db.session, token, TokenPurpose.reset_password) is None
    assert services.reset_password(db.session, token, "a brand new passphrase") is None


def test_new_password_voids_older_reset_links(app_ctx):
    user = _sign_up().user
    _, first = services.start_password_reset(db.session, user.email, max_age=600)
    _, second = services.start_password_reset(db.session, user.email, max_age=600)
    assert services.reset_password(db.session, second, "a brand new passphrase")
    assert services.reset_password(db.session, first, "an attacker's passphrase") is None


def test_reset_for_unknown_email_does_nothing(app_ctx):
    assert services.start_password_reset(db.session, "ghost@example.org", max_age=600) is None
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0


def test_change_password_needs_the_current_one(app_ctx):
    user = _sign_up().user
    version = user.session_version
    assert not services.change_password(db.session, user, "wrong", "a brand new passphrase")
    assert user.session_version == version
    assert services.change_password(
        db.session, user, "correct horse battery staple", "a brand new passphrase"
    )
    assert user.session_version == version + 1


@pytest.mark.parametrize("session_id", ["", "abc", "1", "1:", ":1", "1:x", "999:1", "1:2"])
def test_stale_or_forged_session_ids_load_no_user(app_ctx, session_id):
    outcome = _sign_up()
    services.confirm_email(db.session, outcome.token)
    db.session.flush()
    assert services.load_session_user(db.session, session_id) is None
    assert services.load_session_user(db.session, outcome.user.get_id()) is outcome.user


def test_profile_update_keeps_the_name_as_typed(app_ctx):
    user = _sign_up().user
    services.update_profile(
        db.session,
        user,
        services.Profile(certificate_name="  Justice Лев Толстой-Гарсия  ", country="RU"),
    )
    assert user.certificate_name == "Justice Лев Толстой-Гарсия"
    assert user.country == "RU" and user.institution == ""
