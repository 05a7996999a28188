"""The cohort's roster and report, as SQL aggregates: a fixed number of queries at any size.

Definitions (the trainers' manual explains them to trainers):

- a judge's **pre score** is their entry assessment; their **post score** is their best final
  attempt (ties: the earlier one); the **gain** is (post − pre) ÷ (100 − pre);
- **started**: a lesson completed or an assessment begun; **lessons done**: every lesson the
  course has now; **sat**: a final attempt scored; **passed**: a final attempt passed;
- **by topic**: the pre and post attempts above, marks per tag;
- **item analysis**: first attempts only (the first entry and the first final attempt).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import Any

from sqlalchemy import (
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import GenericFunction

from elearning.accounts.models import User
from elearning.assessments.models import Attempt, Response
from elearning.certificates.models import Certificate, CertificateRequest
from elearning.cohorts import logic
from elearning.cohorts.models import CohortMember
from elearning.content.model import Course
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion
from elearning.sqltypes import UTCDateTime

STATUSES = ("not-started", "in-progress", "lessons-done", "passed")


class greatest(GenericFunction):  # noqa: N801 (a SQL function's name)
    """The largest of its arguments (none may be NULL): GREATEST, or SQLite's scalar max()."""

    inherit_cache = True


@compiles(greatest)
def _greatest_default(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


def _member_ids(cohort_id: int):
    """The cohort's enrolments, for ``IN``: each table is then read through its enrolment
    index for the cohort's judges only, never scanned whole."""
    return select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort_id)


def _per_judge(member, query) -> Any:
    """A scalar subquery answered from one judge's own rows (an index lookup)."""
    return query.correlate(member).scalar_subquery()


