"""A judge works through a module of the shipped course in Arabic and in Chinese, in Chromium:
every page of it is in their language, with no English left in the text but what is marked as
English (a case's citation, the title of an official text published in English)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from elearning.catalog import read_catalog
from elearning.config import ROOT
from elearning.extensions import db
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.e2e.helpers import ARTIFACTS
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e
COURSE = read_catalog(ROOT).course("judicial-ethics")
MODULE = "integrity"
SHOTS = ARTIFACTS / "module-in-language"
# Letters of the page's own script, and Latin letters outside anything marked as another
# language (lang="en"), a name (<bdi>), a citation (<cite>, or a case's name in italics: *R v
# Sussex Justices*) or code.
READ_MAIN = """(page) => {
  const own = page === "ar" ? /[\\u0600-\\u06ff]/g : /[\\u4e00-\\u9fff]/g;
  const main = document.querySelector("main");
  let ownCount = 0, latinCount = 0; const latinRuns = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent.closest("script, style, bdi, cite, em, code, [hidden], [lang='en']")) continue;
    const text = node.textContent;
    ownCount += (text.match(own) || []).length;
    const latin = text.match(/[A-Za-z]{3,}(?:[ ,;:'’-]+[A-Za-z]{3,})*/g) || [];
    for (const run of latin) { latinCount += run.length; latinRuns.push(run); }
  }
  return {ownCount, latinCount, latinRuns};
}"""


@pytest.fixture
def app(make_app):
    return make_app(CONTENT_DIR=str(ROOT))


@pytest.mark.parametrize(
    ("language", "locale", "name"),
    [("ar", "ar-EG", "القاضية ليلى حداد"), ("zh", "zh-CN", "王伟法官")],
)
def test_a_judge_works_through_a_module_in_their_language(
    live_server, app, browser, create_user, language, locale, name
):
    email = f"module-{language}@example.org"
    create_user(email=email, name=name, preferred_language=language)
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server}/signin")  # in the browser's language already
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/courses/judicial-ethics")
    page.locator("form[action$='/enrol'] button").click()
    with app.app_context():  # the entry assessment is another test's subject
        enrolment = db.session.query(Enrolment).one()
        enrolment.pre_taken_at = utcnow()
        db.session.commit()
    module = COURSE.module(MODULE)
    page.goto(f"{live_server}/courses/judicial-ethics/{MODULE}")
    pages = [("module", page.url)]
    for lesson in module.lessons:
        page.goto(f"{live_server}/courses/judicial-ethics/{MODULE}/{lesson.slug}")
        assert page.locator("html").get_attribute("lang") == language
        # Answer the lesson's first knowledge check, then mark the lesson complete.
        check = page.locator("section.check").first
        check.locator("input[name=selected]").first.check()
        check.locator("button[type=submit]").click()
        expect(check.get_by_role("status")).to_be_visible()
        pages.append((lesson.slug, page.url))
        read = page.evaluate(READ_MAIN, language)
        page.screenshot(path=str(SHOTS / f"{language}-{lesson.slug}.png"), full_page=True)
        assert read["ownCount"] > 2000, (lesson.slug, read["ownCount"])
        # Latin letters left unmarked: none but the odd abbreviation (a point's "UNCAC").
        assert read["latinCount"] <= 20, (lesson.slug, read["latinRuns"])
        page.locator("form.completion button[type=submit]").click()
    page.goto(f"{live_server}/courses/judicial-ethics/{MODULE}")
    module_text = page.evaluate(READ_MAIN, language)
    assert module_text["latinCount"] <= 20, module_text["latinRuns"]
    expect(page.locator("li.is-done")).to_have_count(len(module.lessons))  # every lesson done
    context.close()


@pytest.fixture(autouse=True)
def _shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
