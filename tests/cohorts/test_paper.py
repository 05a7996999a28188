"""Paper answer sheets, as services: a sheet typed in becomes an attempt scored and counted as
online answers are; typed twice it is entered once; corrected only when confirmed."""

from __future__ import annotations

import io
import random
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from elearning.accounts.models import Role, User
from elearning.assessments.models import Attempt
from elearning.assessments.services import credits_of
from elearning.audit.models import AuditEvent
from elearning.catalog import load_app_catalog
from elearning.certificates.models import Certificate
from elearning.cohorts import paper, services, tallies
from elearning.cohorts.models import Cohort, CohortMember, ReportDocument
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.jobs import huey
from elearning.learning import services as learning
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.helpers import browser_for, pdf_text, qr_codes_of, token_of


def _kept_equal_recount(cohort_id: int, course) -> dict[str, float]:
    kept = {k: v for k, v in tallies.read(db.session, cohort_id, course).items() if abs(v) > 1e-9}
    recounted = tallies.recount(db.session, cohort_id, course)
    assert kept.keys() == {k for k, v in recounted.items() if abs(v) > 1e-9}
    for name, value in kept.items():
        assert value == pytest.approx(recounted[name], rel=1e-9, abs=1e-9), name
    return kept


def _answers(sheet, course, right: bool | None = True) -> dict[str, frozenset[str]]:
    """Every question right (True), wrong (False), or left blank (None)."""
    answers = {}
    for q in sheet.questions(course):
        question = q.question
        if right is None:
            answers[question.id] = frozenset()
        elif right:
            answers[question.id] = question.correct_keys
        else:
            wrong = [c.key for c in question.choices if not c.is_correct]
            answers[question.id] = frozenset(wrong[:1])
    return answers


@pytest.fixture
def room(app, course, make_cohort, trainer, create_user):
    """A cohort of two judges, its trainer; the session is the test's."""
    cohort = make_cohort(trainer, name="Paper workshop")
    judges = [create_user(email=f"judge{i}@example.org", name=f"Judge {i}") for i in (1, 2)]
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        members = [
            services.join_cohort(db.session, row, judge.id, course, via="code")[0]
            for judge in judges
        ]
        db.session.commit()
        ids = [m.id for m in members]
    return cohort.id, ids


def _member(member_id):
    return db.session.get(CohortMember, member_id)


def test_a_paper_sheet_counts_as_online_answers_and_the_kept_totals_follow(
    app, course, room, trainer
):
    cohort_id, (first, second) = room
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        actor = db.session.get(User, trainer.id)
        now = utcnow()
        tallies.read(db.session, cohort_id, course)  # the totals are kept from here on
        # The second judge sits the entry assessment online, the first on paper.
        member = _member(second)
        take_assessment(db.session, course, member.enrolment_id, "pre", 0.5, random.Random(3), now)
        sheet = paper.compose_sheet(db.session, course, _member(first), "pre")
        assert sheet == paper.compose_sheet(db.session, course, _member(first), "pre")  # reprint
        entered = paper.enter_sheet(
            db.session, cohort, course, sheet, _answers(sheet, course), actor, now
        )
        db.session.commit()
        attempt = entered.attempt
        assert entered.outcome == "entered" and attempt.mode == "paper" and not attempt.is_open
        assert attempt.score == 100.0 and attempt.sheet == sheet.version
        assert attempt.form == sheet.form
        credits = credits_of(db.session, [attempt.id])[attempt.id]
        assert set(credits) == {q.question.id for q in sheet.questions(course)}
        kept = _kept_equal_recount(cohort_id, course)
        assert kept["pre_n"] == 2 and kept["pre_sum"] > 100.0

        # The final on paper (the judge has read every lesson), all wrong: scored, not passed;
        # it does not repeat the entry's questions; the gain is counted.
        enrolment = db.session.get(Enrolment, _member(first).enrolment_id)
        for lesson in course.lessons:
            learning.mark_complete(db.session, enrolment, lesson, course.content_version)
        final = paper.compose_sheet(db.session, course, _member(first), "post")
        assert not set(final.entry_ids) & set(sheet.entry_ids)
        result = paper.enter_sheet(
            db.session, cohort, course, final, _answers(final, course, False), actor, now
        )
        db.session.commit()
        assert result.attempt.score == 0.0 and result.attempt.is_passed is False
        kept = _kept_equal_recount(cohort_id, course)
        assert kept["post_n"] == 1 and kept["sat"] == 1 and kept.get("passed", 0) == 0

        # Typed in again with other answers: nothing changes until confirmed; then the
        # attempt is corrected (a pass), audited, and the totals move by the difference.
        again = paper.enter_sheet(
            db.session, cohort, course, final, _answers(final, course), actor, now
        )
        assert again.outcome == "differs" and again.changed
        assert db.session.get(Attempt, result.attempt.id).score == 0.0
        corrected = paper.enter_sheet(
            db.session, cohort, course, final, _answers(final, course), actor, now, confirmed=True
        )
        db.session.commit()
        assert corrected.outcome == "corrected"
        assert corrected.attempt.score == 100.0 and corrected.attempt.is_passed
        kept = _kept_equal_recount(cohort_id, course)
        assert kept["passed"] == 1 and kept["post_sum"] == 100.0
        # The pass earned the judge their certificate, as an online pass does.
        issued = db.session.scalars(select(Certificate.enrolment_id)).all()
        assert issued == [_member(first).enrolment_id]
        # Corrected back: the pass is withdrawn (the trainer is told the certificate stands).
        undone = paper.enter_sheet(
            db.session, cohort, course, final, _answers(final, course, False), actor, now,
            confirmed=True,
        )  # fmt: skip
        db.session.commit()
        assert undone.pass_withdrawn and undone.attempt.is_passed is False
        # The certificate stands (revoking is an admin's decision), flagged in its history.
        [certificate] = db.session.scalars(select(Certificate)).all()
        assert certificate.status == "valid"
        flagged = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "certificate.pass_withdrawn")
        ).all()
        assert [(e.subject_id, e.details["score"]) for e in flagged] == [(certificate.id, 0.0)]
        kept = _kept_equal_recount(cohort_id, course)
        assert kept.get("passed", 0) == 0 and kept.get("post_sum", 0) == 0 and kept["post_n"] == 1
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("cohort.paper%"))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == [
            "cohort.paper_sheet_entered",
            "cohort.paper_sheet_entered",
            "cohort.paper_sheet_corrected",
            "cohort.paper_sheet_corrected",
        ]


