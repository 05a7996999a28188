"""Stored hostile values come out harmless: escaped in pages, never a formula in exports,
printed as text in PDFs that fetch nothing.

Names, courts, positions, cohort names and sites and CSV rows are stored through the real forms
with markup, formulas and addresses of a server on this machine in them; then every page,
export and PDF that shows them is read back. (Sending such values to every form without a
server error is tests/security/test_hostile_input.py.)
"""

from __future__ import annotations

import csv
import http.server
import io
import re
import threading
import urllib.request
import zipfile
from types import SimpleNamespace
from urllib.parse import urlencode

import openpyxl
import pytest
from sqlalchemy import select, update

from elearning.accounts import services as accounts
from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate
from elearning.cohorts import invitations
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort, CohortInvitation, ParticipantUpload
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import (
    FORMULA,
    IMG,
    JS_URL,
    PASSWORD,
    SCRIPT,
    browser_for,
    csrf_token_of,
    db_enrolment,
    earn,
    pdf_text,
    upload,
)

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def assert_shown_as_text(page: str, where: str, *escaped: str) -> None:
    """No payload is live markup in ``page``, and each of ``escaped`` is shown (so the values
    were on the page, as text)."""
    assert SCRIPT not in page and "<img src=x" not in page, f"markup in {where}"
    assert not re.search(
        r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", page, re.I
    ), f"javascript: address in {where}"
    for text in escaped:
        assert text in page, f"{text} not shown in {where}"


def post_form(client, path: str, form_page: str | None = None, **fields):
    """Fill and send the form of ``form_page`` (``path`` itself unless told) as a browser does."""
    token = csrf_token_of(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **fields})


def participants_csv(*rows: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("name", "email", "institution"))
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def new_cohort(trainer, **fields) -> tuple[int, str]:
    """A cohort made through the trainer's form; its id and join code."""
    response = post_form(trainer, "/cohorts/new", course="sample", **fields)
    assert response.status_code == 302, response.text[-2000:]
    cohort_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    code = re.search(r"/join/([A-Z0-9]+)", trainer.get(f"/cohorts/{cohort_id}").text).group(1)
    return cohort_id, code


def join(client, code: str) -> None:
    assert post_form(client, f"/join/{code}").status_code == 302


def claim(client, app, email: str) -> Certificate:
    earn(app, email)
    post_form(client, f"/certificates/claim/{db_enrolment(app, email)}", "/certificates")
    with app.app_context():
        return db.session.scalar(
            select(Certificate)
            .join(User, User.id == Certificate.user_id)
            .where(User.email == email)
        )


def latest_upload_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ParticipantUpload.id).order_by(ParticipantUpload.id.desc()))


