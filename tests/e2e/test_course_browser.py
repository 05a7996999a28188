"""The course we ship, in Chromium: a judge takes its entry assessment and opens every module and
every lesson; a trainer opens every page of the trainers' manual."""

from __future__ import annotations

import html
import re

import pytest
from playwright.sync_api import expect

from elearning.accounts.models import Role
from elearning.catalog import read_catalog
from elearning.config import ROOT
from tests.e2e.helpers import next_page, wait_for_questions
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e

COURSE = read_catalog(ROOT).course("judicial-ethics")


@pytest.fixture
def app(make_app):
    """The live server's app on the shipped content."""
    return make_app(CONTENT_DIR=str(ROOT))


def plain(markup: str) -> str:
    """The start of an HTML fragment's text (its first 60 characters), white space collapsed."""
    return " ".join(html.unescape(re.sub("<[^>]+>", "", markup)).split())[:60]


def shown_text(page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def sign_in(page, live_server, email):
    page.goto(live_server + "/signin")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def answer_every_page(page) -> int:
    """Answer each page of an attempt with its first option, then review and submit; returns
    how many questions the attempt held."""
    asked = 0
    wait_for_questions(page)
    while True:
        names = set(page.locator("input[name^='q-']").evaluate_all("els => els.map(e => e.name)"))
        asked += len(names)
        for name in names:
            page.locator(f"input[name='{name}']").first.check()
        more = page.get_by_role("button", name="Save and continue")
        if more.count() == 0:
            break
        next_page(page, more)
    page.get_by_role("button", name="Save and review your answers").click()
    expect(page.get_by_text("You have answered all")).to_be_visible()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()
    return asked


def test_a_judge_takes_the_entry_assessment_and_opens_every_module_and_lesson(
    live_server, page, create_user
):
    create_user(email="rania@example.org", name="Judge Rania Haddad")
    sign_in(page, live_server, "rania@example.org")
    page.goto(live_server + "/courses/judicial-ethics")
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.get_by_role("heading", name="Entry assessment", level=1)).to_be_visible()
    page.get_by_role("button", name=re.compile("Start")).click()
    asked = answer_every_page(page)
    # One of the two parallel forms, whole: each holds the same number of questions.
    held = {
        sum(len(COURSE.bank.entries[e].questions) for e in form)
        for form in COURSE.parallel_forms.values()
    }
    assert held == {asked}

    page.goto(live_server + "/courses/judicial-ethics")
    for module in COURSE.modules:
        expect(page.get_by_role("heading", name=str(module.title), exact=True)).to_be_visible()
    for module in COURSE.modules:
        for lesson in module.lessons:
            page.goto(f"{live_server}/courses/judicial-ethics/{module.slug}/{lesson.slug}")
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_have_text(html.unescape(lesson.title))
            for check in lesson.checks:
                expect(page.locator(f"#check-{check.id}")).to_be_visible()
            # No feedback reaches the page before the judge answers.
            shown = shown_text(page)
            for check in lesson.checks:
                for option in check.options:
                    assert plain(option.feedback_html) not in shown, check.id

    # ...and once the judge answers, the feedback is there (so the test above can see it).
    lesson = COURSE.modules[-1].lessons[-1]
    check = lesson.checks[-1]
    box = page.locator(f"#check-{check.id}")
    box.locator("input[type=radio], input[type=checkbox]").first.check()
    box.get_by_role("button", name="Check my answer").click()
    expect(page.locator(f"#check-{check.id}").get_by_role("status")).to_be_visible()
    assert plain(check.options[0].feedback_html) in shown_text(page)

    # A long lesson opens with its contents; each entry leads to its section, and the way to
    # "Mark complete" is at the top.
    page.goto(f"{live_server}/courses/judicial-ethics/introduction/why-judicial-ethics")
    contents = page.get_by_role("navigation", name="In this lesson")
    entries = contents.get_by_role("listitem")
    assert entries.count() >= 3
    last = entries.last.get_by_role("link")
    title = last.inner_text()
    last.click()
    assert page.url.endswith("#" + last.get_attribute("href").lstrip("#"))
    expect(page.get_by_role("heading", name=title, level=2)).to_be_in_viewport()
    expect(contents.get_by_role("link", name="Go to “Mark complete”")).to_have_count(1)


def test_a_trainer_reads_every_page_of_the_workshop_manual(live_server, page, create_user):
    create_user(email="trainer@example.org", role=Role.trainer)
    sign_in(page, live_server, "trainer@example.org")
    page.goto(live_server + "/trainers/judicial-ethics/")
    for trainer_page in COURSE.trainer_pages:
        page.goto(live_server + "/trainers/judicial-ethics/")
        page.get_by_role("link", name=str(trainer_page.title), exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(str(trainer_page.title))
