"""A face-to-face workshop run on the platform, as its trainer runs it in Chromium: the agenda
filled from the trainers' manual, attendance taken on screen, the session's sign-in sheet
printed, and the roster counting attendance."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort
from elearning.extensions import db
from tests.e2e.helpers import sign_in
from tests.helpers import pdf_text

pytestmark = pytest.mark.e2e

TRAINER = "trainer@example.org"
JUDGES = ("Amal Haddad", "Kofi Mensah", "Иван Петров")


@pytest.fixture
def cohort_id(app, create_user) -> int:
    """A cohort starting on 1 March 2027 with three judges and no session yet."""
    trainer = create_user(email=TRAINER, role=Role.trainer, name="Trainer Tessa")
    judges = [create_user(name=name) for name in JUDGES]
    with app.app_context():
        course = get_catalog().course("sample")
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Quetta workshop", starts_on=date(2027, 3, 1)),
            creator=db.session.get(User, trainer.id),
        )
        for judge in judges:
            cohorts.join_cohort(
                db.session, db.session.get(Cohort, cohort.id), judge.id, course, via="code"
            )
        db.session.commit()
        return cohort.id


def test_trainer_fills_the_agenda_takes_attendance_and_prints_the_sheet(
    page, live_server, cohort_id, tmp_path: Path
):
    sign_in(page, live_server, TRAINER)
    page.goto(f"{live_server}/cohorts/{cohort_id}")
    page.get_by_role("navigation", name="Cohort").get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions")

    page.get_by_label("Two-day workshop").check()
    page.get_by_role("button", name="Use the manual's agenda").click()
    expect(page.get_by_role("status")).to_contain_text("3 sessions added")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Opening")
    expect(rows.nth(2)).to_contain_text("Case work")

    rows.nth(0).get_by_role("link", name="Take attendance").click()
    page.get_by_label("Amal Haddad").check()
    page.get_by_label("Иван Петров").check()
    page.get_by_role("button", name="Save the attendance").click()
    expect(page.locator("main table tbody tr").nth(0)).to_contain_text("2 of 3")

    with page.expect_download() as info:
        page.locator("main table tbody tr").nth(0).get_by_role(
            "link", name="Sign-in sheet (PDF)"
        ).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert all(name in text for name in JUDGES) and "Signature" in text

    page.get_by_role("navigation", name="Cohort").get_by_role("link", name="Roster").click()
    roster = page.locator("table.roster")
    expect(roster.get_by_role("columnheader", name="Attendance")).to_be_visible()
    expect(roster.locator("tr", has_text="Amal Haddad")).to_contain_text("1 / 3 sessions")
    expect(roster.locator("tr", has_text="Kofi Mensah")).to_contain_text("0 / 3 sessions")
