"""Cohort fixtures: the sample course, a trainer's cohort, and judges at any stage of it."""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace

import pytest

from elearning.accounts.models import Role
from elearning.catalog import load_app_catalog
from elearning.cohorts import services
from elearning.cohorts.models import Cohort
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.helpers import ALWAYS_RIGHT, ALWAYS_WRONG

# The factories open their own application context: a context kept open around a test would be
# shared by the test client's requests (and with it Flask's ``g``: the signed-in user, the CSRF
# token), so pages would not be tested as separate requests.


@pytest.fixture
def course(app):
    return load_app_catalog(app).course("sample")


@pytest.fixture
def trainer(create_user):
    return create_user(email="trainer@example.org", role=Role.trainer, name="Trainer Tessa")


@pytest.fixture
def make_cohort(app, course):
    """Factory: a cohort of the sample course trained by ``trainer`` (its id, name and code)."""

    def make(trainer, name="Spring intake", **details):
        with app.app_context():
            cohort = services.create_cohort(
                db.session,
                course=course,
                details=services.CohortDetails(name=name, **details),
                creator=db.session.get(type(trainer), trainer.id),
            )
            db.session.commit()
            return SimpleNamespace(id=cohort.id, name=cohort.name, join_code=cohort.join_code)

    return make


@pytest.fixture
def add_judge(app, course, create_user):
    """Factory: a judge in the cohort, with an entry score, lessons and final attempts chosen by
    the test (``pre``/``post``: "right", "wrong", or None for not taken)."""
    rng = random.Random(1)

    def add(cohort, *, pre=None, lessons=0, post=(), **user):
        judge = create_user(**user)
        with app.app_context():
            row = db.session.get(Cohort, cohort.id)
            member, _ = services.join_cohort(db.session, row, judge.id, course, via="code")
            now = utcnow() - timedelta(days=10)
            member.joined_at = now - timedelta(hours=1)  # their work follows their joining
            ability = {"right": ALWAYS_RIGHT, "wrong": ALWAYS_WRONG}
            enrolment_id = member.enrolment_id
            if pre:
                take_assessment(db.session, course, enrolment_id, "pre", ability[pre], rng, now)
            enrolment = db.session.get(Enrolment, enrolment_id)
            for lesson in course.lessons[:lessons]:
                learning.mark_complete(db.session, enrolment, lesson, course.content_version)
            for number, result in enumerate(post):
                when = now + timedelta(days=1 + 2 * number)
                take_assessment(
                    db.session, course, enrolment_id, "post", ability[result], rng, when
                )
            db.session.commit()
        return judge

    return add
