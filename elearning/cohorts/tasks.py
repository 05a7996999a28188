"""The cohort report's PDF, rendered by a job: a trainer's request queues it and is answered at
once ("being prepared", the page refreshing itself), the job renders it in the trainer's
language and keeps it in the database. Idempotent: run twice, the second run finds the stored
PDF current and renders nothing."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from elearning.catalog import get_catalog
from elearning.cohorts.documents import render_report_pdf, store_report_pdf
from elearning.cohorts.models import Cohort
from elearning.extensions import db
from elearning.jobs import job_context, task


@task(retries=2, retry_delay=30)
def render_report(cohort_id: int, language: str) -> None:
    """Render and keep the cohort report's PDF in ``language``, unless it is current."""
    from elearning.cohorts.report_views import report_context

    with job_context():
        cohort = db.session.get(Cohort, cohort_id)
        course = get_catalog().course(cohort.course_slug) if cohort is not None else None
        if cohort is None or course is None:
            return

        def render() -> bytes:
            with force_locale(language):
                html = render_template("cohorts/report_pdf.html", **report_context(cohort, course))
            return render_report_pdf(html)

        store_report_pdf(db.session, cohort, course, language, render)
        db.session.commit()
