"""Sessions, sign-in and response headers, as an attacker would probe them.

A stolen cookie stops working when its owner signs out or changes the password (by the profile
or by a reset link); sign-in cannot be guessed at speed, from one address or against one
account; every answer in production mode carries the same protective headers and cookie flags.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import PASSWORD, AuthActions, csrf_token_of

COOKIE = "elearning_session"
HTTPS = "https://elearning.example.org"


def sign_in(client, email: str, password: str = PASSWORD):
    return AuthActions(client, lambda path: csrf_token_of(client, path)).login(email, password)


def copy_of(app, client):
    """Another client holding the same session cookie: a stolen or replayed cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def test_a_reset_by_e_mail_link_ends_every_session_of_the_account(
    app, client, create_user, mailbox
):
    user = create_user()
    sign_in(client, user.email)
    thief = copy_of(app, client)
    assert thief.get("/dashboard").status_code == 200

    visitor = app.test_client()  # the owner, on another device, resets the password
    visitor.post(
        "/password/forgot",
        data={"email": user.email, "csrf_token": csrf_token_of(visitor, "/password/forgot")},
    )
    link = mailbox.last_link(user.email)
    done = visitor.post(
        link,
        data={
            "password": "a fresh passphrase here",
            "confirm": "a fresh passphrase here",
            "csrf_token": csrf_token_of(visitor, link),
        },
    )
    assert done.status_code == 302
    assert thief.get("/dashboard").status_code == 302  # the replayed cookie is dead
    assert client.get("/dashboard").status_code == 302
    # The link is spent: a second use (say, from the mailbox of someone who saw it) fails.
    again = visitor.post(
        link,
        data={
            "password": "another passphrase here",
            "confirm": "another passphrase here",
            "csrf_token": csrf_token_of(visitor, "/signin"),
        },
    )
    assert again.status_code == 404
    assert sign_in(app.test_client(), user.email, "another passphrase here").status_code == 200
    assert sign_in(app.test_client(), user.email, "a fresh passphrase here").status_code == 302


def test_signing_in_issues_a_new_session_so_a_planted_cookie_gains_nothing(
    app, client, create_user
):
    user = create_user()
    client.get("/signin")
    planted = client.get_cookie(COOKIE).value  # what an attacker could have set beforehand
    sign_in(client, user.email)
    assert client.get_cookie(COOKIE).value != planted
    attacker = app.test_client()
    attacker.set_cookie(COOKIE, planted)
    assert attacker.get("/dashboard").status_code == 302


def test_a_forged_or_altered_cookie_is_ignored(app, client, create_user):
    user = create_user()
    sign_in(client, user.email)
    value = client.get_cookie(COOKIE).value
    for forged in (
        value[:-2] + ("AA" if not value.endswith("AA") else "BB"),
        "eyJfdXNlcl9pZCI6IjEifQ.forged.signature",
        "",
    ):
        other = app.test_client()
        other.set_cookie(COOKIE, forged)
        assert other.get("/dashboard").status_code == 302


def test_sign_in_is_limited_per_address_across_many_accounts(make_app, create_user):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    create_user(email="someone@example.org")
    guesser = app.test_client()
    answers = [
        sign_in(guesser, f"guess{n}@example.org", "not the password").status_code for n in range(4)
    ]
    assert answers[:3] == [200, 200, 200] and answers[3] == 429
    # Even the right password waits: the address is slowed down, not told which ones exist.
    assert sign_in(guesser, "someone@example.org").status_code == 429


def test_known_and_unknown_addresses_get_the_same_answer(client, create_user):
    create_user(email="known@example.org")
    known = sign_in(client, "known@example.org", "wrong password here")
    unknown = sign_in(client, "nobody@example.org", "wrong password here")
    mask = re.compile(r'value="[^"]*"')
    assert known.status_code == unknown.status_code == 200
    assert mask.sub("", known.text) == mask.sub("", unknown.text)


CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


STRONG_KEY = "5f1c9e0b7a2d4c6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c0d2e"


@pytest.fixture
def production(make_app, create_user):
    app = make_app(ENV="production", BASE_URL=HTTPS, SECRET_KEY=STRONG_KEY)
    user = create_user(email="judge@example.org")
    client = app.test_client()
    response = client.post(
        "/signin",
        base_url=HTTPS,
        headers={"Referer": HTTPS + "/signin"},  # checked over HTTPS, as browsers send it
        data={"email": user.email, "password": PASSWORD, "csrf_token": _token(client, "/signin")},
    )
    assert response.status_code == 302
    return app, client, response


def _token(client, path: str) -> str:
    page = client.get(path, base_url=HTTPS).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/signin",
        "/dashboard",
        "/courses/",
        "/courses/sample",
        "/verify",
        "/api/verify/NOPE",
        "/healthz",
        "/no-such-page",
        "/static/app.css",
    ],
)
def test_every_answer_in_production_carries_the_protective_headers(production, path):
    _, client, _ = production
    response = client.get(path, base_url=HTTPS)
    headers = response.headers
    csp = dict(
        (part.split(" ", 1) + [""])[:2]
        for part in (p.strip() for p in headers["Content-Security-Policy"].split(";"))
    )
    for directive, value in CSP_DIRECTIVES.items():
        assert csp.get(directive) == value, (path, directive, csp.get(directive))
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    hsts = headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert "includeSubDomains" in hsts
    if response.mimetype == "text/html" or response.mimetype == "application/json":
        assert headers["Cache-Control"] == "no-store"
    response.close()


def test_the_session_cookie_is_secure_http_only_and_same_site_in_production(production):
    _, _, response = production
    cookie = next(
        value for value in response.headers.getlist("Set-Cookie") if value.startswith(COOKIE + "=")
    )
    flags = {flag.strip().split("=")[0].lower(): flag for flag in cookie.split(";")[1:]}
    assert "secure" in flags and "httponly" in flags
    assert flags["samesite"].split("=")[1] in ("Lax", "Strict")


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    from elearning import create_app
    from elearning.config import ConfigError

    with pytest.raises(ConfigError):
        create_app(
            {
                "ENV": "production",
                "SECRET_KEY": None,
                "INSTANCE_PATH": str(tmp_path),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            }
        )