def test_stored_markup_is_shown_as_text_on_every_page(app, create_user):
    """A judge's name, court and position, a cohort's name and site, a trainer's name and a CSV
    row full of markup: every page that shows them shows the characters, never live markup."""
    create_user(email="admin@example.org", role=Role.admin)
    create_user(email="trainer@example.org", role=Role.trainer, name=IMG)
    create_user(email="marked@example.org")
    judge = browser_for(app, "marked@example.org")
    saved = post_form(
        judge, "/account/profile", certificate_name=SCRIPT, institution=IMG, position=JS_URL,
        country="KE", preferred_language="en",
    )  # fmt: skip
    assert saved.status_code == 302
    certificate = claim(judge, app, "marked@example.org")
    assert certificate.holder_name == SCRIPT

    trainer = browser_for(app, "trainer@example.org")
    cohort_id, code = new_cohort(trainer, name=SCRIPT, site=IMG)
    join(judge, code)
    content = participants_csv((IMG, "row@example.org", SCRIPT))
    preview = upload(trainer, SimpleNamespace(id=cohort_id), csrf_token_of(trainer, "/cohorts/new"),
                     content, name=SCRIPT + ".csv")  # fmt: skip
    assert preview.status_code == 200
    assert_shown_as_text(preview.text, "the upload preview", ESCAPED_SCRIPT, ESCAPED_IMG)
    imported = post_form(
        trainer, f"/cohorts/{cohort_id}/upload/confirm", "/cohorts/new",
        upload_id=str(latest_upload_id(app)),
    )  # fmt: skip
    assert "/roster" in imported.headers["Location"]

    admin = browser_for(app, "admin@example.org")
    with app.app_context():
        judge_id = db.session.scalar(select(User.id).where(User.email == "marked@example.org"))
    visitor = app.test_client()
    pages = [
        (judge, "/dashboard", [ESCAPED_SCRIPT, ESCAPED_IMG]),
        (judge, "/account/profile", [ESCAPED_SCRIPT, ESCAPED_IMG]),
        (judge, "/certificates", [ESCAPED_SCRIPT]),
        (visitor, f"/verify/{certificate.code}", [ESCAPED_SCRIPT]),
        (visitor, f"/join/{code}", [ESCAPED_SCRIPT, ESCAPED_IMG]),
        (trainer, "/cohorts/", [ESCAPED_SCRIPT]),
        (trainer, f"/cohorts/{cohort_id}", [ESCAPED_SCRIPT, ESCAPED_IMG]),
        (trainer, f"/cohorts/{cohort_id}/roster", [ESCAPED_SCRIPT, ESCAPED_IMG]),
        (trainer, f"/cohorts/{cohort_id}/report", [ESCAPED_SCRIPT]),
        (admin, "/admin/users", [ESCAPED_SCRIPT, ESCAPED_IMG]),
        (admin, f"/admin/users/{judge_id}", [ESCAPED_SCRIPT, ESCAPED_IMG]),
        (admin, "/admin/certificates", [ESCAPED_SCRIPT]),
        (admin, f"/admin/certificates/{certificate.id}", [ESCAPED_SCRIPT]),
        (admin, "/admin/figures", [ESCAPED_SCRIPT]),
        # Typed into a search or a link, and shown back.
        (admin, "/admin/users?" + urlencode({"q": SCRIPT}), [ESCAPED_SCRIPT]),
        (admin, "/admin/certificates?" + urlencode({"q": SCRIPT}), [ESCAPED_SCRIPT]),
        (visitor, "/signin?" + urlencode({"next": JS_URL}), []),
    ]
    for client, url, escaped in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_shown_as_text(response.text, url, *escaped)
    not_found = visitor.get("/verify?" + urlencode({"code": SCRIPT}))  # shown back in the form
    assert not_found.status_code == 404
    assert_shown_as_text(not_found.text, "/verify?code=", ESCAPED_SCRIPT)


def cells(rows) -> list[str]:
    return [cell for row in rows for cell in row]


def read_csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def assert_no_formula(values, where: str) -> None:
    """No text cell a spreadsheet would evaluate: each starting with = + - @, a tab or a carriage
    return carries the apostrophe first (a number such as -0.25 is a number)."""
    for value in values:
        if value.startswith(FORMULA_STARTS):
            assert re.fullmatch(r"-[0-9]+(\.[0-9]+)?", value), f"{value!r} in {where}"


def assert_text_cells(workbook_bytes: bytes, expected: set[str], where: str) -> None:
    """An XLSX holds ``expected`` as written, as text, and no formula at all."""
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    found = {
        cell.value: cell.data_type
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value in expected
    }
    assert found == dict.fromkeys(expected, "s"), where
    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), f"a formula in {where}"


