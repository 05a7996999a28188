"""Paper answer sheets when the network fails, as a trainer uses them: from the roster, print
the judges' sheets (PDF, prepared by a job), type one back in, and see its score on the roster,
"on paper". In Chromium."""

from __future__ import annotations

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
JUDGES = ("Kofi Mensah", "Amal Haddad")


@pytest.fixture
def cohort_id(app, create_user) -> int:
    """A workshop of two judges who have not started."""
    trainer = create_user(email=TRAINER, role=Role.trainer, name="Trainer Tessa")
    judges = [create_user(name=name) for name in JUDGES]
    with app.app_context():
        course = get_catalog().course("sample")
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Quetta workshop"),
            creator=db.session.get(User, trainer.id),
        )
        for judge in judges:
            cohorts.join_cohort(
                db.session, db.session.get(Cohort, cohort.id), judge.id, course, via="code"
            )
        db.session.commit()
        return cohort.id


def test_a_trainer_prints_the_sheets_and_types_one_in(live_server, page, cohort_id, tmp_path):
    sign_in(page, live_server, TRAINER)
    page.goto(f"{live_server}/cohorts/{cohort_id}/roster")
    page.get_by_role("link", name="Print answer sheets, or type in a paper sheet").click()

    # A job prepares the whole cohort's sheets; the page says so, then they download.
    page.get_by_role("link", name="Entry assessment: one sheet per judge").click()
    expect(page.get_by_role("heading", name="The answer sheets as a PDF")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("being prepared")
    with page.expect_download() as info:
        page.get_by_role("link", name="Try the download again").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    text = pdf_text(target.read_bytes())
    assert all(name in text for name in JUDGES) and "version" in text
    page.get_by_role("link", name="Back to the paper answer sheets").first.click()

    page.get_by_label("Judge").select_option(label="Kofi Mensah")
    page.get_by_label("Entry assessment").check()
    page.get_by_role("button", name="Open the sheet", exact=True).click()
    expect(page.get_by_role("heading", name="Type in a paper sheet")).to_be_visible()
    questions = page.locator("fieldset.paper-entry__question")
    count = questions.count()
    assert count >= 2
    for index in range(count):  # box A of every question, as ticked on the paper
        questions.nth(index).get_by_role("radio").first.check()
    page.get_by_role("button", name="Save the sheet").click()
    expect(page.locator(".flashes")).to_contain_text("The sheet of Kofi Mensah is entered")

    page.goto(f"{live_server}/cohorts/{cohort_id}/roster")
    row = page.get_by_role("row").filter(has_text="Kofi Mensah")
    expect(row).to_contain_text("on paper")
    expect(row).to_contain_text("%")
