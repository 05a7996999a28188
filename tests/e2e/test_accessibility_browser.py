"""Accessibility (WCAG 2.1 AA) of every page type, for each role, in English and in Arabic.

One browser context per role and language signs in and visits its pages, on the real course and
the demo data (``elearning demo``: a cohort of 40 judges at every stage) plus a learner who has
done the whole course and a judge in the middle of the entry assessment. On each page axe-core
runs and the page's structure is read (its headings, ``<html lang dir>``, the names of its form
fields, its ids); on some, Tab walks through the page and the look of each focused element is
read. The tests below assert on what the tours collected; further tests submit the sign-up and
sign-in forms with bad input and compare the report's charts with their tables.

axe-core comes from npm (``npm ci`` at the repository root); without it the tests fail.
"""

from __future__ import annotations

import base64
import html
import random
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from elearning import create_app
from elearning.accounts import services as accounts
from elearning.accounts.models import TokenPurpose
from elearning.assessments import services as assessments
from elearning.catalog import get_catalog
from elearning.certificates import adapters
from elearning.certificates import changes as certificates
from elearning.cli import main as cli_main
from elearning.cohorts.models import Cohort
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.sqltypes import utcnow
from tests.helpers import PASSWORD, base_config, empty_tables

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA; and axe's best practices, which hold the landmark rules
# (content inside landmarks, one main, landmarks told apart) and ARIA roles allowed per element.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
LANGUAGES = {"en": ("en-GB", "ltr"), "ar": ("ar", "rtl")}
COURSE = "judicial-ethics"

LEARNER = "learner@demo.example.org"  # has done the whole course: certificate, name correction
TRAINER = "trainer@demo.example.org"
ADMIN = "admin@demo.example.org"
IN_PROGRESS = "judge36@demo.example.org"  # a demo judge who had not started: entry test open
INVITED = "judge37@demo.example.org"  # a demo judge with no password yet: an invitation link


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing ({AXE}): run `npm ci` at the repository root "
            "(package.json lists it) before the browser tests."
        )
    return AXE.read_text(encoding="utf-8")


# --- the site: real content, demo data, served once for the whole module ----------------------


@dataclass
class Site:
    """The served app and what the tours need to know about its data."""

    base: str
    cohort_id: int
    join_code: str
    certificate_id: int
    certificate_code: str
    learner_id: int
    attempts: dict[str, int]  # "pre", "post" (the learner's), "open" (the judge in progress)
    case_page: int  # a page of the open attempt that shows a case study
    lessons: list[str]  # two lessons with a knowledge check: one per language's tour
    module: str
    manual_page: str
    tokens: dict[str, str]  # "reset", "activate", "invitation"


