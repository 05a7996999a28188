"""A cohort beside the earlier cohorts of the same course that share a trainer with it and that
the viewer may open: judges, completion, pass rate, mean scores and gains, from each cohort's
kept totals (``cohorts.tallies``), so the comparison costs the same at any size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists
from sqlalchemy.orm import Session, aliased

from elearning.accounts.models import User
from elearning.cohorts import logic, report, services, tallies
from elearning.cohorts.models import Cohort, CohortTrainer
from elearning.content.model import Course

#: How many earlier cohorts the comparison lists (the most recent ones).
EARLIER_COHORTS = 10


@dataclass(frozen=True)
class CohortLine:
    """One cohort's headline figures."""

    cohort: Cohort
    is_current: bool
    judges: int
    completion: float | None  # share of the judges who completed every lesson (0–1)
    pass_rate: float | None
    mean_pre: float | None
    mean_post: float | None
    gains: logic.GainReading


def earlier_cohorts(session: Session, cohort: Cohort, viewer: User) -> list[Cohort]:
    """The viewer's visible cohorts of the same course, created before ``cohort`` and sharing
    a trainer with it, the most recent first."""
    mine, theirs = aliased(CohortTrainer), aliased(CohortTrainer)
    shares_a_trainer = exists().where(
        mine.cohort_id == cohort.id, theirs.cohort_id == Cohort.id, theirs.user_id == mine.user_id
    )
    return list(
        session.scalars(
            services.visible_cohorts(viewer)
            .where(
                Cohort.course_slug == cohort.course_slug,
                Cohort.id < cohort.id,
                shares_a_trainer,
            )
            .order_by(Cohort.id.desc())
            .limit(EARLIER_COHORTS)
        )
    )


def compare(session: Session, cohort: Cohort, course: Course, viewer: User) -> list[CohortLine]:
    """This cohort first, then its earlier cohorts (see :func:`earlier_cohorts`)."""
    cohorts = [cohort, *earlier_cohorts(session, cohort, viewer)]
    summaries = tallies.read_summaries(session, [c.id for c in cohorts], course)
    return [_line(c, c.id == cohort.id, summaries[c.id], course) for c in cohorts]


def _line(cohort: Cohort, is_current: bool, totals: dict[str, float], course: Course):
    figures = report.report_from(totals, course)
    enrolled = figures.counts.enrolled
    return CohortLine(
        cohort=cohort,
        is_current=is_current,
        judges=enrolled,
        completion=figures.counts.lessons_done / enrolled if enrolled else None,
        pass_rate=figures.counts.pass_rate,
        mean_pre=figures.mean_pre,
        mean_post=figures.mean_post,
        gains=figures.gains,
    )
