"""A whole workshop day in the room, as the trainer and ten judges live it: the trainer opens
the entry assessment and puts the projector on; eight judges take it on their phones, two on
paper that the trainer types back in; the projector counts them and then shows the anonymous
distribution; the final closes the day the same way; the print shop's PDF holds the certificates
of the judges who passed, and only theirs; the reaction evaluation shows its aggregates once five
judges have answered. In Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.models import Enrolment
from tests.e2e.helpers import expect_count, sign_in, take_assessment
from tests.helpers import pdf_text

pytestmark = pytest.mark.e2e

TRAINER = "trainer@example.org"
#: Ten judges: the first eight answer on their phones, the last two on paper.
JUDGES = (
    "Amina Yusuf", "Kofi Mensah", "Ana Ruiz", "Irina Volkova", "Omar Haddad",
    "Lucia Ferreira", "Tomas Novak", "Grace Otieno", "Hamid Karimi", "Sofia Lindqvist",
)  # fmt: skip
ON_PAPER = JUDGES[8:]
#: Who answers rightly: at the entry three judges (one on paper), at the final seven (one on
#: paper); everyone else answers wrongly.
RIGHT_AT_ENTRY = {"Amina Yusuf", "Kofi Mensah", "Hamid Karimi"}
RIGHT_AT_FINAL = {*JUDGES[:6], "Hamid Karimi"}


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.org"


@pytest.fixture
def cohort_id(app, create_user) -> int:
    """A workshop in a room: ten judges who have done the lessons, no assessment yet."""
    trainer = create_user(email=TRAINER, role=Role.trainer, name="Trainer Tessa")
    judges = [create_user(email=_email(name), name=name) for name in JUDGES]
    with app.app_context():
        course = get_catalog().course("sample")
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Quetta workshop", trainer_opens_assessments=True),
            creator=db.session.get(User, trainer.id),
        )
        for judge in judges:
            member, _ = cohorts.join_cohort(
                db.session, db.session.get(Cohort, cohort.id), judge.id, course, via="code"
            )
            enrolment = db.session.get(Enrolment, member.enrolment_id)
            for lesson in course.lessons:
                learning.mark_complete(db.session, enrolment, lesson, course.content_version)
        db.session.commit()
        return cohort.id


def _on_a_phone(browser, base: str, name: str):
    phone = browser.new_context(viewport={"width": 400, "height": 800}, locale="en-GB")
    page = phone.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, _email(name))
    return page


def _take_online(browser, base: str, bank, name: str, kind: str, rightly: bool) -> None:
    page = _on_a_phone(browser, base, name)
    page.goto(f"{base}/courses/sample/assessment/{kind}")
    page.get_by_role("button", name="Start the assessment").click()
    take_assessment(page, bank, rightly)
    page.context.close()


def _type_in(page, base: str, cohort_id: int, bank, name: str, kind: str, rightly: bool) -> None:
    """The trainer types a judge's paper sheet in, box by box as the judge ticked it."""
    page.goto(f"{base}/cohorts/{cohort_id}/paper")
    page.get_by_label("Judge").select_option(label=name)
    page.get_by_label("Entry assessment" if kind == "pre" else "Final assessment").check()
    page.get_by_role("button", name="Open the sheet", exact=True).click()
    expect(page.get_by_role("heading", name="Type in a paper sheet")).to_be_visible()
    questions = page.locator("fieldset.paper-entry__question")
    for index in range(questions.count()):
        group = questions.nth(index)
        field = group.locator("input").first.get_attribute("name")
        question = bank.questions[field.removeprefix("q-")]
        wrong = next(choice for choice in question.choices if not choice.is_correct)
        for choice in question.choices:
            if (choice.is_correct and rightly) or (choice is wrong and not rightly):
                label = re.sub("<[^>]+>", "", choice.text.get("en"))
                ticked = re.compile(rf"^\s*[A-J]\s*:\s*{re.escape(label)}\s*$")
                group.locator("label").filter(has_text=ticked).locator("input").check()
    page.get_by_role("button", name="Save the sheet").click()
    expect(page.locator(".flashes")).to_contain_text(f"The sheet of {name} is entered")


