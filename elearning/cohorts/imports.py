"""Enrolling participants from a CSV file: read and check every row, preview, then import all.

Reading changes nothing. Inviting happens only for a file without a single error, and in the
caller's one transaction, so a file is taken whole or not at all (see ``invitations``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from elearning.accounts.logic import normalise_email
from elearning.certificates.services import NAME_MAX, CertificateRefused, clean_name
from elearning.cohorts.invitations import member_emails
from elearning.cohorts.models import Cohort

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
_FORMULA_STARTS = ("=", "+", "-", "@")


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
class RowError:
    """What is wrong with one row (or, at line 0, with the whole file)."""

    line: int
    message: str


@dataclass
class ParsedFile:
    """The outcome of reading a file: valid rows and errors; importable only without errors."""

    participants: list[Participant] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_importable(self) -> bool:
        return not self.errors and bool(self.participants)

    @property
    def already_members(self) -> int:
        return sum(p.is_member for p in self.participants)


def _decode(data: bytes, result: ParsedFile) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.errors.append(
            RowError(
                0,
                _(
                    "The file is not UTF-8 text (the first problem is on line %(line)s). In a "
                    "spreadsheet, save it as “CSV UTF-8”, then upload it again.",
                    line=line,
                ),
            )
        )
        return None


def _header(row: list[str], result: ParsedFile) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, heading in enumerate(row):
        key = " ".join(heading.strip().lower().split())
        key = _ALIASES.get(key, key)
        if key in REQUIRED + OPTIONAL and key not in columns:
            columns[key] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        found = ", ".join(repr(h.strip()) for h in row if h.strip()) or _("nothing")
        result.errors.append(
            RowError(
                1,
                _(
                    "The first line must name the columns; missing: %(missing)s. Found: "
                    "%(found)s. Optional columns: %(optional)s.",
                    missing=", ".join(missing),
                    found=found,
                    optional=", ".join(OPTIONAL),
                ),
            )
        )
        return None
    return columns


def _name_problem(name: str) -> str | None:
    if not name:
        return _("the name is empty")
    if name.startswith(_FORMULA_STARTS):
        return _("a name cannot start with = + - or @ (a spreadsheet would read it as a formula)")
    if len(name) > NAME_MAX:
        return _("the name is longer than %(count)s characters", count=NAME_MAX)
    try:
        clean_name(name)
    except CertificateRefused:
        return _("the name holds invisible control characters (such as a text-direction override)")
    return None


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
        result.errors.append(
            RowError(0, _("The file is larger than %(size)s MB.", size=MAX_BYTES // (1024 * 1024)))
        )
        return result
    text = _decode(data, result)
    if text is None:
        return result
    if "\x00" in text:
        result.errors.append(RowError(0, _("The file is not a CSV file (it holds binary data).")))
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
        result.errors.append(
            RowError(
                reader.line_num, _("The file cannot be read as CSV: %(problem)s.", problem=exc)
            )
        )
        return result
    if not any(any(cell.strip() for cell in row) for row in rows):
        result.errors.append(RowError(0, _("The file is empty.")))
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(
            RowError(
                0,
                _(
                    "The file has %(rows)s rows; at most %(limit)s can be imported at once. "
                    "Split it into several files.",
                    rows=format_decimal(len(rows) - 1),
                    limit=format_decimal(MAX_ROWS),
                ),
            )
        )
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
        problems = []
        name = " ".join(value(row, "name").split())
        problem = _name_problem(name)
        if problem:
            problems.append(problem)
        raw_email = value(row, "email")
        email = ""
        try:
            email = normalise_email(
                validate_email(raw_email, check_deliverability=False).normalized
            )
        except EmailNotValidError:
            problems.append(_("%(email)r is not a valid e-mail address", email=raw_email[:80]))
        if email and email in seen:
            problems.append(
                _("%(email)s is already on line %(line)s", email=email, line=seen[email])
            )
        elif email:
            seen[email] = line
        country = value(row, "country").upper() or None
        if country and country not in countries:
            problems.append(
                _("%(country)r is not a two-letter country code (ISO 3166)", country=country[:20])
            )
        language = value(row, "language").lower() or None
        if language and language not in languages:
            problems.append(
                _(
                    "language %(language)r: use one of %(languages)s",
                    language=language[:20],
                    languages=", ".join(sorted(languages)),
                )
            )
        institution, position = value(row, "institution"), value(row, "position")
        for text_value, too_long, formula in (
            (
                institution,
                _("the institution is longer than 200 characters"),
                _("the institution cannot start with = + - or @"),
            ),
            (
                position,
                _("the position is longer than 200 characters"),
                _("the position cannot start with = + - or @"),
            ),
        ):
            if len(text_value) > 200:
                problems.append(too_long)
            elif text_value.startswith(_FORMULA_STARTS):
                problems.append(formula)
        if problems:
            result.errors.append(RowError(line, "; ".join(problems)))
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
        result.errors.append(RowError(0, _("The file has a header line but no participants.")))
    return result
