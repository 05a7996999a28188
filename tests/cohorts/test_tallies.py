"""The report's kept totals: after any mix of work, joining and leaving, they equal a recount
from the judges' raw records."""

import contextlib
import random
from datetime import timedelta

import pytest
from sqlalchemy import update

from elearning.accounts.models import User
from elearning.assessments.services import AssessmentRefused
from elearning.cohorts import invitations, services, tallies
from elearning.cohorts.models import Cohort, CohortTallyState, JudgeFacts
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.jobs import huey
from elearning.learning import services as learning
from elearning.sqltypes import utcnow


def _assert_kept_equal_recount(cohort_id: int, course) -> dict[str, float]:
    kept = {k: v for k, v in tallies.read(db.session, cohort_id, course).items() if abs(v) > 1e-9}
    recounted = tallies.recount(db.session, cohort_id, course)
    differ = {
        name: (kept.get(name), recounted.get(name))
        for name in kept.keys() | recounted.keys()
        if kept.get(name, 0.0) != pytest.approx(recounted.get(name, 0.0), rel=1e-9, abs=1e-9)
    }
    assert not differ
    return kept


def test_kept_totals_equal_a_recount_after_random_work(app, course, trainer, create_user):
    rng = random.Random(11)
    judges = [create_user(email=f"judge{i}@example.org", name=f"Judge {i}") for i in range(10)]
    last = create_user(email="last@example.org", name="Last Judge")
    with app.app_context():
        actor = db.session.get(User, trainer.id)
        cohorts = [
            services.create_cohort(
                db.session, course=course, details=services.CohortDetails(name=name), creator=actor
            )
            for name in ("First", "Second", "Leaves out earlier scores")
        ]
        cohorts[2].counts_earlier_scores = False
        now = utcnow() - timedelta(days=400)
        for _step in range(120):
            now += timedelta(days=2)  # past any cool-down between final attempts
            judge = rng.choice(judges)
            cohort = rng.choice(cohorts)
            enrolment = learning.enrol(db.session, judge.id, course)
            member = services.membership(db.session, cohort.id, judge.id)
            action = rng.choice(("join", "join", "leave", "lesson", "unmark", "pre", "post"))
            with db.session.begin_nested():
                if action == "join":
                    services.join_cohort(db.session, cohort, judge.id, course, via="code", now=now)
                elif action == "leave" and member is not None:
                    if rng.random() < 0.5:
                        invitations.leave(
                            db.session, cohort, member, db.session.get(User, judge.id)
                        )
                    else:
                        services.remove_member(db.session, cohort, member, actor)
                elif action in ("lesson", "unmark"):
                    lesson = rng.choice(course.lessons)
                    if action == "lesson":
                        for each in course.lessons[: rng.randint(1, len(course.lessons))]:
                            learning.mark_complete(db.session, enrolment, each, "v")
                    else:
                        learning.mark_incomplete(db.session, enrolment, lesson)
                elif action in ("pre", "post"):
                    ability = rng.uniform(-1.5, 1.5)
                    with contextlib.suppress(AssessmentRefused):
                        take_assessment(db.session, course, enrolment.id, action, ability, rng, now)
        # And one path for certain: work in one cohort, then joining others with scores.
        services.join_cohort(db.session, cohorts[0], last.id, course, via="code", now=now)
        enrolment = learning.enrol(db.session, last.id, course)
        take_assessment(db.session, course, enrolment.id, "pre", -1.0, rng, now)
        take_assessment(db.session, course, enrolment.id, "post", 1.0, rng, now)
        later = now + timedelta(days=1)
        for cohort in cohorts[1:]:
            services.join_cohort(db.session, cohort, last.id, course, via="code", now=later)
        db.session.commit()

        kept = [_assert_kept_equal_recount(cohort.id, course) for cohort in cohorts]
        # The random work reached what the report shows: members, scores both ways, questions.
        for totals in kept:
            assert totals["enrolled"] >= 2 and totals.get("post_n", 0) >= 1
            for kind in ("q|post|", "answer|"):  # (parallel forms: test_quality.py)
                assert any(name.startswith(kind) for name in totals), kind
        assert kept[0].get("pair_n", 0) >= 1 and kept[1].get("pair_n", 0) >= 1
        # The last judge's scores, earned before joining the third cohort, do not count there.
        member = services.membership(db.session, cohorts[2].id, last.id)
        assert member.own_facts["pre_score"] is None and member.own_facts["sat"] == 1
        assert db.session.get(JudgeFacts, enrolment.id).pre_score is not None

        # Changing the setting counts the cohort again, and the totals follow it.
        for cohort, earlier in ((cohorts[2], True), (cohorts[0], False)):
            before = tallies.read(db.session, cohort.id, course)
            services.set_counts_earlier_scores(db.session, cohort, course, earlier, actor)
            after = _assert_kept_equal_recount(cohort.id, course)
            assert after["enrolled"] == before["enrolled"]
            assert (after.get("pre_n", 0) > before.get("pre_n", 0)) == earlier

        # Totals built for other content are rebuilt when read, and come out the same.
        first = cohorts[1].id
        db.session.execute(
            update(CohortTallyState)
            .where(CohortTallyState.cohort_id == first)
            .values(content_version="an earlier edition")
        )
        assert tallies.read(db.session, first, course) == pytest.approx(kept[1])
        assert db.session.get(CohortTallyState, first).content_version == course.content_version
        db.session.commit()


