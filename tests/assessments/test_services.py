"""Attempts through the services, without HTTP: drawing, saving, submitting, the clock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from elearning.assessments import services
from elearning.assessments.models import Attempt
from elearning.catalog import get_catalog
from elearning.extensions import db
from elearning.learning import services as learning_services
from elearning.sqltypes import utcnow


@pytest.fixture
def course(app_ctx):
    return get_catalog().course("sample")


@pytest.fixture
def enrolment(course, create_user):
    enrolment = learning_services.enrol(db.session, create_user().id, course)
    db.session.commit()
    return enrolment


def begin(course, enrolment, kind: str, lessons_complete: bool = True, now=None) -> Attempt:
    now = now or utcnow()
    current = services.standing(db.session, course, enrolment.id, lessons_complete, now)
    attempt = services.start_attempt(db.session, course, enrolment.id, kind, current, now)
    db.session.commit()
    return attempt


def answer_everything(course, attempt: Attempt, *, right: bool) -> None:
    responses = services.responses_of(db.session, attempt.id)
    for position, entry_id in enumerate(services.entry_order(responses)):
        answers = {}
        for question in course.bank.entries[entry_id].questions:
            wrong = next(c.key for c in question.choices if not c.is_correct)
            answers[question.id] = question.correct_keys if right else frozenset({wrong})
        services.save_answers(db.session, course, attempt, position, answers, utcnow())
    db.session.commit()


def test_an_attempt_draws_the_blueprint_and_stores_a_row_per_question(course, enrolment):
    attempt = begin(course, enrolment, "post")
    responses = services.responses_of(db.session, attempt.id)
    entries = services.entry_order(responses)
    tags = sorted(course.bank.entries[e].primary_tag for e in entries)
    assert tags == ["independence", "independence", "social-media"]  # the post blueprint
    questions = [q.id for e in entries for q in course.bank.entries[e].questions]
    assert sorted(r.question_id for r in responses) == sorted(questions)
    assert attempt.content_version == course.content_version
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=30)


def test_starting_twice_resumes_the_open_attempt_even_from_a_stale_page(course, enrolment):
    now = utcnow()
    stale = services.standing(db.session, course, enrolment.id, True, now)
    first = services.start_attempt(db.session, course, enrolment.id, "pre", stale, now)
    db.session.commit()
    # A second tab that loaded the page before the first start: its standing says "available".
    second = services.start_attempt(db.session, course, enrolment.id, "pre", stale, now)
    db.session.commit()
    assert second.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_a_second_submit_changes_nothing(course, enrolment):
    attempt = begin(course, enrolment, "pre")
    answer_everything(course, attempt, right=True)
    assert services.submit_attempt(db.session, course, attempt, utcnow())
    db.session.commit()
    score = attempt.score
    assert not services.submit_attempt(db.session, course, attempt, utcnow())
    db.session.commit()
    assert attempt.score == score == 100.0
    with pytest.raises(services.AssessmentRefused) as refused:
        services.save_answers(db.session, course, attempt, 0, {}, utcnow())
    assert refused.value.reason == "submitted"


def test_every_response_is_stored_with_its_correctness(course, enrolment):
    attempt = begin(course, enrolment, "pre")
    answer_everything(course, attempt, right=False)
    services.submit_attempt(db.session, course, attempt, utcnow())
    db.session.commit()
    responses = services.responses_of(db.session, attempt.id)
    assert responses and all(r.is_correct is False and r.credit == 0.0 for r in responses)
    assert attempt.score == 0.0 and attempt.is_passed is None  # the entry test is not pass/fail


def test_answers_for_questions_of_another_page_are_refused(course, enrolment):
    attempt = begin(course, enrolment, "post")
    responses = services.responses_of(db.session, attempt.id)
    elsewhere = next(r.question_id for r in responses if r.position != 0)
    with pytest.raises(services.AssessmentRefused) as refused:
        services.save_answers(
            db.session, course, attempt, 0, {elsewhere: frozenset({"a"})}, utcnow()
        )
    assert refused.value.reason == "question"


def test_time_up_closes_the_attempt_with_the_answers_saved_in_time(course, enrolment):
    started = utcnow() - timedelta(minutes=40)
    attempt = begin(course, enrolment, "post", now=started)
    responses = services.responses_of(db.session, attempt.id)
    first = next(r for r in responses if r.position == 0)
    question = course.bank.questions[first.question_id]
    services.save_answers(
        db.session,
        course,
        attempt,
        0,
        {question.id: question.correct_keys},
        started + timedelta(minutes=10),
    )
    db.session.commit()
    with pytest.raises(services.AssessmentRefused) as refused:
        services.save_answers(db.session, course, attempt, 1, {}, utcnow())
    db.session.commit()
    assert refused.value.reason == "time"
    db.session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.closed_by == "time"
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.marks_earned == 1.0


def test_passing_records_the_pass_and_tells_the_certificates(course, enrolment):
    heard = []

    def listener(sender, **extra):
        heard.append((sender.id, extra["enrolment_id"]))

    services.assessment_passed.connect(listener)
    try:
        attempt = begin(course, enrolment, "post")
        answer_everything(course, attempt, right=True)
        services.submit_attempt(db.session, course, attempt, utcnow())
        db.session.commit()
    finally:
        services.assessment_passed.disconnect(listener)
    assert heard == [(attempt.id, enrolment.id)]
    assert services.passed_attempt(db.session, enrolment.id).id == attempt.id


def test_a_retake_prefers_questions_not_met_before_and_never_the_entry_tests(course, enrolment):
    pre = begin(course, enrolment, "pre")
    services.submit_attempt(db.session, course, pre, utcnow())
    post = begin(course, enrolment, "post", now=utcnow() - timedelta(days=3))
    services.submit_attempt(db.session, course, post, utcnow() - timedelta(days=2))
    db.session.commit()
    retake = begin(course, enrolment, "post")

    def entries(attempt):
        return set(services.entry_order(services.responses_of(db.session, attempt.id)))

    assert retake.number == 2
    assert not entries(retake) & entries(pre)
    # The sample bank has 4 independence entries: 1 went to pre, 2 to the first post; the
    # retake needs 2, so it takes the fresh one and reuses one of the first post's.
    independence = {
        e for e in entries(retake) if course.bank.entries[e].primary_tag == "independence"
    }
    unused = {e.id for e in course.bank.by_tag("independence")} - entries(pre) - entries(post)
    assert unused <= independence


def test_the_attempt_limit_and_cooldown_hold(course, enrolment):
    first = begin(course, enrolment, "post", now=utcnow() - timedelta(hours=2))
    services.submit_attempt(db.session, course, first, utcnow() - timedelta(hours=1))
    db.session.commit()
    current = services.standing(db.session, course, enrolment.id, True, utcnow())
    assert current.post_availability.state == "cooldown"  # the sample waits 24 hours
    assert current.post_availability.until == first.submitted_at + timedelta(hours=24)
    with pytest.raises(services.AssessmentRefused) as refused:
        services.start_attempt(db.session, course, enrolment.id, "post", current, utcnow())
    assert refused.value.reason == "cooldown"
    later = utcnow() + timedelta(hours=24)
    second = begin(course, enrolment, "post", now=later)
    services.submit_attempt(db.session, course, second, later)
    db.session.commit()
    current = services.standing(db.session, course, enrolment.id, True, later + timedelta(days=9))
    assert current.post_availability.state == "exhausted"  # the sample allows 2 attempts
    with pytest.raises(services.AssessmentRefused) as refused:
        services.start_attempt(db.session, course, enrolment.id, "post", current, utcnow())
    assert refused.value.reason == "exhausted"
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 2


def test_answers_saved_in_the_same_session_are_the_ones_scored(course, enrolment):
    attempt = begin(course, enrolment, "pre")
    services.responses_of(db.session, attempt.id)  # rows loaded before the answers are saved
    responses = services.responses_of(db.session, attempt.id)
    for position, entry_id in enumerate(services.entry_order(responses)):
        entry = course.bank.entries[entry_id]
        answers = {q.id: q.correct_keys for q in entry.questions}
        services.save_answers(db.session, course, attempt, position, answers, utcnow())
    services.submit_attempt(db.session, course, attempt, utcnow())
    db.session.commit()
    assert attempt.score == 100.0


def test_answers_saved_while_a_submit_reads_them_are_the_ones_scored(course, enrolment):
    """The submit reads and scores before it writes (SQLite's lock waits for the write): a
    save committed by another request in between is the one scored."""
    attempt = begin(course, enrolment, "pre")
    answer_everything(course, attempt, right=False)
    saved = []

    def save_in_between(_conn, _cursor, statement, *_args) -> None:
        if saved or not statement.lstrip().upper().startswith("UPDATE ATTEMPTS"):
            return
        saved.append(statement)
        with Session(db.engine) as other:  # another request, committed before the close
            answer_everything_in(other, course, other.get(Attempt, attempt.id), right=True)

    event.listen(db.engine, "before_cursor_execute", save_in_between)
    try:
        assert services.submit_attempt(db.session, course, attempt, utcnow())
    finally:
        event.remove(db.engine, "before_cursor_execute", save_in_between)
    db.session.commit()
    assert saved and attempt.score == 100.0
    assert all(r.is_correct for r in services.responses_of(db.session, attempt.id))


def test_a_save_racing_a_submit_that_holds_the_lock_is_scored_or_refused_never_lost(
    course, enrolment
):
    """The submit as its page sends it: the attempt read with its row lock, the answers not
    read again where rows lock (PostgreSQL: the save waits, then is refused); where they do
    not (SQLite), a save committed in between is read again and scored."""
    attempt = begin(course, enrolment, "pre")
    answer_everything(course, attempt, right=False)
    outcome: list[str] = []
    racing: list[threading.Thread] = []
    engine = db.engine

    def save_from_another_request() -> None:
        with Session(engine) as other:
            try:
                answer_everything_in(other, course, other.get(Attempt, attempt.id), right=True)
                outcome.append("saved")
            except services.AssessmentRefused as refused:
                outcome.append(refused.reason)

    def save_in_between(_conn, _cursor, statement, *_args) -> None:
        if racing or not statement.lstrip().upper().startswith("UPDATE ATTEMPTS"):
            return
        racing.append(threading.Thread(target=save_from_another_request))
        racing[0].start()
        racing[0].join(1.0)  # done on SQLite; waiting for the row lock on PostgreSQL

    locked = services.find_attempt(
        db.session, attempt.id, enrolment.user_id, course.slug, lock=True
    )
    event.listen(db.engine, "before_cursor_execute", save_in_between)
    try:
        assert services.submit_attempt(db.session, course, locked, utcnow(), locked=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", save_in_between)
    db.session.commit()
    racing[0].join(10)
    assert outcome in (["saved"], ["submitted"])
    stored = services.responses_of(db.session, attempt.id)
    right = outcome == ["saved"]
    assert all(r.is_correct is right for r in stored)
    assert locked.score == (100.0 if right else 0.0)


def answer_everything_in(session, course, attempt: Attempt, *, right: bool) -> None:
    responses = services.responses_of(session, attempt.id)
    for position, entry_id in enumerate(services.entry_order(responses)):
        answers = {}
        for question in course.bank.entries[entry_id].questions:
            wrong = next(c.key for c in question.choices if not c.is_correct)
            answers[question.id] = question.correct_keys if right else frozenset({wrong})
        services.save_answers(session, course, attempt, position, answers, utcnow())
    session.commit()


def test_a_given_seed_draws_the_same_attempt_so_the_demo_is_the_same_every_time(
    course, create_user
):
    drawn = []
    for user in (create_user(), create_user()):
        enrolment = learning_services.enrol(db.session, user.id, course)
        now = utcnow()
        current = services.standing(db.session, course, enrolment.id, True, now)
        attempt = services.start_attempt(
            db.session, course, enrolment.id, "post", current, now, seed=2002
        )
        responses = services.responses_of(db.session, attempt.id)
        drawn.append((attempt.seed, services.entry_order(responses)))
        db.session.commit()
    assert drawn[0] == drawn[1] and drawn[0][0] == 2002
