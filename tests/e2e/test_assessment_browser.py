"""A judge takes the entry assessment, works through the lessons, passes the final assessment
and reads the results, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from elearning.content import load_catalog
from tests.e2e.helpers import answer_page, take_assessment
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(make_app, content):
    """The live server's app: the gated sample course."""
    return make_app(CONTENT_DIR=str(content))


def test_pre_assessment_lessons_and_a_passed_final_assessment(
    live_server, page, create_user, content, tmp_path
):
    bank = load_catalog(content).course("sample").bank
    create_user(email="amara@example.org", name="Judge Amara Okafor")
    page.goto(live_server + "/signin")
    page.get_by_label("E-mail address").fill("amara@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(live_server + "/courses/sample")
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.get_by_role("heading", name="Entry assessment", level=1)).to_be_visible()
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_role("heading", name="Page 1 of 2")).to_be_visible()

    # An answer is saved the moment it is given: reloading the page keeps it.
    answer_page(page, bank, rightly=False)
    expect(page.get_by_role("status")).to_contain_text("Answers saved at")
    checked = page.locator("input[name^='q-']:checked").evaluate_all("l => l.map(i => i.id)")
    page.reload()
    for input_id in checked:
        expect(page.locator(f"#{input_id}")).to_be_checked()
    take_assessment(page, bank, rightly=False)
    expect(page.get_by_text("This is your starting point.")).to_be_visible()

    # The lessons are open now; complete all three.
    page.get_by_role("link", name="Sample course").first.click()
    page.get_by_role("link", name=re.compile("^Start: ")).click()
    for _ in range(3):
        page.get_by_role("button", name=re.compile("^Mark complete")).click()
    expect(page.get_by_text("You have completed every lesson of this course.")).to_be_visible()

    page.get_by_role("link", name="Go to the final assessment").first.click()
    expect(page.get_by_text("Pass mark: 60%.")).to_be_visible()
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_text("Time limit: answer by")).to_be_visible()
    take_assessment(page, bank, rightly=True)
    expect(page.get_by_text("Passed: the pass mark is 60%.")).to_be_visible()
    expect(
        page.get_by_text("That is 100 points more than at the start.", exact=False)
    ).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Value 1: Independence")
    expect(page.get_by_text("Explanation").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)

    page.goto(live_server + "/dashboard")
    expect(page.get_by_text("Course completed: final assessment passed with 100%.")).to_be_visible()
