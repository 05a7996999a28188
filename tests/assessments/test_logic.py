"""Assessment rules: drawing parallel forms, gain, per-tag marks, and what is open when."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from elearning.assessments.logic import (
    AttemptFacts,
    Availability,
    FormCannotBeDrawn,
    by_tag,
    draw_entries,
    is_expired,
    next_step,
    normalised_gain,
    passes,
    post_availability,
    pre_availability,
    score_answers,
    shows_answers,
)
from elearning.content.model import (
    AssessmentForm,
    AssessmentRules,
    Choice,
    Item,
    QuestionBank,
    Text,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SEEDS = range(40)


def text(words: str) -> Text:
    return Text(MappingProxyType({"en": words}))


def question(item_id: str, *tags: str) -> Item:
    return Item(
        id=item_id,
        type="single",
        tags=tags,
        points=(),
        stem=text("Which?"),
        choices=(Choice("a", text("Right"), True), Choice("b", text("Wrong"), False)),
    )


def scenario(item_id: str, tag: str, parts: int) -> Item:
    return Item(
        id=item_id,
        type="scenario",
        tags=(tag,),
        points=(),
        stem=text("A case."),
        parts=tuple(question(f"{item_id}-{i}", tag) for i in range(parts)),
    )


def bank_of(*items: Item) -> QuestionBank:
    return QuestionBank(
        entries=MappingProxyType({item.id: item for item in items}),
        questions=MappingProxyType({q.id: q for item in items for q in item.questions}),
        entry_of=MappingProxyType({q.id: item.id for item in items for q in item.questions}),
    )


# Six independence entries (one a scenario of three questions) and three on integrity.
INDEPENDENCE = [f"ind-{i}" for i in range(1, 6)] + ["ind-case"]
INTEGRITY = ["int-1", "int-2", "int-3"]
BANK = bank_of(
    *(question(item_id, "independence") for item_id in INDEPENDENCE[:-1]),
    scenario("ind-case", "independence", 3),
    *(question(item_id, "integrity", "independence") for item_id in INTEGRITY),
)


def form(*blueprint: tuple[str, int], shuffle: bool = True) -> AssessmentForm:
    return AssessmentForm(kind="post", blueprint=blueprint, shuffle=shuffle)


def tags_of(entry_ids: list[str]) -> Counter:
    return Counter(BANK.entries[entry_id].primary_tag for entry_id in entry_ids)


# Drawing a form


def test_a_blueprint_draws_its_count_of_entries_per_first_tag():
    blueprint = form(("independence", 4), ("integrity", 2))
    for seed in SEEDS:
        drawn = draw_entries(blueprint, BANK, seed)
        assert len(set(drawn)) == len(drawn) == 6
        assert tags_of(drawn) == {"independence": 4, "integrity": 2}  # by first tag only


def test_scenarios_are_drawn_in_their_share_of_the_pool_so_forms_keep_their_length():
    half_cases = bank_of(
        *(scenario(f"case-{i}", "integrity", 2) for i in range(4)),
        *(question(f"single-{i}", "integrity") for i in range(4)),
    )
    lengths = set()
    for seed in SEEDS:
        drawn = draw_entries(form(("integrity", 2)), half_cases, seed)
        lengths.add(sum(len(half_cases.entries[entry_id].questions) for entry_id in drawn))
    assert lengths == {3}  # one case of two questions and one single question, every time
    # Freshness still comes first: with only scenarios unseen, a retake takes them.
    seen = [f"single-{i}" for i in range(4)]
    for seed in SEEDS:
        retake = draw_entries(form(("integrity", 2)), half_cases, seed, rather_not=seen)
        assert all(entry_id.startswith("case-") for entry_id in retake)


def test_the_draw_is_the_same_for_a_seed_and_differs_between_judges():
    blueprint = form(("independence", 3), ("integrity", 1))
    assert draw_entries(blueprint, BANK, 7) == draw_entries(blueprint, BANK, 7)
    assert len({tuple(draw_entries(blueprint, BANK, seed)) for seed in SEEDS}) > 10


def test_the_final_assessment_never_repeats_the_entry_assessment():
    pre = form(("independence", 3), ("integrity", 1))
    post = form(("independence", 3), ("integrity", 2))
    for seed in SEEDS:
        pre_ids = draw_entries(pre, BANK, seed)
        post_ids = draw_entries(post, BANK, seed + 1, never=pre_ids)
        assert not set(pre_ids) & set(post_ids)
        assert tags_of(post_ids) == {"independence": 3, "integrity": 2}


def test_a_form_that_would_repeat_a_never_entry_cannot_be_drawn():
    with pytest.raises(FormCannotBeDrawn, match="integrity"):
        draw_entries(form(("integrity", 2)), BANK, 1, never=["int-1", "int-2"])
    with pytest.raises(FormCannotBeDrawn):
        draw_entries(form(("integrity", 4)), BANK, 1)


def test_a_retake_draws_unseen_entries_while_the_bank_has_them():
    seen = INDEPENDENCE[:4]
    for seed in SEEDS:
        assert sorted(draw_entries(form(("independence", 2)), BANK, seed, rather_not=seen)) == (
            sorted(INDEPENDENCE[4:])
        )
        three = draw_entries(form(("independence", 3)), BANK, seed, rather_not=seen)
        assert set(INDEPENDENCE[4:]) < set(three) and len(set(three) & set(seen)) == 1


def test_a_retake_reuses_seen_entries_but_never_the_entry_assessments():
    never, seen = INDEPENDENCE[:2], INDEPENDENCE[2:5]
    for seed in SEEDS:
        drawn = draw_entries(form(("independence", 3)), BANK, seed, never=never, rather_not=seen)
        assert "ind-case" in drawn and not set(drawn) & set(never)
    everything_seen = draw_entries(form(("integrity", 3)), BANK, 3, rather_not=INTEGRITY)
    assert sorted(everything_seen) == INTEGRITY


def test_a_fixed_form_keeps_its_entries_and_drops_those_gone_from_the_bank():
    listed = ("int-2", "ind-case", "withdrawn-question", "ind-1")
    in_order = AssessmentForm(kind="pre", fixed=listed, shuffle=False)
    assert draw_entries(in_order, BANK, 5) == ["int-2", "ind-case", "ind-1"]
    shuffled = AssessmentForm(kind="pre", fixed=listed)
    orders = {tuple(draw_entries(shuffled, BANK, seed)) for seed in SEEDS}
    assert all(sorted(order) == ["ind-1", "ind-case", "int-2"] for order in orders)
    assert len(orders) > 1


def test_an_unshuffled_blueprint_form_keeps_the_tags_in_blueprint_order():
    drawn = draw_entries(form(("integrity", 2), ("independence", 3), shuffle=False), BANK, 11)
    assert [BANK.entries[entry_id].primary_tag for entry_id in drawn] == (
        ["integrity"] * 2 + ["independence"] * 3
    )


# Scores, gain and marks per tag


@pytest.mark.parametrize(
    ("pre", "post", "gain"),
    [
        (40.0, 70.0, 0.5),
        (0.0, 100.0, 1.0),
        (80.0, 80.0, 0.0),
        (60.0, 40.0, -0.5),  # worse than before: a negative gain, not hidden
        (99.0, 100.0, 1.0),
    ],
)
def test_normalised_gain_is_the_share_of_the_possible_improvement(pre, post, gain):
    assert normalised_gain(pre, post) == pytest.approx(gain)


@pytest.mark.parametrize(("pre", "post"), [(100.0, 100.0), (100.0, 60.0), (None, 70.0), (50, None)])
def test_normalised_gain_is_undefined_without_room_to_improve_or_a_score(pre, post):
    assert normalised_gain(pre, post) is None


def test_the_pass_mark_is_reached_at_exactly_the_mark():
    rules = AssessmentRules(pass_mark=70)
    assert passes(rules, 70.0) and passes(rules, 100.0) and not passes(rules, 69.9)


def test_marks_per_tag_count_each_question_under_every_tag_it_has():
    entry_ids = ["ind-1", "ind-case", "int-1"]
    answers = {"ind-1": frozenset("a"), "ind-case-0": frozenset("a"), "int-1": frozenset("b")}
    score = score_answers(BANK, entry_ids, answers)
    assert (score.earned, score.possible, score.percent) == (2.0, 5, 40.0)
    tags = by_tag(BANK, score.credits)
    assert (tags["independence"].earned, tags["independence"].possible) == (2.0, 5)
    assert (tags["integrity"].earned, tags["integrity"].possible) == (0.0, 1)
    assert tags["independence"].percent == 40.0 and tags["integrity"].percent == 0.0


# What is open when


RULES = AssessmentRules(pass_mark=70, max_attempts=2, cooldown_hours=24)


def open_attempt(number: int) -> AttemptFacts:
    return AttemptFacts(number, True, None, None, None)


def submitted(number: int, at: datetime, passed: bool = False) -> AttemptFacts:
    return AttemptFacts(number, False, None, at, passed)


def test_the_final_assessment_is_locked_until_every_lesson_is_complete():
    locked = post_availability(RULES, [], lessons_complete=False, now=NOW)
    assert locked.state == "locked" and not locked.can_start
    opened = post_availability(RULES, [], lessons_complete=True, now=NOW)
    assert opened.state == "available" and opened.can_start
    assert (opened.attempts_used, opened.attempts_left) == (0, 2)


def test_an_attempt_in_progress_can_be_resumed():
    state = post_availability(RULES, [open_attempt(1)], lessons_complete=True, now=NOW)
    assert state.state == "open" and state.can_start and state.attempts_left == 1


def test_a_passed_final_assessment_is_not_offered_again():
    attempts = [submitted(1, NOW - timedelta(days=3)), submitted(2, NOW, passed=True)]
    state = post_availability(RULES, attempts, lessons_complete=True, now=NOW)
    assert state.state == "passed" and not state.can_start


def test_a_failed_attempt_starts_a_cooldown_then_the_next_attempt_opens():
    failed_at = NOW - timedelta(hours=2)
    attempts = [submitted(1, failed_at)]
    waiting = post_availability(RULES, attempts, lessons_complete=True, now=NOW)
    assert waiting.state == "cooldown" and not waiting.can_start
    assert waiting.until == failed_at + timedelta(hours=24) and waiting.attempts_left == 1
    just_before = waiting.until - timedelta(seconds=1)
    assert post_availability(RULES, attempts, True, just_before).state == "cooldown"
    again = post_availability(RULES, attempts, True, waiting.until)
    assert again.state == "available" and again.can_start


def test_the_cooldown_runs_from_the_latest_attempt():
    rules = AssessmentRules(max_attempts=0, cooldown_hours=24)
    attempts = [submitted(1, NOW - timedelta(hours=30)), submitted(2, NOW - timedelta(hours=1))]
    state = post_availability(rules, attempts, True, NOW)
    assert state.state == "cooldown" and state.until == NOW + timedelta(hours=23)


def test_without_a_cooldown_a_retake_opens_at_once():
    rules = AssessmentRules(max_attempts=3, cooldown_hours=0)
    state = post_availability(rules, [submitted(1, NOW)], True, NOW)
    assert state.state == "available"


def test_no_attempt_is_left_after_the_last_one_fails():
    attempts = [submitted(1, NOW - timedelta(days=9)), submitted(2, NOW - timedelta(days=5))]
    state = post_availability(RULES, attempts, True, NOW)
    assert state.state == "exhausted" and not state.can_start
    assert (state.attempts_used, state.attempts_left) == (2, 0)


def test_an_extra_attempt_granted_after_the_last_one_opens_at_once():
    attempts = [submitted(1, NOW - timedelta(days=3)), submitted(2, NOW - timedelta(hours=1))]
    state = post_availability(RULES, attempts, True, NOW, extra=1)
    assert state.state == "available" and state.attempts_left == 1
    attempts.append(submitted(3, NOW))  # the extra one, failed too: nothing left
    assert post_availability(RULES, attempts, True, NOW, extra=1).state == "exhausted"


def test_max_attempts_0_means_no_limit():
    rules = AssessmentRules(max_attempts=0, cooldown_hours=24)
    attempts = [submitted(n, NOW - timedelta(days=30 - n)) for n in range(1, 11)]
    state = post_availability(rules, attempts, True, NOW)
    assert state.state == "available" and state.attempts_left is None


def test_a_timed_attempt_expires_after_its_deadline_and_a_short_grace():
    assert not is_expired(None, NOW)
    assert not is_expired(NOW - timedelta(seconds=5), NOW)  # answers still in transit
    assert is_expired(NOW - timedelta(minutes=1), NOW)


def test_the_entry_assessment_is_taken_once_and_only_before_the_final_one():
    assert pre_availability([], post_started=False).state == "available"
    assert pre_availability([open_attempt(1)], post_started=False).state == "open"
    taken = pre_availability([submitted(1, NOW)], post_started=True)
    assert taken.state == "taken" and not taken.can_start
    closed = pre_availability([], post_started=True)
    assert closed.state == "closed" and not closed.can_start


@pytest.mark.parametrize(
    ("show_correct_answers", "post_state", "shown"),
    [
        (True, None, True),
        (True, "cooldown", True),
        (False, None, False),
        (False, "available", False),
        (False, "cooldown", False),
        (False, "open", False),
        (False, "passed", True),
        (False, "exhausted", True),
    ],
)
def test_right_answers_are_kept_back_until_the_final_assessment_is_over(
    show_correct_answers, post_state, shown
):
    rules = AssessmentRules(show_correct_answers=show_correct_answers, entry_answers="at-once")
    post = Availability(post_state) if post_state else None
    for kind in ("pre", "post"):
        assert shows_answers(rules, kind, post) is shown


@pytest.mark.parametrize("post_state", [None, "available", "cooldown", "open", "locked"])
def test_the_entry_key_stays_back_until_the_final_is_over_whatever_the_final_shows(post_state):
    """The entry assessment is the same form for half of every cohort: its answers must not
    circulate before the others take it (the default, entry_answers: after-final)."""
    rules = AssessmentRules(show_correct_answers=True)
    post = Availability(post_state) if post_state else None
    assert not shows_answers(rules, "pre", post)
    assert shows_answers(rules, "post", post)
    for over in ("passed", "exhausted"):
        assert shows_answers(rules, "pre", Availability(over))


AVAILABLE, OPEN = Availability("available"), Availability("open")


@pytest.mark.parametrize(
    ("needs_pre", "pre", "post", "lesson_to_do", "step"),
    [
        (True, AVAILABLE, Availability("locked"), True, "pre"),
        (True, OPEN, Availability("locked"), True, "pre"),
        (False, AVAILABLE, Availability("locked"), True, "lesson"),  # optional entry assessment
        (True, Availability("taken"), Availability("locked"), True, "lesson"),
        (True, Availability("taken"), AVAILABLE, False, "post"),
        (False, None, OPEN, False, "post"),
        (True, Availability("taken"), Availability("cooldown"), False, "done"),
        (True, Availability("taken"), Availability("passed"), False, "done"),
        (True, Availability("taken"), Availability("exhausted"), False, "done"),
        (False, None, None, False, "done"),
    ],
)
def test_the_next_step_in_a_course(needs_pre, pre, post, lesson_to_do, step):
    assert next_step(needs_pre, pre, post, lesson_to_do) == step
