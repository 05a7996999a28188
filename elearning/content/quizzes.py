"""Reads a course's question bank and assessment forms from ``quizzes/<course>/``.

Every problem is reported with its file and line, like the rest of the content: a duplicate id,
an unknown tag or type, a question without a right answer or an explanation, a blueprint the
bank cannot fill.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from elearning.content.fields import (
    Problems,
    tags_and_points,
    text_field,
    unknown_keys,
)
from elearning.content.forms import FORMS_FILE, load_forms
from elearning.content.itemtypes import ITEM_TYPES
from elearning.content.markup import SLUG, LessonRenderer, RenderContext
from elearning.content.model import DEFAULT_LANGUAGE, AssessmentForm, Item, QuestionBank, Tag, Text
from elearning.content.yamlfile import LineDict, LineList, YamlProblem, parse_yaml

DIFFICULTIES = ("easy", "medium", "hard")
_COMMON_KEYS = frozenset({"id", "type", "tags", "points", "difficulty", "stem", "explanation"})
_TEXT_KEYS = frozenset({"stem", "case", "text", "explanation", "feedback"})


def load_quizzes(
    folder: Path,
    tags: Mapping[str, Tag],
    languages: tuple[str, ...],
    problems: Problems,
    renderer: LessonRenderer,
) -> tuple[QuestionBank | None, Mapping[str, AssessmentForm], Mapping[str, tuple[str, ...]]]:
    """The bank, forms and parallel forms in ``folder`` (quizzes/<course>); empty when there
    is no bank."""
    empty = MappingProxyType({})
    if not folder.is_dir():
        return None, empty, empty
    reader = _BankReader(tags, languages, problems, renderer)
    files = sorted(p for p in folder.glob("*.yaml") if p.name != FORMS_FILE)
    for path in files:
        reader.read_file(path)
    if not reader.entries and not reader.failed:
        problems.add(folder, 0, "the question bank is empty: add a .yaml file of questions")
        return None, empty, empty
    bank = QuestionBank(
        entries=MappingProxyType(reader.entries),
        questions=MappingProxyType(reader.questions),
        entry_of=MappingProxyType(reader.entry_of),
    )
    forms, parallel = load_forms(folder / FORMS_FILE, bank, tags, reader.failed, problems)
    return bank, MappingProxyType(forms), MappingProxyType(parallel)


class _BankReader:
    """Reads bank files entry by entry; implements the item types' ``Reader``."""

    def __init__(
        self,
        tags: Mapping[str, Tag],
        languages: tuple[str, ...],
        problems: Problems,
        renderer: LessonRenderer,
    ) -> None:
        self.tags = tags
        self.languages = languages
        self.problems = problems
        self.renderer = renderer
        self.entries: dict[str, Item] = {}
        self.questions: dict[str, Item] = {}
        self.entry_of: dict[str, str] = {}
        self.seen: dict[str, str] = {}  # every id → where it is written
        self.failed: set[str] = set()  # ids of entries with errors (so forms do not repeat them)
        self.path = Path()

    def read_file(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.error(1, "not UTF-8 text")
            return
        try:
            data = parse_yaml(text)
        except YamlProblem as exc:
            self.error(exc.line, exc.message)
            return
        if data is None:
            return
        if not isinstance(data, LineList):
            self.error(1, "a bank file is a list of questions (each starting with `- id: ...`)")
            return
        for index, raw in enumerate(data):
            entry = self._item(raw, data.line_of(index), parent=None)
            if entry is None:
                continue
            self.entries[entry.id] = entry
            for question in entry.questions:
                self.questions[question.id] = question
                self.entry_of[question.id] = entry.id

    # The Reader protocol of elearning.content.itemtypes

    def error(self, line: int, message: str) -> None:
        self.problems.add(self.path, line, message)

    def markdown(self, data: LineDict, key: str, *, inline: bool = False) -> Text | None:
        raw = text_field(data, key, self.path, self.problems, self.languages)
        if raw is None:
            return None
        context = RenderContext(self.problems.rel(self.path), "en", {}, self.error)
        value = data.get(key)
        rendered = {}
        for language, source in raw.by_language.items():
            context.language = language
            line = value.line_of(language) if isinstance(value, LineDict) else data.line_of(key)
            if "\n" in source:  # a block (`|`): the text starts on the next line
                line += 1
            html = (
                self.renderer.inline(source, context, line)
                if inline
                else self.renderer.markdown(source, context, line)
            )
            rendered[language] = html
        return Text(MappingProxyType(rendered))

    def _check_translations(self, item_id: str, data: LineDict) -> None:
        """An entry is translated whole or not at all: a judge never meets a question whose
        stem is in French and whose options are in English."""
        fields: list[tuple[int, frozenset[str]]] = []

        def walk(node: Any) -> None:
            if isinstance(node, LineDict):
                for key, value in node.items():
                    if isinstance(value, LineDict) and DEFAULT_LANGUAGE in value:
                        fields.append((node.line_of(key), frozenset(value)))
                    elif isinstance(value, str) and key in _TEXT_KEYS:
                        fields.append((node.line_of(key), frozenset({DEFAULT_LANGUAGE})))
                    else:
                        walk(value)
            elif isinstance(node, LineList):
                for value in node:
                    walk(value)

        walk(data)
        every = frozenset().union(*(languages for _, languages in fields))
        for line, languages in fields:
            missing = sorted(every - languages)
            if missing:
                self.error(
                    line,
                    f"{item_id}: this text has no {', '.join(missing)} version, but other texts "
                    f"of the entry do: translate every text of an entry, or none",
                )
                return

    def question(self, data: Any, line: int, parent: LineDict) -> Item | None:
        return self._item(data, line, parent=parent)

    # Reading one entry

    def _item(self, data: Any, line: int, parent: LineDict | None) -> Item | None:
        if not isinstance(data, LineDict):
            self.error(line, "a question is a group of settings starting with `- id: ...`")
            return None
        before = len(self.problems.errors)
        item_id = data.get("id")
        if not isinstance(item_id, str) or not SLUG.match(item_id):
            self.error(data.line_of("id"), "id: lower-case letters, digits and hyphens")
            return None
        where = f"{self.problems.rel(self.path)}:{data.line_of('id')}"
        if item_id in self.seen:
            self.error(
                data.line_of("id"), f"id {item_id!r} is already used at {self.seen[item_id]}"
            )
            return None
        self.seen[item_id] = where
        if parent is None:
            self._check_translations(item_id, data)
        type_name = data.get("type")
        kind = ITEM_TYPES.get(type_name) if isinstance(type_name, str) else None
        if kind is None or (parent is not None and not kind.is_question):
            allowed = [n for n, t in ITEM_TYPES.items() if parent is None or t.is_question]
            self.error(
                data.line_of("type"),
                f"{item_id}: type must be one of {', '.join(allowed)}"
                + (" (inside a scenario)" if parent is not None else ""),
            )
            self.failed.add(item_id)
            return None
        allowed_keys = (_COMMON_KEYS | kind.keys) - ({"stem"} if not kind.is_question else set())
        unknown_keys(data, set(allowed_keys), self.path, self.problems)
        tags, points = self._tags(data, parent)
        difficulty = data.get("difficulty", parent.get("difficulty") if parent else None)
        if difficulty is not None and difficulty not in DIFFICULTIES:
            self.error(data.line_of("difficulty"), "difficulty must be easy, medium or hard")
        fields: dict[str, Any] = {}
        if kind.is_question:
            stem = self.markdown(data, "stem")
            explanation = self.markdown(data, "explanation")
            if stem is not None:
                fields["stem"] = stem
            fields["explanation"] = explanation
        shuffle = data.get("shuffle_options", True)
        if not isinstance(shuffle, bool):
            self.error(data.line_of("shuffle_options"), "shuffle_options must be true or false")
        own = kind.parse(data, self)
        if own is None or len(self.problems.errors) > before or not tags:
            self.failed.add(item_id)
            return None
        fields.setdefault("shuffle_options", shuffle)
        fields.update(own)
        return Item(
            id=item_id,
            type=kind.name,
            tags=tags,
            points=points,
            difficulty=difficulty,
            source=self.problems.rel(self.path),
            line=data.line_of("id"),
            **fields,
        )

    def _tags(self, data: LineDict, parent: LineDict | None):
        if parent is not None and "tags" not in data:
            data = _inherit(data, parent)
        if not data.get("tags"):
            self.error(data.line_of("tags"), "tags: list at least one tag from tags.yaml")
            return (), ()
        return tags_and_points(data, self.path, self.tags, self.problems, "question")


def _inherit(data: LineDict, parent: LineDict) -> LineDict:
    """A scenario question without tags takes its scenario's tags and points."""
    merged = LineDict(data)
    merged.line = data.line
    merged.key_lines = dict(data.key_lines)
    for key in ("tags", "points"):
        if key in parent and key not in data:
            merged[key] = parent[key]
            merged.key_lines[key] = parent.line_of(key)
    return merged