def test_a_sheet_typed_in_twice_is_one_attempt(app, course, room, trainer):
    cohort_id, (first, _second) = room
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        actor = db.session.get(User, trainer.id)
        sheet = paper.compose_sheet(db.session, course, _member(first), "pre")
        answers = _answers(sheet, course, None)  # handed in blank
        for expected in ("entered", "unchanged", "unchanged"):
            outcome = paper.enter_sheet(db.session, cohort, course, sheet, answers, actor, utcnow())
            db.session.commit()
            assert outcome.outcome == expected
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.like("cohort.paper%"))
            )
            == 1
        )
        assert outcome.attempt.score == 0.0


def test_refused_online_other_questions_and_options_and_forged_codes(app, course, room, trainer):
    cohort_id, (first, second) = room
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        actor = db.session.get(User, trainer.id)
        now = utcnow()
        online = _member(second)
        take_assessment(db.session, course, online.enrolment_id, "pre", 0.5, random.Random(3), now)
        sheet = paper.compose_sheet(db.session, course, online, "pre")
        with pytest.raises(paper.PaperRefused) as refused:
            paper.enter_sheet(db.session, cohort, course, sheet, {}, actor, now)
        assert refused.value.reason == "online"

        sheet = paper.compose_sheet(db.session, course, _member(first), "pre")
        question = sheet.questions(course)[0].question
        for answers, reason in (
            ({"not-on-the-sheet": frozenset({"a"})}, "question"),
            ({question.id: frozenset({"zz"})}, "option"),
        ):
            with pytest.raises(paper.PaperRefused) as refused:
                paper.enter_sheet(db.session, cohort, course, sheet, answers, actor, now)
            assert refused.value.reason == reason
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1  # the online one

        secret = app.config["SECRET_KEY"]
        token = paper.sheet_token(secret, sheet)
        assert paper.read_token(secret, token) == paper.SheetRef(
            cohort_id, first, "pre", sheet.version
        )
        forged = paper.sheet_token("another-secret", sheet)
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        for bad in (forged, tampered, "", "garbage", token.replace(".", "", 1)):
            assert paper.read_token(secret, bad) is None


# --- the pages -----------------------------------------------------------------------------------


