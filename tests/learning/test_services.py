"""Learner state through the services, without HTTP."""

import pytest

from elearning.catalog import get_catalog
from elearning.extensions import db
from elearning.learning import services
from elearning.learning.models import CheckAnswer, LessonCompletion


@pytest.fixture
def catalog(app_ctx):
    return get_catalog()


def test_enrolling_twice_keeps_one_enrolment(app_ctx, create_user, catalog):
    user = create_user()
    course = catalog.course("sample")
    first = services.enrol(db.session, user.id, course)
    second = services.enrol(db.session, user.id, course)
    db.session.commit()
    assert first.id == second.id
    assert len(services.user_enrolments(db.session, user.id)) == 1


def test_cohort_only_courses_refuse_self_enrolment(app_ctx, create_user, catalog):
    user = create_user()
    with pytest.raises(services.EnrolmentClosed):
        services.enrol(db.session, user.id, catalog.course("closed"))
    assert services.enrol(db.session, user.id, catalog.course("closed"), source="cohort")


def test_progress_is_counted_per_module_in_sql(app_ctx, create_user, catalog):
    course = catalog.course("sample")
    user, other = create_user(), create_user()
    mine = services.enrol(db.session, user.id, course)
    theirs = services.enrol(db.session, other.id, course)
    for lesson in course.lessons[:2]:
        assert services.mark_complete(db.session, mine, lesson, course.content_version)
    assert not services.mark_complete(db.session, mine, course.lessons[0], course.content_version)
    services.mark_complete(db.session, theirs, course.lessons[2], course.content_version)
    # A completion of a lesson the content no longer has is not counted.
    db.session.add(
        LessonCompletion(enrolment_id=mine.id, lesson_slug="withdrawn", content_version="x")
    )
    db.session.commit()
    done = services.done_by_module(db.session, [mine.id, theirs.id], catalog)
    assert done == {mine.id: {"basics": 2}, theirs.id: {"practice": 1}}
    assert services.mark_incomplete(db.session, mine, course.lessons[1])
    assert not services.mark_incomplete(db.session, mine, course.lessons[1])
    assert services.done_by_module(db.session, [mine.id], catalog)[mine.id] == {"basics": 1}


def test_a_check_keeps_the_latest_answer_and_counts_tries(app_ctx, create_user, catalog):
    course = catalog.course("sample")
    check = course.lesson("basics", "first-lesson").checks[0]
    enrolment = services.enrol(db.session, create_user().id, course)
    wrong = services.answer_check(db.session, enrolment, check, frozenset({"a"}))
    assert not wrong.is_correct
    right = services.answer_check(db.session, enrolment, check, frozenset({"b"}))
    db.session.commit()
    assert right.is_correct and right.tries == 2 and right.selected_keys == {"b"}
    assert db.session.query(CheckAnswer).count() == 1
