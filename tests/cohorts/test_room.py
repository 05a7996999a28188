"""The room's assessments: a cohort run face to face has its trainer open and close the entry
and final assessments; before and after, its judges cannot begin them, but a judge who has begun
never loses an answer. The projector shows counts, then the anonymous result."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearning.accounts.models import Role
from elearning.assessments import gates
from elearning.assessments import services as assessments
from elearning.audit.models import AuditEvent
from elearning.cohorts import room
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort, CohortMember
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import (
    PRE,
    answer_all,
    browser_for,
    csrf_token_of,
    start,
)


@pytest.fixture
def room_cohort(make_cohort, trainer):
    return make_cohort(trainer, name="Workshop in Nairobi", trainer_opens_assessments=True)


def press(client, cohort_id: int, action: str, kind: str = "pre"):
    """A trainer's button on the cohort page (with the page's CSRF token)."""
    token = csrf_token_of(client, f"/cohorts/{cohort_id}")
    return client.post(f"/cohorts/{cohort_id}/room/{kind}/{action}", data={"csrf_token": token})


def try_to_start(app, course, judge, kind="pre") -> str | None:
    """Begin an attempt as the assessment pages do, with the app's gate: None, or the refusal."""
    with app.app_context():
        enrolment_id = db.session.scalar(
            select(CohortMember.enrolment_id).where(CohortMember.user_id == judge.id)
        )
        now = utcnow()
        current = assessments.standing(db.session, course, enrolment_id, False, now)
        try:
            assessments.start_attempt(
                db.session, course, enrolment_id, kind, current, now, gate=gates.start_gate()
            )
        except assessments.AssessmentRefused as refused:
            db.session.rollback()
            return refused.reason
        db.session.commit()
        return None


def set_room(app, cohort, kind, action, trainer):
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        actor = db.session.get(type(trainer), trainer.id)
        change = room.open_assessment if action == "open" else room.close_assessment
        change(db.session, row, kind, actor, utcnow())
        db.session.commit()


# --- the gate, without HTTP -------------------------------------------------------------------


def test_the_judges_wait_for_the_trainer_and_cannot_start_once_it_is_closed(
    app, course, room_cohort, trainer, add_judge
):
    early, late = add_judge(room_cohort), add_judge(room_cohort)
    assert try_to_start(app, course, early) == gates.WAITING
    set_room(app, room_cohort, "pre", "open", trainer)
    assert try_to_start(app, course, early) is None
    assert try_to_start(app, course, late, "post") is not None  # the final is not opened
    set_room(app, room_cohort, "pre", "close", trainer)
    assert try_to_start(app, course, late) == gates.CLOSED
    assert try_to_start(app, course, early) is None  # the attempt in progress: resumed
    set_room(app, room_cohort, "pre", "open", trainer)  # opened again
    assert try_to_start(app, course, late) is None


def test_cohorts_that_leave_the_judges_free_are_as_before(
    app, course, make_cohort, room_cohort, trainer, add_judge
):
    online = make_cohort(trainer, name="Online intake")
    judge = add_judge(online)
    assert try_to_start(app, course, judge) is None
    # Another room's opening concerns its own judges only.
    waiting = add_judge(room_cohort)
    set_room(app, make_cohort(trainer, trainer_opens_assessments=True), "pre", "open", trainer)
    assert try_to_start(app, course, waiting) == gates.WAITING


def test_a_judge_in_two_rooms_may_start_where_it_is_open(
    app, course, make_cohort, room_cohort, trainer, add_judge
):
    judge = add_judge(room_cohort)
    other = make_cohort(trainer, name="Second day", trainer_opens_assessments=True)
    with app.app_context():  # the same judge joins the second day's cohort too
        row = db.session.get(Cohort, other.id)
        cohorts.join_cohort(db.session, row, judge.id, course, via="code")
        db.session.commit()
    set_room(app, room_cohort, "pre", "open", trainer)
    set_room(app, room_cohort, "pre", "close", trainer)
    assert try_to_start(app, course, judge) == gates.CLOSED
    set_room(app, other, "pre", "open", trainer)
    assert try_to_start(app, course, judge) is None


def test_the_live_counts_count_each_judge_once_and_name_nobody(
    app, course, room_cohort, trainer, add_judge
):
    add_judge(room_cohort, pre="right")
    started = add_judge(room_cohort)
    add_judge(room_cohort)
    set_room(app, room_cohort, "pre", "open", trainer)
    assert try_to_start(app, course, started) is None
    with app.app_context():
        assert room.live_counts(db.session, room_cohort.id, "pre") == room.LiveCounts(3, 2, 1)
        assert room.live_counts(db.session, room_cohort.id, "post") == room.LiveCounts(3, 0, 0)


