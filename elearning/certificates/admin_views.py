"""The admin's certificate tools: bulk issue (by course, by cohort), revoking, reissuing and
name corrections (the register is in ``register_views``, the approval queue in
``queue_views``). Every page needs the admin role; everything that issues, revokes or decides
is a POST with a CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from elearning import codes
from elearning.accounts.access import role_required
from elearning.accounts.models import Role, User
from elearning.assessments.services import passed_attempt
from elearning.audit.models import AuditEvent
from elearning.catalog import get_catalog
from elearning.certificates import adapters, bp, changes, groups, issuance, services, tasks
from elearning.certificates.forms import (
    BulkIssueForm,
    CohortIssueForm,
    DecisionForm,
    ReissueForm,
    RevokeForm,
)
from elearning.certificates.messages import refusal
from elearning.certificates.models import (
    Certificate,
    CertificateRun,
    NameCorrection,
)
from elearning.extensions import db
from elearning.sqltypes import utcnow
from elearning.web.forms import flash_errors

# --- admin ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodedEvent:
    """An event shown by its code, when no sentence tells it."""

    event: AuditEvent
    html: str = ""
    is_known: bool = False

    @property
    def raw_details(self) -> str:
        return self.event.details_text


#: Tells a certificate's history in sentences, as the audit log does ("Amina Diallo revoked
#: certificate ... (reason: ...)"): registered by the admin package, which words every audit
#: event and which certificates may not import. Called with the session and the events, it
#: returns one entry each (``event``, ``html``, ``is_known``, ``raw_details``).
HISTORY_IN_WORDS: list[Callable[[Any, Sequence[AuditEvent]], Sequence[Any]]] = []


def _history(events: Sequence[AuditEvent]) -> Sequence[Any]:
    if HISTORY_IN_WORDS:
        return HISTORY_IN_WORDS[0](db.session, events)
    return [CodedEvent(event) for event in events]


def bulk_form() -> BulkIssueForm:
    """The form that issues what a course owes, with the catalog's courses."""
    form = BulkIssueForm()
    form.course.choices = [SelectChoice(c.slug, str(c.title)) for c in get_catalog().courses]
    return form


def _run_summary(run: CertificateRun) -> list[tuple[str, str]]:
    """What a finished run did, as (category, message) lines."""
    lines = []
    if run.issued:
        lines.append(
            (
                "success",
                ngettext("%(num)s certificate issued.", "%(num)s certificates issued.", run.issued),
            )
        )
    for reason, count in sorted(run.refused.items()):
        lines.append(
            (
                "error",
                ngettext(
                    "%(num)s not issued: %(why)s",
                    "%(num)s not issued: %(why)s",
                    count,
                    why=refusal(reason),
                ),
            )
        )
    if not lines:
        lines.append(("info", _("Nothing to issue: nobody is waiting for a certificate.")))
    return lines


def start_run(enrolment_ids: list[int], kind: str):
    """Hand the issuing to a background job and show its progress (the page to go to)."""
    run = tasks.start_run(db.session, enrolment_ids, current_user, kind=kind)
    return redirect(url_for("certificates.admin_run", run_id=run.id))


@bp.route("/admin/certificates/runs/<int:run_id>")
@role_required(Role.admin)
def admin_run(run_id: int):
    """A bulk issue: its progress while the job runs (the page refreshes itself), then what it
    did."""
    run = db.get_or_404(CertificateRun, run_id)
    waiting = tasks.still_owed(db.session, run) if run.finished_at is None else 0
    return render_template(
        "certificates/admin_run.html",
        run=run,
        done=run.total - waiting,
        summary=_run_summary(run) if run.finished_at is not None else [],
    )


@bp.route("/admin/certificates/issue", methods=["POST"])
@role_required(Role.admin)
def admin_bulk_issue():
    """Issue every certificate a course owes: every learner who completed it and holds none."""
    form = bulk_form()
    if not form.validate_on_submit():
        flash(_("Choose a course."), "error")
        return redirect(url_for("certificates.admin_list"))
    course = get_catalog().course(form.course.data)
    assert course is not None
    owed, _waiting = _ready(services.owe_eligible(db.session, course, utcnow()))
    if not owed:
        flash(_("Nothing to issue: nobody is waiting for a certificate."), "info")
        return redirect(url_for("certificates.admin_list"))
    return start_run(owed, issuance.ISSUED_IN_BULK)


def _ready(owed: list[int]) -> tuple[list[int], int]:
    """Those of the ``owed`` enrolments a run can issue now, and how many wait for the
    attendance their cohort requires (their requests stay; recording the attendance issues
    them)."""
    waiting = groups.cohort_links().attendance_shortfalls(db.session, owed)
    return [enrolment_id for enrolment_id in owed if enrolment_id not in waiting], len(waiting)