def test_exports_hold_no_formula(app, create_user):
    """Names, addresses and cohort details that a spreadsheet would run as formulas are
    neutralised in the CSV exports and stored as text in the XLSX ones."""
    create_user(email="trainer@example.org", role=Role.trainer)
    create_user(email="admin@example.org", role=Role.admin)
    trainer = browser_for(app, "trainer@example.org")
    cohort_name, site = '=HYPERLINK("http://evil","x")', "@SUM(A1)"
    cohort_id, code = new_cohort(trainer, name=cohort_name, site=site)
    names = {
        "formula@example.org": FORMULA,
        "plus@example.org": "+1+1",
        "minus@example.org": "-2+3",
        "at@example.org": "@SUM(1+1)",
        "link@example.org": '=HYPERLINK("http://evil","x")',
        # No form lets a name start with a tab or a carriage return (they are stripped or
        # refused); one stored before that, or by hand, is neutralised all the same.
        "tab@example.org": "\t=1+1",
    }
    for email in names:
        create_user(email=email)
    # The first name through the profile form, the others as any other path would store them.
    first = browser_for(app, "formula@example.org")
    assert post_form(first, "/account/profile", certificate_name=FORMULA,
                     country="KE", preferred_language="en").status_code == 302  # fmt: skip
    join(first, code)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        for email, name in list(names.items())[1:]:
            db.session.execute(
                update(User).where(User.email == email).values(certificate_name=name)
            )
            user_id = db.session.scalar(select(User.id).where(User.email == email))
            cohorts.join_cohort(db.session, cohort, user_id, get_catalog().course("sample"), "code")
        db.session.commit()
    # An address from a participants file (names and courts starting so are refused there).
    upload(trainer, SimpleNamespace(id=cohort_id), csrf_token_of(trainer, "/cohorts/new"),
           participants_csv(("Judge Row", "+row@example.org", "High Court")))  # fmt: skip
    imported = post_form(
        trainer, f"/cohorts/{cohort_id}/upload/confirm", "/cohorts/new",
        upload_id=str(latest_upload_id(app)),
    )  # fmt: skip
    assert "/roster" in imported.headers["Location"]
    with app.app_context():  # the participant accepts the invitation and joins
        invited = db.session.scalar(
            select(CohortInvitation).where(CohortInvitation.email == "+row@example.org")
        )
        row_user = accounts.create_user(
            db.session, email="+row@example.org", password=PASSWORD,
            profile=accounts.Profile(certificate_name="Judge Row"), is_confirmed=True,
        )  # fmt: skip
        invitations.accept(db.session, invited, row_user, get_catalog().course("sample"), utcnow())
        db.session.commit()
    earn(app, "formula@example.org")  # answers, so the item analysis has rows

    roster = read_csv(trainer.get(f"/cohorts/{cohort_id}/roster.csv"))
    assert {row[0] for row in roster[1:]} == {"'" + name for name in names.values()} | {"Judge Row"}
    assert "'+row@example.org" in cells(roster)
    assert_no_formula(cells(roster), "roster.csv")
    assert_text_cells(trainer.get(f"/cohorts/{cohort_id}/roster.xlsx").data,
                      {*names.values(), "+row@example.org"}, "roster.xlsx")  # fmt: skip
    items = read_csv(trainer.get(f"/cohorts/{cohort_id}/items.csv"))
    assert len(items) > 1
    assert_no_formula(cells(items), "items.csv")
    assert_text_cells(trainer.get(f"/cohorts/{cohort_id}/items.xlsx").data, set(), "items.xlsx")

    admin = browser_for(app, "admin@example.org")
    listing = read_csv(admin.get("/admin/cohorts.csv"))
    assert ["'" + cohort_name, "'" + site] == [listing[1][1], listing[1][3]]
    assert_no_formula(cells(listing), "cohorts.csv")


@pytest.fixture
def listener():
    """A web server on this machine that records every request it receives."""
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the handler's protocol
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        do_POST = do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", hits=hits)
    server.shutdown()
    server.server_close()
    thread.join()


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_pdfs_print_markup_as_text_and_fetch_nothing(app, create_user, listener):
    """Markup that points at a server, in a certificate's name and in a cohort's name, site and
    trainer, prints as those characters; the server hears nothing from the PDF renderers."""
    with urllib.request.urlopen(listener.url + "/alive", timeout=5) as answer:  # noqa: S310
        assert answer.status == 200
    assert listener.hits == ["/alive"]  # it hears what is sent to it
    listener.hits.clear()
    name = f'<img src="{listener.url}/name.png">'
    cohort_name = f'<img src="{listener.url}/cohort.png">'
    site = f'<style>@import "{listener.url}/site.css";</style>'
    trainer_name = f'<link rel="stylesheet" href="{listener.url}/trainer.css">'
    create_user(email="holder@example.org")
    create_user(email="trainer@example.org", role=Role.trainer, name=trainer_name)
    holder = browser_for(app, "holder@example.org")
    assert post_form(holder, "/account/profile", certificate_name=name, country="KE",
                     preferred_language="en").status_code == 302  # fmt: skip
    certificate = claim(holder, app, "holder@example.org")
    pdf = holder.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert pdf.mimetype == "application/pdf"
    assert listener.hits == [], "the certificate's renderer fetched"
    assert squeeze(name) in squeeze(pdf_text(pdf.data))

    trainer = browser_for(app, "trainer@example.org")
    cohort_id, code = new_cohort(trainer, name=cohort_name, site=site)
    join(holder, code)
    assert trainer.get(f"/cohorts/{cohort_id}/report.pdf").status_code == 202  # a job renders it
    report = trainer.get(f"/cohorts/{cohort_id}/report.pdf")
    assert report.mimetype == "application/pdf"
    text = squeeze(pdf_text(report.data))
    assert listener.hits == [], "the report's renderer fetched"
    for value in (cohort_name, site, trainer_name):
        assert squeeze(value) in text, value