@pytest.fixture
def printed(app, make_cohort, trainer, create_user, tmp_path):
    """A cohort of two judges (the second reads Arabic), a client signed in as its trainer, and the
    entry assessment's sheets printed: the PDF and the address in the first sheet's QR code."""
    cohort = make_cohort(trainer, name="Paper workshop")
    names = ("Amal Haddad", "Kofi Mensah")
    for name, language in zip(names, ("en", "ar"), strict=True):
        judge = create_user(name=name, preferred_language=language)
        with app.app_context():
            services.join_cohort(
                db.session, db.session.get(Cohort, cohort.id), judge.id, course_of(app), via="code"
            )
            db.session.commit()
    client = browser_for(app, trainer.email)
    url = f"/cohorts/{cohort.id}/paper/pre.pdf"
    assert client.get(url).status_code == 202  # a job renders them (at once, in the tests)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    codes = qr_codes_of(response.data, tmp_path)
    return cohort, client, response.data, codes, tmp_path


def course_of(app):
    return load_app_catalog(app).course("sample")


def _form_answers(html: str, *, pick: int = 1) -> dict[str, str]:
    """Every question of a typing page answered with its ``pick``-th box."""
    names = dict.fromkeys(re.findall(r'name="(q-[^"]+)"', html))
    return {name: str(pick) for name in names}


def test_a_trainer_prints_one_sheet_per_judge_and_types_one_in(app, printed, create_user):
    cohort, client, pdf, codes, _folder = printed
    text = pdf_text(pdf)
    assert "Kofi Mensah" in text and "Amal Haddad" in text
    assert "version" in text and "1." in text
    # The QR code holds the sheet's typing page at the platform's public address.
    assert len(codes) == 1 and codes[0].startswith(
        f"{app.config['BASE_URL']}/cohorts/{cohort.id}/paper/sheet/"
    )
    path = codes[0][len(app.config["BASE_URL"]) :]
    page = client.get(path)
    assert page.status_code == 200 and "Left blank" in page.text
    answers = _form_answers(page.text)
    data = {"csrf_token": token_of(page.text), **answers}
    saved = client.post(path, data=data)
    assert saved.status_code == 302
    # Back on the sheets page, the next judge's sheet is offered.
    offered = client.get(saved.headers["Location"]).text
    assert re.search(r'<option selected value="\d+">Kofi Mensah</option>', offered), offered
    roster = client.get(f"/cohorts/{cohort.id}/roster")
    assert "on paper" in roster.text
    with app.app_context():
        member_id = paper.read_token(app.config["SECRET_KEY"], path.rsplit("/", 1)[-1]).member_id
    assert "on paper" in client.get(f"/cohorts/{cohort.id}/members/{member_id}").text
    with app.app_context():  # the judge's own pages say so too
        email = db.session.get(User, db.session.get(CohortMember, member_id).user_id).email
    judge = browser_for(app, email)
    assert "(on paper)" in judge.get("/courses/sample/assessment/pre").text
    again = client.post(path, data=data, follow_redirects=True)
    assert "This sheet was already entered" in again.text
    # Other answers: nothing changes until the trainer confirms the correction.
    other = {**data, **{name: "blank" for name in answers}}
    differs = client.post(path, data=other)
    assert differs.status_code == 409 and 'name="confirmed" value="1"' in differs.text
    with app.app_context():
        attempt = db.session.scalar(select(Attempt))
        assert attempt.mode == "paper" and attempt.score is not None
        before = attempt.score
    corrected = client.post(path, data={**other, "confirmed": "1"}, follow_redirects=True)
    assert "is corrected" in corrected.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
        assert db.session.scalar(select(Attempt.score)) == 0.0 <= before
    # The audit log tells both in plain words.
    admin = create_user(email="admin@example.org", role=Role.admin)
    log = browser_for(app, admin.email).get("/admin/audit").text
    assert "typed in the paper answer sheet of" in log
    assert "corrected the paper answer sheet of" in log and "now 0%" in log


