"""The cohorts as the certificate pages need them (filters, bulk issue, a judge's evidence),
registered with :mod:`elearning.certificates.groups` by the app factory: certificates may not
import cohorts, so cohorts hand themselves over."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from elearning.certificates import groups
from elearning.cohorts import attendance
from elearning.cohorts.models import Cohort, CohortMember


class CohortCertificateLinks:
    """:class:`elearning.certificates.groups.CohortLinks` over the cohorts' tables."""

    def choices(self, session: Session) -> list[groups.CohortChoice]:
        return [
            groups.CohortChoice(id=cohort.id, name=cohort.name, course_slug=cohort.course_slug)
            for cohort in session.scalars(
                select(Cohort).order_by(Cohort.created_at.desc(), Cohort.id.desc())
            )
        ]

    def enrolments(self, cohort_id: int) -> Select:
        return select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort_id)

    def names(self, session: Session, enrolment_ids: Iterable[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        rows = session.execute(
            select(CohortMember.enrolment_id, Cohort.name)
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .where(CohortMember.enrolment_id.in_(set(enrolment_ids)))
            .order_by(Cohort.name, Cohort.id)
        )
        for enrolment_id, name in rows:
            found.setdefault(enrolment_id, []).append(name)
        return found

    def evidence(self, session: Session, owed: Iterable[tuple[int, int]]) -> dict[int, str]:
        attempts = dict(owed)
        members = session.execute(
            select(CohortMember.enrolment_id, CohortMember.cohort_id, CohortMember.id)
            .where(CohortMember.enrolment_id.in_(attempts))
            .order_by(CohortMember.joined_at, CohortMember.id)
        )
        links: dict[int, str] = {}
        for enrolment_id, cohort_id, member_id in members:
            links.setdefault(
                enrolment_id,
                url_for(
                    "cohorts.member_attempt",
                    cohort_id=cohort_id,
                    member_id=member_id,
                    attempt_id=attempts[enrolment_id],
                ),
            )
        return links

    def attendance_shortfalls(
        self, session: Session, enrolment_ids: Iterable[int]
    ) -> dict[int, groups.AttendanceShortfall]:
        return {
            enrolment_id: groups.AttendanceShortfall(
                cohort_name=lack.cohort_name,
                attended=lack.attended,
                total=lack.total,
                needed=lack.needed,
            )
            for enrolment_id, lack in attendance.shortfalls(session, enrolment_ids).items()
        }


def init_app(app: Flask) -> None:
    """Hand the cohorts to the certificate pages."""
    groups.register(app, CohortCertificateLinks())
