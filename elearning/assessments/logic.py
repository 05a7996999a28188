"""Pure rules of assessments: drawing a form, shuffling, scoring, gain, and what is open when.

No database and no Flask: everything here takes plain values and is unit-tested directly.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from elearning.content.itemtypes import Selection, grade
from elearning.content.model import AssessmentForm, AssessmentRules, Item, QuestionBank

# Answers that arrive this long after the deadline still count: the time it takes a page to
# reach a server over a slow connection, not extra time to think.
GRACE = timedelta(seconds=15)


class FormCannotBeDrawn(Exception):
    """The bank does not hold enough unused entries for the form's blueprint."""


def draw_entries(
    form: AssessmentForm,
    bank: QuestionBank,
    seed: int,
    never: Iterable[str] = (),
    rather_not: Iterable[str] = (),
) -> list[str]:
    """The bank entries of a new attempt, in the order the learner will see them: shuffled, or
    (``shuffle: false``) tag by tag in the blueprint's order and the bank's.

    Within a tag, scenarios and single questions are drawn in the proportion the pool holds
    them (a stratified draw), so two judges' forms differ little in length.

    ``never`` holds entries the learner may not meet again (the entry assessment's, for the
    final one); ``rather_not`` those they have met in earlier attempts of the same assessment,
    used again only when the bank runs out of fresh ones.
    """
    rng = random.Random(seed)  # noqa: S311 - drawing questions, not a secret  # nosec B311
    excluded = set(never)
    seen = set(rather_not)
    if form.fixed:
        chosen = [entry_id for entry_id in form.fixed if entry_id in bank.entries]
    else:
        chosen = []
        for tag, count in form.blueprint:
            entries = [entry for entry in bank.by_tag(tag) if entry.id not in excluded]
            if len(entries) < count:
                raise FormCannotBeDrawn(tag)
            pool = [entry.id for entry in entries]
            scenarios = {entry.id for entry in entries if entry.parts}
            fresh = [entry_id for entry_id in pool if entry_id not in seen]
            again = [entry_id for entry_id in pool if entry_id in seen]
            # Scenarios bring several questions: drawing them in the pool's own proportion
            # (rounded up or down at random) keeps every judge's form about the same length.
            share = count * len(scenarios) / len(pool)
            want = int(share) + (rng.random() < share - int(share))
            picked = rng.sample(
                [entry_id for entry_id in fresh if entry_id in scenarios],
                min(want, sum(entry_id in scenarios for entry_id in fresh)),
            )
            others = [entry_id for entry_id in fresh if entry_id not in scenarios]
            picked += rng.sample(others, min(count - want, len(others)))
            rest = [entry_id for entry_id in fresh if entry_id not in picked]
            picked += rng.sample(rest, min(count - len(picked), len(rest)))
            picked += rng.sample(again, count - len(picked))
            chosen.extend(sorted(picked, key=pool.index))
    if form.shuffle:
        rng.shuffle(chosen)
    return chosen


def least_used(names: Sequence[str], used: Mapping[str | None, int]) -> str:
    """The parallel form fewest judges have taken first (the earlier name on a tie), so that
    forms alternate: A, B, A, B..."""
    return min(names, key=lambda name: (used.get(name, 0), names.index(name)))


def first_final_form(
    parallel: Mapping[str, Sequence[str]], entry_form: str | None, met: Iterable[str]
) -> str | None:
    """The parallel form of the first final attempt: the one the judge did not take at entry;
    without a recorded entry form, one that shares no question with what they met; None when
    every form does (the final is then drawn)."""
    names = list(parallel)
    if entry_form in parallel:
        return next(name for name in names if name != entry_form)
    seen = set(met)
    return next((name for name in names if not seen & set(parallel[name])), None)


