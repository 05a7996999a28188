"""A judge takes the course in Arabic and in Chinese, from the home page to the certificate, in
Chromium: the interface in their language (right to left in Arabic), the lessons and questions
not yet translated shown in English with a note, and a certificate printed in their language.

Screenshots of every step are kept in test-artifacts/languages/ for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from elearning.certificates.rendering import TRANSLATIONS
from elearning.content import load_catalog
from tests.e2e.helpers import ARTIFACTS, answer_page
from tests.helpers import PASSWORD, pdf_text

pytestmark = pytest.mark.e2e
PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"
SHOTS = ARTIFACTS / "languages"

JUDGES = {
    "ar": ("ar-EG", "layla@example.org", "القاضية ليلى حداد"),
    "zh": ("zh-CN", "wei@example.org", "王伟法官"),
}


@pytest.fixture
def app(make_app, content):
    """The gated sample course (entry assessment first), as the real course is."""
    return make_app(CONTENT_DIR=str(content), BASE_URL="https://ethics.example.org")


def _words(text: str) -> str:
    """Text as a reader sees it: without the direction marks and the spacing a PDF's text
    layer adds around right-to-left runs, and without Arabic vowel marks (a text layer may
    put them before their letter)."""
    text = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u064b-\u065f\u0670]", "", text)
    return re.sub(r"\s+", "", text)


def isolated(text: str, language: str) -> str:
    """A figure as an Arabic page writes it: isolated left to right, so "60%" stays "60%"."""
    return f"\u2066{text}\u2069" if language == "ar" else text


def translator(language: str):
    """The interface's words in ``language``, from the catalog the platform serves."""
    catalog = Translations.load(str(TRANSLATIONS), [language])

    def t(message: str, **variables) -> str:
        text = catalog.ugettext(message)
        assert text != message or language == "en", f"untranslated: {message!r}"
        return text % variables if variables else text.replace("%%", "%")

    return t


def take_assessment(page, bank, t, language: str, rightly: bool) -> None:
    while True:
        answer_page(page, bank, rightly, language)  # options in English, true/false translated
        more = page.get_by_role("button", name=t("Save and continue"))
        if more.count() == 0:
            break
        more.click()
    page.get_by_role("button", name=t("Save and review your answers")).click()
    expect(page.get_by_role("heading", name=t("Review and submit"))).to_be_visible()
    page.get_by_role("button", name=t("Submit my answers")).click()
    expect(page.get_by_role("heading", name=t("Your results"))).to_be_visible()


@pytest.mark.parametrize("language", sorted(JUDGES))
def test_a_judge_takes_the_course_in_their_language(
    live_server, app, browser, create_user, language, tmp_path
):
    browser_locale, email, name = JUDGES[language]
    t = translator(language)
    bank = load_catalog(app.config["CONTENT_DIR"]).course("sample").bank
    create_user(email=email, name=name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale=browser_locale, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    step = iter(range(1, 100))

    def shot(what: str) -> None:
        page.screenshot(path=str(SHOTS / f"{language}-{next(step):02d}-{what}.png"), full_page=True)

    # The browser asks for the language: the home page answers in it, mirrored for Arabic.
    page.goto(live_server + "/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Judicial ethics, for judges, at your own pace")
    )
    brand = page.locator(".brand").bounding_box()
    nav = page.get_by_role("navigation", name=t("Main")).bounding_box()
    assert brand and nav
    if language == "ar":  # the brand starts the line: on the right, the navigation left of it
        assert brand["x"] > nav["x"] and brand["x"] + brand["width"] > 1024 * 0.6
    else:
        assert brand["x"] < nav["x"] and brand["x"] < 1024 * 0.4
    shot("home")

    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Sign in")).click()
    page.get_by_label(t("E-mail address")).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("Sign in"), exact=True).click()
    expect(page.get_by_role("button", name=t("Sign out"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    shot("dashboard")

    page.get_by_role("link", name=t("Courses")).first.click()
    page.get_by_role("link", name="Sample course").click()
    shot("course")
    page.get_by_role("button", name=t("Enrol in this course")).click()
    expect(page.get_by_role("heading", name=t("Entry assessment"), level=1)).to_be_visible()
    shot("entry-overview")
    page.get_by_role("button", name=t("Start the assessment")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Page %(number)s of %(total)s", number=1, total=2)
    )
    # The sample questions exist in English (and one in French) only: said so, and marked up
    # as English so that a screen reader reads them with the right voice.
    expect(
        page.get_by_text(
            t("This question is not yet available in your language, so it is shown in English.")
        )
    ).to_be_visible()
    expect(page.locator(".question__stem").first).to_have_attribute("lang", "en")
    shot("entry-question")
    take_assessment(page, bank, t, language, rightly=False)
    shot("entry-results")

    page.get_by_role("link", name="Sample course").first.click()
    page.get_by_role(
        "link", name=re.compile("^" + re.escape(t("Start: %(lesson)s", lesson="")))
    ).click()
    expect(
        page.get_by_text(
            t("This lesson is not yet available in your language, so it is shown in English.")
        )
    ).to_be_visible()
    expect(page.locator("article.lesson")).to_have_attribute("lang", "en")
    check = page.locator("#check-first-check")
    check.get_by_label("The judge").check()
    check.get_by_role("button", name=t("Check my answer")).click()
    expect(page.locator("#check-first-check").get_by_role("status")).to_have_text(
        re.compile(re.escape(t("That's right.")))
    )
    shot("lesson")
    for _ in range(3):
        page.get_by_role("button", name=re.compile("^" + re.escape(t("Mark complete")))).click()
    expect(page.get_by_text(t("You have completed every lesson of this course."))).to_be_visible()
    shot("lessons-done")

    page.goto(live_server + "/courses/sample/assessment/post")
    page.get_by_role("button", name=t("Start the assessment")).click()
    take_assessment(page, bank, t, language, rightly=True)
    expect(page.locator(".score-card__verdict")).to_have_text(
        t("Passed: the pass mark is %(mark)s.", mark=isolated("60%", language))
    )
    shot("final-results")

    page.goto(live_server + "/certificates")
    expect(page.locator(".certificate-card")).to_contain_text(name, timeout=20_000)
    with page.expect_download() as download:
        page.get_by_role("link", name=t("Download the PDF")).click()
    shot("my-certificates")
    pdf = SHOTS / f"{language}-certificate.pdf"
    download.value.save_as(pdf)
    subprocess.run(  # noqa: S603 - poppler on the PDF the platform served: a picture to look at
        [PDFTOPPM, "-png", "-r", "60", "-singlefile", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    text = _words(pdf_text(pdf.read_bytes()))
    # Printed in the language the judge took the course in (they set no preference).
    for label in ("Certificate of Completion", "This is to certify that", "Certificate code"):
        assert _words(t(label)) in text, (label, text)
    assert _words(name) in text
    context.close()
