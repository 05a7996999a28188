"""Cohort pages: a trainer's cohorts, their details and trainers; joining with a code.

Who may see what: every trainer page loads its cohort through
:func:`elearning.cohorts.access.load_cohort_or_404`, scoped to the cohorts the user trains (an
admin: all), so a cohort that is not theirs is the same 404 as one that does not exist. Learners
reach only /join (and their invitations, ``invitation_views``). Everything that changes something
is a POST with a CSRF token. The participants file is in ``participant_views``, the roster, the
report and their exports in ``report_views``, the trainers' manual in ``manual_views``.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from elearning.accounts.access import role_required
from elearning.accounts.forms import ConfirmForm
from elearning.accounts.models import Role, User
from elearning.accounts.services import find_user_by_email
from elearning.catalog import get_catalog
from elearning.cohorts import (
    bp,
    report,
    room,
    services,
)
from elearning.cohorts.access import load_cohort_or_404
from elearning.cohorts.forms import (
    AddTrainerForm,
    CohortForm,
    JoinForm,
    UploadForm,
)
from elearning.content.model import Course
from elearning.extensions import db, limiter
from elearning.sqltypes import utcnow
from elearning.web.forms import flash_errors
from elearning.web.links import public_url


def _join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def _course_choices() -> list[SelectChoice]:
    return [SelectChoice(course.slug, str(course.title)) for course in get_catalog().courses]


def _follow_up_months(form: CohortForm, course: Course) -> int | None:
    """The months after which the cohort asks its judges what they applied (None: never)."""
    if form.follow_up.data == "course":
        return course.follow_up_months or None
    return int(form.follow_up.data) if form.follow_up.data else None


def _details(form: CohortForm, course: Course) -> services.CohortDetails:
    return services.CohortDetails(
        name=form.name.data,
        site=form.site.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        join_closes_on=form.join_closes_on.data,
        counts_earlier_scores=form.earlier_scores.data != "leave-out",
        trainer_opens_assessments=form.assessments.data == "room",
        follow_up_months=_follow_up_months(form, course),
    )


# --- cohorts ----------------------------------------------------------------------------------


@bp.route("/cohorts/")
@role_required(Role.trainer)
def index():
    """The cohorts the trainer trains (an admin: every cohort)."""
    catalog = get_catalog()
    return render_template(
        "cohorts/index.html",
        cohorts=services.list_cohorts(db.session, current_user),
        catalog=catalog,
        manuals=[course for course in catalog.courses if course.trainer_pages],
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required(Role.trainer)
def create():
    """A new cohort; its creator is its first trainer."""
    form = CohortForm()
    form.course.choices = _course_choices()
    if form.validate_on_submit():
        course = get_catalog().course(form.course.data)
        assert course is not None  # validate_choice
        cohort = services.create_cohort(
            db.session, course=course, details=_details(form, course), creator=current_user
        )
        flash(
            _("The cohort is created. Share its join code, or upload a participants file."),
            "success",
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required(Role.trainer)
def edit(cohort_id: int):
    """Change the cohort's name, site and dates (its course stays)."""
    cohort, course = load_cohort_or_404(cohort_id)
    form = CohortForm(obj=cohort)
    del form.course  # a cohort's course cannot change: its results belong to that course
    form.follow_up.choices = form.follow_up.choices[1:]  # the cohort's own months, or none
    if form.follow_up.data == "course":  # not sent, or the page opened: the cohort's setting
        form.follow_up.data = str(cohort.follow_up_months or "")
    if request.method == "GET":
        form.earlier_scores.data = "count" if cohort.counts_earlier_scores else "leave-out"
        form.assessments.data = "room" if cohort.trainer_opens_assessments else "own"
    if form.validate_on_submit():
        services.update_cohort(db.session, cohort, course, _details(form, course), current_user)
        flash(_("The cohort is saved."), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=cohort, course=course)


@bp.route("/cohorts/<int:cohort_id>")
@role_required(Role.trainer)
def detail(cohort_id: int):
    """The cohort's page: its figures at a glance, enrolment, trainers."""
    cohort, course = load_cohort_or_404(cohort_id)
    summary = report.cohort_counts(db.session, cohort.id, course)
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        course=course,
        counts=summary,
        trainers=services.trainers_of(db.session, cohort.id),
        joinable=services.is_joinable_now(cohort, utcnow()),
        join_code=services.display_join_code(cohort.join_code) if cohort.join_code else None,
        invite_link=(
            public_url("cohorts.join_link", code=cohort.join_code) if cohort.join_code else None
        ),
        upload_form=UploadForm(),
        trainer_form=AddTrainerForm(),
        button=ConfirmForm(),
        room_states=room.states(db.session, cohort.id) if cohort.trainer_opens_assessments else {},
    )


