"""The cue audit: what a judge who knows no ethics, only how tests are written, could score.

A question gives itself away when its key is the longest option, when true/false statements are
mostly false, when the absolute words ("never", "always") sit in the wrong answers, or when the
key is the one option that starts differently. This module measures each cue for a set of
questions (a bank, a form, a course's knowledge checks) and the expected score of test-wise
strategies that exploit them, against blind guessing. ``elearning content check`` prints it and
warns when a strategy beats guessing by more than the course's ``cue_margin``.

Pure: no database, no Flask. Texts are read in English, the language every question is written
in first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from statistics import mean

from markupsafe import Markup

from elearning.content.model import DEFAULT_LANGUAGE, Item, KnowledgeCheck

#: Words that make a statement absolute: test-wise readers learn that such options are wrong.
ABSOLUTE_WORDS = (
    "never",
    "always",
    "only",
    "all",
    "every",
    "any",
    "none",
    "nothing",
    "nobody",
    "no one",
    "entirely",
    "completely",
    "automatically",
    "whatever",
    "in every case",
    "in all cases",
    "under no circumstances",
)
_ABSOLUTE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ABSOLUTE_WORDS) + r")\b", re.I)
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


@dataclass(frozen=True)
class Question:
    """What the audit reads of a question: its kind, stem, options and key, as plain text."""

    id: str
    kind: str  # "single", "multiple" or "true-false"
    stem: str
    options: tuple[str, ...] = ()  # in the order written; empty for true/false
    keys: frozenset[int] = frozenset()  # indexes of the right options
    answer: bool | None = None  # true/false questions
    scoring: str = "all-or-nothing"


def plain(html: str) -> str:
    """The text of rendered Markdown, without tags or entities, spaces collapsed."""
    # Our own rendered, sanitised Markdown, read as text; nothing is marked safe for output.
    return " ".join(Markup(html).striptags().split())  # noqa: S704  # nosec B704


def from_item(item: Item, language: str = DEFAULT_LANGUAGE) -> Question:
    """The audit's view of a bank question (not a scenario: pass its parts)."""
    stem = plain(item.stem.get(language))
    if item.type == "true-false":
        return Question(item.id, item.type, stem, answer="true" in item.correct_keys)
    options = tuple(plain(choice.text.get(language)) for choice in item.choices)
    keys = frozenset(i for i, choice in enumerate(item.choices) if choice.is_correct)
    return Question(item.id, item.type, stem, options, keys, scoring=item.scoring)


def from_check(check: KnowledgeCheck) -> Question:
    """The audit's view of a lesson's knowledge check."""
    options = tuple(plain(option.html) for option in check.options)
    keys = frozenset(i for i, option in enumerate(check.options) if option.is_correct)
    kind = "multiple" if len(keys) > 1 else "single"
    return Question(check.id, kind, plain(check.prompt_html), options, keys)


def is_absolute(text: str) -> bool:
    """True when the text holds an absolute word (never, always, only, all...)."""
    return _ABSOLUTE.search(text) is not None


def first_word(text: str) -> str:
    """The first word, lower-cased: "Yes, because..." → "yes"."""
    match = _WORD.search(text)
    return match.group(0).lower() if match else ""


def odd_one_out(options: Sequence[str]) -> int | None:
    """The index of the one option whose first word differs from all the others, which share
    theirs ("Yes, Yes, Yes, No"); None when the options show no such pattern."""
    words = [first_word(option) for option in options]
    counts = Counter(words)
    if len(options) < 3 or len(counts) != 2:
        return None
    (common, n), (odd, m) = counts.most_common()
    return words.index(odd) if m == 1 and n == len(options) - 1 else None


# Strategies. Each gives, for a question, a probability for every possible answer: for a
# single-choice question a weight per option, for a true/false question the chance of "true",
# for a multiple-response question the set of options ticked. Expected scores follow exactly.


def _uniform(indexes: Iterable[int]) -> dict[int, float]:
    chosen = list(indexes)
    return {i: 1 / len(chosen) for i in chosen}


