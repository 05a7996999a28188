"""The cohorts as the certificate pages see them, without importing them: ``cohorts`` sits
above ``certificates`` in the layers, so the app factory registers its :class:`CohortLinks`
here (``elearning.cohorts.certificate_links``). With none registered, the pages offer no cohort
filter and no link to a judge's record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import Select
from sqlalchemy.orm import Session

EXTENSION = "certificate_cohorts"


@dataclass(frozen=True)
class CohortChoice:
    """A cohort an admin may filter by or issue to."""

    id: int
    name: str
    course_slug: str


@dataclass(frozen=True)
class AttendanceShortfall:
    """A judge's attendance at their cohort's workshop below what it requires for a
    certificate: sessions attended, held, and needed."""

    cohort_name: str
    attended: int
    total: int
    needed: int


class CohortLinks(Protocol):
    """What the certificate pages ask of the cohorts."""

    def choices(self, session: Session) -> list[CohortChoice]:
        """Every cohort, newest first."""

    def enrolments(self, cohort_id: int) -> Select:
        """A statement of the enrolment ids of the cohort's members."""

    def names(self, session: Session, enrolment_ids: Iterable[int]) -> dict[int, list[str]]:
        """The names of the cohorts each enrolment belongs to."""

    def evidence(self, session: Session, owed: Iterable[tuple[int, int]]) -> dict[int, str]:
        """For (enrolment id, attempt id) pairs, the address of the attempt in the judge's
        cohort record, by enrolment id (none for a judge in no cohort)."""

    def attendance_shortfalls(
        self, session: Session, enrolment_ids: Iterable[int]
    ) -> dict[int, AttendanceShortfall]:
        """The enrolments whose certificate waits for attendance a cohort requires, with what
        they lack; the others are absent."""


class NoCohorts:
    """The platform without cohorts: nothing to filter by, nothing to link to."""

    def choices(self, session: Session) -> list[CohortChoice]:
        return []

    def enrolments(self, cohort_id: int) -> Select:  # pragma: no cover - no choice to pick
        raise LookupError(cohort_id)

    def names(self, session: Session, enrolment_ids: Iterable[int]) -> dict[int, list[str]]:
        return {}

    def evidence(self, session: Session, owed: Iterable[tuple[int, int]]) -> dict[int, str]:
        return {}

    def attendance_shortfalls(
        self, session: Session, enrolment_ids: Iterable[int]
    ) -> dict[int, AttendanceShortfall]:
        return {}


def register(app: Flask, links: CohortLinks) -> None:
    """Give the certificate pages their view of the cohorts."""
    app.extensions[EXTENSION] = links


def cohort_links() -> CohortLinks:
    """The registered view of the cohorts, or :class:`NoCohorts`."""
    return current_app.extensions.get(EXTENSION) or NoCohorts()


def cohort_choice(session: Session, raw: str) -> CohortChoice | None:
    """The cohort a query argument names, or None (blank, malformed or unknown: ignored)."""
    if not raw.isdigit() or len(raw) > 18:
        return None
    wanted = int(raw)
    return next((c for c in cohort_links().choices(session) if c.id == wanted), None)
