"""How good the cohort's tests were as tests: each form's reliability, and who chose which option.

A trainer reads a judge's score as a measure; these figures say how far to trust it. The
reliability of a fixed form (Cronbach's alpha, which is KR-20 for right-or-wrong questions) and
its standard error of measurement come from the judges who took that form as the same assessment;
the choices per option show a distractor nobody believes (useless) or one the strongest judges
choose (a flaw in the question). Both are read from the cohort's kept totals
(``cohorts.tallies``), whose number follows the bank's size, not the cohort's; the SQL here counts
them again. Figures on fewer than ``logic.MIN_ANSWERS_FOR_FLAGS`` judges are not given.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from elearning.assessments.models import Attempt, Response
from elearning.cohorts import logic, tallies
from elearning.cohorts.facts import counted_by, counts_earlier, member_ids
from elearning.content.model import Course


@dataclass(frozen=True)
class FormReliability:
    """A parallel form as one assessment (entry or final) of the cohort."""

    form: str
    kind: str  # pre or post
    judges: int
    questions: int
    alpha: float | None  # None: too few judges, or no spread of scores
    sem_marks: float | None  # standard error of measurement, in marks
    sem_percent: float | None  # the same, in points of the score

    @property
    def has_enough(self) -> bool:
        """Whether enough judges took it for the figures to mean something."""
        return self.judges >= logic.MIN_ANSWERS_FOR_FLAGS


@dataclass(frozen=True)
class OptionChoice:
    """How many judges chose an option, and their mean score on that attempt."""

    key: str
    text: str
    is_correct: bool
    chosen: int
    mean_score: float | None


@dataclass(frozen=True)
class OptionCounts:
    """The choices made at one question (first attempts), and what they suggest."""

    question_id: str
    answered: int
    options: tuple[OptionChoice, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        """The option's flags: "unused-distractor" (a wrong option nobody chose),
        "strong-choose-distractor" (a wrong option chosen by judges who scored higher than those
        who chose the key)."""
        return logic.option_flags(
            self.answered,
            [(o.is_correct, o.chosen, o.mean_score) for o in self.options],
        )


def _first_attempts(session: Session, cohort_id: int):
    return (
        Attempt.enrolment_id.in_(member_ids(cohort_id)),
        counted_by(cohort_id, counts_earlier(session, cohort_id)),
        Attempt.number == 1,
        Attempt.score.is_not(None),
    )


def reliability_sums(session: Session, cohort_id: int) -> dict[str, float]:
    """Per parallel form and kind, the first attempts' count and sums of marks, and each
    question's count and sums of credit: two aggregate queries (``tallies.recount``)."""
    first = _first_attempts(session, cohort_id)
    sums: dict[str, float] = {}
    marks = cast(Attempt.marks_earned, Float)
    for form, kind, *values in session.execute(
        select(Attempt.form, Attempt.kind, func.count(), func.sum(marks), func.sum(marks * marks))
        .where(*first, Attempt.form.is_not(None))
        .group_by(Attempt.form, Attempt.kind)
    ):
        for what, value in zip(tallies.SUMS, values, strict=True):
            sums[tallies.form_total(form, kind, what)] = float(value or 0)
    x = cast(func.coalesce(Response.credit, 0.0), Float)
    for form, kind, question_id, *values in session.execute(
        select(
            Attempt.form,
            Attempt.kind,
            Response.question_id,
            func.count(),
            func.sum(x),
            func.sum(x * x),
        )  # fmt: skip
        .join(Response, Response.attempt_id == Attempt.id)
        .where(*first, Attempt.form.is_not(None))
        .group_by(Attempt.form, Attempt.kind, Response.question_id)
    ):
        for what, value in zip(tallies.SUMS, values, strict=True):
            sums[tallies.form_question_total(form, kind, question_id, what)] = float(value or 0)
    return sums


