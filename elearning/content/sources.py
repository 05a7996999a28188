"""Reads a course's ``sources.yaml``: the official texts it teaches from, with their editions
and the addresses where judges can read them.

A lesson names the texts it draws on in its front matter (``sources: [measures]``); a source
that ``covers`` a tag is shown with every lesson on that tag, so the Bangalore Principles are
within reach wherever a lesson teaches one of their application points.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import Problems, read_yaml, text_field, unknown_keys
from elearning.content.markup import SLUG
from elearning.content.model import Source, Tag
from elearning.content.yamlfile import LineDict

SOURCES_FILE = "sources.yaml"
_KEYS = {"title", "edition", "publisher", "url", "covers"}


def load_sources(
    folder: Path, tags: Mapping[str, Tag], languages: tuple[str, ...], problems: Problems
) -> Mapping[str, Source]:
    """The course's sources by id; an empty mapping when the course has no sources.yaml."""
    path = folder / SOURCES_FILE
    if not path.exists():
        return MappingProxyType({})
    data = read_yaml(path, problems)
    if data is None:
        return MappingProxyType({})
    sources: dict[str, Source] = {}
    for source_id, raw in data.items():
        line = data.line_of(source_id)
        if not SLUG.match(str(source_id)):
            problems.add(path, line, f"{source_id!r}: an id is lower-case letters and hyphens")
            continue
        if not isinstance(raw, LineDict):
            problems.add(path, line, f"{source_id}: title, edition, publisher and url")
            continue
        unknown_keys(raw, _KEYS, path, problems)
        title = text_field(raw, "title", path, problems, languages)
        url = str(raw.get("url", ""))
        if not url.startswith("https://"):
            problems.add(path, raw.line_of("url"), f"{source_id}: url must be an https:// address")
        covers = raw.get("covers") or []
        if not isinstance(covers, list):
            problems.add(path, raw.line_of("covers"), "covers must be a list of tags")
            covers = []
        for tag in covers:
            if tag not in tags:
                problems.add(path, raw.line_of("covers"), f"unknown tag {tag!r} in covers")
        if title is None:
            continue
        sources[str(source_id)] = Source(
            id=str(source_id),
            title=title,
            edition=text_field(raw, "edition", path, problems, languages, required=False),
            publisher=text_field(raw, "publisher", path, problems, languages, required=False),
            url=url,
            covers=tuple(str(tag) for tag in covers),
        )
    return MappingProxyType(sources)
