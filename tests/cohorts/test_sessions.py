"""A workshop is a cohort with sessions: its agenda (written, or copied from the manual's),
attendance taken on screen or by scanning a printed sheet's QR codes, and certificates that
wait for the attendance a cohort requires."""

from __future__ import annotations

import random
import shutil
from datetime import date, time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from elearning.accounts.models import Role, User
from elearning.audit.models import AuditEvent
from elearning.certificates import adapters, issuance
from elearning.certificates.models import Certificate, CertificateRequest
from elearning.cohorts import agenda, attendance
from elearning.cohorts.logic import sessions_needed
from elearning.cohorts.models import Cohort, CohortMember, CohortSession
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.helpers import (
    ALWAYS_RIGHT,
    FIXTURE_CONTENT,
    AuthActions,
    csrf_token_of,
    errors_after_edit,
    pdf_text,
    qr_codes_of,
)


def _client(app, email):
    client = app.test_client()
    AuthActions(client, lambda path: csrf_token_of(client, path)).login(email)
    return client


def _post(client, path, data=None, page=None):
    return client.post(
        path, data={**(data or {}), "csrf_token": csrf_token_of(client, page or path)}
    )


@pytest.fixture
def workshop(app, make_cohort, trainer, course, add_judge):
    """A cohort starting on 2027-03-01 with the sample manual's two-day agenda (three sessions)
    and three judges (Amal passed the final); its trainer's client."""
    cohort = make_cohort(trainer, name="Nairobi workshop", starts_on=date(2027, 3, 1))
    lessons = len(course.lessons)
    judges = {
        "amal": add_judge(cohort, name="Amal Haddad", email="amal@example.org", pre="wrong"),
        "kofi": add_judge(cohort, name="Kofi Mensah", email="kofi@example.org", pre="wrong"),
        "ivan": add_judge(cohort, name="Иван Петров", email="ivan@example.org", pre="wrong"),
    }
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        agenda.fill_from_agenda(
            db.session,
            row,
            course.agendas["two-day"],
            language="en",
            actor=db.session.get(User, trainer.id),
        )
        db.session.commit()
    return cohort, judges, _client(app, trainer.email), lessons


def _sessions(app, cohort_id):
    with app.app_context():
        return [(s.id, s.title, s.held_on) for s in agenda.sessions_of(db.session, cohort_id)]


def _member(app, cohort_id, user_id):
    with app.app_context():
        return db.session.scalar(
            select(CohortMember.id).where(
                CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id
            )
        )


# --- services ---------------------------------------------------------------------------------


def test_the_manuals_agenda_fills_the_sessions_from_the_start_date(app, workshop, course):
    cohort, _judges, _client_, _ = workshop
    assert [(title, day) for _id, title, day in _sessions(app, cohort.id)] == [
        ("Opening", date(2027, 3, 1)),
        ("Independence", date(2027, 3, 1)),
        ("Case work", date(2027, 3, 2)),
    ]
    assert course.agendas["one-day"].days == 1
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        trainer = db.session.scalar(select(User).where(User.role == Role.trainer))
        with pytest.raises(agenda.AgendaRefused) as refused:  # nothing is overwritten unasked
            agenda.fill_from_agenda(
                db.session, row, course.agendas["one-day"], language="fr", actor=trainer
            )
        assert refused.value.reason == "has-sessions"
        added = agenda.fill_from_agenda(
            db.session, row, course.agendas["one-day"], language="fr", actor=trainer, replace=True
        )
        assert added == 1
        row.starts_on = None
        with pytest.raises(agenda.AgendaRefused) as refused:
            agenda.fill_from_agenda(
                db.session,
                row,
                course.agendas["two-day"],
                language="fr",
                actor=trainer,
                replace=True,
            )
        assert refused.value.reason == "no-start-date"
        db.session.commit()
    assert [title for _id, title, _day in _sessions(app, cohort.id)] == ["Morning"]


