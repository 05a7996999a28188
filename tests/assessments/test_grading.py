"""Grading rules, checked as properties over generated questions and answers (Hypothesis)."""

from __future__ import annotations

import dataclasses
from statistics import mean
from types import MappingProxyType

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from elearning.assessments.logic import option_order, score_answers
from elearning.content.itemtypes import grade, grade_entry, marks
from elearning.content.model import Choice, Item, QuestionBank, Text

KEYS = "abcdefghij"  # a bank question has 2 to 10 options, keyed in the order written

# No deadline: a slow first example on a busy machine is not a grading bug. No example database:
# the suite leaves nothing behind in the working tree (a failure prints its example).
PROPERTY = settings(deadline=None, database=None)


def text(words: str) -> Text:
    return Text(MappingProxyType({"en": words}))


@st.composite
def option_questions(draw, kind: str, scoring: str = "all-or-nothing", item_id: str = "q"):
    """A single- or multiple-choice question with 2 to 10 options."""
    count = draw(st.integers(2, len(KEYS)))
    if kind == "single":
        right = {draw(st.integers(0, count - 1))}
    else:
        right = draw(st.sets(st.integers(0, count - 1), min_size=1))
    choices = tuple(Choice(KEYS[i], text(f"option {i}"), i in right) for i in range(count))
    return Item(
        id=item_id,
        type=kind,
        tags=("independence",),
        points=(),
        stem=text("Which?"),
        choices=choices,
        scoring=scoring,
        shuffle_options=draw(st.booleans()),
    )


@st.composite
def true_false_questions(draw, item_id: str = "q"):
    answer = draw(st.booleans())
    return Item(
        id=item_id,
        type="true-false",
        tags=("independence",),
        points=(),
        stem=text("True?"),
        choices=(Choice("true", text("True"), answer), Choice("false", text("False"), not answer)),
        shuffle_options=False,
    )


def questions(item_id: str = "q"):
    """Any question a learner answers: single, multiple (either scoring) or true-false."""
    return st.one_of(
        option_questions("single", item_id=item_id),
        option_questions("multiple", "all-or-nothing", item_id=item_id),
        option_questions("multiple", "partial", item_id=item_id),
        true_false_questions(item_id=item_id),
    )


@st.composite
def scenarios(draw, item_id: str = "s"):
    count = draw(st.integers(1, 4))
    parts = tuple(draw(questions(f"{item_id}-part-{i}")) for i in range(count))
    return Item(
        id=item_id,
        type="scenario",
        tags=("independence",),
        points=(),
        stem=text("A case."),
        parts=parts,
    )


def entries(item_id: str):
    return st.one_of(questions(item_id), scenarios(item_id))


def keys_of(item: Item) -> list[str]:
    return [choice.key for choice in item.choices]


def selections(item: Item):
    """What a learner can tick on the question: any set of its option keys."""
    return st.frozensets(st.sampled_from(keys_of(item)))


def unknown_keys(item: Item):
    """Keys no option has: a forged or stale form field."""
    return st.frozensets(st.text(max_size=6).filter(lambda key: key not in keys_of(item)))


@st.composite
def answers_to(draw, scenario: Item):
    """Answers to some (not necessarily all) of a scenario's questions."""
    answered = draw(st.lists(st.sampled_from(scenario.parts), unique_by=lambda part: part.id))
    return {part.id: draw(selections(part)) for part in answered}


# Every item type


@PROPERTY
@given(st.data())
def test_credit_is_always_between_0_and_1(data):
    item = data.draw(entries("e"))
    if item.parts:
        response = data.draw(answers_to(item))
    else:
        response = data.draw(selections(item)) | data.draw(unknown_keys(item))
    assert 0.0 <= grade(item, response) <= 1.0


@PROPERTY
@given(st.data())
def test_a_response_of_the_wrong_shape_earns_nothing_and_never_raises(data):
    question = data.draw(questions())
    scenario = data.draw(scenarios())
    assert grade(question, {question.id: question.correct_keys}) == 0.0
    assert grade(scenario, scenario.parts[0].correct_keys) == 0.0


@PROPERTY
@given(st.data())
def test_the_grade_does_not_depend_on_the_order_of_the_options(data):
    question = data.draw(questions())
    permuted = data.draw(st.permutations(question.choices))
    shuffled = dataclasses.replace(question, choices=tuple(permuted))  # keys travel with text
    selection = data.draw(selections(question))
    assert grade(shuffled, selection) == grade(question, selection)


@PROPERTY
@given(st.data(), st.integers())
def test_the_display_order_is_a_permutation_of_the_options(data, seed):
    question = data.draw(questions())
    order = option_order(seed, question)
    assert sorted(order) == sorted(keys_of(question)) and len(set(order)) == len(order)
    assert option_order(seed, question) == order  # the same page on every reload
    if not question.shuffle_options:
        assert list(order) == keys_of(question)


@PROPERTY
@given(st.data())
def test_single_choice_and_true_false_earn_1_only_for_exactly_the_right_key(data):
    question = data.draw(
        st.one_of(option_questions("single"), true_false_questions()), label="question"
    )
    (right,) = question.correct_keys
    selection = data.draw(selections(question))
    credit = grade(question, selection)
    assert credit in (0.0, 1.0)
    assert (credit == 1.0) == (selection == {right})


