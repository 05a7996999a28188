"""Reading the audit log: its filters (action, person, certificate, cohort, days) and the
events they select, a page at a time or all of them in batches. Flush-free reads; no Flask."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.audit.models import AuditEvent
from elearning.certificates import services as certificates
from elearning.certificates.models import Certificate
from elearning.cohorts.models import Cohort, CohortMember
from elearning.sqltypes import contains_folded

BATCH = 500  # events read at a time for the CSV export
LARGEST_ID = 2**31 - 1  # the ids' column type (PostgreSQL's integer)
FILTER_ARGUMENTS = ("action", "person", "certificate", "cohort", "from", "to")


@dataclass(frozen=True)
class AuditFilter:
    """What the admin asked to see; every filter left empty lets every event through."""

    action: str | None = None
    person: str = ""  # name or e-mail fragment: who acted, or whom the event concerns
    certificate: Certificate | None = None
    unknown_certificate: bool = False  # a serial or code that names no certificate: no events
    cohort: Cohort | None = None
    since: datetime | None = None  # inclusive, UTC
    before: datetime | None = None  # exclusive, UTC
    # The query arguments as read (bad ones dropped), for paging and the export link.
    arguments: dict[str, str] = field(default_factory=dict)

    @property
    def is_filtered(self) -> bool:
        """Whether any filter is in force."""
        return bool(self.arguments)


def read_filter(
    session: Session, args: Mapping[str, str], *, actions: Sequence[str], zone: tzinfo
) -> tuple[AuditFilter, list[str]]:
    """The filter the query arguments describe, and the arguments refused (their names), which
    are ignored. Days are whole days in ``zone``, both ends included."""
    kept: dict[str, str] = {}
    refused: list[str] = []
    value = {name: (args.get(name) or "").strip()[:200] for name in FILTER_ARGUMENTS}
    action = value["action"] if value["action"] in actions else None
    _keep(kept, refused, "action", value["action"], action is not None)
    _keep(kept, refused, "person", value["person"])
    certificate = _find_certificate(session, value["certificate"])
    _keep(kept, refused, "certificate", value["certificate"])
    cohort = _find_cohort(session, value["cohort"])
    _keep(kept, refused, "cohort", value["cohort"], cohort is not None)
    since, before = _day_start(value["from"], zone), _day_start(value["to"], zone, after=True)
    _keep(kept, refused, "from", value["from"], since is not None)
    _keep(kept, refused, "to", value["to"], before is not None)
    if since is not None and before is not None and since >= before:
        refused.append("range")
        since = before = None
        del kept["from"], kept["to"]
    typed_certificate = "certificate" in kept
    return (
        AuditFilter(
            action=action,
            person=value["person"],
            certificate=certificate if typed_certificate else None,
            unknown_certificate=typed_certificate and certificate is None,
            cohort=cohort,
            since=since,
            before=before,
            arguments=kept,
        ),
        refused,
    )


def _keep(
    kept: dict[str, str], refused: list[str], name: str, value: str, is_good: bool = True
) -> None:
    if not value:
        return
    if is_good:
        kept[name] = value
    else:
        refused.append(name)


def _find_certificate(session: Session, typed: str) -> Certificate | None:
    """The certificate of a serial (``2026-000123``) or a verification code as printed."""
    if not typed:
        return None
    by_serial = session.scalar(select(Certificate).where(Certificate.serial == typed.upper()))
    return by_serial or certificates.find_by_code(session, typed)


def _find_cohort(session: Session, typed: str) -> Cohort | None:
    if not typed.isdigit() or not 0 < int(typed) <= LARGEST_ID:
        return None
    return session.get(Cohort, int(typed))


def _day_start(typed: str, zone: tzinfo, *, after: bool = False) -> datetime | None:
    """The UTC moment a typed day (``YYYY-MM-DD``) starts in ``zone`` (the next day's start
    when ``after``), or None when it is not a day."""
    try:
        day = date.fromisoformat(typed) + timedelta(days=1 if after else 0)
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _people(query: str):
    return select(User.id).where(
        or_(contains_folded(User.email, query), contains_folded(User.certificate_name, query))
    )


def _concerning_person(query: str) -> ColumnElement[bool]:
    """Events the matching people did, or that are about them: their account, their
    certificates, their membership of a cohort, their invitation or trainership."""
    people = _people(query)
    emails = select(User.email).where(User.id.in_(people))
    by_email = [AuditEvent.details[key].as_string() for key in ("trainer", "email")]
    return or_(
        AuditEvent.actor_id.in_(people),
        and_(AuditEvent.subject_type == User.__tablename__, AuditEvent.subject_id.in_(people)),
        and_(
            AuditEvent.subject_type == Certificate.__tablename__,
            AuditEvent.subject_id.in_(
                select(Certificate.id).where(Certificate.user_id.in_(people))
            ),
        ),
        and_(
            AuditEvent.subject_type == Cohort.__tablename__,
            or_(
                AuditEvent.details["user_id"].as_integer().in_(people),
                *(value.in_(emails) for value in by_email),
                *(contains_folded(value, query) for value in by_email),
            ),
        ),
    )


def _concerning_certificate(certificate: Certificate) -> ColumnElement[bool]:
    """The certificate's own events, and the reissue that replaced it."""
    own = and_(
        AuditEvent.subject_type == Certificate.__tablename__,
        AuditEvent.subject_id == certificate.id,
    )
    if certificate.superseded_by_id is None:
        return own
    return or_(
        own,
        and_(
            AuditEvent.subject_type == Certificate.__tablename__,
            AuditEvent.subject_id == certificate.superseded_by_id,
            AuditEvent.action == "certificate.reissue",
        ),
    )