def _run_in_the_room(browser, projector, desk, base, cohort_id, bank, kind, right) -> None:
    """Open the assessment, let the room answer, watch the count, close it."""
    label = "entry" if kind == "pre" else "final"
    projector.goto(f"{base}/cohorts/{cohort_id}")
    projector.get_by_role("button", name=f"Open the {label} assessment").click()
    submitted = projector.locator("[data-count=submitted]")
    expect(submitted).to_have_text("0")
    for name in JUDGES[:8]:
        _take_online(browser, base, bank, name, kind, rightly=name in right)
    expect_count(submitted, "8")
    for name in ON_PAPER:
        _type_in(desk, base, cohort_id, bank, name, kind, rightly=name in right)
    expect_count(submitted, "10")
    projector.get_by_role("button", name="Close the assessment").click()
    expect(projector.get_by_text("Closed at")).to_be_visible()


def test_a_workshop_day_from_the_entry_assessment_to_the_ceremony(
    app, live_server, browser, page, cohort_id, tmp_path: Path
):
    with app.app_context():
        bank = get_catalog().course("sample").bank
    sign_in(page, live_server, TRAINER)
    desk = page.context.new_page()  # the trainer's second tab, for typing sheets in

    # Morning: before the trainer opens it, a judge cannot start the entry assessment.
    early = _on_a_phone(browser, live_server, JUDGES[0])
    early.goto(f"{live_server}/courses/sample/assessment/pre")
    expect(early.get_by_text("Your trainer opens this assessment in the room.")).to_be_visible()
    early.context.close()

    _run_in_the_room(browser, page, desk, live_server, cohort_id, bank, "pre", RIGHT_AT_ENTRY)
    # Three of ten answered rightly: 30 %, three judges in the top band; no name on the screen.
    expect(page.get_by_text("10 judges submitted; the mean score is 30%.")).to_be_visible()
    expect(page.get_by_role("img", name="How many judges scored")).to_be_visible()
    expect(page.locator("table.projector__bands td").last).to_have_text("3")
    for name in JUDGES:
        expect(page.get_by_text(name)).to_have_count(0)

    # The roster marks the two sheets typed in as answered on paper.
    desk.goto(f"{live_server}/cohorts/{cohort_id}/roster")
    for name in ON_PAPER:
        expect(desk.get_by_role("row").filter(has_text=name)).to_contain_text("on paper")

    # Afternoon: the final, in the same way; seven judges pass.
    _run_in_the_room(browser, page, desk, live_server, cohort_id, bank, "post", RIGHT_AT_FINAL)
    expect(page.get_by_text("10 judges submitted; the mean score is 70%.")).to_be_visible()

    # The ceremony: the print shop's PDF holds the seven certificates, one a page, by family
    # name, and no certificate of a judge who did not pass.
    desk.goto(f"{live_server}/cohorts/{cohort_id}/roster")
    ceremony = desk.get_by_role("region", name="Certificate ceremony")
    ceremony.get_by_label("Order").select_option("name")
    with desk.expect_download() as info:
        ceremony.get_by_role("button", name="All the certificates in one PDF for printing").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    pages = [text for text in pdf_text(target.read_bytes()).split("\f") if text.strip()]
    passed = sorted(RIGHT_AT_FINAL, key=lambda name: name.split()[-1])
    assert len(pages) == len(passed) == 7
    for text, name in zip(pages, passed, strict=True):
        assert name in text, (name, text[:200])
    assert not any(name in text for text in pages for name in set(JUDGES) - RIGHT_AT_FINAL)

    # The reaction evaluation: hidden until the fifth answer, then the aggregates, no names.
    for number, name in enumerate(JUDGES[:5]):
        phone = _on_a_phone(browser, live_server, name)
        phone.get_by_role("link", name="Evaluate the training").click()
        relevance = phone.locator("fieldset", has_text="relevant was the training")
        relevance.get_by_label("5 · Highly relevant" if number else "3", exact=True).check()
        phone.locator("fieldset", has_text="rate the trainers").get_by_label(
            "4", exact=True
        ).check()
        phone.locator("fieldset", has_text="rate the materials").get_by_label(
            "4", exact=True
        ).check()
        phone.get_by_role("button", name="Send my evaluation").click()
        expect(phone.get_by_text("Thank you: your evaluation is saved.")).to_be_visible()
        phone.context.close()
        desk.goto(f"{live_server}/cohorts/{cohort_id}/evaluation/results")
        if number < 4:
            expect(
                desk.get_by_text("The results appear here once at least 5 judges")
            ).to_be_visible()
    expect(desk.get_by_text("5 judges have answered.")).to_be_visible()
    relevance = desk.locator("section", has=desk.get_by_role("heading", name="relevant"))
    expect(relevance.get_by_text("Mean 4.6 out of 5")).to_be_visible()  # 3, 5, 5, 5, 5
    for name in JUDGES:
        expect(desk.get_by_text(name)).to_have_count(0)
