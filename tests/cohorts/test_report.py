"""The roster and report: right figures from the database, in the same few queries at any size."""

import pytest
from sqlalchemy import event, select

from elearning.accounts.models import User
from elearning.assessments.logic import normalised_gain
from elearning.assessments.models import Attempt
from elearning.cohorts import report, rosters
from elearning.extensions import db
from elearning.learning.models import Enrolment


@pytest.fixture
def cohort(make_cohort, trainer, app_ctx):
    """A cohort; the test runs in an application context (services only, no requests)."""
    return make_cohort(trainer)


def test_an_empty_cohort_reports_no_data_and_divides_by_nothing(cohort, course):
    result = report.cohort_report(db.session, cohort.id, course)
    assert result.counts == report.Counts(0, 0, 0, 0, 0)
    assert result.counts.pass_rate is None
    assert not result.has_data
    assert result.mean_gain is None and result.paired is None
    assert result.topics == [] and result.items == []
    assert all(count == 0 for _, count in result.distribution_pre)
    assert rosters.roster_page(db.session, cohort.id, course).total == 0


def test_figures_follow_each_judges_path(cohort, course, add_judge):
    lessons = len(course.lessons)
    add_judge(cohort, name="Ana Not Started")
    add_judge(cohort, name="Ben Entry Only", pre="wrong")
    add_judge(cohort, name="Chen Halfway", pre="wrong", lessons=1)
    add_judge(cohort, name="Dina Failed", pre="wrong", lessons=lessons, post=["wrong"])
    add_judge(cohort, name="Emeka Passed", pre="wrong", lessons=lessons, post=["right"])
    add_judge(
        cohort, name="Farah Second Try", pre="wrong", lessons=lessons, post=["wrong", "right"]
    )

    result = report.cohort_report(db.session, cohort.id, course)
    assert result.counts == report.Counts(enrolled=6, started=5, lessons_done=3, sat=3, passed=2)
    assert result.counts.pass_rate == pytest.approx(2 / 3)
    assert result.mean_pre == 0.0 and result.pre_count == 5
    # Best final attempts: 0 (Dina), 100 (Emeka), 100 (Farah's second).
    assert result.mean_post == pytest.approx(200 / 3) and result.post_count == 3
    assert result.mean_gain == pytest.approx(2 / 3)
    assert result.paired.n == 3 and result.paired.mean_difference == pytest.approx(200 / 3)
    assert dict(result.distribution_pre)["0–9"] == 5
    assert dict(result.distribution_post)["90–100"] == 2
    assert dict(result.distribution_post)["0–9"] == 1

    topics = {topic.tag: topic for topic in result.topics}
    assert set(topics) <= set(course.tags)
    assert all(topic.pre == 0.0 for topic in topics.values())
    assert all(0 < topic.post < 100 for topic in topics.values() if topic.post_answers)

    # Item analysis reads first attempts only: Farah's second (right) attempt is not in it.
    for item in result.items:
        assert item.pre_facility in (None, 0.0)
        assert item.post is None or item.post.n <= 3
    first_finals = db.session.scalars(
        select(Attempt).where(Attempt.kind == "post", Attempt.number == 1)
    ).all()
    assert len(first_finals) == 3
    posts = [item.post for item in result.items if item.post]
    assert sum(sums.n for sums in posts) == sum(a.marks_possible for a in first_finals)
    assert sum(sums.sum_x for sums in posts) == sum(a.marks_earned for a in first_finals)

    rows = {row.name: row for row in rosters.roster(db.session, cohort.id, course)}
    assert rows["Ana Not Started"].status == "not-started"
    assert rows["Ben Entry Only"].status == "in-progress"
    assert rows["Chen Halfway"].progress == round(100 / lessons)
    assert rows["Dina Failed"].status == "not-passed" and not rows["Dina Failed"].is_passed
    assert rows["Farah Second Try"].sat == 2 and rows["Farah Second Try"].post_score == 100.0
    assert rows["Emeka Passed"].gain == normalised_gain(0.0, 100.0) == 1.0
    assert rows["Emeka Passed"].certificate == "valid"  # issued by the job the pass queued
    assert rows["Ana Not Started"].gain is None and rows["Ana Not Started"].last_activity is None
    assert rows["Ben Entry Only"].last_activity is not None  # joining is not an activity


