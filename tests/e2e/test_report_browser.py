"""A trainer reads a cohort report in a minute: the summary at the top, a section folded away,
the item analysis narrowed to the flagged questions, the summary PDF downloaded. In Chromium."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.e2e.helpers import sign_in
from tests.helpers import ALWAYS_RIGHT, ALWAYS_WRONG, pdf_text

pytestmark = pytest.mark.e2e

TRAINER = "trainer@example.org"
JUDGES = 12  # enough answers for the item analysis to give statistics and flags


@pytest.fixture
def cohort_id(app, create_user) -> int:
    """A cohort of twelve judges: all wrong at entry; half right in the final assessment."""
    trainer = create_user(email=TRAINER, role=Role.trainer, name="Trainer Tessa")
    judges = [create_user(email=f"judge{i}@example.org") for i in range(JUDGES)]
    rng = random.Random(7)
    with app.app_context():
        course = get_catalog().course("sample")
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Regional workshop"),
            creator=db.session.get(User, trainer.id),
        )
        then = utcnow() - timedelta(days=5)
        for index, judge in enumerate(judges):
            member, _ = cohorts.join_cohort(
                db.session, db.session.get(Cohort, cohort.id), judge.id, course, via="code"
            )
            take_assessment(db.session, course, member.enrolment_id, "pre", ALWAYS_WRONG, rng, then)
            enrolment = db.session.get(Enrolment, member.enrolment_id)
            for lesson in course.lessons:
                learning.mark_complete(db.session, enrolment, lesson, course.content_version)
            ability = ALWAYS_RIGHT if index % 2 else ALWAYS_WRONG
            later = then + timedelta(days=2)
            take_assessment(db.session, course, member.enrolment_id, "post", ability, rng, later)
        db.session.commit()
        return cohort.id


def test_a_trainer_reads_the_report_folds_filters_and_downloads_the_summary(
    app, live_server, page, cohort_id
):
    sign_in(page, live_server, TRAINER)
    page.goto(f"{live_server}/cohorts/{cohort_id}/report")

    # The summary at the top: judges, pass rate, both gains.
    summary = page.get_by_role("region", name="Summary")
    expect(summary.get_by_text("Judges", exact=True)).to_be_visible()
    expect(summary.get_by_text("50%", exact=True)).to_be_visible()  # 6 of 12 passed
    expect(summary.get_by_text("Class-average gain (Hake)")).to_be_visible()

    # The contents lead to a section; a section folds away without JavaScript.
    page.get_by_role("navigation", name="Contents").get_by_role("link", name="Progress").click()
    assert page.url.endswith("#progress")
    enrolled = page.get_by_role("rowheader", name="Enrolled", exact=True)
    expect(enrolled).to_be_visible()
    page.locator("#progress summary").click()
    expect(enrolled).to_be_hidden()
    page.locator("#progress summary").click()
    expect(enrolled).to_be_visible()

    # The item analysis, narrowed to the flagged questions; the choice survives sorting.
    items = page.get_by_role("region", name="Item analysis")
    items.get_by_label("Flagged questions only").check()
    items.get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Flagged questions only")).to_be_checked()
    table = page.get_by_role("table", name=re.compile("Questions answered"))
    rows = table.locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() == rows.filter(has=page.locator(".tag")).count()
    table.get_by_role("link", name="Facility").click()
    expect(page.get_by_label("Flagged questions only")).to_be_checked()
    assert "flagged=1" in page.url and "sort=facility" in page.url

    # The summary PDF: prepared by a job, then downloaded.
    page.get_by_role("link", name="Download the summary (PDF, a few pages)").click()
    expect(page.get_by_role("heading", name="The report as a PDF")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Try the download again").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf") and "report-summary" in pdf.suggested_filename
    text = pdf_text(Path(pdf.path()).read_bytes())
    assert "Regional workshop" in text and "Flagged questions" in text
