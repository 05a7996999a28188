"""A judge enrols, reads, answers a knowledge check, completes a lesson and picks up later."""

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page, live_server, email):
    page.goto(live_server + "/signin")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_enrol_read_check_complete_and_continue_where_left_off(live_server, page, create_user):
    create_user(email="nadia@example.org", name="Judge Nadia Haddad")
    sign_in(page, live_server, "nadia@example.org")
    expect(page.get_by_text("You are not taking a course yet.")).to_be_visible()

    page.get_by_role("link", name="Courses").first.click()
    page.get_by_role("link", name="Sample course").click()
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.get_by_role("heading", name="The first lesson", level=1)).to_be_visible()
    expect(page.get_by_text("0% complete · 0 of 3 lessons")).to_be_visible()

    # The knowledge check answers in place (JavaScript): wrong first, then right.
    check = page.locator("#check-first-check")
    check.get_by_label("The minister").check()
    check.get_by_role("button", name="Check my answer").click()
    check = page.locator("#check-first-check")
    expect(check.get_by_role("status")).to_contain_text("Not quite")
    expect(check).to_contain_text("the executive has no say")
    expect(check).not_to_contain_text("on the facts and the law alone")
    check.get_by_label("The judge").check()
    check.get_by_role("button", name="Try again").click()
    expect(page.locator("#check-first-check").get_by_role("status")).to_contain_text("right")
    assert page.url.endswith("/courses/sample/basics/first-lesson")  # no reload happened

    media: list[str] = []
    page.on("request", lambda request: media.append(request.url) if "/media/" in request.url else 0)
    page.get_by_role("button", name="Mark complete and continue").click()
    expect(page.get_by_role("heading", name="The second lesson", level=1)).to_be_visible()
    expect(page.get_by_text("33% complete · 1 of 3 lessons")).to_be_visible()
    # The lesson's figure is folded: nothing of it loads until the judge asks for it.
    page.wait_for_load_state("networkidle")
    assert media == []
    page.get_by_text("Show the figure").click()
    expect(page.get_by_role("img", name=re.compile("kept apart by a dashed line"))).to_be_visible()
    page.wait_for_function("document.querySelector('.media img').naturalWidth > 0")
    assert len(media) == 1 and "/courses/sample/media/distance.svg?v=" in media[0]

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "nadia@example.org")
    expect(page.get_by_text("33% complete · 1 of 3 lessons")).to_be_visible()
    page.get_by_role("link", name="Continue where you left off: The second lesson").click()
    expect(page.get_by_role("heading", name="The second lesson", level=1)).to_be_visible()


def test_knowledge_checks_work_without_javascript(live_server, browser, create_user):
    create_user(email="no-js@example.org")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "no-js@example.org")
        page.goto(live_server + "/courses/sample")
        page.get_by_role("button", name="Enrol in this course").click()
        page.goto(live_server + "/courses/sample/basics/second-lesson")
        check = page.locator("#check-many-check")
        check.get_by_label("A visit at home").check()
        check.get_by_label("A gift before the hearing").check()
        check.get_by_role("button", name="Check my answer").click()
        assert page.url.endswith("/courses/sample/basics/second-lesson#check-many-check")
        expect(page.locator("#check-many-check").get_by_role("status")).to_contain_text("right")
        expect(page.locator("#check-many-check")).to_contain_text("an inducement")
    finally:
        context.close()
