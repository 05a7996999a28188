"""Cohort pages end to end: who may open what, enrolment by code and CSV, exports, figures."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from elearning.accounts.models import Role, User
from elearning.assessments.models import Attempt
from elearning.audit.models import AuditEvent
from elearning.certificates.models import Certificate
from elearning.cohorts import report, services
from elearning.cohorts.models import Cohort, CohortMember, CohortTrainer, ParticipantUpload
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.helpers import PASSWORD, AuthActions, csrf_token_of, pdf_text, upload


class Browser:
    """A client signed in as one person, with the CSRF token of any page at hand."""

    def __init__(self, app, email: str | None = None) -> None:
        self.client = app.test_client()
        if email:
            response = AuthActions(self.client, self.csrf).login(email)
            assert response.status_code == 302, email

    def csrf(self, path: str) -> str:
        return csrf_token_of(self.client, path)

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        return self.client.post(*args, **kwargs)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def scalar(app, statement):
    with app.app_context():
        return db.session.scalar(statement)


@pytest.fixture
def cohort(make_cohort, trainer):
    return make_cohort(trainer, name="Academy intake 2027", site="Nairobi")


@pytest.fixture
def other_trainer(create_user):
    return create_user(email="other-trainer@example.org", role=Role.trainer)


def cohort_urls(cohort_id: int) -> list[str]:
    base = f"/cohorts/{cohort_id}"
    return [
        base, f"{base}/edit", f"{base}/roster", f"{base}/roster?sort=gain&order=desc",
        f"{base}/report", f"{base}/report.pdf", f"{base}/report-summary.pdf",
        f"{base}/roster.csv", f"{base}/roster.xlsx", f"{base}/items.csv", f"{base}/items.xlsx",
    ]  # fmt: skip


def cohort_posts(cohort_id: int, trainer_id: int) -> list[str]:
    base = f"/cohorts/{cohort_id}"
    return [
        f"{base}/edit", f"{base}/join-code", f"{base}/trainers",
        f"{base}/trainers/{trainer_id}/remove", f"{base}/upload", f"{base}/upload/confirm",
        f"{base}/members/1/remove",
    ]  # fmt: skip


def snapshot(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Cohort, CohortMember, CohortTrainer, ParticipantUpload, User, Enrolment)
        ) + (db.session.scalar(select(Cohort.join_code)),)


def test_trainers_see_their_cohorts_admins_all_learners_none(
    app, cohort, trainer, other_trainer, create_user, add_judge
):
    add_judge(cohort, pre="wrong", name="Judge Visible")
    admin = create_user(email="admin@example.org", role=Role.admin)
    learner = create_user(email="learner@example.org")
    for user, expected in ((trainer, 200), (admin, 200), (other_trainer, 404), (learner, 403)):
        browser = Browser(app, user.email)
        for url in cohort_urls(cohort.id):
            status = browser.get(url).status_code
            if expected == 200 and url.endswith(".pdf") and status == 202:
                status = browser.get(url).status_code  # rendered by the job meanwhile
            assert status == expected, (user.email, url)
        listing = browser.get("/cohorts/")
        assert listing.status_code == (403 if user is learner else 200)
        assert ("Academy intake 2027" in listing.text) == (expected == 200)
        # Guessed and sequential ids are the same 404 as a cohort that is not theirs.
        for guess in (cohort.id + 1, 0, 999_999):
            assert browser.get(f"/cohorts/{guess}/report").status_code in (403, 404)


def test_no_one_else_can_change_a_cohort(app, cohort, trainer, other_trainer, create_user):
    learner = create_user(email="learner@example.org")
    before = snapshot(app)
    for user, expected in ((other_trainer, 404), (learner, 403)):
        browser = Browser(app, user.email)
        token = browser.csrf("/account/profile")
        for url in cohort_posts(cohort.id, trainer.id):
            response = browser.post(
                url,
                data={
                    "csrf_token": token,
                    "name": "Taken over",
                    "email": user.email,
                    "action": "close",
                    "upload_id": "1",
                },
            )
            assert response.status_code == expected, (user.email, url)
    assert snapshot(app) == before
    browser = Browser(app, trainer.email)
    for url in cohort_urls(cohort.id):  # GETs by the trainer change nothing either
        browser.get(url)
    assert snapshot(app) == before


def test_trainer_creates_and_edits_a_cohort(app, trainer):
    browser = Browser(app, trainer.email)
    token = browser.csrf("/cohorts/new")
    refused = browser.post("/cohorts/new", data={
        "csrf_token": token, "name": "Intake", "course": "sample",
        "starts_on": "2027-03-10", "ends_on": "2027-03-01",
    })  # fmt: skip
    assert "The end date is before the start date." in refused.text
    unknown = browser.post(
        "/cohorts/new", data={"csrf_token": token, "name": "X", "course": "no-such-course"}
    )
    assert unknown.status_code == 200 and "Not a valid choice" in unknown.text
    assert count(app, Cohort) == 0
    created = browser.post("/cohorts/new", data={
        "csrf_token": token, "name": "Intake <b>2027</b>", "course": "sample", "site": "Lima",
        "starts_on": "2027-03-01", "ends_on": "2027-03-10",
    })  # fmt: skip
    assert created.status_code == 302
    page = browser.get(created.headers["Location"])
    assert "Intake &lt;b&gt;2027&lt;/b&gt;" in page.text and "<b>2027" not in page.text
    code = scalar(app, select(Cohort.join_code))
    assert f"{code[:4]}-{code[4:]}" in page.text
    cohort_id = scalar(app, select(Cohort.id))
    edited = browser.post(f"/cohorts/{cohort_id}/edit", data={
        "csrf_token": token, "name": "Intake 2027", "site": "Cusco",
    })  # fmt: skip
    assert edited.status_code == 302
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        assert (cohort.name, cohort.site, cohort.course_slug) == ("Intake 2027", "Cusco", "sample")
        assert cohort.counts_earlier_scores
    assert '<input checked id="earlier_scores-0"' in browser.get(f"/cohorts/{cohort_id}/edit").text
    browser.post(f"/cohorts/{cohort_id}/edit", data={
        "csrf_token": token, "name": "Intake 2027", "earlier_scores": "leave-out",
    })  # fmt: skip
    assert '<input checked id="earlier_scores-1"' in browser.get(f"/cohorts/{cohort_id}/edit").text
    assert scalar(app, select(Cohort.counts_earlier_scores)) is False
    assert scalar(app, select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == (
        "cohort.earlier_scores_left_out"
    )


def test_judges_join_by_code_or_link_once(app, cohort, create_user):
    code = cohort.join_code
    judge = create_user(email="judge@example.org")
    anonymous = Browser(app)
    page = anonymous.get(f"/join/{code}")
    assert page.status_code == 200 and "Academy intake 2027" in page.text
    response = anonymous.post(f"/join/{code}", data={"csrf_token": anonymous.csrf("/join")})
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    assert count(app, CohortMember) == 0
    browser = Browser(app, judge.email)
    typed = browser.post(
        "/join",
        data={
            "csrf_token": browser.csrf("/join"),
            "code": code[:4].lower() + " " + code[4:].lower(),
        },
    )
    assert typed.status_code == 302 and typed.headers["Location"].endswith(f"/join/{code}")
    for _ in range(2):
        joined = browser.post(f"/join/{code}", data={"csrf_token": browser.csrf(f"/join/{code}")})
        assert joined.status_code == 302
    assert count(app, CohortMember) == 1
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment))
        assert (enrolment.user_id, enrolment.course_slug, enrolment.source) == (
            judge.id,
            "sample",
            "cohort",
        )
    assert "You are already in this cohort." in browser.get(f"/join/{code}").text
    assert "Academy intake 2027" in browser.get("/dashboard").text


def test_wrong_expired_and_closed_codes_are_refused_clearly(app, cohort, trainer, create_user):
    browser = Browser(app, create_user(email="judge@example.org").email)
    for typed in ("ZZZZ-ZZZZ", "hello", "x" * 5000, "<script>"):
        response = browser.post("/join", data={"csrf_token": browser.csrf("/join"), "code": typed})
        assert response.status_code == 422
        assert "does not open any cohort" in response.text or "8 characters" in response.text
    with app.app_context():
        db.session.get(Cohort, cohort.id).join_closes_on = date.today() - timedelta(days=1)
        db.session.commit()
    expired = browser.get(f"/join/{cohort.join_code}")
    assert expired.status_code == 404 and "has expired" in expired.text
    trainer_browser = Browser(app, trainer.email)
    token = trainer_browser.csrf(f"/cohorts/{cohort.id}")
    trainer_browser.post(
        f"/cohorts/{cohort.id}/join-code", data={"csrf_token": token, "action": "close"}
    )
    assert browser.get(f"/join/{cohort.join_code}").status_code == 404
    trainer_browser.post(
        f"/cohorts/{cohort.id}/join-code", data={"csrf_token": token, "action": "renew"}
    )
    new_code = scalar(app, select(Cohort.join_code))
    assert new_code and new_code != cohort.join_code
    assert count(app, CohortMember) == 0


PARTICIPANTS = (
    "Name;E-mail;Country;Institution;Language\n"
    "Juíza Beatriz Carvalho;Beatriz@Example.org;br;Tribunal de Justiça;es\n"
    "القاضي يوسف;yusuf@example.org;JO;محكمة;ar\n"
    "Known Judge;known@example.org;;;\n"
).encode("utf-8-sig")


@pytest.fixture
def previewed(app, cohort, trainer, create_user):
    """A trainer's preview of a file naming two new judges and one with an account."""
    create_user(email="known@example.org", name="Known Judge")
    browser = Browser(app, trainer.email)
    token = browser.csrf(f"/cohorts/{cohort.id}")
    before = snapshot(app)
    preview = upload(browser, cohort, token, PARTICIPANTS)
    return browser, token, before, preview