def test_a_broken_agenda_file_stops_the_content_with_its_line(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    errors = errors_after_edit(
        root, "courses/sample/trainer/agenda.yaml", 'end: "10:00"', 'end: "08:00"'
    )
    assert any("agenda.yaml" in e and "ends after it starts" in e for e in errors)


def test_sessions_needed_rounds_up():
    assert sessions_needed(4, 75) == 3
    assert sessions_needed(3, 75) == 3
    assert sessions_needed(4, 50) == 2
    assert sessions_needed(15, 80) == 12
    assert sessions_needed(0, 80) == 0 and sessions_needed(4, 0) == 0


def test_the_sheet_records_present_and_absent_for_the_cohorts_judges_only(
    app, workshop, make_cohort, trainer, add_judge
):
    cohort, judges, _client_, _ = workshop
    other = make_cohort(trainer, name="Other cohort")
    stranger = add_judge(other, name="Someone Else", email="else@example.org")
    first = _sessions(app, cohort.id)[0][0]
    amal, kofi = (
        _member(app, cohort.id, judges["amal"].id),
        _member(app, cohort.id, judges["kofi"].id),
    )
    outsider = _member(app, other.id, stranger.id)
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        item = db.session.get(CohortSession, first)
        actor = db.session.get(User, trainer.id)
        assert attendance.record_sheet(
            db.session, row, item, {amal, kofi, outsider}, actor=actor, now=utcnow()
        ) == (2, 0)
        assert attendance.record_sheet(
            db.session, row, item, {amal}, actor=actor, now=utcnow()
        ) == (0, 1)
        assert attendance.present_members(db.session, first) == {amal}
        assert attendance.attended_counts(db.session, cohort.id) == {amal: 1}
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "cohort.attendance_recorded")
        ).all()
        assert [(e.details["present"], e.details["absent"]) for e in events] == [(2, 0), (0, 1)]


def test_a_token_names_one_session_and_one_judge_and_cannot_be_forged():
    token = attendance.attendance_token("secret", 1, 2, 3)
    assert attendance.read_attendance_token("secret", token) == attendance.AttendanceToken(1, 2, 3)
    assert attendance.read_attendance_token("another secret", token) is None
    assert attendance.read_attendance_token("secret", token[:-2] + "xx") is None
    assert attendance.read_attendance_token("secret", "not-a-token") is None
    other = attendance.attendance_token("secret", 1, 9, 3)
    assert other != token


# --- certificates wait for attendance -----------------------------------------------------------


def _require(app, cohort_id, percent, trainer_id):
    with app.app_context():
        attendance.set_requirement(
            db.session,
            db.session.get(Cohort, cohort_id),
            percent,
            actor=db.session.get(User, trainer_id),
        )
        db.session.commit()


def _pass(app, course, enrolment_id):
    with app.app_context():
        take_assessment(
            db.session, course, enrolment_id, "post", ALWAYS_RIGHT, random.Random(2), utcnow()
        )
        db.session.commit()


