"""The approval queue: the judges whose certificate waits for an admin, filtered by cohort, each
with the name to print (editable) and a link to their evidence; the selected ones approved,
held, released or rejected. Every page needs the admin role; every decision is a POST with a
CSRF token."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from elearning import names
from elearning.accounts.access import role_required
from elearning.accounts.models import Role
from elearning.catalog import get_catalog
from elearning.certificates import bp, groups, issuance, queue
from elearning.certificates.admin_views import start_run
from elearning.certificates.forms import QueueForm
from elearning.extensions import db
from elearning.sqltypes import utcnow
from elearning.web.forms import flash_errors
from elearning.web.routing import LARGEST_ID


def _course_title(slug: str) -> str:
    course = get_catalog().course(slug)
    return str(course.title) if course is not None else slug


@bp.route("/admin/certificates/requests")
@role_required(Role.admin)
def admin_requests():
    """The approval queue: learners who earned a certificate that waits to be issued."""
    cohort = groups.cohort_choice(db.session, request.args.get("cohort", ""))
    links = groups.cohort_links()
    rows = queue.waiting(
        db.session, among=links.enrolments(cohort.id) if cohort is not None else None
    )
    catalog = get_catalog()
    owed = [(row.request.enrolment_id, row.request.attempt_id) for row in rows]
    return render_template(
        "certificates/admin_requests.html",
        rows=rows,
        form=QueueForm(),
        course_title=_course_title,
        cohort=cohort,
        cohorts=links.choices(db.session),
        cohort_names=links.names(db.session, [enrolment_id for enrolment_id, _a in owed]),
        evidence=links.evidence(db.session, owed),
        # Nothing is ticked unless the admin asks for every row ("Select all", no JavaScript).
        select_all=request.args.get("select") == "all",
        issuing={
            slug: course.certificate.issuing
            for slug in {row.request.course_slug for row in rows}
            if (course := catalog.course(slug)) is not None
        },
    )


def _confirm_rejection(form: QueueForm, rows: list[queue.Waiting]) -> str:
    """The page that asks before rejecting (no JavaScript needed): whose requests, and the
    reason each judge will read."""
    form.requests.data = [row.request.id for row in rows]
    return render_template(
        "certificates/confirm.html",
        title=ngettext(
            "Reject the certificate of %(num)s judge?",
            "Reject the certificates of %(num)s judges?",
            len(rows),
        ),
        explanation=_(
            "The requests of %(names)s leave the queue, and each judge is told by e-mail, with "
            "this reason. The attempt that earned the request will not earn a certificate; a "
            "later pass of the final assessment can.",
            names=", ".join(row.user.certificate_name for row in rows),
        ),
        quote=form.reason.data,
        form=form,
        action=url_for("certificates.admin_decide_requests", **_cohort_filter()),
        button=_("Reject"),
        cancel=url_for("certificates.admin_requests", **_cohort_filter()),
    )


def _cohort_filter() -> dict[str, str]:
    """The cohort the queue is filtered by, as query arguments (none when it is not)."""
    cohort = request.args.get("cohort", "")
    return {"cohort": cohort} if cohort.isdigit() else {}


def _back():
    """To the queue, with the cohort it was filtered by."""
    return redirect(url_for("certificates.admin_requests", **_cohort_filter()))


def _names_to_print(rows: list[queue.Waiting]) -> dict[int, str] | None:
    """The name typed on each chosen row (``name-<id>``), cleaned; None (and a message per
    name) when one cannot be printed."""
    typed = {}
    for row in rows:
        raw = request.form.get(f"name-{row.request.id}")
        if raw is None:
            continue
        cleaned = names.clean_name(raw[: names.NAME_MAX * 2])
        if cleaned is None or names.name_problem(cleaned) is not None:
            flash(
                _(
                    "The name typed for %(name)s cannot be printed: it is empty, too long, "
                    "starts with = + - @ or holds invisible characters.",
                    name=row.user.certificate_name,
                ),
                "error",
            )
            return None
        typed[row.request.id] = cleaned
    return typed


@bp.route("/admin/certificates/requests/decide", methods=["POST"])
@role_required(Role.admin)
def admin_decide_requests():
    """Approve (issue, with the names typed), hold, release or reject the selected requests."""
    form = QueueForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _back()
    wanted = {i for i in (form.requests.data or []) if isinstance(i, int) and 0 < i <= LARGEST_ID}
    rows = queue.chosen(db.session, wanted)
    if not rows:
        flash(_("Select at least one learner."), "error")
        return _back()
    now, decision, reason = utcnow(), form.decision.data, form.reason.data or ""
    if decision == "approve":
        typed = _names_to_print(rows)
        if typed is None:
            return _back()
        enrolment_ids = queue.approve(db.session, rows, names=typed, actor=current_user, now=now)
        return start_run(enrolment_ids, issuance.ISSUED_ON_APPROVAL)  # grouped by course
    if decision == "hold":
        queue.hold(db.session, rows, reason=reason, actor=current_user, now=now)
        flash(
            ngettext("%(num)s request put on hold.", "%(num)s requests put on hold.", len(rows)),
            "success",
        )
    elif decision == "release":
        released = queue.release(db.session, rows, actor=current_user, now=now)
        flash(
            ngettext(
                "%(num)s request released from hold.",
                "%(num)s requests released from hold.",
                released,
            ),
            "success",
        )
    elif form.confirmed.data != "yes":  # a rejection is told to the judge: ask first
        return _confirm_rejection(form, rows)
    else:
        queue.reject(db.session, rows, reason=reason, actor=current_user, now=now)
        flash(
            ngettext(
                "%(num)s request rejected; the judge is told by e-mail, with your reason.",
                "%(num)s requests rejected; each judge is told by e-mail, with your reason.",
                len(rows),
            ),
            "success",
        )
    return _back()
