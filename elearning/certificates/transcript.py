"""A judge's transcript of continuing judicial education: their certificates and the hours
they state, by year and by category. Reads only; no Flask."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearning.certificates.models import Certificate


@dataclass(frozen=True)
class Transcript:
    """The certificates that count, and their hours totalled by year, by category and in all."""

    certificates: list[Certificate]
    by_year: list[tuple[int, float]]  # newest year first
    by_category: list[tuple[str | None, float]]  # None: hours without a category
    total_hours: float


def counted(certificates: Iterable[Certificate]) -> list[Certificate]:
    """The certificates whose hours count: none revoked, and one per passing attempt (a name
    correction reissues the same study; a renewal is a new one), newest first."""
    kept: dict[object, Certificate] = {}
    for certificate in sorted(certificates, key=lambda c: c.id):
        if certificate.revoked_at is not None:
            continue
        key = certificate.attempt_id if certificate.attempt_id is not None else -certificate.id
        kept[key] = certificate  # the newer of two for one attempt replaces the older
    return sorted(kept.values(), key=lambda c: (c.completed_at, c.id), reverse=True)


def summarise(certificates: Sequence[Certificate]) -> Transcript:
    """Totals of the hours the ``counted`` certificates state, by the year each was earned."""
    years: dict[int, float] = defaultdict(float)
    categories: dict[str | None, float] = defaultdict(float)
    for certificate in certificates:
        if certificate.hours:
            years[certificate.completed_at.year] += certificate.hours
            categories[certificate.category] += certificate.hours
    return Transcript(
        certificates=list(certificates),
        by_year=sorted(years.items(), reverse=True),
        by_category=sorted(categories.items(), key=lambda item: (item[0] is None, item[0] or "")),
        total_hours=sum(years.values()),
    )


def transcript_of(session: Session, user_id: int) -> Transcript:
    """The user's transcript."""
    return summarise(
        counted(session.scalars(select(Certificate).where(Certificate.user_id == user_id)))
    )


def hours_rows(session: Session, enrolment_ids) -> list[Certificate]:
    """The certificates whose hours count among these enrolments (a statement of ids: a
    cohort's members), by holder then date."""
    rows = counted(
        session.scalars(select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids)))
    )
    return sorted(rows, key=lambda c: (c.holder_name.casefold(), c.completed_at, c.id))
