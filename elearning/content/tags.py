"""Reads a course's tags.yaml: the topics and the points of the standards it teaches."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import (
    Problems,
    read_yaml,
    unknown_keys,
)
from elearning.content.markup import (
    SLUG,
)
from elearning.content.model import (
    Tag,
)
from elearning.content.yamlfile import LineDict


def load_tags(path: Path, problems: Problems) -> dict[str, Tag]:
    if not path.exists():
        return {}
    data = read_yaml(path, problems)
    if data is None:
        return {}
    tags: dict[str, Tag] = {}
    owners: dict[str, str] = {}
    for slug, value in data.items():
        line = data.line_of(slug)
        if not isinstance(slug, str) or not SLUG.match(slug):
            problems.add(path, line, f"tag {slug!r}: use lower-case letters, digits, hyphens")
            continue
        if not isinstance(value, LineDict) or not str(value.get("label") or "").strip():
            problems.add(path, line, f"tag {slug!r} needs a label")
            continue
        unknown_keys(value, {"label", "points"}, path, problems)
        points = value.get("points") or LineDict()
        if not isinstance(points, dict):
            problems.add(
                path,
                value.line_of("points"),
                f'tag {slug!r}: points must map numbers to descriptions ("1.1": "...")',
            )
            points = {}
        for point in points:
            if str(point) in owners:
                problems.add(
                    path,
                    points.line_of(point),
                    f"point {point} already belongs to tag {owners[str(point)]!r}",
                )
            owners[str(point)] = slug
        tags[slug] = Tag(
            slug,
            str(value["label"]).strip(),
            MappingProxyType({str(k): str(v) for k, v in points.items()}),
        )
    return tags
