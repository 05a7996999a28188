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
    int_field,
    read_yaml,
    tags_and_points,
    text_field,
    unknown_keys,
)
from elearning.content.itemtypes import ITEM_TYPES
from elearning.content.markup import SLUG, LessonRenderer, RenderContext
from elearning.content.model import DEFAULT_LANGUAGE, AssessmentForm, Item, QuestionBank, Tag, Text
from elearning.content.yamlfile import LineDict, LineList, YamlProblem, parse_yaml

FORMS_FILE = "forms.yaml"
FORM_KINDS = ("pre", "post")
PARALLEL = "parallel"
DIFFICULTIES = ("easy", "medium", "hard")
_COMMON_KEYS = frozenset({"id", "type", "tags", "points", "difficulty", "stem", "explanation"})
_TEXT_KEYS = frozenset({"stem", "case", "text", "explanation", "feedback"})
_FORM_KEYS = {"blueprint", "items", "time_limit_minutes", "shuffle"}


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
    forms, parallel = _load_forms(folder / FORMS_FILE, bank, tags, reader.failed, problems)
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


def _load_forms(
    path: Path,
    bank: QuestionBank,
    tags: Mapping[str, Tag],
    failed: set[str],
    problems: Problems,
) -> tuple[dict[str, AssessmentForm], dict[str, tuple[str, ...]]]:
    if not path.exists():
        problems.add(path, 0, "the bank has no forms.yaml: say how pre and post are drawn")
        return {}, {}
    data = read_yaml(path, problems)
    if data is None:
        return {}, {}
    unknown_keys(data, {*FORM_KINDS, PARALLEL}, path, problems)
    parallel = _parallel_forms(data, path, bank, failed, problems) if PARALLEL in data else {}
    forms: dict[str, AssessmentForm] = {}
    for kind in FORM_KINDS:
        raw = data.get(kind)
        if raw is None:
            continue
        if not isinstance(raw, LineDict):
            problems.add(path, data.line_of(kind), f"{kind}: a group of settings (blueprint, ...)")
            continue
        form = _form(kind, raw, path, bank, tags, failed, problems, has_parallel=PARALLEL in data)
        if form is not None:
            forms[kind] = form
    if "post" not in data and "pre" not in data:
        problems.add(path, 1, "forms.yaml defines neither pre nor post")
    if not failed:  # a broken entry is reported already; counting without it would mislead
        _check_parallel(forms, data, path, bank, problems)
        if parallel:
            _check_matched(parallel, data, path, bank, problems)
            _check_retakes(parallel, forms.get("post"), data, path, bank, problems)
    return forms, parallel


def retake_profile(bank: QuestionBank, parallel) -> dict[str, int]:
    """Questions per tag a retake holds: as many as a parallel form, so every attempt at the
    final is the same length."""
    first = next(iter(parallel.values()))
    return form_profile(bank, first)["questions per tag"]


def _check_retakes(parallel, post, data: LineDict, path: Path, bank, problems) -> None:
    """A retake never repeats the judge's entry form: outside each parallel form the bank must
    hold at least a form's worth of questions per tag."""
    if post is None:
        return
    for tag, count in retake_profile(bank, parallel).items():
        for name, ids in parallel.items():
            available = sum(len(e.questions) for e in bank.by_tag(tag) if e.id not in ids)
            if available < count:
                problems.add(
                    path,
                    data.line_of(PARALLEL),
                    f"a retake needs {count} questions whose first tag is {tag!r}, but outside "
                    f"parallel form {name} the bank has {available}",
                )


def _parallel_forms(data: LineDict, path: Path, bank, failed, problems) -> dict:
    """``parallel: {A: [ids], B: [ids]}``: matched fixed forms, each entry in one of them."""
    raw = data[PARALLEL]
    if not isinstance(raw, LineDict) or len(raw) < 2:
        problems.add(path, data.line_of(PARALLEL), "parallel: two or more named lists of entries")
        return {}
    forms: dict[str, tuple[str, ...]] = {}
    where: dict[str, str] = {}
    for name, ids in raw.items():
        line = raw.line_of(name)
        if not isinstance(ids, LineList) or not ids:
            problems.add(path, line, f"parallel form {name}: a list of bank entry ids")
            continue
        for index, item_id in enumerate(ids):
            at = ids.line_of(index)
            if item_id in where:
                problems.add(path, at, f"{item_id!r} is already in parallel form {where[item_id]}")
            elif item_id in bank.questions and item_id not in bank.entries:
                problems.add(path, at, f"{item_id!r} is a question of a scenario: list it")
            elif item_id not in bank.entries and item_id not in failed:
                problems.add(path, at, f"no bank entry has the id {item_id!r}")
            else:
                where[item_id] = str(name)
        forms[str(name)] = tuple(str(i) for i in ids if i in bank.entries)
    return forms


