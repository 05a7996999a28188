"""The facts of a cohort's judges, as one SQL query the roster and the report both read.

Definitions (the trainers' manual explains them to trainers):

- a judge's **pre score** is their entry assessment; their **post score** is their best final
  attempt (ties: the earlier one); the **gain** is (post − pre) ÷ (100 − pre);
- **started**: a lesson completed or an assessment begun; **lessons done**: every lesson the
  course has now; **sat**: a final attempt scored; **passed**: a final attempt passed;
- **by topic**: the pre and post attempts above, marks per tag;
- **item analysis**: first attempts only (the first entry and the first final attempt).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import GenericFunction

from elearning.accounts.models import User
from elearning.assessments.models import Attempt
from elearning.certificates.models import Certificate, CertificateRequest
from elearning.cohorts.models import Cohort, CohortMember
from elearning.content.model import Course
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion
from elearning.sqltypes import UTCDateTime

#: "Last activity" of a judge who has done nothing yet (the roster shows none; sorts first).
NO_ACTIVITY = datetime(2000, 1, 1, tzinfo=UTC)

#: Where a judge stands, in the order of the course. Those who need help to pass are told apart:
#: lessons done but the final never opened, the final sat and not passed (attempts left), and
#: every attempt used.
STATUSES = (
    "not-started", "in-progress", "lessons-done", "taking-final",
    "not-passed", "attempts-used", "passed",
)  # fmt: skip


class greatest(GenericFunction):  # noqa: N801 (a SQL function's name)
    """The largest of its arguments (none may be NULL): GREATEST, or SQLite's scalar max()."""

    inherit_cache = True


@compiles(greatest)
def _greatest_default(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


def member_ids(cohort_id: int):
    """The cohort's enrolments, for ``IN``: each table is then read through its enrolment
    index for the cohort's judges only, never scanned whole."""
    return select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort_id)


def per_judge(member, query) -> Any:
    """A scalar subquery answered from one judge's own rows (an index lookup)."""
    return query.correlate(member).scalar_subquery()


def counts_earlier(session: Session, cohort_id: int) -> bool:
    """Whether the cohort's figures count the scores its judges earned before joining it."""
    counts = session.scalar(select(Cohort.counts_earlier_scores).where(Cohort.id == cohort_id))
    return counts is not False  # (no such cohort: the default)


def _not_before(joined_at):
    """An attempt not submitted before ``joined_at``: one a cohort that leaves out scores
    earned before joining counts (``tallies.facts_from`` with ``since``)."""
    return or_(Attempt.submitted_at.is_(None), Attempt.submitted_at >= joined_at)


def counted_by(cohort_id: int, earlier: bool):
    """A condition on ``Attempt`` (of a member of the cohort): the cohort's figures count it.
    ``earlier``: the cohort counts scores earned before joining (:func:`counts_earlier`)."""
    if earlier:
        return true()
    joined = (
        select(CohortMember.joined_at)
        .where(
            CohortMember.cohort_id == cohort_id, CohortMember.enrolment_id == Attempt.enrolment_id
        )
        .scalar_subquery()
    )
    return _not_before(joined)