def draw_retake(
    bank: QuestionBank,
    questions_per_tag: Mapping[str, int],
    seed: int,
    never: Iterable[str] = (),
    rather_not: Iterable[str] = (),
    shuffle: bool = True,
) -> list[str]:
    """A retake of the final, as long per tag as a parallel form: entries the judge has not met
    first (never the entry form's), each time one that adds the most points not yet covered
    (ties at random), that still fits in the tag's number of questions."""
    rng = random.Random(seed)  # noqa: S311 - drawing questions, not a secret  # nosec B311
    excluded = set(never)
    seen = set(rather_not)
    chosen: list[str] = []
    for tag, target in questions_per_tag.items():
        pool = [entry for entry in bank.by_tag(tag) if entry.id not in excluded]
        picked: list[Item] = []
        covered: set[str] = set()
        count = 0
        for group in (
            [e for e in pool if e.id not in seen],
            [e for e in pool if e.id in seen],
        ):
            candidates = group[:]
            rng.shuffle(candidates)
            while count < target:
                fitting = [e for e in candidates if len(e.questions) <= target - count]
                if not fitting:
                    break
                best = max(fitting, key=lambda e: len(_points(e) - covered))
                candidates.remove(best)
                picked.append(best)
                covered |= _points(best)
                count += len(best.questions)
        if count < target:
            raise FormCannotBeDrawn(tag)
        chosen.extend(entry.id for entry in sorted(picked, key=pool.index))
    if shuffle:
        rng.shuffle(chosen)
    return chosen


def _points(entry: Item) -> set[str]:
    return {point for question in entry.questions for point in question.points}


def option_order(seed: int, question: Item) -> tuple[str, ...]:
    """The keys of a question's options in the order this attempt shows them."""
    keys = [choice.key for choice in question.choices]
    if question.shuffle_options:
        random.Random(f"{seed}:{question.id}").shuffle(keys)  # noqa: S311  # nosec B311
    return tuple(keys)


def parse_selection(text: str | None) -> Selection:
    """Stored option keys ("a,c") as a set."""
    return frozenset(key for key in (text or "").split(",") if key)


def format_selection(keys: Iterable[str]) -> str | None:
    """A set of option keys as stored ("a,c"); None when nothing is chosen."""
    ordered = sorted(set(keys))
    return ",".join(ordered) if ordered else None


@dataclass(frozen=True)
class Score:
    """An attempt's result: marks, per cent, and each question's credit (0.0–1.0)."""

    earned: float
    possible: int
    credits: Mapping[str, float]

    @property
    def percent(self) -> float:
        """Marks earned as a per cent of those available, to one decimal."""
        return 0.0 if self.possible == 0 else round(100 * self.earned / self.possible, 1)


def score_answers(
    bank: QuestionBank, entry_ids: Sequence[str], answers: Mapping[str, Selection]
) -> Score:
    """Score the answers to the entries an attempt drew: one mark per question.

    An entry that is no longer in the bank (the content changed) is left out of both the marks
    earned and the marks available.
    """
    credits: dict[str, float] = {}
    for entry_id in entry_ids:
        entry = bank.entries.get(entry_id)
        if entry is None:
            continue
        for question in entry.questions:
            credits[question.id] = grade(question, answers.get(question.id, frozenset()))
    return Score(sum(credits.values()), len(credits), credits)


def passes(rules: AssessmentRules, percent: float) -> bool:
    """True when the score reaches the course's pass mark."""
    return percent + 1e-9 >= rules.pass_mark


def normalised_gain(pre: float | None, post: float | None) -> float | None:
    """Hake's normalised gain (post − pre) ÷ (100 − pre): the share of the possible improvement
    achieved. None without both scores, or when the pre score leaves nothing to gain."""
    if pre is None or post is None or pre >= 100:
        return None
    return (post - pre) / (100 - pre)


@dataclass(frozen=True)
class TagResult:
    """Marks for one tag in an attempt."""

    tag: str
    earned: float
    possible: int

    @property
    def percent(self) -> float:
        """Per cent of the tag's marks earned."""
        return 0.0 if self.possible == 0 else round(100 * self.earned / self.possible, 1)


