"""A face-to-face workshop on the platform: the cohort's sessions (its agenda) and attendance
at each, for the cohort's trainers and admins; and the agenda with their own attendance, for
the cohort's judges.

Who may see what: trainer pages load the cohort through ``load_cohort_or_404`` and the session
within that cohort (another cohort's session is the same 404 as none). A printed sign-in
sheet's QR code leads to a confirmation page; only a trainer of the cohort (or an admin) can
record with it, only by a POST, and only for the session and judge its signed token names.
"""

from __future__ import annotations

import re
from pathlib import Path

import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from elearning.accounts.access import role_required
from elearning.accounts.forms import ConfirmForm
from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.certificates import groups, tasks
from elearning.certificates.models import CertificateRequest
from elearning.cohorts import agenda, attendance, bp
from elearning.cohorts.access import load_cohort_or_404, load_member_or_404
from elearning.cohorts.forms import AgendaFillForm, AttendanceRequirementForm, SessionForm
from elearning.cohorts.logic import sessions_needed
from elearning.cohorts.models import Cohort, CohortMember, CohortSession
from elearning.content.model import Course
from elearning.extensions import db
from elearning.jobs import after_commit
from elearning.learning.access import course_language
from elearning.pdf import render_pdf
from elearning.sqltypes import utcnow
from elearning.web.downloads import attachment
from elearning.web.forms import flash_errors
from elearning.web.links import public_url

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "sign-in-print.css"


def _session_or_404(cohort: Cohort, session_id: int) -> CohortSession:
    item = agenda.find_session(db.session, cohort, session_id)
    if item is None:
        abort(404)
    return item


def _fill_form(course: Course) -> AgendaFillForm:
    form = AgendaFillForm()
    language = course_language(course)
    form.agenda.choices = [
        SelectChoice(slug, found.title.get(language)) for slug, found in course.agendas.items()
    ]
    if request.method == "GET" and form.agenda.choices:  # the first agenda, ticked
        form.agenda.data = form.agenda.choices[0].value
    return form


def _details(form: SessionForm) -> agenda.SessionDetails:
    return agenda.SessionDetails(
        title=form.title.data,
        held_on=form.held_on.data,
        starts_at=form.starts_at.data,
        ends_at=form.ends_at.data,
        venue=form.venue.data or "",
        description=form.description.data or "",
    )


