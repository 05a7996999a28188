"""The test-quality figures: each form's reliability and standard error, who chose which option,
and nothing printed on too few answers."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from elearning.accounts.models import Role
from elearning.catalog import get_catalog
from elearning.cohorts import logic, quality, tallies
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.sqltypes import utcnow


def _alpha_by_definition(scores: list[list[float]]) -> float:
    """Cronbach's alpha straight from a judges × questions table."""

    def var(values):
        mean = sum(values) / len(values)
        return sum((v - mean) ** 2 for v in values) / (len(values) - 1)

    k = len(scores[0])
    items = sum(var([row[i] for row in scores]) for i in range(k))
    return k / (k - 1) * (1 - items / var([sum(row) for row in scores]))


def test_alpha_and_the_standard_error_come_from_sums_as_from_the_whole_table():
    rng = random.Random(4)
    ability = [rng.gauss(0, 1) for _ in range(40)]
    scores = [[float(rng.random() < 0.5 + 0.2 * a) for _ in range(12)] for a in ability]
    totals = [sum(row) for row in scores]
    item_variances = sum(
        logic.variance(40, sum(r[i] for r in scores), sum(r[i] ** 2 for r in scores))
        for i in range(12)
    )
    total_variance = logic.variance(40, sum(totals), sum(t * t for t in totals))
    alpha = logic.cronbach_alpha(12, item_variances, total_variance)
    assert abs(alpha - _alpha_by_definition(scores)) < 1e-9
    sem = logic.standard_error_of_measurement(total_variance, alpha)
    assert abs(sem - (total_variance**0.5) * (1 - alpha) ** 0.5) < 1e-9
    assert logic.cronbach_alpha(1, 0.2, 1.0) is None  # one question: no consistency to measure
    assert logic.cronbach_alpha(5, 0.2, 0.0) is None  # everyone scored alike


def test_option_flags_need_enough_answers():
    useless = [(True, 6, 80.0), (False, 4, 40.0), (False, 0, None)]
    assert logic.option_flags(10, useless) == ("unused-distractor",)
    assert logic.option_flags(9, useless) == ()  # too few answers: nothing said
    arguable = [(True, 5, 55.0), (False, 5, 85.0)]
    assert logic.option_flags(10, arguable) == ("strong-choose-distractor",)


def test_the_report_gives_each_form_s_reliability_and_the_choices(
    make_app,
    parallel_content,
    create_user,  # noqa: F811 - the fixture
):
    app = make_app(CONTENT_DIR=str(parallel_content))
    trainer = create_user(email="trainer@example.org", role=Role.trainer)
    judges = [create_user(email=f"judge{n}@example.org") for n in range(22)]
    rng = random.Random(7)
    with app.app_context():
        course = get_catalog().course("sample")
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Workshop"),
            creator=db.session.get(type(trainer), trainer.id),
        )
        db.session.flush()
        for judge in judges:
            member, _ = cohorts.join_cohort(
                db.session, db.session.get(Cohort, cohort.id), judge.id, course, via="code"
            )
            ability = rng.uniform(-0.6, 0.6)
            then = utcnow() - timedelta(days=3)
            take_assessment(db.session, course, member.enrolment_id, "pre", ability, rng, then)
        db.session.commit()
        totals = tallies.read(db.session, cohort.id, course)
        # The forms' totals were kept as the judges sat: they equal a count from scratch.
        kept = {name: value for name, value in totals.items() if abs(value) > 1e-9}
        assert any(name.startswith("formq|") for name in kept)
        assert kept == pytest.approx(tallies.recount(db.session, cohort.id, course))
        figures = {(r.form, r.kind): r for r in quality.form_reliabilities(totals, course)}
        assert set(figures) == {("A", "pre"), ("B", "pre")}
        for reliability in figures.values():
            assert reliability.judges == 11 and reliability.questions == 2
            assert reliability.has_enough
        choices = quality.option_counts(totals, course)
        counted = choices["par-a-1"]
        assert counted.answered == 11
        assert sum(option.chosen for option in counted.options) == 11
        assert {option.key for option in counted.options if option.is_correct} == {"a"}
