"""Issuing on a pass, as a background job: the submit that passes records the certificate owed
(in its own transaction) and returns; a job renders and stores the certificate once that
transaction has committed. A room of judges passing at once then waits for their answers to be
saved, not for each other's PDFs.

The job is idempotent (:func:`adapters.fulfil` does nothing when the certificate is issued), so
a worker killed mid-render loses nothing: Huey runs the job again, or the sweeper queues it
again for a certificate owed longer than a job takes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from datetime import timedelta

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from huey import crontab
from sqlalchemy import select, update

from elearning.accounts.models import User
from elearning.assessments.services import assessment_passed, final_reopens
from elearning.catalog import get_catalog
from elearning.certificates import adapters, issuance, renewal, services
from elearning.certificates.categories import category_label
from elearning.certificates.models import Certificate, CertificateRequest, CertificateRun
from elearning.certificates.views import certificate_preparing
from elearning.extensions import db
from elearning.jobs import after_commit, every_minute, job_context, periodic, task
from elearning.outbox.services import queue_message
from elearning.sqltypes import utcnow

log = logging.getLogger(__name__)

#: A certificate owed longer than this has lost its job (a queue outage, a worker killed before
#: Huey stored the retry): the sweeper queues it again. Longer than a render on a busy worker.
STRANDED_AFTER = timedelta(minutes=2)
#: The sweeper stops trying after this: what is still owed then (a name the certificate cannot
#: print, say) waits for the judge's own "Issue my certificate" button.
GIVE_UP_AFTER = timedelta(hours=6)


@task(retries=3, retry_delay=20)
def issue_owed(enrolment_id: int, page_language: str | None = None) -> None:
    """Render and store the certificate the enrolment is owed, once."""
    with job_context():
        try:
            adapters.fulfil(enrolment_id, page_language=page_language)
        except services.CertificateRefused as refused:  # the judge's button says why
            db.session.rollback()
            log.warning("certificate of enrolment %s not issued: %s", enrolment_id, refused)


@periodic(every_minute)
def sweep_owed() -> None:
    """Queue again the certificates of automatic courses owed for a while with no job."""
    with job_context():
        now = utcnow()
        owed = db.session.execute(
            select(CertificateRequest.enrolment_id, CertificateRequest.course_slug).where(
                CertificateRequest.requested_at <= now - STRANDED_AFTER,
                CertificateRequest.requested_at > now - GIVE_UP_AFTER,
                CertificateRequest.held_at.is_(None),
            )
        ).all()
        db.session.rollback()
        catalog = get_catalog()
        for enrolment_id, course_slug in owed:
            course = catalog.course(course_slug)
            if course is not None and course.certificate.issuing == "automatic":
                issue_owed(enrolment_id)


#: Certificates rendered between two commits of a bulk run (and two beats of its heartbeat), per
#: rendering process.
RUN_BATCH = 8
#: A run this large renders on every core (a pool of processes, started afresh: forking a
#: threaded worker is unsafe); a smaller one renders in the job's own thread, which costs less
#: than starting the pool.
POOL_FROM = 50


def start_run(
    session, enrolment_ids: list[int], requested_by: User | None, *, kind: str
) -> CertificateRun:
    """Record a bulk issue of these enrolments' owed certificates (``kind``: the approval of
    requests, or a course's bulk issue); its job is queued when the caller's transaction
    commits."""
    run = CertificateRun(
        kind=kind,
        enrolment_ids=list(enrolment_ids),
        requested_by_id=requested_by.id if requested_by is not None else None,
        requested_at=utcnow(),
    )
    session.add(run)
    session.flush()
    after_commit(session, issue_run, run.id)
    return run


def still_owed(session, run: CertificateRun) -> int:
    """How many of the run's enrolments are still owed their certificate (held ones too)."""
    return len(_owed(session, run, with_held=True))


def _owed(session, run: CertificateRun, *, with_held: bool = False) -> dict[int, str]:
    """The run's enrolments still owed a certificate; without those an admin held since the
    run began, unless ``with_held``."""
    held = () if with_held else (CertificateRequest.held_at.is_(None),)
    return dict(
        session.execute(
            select(CertificateRequest.enrolment_id, CertificateRequest.course_slug).where(
                CertificateRequest.enrolment_id.in_(run.enrolment_ids), *held
            )
        ).all()
    )


@task(retries=2, retry_delay=30)
def issue_run(run_id: int) -> None:
    """Issue what a bulk run covers and is still owed, a batch at a time (each committed), then
    record what it did. Run again after a crash, it issues only what is still owed."""
    with job_context():
        session = db.session
        run = session.get(CertificateRun, run_id)
        if run is None or run.finished_at is not None:
            session.rollback()
            return
        run.heartbeat_at = utcnow()
        owed = _owed(session, run)
        by_course: dict[str, list[int]] = {}
        for enrolment_id in run.enrolment_ids:
            if enrolment_id in owed:
                by_course.setdefault(owed[enrolment_id], []).append(enrolment_id)
        actor = session.get(User, run.requested_by_id) if run.requested_by_id else None
        session.commit()
        refused: Counter = Counter()
        with ExitStack() as stack:
            render_all, processes = _renderer(stack, len(owed))
            for slug, enrolment_ids in by_course.items():
                course = get_catalog().course(slug)
                if course is None:
                    refused["not-eligible"] += len(enrolment_ids)
                    continue
                result = issuance.issue_many(
                    session,
                    course,
                    enrolment_ids,
                    issuing=adapters.issuing(),
                    issued_by=actor,
                    now=utcnow(),
                    via=run.kind,
                    render_all=render_all,
                    commit=session.commit,
                    on_progress=lambda _count: _beat(session, run_id),
                    batch=RUN_BATCH * processes,
                )
                refused.update(result.refused.values())
        run = session.get(CertificateRun, run_id)
        # Issued: what no longer waits, whoever issued it (a pass's own job may have come first);
        # refused: what still waits, and why.
        run.issued = run.total - still_owed(session, run)
        run.refused = dict(refused)
        run.finished_at = utcnow()
        session.commit()


