"""What the browser tests share: signing in, and answering an assessment page by page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from elearning.cohorts.room_views import POLL_SECONDS
from tests.helpers import PASSWORD

#: How long a test waits for the projector to show a new count: its script reads the counts
#: every POLL_SECONDS, so a count that changes just after a read shows one poll later; three
#: polls leave room for a loaded machine. (Playwright's default of 5 s equals one poll: a race.)
PROJECTOR_WAIT_MS = 3 * POLL_SECONDS * 1000


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/signin")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def expect_count(locator, value: str) -> None:
    """Wait until the projector's script shows ``value`` in ``locator``, without a reload."""
    expect(locator).to_have_text(value, timeout=PROJECTOR_WAIT_MS)


def wait_for_questions(page) -> None:
    """Wait until the page shows an assessment page's questions, whole: ``evaluate_all`` does
    not wait, so just after "Start" the previous page (or half of this one) would be read."""
    expect(page.locator("input[name^='q-']").first).to_be_attached()
    page.wait_for_load_state("domcontentloaded")


def next_page(page, button) -> None:
    """Click "Save and continue" and wait for the next page's address."""
    before = page.url
    button.click()
    page.wait_for_url(lambda url: url != before)
    wait_for_questions(page)


def answer_page(page, bank, rightly: bool, language: str = "en") -> None:
    """Tick the right (or one wrong) option of every question on the page, by its text (as a
    page in ``language`` shows it: true/false in that language, other options in English)."""
    wait_for_questions(page)
    names = set(page.locator("input[name^='q-']").evaluate_all("inputs => inputs.map(i => i.name)"))
    for name in names:
        question = bank.questions[name.removeprefix("q-")]
        group = page.locator("fieldset.question", has=page.locator(f"input[name='{name}']"))
        wrong = next(choice for choice in question.choices if not choice.is_correct)
        for choice in question.choices:
            if (choice.is_correct and rightly) or (choice is wrong and not rightly):
                label = re.sub("<[^>]+>", "", choice.text.get(language))
                group.get_by_label(label, exact=True).check()


def take_assessment(page, bank, rightly: bool) -> None:
    """From an attempt's first page: answer every page, review and submit."""
    while True:
        answer_page(page, bank, rightly)
        more = page.get_by_role("button", name="Save and continue")
        if more.count() == 0:
            break
        next_page(page, more)
    page.get_by_role("button", name="Save and review your answers").click()
    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.get_by_text("You have answered all")).to_be_visible()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
