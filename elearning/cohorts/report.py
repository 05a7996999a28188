"""The cohort's report, read from the cohort's kept totals (``cohorts.tallies``): the same few
queries and the same time at any size. The SQL here that counts the totals from the judges'
facts (``cohorts.facts``) and responses is what a rebuild runs, and what the tests hold the
kept totals to."""

from __future__ import annotations

from dataclasses import dataclass, field

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
from elearning.cohorts import logic, tallies
from elearning.cohorts.facts import counted_by, counts_earlier, facts, member_ids
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
    gains: logic.GainReading
    topics: list[TopicResult]
    distribution_pre: list[tuple[str, int]]
    distribution_post: list[tuple[str, int]]
    items: list[ItemResult] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        """False until someone has taken an assessment: the page says "no data yet"."""
        return self.pre_count > 0 or self.post_count > 0


def summary_sums(session: Session, cohort_id: int, course: Course) -> dict[str, float]:
    """The cohort's counts, score sums, paired sums and score bands, counted from the judges'
    facts in one query (``tallies.recount``: the kept totals must equal these)."""
    judges = facts(cohort_id, course, materialized=True, earlier=counts_earlier(session, cohort_id))
    both = and_(judges.c.pre_score.is_not(None), judges.c.post_score.is_not(None))
    difference = cast(judges.c.post_score, Float) - judges.c.pre_score

    def total(value):
        return func.coalesce(func.sum(value), 0)

    def count_if(condition):
        return total(case((condition, 1), else_=0))

    def in_band(score, low: int):
        upper = score < low + 10 if low < logic.BANDS[-1] else literal(True)
        return count_if(and_(score >= low, upper))

    columns = {
        "enrolled": func.count(),
        "started": total(judges.c.started),
        "lessons_done": total(judges.c.lessons_complete),
        "sat": count_if(judges.c.sat > 0),
        "passed": total(judges.c.passed),
        "pre_n": func.count(judges.c.pre_score),
        "pre_sum": total(judges.c.pre_score),
        "post_n": func.count(judges.c.post_score),
        "post_sum": total(judges.c.post_score),
        "gain_n": func.count(judges.c.gain),
        "gain_sum": total(judges.c.gain),
        "gain_sq": total(judges.c.gain * judges.c.gain),
        "pair_n": count_if(both),
        "pair_pre": total(case((both, judges.c.pre_score))),
        "pair_post": total(case((both, judges.c.post_score))),
        "pair_d": total(case((both, difference))),
        "pair_d2": total(case((both, difference * difference))),
        **{tallies.band("pre", low): in_band(judges.c.pre_score, low) for low in logic.BANDS},
        **{tallies.band("post", low): in_band(judges.c.post_score, low) for low in logic.BANDS},
    }
    row = session.execute(select(*columns.values()).select_from(judges)).one()
    return {name: float(value) for name, value in zip(columns, row, strict=True)}


def cohort_counts(session: Session, cohort_id: int, course: Course) -> Counts:
    """How far the cohort has come, from its kept totals."""
    return _counts(tallies.read(session, cohort_id, course, questions=False))


def _counts(totals: tallies.Totals) -> Counts:
    names = ("enrolled", "started", "lessons_done", "sat", "passed")
    return Counts(*(int(totals.get(name, 0)) for name in names))


def cohort_report(session: Session, cohort_id: int, course: Course) -> CohortReport:
    """The cohort report, from the cohort's kept totals (``cohorts.tallies``): the same few
    queries and the same time at any size."""
    return report_from(tallies.read(session, cohort_id, course), course)


def report_from(totals: tallies.Totals, course: Course) -> CohortReport:
    """The report the totals give."""

    def get(name: str) -> float:
        return totals.get(name, 0.0)

    def mean(kind: str) -> float | None:
        n = get(f"{kind}_n")
        return get(f"{kind}_sum") / n if n else None

    topics, items = _questions(totals, course)
    paired = logic.paired_comparison(
        int(get("pair_n")), get("pair_pre"), get("pair_post"), get("pair_d"), get("pair_d2")
    )
    return CohortReport(
        counts=_counts(totals),
        mean_pre=mean("pre"),
        mean_post=mean("post"),
        pre_count=int(get("pre_n")),
        post_count=int(get("post_n")),
        mean_gain=mean("gain"),
        gain_count=int(get("gain_n")),
        paired=paired,
        gains=logic.read_gains(int(get("gain_n")), get("gain_sum"), get("gain_sq"), paired),
        topics=topics,
        distribution_pre=logic.distribution(
            {low: int(get(tallies.band("pre", low))) for low in logic.BANDS}
        ),
        distribution_post=logic.distribution(
            {low: int(get(tallies.band("post", low))) for low in logic.BANDS}
        ),
        items=items,
    )