def test_a_cohort_can_leave_out_scores_earned_before_joining(
    app, course, make_cohort, trainer, create_user
):
    cohort = make_cohort(trainer)
    judge = create_user(name="Judge Early")
    rng = random.Random(3)
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        row.counts_earlier_scores = False
        enrolment = learning.enrol(db.session, judge.id, course)
        start = utcnow() - timedelta(days=10)
        take_assessment(db.session, course, enrolment.id, "pre", 0.0, rng, start)
        services.join_cohort(
            db.session, row, judge.id, course, via="code", now=start + timedelta(days=1)
        )
        take_assessment(
            db.session, course, enrolment.id, "post", 1.0, rng, start + timedelta(days=2)
        )
        db.session.commit()
        built = db.session.get(CohortTallyState, cohort.id).built_at
        kept = _assert_kept_equal_recount(cohort.id, course)
        assert db.session.get(CohortTallyState, cohort.id).built_at == built  # kept, not rebuilt
        assert (kept["enrolled"], kept.get("pre_n", 0), kept["post_n"]) == (1, 0, 1)
        assert not any(name.startswith("q|pre|") for name in kept)
        db.session.commit()


def test_a_cohort_without_totals_is_counted_on_first_reading(app, course, make_cohort, trainer):
    cohort = make_cohort(trainer)
    with app.app_context():
        db.session.execute(
            CohortTallyState.__table__.delete().where(CohortTallyState.cohort_id == cohort.id)
        )
        row = db.session.get(Cohort, cohort.id)
        judge = db.session.get(User, trainer.id)
        services.join_cohort(db.session, row, judge.id, course, via="code")
        assert tallies.read(db.session, cohort.id, course)["enrolled"] == 1
        _assert_kept_equal_recount(cohort.id, course)
        db.session.commit()


def test_a_judges_work_reaches_the_totals_in_a_job_and_a_lost_job_is_queued_again(
    app, make_app, tmp_path, course, make_cohort, trainer, create_user
):
    """Lessons and attempts move the cohort's totals in a job, after the judge's request has
    committed; a job lost with a killed worker is queued again by the sweeper, and the lost one,
    delivered late after all, moves nothing twice."""
    from elearning.cohorts import tasks

    cohort = make_cohort(trainer)
    judge = create_user(email="judge@example.org", name="Judge Amara")
    no_worker = make_app(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")
    with no_worker.app_context():
        services.join_cohort(
            db.session, db.session.get(Cohort, cohort.id), judge.id, course, via="code"
        )
        db.session.commit()
        assert huey.pending_count() == 0  # joining moves the totals at once
        enrolment = learning.enrol(db.session, judge.id, course)
        for lesson in course.lessons:
            learning.mark_complete(db.session, enrolment, lesson, "v")
        db.session.commit()
        assert "lessons_done" not in tallies.read(db.session, cohort.id, course)  # not yet
        assert huey.pending_count() >= 1
        lost = huey.dequeue()  # taken by a worker that was then killed
        huey.flush()

        tasks.sweep_totals.call_local()  # changed a moment ago: its job may still be running
        assert huey.pending_count() == 0
        db.session.execute(  # three minutes on
            update(JudgeFacts)
            .where(JudgeFacts.changed_at.is_not(None))
            .values(changed_at=utcnow() - timedelta(minutes=3))
        )
        db.session.commit()
        tasks.sweep_totals.call_local()
        assert huey.pending_count() == 1
        huey.execute(huey.dequeue())
        kept = _assert_kept_equal_recount(cohort.id, course)
        assert kept["lessons_done"] == 1
        assert db.session.get(JudgeFacts, enrolment.id).changed_at is None
        huey.execute(lost)
        assert _assert_kept_equal_recount(cohort.id, course) == kept
        db.session.commit()