@pytest.fixture
def invited(app, cohort, previewed):
    """The same file, confirmed: every participant invited."""
    browser, token, _before, _preview = previewed
    upload_id = scalar(app, select(ParticipantUpload.id))
    confirmed = browser.post(
        f"/cohorts/{cohort.id}/upload/confirm",
        data={"csrf_token": token, "upload_id": str(upload_id)},
    )
    return browser, token, upload_id, confirmed


def test_a_files_preview_tells_nothing_of_accounts_and_keeps_only_the_upload(app, previewed):
    _browser, _token, before, preview = previewed
    assert preview.status_code == 200
    # The preview does not tell which addresses have accounts: every row reads the same.
    assert "Juíza Beatriz Carvalho" in preview.text
    assert preview.text.count("invited to join") == 3
    assert "existing account" not in preview.text and "new account" not in preview.text
    after = snapshot(app)
    assert after[:3] == before[:3] and after[4:] == before[4:]  # only the upload is kept
    upload_id = scalar(app, select(ParticipantUpload.id))
    # The preview's button confirms that upload: its id is in the page's form.
    assert re.search(rf'name="upload_id"[^>]*value="{upload_id}"', preview.text), preview.text


def test_confirming_a_file_invites_everyone_and_puts_nobody_in_the_cohort(
    app, cohort, previewed, invited, mailbox
):
    before = previewed[2]
    browser, token, upload_id, confirmed = invited
    assert confirmed.status_code == 302 and "/roster" in confirmed.headers["Location"]
    roster = browser.get(confirmed.headers["Location"])
    assert "3 participants are invited by e-mail" in roster.text
    assert roster.text.count("waiting for an answer") == 3
    # Nobody is in the cohort, and no account was made for anyone, until they say yes.
    assert count(app, CohortMember) == 0 and count(app, ParticipantUpload) == 0
    assert snapshot(app)[4] == before[4]  # users
    # Confirming the same preview twice invites nobody again.
    again = browser.post(
        f"/cohorts/{cohort.id}/upload/confirm",
        data={"csrf_token": token, "upload_id": str(upload_id)},
    )
    assert "already imported" in browser.get(again.headers["Location"]).text
    assert len(mailbox.to("beatriz@example.org")) == 1