def _waiting_sentence(waiting: int) -> str:
    return ngettext(
        "%(num)s more judge passed but waits for the attendance their cohort requires: "
        "recording it issues their certificate.",
        "%(num)s more judges passed but wait for the attendance their cohort requires: "
        "recording it issues their certificates.",
        waiting,
    )


def cohort_issue_form() -> CohortIssueForm:
    """The form that issues what a cohort's members are owed, with every cohort."""
    form = CohortIssueForm()
    form.cohort.choices = [
        SelectChoice(str(c.id), c.name) for c in groups.cohort_links().choices(db.session)
    ]
    return form


@bp.route("/admin/certificates/issue/cohort", methods=["POST"])
@role_required(Role.admin)
def admin_cohort_issue():
    """Issue every certificate a cohort's members are owed (as ``elearning certificates issue
    --cohort``): first say how many, then, confirmed, hand them to a bulk run."""
    form = cohort_issue_form()
    if not form.validate_on_submit():
        flash(_("Choose a cohort."), "error")
        return redirect(url_for("certificates.admin_list"))
    cohort = groups.cohort_choice(db.session, form.cohort.data)
    course = get_catalog().course(cohort.course_slug) if cohort is not None else None
    if cohort is None or course is None:
        flash(_("The course of this cohort no longer exists."), "error")
        return redirect(url_for("certificates.admin_list"))
    among = groups.cohort_links().enrolments(cohort.id)
    owed, waiting = _ready(services.owe_eligible(db.session, course, utcnow(), among=among))
    if not owed:
        db.session.rollback()
        flash(
            _("Nothing to issue: nobody in %(cohort)s is owed a certificate.", cohort=cohort.name),
            "info",
        )
        if waiting:
            flash(_waiting_sentence(waiting), "info")
        return redirect(url_for("certificates.admin_list"))
    if form.confirmed.data != "yes":  # count first (nothing kept), then ask
        db.session.rollback()
        return render_template(
            "certificates/confirm.html",
            title=_("Issue the certificates of %(cohort)s?", cohort=cohort.name),
            explanation=ngettext(
                "%(num)s judge of this cohort completed every lesson, passed the final "
                "assessment and holds no certificate yet (requests on hold are left out). "
                "Their certificate will be issued with the name on their profile.",
                "%(num)s judges of this cohort completed every lesson, passed the final "
                "assessment and hold no certificate yet (requests on hold are left out). "
                "Their certificates will be issued with the names on their profiles.",
                len(owed),
            ),
            waiting=_waiting_sentence(waiting) if waiting else "",
            form=form,
            action=url_for("certificates.admin_cohort_issue"),
            button=ngettext("Issue %(num)s certificate", "Issue %(num)s certificates", len(owed)),
            cancel=url_for("certificates.admin_list"),
            danger=False,
        )
    return start_run(owed, issuance.ISSUED_IN_BULK)


@bp.route("/admin/certificates/<int:certificate_id>")
@role_required(Role.admin)
def admin_detail(certificate_id: int):
    """One certificate: its record, its history and the actions an admin can take."""
    certificate = db.get_or_404(Certificate, certificate_id)
    related = {certificate.id}
    if certificate.enrolment_id is not None:
        related |= set(
            db.session.scalars(
                select(Certificate.id).where(Certificate.enrolment_id == certificate.enrolment_id)
            )
        )
    chain = db.session.scalars(
        select(Certificate).where(Certificate.id.in_(related)).order_by(Certificate.id)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == Certificate.__tablename__)
        .where(AuditEvent.subject_id.in_(related))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    corrections = db.session.scalars(
        select(NameCorrection)
        .where(NameCorrection.certificate_id.in_(related))
        .order_by(NameCorrection.requested_at.desc())
    ).all()
    holder = db.session.get(User, certificate.user_id) if certificate.user_id else None
    return render_template(
        "certificates/admin_detail.html",
        certificate=certificate,
        # Standing, but no pass stands behind it any more (a paper sheet corrected below the
        # pass mark): an admin decides whether it was issued in error.
        without_its_pass=certificate.status == "valid"
        and certificate.enrolment_id is not None
        and passed_attempt(db.session, certificate.enrolment_id) is None,
        holder=holder,
        chain=chain,
        events=_history(events),
        corrections=corrections,
        revoke=RevokeForm(),
        reissue=ReissueForm(
            data={"name": holder.certificate_name if holder else certificate.holder_name}
        ),
        display=codes.display,
        verify_url=adapters.verify_url,
        now=utcnow(),
    )


