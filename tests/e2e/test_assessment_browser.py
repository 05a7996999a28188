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


def test_a_judge_learns_what_the_course_asks_then_after_a_failed_final_what_to_study_and_when(
    live_server, page, create_user, content
):
    """The home page answers a judge's first questions; the sign-up form lists countries in
    the reader's order and says which fields may be left empty; a module starts at its first
    lesson; a failed final names the topics to review with links to their lessons and can show
    only the questions missed, each under its own heading; the dashboard then gives the score,
    the pass mark and when to try again."""
    bank = load_catalog(content).course("sample").bank
    page.goto(live_server + "/")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("About 1 hour of study, at your own pace.")
    expect(facts).to_contain_text("Continuing judicial education")
    expect(facts).to_contain_text("the certificate states the course, your result and the date")

    page.goto(live_server + "/signup")
    countries = page.locator("select[name='country'] option").all_inner_texts()
    assert countries.index("Åland Islands") == countries.index("Afghanistan") + 1
    assert countries.index("Costa Rica") + 1 == countries.index("Côte d’Ivoire")
    assert not any("Pseudo" in name for name in countries)
    expect(page.get_by_label("Institution (optional)")).to_be_visible()

    create_user(email="amara@example.org", name="Judge Amara Okafor")
    page.goto(live_server + "/signin")
    page.get_by_label("E-mail address").fill("amara@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/courses/sample")
    page.get_by_role("button", name="Enrol in this course").click()
    page.get_by_role("button", name="Start the assessment").click()
    take_assessment(page, bank, rightly=True)

    page.goto(live_server + "/courses/sample/basics")
    page.get_by_role("link", name="Start this module: The first lesson").click()
    for _ in range(3):
        page.get_by_role("button", name=re.compile("^Mark complete")).click()
    page.get_by_role("link", name="Go to the final assessment").first.click()
    page.get_by_role("button", name="Start the assessment").click()
    answer_page(page, bank, rightly=True)  # the first page right, the rest wrong: not passed
    page.get_by_role("button", name="Save and continue").click()
    take_assessment(page, bank, rightly=False)
    expect(page.get_by_text("Not passed", exact=False).first).to_be_visible()

    weak = page.locator("ul.weak-topics")
    expect(weak.get_by_role("listitem").first).to_be_visible()  # which topics: the draw decides
    results = page.url
    lesson = weak.get_by_role("link").first
    title = lesson.inner_text()
    lesson.click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    page.goto(results)
    page.get_by_role(
        "link", name=re.compile("^Show only the .*questions you did not answer")
    ).click()
    expect(page.get_by_text(re.compile("^Only the .*are shown"))).to_be_visible()
    headings = page.get_by_role("heading", name=re.compile(r"^Question \d+$"), level=3)
    expect(headings.first).to_be_visible()
    shown = headings.count()
    page.get_by_role("link", name="Show every question").click()
    assert 0 < shown < headings.count()

    page.goto(live_server + "/dashboard")
    expect(
        page.get_by_text(re.compile(r"scored \d+%; the pass mark is 60%\. You can try again"))
    ).to_be_visible()
    page.get_by_role("link", name="See your results").click()
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()