def _concerning_cohort(cohort: Cohort) -> ColumnElement[bool]:
    """The cohort's events and those of its members' certificates (judges who left or were
    removed are no longer members: their certificates' events no longer count)."""
    enrolments = select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort.id)
    return or_(
        and_(AuditEvent.subject_type == Cohort.__tablename__, AuditEvent.subject_id == cohort.id),
        and_(
            AuditEvent.subject_type == Certificate.__tablename__,
            AuditEvent.subject_id.in_(
                select(Certificate.id).where(Certificate.enrolment_id.in_(enrolments))
            ),
        ),
    )


def _conditions(chosen: AuditFilter) -> list[ColumnElement[bool]]:
    if chosen.unknown_certificate:
        return [AuditEvent.id.is_(None)]  # nothing is about a certificate that does not exist
    where: list[ColumnElement[bool]] = []
    if chosen.action:
        where.append(AuditEvent.action == chosen.action)
    if chosen.person:
        where.append(_concerning_person(chosen.person))
    if chosen.certificate is not None:
        where.append(_concerning_certificate(chosen.certificate))
    if chosen.cohort is not None:
        where.append(_concerning_cohort(chosen.cohort))
    if chosen.since is not None:
        where.append(AuditEvent.at >= chosen.since)
    if chosen.before is not None:
        where.append(AuditEvent.at < chosen.before)
    return where


def _newest_first(chosen: AuditFilter):
    return (
        select(AuditEvent)
        .where(*_conditions(chosen))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def audit_page(
    session: Session, chosen: AuditFilter, *, page: int = 1, per_page: int = 50
) -> tuple[Sequence[AuditEvent], int]:
    """One page of the events the filter selects, newest first, and how many it selects."""
    total = (
        session.scalar(select(func.count()).select_from(AuditEvent).where(*_conditions(chosen)))
        or 0
    )
    events = session.scalars(
        _newest_first(chosen).limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    return events, total


def audit_batches(session: Session, chosen: AuditFilter) -> Iterator[Sequence[AuditEvent]]:
    """Every event the filter selects, newest first, ``BATCH`` at a time (read as they are
    written out, never all held at once)."""
    result = session.scalars(_newest_first(chosen).execution_options(yield_per=BATCH))
    yield from result.partitions()


def recorded_actions(session: Session) -> set[str]:
    """Every action code in the log (older versions may have written codes no longer made)."""
    return set(session.scalars(select(AuditEvent.action).distinct()))