def test_each_invitation_is_written_in_its_participants_language(invited, mailbox):
    # The file's column decides, not the trainer's language: Spanish for Beatriz, Arabic for
    # Yusuf; the existing account is asked too.
    spanish = mailbox.to("beatriz@example.org")[-1]
    assert "Hola" in spanish.get_content() or "Estimado" in spanish.get_content()
    assert "Academy intake 2027" in spanish["Subject"]
    arabic = mailbox.to("yusuf@example.org")[-1].get_content()
    assert re.search("[\u0600-\u06ff]{3}", arabic) and "Hello" not in arabic
    assert "Academy intake 2027" in mailbox.to("known@example.org")[-1].get_content()


def test_a_judge_without_an_account_chooses_a_password_on_the_invitation_and_joins(
    app, invited, mailbox
):
    invited_judge = Browser(app)
    link = mailbox.last_link("beatriz@example.org")
    page = invited_judge.get(link)
    assert page.status_code == 200 and "Juíza Beatriz Carvalho" in page.text
    done = invited_judge.post(
        link,
        data={
            "csrf_token": invited_judge.csrf(link),
            "action": "accept",
            "certificate_name": "Juíza Beatriz Carvalho",
            "country": "BR",
            "preferred_language": "es",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert done.status_code == 302
    assert "Academy intake 2027" in invited_judge.get("/dashboard").text
    assert invited_judge.get(link).status_code == 404
    Browser(app, "beatriz@example.org")  # signs in with the password chosen


def test_an_existing_account_accepts_signed_in_and_another_judge_declines(
    app, cohort, invited, mailbox
):
    browser = invited[0]
    known_link = mailbox.last_link("known@example.org")
    assert "Sign in" in Browser(app).get(known_link).text
    known = Browser(app, "known@example.org")
    accepted = known.post(
        known_link, data={"csrf_token": known.csrf(known_link), "action": "accept"}
    )
    assert accepted.status_code == 302
    yusuf = Browser(app)
    yusuf_link = mailbox.last_link("yusuf@example.org")
    declined = yusuf.post(
        yusuf_link, data={"csrf_token": yusuf.csrf(yusuf_link), "action": "decline"}
    )
    assert declined.status_code == 200 and "declined" in declined.text
    roster = browser.get(f"/cohorts/{cohort.id}/roster")
    assert "Known Judge" in roster.text and "declined" in roster.text
    assert count(app, CohortMember) == 1


def test_a_stray_line_in_another_encoding_does_not_hide_the_files_other_problems(
    app, cohort, trainer
):
    browser = Browser(app, trainer.email)
    token = browser.csrf(f"/cohorts/{cohort.id}")
    stray = (
        b"name,email\nJos\xe9 Ruiz,jose@example.org\nB,not-an-address\n"
        b"C,c@example.org\nD,d@example.org\n"
    )
    page = upload(browser, cohort, token, stray)
    assert page.status_code == 422
    assert "this line is not UTF-8 text" in page.text  # line 2, as a row error
    assert "is not a valid e-mail address" in page.text  # line 3 is still checked
    whole = upload(browser, cohort, token, "name,email\nJosé,jose@example.org\nÉmile,e@x.org\n"
                   .encode("latin-1"))  # fmt: skip
    assert whole.status_code == 422 and "The file is not UTF-8 text" in whole.text
    assert count(app, CohortMember) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,email\nJosé,jose@example.org\n".encode("latin-1"), "is not UTF-8"),
        (b"full name,mail\nA,a@example.org\n", "missing: email"),
        (b"name,email\nA,a@example.org\nB,A@example.org\n", "already on line 2"),
        (b"name,email\nA,not-an-address\n", "is not a valid e-mail address"),
        (b'name,email\n=HYPERLINK("http://x"),a@example.org\n', "would read it as a formula"),
        (b"name,email\n@SUM(A1),a@example.org\n", "would read it as a formula"),
        (b"name,email,country\nA,a@example.org,Narnia\n", "two-letter country code"),
        (b"name,email\n\xe2\x80\xaeevil,a@example.org\n", "control"),
        (b"name,email\n,a@example.org\n", "the name is empty"),
        (b"name,email\n" + b"N" * 201 + b",a@example.org\n", "longer than 200 characters"),
        (b"\x00\x01\x02PK\x03\x04", "not a CSV file"),
        (b"", "The file is empty."),
        (b"name,email\n", "no participants"),
        (b"name,email\n" + b"Judge,judge@example.org\n" * 50_000, "50,000 rows"),
    ],
)
def test_bad_files_say_what_is_wrong_and_import_nothing(app, cohort, trainer, content, message):
    browser = Browser(app, trainer.email)
    token = browser.csrf(f"/cohorts/{cohort.id}")
    before = snapshot(app)
    response = upload(browser, cohort, token, content)
    assert response.status_code == 422
    assert message in response.text, response.text[-3000:]
    assert "Nothing has been imported." in response.text
    assert snapshot(app) == before


