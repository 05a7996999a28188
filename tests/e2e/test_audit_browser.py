"""An admin audits what happened to a judge's certificate: filters the log by person and day,
reads the events in plain words and downloads the same selection as CSV. In Chromium."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from elearning.accounts import roles
from elearning.accounts.models import Role, User
from elearning.certificates import changes
from elearning.certificates.models import Certificate
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.e2e.helpers import sign_in
from tests.helpers import issued_to

pytestmark = pytest.mark.e2e


def test_admin_filters_the_log_reads_it_and_downloads_it(
    live_server, app, page, create_user, tmp_path
):
    create_user(email="ana@example.org", name="Ana Ruiz", role=Role.admin)
    boris = create_user(email="boris@example.org", name="Boris Tal")
    _client, certificate = issued_to(app, create_user, email="ivan@example.org", name="Иван Петров")
    with app.app_context():
        ana = db.session.scalar(select(User).where(User.email == "ana@example.org"))
        changes.revoke_certificate(
            db.session,
            db.session.get(Certificate, certificate.id),
            actor=ana,
            reason="issued in error",
            now=utcnow(),
        )
        roles.change_role(
            db.session, actor=ana, user=db.session.get(User, boris.id), role=Role.trainer
        )
        db.session.commit()
        today = datetime.now(ZoneInfo(app.config["DEFAULT_TIMEZONE"])).date()

    sign_in(page, live_server, "ana@example.org")
    page.goto(live_server + "/admin/audit")
    expect(page.get_by_role("status").filter(has_text="events")).to_contain_text("3 events")
    page.get_by_label("Person (name or e-mail)").fill("иван")
    page.get_by_label("From (day)").fill(today.isoformat())
    page.get_by_label("To (day, included)").fill(today.isoformat())
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status").filter(has_text="events")).to_contain_text("2 events")
    sentence = page.locator("main td", has_text="revoked certificate")
    expect(sentence).to_contain_text(
        f"Ana Ruiz revoked certificate {certificate.serial} of Иван Петров "
        "(reason: issued in error)."
    )
    expect(page.locator("main")).not_to_contain_text("Boris Tal")
    expect(page.get_by_label("Person (name or e-mail)")).to_have_value("иван")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these events (CSV)").click()
    saved = tmp_path / "audit.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8-sig", newline="") as file:
        header, *rows = list(csv.reader(file))
    assert header[1] == "Action" and header[-1] == "In plain words"
    assert [row[1] for row in rows] == ["certificate.revoke", "certificate.issue"]
    assert rows[0][-1].startswith("Ana Ruiz revoked certificate")

    yesterday = (today - timedelta(days=1)).isoformat()
    page.get_by_label("From (day)").fill(yesterday)
    page.get_by_label("To (day, included)").fill(yesterday)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No event matches these filters.")).to_be_visible()