def _lengths(q: Question) -> list[int]:
    return [len(option) for option in q.options]


def _longest(q: Question) -> dict[int, float]:
    lengths = _lengths(q)
    return _uniform(i for i, n in enumerate(lengths) if n == max(lengths))


def _shortest(q: Question) -> dict[int, float]:
    lengths = _lengths(q)
    return _uniform(i for i, n in enumerate(lengths) if n == min(lengths))


def _middle(q: Question) -> dict[int, float]:
    lengths = _lengths(q)
    inner = [i for i, n in enumerate(lengths) if min(lengths) < n < max(lengths)]
    return _uniform(inner or range(len(q.options)))


def _odd(q: Question) -> dict[int, float]:
    odd = odd_one_out(q.options)
    return {odd: 1.0} if odd is not None else _uniform(range(len(q.options)))


def _no_absolutes(q: Question) -> dict[int, float]:
    plainer = [i for i, option in enumerate(q.options) if not is_absolute(option)]
    return _uniform(plainer or range(len(q.options)))


@dataclass(frozen=True)
class Strategy:
    """A way of answering without knowing the subject."""

    name: str
    label: str
    single: Callable[[Question], dict[int, float]] | None = None  # None: guess
    true_false: Callable[[Question], float] | None = None  # the chance of answering "true"
    multiple: Callable[[Question], frozenset[int]] | None = None  # None: guess


def _long_ones(q: Question) -> frozenset[int]:
    average = mean(_lengths(q))
    return frozenset(i for i, n in enumerate(_lengths(q)) if n >= average)


def _plain_ones(q: Question) -> frozenset[int]:
    return frozenset(i for i, option in enumerate(q.options) if not is_absolute(option))


STRATEGIES = (
    Strategy("random", "guess at random"),
    Strategy("longest", "pick the longest option", _longest, multiple=_long_ones),
    Strategy("shortest", "pick the shortest option", _shortest),
    Strategy("middle", "pick an option that is neither the longest nor the shortest", _middle),
    Strategy("always-true", "answer every true/false statement 'true'", true_false=lambda q: 1.0),
    Strategy("always-false", "answer every true/false statement 'false'", true_false=lambda q: 0.0),
    Strategy("odd-one-out", "pick the option that starts unlike the others", _odd),
    Strategy(
        "no-absolutes",
        "avoid 'never', 'always', 'only'...; call absolute statements false",
        _no_absolutes,
        lambda q: 0.0 if is_absolute(q.stem) else 1.0,
        _plain_ones,
    ),
    Strategy(
        "test-wise",
        "longest option, and 'false' to every true/false statement",
        _longest,
        lambda q: 0.0,
        _long_ones,
    ),
)


def _credit(q: Question, ticked: frozenset[int]) -> float:
    """The credit of ticking ``ticked`` in a multiple-response question (its scoring rule)."""
    if q.scoring != "partial":
        return 1.0 if ticked == q.keys else 0.0
    hits, misses = len(ticked & q.keys), len(ticked - q.keys)
    return max(0.0, (hits - misses) / len(q.keys))


def _guess_multiple(q: Question) -> float:
    """A blind guess at a multiple-response question: any non-empty set of boxes, equally."""
    sets = [
        frozenset(c)
        for size in range(1, len(q.options) + 1)
        for c in combinations(range(len(q.options)), size)
    ]
    return sum(_credit(q, s) for s in sets) / len(sets)


def expected_credit(q: Question, strategy: Strategy) -> float:
    """The credit a strategy can expect on one question."""
    if q.kind == "true-false":
        p_true = 0.5 if strategy.true_false is None else strategy.true_false(q)
        return p_true if q.answer else 1 - p_true
    if q.kind == "multiple":
        if strategy.multiple is None:
            return _guess_multiple(q)
        ticked = strategy.multiple(q)
        return _credit(q, ticked) if ticked else _guess_multiple(q)
    weights = (strategy.single or (lambda q: _uniform(range(len(q.options)))))(q)
    return sum(weight for i, weight in weights.items() if i in q.keys)


