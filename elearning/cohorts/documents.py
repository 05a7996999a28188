"""The cohort report as a PDF, from the same figures as the page, kept while nothing changes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearning.assessments.models import Attempt
from elearning.certificates.models import Certificate
from elearning.cohorts.models import Cohort, CohortMember, CohortTrainer
from elearning.content.model import Course
from elearning.learning.models import LessonCompletion
from elearning.pdf import render_pdf

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "report-print.css"


def render_report_pdf(html: str) -> bytes:
    """Render the report's print HTML (charts inline as SVG, nothing fetched) to PDF bytes."""
    return render_pdf(html, STYLESHEET.read_text(encoding="utf-8"))


def report_fingerprint(session: Session, cohort: Cohort, course: Course, language: str) -> str:
    """What the report says depends on: the cohort's details and trainers, its members, their
    lessons, attempts and certificates, the content and the language. Six aggregate queries."""
    members = select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort.id)

    def summary(model, *where) -> tuple:
        return tuple(
            session.execute(
                select(func.count(), func.coalesce(func.sum(model.id), 0)).where(*where)
            ).one()
        )

    parts = [
        cohort.name,
        cohort.site,
        cohort.starts_on,
        cohort.ends_on,
        course.content_version,
        language,
        summary(CohortMember, CohortMember.cohort_id == cohort.id),
        summary(LessonCompletion, LessonCompletion.enrolment_id.in_(members)),
        summary(Attempt, Attempt.enrolment_id.in_(members), Attempt.score.is_not(None)),
        summary(Certificate, Certificate.enrolment_id.in_(members)),
        summary(
            Certificate, Certificate.enrolment_id.in_(members), Certificate.revoked_at.is_not(None)
        ),
        tuple(
            session.scalars(
                select(CohortTrainer.user_id)
                .where(CohortTrainer.cohort_id == cohort.id)
                .order_by(CohortTrainer.user_id)
            )
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def stored_report_pdf(
    session: Session,
    folder: Path,
    cohort: Cohort,
    course: Course,
    language: str,
    render: Callable[[], bytes],
) -> bytes:
    """The report's PDF: the copy kept in ``folder`` while the cohort is unchanged, else
    rendered and kept (a cache: each host keeps its own; the database is not touched)."""
    fingerprint = report_fingerprint(session, cohort, course, language)
    path = folder / f"report-{cohort.id}-{language}-{fingerprint[:24]}.pdf"
    if path.exists():
        return path.read_bytes()
    pdf = render()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"report-{cohort.id}-{language}-*.pdf"):
        stale.unlink(missing_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(pdf)
    os.replace(partial, path)  # readers see the whole file or none
    return pdf