def item_analysis(session: Session, cohort_id: int, course: Course) -> list[ItemResult]:
    """The item analysis alone (for its export)."""
    return cohort_report(session, cohort_id, course).items


def _best_finals(cohort_id: int, earlier: bool) -> Select:
    """The id of each judge's best final attempt (the one their post score comes from)."""
    member = CohortMember.__table__.alias("best_of")
    best = (
        select(Attempt.id)
        .where(
            Attempt.enrolment_id == member.c.enrolment_id,
            Attempt.kind == "post",
            Attempt.score.is_not(None),
            counted_by(cohort_id, earlier),
        )
        .order_by(Attempt.score.desc(), Attempt.number)
        .limit(1)
        .correlate(member)
        .scalar_subquery()
    )
    return select(best).where(member.c.cohort_id == cohort_id)


def question_sums(session: Session, cohort_id: int, course: Course) -> dict[str, float]:
    """Per question and kind, in one pass over the cohort's responses: the marks of the scored
    attempts (entry; best final) for the topics, and the sums of first attempts for the item
    analysis (``tallies.recount``: the kept totals must equal these)."""
    x = cast(Response.credit, Float)
    rest = cast(Attempt.marks_earned, Float) - x
    is_first = Attempt.number == 1
    earlier = counts_earlier(session, cohort_id)
    # The entry assessment is taken once: its first attempt is the scored one.
    is_scored = or_(
        and_(Attempt.kind == "pre", is_first), Attempt.id.in_(_best_finals(cohort_id, earlier))
    )

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
            counted_by(cohort_id, earlier),
            Attempt.score.is_not(None),
            Response.credit.is_not(None),
            or_(is_first, is_scored),
        )
        .group_by(Attempt.kind, Response.question_id)
    )
    sums: dict[str, float] = {}
    for kind, question_id, *values in rows:
        for what, value in zip(tallies.QUESTION_SUMS, values, strict=True):
            sums[tallies.question_total(kind, question_id, what)] = float(value)
    return sums


def _questions(
    totals: tallies.Totals, course: Course
) -> tuple[list[TopicResult], list[ItemResult]]:
    """The topics and the item analysis from the per-question totals; the catalog folds the
    questions into tags (a question no longer in the bank is left out)."""
    bank = course.bank
    if bank is None:
        return [], []
    by_question: dict[tuple[str, str], dict[str, float]] = {}
    for name, value in totals.items():
        if name.startswith("q|"):
            _, kind, question_id, what = name.split("|")
            by_question.setdefault((kind, question_id), {})[what] = value
    earned: dict[tuple[str, str], float] = {}
    answered: dict[tuple[str, str], int] = {}
    sums: dict[str, dict[str, logic.ItemSums]] = {}
    for (kind, question_id), values in by_question.items():
        question = bank.questions.get(question_id)
        if question is None:
            continue
        for tag in question.tags:
            earned[kind, tag] = earned.get((kind, tag), 0.0) + values.get("scored_x", 0.0)
            answered[kind, tag] = answered.get((kind, tag), 0) + round(values.get("scored_n", 0))
        first_n = round(values.get("n", 0))
        if first_n:
            sums.setdefault(question_id, {})[kind] = logic.ItemSums(
                first_n, *(values.get(what, 0.0) for what in tallies.QUESTION_SUMS[3:])
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
            stem=plain_text(str(question.stem)),
            pre=sums[question_id].get("pre"),
            post=sums[question_id].get("post"),
        )
        for question_id, question in bank.questions.items()
        if question_id in sums
    ]
    return topics, items


def plain_text(html: str, limit: int = 160) -> str:
    """A question's text without markup, shortened for a table cell."""
    text = str(Markup(html).striptags())  # noqa: S704 - our sanitised HTML, read as text  # nosec B704
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
