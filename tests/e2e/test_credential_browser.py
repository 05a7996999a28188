"""A judge downloads their certificate's verifiable credential; an anonymous visitor uploads it
at /verify and reads "Valid"; once an admin revokes the certificate, "Revoked". In Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from elearning.certificates.models import Certificate
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.e2e.helpers import sign_in
from tests.helpers import issued_to

pytestmark = pytest.mark.e2e


def test_download_the_credential_and_check_it(
    live_server, app, browser, page, create_user, tmp_path
):
    _, certificate = issued_to(app, create_user)
    sign_in(page, live_server, "amara@example.org")
    page.goto(f"{live_server}/certificates")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the verifiable credential").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".json"

    visitor = browser.new_page()

    def check() -> None:
        visitor.goto(f"{live_server}/verify")
        visitor.get_by_label("The credential file (.json)").set_input_files(saved)
        visitor.get_by_role("button", name="Check the credential").click()

    check()
    expect(visitor.locator(".verdict-box__word")).to_have_text("Valid")
    expect(visitor.get_by_text("Judge Amara Okafor")).to_be_visible()
    visitor.screenshot(path=str(tmp_path / "valid.png"), full_page=True)
    with app.app_context():
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id)
            .values(revoked_at=utcnow(), revoked_reason="Issued in error")
        )
        db.session.commit()
    check()
    expect(visitor.locator(".verdict-box__word")).to_have_text("Revoked")
    visitor.close()