def test_a_certificate_waits_for_the_attendance_the_cohort_requires(
    app, workshop, trainer, course, create_user
):
    cohort, judges, trainer_client, _lessons = workshop
    _require(app, cohort.id, 60, trainer.id)  # 60 % of 3 sessions: 2
    amal = judges["amal"]
    member = _member(app, cohort.id, amal.id)
    with app.app_context():
        enrolment_id = db.session.get(CohortMember, member).enrolment_id
        enrolment = db.session.get(Enrolment, enrolment_id)
        for lesson in course.lessons:
            learning.mark_complete(db.session, enrolment, lesson, course.content_version)
        db.session.commit()
    _pass(app, course, enrolment_id)  # the pass's job refuses: attendance lacking
    with app.app_context():
        assert (
            db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id))
            is None
        )
        assert (
            db.session.get(
                CertificateRequest,
                db.session.scalar(
                    select(CertificateRequest.id).where(
                        CertificateRequest.enrolment_id == enrolment_id
                    )
                ),
            )
            is not None
        )
    judge = _client(app, amal.email)
    page = judge.get("/certificates").get_data(as_text=True)
    assert "Your certificate waits for your attendance: 0 of 3 sessions recorded, 2 needed." in page
    assert "Issue my certificate" not in page
    agenda_page = judge.get(f"/cohorts/{cohort.id}/agenda").get_data(as_text=True)
    assert "0 of 3 sessions recorded, 2 needed" in agenda_page
    refused = _post(judge, f"/certificates/claim/{enrolment_id}", page="/certificates")
    assert refused.status_code == 302
    # The roster says why the certificate waits.
    roster = trainer_client.get(f"/cohorts/{cohort.id}/roster").get_data(as_text=True)
    assert "waits for attendance" in roster and "0 / 3 sessions" in roster
    # A bulk issue passes it over, saying why.
    with app.app_context():
        with app.test_request_context():
            result = issuance.issue_many(
                db.session,
                course,
                [enrolment_id],
                issuing=adapters.issuing(),
                issued_by=None,
                now=utcnow(),
            )
        assert result.issued == [] and result.refused == {enrolment_id: "attendance"}
        db.session.rollback()
    # An admin's bulk issue to the cohort does not count it as one to issue, and says why.
    create_user(email="admin@example.org", role=Role.admin)
    admin = _client(app, "admin@example.org")
    form = {"cohort": str(cohort.id)}
    nothing = _post(admin, "/admin/certificates/issue/cohort", form, page="/admin/certificates")
    assert nothing.status_code == 302
    shown = admin.get(nothing.headers["Location"]).get_data(as_text=True)
    assert "nobody in Nairobi workshop is owed a certificate" in shown
    assert "1 more judge passed but waits for the attendance their cohort requires" in shown
    # Attendance recorded at two sessions: the certificate that waited for it is issued (its
    # job runs once the attendance is saved).
    first, second, _third = (s[0] for s in _sessions(app, cohort.id))
    _post(
        trainer_client,
        f"/cohorts/{cohort.id}/sessions/{first}/attendance",
        {"present": [str(member)]},
    )
    with app.app_context():
        assert (
            db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id))
            is None
        )  # one session of the two needed
    _post(
        trainer_client,
        f"/cohorts/{cohort.id}/sessions/{second}/attendance",
        {"present": [str(member)]},
    )
    page = judge.get("/certificates").get_data(as_text=True)
    assert "waits for your attendance" not in page and "Download the PDF" in page
    with app.app_context():
        assert (
            db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id))
            is not None
        )


def test_without_a_requirement_a_pass_is_enough(app, workshop, course):
    cohort, judges, _trainer_client, _ = workshop
    member = _member(app, cohort.id, judges["kofi"].id)
    with app.app_context():
        enrolment = db.session.get(Enrolment, db.session.get(CohortMember, member).enrolment_id)
        for lesson in course.lessons:
            learning.mark_complete(db.session, enrolment, lesson, course.content_version)
        db.session.commit()
        enrolment_id = enrolment.id
    _pass(app, course, enrolment_id)
    with app.app_context():
        assert (
            db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id))
            is not None
        )


# --- pages --------------------------------------------------------------------------------------


def test_only_the_cohorts_trainers_and_admins_plan_and_take_attendance(app, workshop, create_user):
    cohort, judges, trainer_client, _ = workshop
    first = _sessions(app, cohort.id)[0][0]
    pages = [
        f"/cohorts/{cohort.id}/sessions",
        f"/cohorts/{cohort.id}/sessions/new",
        f"/cohorts/{cohort.id}/sessions/{first}/edit",
        f"/cohorts/{cohort.id}/sessions/{first}/delete",
        f"/cohorts/{cohort.id}/sessions/{first}/attendance",
        f"/cohorts/{cohort.id}/sessions/{first}/sign-in.pdf",
    ]
    for path in pages:
        assert trainer_client.get(path).status_code == 200, path
    admin = create_user(email="admin@example.org", role=Role.admin)
    stranger = create_user(email="stranger@example.org", role=Role.trainer)
    admin_client, stranger_client = _client(app, admin.email), _client(app, stranger.email)
    judge_client = _client(app, judges["amal"].email)
    for path in pages:
        assert admin_client.get(path).status_code == 200, path
        assert stranger_client.get(path).status_code == 404, path
        assert judge_client.get(path).status_code == 403, path
        assert app.test_client().get(path).status_code == 302, path
    # Another trainer cannot write to the cohort's attendance either.
    member = _member(app, cohort.id, judges["amal"].id)
    response = _post(
        stranger_client,
        f"/cohorts/{cohort.id}/sessions/{first}/attendance",
        {"present": [str(member)]},
        page="/cohorts/",
    )
    assert response.status_code == 404
    with app.app_context():
        assert attendance.present_members(db.session, first) == set()
    # A session of another cohort is not reachable through this one.
    assert trainer_client.get(f"/cohorts/{cohort.id}/sessions/999999/edit").status_code == 404