def test_bad_input_and_forged_sheets_change_nothing(app, printed, make_cohort, create_user):
    cohort, client, _pdf, codes, folder = printed
    path = codes[0][len(app.config["BASE_URL"]) :]
    page = client.get(path)
    answers = _form_answers(page.text)
    token = token_of(page.text)
    for data, message in (
        ({**answers, next(iter(answers)): "9"}, "not one of the options"),
        ({**answers, "q-not-on-the-sheet": "1"}, "not on this page"),
        ({**answers, "csrf_token": "forged"}, ""),  # refused before the page (CSRF)
    ):
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code in (400, 422) and message in response.text
    tampered = path[:-3] + ("xyz" if not path.endswith("xyz") else "abc")
    response = client.post(tampered, data={"csrf_token": token, **answers}, follow_redirects=True)
    assert "its code was altered" in response.text
    # Another cohort's sheet is not a sheet of this one.
    other = make_cohort(browser_trainer := create_user(email="t2@example.org", role=Role.trainer))
    assert browser_trainer
    response = client.get(path.replace(f"/cohorts/{cohort.id}/", f"/cohorts/{other.id}/"))
    assert response.status_code == 404  # not this trainer's cohort
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0

    # A photo of the sheet opens its page; a photo without a QR code says so.
    photo = (folder / "page.png").read_bytes()
    opened = client.post(
        f"/cohorts/{cohort.id}/paper/photo",
        data={"csrf_token": token, "file": (io.BytesIO(photo), "sheet.png")},
        content_type="multipart/form-data",
    )
    assert opened.status_code == 302 and opened.headers["Location"].endswith(path)
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, format="PNG")
    blank.seek(0)
    response = client.post(
        f"/cohorts/{cohort.id}/paper/photo",
        data={"csrf_token": token, "file": (blank, "blank.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "No QR code was found" in response.text


def test_only_the_cohorts_trainers_print_and_type_in_sheets(app, printed, create_user):
    cohort, _client, _pdf, codes, _folder = printed
    path = codes[0][len(app.config["BASE_URL"]) :]
    outsider = create_user(email="other-trainer@example.org", role=Role.trainer)
    judge = create_user(email="some-judge@example.org")
    for email in (outsider.email, judge.email):
        client = browser_for(app, email)
        for url in (f"/cohorts/{cohort.id}/paper/pre.pdf", f"/cohorts/{cohort.id}/paper", path):
            assert client.get(url).status_code in (403, 404), (email, url)
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["Location"]


def test_a_job_prints_the_cohorts_sheets_once_and_again_when_a_judge_joins(
    make_app, create_user, tmp_path
):
    """The whole cohort's sheets leave the request: the first request queues one job and says
    they are being prepared (a page that refreshes itself); asked again meanwhile, no second
    job; once the worker has run it, the kept PDF is served until a judge joins."""
    # Jobs wait in a queue of their own, as with a worker beside the web server.
    app = make_app(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")
    trainer = create_user(email="trainer@example.org", role=Role.trainer)
    course = course_of(app)
    with app.app_context():
        cohort = services.create_cohort(
            db.session,
            course=course,
            details=services.CohortDetails(name="Paper workshop"),
            creator=db.session.get(User, trainer.id),
        )
        db.session.commit()
        cohort_id = cohort.id

    def join(name: str) -> None:
        judge = create_user(name=name)
        with app.app_context():
            cohort = db.session.get(Cohort, cohort_id)
            services.join_cohort(db.session, cohort, judge.id, course, via="code")
            db.session.commit()

    def run_the_queue() -> int:
        ran = 0
        with app.app_context():
            while (job := huey.dequeue()) is not None:
                huey.execute(job)
                ran += 1
        return ran

    join("Amal Haddad")
    run_the_queue()  # the joining's own jobs (the cohort's totals)
    client = browser_for(app, trainer.email)
    url = f"/cohorts/{cohort_id}/paper/pre.pdf"
    first = client.get(url)
    assert first.status_code == 202 and "being prepared" in first.text
    assert '<meta http-equiv="refresh"' in first.text and f'href="{url}"' in first.text
    assert client.get(url).status_code == 202  # asked for again: still the one job
    assert huey.pending_count() == 1
    assert run_the_queue() == 1
    served = client.get(url)
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert "Amal Haddad" in pdf_text(served.data)
    (code,) = qr_codes_of(served.data, tmp_path)
    assert code.startswith(f"{app.config['BASE_URL']}/cohorts/{cohort_id}/paper/sheet/")
    assert client.get(url).data == served.data and huey.pending_count() == 0  # the kept copy
    with app.app_context():
        document = db.session.get(ReportDocument, (cohort_id, "", "paper-pre"))
        before = document.fingerprint

    # A judge joins: the sheets are printed again, with theirs.
    join("Kofi Mensah")
    run_the_queue()
    assert client.get(url).status_code == 202
    assert run_the_queue() == 1
    with app.app_context():
        assert db.session.get(ReportDocument, (cohort_id, "", "paper-pre")).fingerprint != before
    text = pdf_text(client.get(url).data)
    assert "Amal Haddad" in text and "Kofi Mensah" in text
    # One judge's sheet is printed at once, and queues nothing.
    with app.app_context():
        member_id = db.session.scalar(select(func.max(CohortMember.id)))
    alone = client.get(f"{url}?member={member_id}")
    assert alone.status_code == 200 and huey.pending_count() == 0
    assert "Kofi Mensah" in pdf_text(alone.data) and "Amal Haddad" not in pdf_text(alone.data)