def test_the_roster_sorts_by_family_name_and_finds_names_in_any_script(
    app, cohort, trainer, add_judge
):
    for name in ("Судья Ирина Волкова", "Hon. Justice Amina Yusuf", "王芳", "Émile Zola",
                 "Anne Bauer", "Ирина Алексеева"):  # fmt: skip
        add_judge(cohort, name=name)
    browser = Browser(app, trainer.email)

    def names(query: str) -> list[str]:
        page = browser.get(f"/cohorts/{cohort.id}/roster{query}").text
        return re.findall(r'/members/\d+"><bdi>([^<]+)</bdi>', page)

    assert names("") == ["Anne Bauer", "王芳", "Hon. Justice Amina Yusuf", "Émile Zola",
                         "Ирина Алексеева", "Судья Ирина Волкова"]  # fmt: skip
    assert names("?sort=name&order=desc")[0] == "Судья Ирина Волкова"
    # Folded in every alphabet, on SQLite as on PostgreSQL; by e-mail as well.
    assert names("?q=ВОЛКОВА") == names("?q=волкова") == ["Судья Ирина Волкова"]
    assert names("?q=émile") == names("?q=ÉMILE") == ["Émile Zola"]
    assert (
        names("?q=%25") == []
        and "No judge of the cohort matches"
        in browser.get(f"/cohorts/{cohort.id}/roster?q=%25").text
    )
    assert len(names("?q=example.org&status=not-started")) == 6