def test_trainer_adds_changes_and_deletes_a_session(app, workshop):
    cohort, _judges, client, _ = workshop
    base = f"/cohorts/{cohort.id}/sessions"
    bad = _post(
        client,
        f"{base}/new",
        {"title": "Late", "held_on": "2027-03-02", "starts_at": "16:00", "ends_at": "15:00"},
    )
    assert bad.status_code == 200 and "A session ends after it starts." in bad.get_data(True)
    assert len(_sessions(app, cohort.id)) == 3
    added = _post(
        client,
        f"{base}/new",
        {
            "title": "Evening reception",
            "held_on": "2027-03-01",
            "starts_at": "18:00",
            "ends_at": "19:30",
            "venue": "Hotel garden",
        },
    )
    assert added.status_code == 302
    titles = [t for _i, t, _d in _sessions(app, cohort.id)]
    assert titles == ["Opening", "Independence", "Evening reception", "Case work"]  # by time
    page = client.get(base).get_data(as_text=True)
    assert "Evening reception" in page and "Hotel garden" in page
    reception = _sessions(app, cohort.id)[2][0]
    _post(
        client,
        f"{base}/{reception}/edit",
        {
            "title": "Early reception",
            "held_on": "2027-03-01",
            "starts_at": "08:00",
            "ends_at": "08:45",
        },
    )
    assert _sessions(app, cohort.id)[0][1] == "Early reception"
    _post(client, f"{base}/{reception}/delete")
    assert len(_sessions(app, cohort.id)) == 3
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"cohort.session_added", "cohort.session_changed", "cohort.session_deleted"} <= actions
    assert "cohort.agenda_filled" in actions


def test_the_manuals_agenda_button_and_the_requirement_form(app, make_cohort, trainer):
    cohort = make_cohort(trainer, name="One-day seminar", starts_on=date(2027, 5, 10))
    client = _client(app, trainer.email)
    base = f"/cohorts/{cohort.id}/sessions"
    page = client.get(base).get_data(as_text=True)
    assert "agenda of the trainers" in page and "One-day workshop" in page
    _post(client, f"{base}/agenda", {"agenda": "one-day"})
    assert [(t, d) for _i, t, d in _sessions(app, cohort.id)] == [("Morning", date(2027, 5, 10))]
    again = _post(client, f"{base}/agenda", {"agenda": "two-day"})
    assert "already has sessions" in client.get(again.location).get_data(as_text=True)
    _post(client, f"{base}/agenda", {"agenda": "two-day", "replace": "y"})
    assert len(_sessions(app, cohort.id)) == 3
    _post(client, f"{base}/agenda", {"agenda": "no-such-agenda", "replace": "y"})
    assert len(_sessions(app, cohort.id)) == 3
    for bad in ("150", "-1", "many", ""):
        _post(client, f"{base}/requirement", {"percent": bad})
        with app.app_context():
            assert db.session.get(Cohort, cohort.id).attendance_required_percent == 0
    _post(client, f"{base}/requirement", {"percent": "75"})
    with app.app_context():
        assert db.session.get(Cohort, cohort.id).attendance_required_percent == 75
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "cohort.attendance_required")
        )
        assert event.details == {"percent": 75, "previous": 0}
    assert "at least 75 % of the sessions: 3 sessions of 3" in client.get(base).get_data(True)


