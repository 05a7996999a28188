"""The follow-up evaluation's page: a judge opens the signed link e-mailed to them, signed in as
themselves, and answers once. Anyone else (another judge with the link, a guessed address)
gets the same 404."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearning.cohorts import bp, follow_ups
from elearning.cohorts.forms import FollowUpForm
from elearning.cohorts.models import Cohort
from elearning.extensions import db


@bp.route("/cohorts/<int:cohort_id>/follow-up/<token>", methods=["GET", "POST"])
@login_required
def follow_up_form(cohort_id: int, token: str):
    """The judge's follow-up evaluation: what they applied, how often, what got in the way,
    what would help; given once."""
    made_for = follow_ups.read_token(current_app.config["SECRET_KEY"], token)
    cohort = db.session.get(Cohort, cohort_id)
    if (
        made_for != (cohort_id, current_user.id)
        or cohort is None
        or not follow_ups.was_asked(db.session, cohort.id, current_user.id)
    ):
        abort(404)
    answer = follow_ups.answer_of(db.session, cohort.id, current_user.id)
    form = FollowUpForm()
    if answer is None and form.validate_on_submit():
        if follow_ups.save_answer(db.session, cohort.id, current_user.id, _values(form)):
            flash(_("Thank you: your answers are saved."), "success")
        return redirect(url_for("cohorts.follow_up_form", cohort_id=cohort.id, token=token))
    if answer is not None and form.is_submitted():
        flash(_("You have already answered this evaluation: your answers cannot change."))
    return render_template(
        "cohorts/follow_up_form.html",
        cohort=cohort,
        form=form,
        answer=answer,
        threshold=follow_ups.THRESHOLD,
    )


def _values(form: FollowUpForm) -> dict:
    obstacles = [name for name in follow_ups.OBSTACLES if name in (form.obstacles.data or ())]
    return {
        "applied": form.applied.data or "",
        "frequency": form.frequency.data,
        "obstacles": obstacles,
        "obstacle_other": form.obstacle_other.data or "",
        "further_training": form.further_training.data or "",
    }