def test_the_roster_tells_apart_who_needs_help_to_pass(cohort, course, add_judge):
    lessons = len(course.lessons)
    assert course.assessment.max_attempts == 2
    add_judge(cohort, name="Ines Lessons Done", pre="wrong", lessons=lessons)
    add_judge(cohort, name="Jon Failed Once", pre="wrong", lessons=lessons, post=["wrong"])
    add_judge(cohort, name="Kim Out Of Tries", pre="wrong", lessons=lessons, post=["wrong"] * 2)
    add_judge(cohort, name="Lea Passed", pre="wrong", lessons=lessons, post=["wrong", "right"])
    expected = {
        "lessons-done": ["Ines Lessons Done"],
        "not-passed": ["Jon Failed Once"],
        "attempts-used": ["Kim Out Of Tries"],
        "passed": ["Lea Passed"],
    }
    for status, names in expected.items():
        page = rosters.roster_page(db.session, cohort.id, course, status=status)
        assert [row.name for row in page.rows] == names and page.total == 1, status
    # An extra attempt granted: Kim has an attempt again, so no longer "every attempt used".
    enrolment = db.session.scalar(
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(User.certificate_name == "Kim Out Of Tries")
    )
    enrolment.extra_attempts = 1
    db.session.flush()
    kim = rosters.roster_page(db.session, cohort.id, course, status="not-passed")
    assert sorted(row.name for row in kim.rows) == ["Jon Failed Once", "Kim Out Of Tries"]
    counts = report.cohort_report(db.session, cohort.id, course).counts
    assert counts.lessons_done == 4 and counts.sat == 3 and counts.passed == 1
    db.session.rollback()


def test_roster_sorts_filters_and_pages_in_the_database(cohort, course, add_judge):
    lessons = len(course.lessons)
    for index in range(5):
        add_judge(cohort, name=f"Judge {index}", pre="wrong")
    add_judge(cohort, name="Zed Top", pre="wrong", lessons=lessons, post=["right"])
    page = rosters.roster_page(
        db.session, cohort.id, course, sort="gain", descending=True, per_page=2
    )
    assert page.total == 6 and page.pages == 3
    assert [row.name for row in page.rows][0] == "Zed Top"
    passed = rosters.roster_page(db.session, cohort.id, course, status="passed")
    assert [row.name for row in passed.rows] == ["Zed Top"]
    by_name = rosters.roster_page(db.session, cohort.id, course, page=2, per_page=4)
    assert [row.name for row in by_name.rows] == ["Judge 4", "Zed Top"]


def test_other_cohorts_members_are_not_counted(make_cohort, trainer, course, add_judge, app_ctx):
    first, second = make_cohort(trainer, name="First"), make_cohort(trainer, name="Second")
    add_judge(first, pre="wrong")
    add_judge(second, pre="right")
    assert report.cohort_report(db.session, first.id, course).mean_pre == 0.0
    assert report.cohort_report(db.session, second.id, course).mean_pre == 100.0


def _count_queries(work) -> int:
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def test_the_number_of_queries_does_not_grow_with_the_cohort(cohort, course, add_judge):
    lessons = len(course.lessons)

    def queries():
        db.session.expire_all()
        return (
            _count_queries(lambda: report.cohort_report(db.session, cohort.id, course)),
            _count_queries(lambda: rosters.roster_page(db.session, cohort.id, course)),
        )

    add_judge(cohort, pre="wrong", lessons=lessons, post=["right"])
    small = queries()
    for _ in range(12):
        add_judge(cohort, pre="wrong", lessons=lessons, post=["wrong", "right"])
    assert queries() == small
    # Report: the totals' content version, the totals; roster: the count, the page.
    assert small == (2, 2)