@bp.route("/cohorts/<int:cohort_id>/join-code", methods=["POST"])
@role_required(Role.trainer)
def join_code(cohort_id: int):
    """Make a new join code (the old one and its link stop working), or switch joining off."""
    cohort, _course = load_cohort_or_404(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("action") == "close":
        services.close_joining(db.session, cohort, current_user)
        message = _("Joining is switched off. Make a new code to open it again.")
    else:
        code = services.renew_join_code(db.session, cohort, current_user)
        message = _(
            "The new join code is %(code)s. The old code and link no longer work.",
            code=services.display_join_code(code),
        )
    flash(message, "success")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/trainers", methods=["POST"])
@role_required(Role.trainer)
def add_trainer(cohort_id: int):
    """Add a co-trainer: an account that holds the trainer role."""
    cohort, _course = load_cohort_or_404(cohort_id)
    form = AddTrainerForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    user = find_user_by_email(db.session, form.email.data)
    try:
        if user is None:
            raise services.TrainerRefused("not-a-trainer")
        added = services.add_trainer(db.session, cohort, user, current_user)
    except services.TrainerRefused:
        flash(
            _(
                "There is no trainer account with this address. An admin can give an account "
                "the trainer role."
            ),
            "error",
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    if added:
        flash(_("%(name)s now trains this cohort.", name=user.certificate_name), "success")
    else:
        flash(_("%(name)s already trains this cohort.", name=user.certificate_name), "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/trainers/<int:user_id>/remove", methods=["POST"])
@role_required(Role.trainer)
def remove_trainer(cohort_id: int, user_id: int):
    """Take a trainer off the cohort; the last one stays."""
    cohort, _course = load_cohort_or_404(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    try:
        removed = services.remove_trainer(db.session, cohort, user, current_user)
    except services.TrainerRefused as refused:
        flash(
            _("Only the trainer who created this cohort, or an admin, can remove its trainers.")
            if str(refused) == "not-allowed"
            else _("A cohort keeps at least one trainer: add another before removing this one."),
            "error",
        )
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    if not removed:
        abort(404)
    flash(_("%(name)s no longer trains this cohort.", name=user.certificate_name), "success")
    if not services.find_visible_cohort(db.session, current_user, cohort.id):
        return redirect(url_for("cohorts.index"))
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


# --- joining ----------------------------------------------------------------------------------


def _refusal(error: services.JoinRefused) -> str:
    if error.reason == "expired":
        return _("This join code has expired. Ask your trainer for a new one.")
    return _(
        "This join code does not open any cohort. Check it with your trainer: it has 8 "
        "characters, like 7K3Q-M9XD."
    )


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"])
def join():
    """Type a join code; it leads to the cohort's page, where one joins."""
    form = JoinForm()
    if form.validate_on_submit():
        try:
            cohort = services.find_joinable(db.session, form.code.data, utcnow().date())
        except services.JoinRefused as error:
            form.code.errors.append(_refusal(error))
        else:
            return redirect(url_for("cohorts.join_link", code=cohort.join_code))
    status = 422 if form.errors else 200
    return render_template("cohorts/join.html", form=form), status


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit(_join_limit)
def join_link(code: str):
    """The invite link: what the cohort is, then a button to join (signed-in users only)."""
    try:
        cohort = services.find_joinable(db.session, code, utcnow().date())
    except services.JoinRefused as error:
        return render_template("cohorts/join_refused.html", message=_refusal(error)), 404
    course = get_catalog().course(cohort.course_slug)
    if course is None:
        abort(404)
    form = ConfirmForm()
    member = (
        services.membership(db.session, cohort.id, current_user.id)
        if current_user.is_authenticated
        else None
    )
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.sign_in", next=request.path))
        if not form.validate_on_submit():
            abort(400)
        _member, is_new = services.join_cohort(
            db.session, cohort, current_user.id, course, via="code"
        )
        if is_new:
            flash(_("You have joined %(cohort)s.", cohort=cohort.name), "success")
        return redirect(url_for("learning.course", course_slug=course.slug))
    return render_template(
        "cohorts/join_cohort.html",
        cohort=cohort,
        course=course,
        form=form,
        member=member,
        trainers=services.trainers_of(db.session, cohort.id),
    )