def test_scores_earned_before_joining_are_marked_and_counted_as_the_cohort_says(
    app, cohort, course, trainer, add_judge
):
    earlier = add_judge(cohort, name="Early Bird", pre="right", post=["right"])
    add_judge(cohort, name="On Time", pre="wrong")
    with app.app_context():
        member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == earlier.id))
        member.joined_at = utcnow()  # joined after finishing the course on their own
        db.session.commit()
        member_id = member.id
    browser = Browser(app, trainer.email)
    roster = browser.get(f"/cohorts/{cohort.id}/roster").text
    assert roster.count("before joining</span>") == 2  # Early Bird's entry and final
    assert "It counts in the cohort" in roster
    with app.app_context():
        figures = report.cohort_report(db.session, cohort.id, course)
        assert (figures.pre_count, figures.mean_pre) == (2, 50)
        services.set_counts_earlier_scores(
            db.session, db.session.get(Cohort, cohort.id), course, False,
            db.session.get(User, trainer.id),
        )  # fmt: skip
        db.session.commit()
        figures = report.cohort_report(db.session, cohort.id, course)
        assert (figures.pre_count, figures.mean_pre, figures.post_count) == (1, 0, 0)
    roster = browser.get(f"/cohorts/{cohort.id}/roster").text
    assert roster.count("before joining</span>") == 2 and "leave it out" in roster
    assert "are left out of these figures" in browser.get(f"/cohorts/{cohort.id}/report").text
    record = browser.get(f"/cohorts/{cohort.id}/members/{member_id}").text
    assert record.count("before joining</span>") == 2


def test_exports_neutralise_formulas_and_keep_every_script(app, cohort, trainer, add_judge):
    add_judge(
        cohort,
        name='=HYPERLINK("http://evil","x")',
        email="evil@example.org",
        pre="wrong",
        lessons=3,
        post=["right"],
    )
    add_judge(cohort, name="法官 王丽华", email="wang@example.org", pre="right")
    browser = Browser(app, trainer.email)
    response = browser.get(f"/cohorts/{cohort.id}/roster.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_email = {row["E-mail"]: row for row in rows}
    assert set(by_email) == {"evil@example.org", "wang@example.org"}
    assert by_email["evil@example.org"]["Name"].startswith("'=HYPERLINK")
    assert by_email["evil@example.org"]["Normalised gain"] == "1.0"
    assert by_email["wang@example.org"]["Name"] == "法官 王丽华"

    workbook = openpyxl.load_workbook(
        io.BytesIO(browser.get(f"/cohorts/{cohort.id}/roster.xlsx").data)
    )
    sheet = workbook.active
    names = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=1).data_type
        for r in range(2, sheet.max_row + 1)
    }
    assert names == {'=HYPERLINK("http://evil","x")': "s", "法官 王丽华": "s"}

    items = list(
        csv.reader(
            io.StringIO(browser.get(f"/cohorts/{cohort.id}/items.csv").data.decode("utf-8-sig"))
        )
    )
    assert items[0][:2] == ["Question", "Bank entry"] and len(items) > 1


