"""The room's assessments, for the cohort's trainers: open and close the entry or final
assessment for the room, and the projector view of it: how many have begun and submitted while
it is open (no names, ever), then the cohort's anonymous result.

The projector page refreshes its counts from a small JSON answer (``projector.js``); without
JavaScript it reloads itself. It and the JSON are the trainers' (and admins') only, through
:func:`elearning.cohorts.access.load_cohort_or_404`.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearning.accounts.access import role_required
from elearning.accounts.forms import ConfirmForm
from elearning.accounts.models import Role
from elearning.cohorts import bp, charts, report, room
from elearning.cohorts.access import load_cohort_or_404
from elearning.cohorts.models import Cohort
from elearning.content.model import Course
from elearning.extensions import db
from elearning.sqltypes import utcnow

KINDS = "<any(pre, post):kind>"
#: How many of the questions most missed the projector shows.
MOST_MISSED = 5
#: Seconds between two readings of the counts (the script), or two reloads (without it).
POLL_SECONDS = 5
RELOAD_SECONDS = 10


def _in_the_room(cohort: Cohort) -> str:
    return url_for("cohorts.detail", cohort_id=cohort.id, _anchor="room")


def _room_cohort_or_back(cohort_id: int):
    """The cohort, if the trainer opens its assessments; else None after saying so."""
    cohort, course = load_cohort_or_404(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not cohort.trainer_opens_assessments:
        flash(
            _(
                "The judges of this cohort start the assessments on their own. To open them "
                "yourself in the room, edit the cohort."
            ),
            "error",
        )
        return None, course
    return cohort, course


@bp.post(f"/cohorts/<int:cohort_id>/room/{KINDS}/open")
@role_required(Role.trainer)
def room_open(cohort_id: int, kind: str):
    """Open the entry or final assessment for the room: the cohort's judges may begin it."""
    cohort, course = _room_cohort_or_back(cohort_id)
    if cohort is None:
        return redirect(url_for("cohorts.detail", cohort_id=cohort_id, _anchor="room"))
    if course.form(kind) is None:
        flash(_("This course has no such assessment."), "error")
        return redirect(_in_the_room(cohort))
    # The projector says "Open since …" in words: it shows no messages (a room reads it).
    room.open_assessment(db.session, cohort, kind, current_user, utcnow())
    return redirect(url_for("cohorts.projector", cohort_id=cohort.id, kind=kind))


@bp.post(f"/cohorts/<int:cohort_id>/room/{KINDS}/close")
@role_required(Role.trainer)
def room_close(cohort_id: int, kind: str):
    """Close it: nobody begins it any more; a judge who has begun may still submit."""
    cohort, _course = _room_cohort_or_back(cohort_id)
    if cohort is None:
        return redirect(url_for("cohorts.detail", cohort_id=cohort_id, _anchor="room"))
    closed = room.close_assessment(db.session, cohort, kind, current_user, utcnow())
    if request.form.get("next") == "projector":  # it says "Closed at …" and shows the result
        return redirect(url_for("cohorts.projector", cohort_id=cohort.id, kind=kind))
    if closed:
        flash(
            _(
                "The assessment is closed: nobody can start it any more. Judges who have "
                "started it can still submit their answers."
            ),
            "success",
        )
    return redirect(_in_the_room(cohort))


def _result(cohort: Cohort, course: Course, kind: str) -> dict:
    """The cohort's anonymous result for the projector, from the report's kept totals: the
    distribution of scores, the topics entry against final, the questions most missed."""
    result = report.cohort_report(db.session, cohort.id, course)
    count = result.pre_count if kind == "pre" else result.post_count
    if not count:
        return {"count": 0}
    pre_label, post_label = _("Entry assessment"), _("Final assessment")
    with_final = kind == "post"
    distribution = charts.distribution_chart(
        result.distribution_pre,
        result.distribution_post if with_final else None,
        pre_label,
        post_label,
        _("Score (%)"),
        _("Judges"),
    )
    topics = charts.topics_chart(
        result.topics, pre_label, post_label if with_final else None, _("Marks earned (%)")
    )
    facility = (lambda item: item.pre_facility) if kind == "pre" else (lambda i: i.post_facility)
    missed = sorted(
        (item for item in result.items if facility(item) is not None),
        key=lambda item: (facility(item), item.question_id),
    )[:MOST_MISSED]
    return {
        "count": count,
        "mean": result.mean_pre if kind == "pre" else result.mean_post,
        "distribution_url": charts.as_data_url(distribution),
        "distribution_rows": result.distribution_pre if kind == "pre" else result.distribution_post,
        "topics_url": charts.as_data_url(topics) if result.topics else None,
        "topics": result.topics,
        "missed": [(_case_of(course, item), item.stem, 100 * facility(item)) for item in missed],
    }


def _case_of(course: Course, item: report.ItemResult) -> str | None:
    """A scenario question's case, shortened, as the report shortens question texts ("What
    should the judge do?" says little without it); None for a question on its own."""
    entry = course.bank.entries.get(item.entry_id) if course.bank else None
    if entry is None or not entry.parts:
        return None
    return report.plain_text(str(entry.stem), 140)


@bp.route(f"/cohorts/<int:cohort_id>/room/{KINDS}/projector")
@role_required(Role.trainer)
def projector(cohort_id: int, kind: str):
    """For the projector: while the assessment is open, how many have begun and submitted;
    once it is closed (or on ``?show=result``), the cohort's result. Never a name."""
    cohort, course = load_cohort_or_404(cohort_id)
    if course.form(kind) is None:
        abort(404)
    state = room.states(db.session, cohort.id)[kind]
    shows_result = state.state == "closed" or request.args.get("show") == "result"
    return render_template(
        "cohorts/projector.html",
        cohort=cohort,
        course=course,
        kind=kind,
        room_state=state,
        counts=room.live_counts(db.session, cohort.id, kind),
        result=_result(cohort, course, kind) if shows_result else None,
        button=ConfirmForm(),
        poll_seconds=POLL_SECONDS,
        reload_seconds=RELOAD_SECONDS,
    )


@bp.route(f"/cohorts/<int:cohort_id>/room/{KINDS}/counts.json")
@role_required(Role.trainer)
def projector_counts(cohort_id: int, kind: str):
    """The projector's counts: the state of the assessment and three numbers, nothing else."""
    cohort, course = load_cohort_or_404(cohort_id)
    if course.form(kind) is None:
        abort(404)
    counts = room.live_counts(db.session, cohort.id, kind)
    return jsonify(
        state=room.states(db.session, cohort.id)[kind].state,
        enrolled=counts.enrolled,
        started=counts.started,
        submitted=counts.submitted,
    )
