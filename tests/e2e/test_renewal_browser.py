"""A judge whose certificate is expiring sees the renewal on the dashboard, sits the final
again, passes and gets a new certificate that supersedes the old; then opens their transcript
and its PDF. In Chromium."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from elearning.accounts.models import User
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate
from elearning.config import ROOT
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.e2e.helpers import sign_in, take_assessment
from tests.helpers import FIXTURE_CONTENT, earn, pdf_text

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(make_app, tmp_path):
    """The sample course's certificate: 6 hours of ethics, valid a year, reminders 60 and 14
    days before."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses/sample/course.yaml"
    course.write_text(
        course.read_text()
        + "certificate:\n  hours: 6\n  category: ethics\n  valid_months: 12\n"
        + "  remind_days: [60, 14]\n"
    )
    shutil.copytree(ROOT / "certificates" / "default", root / "certificates" / "default")
    return make_app(CONTENT_DIR=str(root))


def test_an_expiring_certificate_is_renewed_and_counted(
    live_server, app, page, create_user, tmp_path
):
    create_user(email="amara@example.org", name="Judge Amara Okafor")
    earn(app, "amara@example.org")  # passed a year ago, in effect: the certificate expires soon
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "amara@example.org"))
        old = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))
        assert old is not None and old.valid_until is not None
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == old.id)
            .values(valid_until=utcnow() + timedelta(days=10))
        )
        db.session.commit()
        old_serial = old.serial
        bank = get_catalog().course("sample").bank

    sign_in(page, live_server, "amara@example.org")
    page.goto(live_server + "/dashboard")
    expect(page.get_by_text("Your certificate for Sample course expires on")).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard-renew.png"), full_page=True)
    page.get_by_role("link", name="Renew").click()
    page.get_by_role("button", name="Start the assessment").click()
    take_assessment(page, bank, rightly=True)
    expect(page.get_by_text("Passed: the pass mark is 60%.")).to_be_visible()

    page.goto(live_server + "/certificates")
    cards = page.locator(".certificate-card")
    expect(cards).to_have_count(2, timeout=20_000)
    expect(cards.first).to_contain_text("Valid until")
    expect(cards.nth(1)).to_contain_text("A newer certificate replaces this one")
    expect(page.get_by_role("link", name="Renew")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "my-certificates-renewed.png"), full_page=True)

    page.get_by_role("link", name="My transcript", exact=False).click()
    expect(page.get_by_role("heading", name="My transcript")).to_be_visible()
    totals = page.locator("table").first
    expect(totals).to_contain_text("12")  # the first pass and the renewal, 6 hours each
    expect(page.locator("table").nth(1)).to_contain_text("Judicial ethics")
    expect(page.locator("table").nth(2)).to_contain_text(old_serial)
    page.screenshot(path=str(tmp_path / "transcript.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the transcript (PDF)").click()
    pdf = tmp_path / "transcript.pdf"
    download.value.save_as(pdf)
    text = " ".join(pdf_text(pdf.read_bytes()).split())
    assert "Transcript of continuing judicial education" in text
    assert "Judge Amara Okafor" in text and old_serial in text
