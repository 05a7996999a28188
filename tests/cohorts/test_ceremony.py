"""The certificate ceremony: one PDF of every standing certificate, the names list, the notice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearning.accounts.models import Role
from elearning.certificates.models import Certificate
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import AuthActions, csrf_token_of, pdf_text

# Issued in this order (serials ascend), so family-name order is the reverse.
HOLDERS = ("Kofi Mensah", "Amal Haddad", "Zeynep Aydin")


@pytest.fixture
def ceremony(app, make_cohort, trainer, course, add_judge):
    """A cohort whose three judges passed (certificates issued in HOLDERS order) and one who
    has not; a client signed in as its trainer."""
    cohort = make_cohort(trainer, name="Quetta workshop 2024")
    lessons = len(course.lessons)
    judges = [
        add_judge(cohort, name=name, pre="wrong", lessons=lessons, post=["right"])
        for name in HOLDERS
    ]
    add_judge(cohort, name="Judge Not Yet", pre="wrong")
    client = app.test_client()
    AuthActions(client, lambda path: csrf_token_of(client, path)).login(trainer.email)
    return cohort, judges, client


def _pages(data: bytes) -> list[str]:
    return [page for page in pdf_text(data).split("\f") if page.strip()]


def test_every_certificate_in_one_pdf_in_roster_or_serial_order(app, ceremony, create_user):
    cohort, _judges, client = ceremony
    by_name = client.get(f"/cohorts/{cohort.id}/ceremony/certificates.pdf")
    assert by_name.status_code == 200 and by_name.mimetype == "application/pdf"
    assert "Quetta-workshop-2024-certificates.pdf" in by_name.headers["Content-Disposition"]
    pages = _pages(by_name.data)
    assert len(pages) == 3  # one page each; the judge who has not passed has none
    assert [next(h for h in HOLDERS if h in page) for page in pages] == sorted(
        HOLDERS, key=lambda name: name.split()[-1]
    )
    by_serial = client.get(f"/cohorts/{cohort.id}/ceremony/certificates.pdf?order=serial")
    assert [next(h for h in HOLDERS if h in page) for page in _pages(by_serial.data)] == list(
        HOLDERS
    )
    # A revoked certificate is not printed; another trainer's cohort is not theirs to print.
    with app.app_context():
        db.session.scalars(
            select(Certificate).order_by(Certificate.serial)
        ).first().revoked_at = utcnow()
        db.session.commit()
    again = client.get(f"/cohorts/{cohort.id}/ceremony/certificates.pdf?order=bogus")
    assert len(_pages(again.data)) == 2 and "Kofi Mensah" not in pdf_text(again.data)
    other = app.test_client()
    stranger = create_user(email="other-trainer@example.org", role=Role.trainer)
    AuthActions(other, lambda path: csrf_token_of(other, path)).login(stranger.email)
    assert other.get(f"/cohorts/{cohort.id}/ceremony/certificates.pdf").status_code == 404
    assert other.get(f"/cohorts/{cohort.id}/ceremony/names.pdf").status_code == 404


def test_names_list_numbers_the_names_as_printed_in_the_same_order(ceremony):
    cohort, _judges, client = ceremony
    response = client.get(f"/cohorts/{cohort.id}/ceremony/names.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Quetta workshop 2024" in text and "Certificate ceremony" in text
    named = [line for line in text.splitlines() if any(h in line for h in HOLDERS)]
    assert [line.split()[0] for line in named] == ["1.", "2.", "3."]
    assert [next(h for h in HOLDERS if h in line) for line in named] == [
        "Zeynep Aydin",
        "Amal Haddad",
        "Kofi Mensah",
    ]
    assert "Judge Not Yet" not in text


def test_ready_notice_is_confirmed_then_sent_once_per_certificate(
    app, ceremony, mailbox, course, add_judge
):
    cohort, judges, client = ceremony
    url = f"/cohorts/{cohort.id}/ceremony/notice"
    asked = client.get(url)
    assert asked.status_code == 200 and "3 judges holding a certificate" in asked.text
    assert mailbox.messages() == []  # asking sends nothing
    assert client.post(url, data={}).status_code == 400  # no CSRF token: nothing sent
    done = client.post(url, data={"csrf_token": csrf_token_of(client, url)}, follow_redirects=True)
    assert "3 judges are told by e-mail" in done.text
    assert {m["To"] for m in mailbox.messages()} == {judge.email for judge in judges}
    body = mailbox.to(judges[0].email)[0].get_content()
    assert "Quetta workshop 2024" in body and "/certificates" in body
    # Sending again tells only a judge whose certificate was issued since.
    late = add_judge(
        cohort, name="Late Passer", pre="wrong", lessons=len(course.lessons), post=["right"]
    )
    again = client.post(url, data={"csrf_token": csrf_token_of(client, url)}, follow_redirects=True)
    assert "1 judge is told by e-mail" in again.text
    assert len(mailbox.messages()) == 4 and len(mailbox.to(late.email)) == 1
    last = client.post(url, data={"csrf_token": csrf_token_of(client, url)}, follow_redirects=True)
    assert "already been told" in last.text and len(mailbox.messages()) == 4


def test_the_trainer_orders_the_names_in_the_judges_alphabet(
    app, make_cohort, trainer, course, add_judge
):
    cohort = make_cohort(trainer, name="Almaty workshop")
    lessons = len(course.lessons)
    for name, language in [("Ben Adams", "en"), ("Ирина Волкова", "ru"), ("Мария Алексеева", "ru")]:
        add_judge(cohort, name=name, preferred_language=language, pre="wrong", lessons=lessons,
                  post=["right"])  # fmt: skip
    client = app.test_client()
    AuthActions(client, lambda path: csrf_token_of(client, path)).login(trainer.email)

    def names(query: str) -> list[str]:
        text = pdf_text(client.get(f"/cohorts/{cohort.id}/ceremony/names.pdf{query}").data)
        numbered = [line.split() for line in text.splitlines()]
        return [" ".join(words[1:-1]) for words in numbered if words and words[0][:-1].isdigit()]

    # Most of its judges read Russian: Cyrillic names first, А to Я; then the Latin.
    assert names("") == ["Мария Алексеева", "Ирина Волкова", "Ben Adams"]
    assert names("?alphabet=fr") == ["Ben Adams", "Мария Алексеева", "Ирина Волкова"]
    assert names("?alphabet=xx") == names("")  # unknown: the default
    roster = client.get(f"/cohorts/{cohort.id}/roster").get_data(as_text=True)
    assert '<option value="ru" lang="ru" selected>' in roster
