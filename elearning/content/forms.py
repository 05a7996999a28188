"""Reads a course's assessment forms (``forms.yaml``): blueprints drawn from the bank, fixed
forms, and matched parallel forms with their retakes, refusing forms that are not matched
(questions per topic, points, question types, difficulty) or that the bank cannot fill."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from elearning.content.fields import (
    Problems,
    int_field,
    read_yaml,
    unknown_keys,
)
from elearning.content.model import AssessmentForm, QuestionBank, Tag
from elearning.content.yamlfile import LineDict, LineList

FORMS_FILE = "forms.yaml"
FORM_KINDS = ("pre", "post")
PARALLEL = "parallel"
_FORM_KEYS = {"blueprint", "items", "time_limit_minutes", "shuffle"}


def load_forms(
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