def test_the_report_page_and_pdf(app, cohort, trainer, add_judge):
    browser = Browser(app, trainer.email)
    empty = browser.get(f"/cohorts/{cohort.id}/report")
    assert "No data yet" in empty.text and "data:image/svg" not in empty.text
    add_judge(cohort, name="Judge Kofi Boateng", pre="wrong", lessons=3, post=["right"])
    page = browser.get(f"/cohorts/{cohort.id}/report")
    assert page.text.count('src="data:image/svg+xml;base64,') == 2
    assert "Marks earned per topic" in page.text and "Item analysis" in page.text
    assert "Value 1: Independence" in page.text
    # A job renders the PDF (at once in the tests, after the request's commit).
    preparing = browser.get(f"/cohorts/{cohort.id}/report.pdf")
    assert preparing.status_code == 202 and "being prepared" in preparing.text
    pdf = browser.get(f"/cohorts/{cohort.id}/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    assert "Academy intake 2027" in text and "Paired comparison" in text
    assert "Item analysis" in text and "Trainer Tessa" in text


def test_co_trainers_and_the_last_trainer(app, cohort, trainer, other_trainer, create_user):
    learner = create_user(email="learner@example.org")
    browser = Browser(app, trainer.email)
    token = browser.csrf(f"/cohorts/{cohort.id}")
    for email in (learner.email, "nobody@example.org"):
        refused = browser.post(
            f"/cohorts/{cohort.id}/trainers", data={"csrf_token": token, "email": email}
        )
        assert "no trainer account" in browser.get(refused.headers["Location"]).text
    assert count(app, CohortTrainer) == 1
    browser.post(
        f"/cohorts/{cohort.id}/trainers", data={"csrf_token": token, "email": other_trainer.email}
    )
    assert count(app, CohortTrainer) == 2
    other = Browser(app, other_trainer.email)
    assert other.get(f"/cohorts/{cohort.id}/report").status_code == 200
    token = other.csrf(f"/cohorts/{cohort.id}")
    # A co-trainer cannot take the cohort from the trainer who created it...
    refused = other.post(
        f"/cohorts/{cohort.id}/trainers/{trainer.id}/remove", data={"csrf_token": token}
    )
    assert "Only the trainer who created this cohort" in other.get(refused.headers["Location"]).text
    assert count(app, CohortTrainer) == 2
    # ...but may step down; the creator then cannot leave the cohort without a trainer.
    other.post(
        f"/cohorts/{cohort.id}/trainers/{other_trainer.id}/remove", data={"csrf_token": token}
    )
    assert other.get(f"/cohorts/{cohort.id}").status_code == 404
    token = browser.csrf(f"/cohorts/{cohort.id}")
    refused = browser.post(
        f"/cohorts/{cohort.id}/trainers/{trainer.id}/remove", data={"csrf_token": token}
    )
    assert "keeps at least one trainer" in browser.get(refused.headers["Location"]).text
    assert scalar(app, select(CohortTrainer.user_id)) == trainer.id


def test_trainers_manual_is_for_trainers_only(app, trainer, create_user):
    path = "/trainers/sample/running-a-workshop"
    learner = Browser(app, create_user(email="learner@example.org").email)
    assert learner.get(path).status_code == 403
    assert learner.get("/trainers/sample/").status_code == 403
    browser = Browser(app, trainer.email)
    assert "Running a workshop" in browser.get("/trainers/sample/").text
    page = browser.get(path)
    assert page.status_code == 200 and "<strong>gain</strong>" in page.text
    assert browser.get("/trainers/sample/no-such-page").status_code == 404
    assert browser.get("/trainers/no-such-course/").status_code == 404


def test_trainers_read_the_manual_in_their_language(app, create_user):
    """A French-speaking trainer reads the French page; where the page has no translation in
    the trainer's language, the English one is shown, marked as English for screen readers."""
    french = Browser(app, create_user(role=Role.trainer, preferred_language="fr").email)
    page = french.get("/trainers/sample/running-a-workshop").text
    assert "<h1>Animer un atelier</h1>" in page and "<strong>gain</strong>" in page
    assert "Animer un atelier" in french.get("/trainers/sample/").text
    spanish = Browser(app, create_user(role=Role.trainer, preferred_language="es").email)
    page = spanish.get("/trainers/sample/running-a-workshop").text
    assert '<article class="lesson" lang="en" dir="ltr">' in page and "Running a workshop" in page


def test_platform_figures_for_admins(app, cohort, trainer, create_user, add_judge):
    add_judge(cohort, country="KE", pre="wrong", lessons=3, post=["right"])
    add_judge(cohort, country="KE", pre="wrong")
    admin = create_user(email="admin@example.org", role=Role.admin)
    trainer_browser = Browser(app, trainer.email)
    for url in ("/admin/figures", "/admin/figures.csv", "/admin/cohorts.csv"):
        assert trainer_browser.get(url).status_code == 403
    browser = Browser(app, admin.email)
    page = browser.get("/admin/figures")
    assert "Kenya" in page.text and "Academy intake 2027" in page.text
    rows = list(
        csv.DictReader(io.StringIO(browser.get("/admin/figures.csv").data.decode("utf-8-sig")))
    )
    kenya = next(row for row in rows if row["Country code"] == "KE")
    assert (kenya["Learners"], kenya["Enrolments"], kenya["Completions"]) == ("2", "2", "1")
    assert kenya["Mean normalised gain"] == "1.0"
    cohorts = list(
        csv.DictReader(io.StringIO(browser.get("/admin/cohorts.csv").data.decode("utf-8-sig")))
    )
    assert [(c["Name"], c["Judges"], c["Passed"]) for c in cohorts] == [
        ("Academy intake 2027", "2", "1")
    ]


def test_a_trainer_grants_an_extra_attempt_once_with_a_reason(
    app, cohort, trainer, other_trainer, course, add_judge, mailbox
):
    lessons = len(course.lessons)
    judge = add_judge(
        cohort, name="Judge Out Of Tries", pre="wrong", lessons=lessons, post=["wrong", "wrong"]
    )
    with app.app_context():
        member_id = scalar(app, select(CohortMember.id).where(CohortMember.user_id == judge.id))
    browser = Browser(app, trainer.email)
    roster = browser.get(f"/cohorts/{cohort.id}/roster").text
    url = f"/cohorts/{cohort.id}/members/{member_id}/extra-attempt"
    assert url in roster and "Grant an extra attempt" in roster
    assert Browser(app, other_trainer.email).get(url).status_code == 404
    page = browser.get(url)
    assert page.status_code == 200 and "has used every attempt" in page.text
    empty = browser.post(url, data={"csrf_token": browser.csrf(url), "reason": "  "})
    assert empty.status_code == 200 and "Say why the judge is given another attempt." in empty.text
    assert scalar(app, select(Enrolment.extra_attempts).where(Enrolment.user_id == judge.id)) == 0
    reason = "Absent on the last day: called to a bail hearing"
    granted = browser.post(url, data={"csrf_token": browser.csrf(url), "reason": reason})
    assert granted.status_code == 302
    assert (
        "may now take the final assessment once more"
        in browser.get(granted.headers["Location"]).text
    )
    assert scalar(app, select(Enrolment.extra_attempts).where(Enrolment.user_id == judge.id)) == 1
    event = scalar(
        app, select(AuditEvent).where(AuditEvent.action == "cohort.extra_attempt_granted")
    )
    assert event.details == {"user_id": judge.id, "reason": reason} and event.actor_id == trainer.id
    [mail] = mailbox.to(judge.email)
    assert (
        "one more attempt at the final assessment" in mail.get_content()
        and reason in mail.get_content()
    )
    # The judge may start it; a second grant is refused while it is unused.
    judge_browser = Browser(app, judge.email)
    overview = judge_browser.get("/courses/sample/assessment/post").text
    assert "Start the assessment" in overview
    again = browser.post(url, data={"csrf_token": browser.csrf(url), "reason": reason})
    assert again.status_code == 200 and "nothing to grant" in again.text
    assert scalar(app, select(Enrolment.extra_attempts).where(Enrolment.user_id == judge.id)) == 1
    # Taken and failed at once, it is not granted again: the course allows one extra attempt.
    with app.app_context():
        enrolment_id = db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == judge.id))
        take_assessment(db.session, course, enrolment_id, "post", -9.0, random.Random(5), utcnow())
        db.session.commit()
    limit = browser.post(url, data={"csrf_token": browser.csrf(url), "reason": reason})
    assert limit.status_code == 200 and "allows 1 extra attempt per judge" in limit.text
    assert scalar(app, select(Enrolment.extra_attempts).where(Enrolment.user_id == judge.id)) == 1


