"""The trainers' manual as PDFs for printing: for trainers only, in the language asked for, and
the shipped printable materials laid out as a print shop needs them (one role card a page, the
judges' summary on exactly two pages), in every language they are written in."""

from __future__ import annotations

import io

from pyhanko.pdf_utils.reader import PdfFileReader

from elearning.accounts.models import Role
from elearning.catalog import read_catalog
from elearning.cohorts.manual_views import render_manual_pdf
from elearning.config import ROOT
from tests.helpers import AuthActions, csrf_token_of, pdf_text

PDF = "/trainers/sample/running-a-workshop.pdf"


def signed_in(app, email: str):
    client = app.test_client()
    AuthActions(client, lambda path: csrf_token_of(client, path)).login(email)
    return client


def fetch(client, path: str, **kwargs):
    """GET a file response and close it (the file stays open until the response is closed)."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def page_count(pdf: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def test_a_trainer_downloads_a_manual_page_as_pdf_in_the_language_asked_for(app, create_user):
    trainer = signed_in(app, create_user(role=Role.trainer, preferred_language="fr").email)
    page = trainer.get("/trainers/sample/running-a-workshop").text
    assert 'href="/trainers/sample/running-a-workshop.pdf?lang=en"' in page
    assert 'href="/trainers/sample/running-a-workshop.pdf?lang=fr"' in page
    french = fetch(trainer, PDF)  # the trainer's language by default
    assert french.status_code == 200 and french.mimetype == "application/pdf"
    assert "Animer un atelier" in pdf_text(french.data)
    english = fetch(trainer, PDF + "?lang=en")
    assert "Running a workshop" in pdf_text(english.data) and "gain" in pdf_text(english.data)
    assert trainer.get(PDF + "?lang=es").status_code == 404  # the page has no Spanish version
    assert trainer.get(PDF + "?lang=../../x").status_code == 404
    assert trainer.get("/trainers/sample/no-such-page.pdf").status_code == 404
    again = fetch(trainer, PDF + "?lang=en", headers={"If-None-Match": english.headers["ETag"]})
    assert again.status_code == 304  # rendered once, then kept


def test_the_manual_pdf_is_for_trainers_only(app, create_user):
    judge = signed_in(app, create_user(email="judge@example.org").email)
    assert fetch(judge, PDF).status_code == 403
    assert fetch(app.test_client(), PDF).status_code == 302  # to the sign-in page


def shipped_texts(slug: str):
    """The shipped manual page ``slug`` in every language it is written in."""
    page = read_catalog(ROOT).course("judicial-ethics").trainer_page(slug)
    return [page.texts[language] for language in sorted(page.texts)]


def test_every_role_card_prints_on_a_page_of_its_own(app):
    """A horizontal rule starts a new sheet: the trainer's page, then one card per page, none
    spilling over and no blank page (a translation that grows too long fails here)."""
    for text in shipped_texts("role-cards"):
        sheets = text.html.count("<hr")
        assert sheets >= 12, text.language  # chair, reporter, judge, 2 counsel, observer, 6 facts
        with app.test_request_context("/"):
            pdf = render_manual_pdf(text)
        assert page_count(pdf) == sheets + 1, text.language
        pages = pdf_text(pdf).split("\f")[: sheets + 1]
        assert all(page.strip() for page in pages), text.language


def test_the_judges_summary_prints_on_exactly_two_pages(app):
    for text in shipped_texts("handout-for-judges"):
        with app.test_request_context("/"):
            pdf = render_manual_pdf(text)
        assert page_count(pdf) == 2, text.language
        first, second = pdf_text(pdf).split("\f")[:2]
        assert "1.6" in first and "6.7" in first, text.language  # the six values on page one
        assert "11" in second, text.language  # article 11 and where to ask for advice on two