@dataclass(frozen=True)
class CueReport:
    """The cues of a set of questions, and what each strategy would score on it."""

    name: str
    questions: int
    single: int
    key_longest: int  # single-choice questions whose key is (one of) the longest options
    key_longest_expected: float  # how many chance alone would give
    key_shortest: int
    key_positions: tuple[int, ...]  # single-choice keys by position as written: 1st, 2nd...
    true_false: int
    keyed_true: int
    absolute_in_keys: float  # share of right options with an absolute word
    absolute_in_distractors: float
    odd_one_out: int  # questions with an odd-one-out pattern...
    odd_one_out_keyed: int  # ...where the odd one is the key
    scores: dict[str, float]  # strategy → expected score, per cent

    def advantage(self, strategy: str) -> float:
        """How many points a strategy scores above blind guessing."""
        return self.scores[strategy] - self.scores["random"]

    def warnings(self, margin: float) -> list[str]:
        """What a test-wise judge could exploit here, beyond ``margin`` points."""
        found = [
            f"{self.name}: '{s.label}' scores {self.scores[s.name]:.0f} % against "
            f"{self.scores['random']:.0f} % for guessing (+{self.advantage(s.name):.1f} points; "
            f"the course allows {margin:g})"
            for s in STRATEGIES[1:]
            if self.advantage(s.name) > margin
        ]
        return found

    def as_dict(self) -> dict:
        """The report for ``content check --json``."""
        return {
            "questions": self.questions,
            "single_choice": self.single,
            "key_longest": self.key_longest,
            "key_longest_expected": round(self.key_longest_expected, 1),
            "key_shortest": self.key_shortest,
            "key_positions": list(self.key_positions),
            "true_false": self.true_false,
            "true_false_keyed_true": self.keyed_true,
            "absolute_words_in_keys": round(self.absolute_in_keys, 3),
            "absolute_words_in_distractors": round(self.absolute_in_distractors, 3),
            "odd_one_out": self.odd_one_out,
            "odd_one_out_keyed": self.odd_one_out_keyed,
            "strategies": {name: round(score, 1) for name, score in self.scores.items()},
        }


def audit(name: str, questions: Sequence[Question]) -> CueReport:
    """Measure the cues of ``questions`` and score every strategy on them."""
    single = [q for q in questions if q.kind == "single"]
    longest = shortest = 0
    longest_expected = 0.0
    positions = [0] * max((len(q.options) for q in single), default=0)
    odd = odd_keyed = 0
    for q in single:
        lengths = _lengths(q)
        (key,) = q.keys
        longest += lengths[key] == max(lengths)
        shortest += lengths[key] == min(lengths)
        longest_expected += sum(n == max(lengths) for n in lengths) / len(lengths)
        positions[key] += 1
        found = odd_one_out(q.options)
        odd += found is not None
        odd_keyed += found == key
    keys = [o for q in questions for i, o in enumerate(q.options) if i in q.keys]
    others = [o for q in questions for i, o in enumerate(q.options) if i not in q.keys]
    tf = [q for q in questions if q.kind == "true-false"]
    scores = {
        s.name: 100 * sum(expected_credit(q, s) for q in questions) / len(questions)
        if questions
        else 0.0
        for s in STRATEGIES
    }
    return CueReport(
        name=name,
        questions=len(questions),
        single=len(single),
        key_longest=longest,
        key_longest_expected=longest_expected,
        key_shortest=shortest,
        key_positions=tuple(positions),
        true_false=len(tf),
        keyed_true=sum(bool(q.answer) for q in tf),
        absolute_in_keys=_share(keys),
        absolute_in_distractors=_share(others),
        odd_one_out=odd,
        odd_one_out_keyed=odd_keyed,
        scores=scores,
    )


def _share(texts: list[str]) -> float:
    return sum(is_absolute(t) for t in texts) / len(texts) if texts else 0.0


def questions_of(entries: Iterable[Item], language: str = DEFAULT_LANGUAGE) -> list[Question]:
    """Every question of these bank entries (a scenario's parts one by one)."""
    return [from_item(q, language) for entry in entries for q in entry.questions]
