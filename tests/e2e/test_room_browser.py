"""A workshop in a room: the judge waits for the trainer, the trainer opens the entry assessment
and puts the projector on, a judge takes it, the projector counts them without a reload, and
once the trainer closes it, shows the anonymous result. In Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog, load_app_catalog
from elearning.cohorts import services
from elearning.extensions import db
from tests.e2e.helpers import expect_count, sign_in, take_assessment

pytestmark = pytest.mark.e2e


@pytest.fixture
def cohort_id(app, create_user):
    trainer = create_user(email="trainer@example.org", role=Role.trainer, name="Trainer Tessa")
    judge = create_user(email="judge@example.org", name="Judge Wanjiru Kamau")
    with app.app_context():
        course = load_app_catalog(app).course("sample")
        cohort = services.create_cohort(
            db.session,
            course=course,
            details=services.CohortDetails(name="Nairobi workshop", trainer_opens_assessments=True),
            creator=db.session.get(User, trainer.id),
        )
        services.join_cohort(db.session, cohort, judge.id, course, "code")
        db.session.commit()
        return cohort.id


def test_the_trainer_opens_the_entry_assessment_and_the_projector_follows(
    app, live_server, browser, page, cohort_id
):
    judge = browser.new_context(viewport={"width": 400, "height": 800}, locale="en-GB").new_page()
    judge.set_default_timeout(10_000)
    sign_in(judge, live_server, "judge@example.org")
    judge.goto(f"{live_server}/courses/sample/assessment/pre")
    expect(judge.get_by_text("Your trainer opens this assessment in the room.")).to_be_visible()
    expect(judge.get_by_role("button", name="Start the assessment")).to_have_count(0)

    sign_in(page, live_server, "trainer@example.org")
    page.goto(f"{live_server}/cohorts/{cohort_id}")
    page.get_by_role("button", name="Open the entry assessment").click()
    expect(page.get_by_role("heading", name="Entry assessment")).to_be_visible()
    started, submitted = (
        page.locator("[data-count=started]"),
        page.locator("[data-count=submitted]"),
    )
    expect(started).to_have_text("0")

    judge.reload()
    judge.get_by_role("button", name="Start the assessment").click()
    expect_count(started, "1")
    with app.app_context():
        bank = get_catalog().course("sample").bank
    take_assessment(judge, bank, rightly=True)
    expect_count(submitted, "1")
    expect(page.get_by_text("Judge Wanjiru Kamau")).to_have_count(0)

    page.get_by_role("button", name="Close the assessment").click()
    expect(page.get_by_text("Closed at")).to_be_visible()
    expect(page.get_by_text("1 judge submitted; the mean score is 100%.")).to_be_visible()
    expect(page.get_by_role("img", name="How many judges scored")).to_be_visible()
    bands = page.locator("table.projector__bands")
    expect(bands.locator("td").last).to_have_text("1")  # the one judge, in 90–100
    expect(page.get_by_text("Judge Wanjiru Kamau")).to_have_count(0)