def option_sums(session: Session, cohort_id: int) -> dict[str, float]:
    """Per question and answer given on a first attempt, how many gave it and the sum of their
    scores: one aggregate query (``tallies.recount``)."""
    sums: dict[str, float] = {}
    for question_id, selected, n, score_sum in session.execute(
        select(
            Response.question_id,
            Response.selected,
            func.count(),
            func.sum(cast(Attempt.score, Float)),
        )
        .join(Attempt, Attempt.id == Response.attempt_id)
        .where(*_first_attempts(session, cohort_id), Response.selected.is_not(None))
        .group_by(Response.question_id, Response.selected)
    ):
        sums[tallies.answer_total(question_id, selected, "n")] = float(n)
        sums[tallies.answer_total(question_id, selected, "s")] = float(score_sum or 0)
    return sums


def form_reliabilities(totals: tallies.Totals, course: Course) -> list[FormReliability]:
    """Alpha and the standard error of measurement of each parallel form, as the entry and as
    the final assessment of the cohort (first attempts), from the cohort's kept totals."""
    bank = course.bank
    if bank is None or not course.parallel_forms:
        return []
    forms: dict[tuple[str, str], tuple[int, float, float]] = {}
    item_variance: dict[tuple[str, str], float] = {}
    for name, _value in totals.items():
        parts = name.split("|")
        if parts[0] == "form" and parts[-1] == "n":
            form, kind = parts[1], parts[2]
            n, s, s2 = (totals.get(tallies.form_total(form, kind, w), 0.0) for w in tallies.SUMS)
            forms[form, kind] = (round(n), s, s2)
        elif parts[0] == "formq" and parts[-1] == "n":
            form, kind, question_id = parts[1], parts[2], parts[3]
            n, s, s2 = (
                totals.get(tallies.form_question_total(form, kind, question_id, w), 0.0)
                for w in tallies.SUMS
            )
            variance = logic.variance(round(n), s, s2)
            item_variance[form, kind] = item_variance.get((form, kind), 0.0) + (variance or 0.0)
    result = []
    for (form, kind), (n, s, s2) in sorted(forms.items()):
        if n <= 0:
            continue
        ids = course.parallel_forms.get(form, ())
        k = sum(len(bank.entries[i].questions) for i in ids if i in bank.entries)
        total_variance = logic.variance(n, s, s2)
        alpha = (
            logic.cronbach_alpha(k, item_variance.get((form, kind), 0.0), total_variance)
            if n >= logic.MIN_ANSWERS_FOR_FLAGS
            else None
        )
        sem = logic.standard_error_of_measurement(total_variance, alpha)
        result.append(
            FormReliability(
                form=form,
                kind=kind,
                judges=n,
                questions=k,
                alpha=alpha,
                sem_marks=sem,
                sem_percent=100 * sem / k if sem is not None and k else None,
            )
        )
    return result


def option_counts(totals: tallies.Totals, course: Course) -> dict[str, OptionCounts]:
    """For each question of a single or multiple choice, the judges who chose each option on
    their first attempt (entry and final together) and their mean score, from the kept totals."""
    bank = course.bank
    if bank is None:
        return {}
    chosen: dict[str, dict[str, list[float]]] = {}
    answered: dict[str, int] = {}
    for name, n in totals.items():
        parts = name.split("|")
        if parts[0] != "answer" or parts[-1] != "n" or round(n) <= 0:
            continue
        question_id, selected = parts[1], parts[2]
        score_sum = totals.get(tallies.answer_total(question_id, selected, "s"), 0.0)
        answered[question_id] = answered.get(question_id, 0) + round(n)
        for key in selected.split(","):
            tally = chosen.setdefault(question_id, {}).setdefault(key, [0, 0.0])
            tally[0] += round(n)
            tally[1] += score_sum
    counts = {}
    for question_id, by_key in chosen.items():
        question = bank.questions.get(question_id)
        if question is None or question.type == "true-false":
            continue
        counts[question_id] = OptionCounts(
            question_id=question_id,
            answered=answered[question_id],
            options=tuple(
                OptionChoice(
                    key=choice.key,
                    text=str(choice.text),
                    is_correct=choice.is_correct,
                    chosen=by_key.get(choice.key, [0, 0.0])[0],
                    mean_score=(
                        by_key[choice.key][1] / by_key[choice.key][0]
                        if by_key.get(choice.key, [0])[0]
                        else None
                    ),
                )
                for choice in question.choices
            ),
        )
    return counts
