"""One judge's record in a cohort, for its trainers: progress by module, every attempt with its
score per topic, and a submitted attempt's answers question by question (as Moodle lets a
teacher review an attempt); and the cohort's certificates, one or all, for its trainers to hand
out or print."""

from __future__ import annotations

import io
import re
import zipfile

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from elearning import codes
from elearning.accounts.access import role_required
from elearning.accounts.models import Role, User
from elearning.assessments import logic as assessment_logic
from elearning.assessments import services as assessments
from elearning.assessments.models import Attempt
from elearning.certificates import services as certificates
from elearning.certificates.models import Certificate
from elearning.cohorts import agenda, attendance, bp, rosters
from elearning.cohorts.access import load_cohort_or_404, load_member_or_404
from elearning.cohorts.models import CohortMember
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.access import course_language
from elearning.sqltypes import utcnow
from elearning.web.downloads import attachment


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>")
@role_required(Role.trainer)
def member(cohort_id: int, member_id: int):
    """The judge's record: where they stand, their lessons by module, their attempts and the
    marks per topic of each one submitted."""
    cohort, course = load_cohort_or_404(cohort_id)
    member = load_member_or_404(cohort, member_id)
    judge = db.session.get(User, member.user_id)
    row = rosters.roster_row(db.session, cohort.id, course, member.id)
    completed = learning.completion_times(db.session, [member.enrolment_id])[member.enrolment_id]
    attempts = assessments.attempts_of(db.session, member.enrolment_id)
    submitted = [attempt for attempt in attempts if not attempt.is_open]
    credits = assessments.credits_of(db.session, [attempt.id for attempt in submitted])
    topics = (
        {
            attempt_id: assessment_logic.by_tag(course.bank, marks)
            for attempt_id, marks in credits.items()
        }
        if course.bank is not None
        else {}
    )
    return render_template(
        "cohorts/member.html",
        cohort=cohort,
        course=course,
        member=member,
        judge=judge,
        row=row,
        modules=[_module_progress(module, completed) for module in course.modules],
        attempts=sorted(attempts, key=lambda a: (a.kind != "pre", a.number)),
        topics=topics,
        topic_order=[slug for slug in course.tags if any(slug in t for t in topics.values())],
        language=course_language(course),
        sessions=agenda.sessions_of(db.session, cohort.id),
        attended=attendance.attended_session_ids(db.session, member.id),
        shortfall=attendance.shortfalls(db.session, [member.enrolment_id]).get(member.enrolment_id),
    )


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/attempts/<int:attempt_id>")
@role_required(Role.trainer)
def member_attempt(cohort_id: int, member_id: int, attempt_id: int):
    """A submitted attempt of the judge, question by question: the answer given, the right
    one and the explanation. An attempt in progress is not shown until it is submitted."""
    cohort, course = load_cohort_or_404(cohort_id)
    member = load_member_or_404(cohort, member_id)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.enrolment_id != member.enrolment_id or course.bank is None:
        abort(404)
    answers = {}
    if not attempt.is_open:
        review = assessments.review(course.bank, assessments.responses_of(db.session, attempt.id))
        answers = {
            "entries": review.entries,
            "numbers": review.numbers,
            "orders": review.orders(attempt.seed),
            "missed_count": review.missed,
            "show_answers": True,
            "language": course_language(course),
        }
    return render_template(
        "cohorts/member_attempt.html",
        cohort=cohort,
        course=course,
        member=member,
        judge=db.session.get(User, member.user_id),
        attempt=attempt,
        in_progress=attempt.is_open,
        **answers,
    )


def _module_progress(module, completed):
    """(module, lessons completed, when the last of them was)."""
    times = [completed[lesson.slug] for lesson in module.lessons if lesson.slug in completed]
    return module, len(times), max(times, default=None)


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/certificate.pdf")
@role_required(Role.trainer)
def member_certificate(cohort_id: int, member_id: int):
    """The judge's certificate as issued (the one that stands: not revoked, not replaced)."""
    cohort, _course = load_cohort_or_404(cohort_id)
    member = load_member_or_404(cohort, member_id)
    certificate = certificates.latest_certificate(db.session, member.enrolment_id)
    if certificate is None or certificate.status != "valid":
        abort(404)
    pdf = db.session.scalar(select(Certificate.pdf).where(Certificate.id == certificate.id))
    name = f"certificate-{codes.display(certificate.code)}.pdf"
    return attachment(pdf, name, "application/pdf")


@bp.route("/cohorts/<int:cohort_id>/certificates.zip")
@role_required(Role.trainer)
def certificates_zip(cohort_id: int):
    """Every certificate that stands of the cohort's judges, one PDF each, in a ZIP file named
    by serial number and holder (the PDFs as issued: their fingerprints still verify)."""
    cohort, _course = load_cohort_or_404(cohort_id)
    rows = db.session.execute(
        select(Certificate.serial, Certificate.holder_name, Certificate.pdf)
        .join(CohortMember, CohortMember.enrolment_id == Certificate.enrolment_id)
        .where(
            CohortMember.cohort_id == cohort.id,
            Certificate.revoked_at.is_(None),
            Certificate.superseded_by_id.is_(None),
        )
        .order_by(Certificate.serial)
    ).all()
    if not rows:
        flash(_("No certificate of this cohort's judges stands yet."), "info")
        return redirect(url_for("cohorts.roster", cohort_id=cohort.id))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed
        for serial, holder, pdf in rows:
            archive.writestr(f"{serial} {_file_name_part(holder)}.pdf", pdf)
    name = f"cohort-{cohort.id}-certificates-{utcnow().date().isoformat()}.zip"
    return attachment(buffer.getvalue(), name, "application/zip")


def _file_name_part(text: str) -> str:
    """A holder's name as part of a file name: letters of any script, digits, spaces, dots and
    hyphens; nothing that could name a folder or hide an extension."""
    cleaned = re.sub(r"[^\w .-]+", "", text, flags=re.UNICODE).strip(" .")
    return cleaned[:80] or "certificate"