def _renderer(stack: ExitStack, count: int) -> tuple[Callable, int]:
    """How a run of ``count`` certificates renders: ``map`` in this thread, or a pool's ``map``
    on every core for a large run; and on how many processes."""
    processes = os.cpu_count() or 1
    if count < POOL_FROM or processes < 2:
        return map, 1
    pool = stack.enter_context(
        ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    )

    def render_all(render: Callable, drafts: Iterable) -> Iterable[bytes]:
        return pool.map(render, drafts)

    return render_all, processes


def _beat(session, run_id: int) -> None:
    session.execute(
        update(CertificateRun).where(CertificateRun.id == run_id).values(heartbeat_at=utcnow())
    )
    session.commit()


@periodic(every_minute)
def sweep_runs() -> None:
    """Queue again a bulk run whose job went silent (its worker died mid-run)."""
    with job_context():
        quiet = utcnow() - STRANDED_AFTER
        stranded = db.session.scalars(
            select(CertificateRun.id).where(
                CertificateRun.finished_at.is_(None),
                CertificateRun.requested_at <= quiet,
                (CertificateRun.heartbeat_at.is_(None)) | (CertificateRun.heartbeat_at <= quiet),
            )
        ).all()
        db.session.rollback()
        for run_id in stranded:
            issue_run(run_id)


def init_app(app) -> None:
    """Owe (and, where the course says so, issue) a certificate whenever a final assessment is
    passed: connected here, explicitly, by the app factory; and tell the results page of a pass
    whether the certificate is still being made."""
    assessment_passed.connect(_owe_on_pass)
    final_reopens.connect(renewal.attempts_count_from)
    app.jinja_env.globals["certificate_preparing"] = certificate_preparing
    app.jinja_env.globals["category_label"] = lambda category: category_label(category, _)


def _owe_on_pass(attempt, *, session, course, enrolment_id, **_extra) -> None:
    """A pass owes a certificate (in the pass's own transaction); in a course that issues
    automatically, a job issues it once that transaction has committed, printed in the
    language the judge was reading in (their profile's first). A holder's renewal pass
    renews their certificate (an admin approved the holder once: no second approval)."""
    renewing = renewal.renewable(session, course, enrolment_id, utcnow())
    if renewing is not None and attempt.started_at >= renewing.issued_at:
        language = str(get_locale() or "") if has_request_context() else None
        after_commit(session, renew_certificate, renewing.id, language or None)
        return
    if not services.owe_certificate(session, course.slug, enrolment_id, attempt.id, utcnow()):
        return
    if course.certificate.issuing != "automatic":
        return
    language = str(get_locale() or "") if has_request_context() else None
    after_commit(session, issue_owed, enrolment_id, language or None)


@task(retries=3, retry_delay=20)
def renew_certificate(certificate_id: int, page_language: str | None = None) -> None:
    """Issue the certificate a renewal pass earned, superseding this one, once."""
    with job_context():
        certificate = db.session.get(Certificate, certificate_id)
        course = get_catalog().course(certificate.course_slug) if certificate else None
        if certificate is None or course is None:
            return
        try:
            renewal.renew(
                db.session,
                course,
                certificate,
                issuing=adapters.issuing(page_language),
                now=utcnow(),
            )
            db.session.commit()
        except services.CertificateRefused as refused:  # renewed by another job first
            db.session.rollback()
            log.info("certificate %s not renewed: %s", certificate_id, refused)


@periodic(crontab(minute="17"))
def remind_expiring() -> None:
    """E-mail each holder whose certificate nears its expiry, once per reminder, and renew
    the certificates whose renewal job was lost (hourly)."""
    with job_context():
        send_expiry_reminders(db.session, utcnow())
        db.session.commit()
        owed = renewal.renewals_owed(db.session)
        db.session.rollback()
    for certificate_id in owed:
        renew_certificate(certificate_id)


def send_expiry_reminders(session, now) -> int:
    """Queue the expiry reminders owed at ``now`` in the outbox; how many."""
    reminders = renewal.due_reminders(session, get_catalog().course, now)
    for reminder in reminders:
        queue_message(
            session,
            "certificate_expiring",
            reminder.holder.email,
            language=reminder.holder.preferred_language,
            user_id=reminder.holder.id,
            ref_id=reminder.certificate.id,
            context={"days": reminder.days},
            now=now,
        )
    return len(reminders)
