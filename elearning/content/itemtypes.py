"""The registry of assessment item types: how each is written in YAML and how it is graded.

A type is a class registered under its YAML name. It reads its own keys (``parse``) and grades a
response (``grade``, pure: no database, no Flask). Adding a type is adding a class here; pages
show it with the widget it names (one radio choice, or several check boxes).

A response to one question is the frozenset of the option keys the learner chose (empty when
unanswered); a response to a scenario maps each of its question ids to such a set.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from elearning.content.model import Choice, Item, Text
from elearning.content.yamlfile import LineDict, LineList

Selection = frozenset[str]
Response = Selection | Mapping[str, Selection]

_KEYS = "abcdefghij"
TRUE_FALSE_LABELS = {
    "true": {
        "en": "True",
        "fr": "Vrai",
        "es": "Verdadero",
        "ar": "صحيح",
        "zh": "正确",
        "ru": "Верно",
        "pt": "Verdadeiro",
    },
    "false": {
        "en": "False",
        "fr": "Faux",
        "es": "Falso",
        "ar": "خطأ",
        "zh": "错误",
        "ru": "Неверно",
        "pt": "Falso",
    },
}


class Reader(Protocol):
    """What a type's ``parse`` may ask of the bank loader."""

    def markdown(self, data: LineDict, key: str, *, inline: bool = False) -> Text | None:
        """The key's Markdown (per language), rendered; None and an error when missing."""

    def error(self, line: int, message: str) -> None:
        """Report a problem at a line of the bank file."""

    def question(self, data: Any, line: int, parent: LineDict) -> Item | None:
        """One question of a scenario, read as a bank entry of its own."""


class ItemType:
    """Base of the item types: a YAML name, its own keys, a widget and a grading rule."""

    name: ClassVar[str]
    keys: ClassVar[frozenset[str]] = frozenset()  # keys the type reads besides the common ones
    widget: ClassVar[str] = "radio"  # "radio", "checkbox", or "parts" (a scenario)
    is_question: ClassVar[bool] = True  # False for containers (a scenario is not answered itself)

    def parse(self, data: LineDict, reader: Reader) -> dict[str, Any] | None:
        """The type's own fields of the :class:`Item`, or None after reporting errors."""
        raise NotImplementedError

    def grade(self, item: Item, response: Response) -> float:
        """The response's credit, from 0.0 to 1.0."""
        raise NotImplementedError

    def marks(self, item: Item) -> int:
        """What the item is worth: one mark per question."""
        return len(item.questions)


ITEM_TYPES: dict[str, ItemType] = {}


def register(cls: type[ItemType]) -> type[ItemType]:
    """Class decorator: make the type available to bank files under ``cls.name``."""
    ITEM_TYPES[cls.name] = cls()
    return cls


def item_type(item: Item) -> ItemType:
    """The type object of an item."""
    return ITEM_TYPES[item.type]


def grade(item: Item, response: Response) -> float:
    """The credit (0.0–1.0) of ``response`` to ``item``, by the item's type."""
    return item_type(item).grade(item, response)


def grade_entry(entry: Item, answers: Mapping[str, Selection]) -> float:
    """The credit of a bank entry from the learner's answers, keyed by question id."""
    if entry.parts:
        return grade(entry, {part.id: answers.get(part.id, frozenset()) for part in entry.parts})
    return grade(entry, answers.get(entry.id, frozenset()))


def marks(item: Item) -> int:
    """The marks an entry is worth."""
    return item_type(item).marks(item)


