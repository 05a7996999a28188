"""The cohort's long PDFs, rendered by a job (seconds to a minute of CPU) and kept in the
database while nothing they print changes: the report, from the same figures as the page, and
the whole cohort's paper answer sheets (``cohorts.paper_views``). One mechanism for both: a
document is named by its cohort, language and edition, and kept under the fingerprint of what
it prints."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearning.assessments.models import Attempt
from elearning.certificates.models import Certificate
from elearning.cohorts.models import Cohort, CohortMember, CohortTrainer, ReportDocument
from elearning.content.model import Course
from elearning.learning.models import LessonCompletion
from elearning.pdf import render_pdf
from elearning.sqltypes import utcnow

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


#: A rendering queued longer ago than this has lost its job (a worker killed, the queue down):
#: the next request queues it again. Longer than a report takes on a busy worker.
RENDERING_STALLED = timedelta(minutes=5)


EDITIONS = ("full", "summary")


# --- any kept document: the report's editions, the paper answer sheets (``cohorts.paper``) -------


def current_document(
    session: Session, cohort_id: int, language: str, edition: str, fingerprint: str, now: datetime
) -> tuple[bytes | None, str]:
    """(the stored PDF of the cohort's ``edition`` in ``language`` if it was rendered from what
    ``fingerprint`` names, else None; and the state of the rendering: "ready", "rendering" when
    a job is at it, "needed" when none is). Reads only."""
    document = session.get(ReportDocument, (cohort_id, language, edition))
    if document is None or document.fingerprint != fingerprint:
        return None, "needed"
    if document.rendered_at is None:
        return None, "rendering" if document.requested_at > now - RENDERING_STALLED else "needed"
    pdf = session.scalar(
        select(ReportDocument.pdf).where(
            ReportDocument.cohort_id == cohort_id,
            ReportDocument.language == language,
            ReportDocument.edition == edition,
        )
    )
    return (pdf, "ready") if pdf is not None else (None, "needed")


def ask_for_document(
    session: Session, cohort_id: int, language: str, edition: str, fingerprint: str, now: datetime
) -> bool:
    """Record that the cohort's ``edition`` in ``language`` is to be rendered as ``fingerprint``
    names it; False if another request did so at the same moment (its job renders it)."""
    try:
        with session.begin_nested():
            document = session.get(ReportDocument, (cohort_id, language, edition))
            if document is None:
                document = ReportDocument(cohort_id=cohort_id, language=language, edition=edition)
                session.add(document)
            document.fingerprint = fingerprint
            document.requested_at = now
            document.rendered_at = None
            document.pdf = None
    except IntegrityError:
        return False
    return True


def store_document(
    session: Session,
    cohort_id: int,
    language: str,
    edition: str,
    fingerprint: str,
    render: Callable[[], bytes],
) -> bool:
    """Render and keep the cohort's ``edition`` in ``language`` unless the stored one is of
    ``fingerprint`` already (a job's work: run twice, it renders once). ``fingerprint`` is taken
    before rendering, so a change made meanwhile is rendered by the next request."""
    document = session.get(ReportDocument, (cohort_id, language, edition))
    if document is not None and document.rendered_at and document.fingerprint == fingerprint:
        return False
    pdf = render()
    if document is None:
        document = ReportDocument(cohort_id=cohort_id, language=language, edition=edition)
        session.add(document)
    document.fingerprint = fingerprint
    document.pdf = pdf
    document.rendered_at = utcnow()
    return True