def facts(cohort_id: int, course: Course, *, materialized: bool = False, earlier: bool = True):
    """One row per judge of the cohort: every fact the roster and report use. Without
    ``earlier`` (for the figures of a cohort that leaves them out), the scores come only from
    attempts not submitted before the judge joined; the roster shows them all.

    Each fact is a subquery on the judge's own rows (lessons, attempts, checks, certificates),
    so the cost follows the cohort's size and not the platform's.
    """
    member = CohortMember.__table__.alias("member")
    enrolment = member.c.enrolment_id
    lesson_slugs = [lesson.slug for lesson in course.lessons] or [""]
    scored = and_(Attempt.enrolment_id == enrolment, Attempt.score.is_not(None))
    counted = true() if earlier else _not_before(member.c.joined_at)

    def first(column, kind: str, *order):
        return per_judge(
            member,
            select(column).where(scored, counted, Attempt.kind == kind).order_by(*order).limit(1),
        )

    base = (
        select(
            member.c.id.label("member_id"),
            enrolment.label("enrolment_id"),
            member.c.user_id,
            User.certificate_name.label("name"),
            User.name_key,
            User.email,
            User.country,
            member.c.joined_at,
            per_judge(
                member,
                select(func.count()).where(
                    LessonCompletion.enrolment_id == enrolment,
                    LessonCompletion.lesson_slug.in_(lesson_slugs),
                ),
            ).label("lessons_done"),
            first(Attempt.id, "pre", Attempt.number).label("pre_attempt_id"),
            # Which parallel form the judge began with (the first final is the other one).
            per_judge(member, select(Enrolment.entry_form).where(Enrolment.id == enrolment)).label(
                "entry_form"
            ),
            first(Attempt.score, "pre", Attempt.number).label("pre_score"),
            first(Attempt.submitted_at, "pre", Attempt.number).label("pre_at"),
            first(Attempt.mode, "pre", Attempt.number).label("pre_mode"),
            # The best final attempt (ties: the earlier one), as the results page reads it.
            first(Attempt.id, "post", Attempt.score.desc(), Attempt.number).label(
                "post_attempt_id"
            ),
            first(Attempt.score, "post", Attempt.score.desc(), Attempt.number).label("post_score"),
            first(Attempt.submitted_at, "post", Attempt.score.desc(), Attempt.number).label(
                "post_at"
            ),
            first(Attempt.mode, "post", Attempt.score.desc(), Attempt.number).label("post_mode"),
            per_judge(member, select(func.count()).where(scored, Attempt.kind == "post")).label(
                "sat"
            ),
            per_judge(
                member,
                select(func.count()).where(
                    Attempt.enrolment_id == enrolment, Attempt.is_passed.is_(True)
                ),
            ).label("passes"),
            per_judge(member, select(func.count()).where(Attempt.enrolment_id == enrolment)).label(
                "attempts"
            ),
            per_judge(
                member,
                select(func.count()).where(
                    Attempt.enrolment_id == enrolment, Attempt.kind == "post"
                ),
            ).label("finals"),
            per_judge(
                member, select(Enrolment.extra_attempts).where(Enrolment.id == enrolment)
            ).label("extra_attempts"),
            # The judge's own last step (a lesson, an attempt, a check answered), before or
            # after joining; NO_ACTIVITY when there is none (joining is not an activity).
            greatest(
                *(
                    func.coalesce(per_judge(member, query), literal(NO_ACTIVITY, UTCDateTime))
                    for query in (
                        select(func.max(LessonCompletion.completed_at)).where(
                            LessonCompletion.enrolment_id == enrolment
                        ),
                        select(
                            func.max(func.coalesce(Attempt.submitted_at, Attempt.started_at))
                        ).where(Attempt.enrolment_id == enrolment),
                        select(func.max(CheckAnswer.answered_at)).where(
                            CheckAnswer.enrolment_id == enrolment
                        ),
                    )
                ),
            ).label("last_activity"),
            per_judge(
                member,
                select(func.max(case((Certificate.revoked_at.is_(None), 2), else_=1))).where(
                    Certificate.enrolment_id == enrolment, Certificate.superseded_by_id.is_(None)
                ),
            ).label("certificate_state"),
            per_judge(
                member,
                select(func.count()).where(CertificateRequest.enrolment_id == enrolment),
            ).label("requests"),
        )
        .select_from(member.join(User, User.id == member.c.user_id))
        .where(member.c.cohort_id == cohort_id)
    )
    # Materialised, each judge's subqueries run once however often the outer query reads their
    # columns (the summary reads the scores in twenty score bands); the roster, which sorts and
    # pages, is faster without.
    raw = base.cte("judge").prefix_with("MATERIALIZED") if materialized else base.subquery("judge")
    total = len(course.lessons)
    passed = raw.c.passes > 0
    all_lessons = and_(raw.c.lessons_done >= total, literal(total) > 0)
    limit = course.assessment.max_attempts  # 0: no limit
    used_up = (
        raw.c.sat >= literal(limit) + func.coalesce(raw.c.extra_attempts, 0)
        if limit
        else literal(False)
    )
    status = case(
        (passed, "passed"),
        (and_(raw.c.sat > 0, used_up), "attempts-used"),
        (raw.c.sat > 0, "not-passed"),
        (raw.c.finals > 0, "taking-final"),
        (all_lessons, "lessons-done"),
        (raw.c.lessons_done > 0, "in-progress"),
        (raw.c.attempts > 0, "in-progress"),
        else_="not-started",
    )
    certificate = case(
        (raw.c.certificate_state == 2, "valid"),
        (raw.c.certificate_state == 1, "revoked"),
        (raw.c.requests > 0, "pending"),
        else_="none",
    )
    gain = case(
        (
            and_(
                raw.c.pre_score.is_not(None), raw.c.post_score.is_not(None), raw.c.pre_score < 100
            ),
            (cast(raw.c.post_score, Float) - raw.c.pre_score) / (100.0 - raw.c.pre_score),
        ),
        else_=null(),
    )
    return select(
        raw.c.member_id,
        raw.c.enrolment_id,
        raw.c.user_id,
        raw.c.name,
        raw.c.name_key,
        raw.c.email,
        raw.c.country,
        raw.c.joined_at,
        raw.c.lessons_done,
        raw.c.pre_attempt_id,
        raw.c.pre_score,
        raw.c.pre_at,
        raw.c.pre_mode,
        raw.c.post_attempt_id,
        raw.c.post_score,
        raw.c.post_at,
        raw.c.post_mode,
        gain.label("gain"),
        raw.c.sat,
        case((passed, 1), else_=0).label("passed"),
        case((or_(passed, all_lessons), 1), else_=0).label("lessons_complete"),
        case((status != "not-started", 1), else_=0).label("started"),
        status.label("status"),
        certificate.label("certificate"),
        raw.c.last_activity,
    ).subquery("facts")