def seed(app: Flask, base: str) -> Site:
    """The demo data; the demo learner through the whole course; a judge in the entry test."""
    result = CliRunner().invoke(cli_main, ["demo"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    with app.test_request_context(base_url=base):  # the certificate's QR code needs an address
        session = db.session
        course = get_catalog().course(COURSE)
        now = utcnow()
        rng = random.Random(11)  # noqa: S311 (test data)
        cohort = session.scalar(select(Cohort))

        learner = accounts.find_user_by_email(session, LEARNER)
        enrolment = learning.enrol(session, learner.id, course)
        take_assessment(session, course, enrolment.id, "pre", 0.5, rng, now - timedelta(days=9))
        for lesson in course.lessons:
            learning.mark_complete(session, enrolment, lesson, course.content_version)
        take_assessment(session, course, enrolment.id, "post", 1.0, rng, now - timedelta(days=1))
        session.commit()
        certificate = adapters.fulfil(enrolment.id)
        assert certificate is not None
        certificates.request_name_correction(
            session, certificate, name="Hon. Justice Amina Yusuf", note="My title.", now=now
        )
        attempts = {a.kind: a.id for a in assessments.attempts_of(session, enrolment.id)}

        judge = accounts.find_user_by_email(session, IN_PROGRESS)
        accounts.set_password(session, judge, PASSWORD)
        judge_enrolment = learning.find_enrolment(session, judge.id, course.slug)
        current = assessments.standing(session, course, judge_enrolment.id, False, now)
        attempt = assessments.start_attempt(
            session, course, judge_enrolment.id, "pre", current, now
        )
        order = assessments.entry_order(assessments.responses_of(session, attempt.id))
        for position in (0, 1):  # two pages answered, the rest not
            questions = course.bank.entries[order[position]].questions
            answers = {q.id: frozenset({q.choices[0].key}) for q in questions}
            assessments.save_answers(session, course, attempt, position, answers, now)
        attempts["open"] = attempt.id

        newcomer = accounts.create_user(
            session,
            email="new.judge@example.org",
            password=PASSWORD,
            profile=accounts.Profile("Judge Lina Haddad", "JO", "Court of First Instance", "Judge"),
            is_confirmed=False,
        )
        invited = accounts.find_user_by_email(session, INVITED)
        tokens = {
            "reset": accounts.issue_token(session, learner, TokenPurpose.reset_password, 3600),
            "activate": accounts.issue_token(session, newcomer, TokenPurpose.confirm_email, 3600),
            "invitation": accounts.issue_token(session, invited, TokenPurpose.invitation, 3600),
        }
        session.commit()
        with_checks = [lesson for lesson in course.lessons if lesson.checks]
        return Site(
            base=base,
            cohort_id=cohort.id,
            join_code=cohort.join_code,
            certificate_id=certificate.id,
            certificate_code=certificate.code,
            learner_id=learner.id,
            attempts=attempts,
            case_page=next(
                n for n, entry in enumerate(order, 1) if course.bank.entries[entry].parts
            ),
            lessons=[f"{COURSE}/{x.module_slug}/{x.slug}" for x in with_checks[:2]],
            module=course.modules[1].slug,
            manual_page=course.trainer_pages[2].slug,
            tokens=tokens,
        )


@pytest.fixture(scope="module")
def site(database_url, _schema, tmp_path_factory) -> Iterator[Site]:
    """The app on the real course, seeded once for this module and served over HTTP; the
    tables are emptied afterwards, as after any test."""
    tmp = tmp_path_factory.mktemp("a11y")
    app = create_app(
        {**base_config(database_url, tmp), "CONTENT_DIR": str(ROOT), "DEMO_PASSWORD": PASSWORD}
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seed(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        empty_tables(app)
        with app.app_context():
            db.engine.dispose()


def new_page(browser: Browser, language: str) -> Page:
    context = browser.new_context(
        viewport={"width": 1024, "height": 800}, locale=LANGUAGES[language][0]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


# --- what is read on every page -----------------------------------------------------------------

# axe-core (injected once per document: evaluate() is not subject to the site's CSP), then what
# the plain checks need, in the same call. Form fields are the controls a person fills in or
# operates: not hidden inputs, not buttons. A field's name is computed as a screen reader does:
# aria-labelledby, aria-label, its <label>s, then title.
READ_PAGE = """async ({tags}) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations", "incomplete"],
  });
  const text = (el) => (el ? el.textContent : "").replace(/\\s+/g, " ").trim();
  const unnamed = [];
  const fields = "input:not([type=hidden]):not([type=submit]):not([type=button])"
    + ":not([type=reset]):not([type=image]), select, textarea";
  for (const el of document.querySelectorAll(fields)) {
    let name = "";
    const by = el.getAttribute("aria-labelledby");
    if (by) name = by.split(/\\s+/).map((id) => text(document.getElementById(id))).join(" ").trim();
    if (!name) name = (el.getAttribute("aria-label") || "").trim();
    if (!name && el.labels) name = Array.from(el.labels).map(text).join(" ").trim();
    if (!name) name = (el.getAttribute("title") || "").trim();
    if (!name) unnamed.push(el.outerHTML.slice(0, 160));
  }
  // Ids that matter: those a label, ARIA or a link could point at. A form's hidden inputs (each
  // form's CSRF token is id="csrf_token") are never shown, named or pointed at.
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]:not(input[type=hidden])")) {
    seen.set(el.id, (seen.get(el.id) || 0) + 1);
  }
  const finding = (rule) => rule.nodes.map((node) => ({
    rule: rule.id, impact: rule.impact || "", help: rule.help,
    target: node.target.map((t) => Array.isArray(t) ? t.join(" > ") : t).join(" "),
    html: node.html.slice(0, 160),
    why: [...node.any, ...node.all, ...node.none].map((c) => c.message).join(" "),
  }));
  // Runs of five words or more in Latin letters whose nearest lang is the page's (language of
  // parts: in an Arabic page, English must be marked as such). User data (names, courts) is
  // in <bdi>, of no known language; codes and addresses are not words.
  const latin = [];
  const pageLang = document.documentElement.lang;
  if (pageLang !== "en") {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent.closest("script, style, bdi, code, [hidden], option, textarea")) continue;
      const run = node.textContent.match(/[A-Za-z][a-z'’-]+(?:[ ,:;]+[A-Za-z][a-z'’-]*){4,}/);
      if (!run) continue;
      const marked = parent.closest("[lang]");
      if (marked && marked.lang === pageLang) latin.push(run[0].slice(0, 80));
    }
  }
  return {
    latin,
    violations: results.violations.flatMap(finding),
    incomplete: results.incomplete.flatMap(finding),
    h1: document.querySelectorAll("h1").length,
    lang: document.documentElement.getAttribute("lang"),
    dir: document.documentElement.getAttribute("dir"),
    unnamed,
    duplicateIds: [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} (${n} times)`),
  };
}"""

# The focused element and whether its focus indicator shows: an outline, or a box-shadow.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    element: el.outerHTML.slice(0, 120),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: !!style.boxShadow && style.boxShadow !== "none",
  };
}"""


@dataclass
class Visit:
    """One page as a role saw it in a language."""

    role: str
    language: str
    page: str
    url: str
    h1: int
    lang: str | None
    dir: str | None
    unnamed_fields: list[str]
    duplicate_ids: list[str]
    violations: list[dict]
    incomplete: list[dict]
    unmarked_english: list[str]
    focus_stops: list[dict] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"[{self.role}/{self.language}] {self.page} ({self.url})"


class Tour:
    """A browser context of one role in one language: visits pages and reads each one."""

    def __init__(self, page: Page, site: Site, role: str, language: str, axe: str) -> None:
        self.page, self.site, self.role, self.language, self.axe = page, site, role, language, axe
        self.visits: list[Visit] = []

    def go(self, path: str) -> None:
        self.page.goto(self.site.base + path)

    def check(self, name: str) -> None:
        """Run axe-core and read the structure of the page now shown, as ``name``."""
        page = self.page
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.axe)
        read = page.evaluate(READ_PAGE, {"tags": AXE_TAGS})
        self.visits.append(
            Visit(
                role=self.role,
                language=self.language,
                page=name,
                url=page.url.removeprefix(self.site.base),
                h1=read["h1"],
                lang=read["lang"],
                dir=read["dir"],
                unnamed_fields=read["unnamed"],
                duplicate_ids=read["duplicateIds"],
                violations=read["violations"],
                unmarked_english=read["latin"],
                incomplete=read["incomplete"],
            )
        )

    def visit(self, name: str, path: str, tabs: int = 0) -> None:
        self.go(path)
        self.check(name)
        if tabs:
            self.walk_with_tab(tabs)

    def walk_with_tab(self, stops: int, into_main: bool = True) -> None:
        """Tab from the top of the page: the skip link first; then ``stops`` more Tabs, through
        the main content (the skip link followed, with Enter) or through the header."""
        page, found = self.page, self.visits[-1].focus_stops
        page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
        page.keyboard.press("Tab")
        found.append(page.evaluate(FOCUS))
        if into_main:
            page.keyboard.press("Enter")
        for _ in range(stops):
            page.keyboard.press("Tab")
            found.append(page.evaluate(FOCUS))

    def sign_in(self, email: str) -> None:
        """Through the real form (its labels are in the page's language: fields by name), then
        the tour's language with the header's switcher: it becomes the user's preference."""
        self.go("/signin")
        form = self.page.locator("main form")
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("button[type=submit]").click()
        expect(self.page).to_have_url(re.compile(r"/dashboard$"))
        self.choose_language()

    def choose_language(self) -> None:
        self.page.locator(f"button[name=language][value={self.language}]").click()
        expect(self.page.locator("html")).to_have_attribute("lang", self.language)

    def sign_out(self) -> None:
        self.page.locator("form[action$='/signout'] button").click()
        expect(self.page.locator("form[action$='/signout']")).to_have_count(0)


# --- the tours ----------------------------------------------------------------------------------


def visitor_tour(tour: Tour) -> None:
    s = tour.site
    tour.go("/")
    tour.choose_language()  # the browser's language already gives it; the switcher says so
    tour.check("home")
    tour.walk_with_tab(16, into_main=False)  # the header: languages, brand, navigation
    tour.visit("sign in", "/signin")
    tour.visit("sign up", "/signup", tabs=10)
    tour.visit("forgotten password", "/password/forgot")
    tour.page.locator("main form input[name=email]").fill("someone@example.org")
    tour.page.locator("main form button[type=submit]").click()
    tour.check("check your inbox")
    tour.visit("link invalid (password reset)", "/password/reset/not-a-real-token")
    tour.visit("choose a new password", f"/password/reset/{s.tokens['reset']}")
    tour.visit("activate the account", f"/activate/{s.tokens['activate']}")
    tour.visit("accept an invitation", f"/invitation/{s.tokens['invitation']}")
    tour.visit("course catalog", "/courses/")
    tour.visit("course page", f"/courses/{COURSE}")
    tour.visit("certificate check form", "/verify")
    tour.visit("certificate verified: valid", f"/verify/{s.certificate_code}")
    tour.visit("certificate verified: not found", "/verify/ZZZZ-ZZZZ-ZZZZ")
    tour.visit("offline certificate verifier", "/verify/offline")
    tour.visit("page not found (404)", "/no/such/page")
    tour.visit("join form", "/join")
    tour.visit("join a cohort by its link", f"/join/{s.join_code}")
    tour.visit("join code refused", "/join/XXXXXXXX")


def judge_tour(tour: Tour) -> None:
    s = tour.site
    attempt = f"/courses/{COURSE}/assessment/attempts/{s.attempts['open']}"
    tour.sign_in(IN_PROGRESS)
    tour.check("dashboard (entry assessment to take)")
    tour.visit("course page (in progress)", f"/courses/{COURSE}")
    tour.visit("lesson before the entry assessment", f"/courses/{s.lessons[0]}")
    tour.visit("entry assessment overview (in progress)", f"/courses/{COURSE}/assessment/pre")
    tour.visit("assessment question page", f"{attempt}/1", tabs=8)
    tour.visit("assessment case study page", f"{attempt}/{s.case_page}")
    tour.visit("assessment review page", f"{attempt}/review")
    tour.visit("workshop agenda (a judge of the cohort)", f"/cohorts/{s.cohort_id}/agenda")
    tour.sign_out()

    tour.sign_in(LEARNER)
    tour.check("dashboard (course completed)")
    tour.visit("course catalog (enrolled)", "/courses/")
    tour.visit("course page (completed)", f"/courses/{COURSE}")
    tour.visit("module page", f"/courses/{COURSE}/{s.module}")
    lesson = s.lessons[list(LANGUAGES).index(tour.language)]  # one not answered yet
    tour.visit("lesson, knowledge check not answered", f"/courses/{lesson}", tabs=8)
    check = tour.page.locator("section.check").first
    check.locator("input[name=selected]").first.check()
    check.locator("button[type=submit]").click()
    expect(tour.page.locator(".check__verdict").first).to_be_focused()
    tour.check("lesson, knowledge check answered")
    tour.visit("entry assessment overview (taken)", f"/courses/{COURSE}/assessment/pre")
    results = f"/courses/{COURSE}/assessment/attempts/{{}}/results"
    tour.visit("entry assessment results", results.format(s.attempts["pre"]))
    tour.visit("final assessment overview (passed)", f"/courses/{COURSE}/assessment/post")
    tour.visit("final assessment results", results.format(s.attempts["post"]))
    tour.visit("my certificates", "/certificates")
    tour.visit("my transcript", "/certificates/transcript")
    tour.visit("name correction form", f"/certificates/{s.certificate_id}/name")
    tour.visit("profile", "/account/profile", tabs=8)
    tour.visit("change password", "/account/password")
    tour.visit("join a cohort", "/join")
    tour.visit("join a cohort by its link (a member)", f"/join/{s.join_code}")
    tour.visit("printable course", f"/courses/{COURSE}/print")


def trainer_tour(tour: Tour) -> None:
    s = tour.site
    cohort = f"/cohorts/{s.cohort_id}"
    tour.sign_in(TRAINER)
    tour.check("dashboard (trainer)")
    tour.visit("cohorts", "/cohorts/")
    tour.visit("new cohort form", "/cohorts/new")
    tour.page.locator("main form button[type=submit]").click()
    tour.check("new cohort form with errors")
    tour.visit("cohort", cohort, tabs=12)
    tour.visit("edit cohort form", f"{cohort}/edit")
    tour.visit("roster", f"{cohort}/roster")
    tour.visit("roster, those who have not passed yet", f"{cohort}/roster?status=not-passed")
    record = tour.page.locator("table.roster tbody td a").first.get_attribute("href")
    tour.visit("a judge's record", record)
    answers = tour.page.locator("main a[href*='/attempts/']").last.get_attribute("href")
    tour.visit("a judge's answers", answers)
    tour.visit("removing a judge: the question first", f"{record}/remove")
    tour.visit("certificate ceremony: the notice, asked first", f"{cohort}/ceremony/notice")
    tour.visit("sessions", f"{cohort}/sessions")
    sheet = tour.page.locator("main a[href$='/attendance']").first.get_attribute("href")
    tour.visit("taking attendance at a session", sheet)
    tour.visit("paper answer sheets", f"{cohort}/paper")
    choose = tour.page.locator(f"form[action$='{cohort}/paper']")
    choose.locator("select").select_option(label="Judge Kofi Boateng")  # has not started
    choose.locator("button[type=submit]").click()
    tour.check("typing in a paper sheet")
    tour.visit("report", f"{cohort}/report")
    tour.visit("reaction evaluation results", f"{cohort}/evaluation/results")
    tour.visit("projector view", f"{cohort}/room/pre/projector")
    files = {
        "with errors": "name,email\nJudge Without Address,\n,nobody-at-example.org\n",
        "valid": "name,email,country,institution\n"
        "Judge Lina Haddad,lina.haddad@example.org,JO,Court of First Instance\n"
        "Hon. Adaeze Okonkwo,judge01@demo.example.org,NG,Federal High Court\n",
    }
    for name, text in files.items():
        tour.go(cohort)
        upload = tour.page.locator(f"form[action$='{cohort}/upload']")
        upload.locator("input[type=file]").set_input_files(
            files={"name": "participants.csv", "mimeType": "text/csv", "buffer": text.encode()}
        )
        upload.locator("button[type=submit]").click()
        expect(tour.page.locator("main table")).not_to_have_count(0)
        tour.check(f"participants file preview ({name})")
    tour.visit("trainers' manual", f"/trainers/{COURSE}/")
    tour.visit("trainers' manual page", f"/trainers/{COURSE}/{s.manual_page}")
    tour.visit("lesson, not enrolled", f"/courses/{s.lessons[0]}")


def admin_tour(tour: Tour) -> None:
    s = tour.site
    tour.sign_in(ADMIN)
    tour.check("dashboard (admin)")
    tour.visit("users", "/admin/users", tabs=8)
    tour.visit("users, searched", "/admin/users?q=judge&role=learner")
    tour.visit("a user", f"/admin/users/{s.learner_id}")
    tour.visit("audit log", "/admin/audit")
    tour.visit("figures", "/admin/figures")
    tour.visit("certificates", "/admin/certificates")
    tour.visit("a certificate", f"/admin/certificates/{s.certificate_id}")
    revoke = tour.page.locator("form[action$='/revoke']")
    revoke.locator("textarea").fill("Issued in error.")
    revoke.locator("button[type=submit]").click()
    tour.check("revoking a certificate: the question first")
    tour.visit("certificates awaiting approval", "/admin/certificates/requests")
    tour.visit("name corrections", "/admin/certificates/corrections")


TOURS: dict[str, Callable[[Tour], None]] = {
    "visitor": visitor_tour,
    "judge": judge_tour,
    "trainer": trainer_tour,
    "admin": admin_tour,
}


@pytest.fixture(scope="module")
def visits(site, browser) -> list[Visit]:
    """Every role's tour in every language, each in a browser context of its own."""
    axe = axe_source()
    found: list[Visit] = []
    for language in LANGUAGES:
        for role, run in TOURS.items():
            page = new_page(browser, language)
            try:
                tour = Tour(page, site, role, language, axe)
                run(tour)
                found.extend(tour.visits)
            finally:
                page.context.close()
    return found


# --- what every page must be --------------------------------------------------------------------

# axe's "needs review" results count as violations too, but for colour contrast: axe says so
# whenever it cannot compute the colours (a symbol, text over another element), which a
# person checks on the page instead. Every other rule of the tags runs, none is turned off.
REVIEWED_BY_EYE = {"color-contrast"}


def test_axe_core_finds_no_violation_on_any_page(visits):
    found = [(visit, "violation", finding) for visit in visits for finding in visit.violations] + [
        (visit, "needs review", finding)
        for visit in visits
        for finding in visit.incomplete
        if finding["rule"] not in REVIEWED_BY_EYE
    ]
    by_rule: dict[str, int] = {}
    for _visit, _kind, finding in found:
        by_rule[finding["rule"]] = by_rule.get(finding["rule"], 0) + 1
    assert not found, (
        f"axe-core ({', '.join(AXE_TAGS)}): {len(found)} finding(s) on {len(visits)} pages; "
        f"by rule: {by_rule}\n"
        + "\n".join(
            f"{visit.where}: {f['rule']} ({f['impact']}, {kind}) at {f['target']}: {f['help']}."
            f" {f['why']} {f['html']}"
            for visit, kind, f in found
        )
    )


def test_every_page_has_exactly_one_h1(visits):
    wrong = [f"{v.where}: {v.h1} <h1>" for v in visits if v.h1 != 1]
    assert not wrong, "\n".join(wrong)


def test_every_page_states_its_language_and_direction(visits):
    wrong = [
        f"{v.where}: <html lang={v.lang!r} dir={v.dir!r}>"
        for v in visits
        if (v.lang, v.dir) != (v.language, LANGUAGES[v.language][1])
    ]
    assert not wrong, "\n".join(wrong)


def test_english_in_an_arabic_page_is_marked_as_english(visits):
    """Content the course has in English only (a title, a question) is shown in English, marked
    lang="en": a screen reader then reads it with an English voice (WCAG 3.1.2)."""
    wrong = [f"{v.where}: {text!r}" for v in visits for text in v.unmarked_english]
    assert not wrong, "\n".join(wrong)


def test_every_form_field_has_an_accessible_name(visits):
    wrong = [f"{v.where}: {html}" for v in visits for html in v.unnamed_fields]
    assert not wrong, "no label, aria-label or aria-labelledby:\n" + "\n".join(wrong)


def test_ids_are_unique_on_every_page(visits):
    wrong = [f"{v.where}: id {dup}" for v in visits for dup in v.duplicate_ids]
    assert not wrong, "\n".join(wrong)


def test_focus_is_visible_on_every_element_tab_reaches(visits):
    walked = [v for v in visits if v.focus_stops]
    assert len(walked) >= 2 * 7, [v.where for v in walked]
    wrong = []
    for v in walked:
        stops = [stop for stop in v.focus_stops if stop is not None]  # None: past the last one
        assert len(stops) >= 6, f"{v.where}: Tab reached only {stops}"
        wrong += [f"{v.where}: {s['element']}" for s in stops if not (s["outline"] or s["shadow"])]
    assert not wrong, "focused, but no outline or box-shadow:\n" + "\n".join(wrong)


def test_the_tours_cover_every_page_type_in_both_languages(visits):
    """A tour that stopped early, or a page left out in one language, fails here."""
    pages: dict[tuple[str, str], list[str]] = {}
    for v in visits:
        pages.setdefault((v.role, v.language), []).append(v.page)
    assert set(pages) == {(role, language) for role in TOURS for language in LANGUAGES}
    for role in TOURS:
        assert pages[(role, "en")] == pages[(role, "ar")], role
    assert {role: len(pages[(role, "en")]) for role in TOURS} == {
        "visitor": 19,
        "judge": 26,
        "trainer": 24,
        "admin": 11,
    }


# --- forms with bad input: each message tied to its field ---------------------------------------


def assert_tied_to_message(page: Page, selector: str, message_id: str | None = None) -> str:
    """The field says it is invalid and is described by an error message on the page (its own
    or ``message_id``); returns the message's text."""
    field_ = page.locator(selector)
    expect(field_).to_have_attribute("aria-invalid", "true")
    described = (field_.get_attribute("aria-describedby") or "").split()
    errors = [i for i in described if i == message_id or i.endswith("-error")]
    assert errors, f"{selector}: aria-describedby={described} names no error message"
    texts = []
    for error_id in errors:
        message = page.locator(f"#{error_id}")
        expect(message).to_be_visible()
        texts.append(message.inner_text().strip())
    assert all(texts), f"{selector}: an empty error message"
    return " ".join(texts)


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_up_and_sign_in_tie_each_error_to_its_field(site, browser, language):
    page = new_page(browser, language)
    try:
        form = page.locator("main form")
        page.goto(site.base + "/signup")
        form.locator("[name=email]").fill("not an address")
        form.locator("[name=password]").fill("short")
        form.locator("[name=confirm]").fill("different")
        form.locator("button[type=submit]").click()
        expect(page.locator("#form-errors")).to_be_visible()
        for name in ("email", "password", "confirm", "certificate_name"):
            assert_tied_to_message(page, f"main form [name={name}]")
        valid = form.locator("[name=institution]")  # optional, and left empty: not invalid
        assert valid.get_attribute("aria-invalid") is None

        page.goto(site.base + "/signin")
        form.locator("button[type=submit]").click()  # nothing typed
        for name in ("email", "password"):
            assert_tied_to_message(page, f"main form [name={name}]")

        form.locator("[name=email]").fill(LEARNER)
        form.locator("[name=password]").fill("not the password")
        form.locator("button[type=submit]").click()
        expect(page.locator("#form-errors")).to_be_visible()
        refusal = page.locator("#form-errors").inner_text().strip()
        for name in ("email", "password"):
            assert assert_tied_to_message(page, f"main form [name={name}]", "form-errors") == (
                refusal
            )
    finally:
        page.context.close()


# --- the report's charts: the same figures in a table beside each ------------------------------


def first_number(text: str) -> float | None:
    found = re.search(r"\d+(?:\.\d+)?", text)
    return float(found.group(0)) if found else None


def chart_bars(img) -> dict[tuple[int, str], float]:
    """The chart's bars, read from its SVG: {(series, label on the axis): value}."""
    src = img.get_attribute("src")
    assert src.startswith("data:image/svg+xml;base64,"), src[:40]
    svg = base64.b64decode(src.split(",", 1)[1]).decode()
    bars: dict[tuple[int, str], float] = {}
    series = -1
    for found in re.finditer(
        r'class="series serie-(\d+)|<desc class="value">([^<]*)</desc>'
        r'(?:<desc class="[xy] centered">[^<]*</desc>)*<desc class="x_label">([^<]*)</desc>',
        svg,
    ):
        if found.group(1) is not None:
            series = int(found.group(1))
        else:  # pygal repeats the series for its overlays: the first bars are the drawn ones
            bars.setdefault((series, html.unescape(found.group(3))), float(found.group(2)))
    return bars


def axis_label(label: str, limit: int = 34) -> str:
    """A label as the chart's axis writes it (long topic names are shortened)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def test_each_chart_of_the_report_has_a_table_with_its_figures(site, browser):
    page = new_page(browser, "en")
    try:
        Tour(page, site, "trainer", "en", "").sign_in(TRAINER)
        page.goto(f"{site.base}/cohorts/{site.cohort_id}/report")
        charts = page.locator("main figure.chart")
        expect(charts).to_have_count(2)
        for chart in charts.all():
            img = chart.get_by_role("img")
            assert (img.get_attribute("alt") or "").strip(), "a chart without a text alternative"
            # The table comes right after the chart, with a caption and a header for each row.
            table = chart.locator("xpath=following-sibling::*[1][@class='table-wrap']/table")
            expect(table).to_have_count(1)
            assert table.locator("caption").inner_text().strip()
            rows = table.locator("tbody tr").all()
            assert rows and all(row.locator("th[scope=row]").count() == 1 for row in rows)
            # The table's entry and final columns are the chart's two series, bar for bar (a
            # missing figure is a dash in the table and no bar in the chart).
            tabled = {}
            for row in rows:
                label = axis_label(row.locator("th").inner_text().strip())
                for series in (0, 1):
                    value = first_number(row.locator("td").nth(series).inner_text())
                    if value is not None:
                        tabled[(series, label)] = value
            drawn = chart_bars(img)
            assert set(drawn) == set(tabled), (sorted(drawn), sorted(tabled))
            assert drawn == pytest.approx(tabled, abs=0.051), (drawn, tabled)
    finally:
        page.context.close()
