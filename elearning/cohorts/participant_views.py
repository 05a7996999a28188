"""A cohort's participants file: check it row by row, then invite everyone in it at once."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from elearning.accounts.access import role_required
from elearning.accounts.forms import country_choices
from elearning.accounts.models import Role
from elearning.cohorts import (
    bp,
    imports,
    invitations,
    messages,
    services,
)
from elearning.cohorts.access import load_cohort_or_404
from elearning.cohorts.forms import (
    ConfirmUploadForm,
    UploadForm,
)
from elearning.cohorts.models import Cohort, ParticipantUpload
from elearning.extensions import db
from elearning.outbox.services import queue_message
from elearning.sqltypes import utcnow
from elearning.web.forms import flash_errors

UPLOAD_KEPT = timedelta(days=1)


# --- participants from a CSV file -------------------------------------------------------------


def _read(upload: ParticipantUpload, cohort: Cohort) -> imports.ParsedFile:
    countries = {choice.value for choice in country_choices() if choice.value}
    return imports.read_participants(
        db.session,
        upload.data,
        cohort=cohort,
        countries=countries,
        languages=set(current_app.config["LANGUAGES"]),
    )


@bp.route("/cohorts/<int:cohort_id>/upload", methods=["POST"])
@role_required(Role.trainer)
def upload(cohort_id: int):
    """Check a participants file and show it row by row; nothing is imported yet."""
    cohort, course = load_cohort_or_404(cohort_id)
    form = UploadForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id, _anchor="enrol"))
    now = utcnow()
    db.session.execute(
        delete(ParticipantUpload).where(ParticipantUpload.uploaded_at < now - UPLOAD_KEPT)
    )
    data = form.file.data.read(imports.MAX_BYTES + 1)
    form.file.data.close()  # a large upload is spooled to a temporary file: let it go now
    stored = ParticipantUpload(
        cohort_id=cohort.id,
        uploaded_by_id=current_user.id,
        # As shown and audited: printable characters only (no NUL, which PostgreSQL refuses).
        filename="".join(filter(str.isprintable, form.file.data.filename or ""))[:200]
        or "participants.csv",
        data=data,
        uploaded_at=now,
    )
    parsed = _read(stored, cohort)
    if parsed.is_importable:
        db.session.add(stored)
        db.session.flush()  # its id goes into the confirmation form
    return render_template(
        "cohorts/upload_preview.html",
        cohort=cohort,
        course=course,
        parsed=parsed,
        filename=stored.filename,
        confirm=ConfirmUploadForm(upload_id=stored.id) if parsed.is_importable else None,
        upload_form=UploadForm(),
        shown=parsed.participants[:200],
        describe_problem=messages.describe,
    ), (200 if parsed.is_importable else 422)


@bp.route("/cohorts/<int:cohort_id>/upload/confirm", methods=["POST"])
@role_required(Role.trainer)
def confirm_upload(cohort_id: int):
    """Import the previewed file whole, then send the new participants their invitations."""
    cohort, course = load_cohort_or_404(cohort_id)
    form = ConfirmUploadForm()
    upload_id = form.upload_id.data if form.validate_on_submit() else None
    stored = (
        db.session.scalar(
            select(ParticipantUpload).where(
                ParticipantUpload.id == int(upload_id),
                ParticipantUpload.cohort_id == cohort.id,
                ParticipantUpload.uploaded_by_id == current_user.id,
            )
        )
        if upload_id and upload_id.isdigit()
        else None
    )
    if stored is None:
        flash(
            _("This file was already imported, or its preview expired. Upload it again."), "error"
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id, _anchor="enrol"))
    parsed = _read(stored, cohort)
    if not parsed.is_importable:  # something changed since the preview
        db.session.rollback()
        flash(_("The file no longer passes the checks. Upload it again to see why."), "error")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id, _anchor="enrol"))
    try:
        invited = invitations.invite_participants(
            db.session, cohort, parsed.participants, invited_by=current_user, now=utcnow()
        )
        for invitation in invited.invitations:
            # Sent by a job, in the participant's language (the file's `language` column).
            queue_message(
                db.session,
                "cohort_invitation",
                invitation.email,
                language=invitation.language,
                cohort_id=cohort.id,
                ref_id=invitation.id,
                created_by_id=current_user.id,
            )
        db.session.delete(stored)
        services.record_import(db.session, cohort, current_user, invited, stored.filename)
        db.session.flush()  # a simultaneous import's conflict shows here, where it is answered
    except IntegrityError:
        db.session.rollback()
        flash(
            _(
                "Someone changed this cohort's participants at the same moment; nothing was "
                "imported. Please confirm again."
            ),
            "error",
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id, _anchor="enrol"))
    flash(
        ngettext(
            "%(num)s participant is invited by e-mail; each appears in the roster once they "
            "accept (%(already)s already in the cohort).",
            "%(num)s participants are invited by e-mail; each appears in the roster once they "
            "accept (%(already)s already in the cohort).",
            len(invited.invitations),
            already=invited.already,
        ),
        "success",
    )
    return redirect(url_for("cohorts.roster", cohort_id=cohort.id, _anchor="invitations"))