def _facts(cohort_id: int, course: Course, *, materialized: bool = False):
    """One row per judge of the cohort: every fact the roster and report use.

    Each fact is a subquery on the judge's own rows (lessons, attempts, checks, certificates),
    so the cost follows the cohort's size and not the platform's.
    """
    member = CohortMember.__table__.alias("member")
    enrolment = member.c.enrolment_id
    lesson_slugs = [lesson.slug for lesson in course.lessons] or [""]
    scored = and_(Attempt.enrolment_id == enrolment, Attempt.score.is_not(None))

    def first(column, kind: str, *order):
        return _per_judge(
            member,
            select(column).where(scored, Attempt.kind == kind).order_by(*order).limit(1),
        )

    base = (
        select(
            member.c.id.label("member_id"),
            enrolment.label("enrolment_id"),
            member.c.user_id,
            User.certificate_name.label("name"),
            User.email,
            User.country,
            member.c.joined_at,
            _per_judge(
                member,
                select(func.count()).where(
                    LessonCompletion.enrolment_id == enrolment,
                    LessonCompletion.lesson_slug.in_(lesson_slugs),
                ),
            ).label("lessons_done"),
            first(Attempt.id, "pre", Attempt.number).label("pre_attempt_id"),
            # Which parallel form the judge began with (the first final is the other one).
            _per_judge(member, select(Enrolment.entry_form).where(Enrolment.id == enrolment)).label(
                "entry_form"
            ),
            first(Attempt.score, "pre", Attempt.number).label("pre_score"),
            # The best final attempt (ties: the earlier one), as the results page reads it.
            first(Attempt.id, "post", Attempt.score.desc(), Attempt.number).label(
                "post_attempt_id"
            ),
            first(Attempt.score, "post", Attempt.score.desc(), Attempt.number).label("post_score"),
            _per_judge(member, select(func.count()).where(scored, Attempt.kind == "post")).label(
                "sat"
            ),
            _per_judge(
                member,
                select(func.count()).where(
                    Attempt.enrolment_id == enrolment, Attempt.is_passed.is_(True)
                ),
            ).label("passes"),
            _per_judge(member, select(func.count()).where(Attempt.enrolment_id == enrolment)).label(
                "attempts"
            ),
            greatest(
                member.c.joined_at,
                *(
                    func.coalesce(_per_judge(member, query), member.c.joined_at)
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
            _per_judge(
                member,
                select(func.max(case((Certificate.revoked_at.is_(None), 2), else_=1))).where(
                    Certificate.enrolment_id == enrolment, Certificate.superseded_by_id.is_(None)
                ),
            ).label("certificate_state"),
            _per_judge(
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
    status = case(
        (passed, "passed"),
        (and_(raw.c.lessons_done >= total, literal(total) > 0), "lessons-done"),
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
        raw.c.email,
        raw.c.country,
        raw.c.joined_at,
        raw.c.lessons_done,
        raw.c.pre_attempt_id,
        raw.c.pre_score,
        raw.c.post_attempt_id,
        raw.c.post_score,
        gain.label("gain"),
        raw.c.sat,
        case((passed, 1), else_=0).label("passed"),
        case((status != "not-started", 1), else_=0).label("started"),
        status.label("status"),
        certificate.label("certificate"),
        raw.c.last_activity,
    ).subquery("facts")


# --- the roster -----------------------------------------------------------------------------

SORTS = {
    "name": "name",
    "progress": "lessons_done",
    "activity": "last_activity",
    "pre": "pre_score",
    "post": "post_score",
    "gain": "gain",
    "status": "status",
    "certificate": "certificate",
}


@dataclass(frozen=True)
class RosterRow:
    """One judge of the cohort, as the roster shows them."""

    member_id: int
    enrolment_id: int
    user_id: int
    name: str
    email: str
    country: str | None
    joined_at: datetime
    lessons_done: int
    lessons_total: int
    pre_score: float | None
    post_score: float | None
    gain: float | None
    sat: int
    is_passed: bool
    status: str
    certificate: str
    last_activity: datetime | None
    entry_form: str | None = None  # the parallel form of the entry assessment

    @property
    def progress(self) -> int:
        """Lessons complete, per cent."""
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


@dataclass(frozen=True)
class RosterPage:
    """A page of the roster and how many judges match the filter."""

    rows: list[RosterRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _as_utc(value: Any) -> datetime | None:
    """A timestamp read through a CTE, which SQLite hands back as text without its zone."""
    return UTCDateTime().process_result_value(
        datetime.fromisoformat(value) if isinstance(value, str) else value, None
    )


def _roster_query(
    cohort_id: int, course: Course, status: str | None, sort: str, descending: bool
) -> Select:
    facts = _facts(cohort_id, course)
    column = facts.c[SORTS.get(sort, "name")]
    ordered = column.desc() if descending else column.asc()
    query = select(facts).order_by(ordered.nulls_last(), facts.c.name, facts.c.enrolment_id)
    if status in STATUSES:
        query = query.where(facts.c.status == status)
    return query


def _row(course: Course, values: Mapping[str, Any]) -> RosterRow:
    return RosterRow(
        member_id=values["member_id"],
        enrolment_id=values["enrolment_id"],
        user_id=values["user_id"],
        name=values["name"],
        email=values["email"],
        country=values["country"],
        joined_at=_as_utc(values["joined_at"]),
        lessons_done=int(values["lessons_done"]),
        lessons_total=len(course.lessons),
        pre_score=values["pre_score"],
        post_score=values["post_score"],
        gain=values["gain"],
        sat=int(values["sat"]),
        is_passed=bool(values["passed"]),
        status=values["status"],
        certificate=values["certificate"],
        last_activity=_as_utc(values["last_activity"]),
        entry_form=values.get("entry_form"),
    )


def roster_page(
    session: Session,
    cohort_id: int,
    course: Course,
    *,
    status: str | None = None,
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> RosterPage:
    """One page of the roster, sorted and filtered in SQL: two queries."""
    query = _roster_query(cohort_id, course, status, sort, descending)
    if status in STATUSES:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    else:  # everyone: counting the members is enough
        total = session.scalar(select(func.count()).where(CohortMember.cohort_id == cohort_id))
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).mappings()
    return RosterPage([_row(course, row) for row in rows], total or 0, page, per_page)


def roster(
    session: Session, cohort_id: int, course: Course, *, status: str | None = None
) -> list[RosterRow]:
    """The whole roster (for exports), by name."""
    query = _roster_query(cohort_id, course, status, "name", False)
    return [_row(course, row) for row in session.execute(query).mappings()]


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """How far the cohort has come."""

    enrolled: int
    started: int
    lessons_done: int
    sat: int
    passed: int

    @property
    def pass_rate(self) -> float | None:
        return logic.pass_rate(self.passed, self.sat)


@dataclass(frozen=True)
class TopicResult:
    """Marks on one tag's questions, before and after."""

    tag: str
    label: str
    pre: float | None  # per cent
    post: float | None
    pre_answers: int
    post_answers: int


@dataclass(frozen=True)
class ItemResult:
    """One question's statistics from first attempts."""

    question_id: str
    entry_id: str
    tags: tuple[str, ...]
    stem: str
    pre: logic.ItemSums | None
    post: logic.ItemSums | None

    @property
    def both(self) -> logic.ItemSums | None:
        return logic.combine(self.pre, self.post)

    @property
    def answers(self) -> int:
        both = self.both
        return both.n if both else 0

    @property
    def facility(self) -> float | None:
        return logic.facility(self.both)

    @property
    def pre_facility(self) -> float | None:
        return logic.facility(self.pre)

    @property
    def post_facility(self) -> float | None:
        return logic.facility(self.post)

    @property
    def discrimination(self) -> float | None:
        return logic.discrimination(self.both)

    @property
    def flags(self) -> tuple[str, ...]:
        return logic.item_flags(self.both)


@dataclass(frozen=True)
class CohortReport:
    """Everything the report page, its exports and its PDF show."""

    counts: Counts
    mean_pre: float | None
    mean_post: float | None
    pre_count: int
    post_count: int
    mean_gain: float | None
    gain_count: int
    paired: logic.PairedComparison | None
    topics: list[TopicResult]
    distribution_pre: list[tuple[str, int]]
    distribution_post: list[tuple[str, int]]
    items: list[ItemResult] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        """False until someone has taken an assessment: the page says "no data yet"."""
        return self.pre_count > 0 or self.post_count > 0


def _summary(session: Session, facts) -> Any:
    """Counts, means, the paired sums and the score bands, in one pass over the judges."""
    both = and_(facts.c.pre_score.is_not(None), facts.c.post_score.is_not(None))
    difference = cast(facts.c.post_score, Float) - facts.c.pre_score

    def in_band(score, low: int):
        upper = score < low + 10 if low < logic.BANDS[-1] else literal(True)
        return func.coalesce(func.sum(case((and_(score >= low, upper), 1), else_=0)), 0)

    return session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(facts.c.started), 0),
            func.coalesce(
                func.sum(case((facts.c.status.in_(("lessons-done", "passed")), 1), else_=0)), 0
            ),
            func.coalesce(func.sum(case((facts.c.sat > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(facts.c.passed), 0),
            func.avg(facts.c.pre_score),
            func.count(facts.c.pre_score),
            func.avg(facts.c.post_score),
            func.count(facts.c.post_score),
            func.avg(facts.c.gain),
            func.count(facts.c.gain),
            func.sum(case((both, 1), else_=0)),
            func.sum(case((both, facts.c.pre_score))),
            func.sum(case((both, facts.c.post_score))),
            func.sum(case((both, difference))),
            func.sum(case((both, difference * difference))),
            *(in_band(facts.c.pre_score, low) for low in logic.BANDS),
            *(in_band(facts.c.post_score, low) for low in logic.BANDS),
        ).select_from(facts)
    ).one()


def _counts(summary) -> Counts:
    return Counts(*(int(value) for value in summary[:5]))


def cohort_counts(session: Session, cohort_id: int, course: Course) -> Counts:
    """How far the cohort has come: one query."""
    return _counts(_summary(session, _facts(cohort_id, course, materialized=True)))


def cohort_report(session: Session, cohort_id: int, course: Course) -> CohortReport:
    """The cohort report: the judges' summary and the pass over the responses (kept while
    nothing changes, see :func:`_questions_cached`), whatever the cohort's size."""
    summary = _summary(session, _facts(cohort_id, course, materialized=True))
    mean_pre, pre_n, mean_post, post_n = summary[5:9]
    mean_gain, gain_n, pair_n, sum_pre, sum_post, sum_d, sum_d2 = summary[9:16]
    bands = len(logic.BANDS)
    pre_bands = dict(zip(logic.BANDS, summary[16 : 16 + bands], strict=True))
    post_bands = dict(zip(logic.BANDS, summary[16 + bands : 16 + 2 * bands], strict=True))
    topics, items = _questions_cached(session, cohort_id, course)
    return CohortReport(
        counts=_counts(summary),
        mean_pre=mean_pre,
        mean_post=mean_post,
        pre_count=pre_n,
        post_count=post_n,
        mean_gain=mean_gain,
        gain_count=gain_n,
        paired=logic.paired_comparison(
            int(pair_n or 0), sum_pre or 0.0, sum_post or 0.0, sum_d or 0.0, sum_d2 or 0.0
        ),
        topics=topics,
        distribution_pre=logic.distribution({k: int(v) for k, v in pre_bands.items()}),
        distribution_post=logic.distribution({k: int(v) for k, v in post_bands.items()}),
        items=items,
    )


def item_analysis(session: Session, cohort_id: int, course: Course) -> list[ItemResult]:
    """The item analysis alone (for its export): the pass over the responses, not the summary."""
    return _questions_cached(session, cohort_id, course)[1]


def _best_finals(cohort_id: int) -> Select:
    """The id of each judge's best final attempt (the one their post score comes from)."""
    member = CohortMember.__table__.alias("best_of")
    best = (
        select(Attempt.id)
        .where(
            Attempt.enrolment_id == member.c.enrolment_id,
            Attempt.kind == "post",
            Attempt.score.is_not(None),
        )
        .order_by(Attempt.score.desc(), Attempt.number)
        .limit(1)
        .correlate(member)
        .scalar_subquery()
    )
    return select(best).where(member.c.cohort_id == cohort_id)


_QUESTIONS_CACHE: OrderedDict[tuple, tuple[list[TopicResult], list[ItemResult]]] = OrderedDict()
_QUESTIONS_CACHE_SIZE = 64
_cache_lock = threading.Lock()


def _questions_cached(
    session: Session, cohort_id: int, course: Course
) -> tuple[list[TopicResult], list[ItemResult]]:
    """:func:`_questions`, kept in this process until the cohort's scored attempts or members
    change. Scored responses never change, so a cheap fingerprint of which attempts are scored
    and who is in the cohort says whether the pass over every response must run again."""
    scored = and_(Attempt.enrolment_id.in_(_member_ids(cohort_id)), Attempt.score.is_not(None))
    attempts = session.execute(
        select(func.count(), func.coalesce(func.sum(Attempt.id), 0)).where(scored)
    ).one()
    members = session.execute(
        select(func.count(), func.coalesce(func.sum(CohortMember.id), 0)).where(
            CohortMember.cohort_id == cohort_id
        )
    ).one()
    key = (
        str(session.get_bind().url),
        cohort_id,
        course.content_version,
        tuple(attempts),
        tuple(members),
    )
    with _cache_lock:
        found = _QUESTIONS_CACHE.get(key)
        if found is not None:
            _QUESTIONS_CACHE.move_to_end(key)
            return found
    result = _questions(session, cohort_id, course)
    with _cache_lock:
        _QUESTIONS_CACHE[key] = result
        while len(_QUESTIONS_CACHE) > _QUESTIONS_CACHE_SIZE:
            _QUESTIONS_CACHE.popitem(last=False)
    return result


def _questions(
    session: Session, cohort_id: int, course: Course
) -> tuple[list[TopicResult], list[ItemResult]]:
    """Per question and kind, in one pass over the cohort's responses: the marks of the scored
    attempts (entry; best final) for the topics, and the sums of first attempts for the item
    analysis. Rows are bounded by the bank's size; the catalog folds them into tags."""
    bank = course.bank
    if bank is None:
        return [], []
    x = cast(Response.credit, Float)
    rest = cast(Attempt.marks_earned, Float) - x
    is_first = Attempt.number == 1
    # The entry assessment is taken once: its first attempt is the scored one.
    is_scored = or_(and_(Attempt.kind == "pre", is_first), Attempt.id.in_(_best_finals(cohort_id)))

    def when(condition, value):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    rows = session.execute(
        select(
            Attempt.kind,
            Response.question_id,
            when(is_scored, x),
            when(is_scored, 1),
            when(is_first, 1),
            when(is_first, x),
            when(is_first, x * x),
            when(is_first, rest),
            when(is_first, rest * rest),
            when(is_first, x * rest),
        )
        .join(Response, Response.attempt_id == Attempt.id)
        .where(
            Attempt.enrolment_id.in_(_member_ids(cohort_id)),
            Attempt.score.is_not(None),
            Response.credit.is_not(None),
            or_(is_first, is_scored),
        )
        .group_by(Attempt.kind, Response.question_id)
    )
    earned: dict[tuple[str, str], float] = {}
    answered: dict[tuple[str, str], int] = {}
    sums: dict[str, dict[str, logic.ItemSums]] = {}
    for kind, question_id, credit, scored_n, first_n, *first_sums in rows:
        question = bank.questions.get(question_id)
        if question is None:  # no longer in the bank
            continue
        for tag in question.tags:
            earned[kind, tag] = earned.get((kind, tag), 0.0) + float(credit)
            answered[kind, tag] = answered.get((kind, tag), 0) + int(scored_n)
        if first_n:
            sums.setdefault(question_id, {})[kind] = logic.ItemSums(
                int(first_n), *(float(value) for value in first_sums)
            )
    topics = []
    for slug, tag in course.tags.items():
        pre_n, post_n = answered.get(("pre", slug), 0), answered.get(("post", slug), 0)
        if pre_n or post_n:
            topics.append(
                TopicResult(
                    tag=slug,
                    label=tag.label,
                    pre=100 * earned[("pre", slug)] / pre_n if pre_n else None,
                    post=100 * earned[("post", slug)] / post_n if post_n else None,
                    pre_answers=pre_n,
                    post_answers=post_n,
                )
            )
    items = [
        ItemResult(
            question_id=question_id,
            entry_id=bank.entry_of[question_id],
            tags=question.tags,
            stem=_plain(str(question.stem)),
            pre=sums[question_id].get("pre"),
            post=sums[question_id].get("post"),
        )
        for question_id, question in bank.questions.items()
        if question_id in sums
    ]
    return topics, items


def _plain(html: str, limit: int = 160) -> str:
    """A question's text without markup, shortened for a table cell."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