# --- the pages ----------------------------------------------------------------------------------


def test_the_trainer_opens_and_closes_and_a_judge_who_began_still_submits(
    app, room_cohort, trainer, add_judge
):
    judge, latecomer = add_judge(room_cohort), add_judge(room_cohort)
    client, late = browser_for(app, judge.email), browser_for(app, latecomer.email)
    overview = client.get(PRE).text
    assert "Your trainer opens this assessment in the room." in overview
    assert "Start the assessment" not in overview
    refused = client.post(f"{PRE}/start", data={"csrf_token": csrf_token_of(client, PRE)})
    assert refused.headers["Location"].endswith(PRE)
    assert "Your trainer opens this assessment" in client.get(PRE).text

    trainer_client = browser_for(app, trainer.email)
    opened = press(trainer_client, room_cohort.id, "open")
    assert opened.headers["Location"].endswith(f"/cohorts/{room_cohort.id}/room/pre/projector")
    assert "Close the entry assessment" in trainer_client.get(f"/cohorts/{room_cohort.id}").text
    first_page = start(client, PRE)

    press(trainer_client, room_cohort.id, "close")
    assert "closed by your trainer" in late.get(PRE).text
    late.post(f"{PRE}/start", data={"csrf_token": csrf_token_of(late, PRE)})
    answer_all(client, app, first_page, right=True)  # begun before the close: kept and scored
    with app.app_context():
        codes = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert codes[-2:] == ["cohort.room_pre_opened", "cohort.room_pre_closed"]
    counts = trainer_client.get(f"/cohorts/{room_cohort.id}/room/pre/counts.json").get_json()
    assert counts == {"state": "closed", "enrolled": 2, "started": 1, "submitted": 1}

    projector = trainer_client.get(f"/cohorts/{room_cohort.id}/room/pre/projector").text
    assert "Closed at" in projector and "The questions most missed" in projector
    assert "data:image/svg+xml;base64," in projector and "1 judge submitted" in projector
    for person in (judge, latecomer):
        assert person.certificate_name not in projector and person.email not in projector


def test_the_setting_is_off_by_default_and_the_buttons_refuse_then(
    app, make_cohort, trainer, add_judge
):
    cohort = make_cohort(trainer)
    judge = add_judge(cohort)
    trainer_client = browser_for(app, trainer.email)
    page = trainer_client.get(f"/cohorts/{cohort.id}").text
    assert "start the assessments on their own" in page and "Open the entry assessment" not in page
    refused = press(trainer_client, cohort.id, "open")
    assert refused.status_code == 302
    with app.app_context():
        assert room.states(db.session, cohort.id)["pre"].state == "waiting"
    assert "Start the assessment" in browser_for(app, judge.email).get(PRE).text

    edit = f"/cohorts/{cohort.id}/edit"
    saved = trainer_client.post(
        edit,
        data={
            "csrf_token": csrf_token_of(trainer_client, edit),
            "name": "Spring intake",
            "earlier_scores": "count",
            "assessments": "room",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Cohort, cohort.id).trainer_opens_assessments
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "cohort.room_control_on")
        )
    assert "Your trainer opens this assessment" in browser_for(app, judge.email).get(PRE).text


def test_only_the_cohorts_trainers_and_admins_see_the_projector_and_its_counts(
    app, room_cohort, trainer, add_judge, create_user
):
    judge = add_judge(room_cohort)
    other_trainer = create_user(role=Role.trainer)
    admin = create_user(role=Role.admin)
    base = f"/cohorts/{room_cohort.id}/room/pre"
    for path in (f"{base}/projector", f"{base}/counts.json"):
        assert browser_for(app, judge.email).get(path).status_code == 403
        assert browser_for(app, other_trainer.email).get(path).status_code == 404
        assert browser_for(app, admin.email).get(path).status_code == 200
        assert app.test_client().get(path).status_code == 302  # to sign in
    outsider = browser_for(app, other_trainer.email)
    token = csrf_token_of(outsider, "/cohorts/")
    assert outsider.post(f"{base}/open", data={"csrf_token": token}).status_code == 404
    trainer_client = browser_for(app, trainer.email)
    assert trainer_client.post(f"{base}/open").status_code == 400  # no CSRF token
    with app.app_context():
        assert room.states(db.session, room_cohort.id)["pre"].state == "waiting"
    live = trainer_client.get(f"{base}/projector").text
    assert "projector.js" in live and 'http-equiv="refresh"' in live
    assert judge.certificate_name not in live
