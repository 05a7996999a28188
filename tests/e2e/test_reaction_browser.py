"""Five judges who sat the final evaluate the training from their dashboard; the trainer reads
nothing until the fifth answer, then the anonymous aggregates, from the cohort's report. In
Chromium."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from elearning.accounts.models import Role, User
from elearning.catalog import load_app_catalog
from elearning.cohorts import services
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.e2e.helpers import sign_in
from tests.helpers import ALWAYS_RIGHT

pytestmark = pytest.mark.e2e

JUDGES = ("Amina Yusuf", "Ana Ruiz", "Irina Volkova", "Wang Fang", "Omar Haddad")


@pytest.fixture
def cohort_id(app, create_user):
    trainer = create_user(email="trainer@example.org", role=Role.trainer, name="Trainer Tessa")
    judges = [
        create_user(email=f"judge{n}@example.org", name=name) for n, name in enumerate(JUDGES)
    ]
    rng = random.Random(3)
    with app.app_context():
        course = load_app_catalog(app).course("sample")
        cohort = services.create_cohort(
            db.session,
            course=course,
            details=services.CohortDetails(name="Quetta workshop"),
            creator=db.session.get(User, trainer.id),
        )
        when = utcnow() - timedelta(days=1)
        for judge in judges:
            member, _ = services.join_cohort(db.session, cohort, judge.id, course, "code", now=when)
            take_assessment(
                db.session, course, member.enrolment_id, "post", ALWAYS_RIGHT, rng, when
            )
        db.session.commit()
        return cohort.id


def evaluate(page, base: str, email: str, relevance: str, change: str) -> None:
    """A judge answers the reaction form from their dashboard, then signs out."""
    sign_in(page, base, email)
    page.get_by_role("link", name="Evaluate the training").click()
    scale = page.locator("fieldset", has_text="relevant was the training")
    scale.get_by_label(relevance, exact=True).check()
    page.locator("fieldset", has_text="rate the trainers").get_by_label("5 · Excellent").check()
    page.locator("fieldset", has_text="rate the materials").get_by_label("4", exact=True).check()
    page.get_by_label("What would you change in this training? (optional)").fill(change)
    page.get_by_role("button", name="Send my evaluation").click()
    expect(page.get_by_text("Thank you: your evaluation is saved.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()


def test_five_judges_evaluate_and_the_trainer_reads_the_aggregates(live_server, page, cohort_id):
    for n in range(4):
        evaluate(page, live_server, f"judge{n}@example.org", "4", f"More case studies {n}")
    sign_in(page, live_server, "trainer@example.org")
    page.goto(f"{live_server}/cohorts/{cohort_id}/report")
    expect(page.get_by_text("4 judges have answered.")).to_be_visible()
    page.get_by_role("link", name="Open the reaction evaluation").click()
    expect(page.get_by_text("The results appear here once at least 5 judges")).to_be_visible()
    expect(page.get_by_text("More case studies")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    evaluate(page, live_server, "judge4@example.org", "1 · Not relevant", "Shorter days")
    sign_in(page, live_server, "trainer@example.org")
    page.goto(f"{live_server}/cohorts/{cohort_id}/evaluation/results")
    expect(page.get_by_text("5 judges have answered.")).to_be_visible()
    relevance = page.locator("section", has=page.get_by_role("heading", name="relevant"))
    expect(relevance.get_by_text("Mean 3.4 out of 5")).to_be_visible()  # 4, 4, 4, 4, 1
    expect(relevance.get_by_role("row", name="4 4 80%")).to_be_visible()
    expect(page.locator("#would_change-title + ul li")).to_have_count(5)
    for name in JUDGES:
        expect(page.get_by_text(name)).to_have_count(0)
