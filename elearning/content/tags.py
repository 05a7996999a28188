"""Reads a course's tags.yaml: the topics and the points of the standards it teaches."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import (
    Problems,
    read_yaml,
    text_field,
    unknown_keys,
)
from elearning.content.markup import (
    SLUG,
)
from elearning.content.model import (
    DEFAULT_LANGUAGE,
    Tag,
)
from elearning.content.yamlfile import LineDict


def load_tags(path: Path, problems: Problems, languages: tuple[str, ...] = ()) -> dict[str, Tag]:
    """The course's tags; a label or a point's description is a text, or one text per
    language (``{en: ..., fr: ...}``) like any other text of the course."""
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
        if not isinstance(value, LineDict) or not value.get("label"):
            problems.add(path, line, f"tag {slug!r} needs a label")
            continue
        title = text_field(value, "label", path, problems, languages or (DEFAULT_LANGUAGE,))
        if title is None:
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
        texts = {}
        for point in points:
            text = text_field(points, point, path, problems, languages or (DEFAULT_LANGUAGE,))
            if text is not None:
                texts[str(point)] = text
        tags[slug] = Tag(
            slug,
            str(title),
            MappingProxyType({point: str(text) for point, text in texts.items()}),
            title=title,
            point_texts=MappingProxyType(texts),
        )
    return tags