def by_tag(bank: QuestionBank, credits: Mapping[str, float]) -> dict[str, TagResult]:
    """Marks per tag: each question counts under every tag it has."""
    earned: dict[str, float] = {}
    possible: dict[str, int] = {}
    for question_id, credit in credits.items():
        question = bank.questions.get(question_id)
        if question is None:
            continue
        for tag in question.tags:
            earned[tag] = earned.get(tag, 0.0) + credit
            possible[tag] = possible.get(tag, 0) + 1
    return {tag: TagResult(tag, earned[tag], possible[tag]) for tag in possible}


@dataclass(frozen=True)
class AttemptFacts:
    """What the availability rules need to know of one attempt."""

    number: int
    is_open: bool
    deadline_at: datetime | None
    submitted_at: datetime | None
    is_passed: bool | None


def is_expired(deadline_at: datetime | None, now: datetime) -> bool:
    """True when a timed attempt's time (and grace) has run out."""
    return deadline_at is not None and now > deadline_at + GRACE


@dataclass(frozen=True)
class Availability:
    """Whether the learner can start (or resume) an assessment now, and why not.

    ``state`` is one of: open (an attempt is in progress), available, taken (the entry
    assessment, once), passed, locked (lessons to finish first), closed (the entry assessment
    after the final one has begun), exhausted (no attempts left), cooldown (until ``until``).
    """

    state: str
    attempts_used: int = 0
    attempts_left: int | None = None  # None: no limit
    until: datetime | None = None

    @property
    def can_start(self) -> bool:
        """True when a start (or resume) button belongs on the page."""
        return self.state in ("open", "available")


def pre_availability(pre: Sequence[AttemptFacts], post_started: bool) -> Availability:
    """The entry assessment: taken once, and only before the final one."""
    if any(facts.is_open for facts in pre):
        return Availability("open", len(pre))
    if pre:
        return Availability("taken", len(pre))
    if post_started:
        return Availability("closed")
    return Availability("available")


def post_availability(
    rules: AssessmentRules,
    post: Sequence[AttemptFacts],
    lessons_complete: bool,
    now: datetime,
    extra: int = 0,
) -> Availability:
    """The final assessment: after every lesson, within the attempt limit (and the ``extra``
    attempts granted to this judge) and the cool-down. An extra attempt is granted once the
    others are used, after the judge has waited for the trainer: it opens at once."""
    used = len(post)
    left = None if rules.max_attempts == 0 else max(0, rules.max_attempts + extra - used)
    if any(facts.is_passed for facts in post):
        return Availability("passed", used, left)
    if any(facts.is_open for facts in post):
        return Availability("open", used, left)
    if not lessons_complete:
        return Availability("locked", used, left)
    if left == 0:
        return Availability("exhausted", used, left)
    finished = [facts.submitted_at for facts in post if facts.submitted_at is not None]
    granted = rules.max_attempts and used >= rules.max_attempts  # the next one is an extra one
    if finished and rules.cooldown_hours and not granted:
        until = max(finished) + timedelta(hours=rules.cooldown_hours)
        if now < until:
            return Availability("cooldown", used, left, until)
    return Availability("available", used, left)


def shows_answers(rules: AssessmentRules, kind: str, post: Availability | None) -> bool:
    """Whether the review shows the right answers and explanations.

    The entry assessment's, only once the final is over for the learner (passed, or no
    attempts left), unless the course says ``entry_answers: at-once``: its key must not
    circulate before others take it. The final's always when the course says so, otherwise
    also only once it is over, so a retake is not a copy of the review.
    """
    over = post is not None and post.state in ("passed", "exhausted")
    if kind == "pre" and rules.entry_answers == "after-final":
        return over
    return rules.show_correct_answers or over


def next_step(
    needs_pre: bool,
    pre: Availability | None,
    post: Availability | None,
    has_lesson_to_do: bool,
) -> str:
    """What the learner should do next in a course: "pre", "lesson", "post" or "done"."""
    if needs_pre and pre is not None and pre.state in ("available", "open"):
        return "pre"
    if has_lesson_to_do:
        return "lesson"
    if post is not None and post.can_start:
        return "post"
    return "done"
