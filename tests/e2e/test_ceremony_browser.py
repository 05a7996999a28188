"""The certificate ceremony as a trainer prepares it: from the roster, the print shop's PDF of
every certificate, the list of names for the presiding judge, and the e-mail telling the judges
their certificates are ready (asked first, sent once). In Chromium."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.e2e.helpers import sign_in
from tests.helpers import ALWAYS_RIGHT, ALWAYS_WRONG, pdf_text

pytestmark = pytest.mark.e2e

TRAINER = "trainer@example.org"
PASSED = ("Kofi Mensah", "Amal Haddad")  # certificates issued in this order


@pytest.fixture
def cohort_id(app, create_user) -> int:
    """A workshop of three judges: two passed the final assessment, one did not."""
    trainer = create_user(email=TRAINER, role=Role.trainer, name="Trainer Tessa")
    judges = [create_user(name=name) for name in (*PASSED, "Judge Not Yet")]
    rng = random.Random(3)
    with app.app_context():
        course = get_catalog().course("sample")
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Quetta workshop"),
            creator=db.session.get(User, trainer.id),
        )
        then = utcnow() - timedelta(days=2)
        for judge in judges:
            member, _ = cohorts.join_cohort(
                db.session, db.session.get(Cohort, cohort.id), judge.id, course, via="code"
            )
            enrolment = db.session.get(Enrolment, member.enrolment_id)
            for lesson in course.lessons:
                learning.mark_complete(db.session, enrolment, lesson, course.content_version)
            ability = ALWAYS_WRONG if judge.certificate_name == "Judge Not Yet" else ALWAYS_RIGHT
            take_assessment(db.session, course, member.enrolment_id, "post", ability, rng, then)
        db.session.commit()
        return cohort.id


def _download(page, button_name: str, tmp_path: Path) -> bytes:
    """Press one of the ceremony's PDF buttons (by family name, in English's alphabet)."""
    section = page.get_by_role("region", name="Certificate ceremony")
    section.get_by_label("Order").select_option("name")
    with page.expect_download() as info:
        section.get_by_role("button", name=button_name).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_bytes()


def test_a_trainer_prepares_the_ceremony(app, live_server, page, cohort_id, mailbox, tmp_path):
    sign_in(page, live_server, TRAINER)
    page.goto(f"{live_server}/cohorts/{cohort_id}/roster")
    expect(page.get_by_role("heading", name="Certificate ceremony")).to_be_visible()

    # The print shop's PDF: one page per certificate, by family name (Haddad before Mensah).
    certificates = _download(page, "All the certificates in one PDF for printing", tmp_path)
    pages = [text for text in pdf_text(certificates).split("\f") if text.strip()]
    assert len(pages) == 2
    assert "Amal Haddad" in pages[0] and "Kofi Mensah" in pages[1]

    # The presiding judge's list, in the same order, numbered.
    names = pdf_text(_download(page, "The list of names to read out (PDF)", tmp_path))
    assert names.index("1.") < names.index("Amal Haddad") < names.index("2.")
    assert names.index("Kofi Mensah") > names.index("2.") and "Judge Not Yet" not in names

    # The notice: asked first, then sent to the two holders, and not again.
    page.get_by_role("link", name="Tell the judges their certificates are ready").click()
    expect(page.get_by_text("2 judges holding a certificate")).to_be_visible()
    assert mailbox.messages() == []
    page.get_by_role("button", name="E-mail 2 judges").click()
    expect(page.get_by_text("2 judges are told by e-mail")).to_be_visible()
    expect(page.get_by_text("has already been told")).to_be_visible()
    expect(page.get_by_role("button", name="E-mail 2 judges")).to_have_count(0)
    assert len(mailbox.messages()) == 2
