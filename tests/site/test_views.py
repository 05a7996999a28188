"""Site-wide behaviour: health check, headers, caching, protected pages, error pages."""

import json
import re

import pytest

from elearning import create_app

# Pages anyone may open. Every other GET route must send an anonymous visitor to sign in.
PUBLIC_ENDPOINTS = {
    "site.index",
    "site.healthz",
    "static",
    "accounts.sign_up",
    "accounts.sign_in",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.confirm_email",
    "accounts.sign_out",
    "accounts.accept_invitation",
    "learning.catalog",
    "learning.course",
    "learning.sources",
    # A join code can be typed, and an invite link read, before signing in; joining needs one.
    "cohorts.join",
    "cohorts.join_link",
    # An invitation to a cohort is answered from its e-mailed link, with or without an account.
    "cohorts.invitation",
    # Certificate verification needs no account (DESIGN.md, "Certificates").
    "certificates.verify_form",
    "certificates.verify",
    "certificates.verify_api",
    "certificates.verify_credential",
    "certificates.offline_verifier",
    # What a verifier needs to check a credential offline: the keys, the issuer, the statuses.
    "certificates.did_document",
    "certificates.did_document_under_path",
    "certificates.issuer_profile",
    "certificates.status_list",
}


def _example_value(match: re.Match) -> str:
    converter, options = match.group(1), match.group(2)
    if converter == "int":
        return "1"
    if converter == "any":
        return options.split(",")[0].strip()
    return "x"


def _example_url(rule) -> str:
    return re.sub(r"<(?:(\w+)(?:\((.*?)\))?:)?\w+>", _example_value, rule.rule)


def _protected_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS]


def test_every_protected_url_refuses_anonymous_visitors(app, client):
    rules = _protected_rules(app)
    assert len(rules) >= 6
    for rule in rules:
        url = _example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if method == "GET":
                assert response.status_code == 302, url
                assert response.headers["Location"].startswith("/signin?next="), url
            else:
                # Anonymous POSTs are stopped before any work: no CSRF token, no session.
                assert response.status_code in {302, 400}, (method, url)


def test_learners_cannot_open_admin_pages(client, auth, create_user):
    auth.login(create_user().email)
    for url in ("/admin/users", "/admin/users/1", "/admin/audit"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Your account does not give access to this page." in response.text


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"


def test_health_check_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing-folder/none.db",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.text)
    assert body["status"] == "error" and body["database"] == "unavailable"


def test_pages_show_a_friendly_error_when_the_database_is_down(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing-folder/none.db",
        }
    )
    response = app.test_client().post(
        "/signin", data={"email": "a@example.org", "password": "whatever123"}
    )
    assert response.status_code == 503
    # Honest: what was just sent was not saved (this page answers a request it could not carry).
    assert "was not saved" in response.text and "What you saved before is safe" in response.text


@pytest.mark.parametrize("path", ["/", "/signin", "/no-such-page"])
def test_security_headers_on_every_page(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # development serves plain HTTP


def test_production_adds_hsts_and_secure_cookies(make_app):
    app = make_app(
        ENV="production",
        BASE_URL="https://elearning.example.org",
        SECRET_KEY="5f1c9e0b7a2d4c6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c0d2e",
    )
    client = app.test_client()
    response = client.get("/signin", base_url="https://elearning.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_static_files_are_fingerprinted_and_cached_for_a_year(client):
    page = client.get("/").text
    css = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in css
    response = client.get(css)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    response.close()


def test_not_found_page_is_friendly(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.text


def test_pages_work_without_javascript(client):
    for path in ("/", "/signin", "/signup", "/password/forgot"):
        assert "<script" not in client.get(path).text


def test_the_home_page_answers_what_a_judge_asks_first(app, client):
    page = client.get("/").text
    assert "Sample course" in page
    assert re.search(r"About \d+ hours? of study, at your own pace\.", page)
    assert re.search(r"\d+ lessons of \d+ to \d+ minutes each\.", page)
    assert "Lessons in" in page and '<span lang="fr">Français</span>' in page
    assert f"Issued by {app.config['CERTIFICATE_ISSUER']} when you have completed" in page
    assert "Continuing judicial education" in page
    assert "It is not graded" not in page and "does not count towards passing" in page


def test_sign_up_says_which_fields_are_optional(client):
    page = client.get("/signup").text
    for label in ("Country", "Court or institution", "Position", "Preferred language"):
        assert f"{label} (optional)</label>" in page, label
    for label in ("E-mail address", "Name on your certificates"):
        assert f"{label} (optional)" not in page, label
