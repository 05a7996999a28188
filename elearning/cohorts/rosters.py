"""The cohort's roster: one row per judge, sorted, filtered and paged in SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from elearning.cohorts.facts import NO_ACTIVITY, STATUSES, facts
from elearning.cohorts.models import CohortMember
from elearning.content.model import Course
from elearning.sqltypes import UTCDateTime, contains_folded

SORTS = {
    "name": "name_key",  # family name first, in every script (``User.name_key``)
    "progress": "lessons_done",
    "activity": "last_activity",
    "pre": "pre_score",
    "post": "post_score",
    "gain": "gain",
    "status": "status",
    "certificate": "certificate",
}


@dataclass(frozen=True)
class RosterRow:
    """One judge of the cohort, as the roster shows them."""

    member_id: int
    enrolment_id: int
    user_id: int
    name: str
    email: str
    country: str | None
    joined_at: datetime
    lessons_done: int
    lessons_total: int
    pre_score: float | None
    post_score: float | None
    gain: float | None
    sat: int
    is_passed: bool
    status: str
    certificate: str
    last_activity: datetime | None
    entry_form: str | None = None  # the parallel form of the entry assessment
    pre_at: datetime | None = None  # when the entry and the best final were submitted
    post_at: datetime | None = None
    pre_on_paper: bool = False  # the entry score, the best final's, from a paper sheet
    post_on_paper: bool = False

    @property
    def pre_before_joining(self) -> bool:
        """The entry score was earned before the judge joined this cohort."""
        return self.pre_at is not None and self.pre_at < self.joined_at

    @property
    def post_before_joining(self) -> bool:
        """The final score was earned before the judge joined this cohort."""
        return self.post_at is not None and self.post_at < self.joined_at

    @property
    def progress(self) -> int:
        """Lessons complete, per cent."""
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


@dataclass(frozen=True)
class RosterPage:
    """A page of the roster and how many judges match the filter."""

    rows: list[RosterRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _activity(value: Any) -> datetime | None:
    """The judge's last activity, None when they have done nothing yet."""
    moment = _as_utc(value)
    return None if moment is None or moment <= NO_ACTIVITY else moment


def _as_utc(value: Any) -> datetime | None:
    """A timestamp read through a CTE, which SQLite hands back as text without its zone."""
    return UTCDateTime().process_result_value(
        datetime.fromisoformat(value) if isinstance(value, str) else value, None
    )


def _roster_query(
    cohort_id: int,
    course: Course,
    status: str | None,
    sort: str,
    descending: bool,
    search: str = "",
) -> Select:
    judges = facts(cohort_id, course)
    column = judges.c[SORTS.get(sort, "name_key")]
    ordered = column.desc() if descending else column.asc()
    query = select(judges).order_by(
        ordered.nulls_last(), judges.c.name_key, judges.c.name, judges.c.enrolment_id
    )
    if status in STATUSES:
        query = query.where(judges.c.status == status)
    if search.strip():
        query = query.where(
            or_(contains_folded(judges.c.name, search), contains_folded(judges.c.email, search))
        )
    return query


def _row(course: Course, values: Mapping[str, Any]) -> RosterRow:
    return RosterRow(
        member_id=values["member_id"],
        enrolment_id=values["enrolment_id"],
        user_id=values["user_id"],
        name=values["name"],
        email=values["email"],
        country=values["country"],
        joined_at=_as_utc(values["joined_at"]),
        lessons_done=int(values["lessons_done"]),
        lessons_total=len(course.lessons),
        pre_score=values["pre_score"],
        post_score=values["post_score"],
        gain=values["gain"],
        sat=int(values["sat"]),
        is_passed=bool(values["passed"]),
        status=values["status"],
        certificate=values["certificate"],
        last_activity=_activity(values["last_activity"]),
        entry_form=values.get("entry_form"),
        pre_at=_as_utc(values["pre_at"]),
        post_at=_as_utc(values["post_at"]),
        pre_on_paper=values["pre_mode"] == "paper",
        post_on_paper=values["post_mode"] == "paper",
    )


def roster_page(
    session: Session,
    cohort_id: int,
    course: Course,
    *,
    status: str | None = None,
    sort: str = "name",
    descending: bool = False,
    search: str = "",
    page: int = 1,
    per_page: int = 50,
) -> RosterPage:
    """One page of the roster, sorted, filtered and searched (name or e-mail, in any alphabet)
    in SQL: two queries."""
    query = _roster_query(cohort_id, course, status, sort, descending, search)
    if status in STATUSES or search.strip():
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    else:  # everyone: counting the members is enough
        total = session.scalar(select(func.count()).where(CohortMember.cohort_id == cohort_id))
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).mappings()
    return RosterPage([_row(course, row) for row in rows], total or 0, page, per_page)


def roster(
    session: Session, cohort_id: int, course: Course, *, status: str | None = None
) -> list[RosterRow]:
    """The whole roster (for exports), by name."""
    query = _roster_query(cohort_id, course, status, "name", False)
    return [_row(course, row) for row in session.execute(query).mappings()]


def roster_row(
    session: Session, cohort_id: int, course: Course, member_id: int
) -> RosterRow | None:
    """One judge's row of the roster (their record's summary)."""
    judges = facts(cohort_id, course)
    values = session.execute(select(judges).where(judges.c.member_id == member_id)).mappings()
    found = values.first()
    return _row(course, found) if found is not None else None