def test_a_judges_name_opens_their_record_and_each_submitted_attempts_answers(
    app, cohort, trainer, other_trainer, course, add_judge
):
    lessons = len(course.lessons)
    judge = add_judge(
        cohort, name="Judge Record Keeper", pre="wrong", lessons=lessons, post=["wrong", "right"]
    )
    with app.app_context():
        member_id = db.session.scalar(
            select(CohortMember.id).where(CohortMember.user_id == judge.id)
        )
        attempts = db.session.scalars(
            select(Attempt).join(Enrolment, Enrolment.id == Attempt.enrolment_id)
            .where(Enrolment.user_id == judge.id).order_by(Attempt.kind, Attempt.number)
        ).all()  # fmt: skip
        ids = {(a.kind, a.number): a.id for a in attempts}
    browser = Browser(app, trainer.email)
    record_url = f"/cohorts/{cohort.id}/members/{member_id}"
    assert f'href="{record_url}"' in browser.get(f"/cohorts/{cohort.id}/roster").text
    record = browser.get(record_url).text
    assert "Judge Record Keeper" in record and "Passed" in record
    assert "Lessons by module" in record and f"{len(course.modules[0].lessons)} of " in record
    for kind, number in ((("pre", 1)), ("post", 1), ("post", 2)):
        assert f"{record_url}/attempts/{ids[(kind, number)]}" in record
    assert "Marks by topic" in record and "Value 1: Independence" in record
    answers = browser.get(f"{record_url}/attempts/{ids[('post', 1)]}").text
    assert "the judge’s answer" in answers or "the judge's answer" in answers
    assert "right answer" in answers and "Question 1" in answers
    assert "were not answered fully right" in answers or "was not answered fully right" in answers
    # Nobody else's: another trainer, another cohort's member, an attempt not the judge's.
    assert Browser(app, other_trainer.email).get(record_url).status_code == 404
    other = add_judge(cohort, name="Judge Other", pre="wrong")
    with app.app_context():
        other_member = db.session.scalar(
            select(CohortMember.id).where(CohortMember.user_id == other.id)
        )
    mixed = f"/cohorts/{cohort.id}/members/{other_member}/attempts/{ids[('post', 1)]}"
    assert browser.get(mixed).status_code == 404


