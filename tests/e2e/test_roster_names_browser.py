"""A trainer finds judges by name in any alphabet, sorted by family name (one judge chose their
own sort name in their profile), sees which scores were earned before joining, and has the
cohort's figures leave those out. In Chromium."""

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
from elearning.learning import services as learning
from elearning.sqltypes import utcnow
from tests.e2e.helpers import sign_in
from tests.helpers import ALWAYS_RIGHT, ALWAYS_WRONG

pytestmark = pytest.mark.e2e

NAMES = ("Ana Ruiz", "Hon. Justice Amina Yusuf", "王芳")
EARLY = "Судья Ирина Волкова"  # took the entry assessment on her own, then joined


@pytest.fixture
def cohort_id(app, create_user):
    trainer = create_user(email="trainer@example.org", role=Role.trainer, name="Trainer Tessa")
    judges = [create_user(name=name) for name in NAMES]
    early = create_user(name=EARLY, email="volkova@example.org")
    judges.append(create_user(name="Gabriel García Márquez", email="gabriel@example.org"))
    rng = random.Random(5)
    with app.app_context():
        course = load_app_catalog(app).course("sample")
        cohort = services.create_cohort(
            db.session,
            course=course,
            details=services.CohortDetails(name="Intake"),
            creator=db.session.get(User, trainer.id),
        )
        start = utcnow() - timedelta(days=5)
        enrolment = learning.enrol(db.session, early.id, course)
        take_assessment(db.session, course, enrolment.id, "pre", ALWAYS_RIGHT, rng, start)
        for judge in (*judges, early):
            services.join_cohort(
                db.session, cohort, judge.id, course, "code", now=start + timedelta(days=1)
            )
        first = services.membership(db.session, cohort.id, judges[0].id)
        take_assessment(
            db.session, course, first.enrolment_id, "pre", ALWAYS_WRONG, rng,
            start + timedelta(days=2),
        )  # fmt: skip
        db.session.commit()
        return cohort.id


def names_listed(page) -> list[str]:
    return page.locator("table.roster tbody td:first-child a").all_inner_texts()


def test_a_trainer_finds_judges_by_family_name_in_any_alphabet(live_server, page, cohort_id):
    # A judge whose family name is two words says so in their profile.
    sign_in(page, live_server, "gabriel@example.org")
    page.goto(live_server + "/account/profile")
    expect(
        page.get_by_text("Leave it empty to be listed as “Márquez, Gabriel García”.")
    ).to_be_visible()
    page.get_by_label("Name as sorted in lists (optional)").fill("García Márquez, Gabriel")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "trainer@example.org")
    page.goto(f"{live_server}/cohorts/{cohort_id}/roster")
    # Latin by family name (the title left out, Chinese by its pinyin), then Cyrillic.
    assert names_listed(page) == [
        "Gabriel García Márquez", "Ana Ruiz", "王芳", "Hon. Justice Amina Yusuf", EARLY
    ]  # fmt: skip
    page.get_by_label("Name or e-mail").fill("ВОЛКОВА")
    page.get_by_role("button", name="Filter").click()
    assert names_listed(page) == [EARLY]
    row = page.get_by_role("row").filter(has_text=EARLY)
    expect(row.get_by_text("before joining")).to_be_visible()
    expect(page.get_by_text("It counts in the cohort's figures like the others.")).to_be_visible()

    page.goto(f"{live_server}/cohorts/{cohort_id}/report")
    summary = page.get_by_role("region", name="Summary")
    expect(summary.get_by_text("2 judges", exact=True).first).to_be_visible()
    page.goto(f"{live_server}/cohorts/{cohort_id}/edit")
    page.get_by_label("Leave them out of the cohort's figures").check()
    page.get_by_role("button", name="Save").click()
    page.goto(f"{live_server}/cohorts/{cohort_id}/report")
    expect(summary.get_by_text("are left out of these figures")).to_be_visible()
    expect(summary.get_by_text("1 judge", exact=True).first).to_be_visible()