def test_the_sheet_on_screen_roster_record_and_the_judges_agenda(app, workshop, create_user):
    cohort, judges, client, _ = workshop
    first, second, _third = (s[0] for s in _sessions(app, cohort.id))
    amal = _member(app, cohort.id, judges["amal"].id)
    ivan = _member(app, cohort.id, judges["ivan"].id)
    sheet = client.get(f"/cohorts/{cohort.id}/sessions/{first}/attendance").get_data(True)
    assert "Amal Haddad" in sheet and "Иван Петров" in sheet and 'type="checkbox"' in sheet
    bad = _post(client, f"/cohorts/{cohort.id}/sessions/{first}/attendance", {"present": ["x"]})
    assert bad.status_code == 400
    for session_id in (first, second):
        _post(
            client,
            f"/cohorts/{cohort.id}/sessions/{session_id}/attendance",
            {"present": [str(amal), str(ivan)] if session_id == first else [str(amal)]},
        )
    roster = client.get(f"/cohorts/{cohort.id}/roster").get_data(as_text=True)
    assert "Attendance" in roster and "2 / 3 sessions" in roster and "1 / 3 sessions" in roster
    exported = client.get(f"/cohorts/{cohort.id}/roster.csv").get_data(as_text=True)
    lines = exported.splitlines()
    assert lines[0].rstrip().endswith("Sessions attended")
    assert next(line for line in lines if "Amal Haddad" in line).rstrip().endswith(",2")
    record = client.get(f"/cohorts/{cohort.id}/members/{amal}").get_data(as_text=True)
    assert "Present at 2 of 3 sessions." in record
    judge = _client(app, judges["ivan"].email)
    mine = judge.get(f"/cohorts/{cohort.id}/agenda").get_data(as_text=True)
    assert "You were recorded present at 1 of 3 sessions." in mine and "Case work" in mine
    assert f'/cohorts/{cohort.id}/agenda"' in judge.get("/dashboard").get_data(True)
    outsider = create_user(email="outsider@example.org")
    assert _client(app, outsider.email).get(f"/cohorts/{cohort.id}/agenda").status_code == 404


def test_the_printed_sheet_names_every_judge_and_its_codes_record_them(
    app, workshop, create_user, tmp_path
):
    cohort, judges, client, _ = workshop
    first, second, _third = (s[0] for s in _sessions(app, cohort.id))
    response = client.get(f"/cohorts/{cohort.id}/sessions/{first}/sign-in.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert all(name in text for name in ("Amal Haddad", "Kofi Mensah", "Иван Петров"))
    assert "Signature" in text and "Opening" in text
    codes = qr_codes_of(response.data, tmp_path)
    assert len(codes) == 3
    base = app.config["BASE_URL"].rstrip("/")
    assert all(
        code.startswith(f"{base}/cohorts/{cohort.id}/sessions/{first}/scan/") for code in codes
    )
    paths = [urlsplit(code).path for code in codes]
    # GET only shows whom the code names; nothing is recorded.
    page = client.get(paths[0])
    assert page.status_code == 200 and "Record present" in page.get_data(True)
    with app.app_context():
        assert attendance.present_members(db.session, first) == set()
    # POST records that judge, once.
    assert _post(client, paths[0]).status_code == 302
    with app.app_context():
        present = attendance.present_members(db.session, first)
        assert len(present) == 1
        scanned = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "cohort.attendance_scanned")
        )
        assert scanned is not None
    assert "Recorded present at this session." in client.get(paths[0]).get_data(True)
    # The code does not work for another session, nor forged, nor for another trainer.
    token = paths[1].rsplit("/", 1)[1]
    assert client.get(f"/cohorts/{cohort.id}/sessions/{second}/scan/{token}").status_code == 404
    assert client.get(paths[1][:-3] + "abc").status_code == 404
    stranger = create_user(email="stranger@example.org", role=Role.trainer)
    other = _client(app, stranger.email)
    assert other.get(paths[1]).status_code == 404
    judge = _client(app, judges["amal"].email)
    assert judge.get(paths[1]).status_code == 403
    with app.app_context():
        assert len(attendance.present_members(db.session, first)) == 1


def test_the_judges_times_are_the_venues_clock(app, workshop):
    cohort, _judges, client, _ = workshop
    with app.app_context():
        item = agenda.sessions_of(db.session, cohort.id)[0]
        assert (item.starts_at, item.ends_at) == (time(9, 0), time(10, 0))
    page = client.get(f"/cohorts/{cohort.id}/sessions").get_data(as_text=True)
    assert "9:00\u202fAM–10:00\u202fAM" in page or "9:00 AM–10:00 AM" in page
