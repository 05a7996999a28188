"""Matched parallel forms: counterbalanced in a cohort, the other form on the final, retakes of
the same length drawn from the rest of the bank, and forms that are not matched refused."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from elearning.assessments import logic
from elearning.assessments import services as assessments
from elearning.catalog import get_catalog
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort
from elearning.content import load_catalog
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.helpers import (
    FIXTURE_CONTENT,
    PARALLEL_FORMS,
    browser_for,
    csrf_token_of,
    errors_of,
    start,
)


def test_parallel_forms_are_loaded_and_must_be_matched(parallel_content: Path):
    course = load_catalog(parallel_content).course("sample")
    assert course.parallel_forms == {"A": ("par-a-1", "par-a-2"), "B": ("par-b-1", "par-b-2")}
    assert course.form("pre").parallel and course.form("post").parallel
    bank = parallel_content / "quizzes/sample/parallel.yaml"
    bank.write_text(bank.read_text().replace("difficulty: easy", "difficulty: hard", 1))
    assert any(
        "parallel forms A and B are not matched in difficulty" in error
        for error in errors_of(parallel_content)
    )
    forms = parallel_content / "quizzes/sample/forms.yaml"
    forms.write_text(PARALLEL_FORMS.replace("B: [par-b-1, par-b-2]", "B: [par-b-1, par-a-2]"))
    assert any("already in parallel form A" in error for error in errors_of(parallel_content))
    forms.write_text(PARALLEL_FORMS.replace("pre: {}", "pre:\n  items: [ind-signs]"))
    assert any("the forms are its questions" in error for error in errors_of(parallel_content))


def test_a_cohort_is_counterbalanced_and_the_final_is_the_other_form(
    make_app, parallel_content: Path, create_user
):
    app = make_app(CONTENT_DIR=str(parallel_content))
    judges = [create_user(email=f"judge{n}@example.org") for n in range(4)]
    creator = create_user(email="trainer@example.org")
    elsewhere = [create_user(email=f"elsewhere{n}@example.org") for n in range(3)]
    rng = random.Random(3)
    with app.app_context():
        course = get_catalog().course("sample")
        # Judges of the course outside this cohort mostly began with A: the cohort is balanced
        # on its own, not on the course's count.
        db.session.add_all(
            Enrolment(user_id=user.id, course_slug="sample", entry_form="A") for user in elsewhere
        )
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Workshop"),
            creator=db.session.get(type(creator), creator.id),
        )
        db.session.flush()
        attempts = []
        for judge in judges:
            member, _ = cohorts.join_cohort(
                db.session, db.session.get(Cohort, cohort.id), judge.id, course, via="code"
            )
            then = utcnow() - timedelta(days=5)
            take_assessment(db.session, course, member.enrolment_id, "pre", 0.0, rng, then)
            take_assessment(
                db.session, course, member.enrolment_id, "post", -2.0, rng, then + timedelta(1)
            )
            done = assessments.attempts_of(db.session, member.enrolment_id)
            attempts.append(tuple(next(a for a in done if a.kind == k) for k in ("pre", "post")))
        db.session.commit()
        # Half of the cohort starts with A, half with B, alternately.
        assert [pre.form for pre, _ in attempts] == ["A", "B", "A", "B"]
        for pre, post in attempts:
            assert {pre.form, post.form} == {"A", "B"}
            entries = assessments.entry_order(assessments.responses_of(db.session, pre.id))
            assert entries == [e for e in entries if e in course.parallel_forms[pre.form]]
            assert sorted(entries) == sorted(course.parallel_forms[pre.form])

        # A retake of the failed final: drawn, as long per topic as a form, never the entry
        # form's questions, fresh ones first.
        enrolment = db.session.get(Enrolment, attempts[0][0].enrolment_id)
        later = utcnow()
        take_assessment(db.session, course, enrolment.id, "post", -2.0, rng, later)
        retake = assessments.attempts_of(db.session, enrolment.id)[1]  # post 2 (post, pre order)
        assert retake.number == 2 and retake.form is None
        drawn = assessments.entry_order(assessments.responses_of(db.session, retake.id))
        tags = Counter(course.bank.entries[e].primary_tag for e in drawn)
        assert tags == Counter({"independence": 1, "social-media": 1})
        assert not set(drawn) & set(course.parallel_forms["A"])  # the entry form
        assert not set(drawn) & set(course.parallel_forms["B"])  # met already; others are left


def test_a_judge_without_a_cohort_gets_the_form_fewer_judges_began_with(
    make_app, parallel_content: Path, create_user
):
    app = make_app(CONTENT_DIR=str(parallel_content))
    rng = random.Random(1)
    forms = []
    judges = [create_user(email=f"solo{n}@example.org") for n in range(3)]
    with app.app_context():
        course = get_catalog().course("sample")
        for judge in judges:
            enrolment = Enrolment(user_id=judge.id, course_slug="sample")
            db.session.add(enrolment)
            db.session.flush()
            take_assessment(db.session, course, enrolment.id, "pre", 0.0, rng, utcnow())
            forms.append(assessments.attempts_of(db.session, enrolment.id)[0].form)
    assert forms == ["A", "B", "A"]


def test_a_retake_covers_the_points_it_can_and_fits_the_form_length():
    course = load_catalog(FIXTURE_CONTENT).course("sample")
    for seed in range(30):
        drawn = logic.draw_retake(course.bank, {"independence": 3, "social-media": 1}, seed)
        entries = [course.bank.entries[e] for e in drawn]
        assert sum(len(e.questions) for e in entries) == 4
        points = {p for e in entries for q in e.questions for p in q.points}
        assert {"1.1", "1.2"} <= points  # both points, whatever the draw
    with pytest.raises(logic.FormCannotBeDrawn):
        logic.draw_retake(course.bank, {"social-media": 9}, 1)


def test_the_first_final_is_the_other_form_or_one_the_judge_has_not_met():
    parallel = {"A": ("a1", "a2"), "B": ("b1", "b2")}
    assert logic.first_final_form(parallel, "A", ()) == "B"
    assert logic.first_final_form(parallel, "B", ()) == "A"
    # An entry attempt from before the forms: any form sharing none of what the judge met.
    assert logic.first_final_form(parallel, None, {"a2"}) == "B"
    assert logic.first_final_form(parallel, None, {"a2", "b1"}) is None
    assert logic.least_used(["A", "B"], {}) == "A"
    assert logic.least_used(["A", "B"], {"A": 3, "B": 2}) == "B"


def test_the_overview_counts_pages_and_questions_alike_and_pages_are_called_pages(
    make_app, parallel_content: Path, create_user
):
    app = make_app(CONTENT_DIR=str(parallel_content))
    create_user(email="judge@example.org")
    client = browser_for(app, "judge@example.org")
    client.post(
        "/courses/sample/enrol", data={"csrf_token": csrf_token_of(client, "/courses/sample")}
    )
    overview = client.get("/courses/sample/assessment/pre").text
    with app.app_context():
        course = get_catalog().course("sample")
        [questions] = {
            sum(len(course.bank.entries[e].questions) for e in entries)
            for entries in course.parallel_forms.values()
        }
        [pages] = {len(entries) for entries in course.parallel_forms.values()}
    assert f"{pages} page" in overview and f"{questions} question" in overview
    assert "each worth one mark" in overview
    first = start(client, "/courses/sample/assessment/pre")
    assert f"<h1>Page 1 of {pages}</h1>" in client.get(first).text
