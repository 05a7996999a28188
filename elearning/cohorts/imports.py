"""Enrolling participants from a CSV file: read and check every row, preview, then import all.

Reading changes nothing. Inviting happens only for a file without a single error, and in the
caller's one transaction, so a file is taken whole or not at all (see ``invitations``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from elearning.accounts.logic import normalise_email
from elearning.cohorts.invitations import member_emails
from elearning.cohorts.models import Cohort
from elearning.names import FORMULA_STARTS, name_problem

MAX_ROWS = 5_000
MAX_BYTES = 2 * 1024 * 1024
REQUIRED = ("name", "email")
OPTIONAL = ("country", "institution", "position", "language")
# Headings people actually write, read as ours.
_ALIASES = {
    "full name": "name",
    "certificate name": "name",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "court": "institution",
    "preferred language": "language",
}


@dataclass(frozen=True)
class Participant:
    """A valid row: who to invite, and whether they are already in the cohort."""

    line: int
    name: str
    email: str
    country: str | None = None
    institution: str = ""
    position: str = ""
    language: str | None = None
    is_member: bool = False


@dataclass(frozen=True)
class Problem:
    """One thing wrong, as a code and the facts the sentence needs (the pages and the command
    line word it: ``cohorts.messages``)."""

    code: str
    facts: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row (or, at line 0, with the whole file)."""

    line: int
    problems: tuple[Problem, ...]

    @classmethod
    def one(cls, line: int, code: str, /, **facts: object) -> RowError:
        return cls(line, (Problem(code, facts),))


@dataclass
class ParsedFile:
    """The outcome of reading a file: valid rows and errors; importable only without errors."""

    participants: list[Participant] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Lines that are not UTF-8 in a file that otherwise is: each is an error of its row, and the
    # others are still checked, so one stray line does not hide the rest of the file's problems.
    lines_not_utf8: frozenset[int] = frozenset()

    @property
    def is_importable(self) -> bool:
        return not self.errors and bool(self.participants)

    @property
    def already_members(self) -> int:
        return sum(p.is_member for p in self.participants)


def _decode(data: bytes, result: ParsedFile) -> str | None:
    """The file's text. A file in another encoding altogether (most of its lines, or its
    header) is refused whole; a few stray lines are kept, replaced, as row errors."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    bad = [number for number, raw in enumerate(lines, start=1) if not _is_utf8(raw)]
    written = sum(1 for raw in lines if raw.strip())
    if bad[0] == 1 or len(bad) * 2 > written:
        result.errors.append(RowError.one(0, "not-utf8", line=bad[0]))
        return None
    result.lines_not_utf8 = frozenset(bad)
    return data.decode("utf-8-sig", errors="replace")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header(row: list[str], result: ParsedFile) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, heading in enumerate(row):
        key = " ".join(heading.strip().lower().split())
        key = _ALIASES.get(key, key)
        if key in REQUIRED + OPTIONAL and key not in columns:
            columns[key] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        found = ", ".join(repr(h.strip()) for h in row if h.strip())
        result.errors.append(
            RowError.one(
                1,
                "no-header",
                missing=", ".join(missing),
                found=found,
                optional=", ".join(OPTIONAL),
            )
        )
        return None
    return columns


def read_participants(
    session: Session,
    data: bytes,
    *,
    cohort: Cohort,
    countries: set[str],
    languages: set[str],
) -> ParsedFile:
    """Read and check a participants file. Writes nothing.

    Every row is checked and every error reported with its line, so the trainer fixes the
    file once; the existing accounts and memberships are looked up in two queries.
    """
    result = ParsedFile()
    if len(data) > MAX_BYTES:
        result.errors.append(RowError.one(0, "too-large", size=MAX_BYTES // (1024 * 1024)))
        return result
    text = _decode(data, result)
    if text is None:
        return result
    if "\x00" in text:
        result.errors.append(RowError.one(0, "binary"))
        return result
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else None
    except csv.Error:
        dialect = None
    reader = csv.reader(io.StringIO(text), dialect or csv.excel)
    try:
        rows = list(reader)
    except csv.Error as exc:
        result.errors.append(RowError.one(reader.line_num, "not-csv", problem=str(exc)))
        return result
    if not any(any(cell.strip() for cell in row) for row in rows):
        result.errors.append(RowError.one(0, "empty"))
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(RowError.one(0, "too-many-rows", rows=len(rows) - 1, limit=MAX_ROWS))
        return result
    columns = _header(rows[0], result)
    if columns is None:
        return result

    def value(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    seen: dict[str, int] = {}
    candidates = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        problems: list[Problem] = []
        if line in result.lines_not_utf8:
            problems.append(Problem("line-not-utf8"))
        name = " ".join(value(row, "name").split())
        problem = name_problem(name)
        if problem:
            problems.append(Problem(f"name-{problem}"))
        raw_email = value(row, "email")
        email = ""
        try:
            email = normalise_email(
                validate_email(raw_email, check_deliverability=False).normalized
            )
        except EmailNotValidError:
            problems.append(Problem("email-invalid", {"email": raw_email[:80]}))
        if email and email in seen:
            problems.append(Problem("email-repeated", {"email": email, "line": seen[email]}))
        elif email:
            seen[email] = line
        country = value(row, "country").upper() or None
        if country and country not in countries:
            problems.append(Problem("country-invalid", {"country": country[:20]}))
        language = value(row, "language").lower() or None
        if language and language not in languages:
            problems.append(
                Problem(
                    "language-invalid",
                    {"language": language[:20], "languages": ", ".join(sorted(languages))},
                )
            )
        institution, position = value(row, "institution"), value(row, "position")
        for column, text_value in (("institution", institution), ("position", position)):
            if len(text_value) > 200:
                problems.append(Problem(f"{column}-too-long"))
            elif text_value.startswith(FORMULA_STARTS):
                problems.append(Problem(f"{column}-formula"))
        if problems:
            result.errors.append(RowError(line, tuple(problems)))
            continue
        candidates.append((line, name, email, country, institution, position, language))

    # Only who is already in this cohort (the trainer sees them in the roster), never who has
    # an account: the preview must not tell a trainer which addresses are registered.
    members = member_emails(session, cohort.id, [candidate[2] for candidate in candidates])
    for line, name, email, country, institution, position, language in candidates:
        result.participants.append(
            Participant(
                line=line,
                name=name,
                email=email,
                country=country,
                institution=institution,
                position=position,
                language=language,
                is_member=email in members,
            )
        )
    if not result.participants and not result.errors:
        result.errors.append(RowError.one(0, "no-participants"))
    return result