# --- the agenda -------------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/sessions")
@role_required(Role.trainer)
def sessions(cohort_id: int):
    """The workshop's sessions in time order, how many judges attended each, and the tools to
    plan them: add one, copy the manual's agenda, require attendance for certificates."""
    cohort, course = load_cohort_or_404(cohort_id)
    items = agenda.sessions_of(db.session, cohort.id)
    members = db.session.scalar(select(db.func.count()).where(CohortMember.cohort_id == cohort.id))
    requirement = AttendanceRequirementForm(percent=cohort.attendance_required_percent)
    return render_template(
        "cohorts/sessions.html",
        cohort=cohort,
        course=course,
        items=items,
        present=attendance.present_counts(db.session, cohort.id),
        members=members or 0,
        fill=_fill_form(course),
        requirement=requirement,
        needed=sessions_needed(len(items), cohort.attendance_required_percent),
    )


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@role_required(Role.trainer)
def session_new(cohort_id: int):
    """Add a session to the agenda."""
    cohort, _course = load_cohort_or_404(cohort_id)
    form = SessionForm()
    if request.method == "GET":
        form.held_on.data = cohort.starts_on
        form.venue.data = cohort.site
    if form.validate_on_submit():
        agenda.add_session(db.session, cohort, _details(form), current_user)
        db.session.commit()
        flash(_("Session added."), "success")
        return redirect(url_for("cohorts.sessions", cohort_id=cohort.id))
    return render_template("cohorts/session_form.html", cohort=cohort, form=form, item=None)


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(Role.trainer)
def session_edit(cohort_id: int, session_id: int):
    """Change a session's title, date, times, venue or description."""
    cohort, _course = load_cohort_or_404(cohort_id)
    item = _session_or_404(cohort, session_id)
    form = SessionForm(obj=item)
    if form.validate_on_submit():
        agenda.change_session(db.session, cohort, item, _details(form), current_user)
        db.session.commit()
        flash(_("Session saved."), "success")
        return redirect(url_for("cohorts.sessions", cohort_id=cohort.id))
    return render_template("cohorts/session_form.html", cohort=cohort, form=form, item=item)


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@role_required(Role.trainer)
def session_delete(cohort_id: int, session_id: int):
    """Take a session off the agenda, with its attendance (confirmed on a page of its own)."""
    cohort, _course = load_cohort_or_404(cohort_id)
    item = _session_or_404(cohort, session_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form had expired. Please press the button again."), "error")
            return redirect(
                url_for("cohorts.session_delete", cohort_id=cohort.id, session_id=item.id)
            )
        agenda.delete_session(db.session, cohort, item, current_user)
        db.session.commit()
        flash(_("Session deleted."), "success")
        return redirect(url_for("cohorts.sessions", cohort_id=cohort.id))
    return render_template(
        "cohorts/session_delete.html",
        cohort=cohort,
        item=item,
        form=form,
        present=len(attendance.present_members(db.session, item.id)),
    )


@bp.route("/cohorts/<int:cohort_id>/sessions/agenda", methods=["POST"])
@role_required(Role.trainer)
def agenda_fill(cohort_id: int):
    """Fill the sessions from a standard agenda of the trainers' manual, from the cohort's
    start date."""
    cohort, course = load_cohort_or_404(cohort_id)
    form = _fill_form(course)
    back = redirect(url_for("cohorts.sessions", cohort_id=cohort.id))
    if not form.validate_on_submit():
        flash_errors(form)
        return back
    chosen = course.agendas[form.agenda.data]
    try:
        added = agenda.fill_from_agenda(
            db.session,
            cohort,
            chosen,
            language=course_language(course),
            actor=current_user,
            replace=form.replace.data,
        )
    except agenda.AgendaRefused as refused:
        db.session.rollback()
        if refused.reason == "no-start-date":
            flash(_("Set the cohort's start date first: day 1 of the agenda falls on it."), "error")
        else:
            flash(
                _(
                    "This cohort already has sessions. Tick “Replace the sessions already "
                    "planned” to use the manual's agenda instead."
                ),
                "error",
            )
        return back
    db.session.commit()
    flash(ngettext("%(num)s session added.", "%(num)s sessions added.", added), "success")
    return back


@bp.route("/cohorts/<int:cohort_id>/sessions/requirement", methods=["POST"])
@role_required(Role.trainer)
def attendance_requirement(cohort_id: int):
    """Set the attendance a certificate requires (a percentage of the sessions; 0: none)."""
    cohort, _course = load_cohort_or_404(cohort_id)
    form = AttendanceRequirementForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cohorts.sessions", cohort_id=cohort.id, _anchor="requirement"))
    changed = attendance.set_requirement(db.session, cohort, form.percent.data, actor=current_user)
    db.session.commit()
    if changed:
        flash(_("Attendance requirement saved."), "success")
    return redirect(url_for("cohorts.sessions", cohort_id=cohort.id, _anchor="requirement"))


# --- attendance -------------------------------------------------------------------------------


def _release_certificates(cohort: Cohort, course: Course, member_ids: set[int]) -> None:
    """The certificates of these judges that waited only for attendance, now recorded: issued
    by their job once the attendance is committed, as on a pass (a course that issues by
    itself; an approval stays the admins')."""
    if not member_ids or not cohort.attendance_required_percent:
        return
    if course.certificate.issuing != "automatic":
        return
    waiting = set(
        db.session.scalars(
            select(CertificateRequest.enrolment_id)
            .join(CohortMember, CohortMember.enrolment_id == CertificateRequest.enrolment_id)
            .where(CohortMember.id.in_(member_ids), CertificateRequest.held_at.is_(None))
        )
    )
    lacking = attendance.shortfalls(db.session, waiting)
    for enrolment_id in sorted(waiting - set(lacking)):
        after_commit(db.session, tasks.issue_owed, enrolment_id)


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@role_required(Role.trainer)
def attendance_sheet(cohort_id: int, session_id: int):
    """The session's sign-in sheet on screen: a box per judge, ticked for those present,
    saved in one go."""
    cohort, course = load_cohort_or_404(cohort_id)
    item = _session_or_404(cohort, session_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form had expired. Nothing was saved; please save again."), "error")
            return redirect(request.path)
        raw = request.form.getlist("present")
        if not all(value.isascii() and value.isdigit() and len(value) <= 18 for value in raw):
            abort(400)
        present = {int(v) for v in raw}
        try:
            marked, unmarked = attendance.record_sheet(
                db.session, cohort, item, present, actor=current_user, now=utcnow()
            )
        except IntegrityError:  # another trainer saved the same judges at the same moment
            db.session.rollback()
            flash(
                _("Another trainer saved this sheet at the same moment; please check it."), "error"
            )
            return redirect(request.path)
        if marked:
            _release_certificates(cohort, course, present)
        db.session.commit()
        if marked or unmarked:
            flash(_("Attendance saved."), "success")
        else:
            flash(_("Nothing changed."), "info")
        return redirect(url_for("cohorts.sessions", cohort_id=cohort.id))
    rows = attendance.sign_in_rows(db.session, cohort.id, item.id)
    return render_template(
        "cohorts/attendance_sheet.html", cohort=cohort, item=item, rows=rows, form=form
    )


def _scan_url(cohort: Cohort, item: CohortSession, member_id: int) -> str:
    """The address a judge's QR code on the printed sheet holds, at the platform's public
    address (never the request's)."""
    token = attendance.attendance_token(
        current_app.config["SECRET_KEY"], cohort.id, item.id, member_id
    )
    return public_url(
        "cohorts.attendance_scan", cohort_id=cohort.id, session_id=item.id, token=token
    )


def _qr_svg(url: str) -> Markup:
    """A QR code of ``url`` as inline SVG (nothing for the PDF renderer to fetch)."""
    svg = segno.make(url, error="m").svg_inline(scale=2, border=0, dark="#1b1f24")
    return Markup(svg)  # noqa: S704 - segno's own SVG of our own URL  # nosec B704


def _file_name(cohort: Cohort, item: CohortSession) -> str:
    name = re.sub(r"[^\w-]+", "-", f"{cohort.name}-{item.held_on}-{item.title}", flags=re.UNICODE)
    return f"{name.strip('-')[:100] or f'session-{item.id}'}-sign-in.pdf"


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/sign-in.pdf")
@role_required(Role.trainer)
def sign_in_sheet(cohort_id: int, session_id: int):
    """The session's printed sign-in sheet: a row per judge with their name, institution, a box
    to sign in and a QR code that a trainer's phone scans to record them present."""
    cohort, course = load_cohort_or_404(cohort_id)
    item = _session_or_404(cohort, session_id)
    rows = attendance.sign_in_rows(db.session, cohort.id, item.id)
    html = render_template(
        "cohorts/sign_in_pdf.html",
        cohort=cohort,
        course=course,
        item=item,
        rows=[(row, _qr_svg(_scan_url(cohort, item, row.member_id))) for row in rows],
    )
    pdf = render_pdf(html, STYLESHEET.read_text(encoding="utf-8"))
    return attachment(pdf, _file_name(cohort, item), "application/pdf")


@bp.route(
    "/cohorts/<int:cohort_id>/sessions/<int:session_id>/scan/<token>", methods=["GET", "POST"]
)
@role_required(Role.trainer)
def attendance_scan(cohort_id: int, session_id: int, token: str):
    """A judge's QR code from a printed sign-in sheet, opened on a trainer's phone: the page
    names the judge and the session; its button records them present."""
    cohort, course = load_cohort_or_404(cohort_id)
    item = _session_or_404(cohort, session_id)
    named = attendance.read_attendance_token(current_app.config["SECRET_KEY"], token)
    if named is None or (named.cohort_id, named.session_id) != (cohort.id, item.id):
        abort(404)
    member = load_member_or_404(cohort, named.member_id)
    judge = db.session.get(User, member.user_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form had expired. Please press the button again."), "error")
            return redirect(request.path)
        recorded = attendance.mark_present(
            db.session, cohort, item, member, actor=current_user, now=utcnow()
        )
        if recorded:
            _release_certificates(cohort, course, {member.id})
        db.session.commit()
        if recorded:
            flash(_("%(name)s is recorded present.", name=judge.certificate_name), "success")
        else:
            flash(_("%(name)s was already recorded present.", name=judge.certificate_name), "info")
        return redirect(request.path)
    return render_template(
        "cohorts/attendance_scan.html",
        cohort=cohort,
        item=item,
        judge=judge,
        form=form,
        is_present=member.id in attendance.present_members(db.session, item.id),
    )


# --- the judge's own agenda -------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/agenda")
@login_required
def my_agenda(cohort_id: int):
    """A judge's workshop: the cohort's sessions, which of them they were recorded at, and
    whether their certificate waits for attendance. Only the cohort's own judges see it."""
    member = db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort_id, CohortMember.user_id == current_user.id
        )
    )
    if member is None:
        abort(404)
    cohort = db.session.get(Cohort, cohort_id)
    course = get_catalog().course(cohort.course_slug)
    items = agenda.sessions_of(db.session, cohort.id)
    attended = attendance.attended_session_ids(db.session, member.id)
    shortfall = groups.cohort_links().attendance_shortfalls(db.session, [member.enrolment_id])
    return render_template(
        "cohorts/my_agenda.html",
        cohort=cohort,
        course=course,
        items=items,
        attended=attended,
        needed=sessions_needed(len(items), cohort.attendance_required_percent),
        shortfall=shortfall.get(member.enrolment_id),
    )