def form_profile(bank: QuestionBank, entry_ids) -> dict[str, object]:
    """What two matched forms must share: questions per tag, the points they assess, how many
    are true/false and multiple-response, and how many of each difficulty."""
    questions = [q for entry_id in entry_ids for q in bank.entries[entry_id].questions]
    entries = [bank.entries[entry_id] for entry_id in entry_ids]

    def tally(values) -> dict:
        counts: dict = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: str(kv[0])))

    return {
        "questions per tag": tally(e.primary_tag for e in entries for _ in e.questions),
        "points": tally(p for q in questions for p in q.points),
        "true/false": sum(q.type == "true-false" for q in questions),
        "multiple-response": sum(q.type == "multiple" for q in questions),
        "difficulty": tally(q.difficulty or "unlabelled" for q in questions),
    }


def _check_matched(parallel, data: LineDict, path: Path, bank, problems) -> None:
    """Parallel forms must be matched, or a cohort's gain would measure form difficulty."""
    names = list(parallel)
    first = form_profile(bank, parallel[names[0]])
    for name in names[1:]:
        other = form_profile(bank, parallel[name])
        for aspect, value in first.items():
            if other[aspect] != value:
                problems.add(
                    path,
                    data[PARALLEL].line_of(name),
                    f"parallel forms {names[0]} and {name} are not matched in {aspect}: "
                    f"{value} against {other[aspect]}",
                )


def _form(
    kind, raw: LineDict, path, bank, tags, failed, problems, *, has_parallel: bool = False
) -> AssessmentForm | None:
    unknown_keys(raw, _FORM_KEYS, path, problems)
    before = len(problems.errors)
    time_limit = raw.get("time_limit_minutes")
    if time_limit is not None:
        time_limit = int_field(raw, "time_limit_minutes", 0, 1, 600, path, problems)
    shuffle = raw.get("shuffle", True)
    if not isinstance(shuffle, bool):
        problems.add(path, raw.line_of("shuffle"), "shuffle must be true or false")
    blueprint: list[tuple[str, int]] = []
    fixed: list[str] = []
    if has_parallel and ("items" in raw or "blueprint" in raw):
        key = "items" if "items" in raw else "blueprint"
        problems.add(
            path,
            raw.line_of(key),
            f"{kind}: with parallel forms, the forms are its questions (and retakes are drawn to "
            f"their profile): remove {key}",
        )
        return None
    if not has_parallel and ("blueprint" in raw) == ("items" in raw):
        problems.add(path, raw.line, f"{kind}: give either a blueprint or a list of items")
        return None
    if "blueprint" in raw:
        value = raw["blueprint"]
        if not isinstance(value, LineDict) or not value:
            problems.add(path, raw.line_of("blueprint"), "blueprint: tag: how many, per line")
            return None
        for tag, count in value.items():
            line = value.line_of(tag)
            if tag not in tags:
                problems.add(path, line, f"unknown tag {tag!r}: declare it in tags.yaml")
            elif isinstance(count, bool) or not isinstance(count, int) or count < 1:
                problems.add(path, line, f"{tag}: how many entries to draw, a whole number ≥ 1")
            else:
                blueprint.append((tag, count))
    elif "items" in raw:
        value = raw["items"]
        if not isinstance(value, LineList) or not value:
            problems.add(path, raw.line_of("items"), "items: a list of bank entry ids")
            return None
        for index, item_id in enumerate(value):
            line = value.line_of(index)
            if item_id in fixed:
                problems.add(path, line, f"{item_id!r} is listed twice")
            elif item_id in bank.entries:
                fixed.append(item_id)
            elif item_id in bank.questions:
                problems.add(
                    path, line, f"{item_id!r} is a question of a scenario: list the scenario"
                )
            elif item_id not in failed:
                problems.add(path, line, f"no bank entry has the id {item_id!r}")
    if len(problems.errors) > before:
        return None
    return AssessmentForm(
        kind=kind,
        blueprint=tuple(blueprint),
        fixed=tuple(fixed),
        time_limit_minutes=time_limit,
        shuffle=shuffle,
        parallel=has_parallel,
    )


def _check_parallel(forms, data: LineDict, path: Path, bank: QuestionBank, problems) -> None:
    """Pre and post must be drawable without sharing an entry."""
    pre, post = forms.get("pre"), forms.get("post")
    shared = set(pre.fixed) & set(post.fixed) if pre and post else set()
    if shared:
        problems.add(
            path,
            data.line_of("post"),
            f"pre and post share {', '.join(sorted(shared))}: a judge would meet them twice",
        )
    wanted: dict[str, int] = {}
    for form in (pre, post):
        for tag, count in form.blueprint if form else ():
            wanted[tag] = wanted.get(tag, 0) + count
    fixed = set(pre.fixed if pre else ()) | set(post.fixed if post else ())
    for tag, count in wanted.items():
        available = sum(1 for entry in bank.by_tag(tag) if entry.id not in fixed)
        if available < count:
            kind = "post" if post and tag in dict(post.blueprint) else "pre"
            problems.add(
                path,
                data[kind]["blueprint"].line_of(tag),
                f"the blueprint cannot be filled: pre and post need {count} entries whose first "
                f"tag is {tag!r} between them, and the bank has {available}",
            )
