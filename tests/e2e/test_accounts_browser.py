"""A judge signs up, activates the account, signs out and in, and resets a forgotten password."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_sign_up_sign_out_sign_in_and_reset_password(live_server, page, mailbox):
    email = "fatima.benali@example.org"

    page.goto(live_server + "/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill("the rule of law matters")
    page.get_by_label("Repeat the password").fill("the rule of law matters")
    page.get_by_label("Name as it must appear on your certificate").fill("Juge Fatima Benali")
    page.get_by_label("Country").select_option("MA")
    page.get_by_label("Court or institution").fill("Tribunal de première instance de Rabat")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    page.goto(live_server + mailbox.last_link(email))
    page.get_by_role("button", name="Activate my account").click()
    expect(page.get_by_role("heading", name="Welcome, Juge Fatima Benali")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("a wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The e-mail address or the password")

    page.get_by_label("Password").fill("the rule of law matters")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Juge Fatima Benali")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    page.goto(live_server + mailbox.last_link(email))
    page.get_by_label("New password").fill("integrity above all else")
    page.get_by_label("Repeat the password").fill("integrity above all else")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()

    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("integrity above all else")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Juge Fatima Benali")).to_be_visible()


def test_keyboard_user_can_skip_to_content_and_sees_focus(live_server, page):
    page.goto(live_server + "/signin")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_errors_are_announced_and_tied_to_their_fields(live_server, page):
    page.goto(live_server + "/signup")
    page.get_by_label("E-mail address").fill("not-an-email")
    page.get_by_role("button", name="Create my account").click()
    email = page.get_by_label("E-mail address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("Enter an e-mail address like name@example.org.")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