@bp.route("/admin/certificates/<int:certificate_id>/revoke", methods=["POST"])
@role_required(Role.admin)
def admin_revoke(certificate_id: int):
    """Revoke with a reason; the verification page says so from now on."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("certificates.admin_detail", certificate_id=certificate.id))
    if form.confirmed.data != "yes":  # ask first, on a page of its own (no JavaScript needed)
        return render_template(
            "certificates/confirm.html",
            title=_("Revoke the certificate %(serial)s?", serial=certificate.serial),
            explanation=_(
                "The verification page will show the certificate of %(name)s as revoked, with "
                "this reason, from now on. This cannot be undone; a new certificate can be "
                "issued instead.",
                name=certificate.holder_name,
            ),
            quote=form.reason.data,
            form=form,
            action=url_for("certificates.admin_revoke", certificate_id=certificate.id),
            button=_("Revoke the certificate"),
            cancel=url_for("certificates.admin_detail", certificate_id=certificate.id),
        )
    try:
        changes.revoke_certificate(
            db.session, certificate, actor=current_user, reason=form.reason.data, now=utcnow()
        )
    except services.CertificateRefused as refused:
        db.session.rollback()
        flash(refusal(refused.reason), "error")
    else:
        flash(_("The certificate is revoked."), "success")
    return redirect(url_for("certificates.admin_detail", certificate_id=certificate.id))


@bp.route("/admin/certificates/<int:certificate_id>/reissue", methods=["POST"])
@role_required(Role.admin)
def admin_reissue(certificate_id: int):
    """Issue a new certificate that replaces this one (another name, a revocation in error)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = ReissueForm()
    course = get_catalog().course(certificate.course_slug)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("certificates.admin_detail", certificate_id=certificate.id))
    if course is None:
        flash(_("The course of this certificate no longer exists."), "error")
        return redirect(url_for("certificates.admin_detail", certificate_id=certificate.id))
    try:
        new = changes.reissue_certificate(
            db.session,
            certificate,
            course,
            holder_name=form.name.data,
            issuing=adapters.issuing(),
            actor=current_user,
            now=utcnow(),
        )
    except services.CertificateRefused as refused:
        db.session.rollback()
        flash(refusal(refused.reason), "error")
        return redirect(url_for("certificates.admin_detail", certificate_id=certificate.id))
    flash(_("A new certificate replaces this one."), "success")
    return redirect(url_for("certificates.admin_detail", certificate_id=new.id))


@bp.route("/admin/certificates/corrections")
@role_required(Role.admin)
def admin_corrections():
    """Name corrections waiting for a decision."""
    rows = db.session.execute(
        select(NameCorrection, Certificate)
        .join(Certificate, Certificate.id == NameCorrection.certificate_id)
        .where(NameCorrection.status == "pending")
        .order_by(NameCorrection.requested_at)
    ).all()
    return render_template(
        "certificates/admin_corrections.html",
        rows=[(c, cert, DecisionForm(prefix=f"c{c.id}")) for c, cert in rows],
        display=codes.display,
    )


@bp.route("/admin/certificates/corrections/<int:correction_id>", methods=["POST"])
@role_required(Role.admin)
def admin_decide(correction_id: int):
    """Approve (a corrected certificate supersedes the old) or reject a name correction."""
    correction = db.get_or_404(NameCorrection, correction_id)
    form = DecisionForm(prefix=f"c{correction.id}")
    if not form.validate_on_submit():
        flash(_("Choose a decision."), "error")
        return redirect(url_for("certificates.admin_corrections"))
    certificate = db.session.get(Certificate, correction.certificate_id)
    course = get_catalog().course(certificate.course_slug) if certificate else None
    if course is None:
        flash(_("The course of this certificate no longer exists."), "error")
        return redirect(url_for("certificates.admin_corrections"))
    if form.decision.data == "reject" and form.confirmed.data != "yes":
        return render_template(
            "certificates/confirm.html",
            title=_("Reject the name correction of %(name)s?", name=certificate.holder_name),
            explanation=_(
                "The certificate keeps the name %(old)s; the holder is told the request was "
                "declined, with your note, and may ask again.",
                old=certificate.holder_name,
            ),
            quote=form.note.data,
            form=form,
            action=url_for("certificates.admin_decide", correction_id=correction.id),
            button=_("Reject the request"),
            cancel=url_for("certificates.admin_corrections"),
        )
    try:
        new = changes.decide_name_correction(
            db.session,
            correction,
            course,
            approve=form.decision.data == "approve",
            actor=current_user,
            note=form.note.data or "",
            issuing=adapters.issuing(),
            now=utcnow(),
        )
    except services.CertificateRefused as refused:
        db.session.rollback()
        flash(refusal(refused.reason), "error")
        return redirect(url_for("certificates.admin_corrections"))
    flash(
        _("The corrected certificate is issued.") if new else _("The request is rejected."),
        "success",
    )
    return redirect(url_for("certificates.admin_corrections"))