@PROPERTY
@given(st.data())
def test_all_or_nothing_earns_1_only_for_exactly_the_right_set(data):
    question = data.draw(option_questions("multiple", "all-or-nothing"))
    selection = data.draw(selections(question))
    credit = grade(question, selection)
    assert credit in (0.0, 1.0)
    assert (credit == 1.0) == (selection == question.correct_keys)


# Partial credit: (right chosen − wrong chosen) ÷ right, never below 0


@PROPERTY
@given(option_questions("multiple", "partial"))
def test_partial_credit_gives_1_for_exactly_the_right_options(question):
    assert grade(question, question.correct_keys) == 1.0


@PROPERTY
@given(st.data())
def test_partial_credit_follows_the_documented_formula(data):
    question = data.draw(option_questions("multiple", "partial"))
    selection = data.draw(selections(question))
    right = question.correct_keys
    expected = max(0.0, (len(selection & right) - len(selection - right)) / len(right))
    assert grade(question, selection) == pytest.approx(expected)


@PROPERTY
@given(st.data())
def test_ticking_a_wrong_option_never_raises_partial_credit(data):
    question = data.draw(option_questions("multiple", "partial"))
    selection = data.draw(selections(question))
    wrong = [key for key in keys_of(question) if key not in question.correct_keys | selection]
    assume(wrong)
    added = data.draw(st.sampled_from(wrong))
    assert grade(question, selection | {added}) <= grade(question, selection)


@PROPERTY
@given(st.data())
def test_unticking_a_right_option_never_raises_partial_credit(data):
    question = data.draw(option_questions("multiple", "partial"))
    selection = data.draw(selections(question))
    ticked_right = sorted(selection & question.correct_keys)
    assume(ticked_right)
    removed = data.draw(st.sampled_from(ticked_right))
    assert grade(question, selection - {removed}) <= grade(question, selection)


@PROPERTY
@given(option_questions("multiple", "partial"))
def test_ticking_every_option_earns_no_free_credit(question):
    right, count = len(question.correct_keys), len(question.choices)
    expected = max(0.0, (right - (count - right)) / right)
    assert grade(question, frozenset(keys_of(question))) == pytest.approx(expected)


# Unknown keys, scenarios, and an attempt's score


@PROPERTY
@given(st.data())
def test_unknown_keys_never_raise_and_never_add_credit(data):
    question = data.draw(questions())
    selection = data.draw(selections(question))
    unknown = data.draw(unknown_keys(question).filter(bool))
    assert grade(question, selection | unknown) <= grade(question, selection)


@PROPERTY
@given(st.data())
def test_answers_to_questions_a_scenario_does_not_have_add_nothing(data):
    scenario = data.draw(scenarios())
    answers = data.draw(answers_to(scenario))
    stray = data.draw(
        st.dictionaries(
            st.text(max_size=8).filter(lambda key: key not in {p.id for p in scenario.parts}),
            st.frozensets(st.sampled_from(["a", "b", "true", "false"])),
            min_size=1,
        )
    )
    assert grade(scenario, answers | stray) == grade(scenario, answers)


@PROPERTY
@given(st.data())
def test_a_scenario_earns_the_mean_of_its_questions(data):
    scenario = data.draw(scenarios())
    answers = data.draw(answers_to(scenario))
    each = [grade(part, answers.get(part.id, frozenset())) for part in scenario.parts]
    assert grade(scenario, answers) == pytest.approx(mean(each))
    assert grade_entry(scenario, answers) == pytest.approx(mean(each))
    assert marks(scenario) == len(scenario.parts)


@st.composite
def banks(draw):
    """A bank of 1 to 6 entries (questions and scenarios) with unique ids."""
    count = draw(st.integers(1, 6))
    items = [draw(entries(f"entry-{i}")) for i in range(count)]
    return QuestionBank(
        entries=MappingProxyType({item.id: item for item in items}),
        questions=MappingProxyType({q.id: q for item in items for q in item.questions}),
        entry_of=MappingProxyType({q.id: item.id for item in items for q in item.questions}),
    )


@PROPERTY
@given(st.data())
def test_a_score_counts_one_mark_per_question_of_the_entries_still_in_the_bank(data):
    bank = data.draw(banks())
    drawn = data.draw(st.lists(st.sampled_from(list(bank.entries)), unique=True))
    gone = data.draw(st.lists(st.sampled_from(["gone-1", "gone-2"]), unique=True))
    entry_ids = data.draw(st.permutations(drawn + gone))
    answers = {
        question.id: data.draw(selections(question))
        for question in bank.questions.values()
        if data.draw(st.booleans())
    }
    score = score_answers(bank, entry_ids, answers)
    asked = [q.id for entry_id in drawn for q in bank.entries[entry_id].questions]
    assert score.possible == len(asked) and sorted(score.credits) == sorted(asked)
    assert 0.0 <= score.earned <= score.possible
    assert 0.0 <= score.percent <= 100.0


@PROPERTY
@given(st.data())
def test_every_right_answer_scores_100_and_no_answer_scores_0(data):
    bank = data.draw(banks())
    entry_ids = list(bank.entries)
    right = {question.id: question.correct_keys for question in bank.questions.values()}
    assert score_answers(bank, entry_ids, right).percent == 100.0
    assert score_answers(bank, entry_ids, {}).percent == 0.0
