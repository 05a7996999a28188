"""The standard workshop agendas of a course's trainers' manual (``trainer/agenda.yaml``): for
each agenda (``two-day``, ``one-day``…) a title and its sessions, each on a day of the workshop,
with its times on the venue's clock and a title in the course's languages. Content, not code:
an academy edits its agenda without touching Python."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import Problems, read_yaml, text_field, unknown_keys
from elearning.content.model import Agenda, AgendaSession
from elearning.content.yamlfile import LineDict, LineList

AGENDA_FILE = "agenda.yaml"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_DAYS = 14


def load_agendas(
    folder: Path, languages: tuple[str, ...], problems: Problems
) -> MappingProxyType[str, Agenda]:
    """The agendas of ``folder/agenda.yaml`` by slug (none when the file is absent)."""
    path = folder / AGENDA_FILE
    if not path.is_file():
        return MappingProxyType({})
    data = read_yaml(path, problems)
    if data is None:
        return MappingProxyType({})
    agendas: dict[str, Agenda] = {}
    for slug, value in data.items():
        line = data.line_of(slug)
        if not isinstance(slug, str) or not _SLUG.match(slug):
            problems.add(path, line, f"{slug!r}: an agenda's name is a slug, e.g. two-day")
            continue
        if not isinstance(value, LineDict):
            problems.add(path, line, f"{slug}: expected a title and sessions")
            continue
        agenda = _agenda(slug, value, path, languages, problems)
        if agenda is not None:
            agendas[slug] = agenda
    return MappingProxyType(agendas)


def _agenda(
    slug: str, data: LineDict, path: Path, languages: tuple[str, ...], problems: Problems
) -> Agenda | None:
    unknown_keys(data, {"title", "sessions"}, path, problems)
    title = text_field(data, "title", path, problems, languages)
    entries = data.get("sessions")
    if not isinstance(entries, LineList) or not entries:
        problems.add(path, data.line_of(slug), f"{slug}: sessions must be a list of sessions")
        return None
    sessions = []
    for index, entry in enumerate(entries):
        line = entries.line_of(index)
        if not isinstance(entry, LineDict):
            problems.add(path, line, "a session has a day, a start, an end and a title")
            continue
        session = _session(entry, line, path, languages, problems)
        if session is not None:
            sessions.append(session)
    if title is None or len(sessions) != len(entries):
        return None
    return Agenda(slug, title, tuple(sorted(sessions, key=lambda s: (s.day, s.starts, s.ends))))


def _session(
    data: LineDict, line: int, path: Path, languages: tuple[str, ...], problems: Problems
) -> AgendaSession | None:
    unknown_keys(data, {"day", "start", "end", "title"}, path, problems)
    day = data.get("day")
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= MAX_DAYS:
        problems.add(path, line, f"day must be a whole number from 1 to {MAX_DAYS}")
        return None
    starts, ends = _clock(data, "start", path, problems), _clock(data, "end", path, problems)
    title = text_field(data, "title", path, problems, languages)
    if starts is None or ends is None or title is None:
        return None
    if ends <= starts:
        problems.add(path, line, "a session ends after it starts")
        return None
    return AgendaSession(day, starts, ends, title)


def _clock(data: LineDict, key: str, path: Path, problems: Problems) -> time | None:
    """A time of day written "HH:MM" (quoted: YAML reads 09:00 unquoted as a number)."""
    match = _CLOCK.match(str(data.get(key, "")))
    if match is None:
        problems.add(path, data.line_of(key), f'{key} must be a time written "HH:MM"')
        return None
    return time(int(match.group(1)), int(match.group(2)))
