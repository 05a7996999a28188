"""The cohorts' background work.

- The report's running totals follow each change to a judge's enrolment in a job
  (:func:`keep_totals`, queued when the change commits; ``cohorts.tallies``), so a room of
  judges submitting at once does not queue up on the cohort's totals. Idempotent: run twice,
  the second run finds nothing to move. The sweeper queues it again for a change left behind.
- The report's PDF: a trainer's request queues it and is answered at once ("being prepared",
  the page refreshing itself); the job renders it in the trainer's language and keeps it in the
  database. Idempotent: run twice, the second run finds the stored PDF current and renders
  nothing.
- The whole cohort's paper answer sheets (:func:`render_paper_sheets`), the same way: queued by
  the trainer's request, rendered (each sheet in its judge's language) and kept while nothing
  they print changes.
- The follow-up evaluation: hourly, each judge whose moment has come (months after the course,
  as their cohort says) is e-mailed once through the outbox (``cohorts.follow_ups``).
  Idempotent: a judge is marked asked in the transaction that queues their e-mail.
"""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask_babel import force_locale
from huey import crontab
from sqlalchemy.orm import Session

from elearning.catalog import get_catalog
from elearning.cohorts import follow_ups, tallies
from elearning.cohorts.documents import (
    EDITIONS,
    render_report_pdf,
    report_fingerprint,
    store_document,
)
from elearning.cohorts.models import Cohort
from elearning.extensions import db
from elearning.jobs import after_commit, every_minute, job_context, periodic, task
from elearning.sqltypes import utcnow

#: A change whose totals have not followed after this has lost its job: the sweeper queues it
#: again. Longer than the queue takes to reach a job on a busy worker.
STRANDED_AFTER = timedelta(minutes=2)


@task(retries=3, retry_delay=10)
def keep_totals(enrolment_id: int) -> None:
    """Bring the totals of the enrolment's cohorts up to date with what it has done."""
    with job_context():
        tallies.catch_up(db.session, enrolment_id)
        db.session.commit()


def enrolment_changed(enrolment_id: int, *, session: Session, **_extra) -> None:
    """A lesson marked, an attempt begun or scored: its cohorts' totals follow once it commits."""
    if tallies.mark_changed(session, enrolment_id):
        after_commit(session, keep_totals, enrolment_id)


@periodic(every_minute)
def sweep_totals() -> None:
    """Queue again the moves of totals left behind (a queue outage, a worker killed)."""
    with job_context():
        stranded = tallies.changed_before(db.session, utcnow() - STRANDED_AFTER)
        db.session.rollback()
    for enrolment_id in stranded:
        keep_totals(enrolment_id)


def init_app(_app) -> None:
    """Keep the totals whenever an enrolment changes: connected by the app factory."""
    from elearning.learning.services import enrolment_changed as changed

    changed.connect(enrolment_changed)


@task(retries=2, retry_delay=30)
def render_report(cohort_id: int, language: str, edition: str = "full") -> None:
    """Render and keep the cohort report's PDF (``edition``: "full" or "summary") in
    ``language``, unless it is current."""
    from elearning.cohorts.report_views import report_context

    with job_context():
        cohort = db.session.get(Cohort, cohort_id)
        course = get_catalog().course(cohort.course_slug) if cohort is not None else None
        if cohort is None or course is None or edition not in EDITIONS:
            return
        template = (
            "cohorts/report_pdf.html" if edition == "full" else "cohorts/report_summary_pdf.html"
        )

        def render() -> bytes:
            with force_locale(language):
                html = render_template(template, **report_context(cohort, course))
            return render_report_pdf(html)

        fingerprint = report_fingerprint(db.session, cohort, course, language)
        store_document(db.session, cohort.id, language, edition, fingerprint, render)
        db.session.commit()


@task(retries=2, retry_delay=30)
def render_paper_sheets(cohort_id: int, kind: str) -> None:
    """Render and keep the answer sheets of every judge of the cohort for the entry (``pre``)
    or final (``post``) assessment, unless the kept ones are current."""
    from elearning.cohorts import paper_views

    with job_context():
        cohort = db.session.get(Cohort, cohort_id)
        course = get_catalog().course(cohort.course_slug) if cohort is not None else None
        if cohort is None or course is None or kind not in paper_views.SHEETS_EDITIONS:
            return
        printed = paper_views.printed_sheets(cohort, course, kind)
        fingerprint = paper_views.sheets_fingerprint(cohort, course, kind, printed)
        db.session.rollback()  # composing the sheets changes nothing

        def render() -> bytes:
            return paper_views.render_sheets_pdf(cohort, course, printed)

        edition = paper_views.SHEETS_EDITIONS[kind]
        store_document(db.session, cohort.id, "", edition, fingerprint, render)
        db.session.commit()


@periodic(crontab(minute="23"))
def ask_follow_ups() -> None:
    """E-mail the follow-up evaluation to each judge whose moment has come, once (hourly)."""
    with job_context():
        follow_ups.queue_due(db.session, utcnow())
        db.session.commit()
