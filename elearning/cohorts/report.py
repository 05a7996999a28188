"""The cohort's report, as SQL aggregates over the judges' facts (``cohorts.facts``): a fixed
number of queries at any size. The pass over every response (topics and item analysis) is kept
in this process until the cohort's scored attempts or members change; ``clear_cache()``
forgets it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import (
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from elearning.assessments.models import Attempt, Response
from elearning.cohorts import logic
from elearning.cohorts.facts import facts, member_ids
from elearning.cohorts.models import CohortMember
from elearning.content.model import Course


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


def _summary(session: Session, judges) -> Any:
    """Counts, means, the paired sums and the score bands, in one pass over the judges."""
    both = and_(judges.c.pre_score.is_not(None), judges.c.post_score.is_not(None))
    difference = cast(judges.c.post_score, Float) - judges.c.pre_score

    def in_band(score, low: int):
        upper = score < low + 10 if low < logic.BANDS[-1] else literal(True)
        return func.coalesce(func.sum(case((and_(score >= low, upper), 1), else_=0)), 0)

    return session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(judges.c.started), 0),
            func.coalesce(
                func.sum(case((judges.c.status.in_(("lessons-done", "passed")), 1), else_=0)), 0
            ),
            func.coalesce(func.sum(case((judges.c.sat > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(judges.c.passed), 0),
            func.avg(judges.c.pre_score),
            func.count(judges.c.pre_score),
            func.avg(judges.c.post_score),
            func.count(judges.c.post_score),
            func.avg(judges.c.gain),
            func.count(judges.c.gain),
            func.sum(case((both, 1), else_=0)),
            func.sum(case((both, judges.c.pre_score))),
            func.sum(case((both, judges.c.post_score))),
            func.sum(case((both, difference))),
            func.sum(case((both, difference * difference))),
            *(in_band(judges.c.pre_score, low) for low in logic.BANDS),
            *(in_band(judges.c.post_score, low) for low in logic.BANDS),
        ).select_from(judges)
    ).one()


def _counts(summary) -> Counts:
    return Counts(*(int(value) for value in summary[:5]))


def cohort_counts(session: Session, cohort_id: int, course: Course) -> Counts:
    """How far the cohort has come: one query."""
    return _counts(_summary(session, facts(cohort_id, course, materialized=True)))


def cohort_report(session: Session, cohort_id: int, course: Course) -> CohortReport:
    """The cohort report: the judges' summary and the pass over the responses (kept while
    nothing changes, see :func:`_questions_cached`), whatever the cohort's size."""
    summary = _summary(session, facts(cohort_id, course, materialized=True))
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


def clear_cache() -> None:
    """Forget every kept pass over the responses (tests, and benchmarks timing a cold report)."""
    with _cache_lock:
        _QUESTIONS_CACHE.clear()


def _questions_cached(
    session: Session, cohort_id: int, course: Course
) -> tuple[list[TopicResult], list[ItemResult]]:
    """:func:`_questions`, kept in this process until the cohort's scored attempts or members
    change. Scored responses never change, so a cheap fingerprint of which attempts are scored
    and who is in the cohort says whether the pass over every response must run again."""
    scored = and_(Attempt.enrolment_id.in_(member_ids(cohort_id)), Attempt.score.is_not(None))
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
            Attempt.enrolment_id.in_(member_ids(cohort_id)),
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
    text = str(Markup(html).striptags())  # noqa: S704 - our sanitised HTML, read as text  # nosec B704
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