def _options(data: LineDict, reader: Reader, *, exactly_one: bool) -> tuple[Choice, ...] | None:
    raw = data.get("options")
    if not isinstance(raw, LineList) or not 2 <= len(raw) <= len(_KEYS):
        reader.error(data.line_of("options"), f"options: a list of 2 to {len(_KEYS)} options")
        return None
    choices: list[Choice] = []
    ok = True
    for index, option in enumerate(raw):
        line = raw.line_of(index)
        if not isinstance(option, LineDict):
            reader.error(line, "an option is written as `- text: ...` (and `correct: true`)")
            ok = False
            continue
        for key in option:
            if key not in ("text", "correct"):
                reader.error(option.line_of(key), f"unknown option setting {key!r} (text, correct)")
                ok = False
        correct = option.get("correct", False)
        if not isinstance(correct, bool):
            reader.error(option.line_of("correct"), "correct must be true or false")
            ok = False
        text = reader.markdown(option, "text", inline=True)
        if text is None:
            ok = False
            continue
        choices.append(Choice(_KEYS[index], text, correct is True))
    if not ok:
        return None
    right = sum(choice.is_correct for choice in choices)
    if exactly_one and right != 1:
        reader.error(
            data.line_of("options"),
            f"a single-choice question has exactly one option with `correct: true` (found {right})",
        )
        return None
    if right == 0:
        reader.error(data.line_of("options"), "no option is marked `correct: true`")
        return None
    return tuple(choices)


def _chosen(response: Response) -> Selection:
    return response if isinstance(response, frozenset) else frozenset()


@register
class SingleChoice(ItemType):
    """One right option among several."""

    name = "single"
    keys = frozenset({"options", "shuffle_options"})

    def parse(self, data: LineDict, reader: Reader) -> dict[str, Any] | None:
        choices = _options(data, reader, exactly_one=True)
        return None if choices is None else {"choices": choices}

    def grade(self, item: Item, response: Response) -> float:
        return 1.0 if _chosen(response) == item.correct_keys else 0.0


@register
class MultipleChoice(ItemType):
    """Select all that apply: all-or-nothing, or partial credit.

    Partial credit is (right options chosen − wrong options chosen) ÷ right options, never
    below zero, so ticking every box earns nothing for free.
    """

    name = "multiple"
    keys = frozenset({"options", "scoring", "shuffle_options"})
    widget = "checkbox"

    def parse(self, data: LineDict, reader: Reader) -> dict[str, Any] | None:
        scoring = data.get("scoring", "all-or-nothing")
        if scoring not in ("all-or-nothing", "partial"):
            reader.error(data.line_of("scoring"), "scoring must be all-or-nothing or partial")
            return None
        choices = _options(data, reader, exactly_one=False)
        return None if choices is None else {"choices": choices, "scoring": scoring}

    def grade(self, item: Item, response: Response) -> float:
        chosen, right = _chosen(response), item.correct_keys
        if item.scoring != "partial":
            return 1.0 if chosen == right else 0.0
        known = {choice.key for choice in item.choices}
        hits = len(chosen & right)
        misses = len((chosen & known) - right)
        return max(0.0, (hits - misses) / len(right))


@register
class TrueFalse(ItemType):
    """A statement that is true or false."""

    name = "true-false"
    keys = frozenset({"answer"})

    def parse(self, data: LineDict, reader: Reader) -> dict[str, Any] | None:
        answer = data.get("answer")
        if not isinstance(answer, bool):
            reader.error(
                data.line_of("answer"), "a true-false question needs answer: true or false"
            )
            return None
        choices = tuple(
            Choice(key, Text(MappingProxyType(TRUE_FALSE_LABELS[key])), (key == "true") == answer)
            for key in ("true", "false")
        )
        return {"choices": choices, "shuffle_options": False}

    def grade(self, item: Item, response: Response) -> float:
        return 1.0 if _chosen(response) == item.correct_keys else 0.0


@register
class Scenario(ItemType):
    """A case followed by questions of the other types; each question is graded on its own."""

    name = "scenario"
    keys = frozenset({"case", "questions"})
    widget = "parts"
    is_question = False

    def parse(self, data: LineDict, reader: Reader) -> dict[str, Any] | None:
        case = reader.markdown(data, "case")
        raw = data.get("questions")
        if not isinstance(raw, LineList) or not raw:
            reader.error(data.line_of("questions"), "a scenario needs a list of questions")
            return None
        parts = [reader.question(part, raw.line_of(i), data) for i, part in enumerate(raw)]
        if case is None or any(part is None for part in parts):
            return None
        return {"stem": case, "parts": tuple(parts)}

    def grade(self, item: Item, response: Response) -> float:
        answers = response if isinstance(response, Mapping) else {}
        total = sum(grade(part, answers.get(part.id, frozenset())) for part in item.parts)
        return total / len(item.parts)