def test_removing_a_judge_asks_first_and_keeps_their_work(app, cohort, trainer, add_judge):
    judge = add_judge(cohort, name="Judge To Remove", pre="wrong")
    with app.app_context():
        member_id = db.session.scalar(
            select(CohortMember.id).where(CohortMember.user_id == judge.id)
        )
    browser = Browser(app, trainer.email)
    url = f"/cohorts/{cohort.id}/members/{member_id}/remove"
    assert f'href="{url}"' in browser.get(f"/cohorts/{cohort.id}/roster").text  # a link, not a form
    asked = browser.get(url)
    assert asked.status_code == 200 and "Remove Judge To Remove from the cohort?" in asked.text
    assert count(app, CohortMember) == 1  # asking changes nothing
    assert browser.post(url, data={}).status_code == 400  # no CSRF token: nothing happens
    done = browser.post(url, data={"csrf_token": browser.csrf(url)})
    assert done.status_code == 302 and count(app, CohortMember) == 0
    assert scalar(app, select(func.count()).select_from(Attempt)) == 1  # their entry attempt stays


def test_trainers_download_their_cohorts_certificates_one_or_all(
    app, cohort, trainer, other_trainer, course, add_judge
):
    browser = Browser(app, trainer.email)
    empty = browser.get(f"/cohorts/{cohort.id}/certificates.zip")
    assert empty.status_code == 302
    assert "No certificate of this cohort" in browser.get(empty.headers["Location"]).text
    lessons = len(course.lessons)
    passed = [
        add_judge(cohort, name=name, pre="wrong", lessons=lessons, post=["right"])
        for name in ("Judge Ада Петрова", "Judge Kofi/../Mensah")
    ]
    add_judge(cohort, name="Judge Not Yet", pre="wrong")
    with app.app_context():
        rows = db.session.execute(
            select(CohortMember.id, Certificate.id, Certificate.pdf_sha256, Certificate.serial)
            .join(Certificate, Certificate.enrolment_id == CohortMember.enrolment_id)
            .where(CohortMember.user_id.in_([judge.id for judge in passed]))
            .order_by(Certificate.serial)
        ).all()
    assert len(rows) == 2
    member_id, _certificate_id, digest, _serial = rows[0]
    one = browser.get(f"/cohorts/{cohort.id}/members/{member_id}/certificate.pdf")
    assert one.status_code == 200 and one.mimetype == "application/pdf"
    assert hashlib.sha256(one.data).hexdigest() == digest  # the PDF as issued: it verifies
    assert (
        Browser(app, other_trainer.email)
        .get(f"/cohorts/{cohort.id}/members/{member_id}/certificate.pdf")
        .status_code
        == 404
    )
    # Every one that stands, named by serial and holder: names in any script, never a path.
    archive = browser.get(f"/cohorts/{cohort.id}/certificates.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(archive.data))
    names = files.namelist()
    # The signed PDFs as issued, byte for byte: each still verifies, signature and fingerprint.
    assert {hashlib.sha256(files.read(name)).hexdigest() for name in names} == {r[2] for r in rows}
    assert sorted(name.split(" ", 1)[1] for name in names) == [
        "Judge Kofi..Mensah.pdf",
        "Judge Ада Петрова.pdf",
    ]
    assert sorted(name.split(" ", 1)[0] for name in names) == [rows[0][3], rows[1][3]]
    # A revoked one is left out.
    with app.app_context():
        db.session.get(Certificate, rows[1][1]).revoked_at = utcnow()
        db.session.commit()
    archive = browser.get(f"/cohorts/{cohort.id}/certificates.zip")
    assert len(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == 1
    revoked = f"/cohorts/{cohort.id}/members/{rows[1][0]}/certificate.pdf"
    assert browser.get(revoked).status_code == 404
