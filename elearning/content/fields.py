"""Reading content files: collected problems, and typed fields of line-aware YAML.

Shared by the course and question-bank loaders, so both report problems the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from elearning.content.model import DEFAULT_LANGUAGE, ContentError, Tag, Text
from elearning.content.yamlfile import LineDict, LineList, YamlProblem, parse_yaml


class Problems:
    """Collects errors for the whole catalog; paths are relative to the content root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[ContentError] = []

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, path: Path | str, line: int, message: str) -> None:
        where = path if isinstance(path, str) else self.rel(path)
        self.errors.append(ContentError(where, line, message))


def read_yaml(path: Path, problems: Problems) -> LineDict | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(path, 0, "file missing")
        return None
    except UnicodeDecodeError:
        problems.add(path, 1, "not UTF-8 text")
        return None
    return parse_mapping(path, text, 1, "expected keys and values (a YAML mapping)", problems)


def parse_mapping(
    path: Path, text: str, first_line: int, not_mapping: str, problems: Problems
) -> LineDict | None:
    """YAML that must be keys and values; problems are reported at their line."""
    try:
        data = parse_yaml(text, first_line=first_line)
    except YamlProblem as exc:
        problems.add(path, exc.line, exc.message)
        return None
    if not isinstance(data, LineDict):
        problems.add(path, first_line, not_mapping)
        return None
    return data


def text_field(
    data: LineDict,
    key: str,
    path: Path,
    problems: Problems,
    languages: tuple[str, ...],
    required: bool = True,
) -> Text | None:
    """A plain string or a {language: string} mapping with English."""
    value = data.get(key)
    line = data.line_of(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(path, line, f"{key} is missing")
        return None
    if isinstance(value, str):
        return Text(MappingProxyType({DEFAULT_LANGUAGE: value.strip()}))
    if isinstance(value, LineDict):
        if DEFAULT_LANGUAGE not in value or not str(value[DEFAULT_LANGUAGE]).strip():
            problems.add(path, line, f"{key} needs an English (en) text")
            return None
        for language in value:
            if language not in languages:
                problems.add(
                    path,
                    value.line_of(language),
                    f"{key}: {language!r} is not one of the course's languages",
                )
        return Text(MappingProxyType({lang: str(text).strip() for lang, text in value.items()}))
    problems.add(path, line, f"{key} must be text, or one text per language")
    return None


def unknown_keys(data: LineDict, known: set[str], path: Path, problems: Problems) -> None:
    for key in data:
        if key not in known:
            problems.add(
                path,
                data.line_of(key),
                f"unknown setting {key!r} (known: {', '.join(sorted(known))})",
            )


def int_field(
    data: LineDict, key: str, default: int, low: int, high: int, path: Path, problems: Problems
) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(path, data.line_of(key), f"{key} must be a whole number from {low} to {high}")
        return default
    return value


def section(data: LineDict, key: str, path: Path, problems: Problems) -> LineDict:
    value = data.get(key)
    if isinstance(value, LineDict):
        return value
    if value is not None:
        problems.add(path, data.line_of(key), f"{key} must be a group of settings")
    empty = LineDict()
    empty.key_lines = {}
    return empty


def tags_and_points(
    front: LineDict, path: Path, tags: Mapping[str, Tag], problems: Problems, what: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``tags`` and ``points`` lists of a lesson or question, checked against tags.yaml."""
    found_tags: list[str] = []
    found_points: list[str] = []
    for key, found in (("tags", found_tags), ("points", found_points)):
        value = front.get(key) or []
        if not isinstance(value, list):
            problems.add(path, front.line_of(key), f"{key} must be a list, such as [a, b]")
            continue
        for index, item in enumerate(value):
            line = value.line_of(index) if isinstance(value, LineList) else front.line_of(key)
            name = str(item)
            if key == "tags" and name not in tags:
                problems.add(path, line, f"unknown tag {name!r}: declare it in tags.yaml")
            elif key == "points":
                owner = next((t for t in tags.values() if name in t.points), None)
                if owner is None:
                    problems.add(
                        path,
                        line,
                        f"unknown application point {name!r}: declare it "
                        'under a tag in tags.yaml (write it in quotes, "1.1")',
                    )
                elif owner.slug not in front.get("tags", []):
                    problems.add(
                        path,
                        line,
                        f"point {name} belongs to tag {owner.slug!r}, "
                        f"which the {what} does not list in its tags",
                    )
            found.append(name)
    return tuple(found_tags), tuple(found_points)
