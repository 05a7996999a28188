"""The reaction evaluation: a judge of the cohort answers it once they have sat the final
assessment; its trainers (and admins) read the answers only together, from five answers on."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearning.accounts.access import role_required
from elearning.accounts.models import Role
from elearning.cohorts import bp, reactions
from elearning.cohorts.access import load_cohort_or_404
from elearning.cohorts.forms import ReactionForm
from elearning.cohorts.models import Cohort
from elearning.extensions import db
from elearning.sqltypes import utcnow


@bp.route("/cohorts/<int:cohort_id>/evaluation", methods=["GET", "POST"])
@login_required
def reaction_form(cohort_id: int):
    """The judge's reaction form: three ratings and two questions, given once and changed
    until the cohort ends (or 30 days on). Anyone else gets the same 404 as a guess."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not reactions.may_answer(db.session, cohort, current_user.id):
        abort(404)
    answer = reactions.answer_of(db.session, cohort.id, current_user.id)
    is_editable = reactions.is_editable(cohort, answer, utcnow().date())
    form = ReactionForm(obj=answer)  # the ratings' numbers become the radio buttons' values
    if is_editable and form.validate_on_submit():
        reactions.save_answer(db.session, cohort, current_user.id, _values(form))
        flash(_("Thank you: your evaluation is saved."), "success")
        return redirect(url_for("cohorts.reaction_form", cohort_id=cohort.id))
    if not is_editable:
        for name in reactions.TEXTS:
            form[name].render_kw = {**form[name].render_kw, "disabled": True}
        if form.is_submitted():
            flash(_("The evaluation of this cohort is closed: your answer can no longer change."))
    return render_template(
        "cohorts/reaction_form.html",
        cohort=cohort,
        form=form,
        answer=answer,
        is_editable=is_editable,
        editable_until=reactions.editable_until(cohort, answer),
        threshold=reactions.THRESHOLD,
    )


def _values(form: ReactionForm) -> dict:
    values = {name: int(getattr(form, name).data) for name in reactions.SCALES}
    values.update({name: getattr(form, name).data or "" for name in reactions.TEXTS})
    return values


@bp.route("/cohorts/<int:cohort_id>/evaluation/results")
@role_required(Role.trainer)
def reaction_results(cohort_id: int):
    """The cohort's reaction evaluation for its trainers: how many answered; from five answers
    on, each rating's distribution and mean and the free texts without names or order."""
    cohort, course = load_cohort_or_404(cohort_id)
    return render_template(
        "cohorts/reaction_results.html",
        cohort=cohort,
        course=course,
        count=reactions.answer_count(db.session, cohort.id),
        results=reactions.results(db.session, cohort.id),
        threshold=reactions.THRESHOLD,
        labels=scale_labels(),
    )


def scale_labels() -> dict[str, tuple]:
    """Each rating's question as the judges read it, and the words at its two ends."""
    form = ReactionForm(meta={"csrf": False})
    return {name: (getattr(form, name).label.text, *form.ENDS[name]) for name in reactions.SCALES}
