"""One judge's record in a cohort, for its trainers: progress by module, every attempt with its
score per topic, and a submitted attempt's answers question by question (as Moodle lets a
teacher review an attempt)."""

from __future__ import annotations

from flask import abort, render_template

from elearning.accounts.access import role_required
from elearning.accounts.models import Role, User
from elearning.assessments import logic as assessment_logic
from elearning.assessments import services as assessments
from elearning.assessments.models import Attempt
from elearning.cohorts import bp, rosters
from elearning.cohorts.access import load_cohort_or_404, load_member_or_404
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.access import course_language


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>")
@role_required(Role.trainer)
def member(cohort_id: int, member_id: int):
    """The judge's record: where they stand, their lessons by module, their attempts and the
    marks per topic of each one submitted."""
    cohort, course = load_cohort_or_404(cohort_id)
    member = load_member_or_404(cohort, member_id)
    judge = db.session.get(User, member.user_id)
    row = rosters.roster_row(db.session, cohort.id, course, member.id)
    completed = learning.completion_times(db.session, [member.enrolment_id])[member.enrolment_id]
    attempts = assessments.attempts_of(db.session, member.enrolment_id)
    submitted = [attempt for attempt in attempts if not attempt.is_open]
    bank = course.bank
    topics = {}
    if bank is not None:
        for attempt in submitted:
            responses = assessments.responses_of(db.session, attempt.id)
            credits = {r.question_id: r.credit for r in responses if r.credit is not None}
            topics[attempt.id] = assessment_logic.by_tag(bank, credits)
    return render_template(
        "cohorts/member.html",
        cohort=cohort,
        course=course,
        member=member,
        judge=judge,
        row=row,
        modules=[_module_progress(module, completed) for module in course.modules],
        attempts=sorted(attempts, key=lambda a: (a.kind != "pre", a.number)),
        topics=topics,
        topic_order=[slug for slug in course.tags if any(slug in t for t in topics.values())],
        language=course_language(course),
    )


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/attempts/<int:attempt_id>")
@role_required(Role.trainer)
def member_attempt(cohort_id: int, member_id: int, attempt_id: int):
    """A submitted attempt of the judge, question by question: the answer given, the right
    one and the explanation. An attempt in progress is not shown until it is submitted."""
    cohort, course = load_cohort_or_404(cohort_id)
    member = load_member_or_404(cohort, member_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.enrolment_id != member.enrolment_id or course.bank is None:
        abort(404)
    judge = db.session.get(User, member.user_id)
    if attempt.is_open:
        return render_template(
            "cohorts/member_attempt.html",
            cohort=cohort,
            course=course,
            member=member,
            judge=judge,
            attempt=attempt,
            in_progress=True,
        )
    review = assessments.review(course.bank, assessments.responses_of(db.session, attempt.id))
    return render_template(
        "cohorts/member_attempt.html",
        cohort=cohort,
        course=course,
        member=member,
        judge=judge,
        attempt=attempt,
        in_progress=False,
        entries=review.entries,
        numbers=review.numbers,
        orders=review.orders(attempt.seed),
        missed_count=review.missed,
        show_answers=True,
        language=course_language(course),
    )


def _module_progress(module, completed):
    """(module, lessons completed, when the last of them was)."""
    times = [completed[lesson.slug] for lesson in module.lessons if lesson.slug in completed]
    return module, len(times), max(times, default=None)
