"""Cohort pages: trainers' cohorts, enrolment, roster, report, exports, manual; joining.

Who may see what: every trainer page loads its cohort through :func:`_load_cohort_or_404`, scoped
to the cohorts the user trains (an admin: all), so a cohort that is not theirs is the same 404 as
one that does not exist. Learners reach only /join. Everything that changes something is a POST
with a CSRF token.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from elearning.accounts.access import role_required
from elearning.accounts.forms import ConfirmForm, country_choices
from elearning.accounts.models import Role, User
from elearning.accounts.services import find_user_by_email
from elearning.catalog import get_catalog
from elearning.cohorts import (
    bp,
    charts,
    imports,
    invitations,
    logic,
    messages,
    quality,
    report,
    services,
)
from elearning.cohorts.documents import render_report_pdf, stored_report_pdf
from elearning.cohorts.forms import (
    AddTrainerForm,
    CohortForm,
    ConfirmUploadForm,
    JoinForm,
    UploadForm,
)
from elearning.cohorts.models import Cohort, CohortMember, ParticipantUpload
from elearning.content.model import Course
from elearning.extensions import db, limiter
from elearning.outbox.services import latest_messages, queue_message
from elearning.sqltypes import utcnow
from elearning.web import tables
from elearning.web.downloads import attachment
from elearning.web.links import public_url
from elearning.web.pagination import current_page

ROSTER_PER_PAGE = 50
UPLOAD_KEPT = timedelta(days=1)


def _join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def _load_cohort_or_404(cohort_id: int) -> tuple[Cohort, Course]:
    """The cohort if the current user trains it (or is an admin), with its course; else 404."""
    cohort = services.find_visible_cohort(db.session, current_user, cohort_id)
    if cohort is None:
        abort(404)
    course = get_catalog().course(cohort.course_slug)
    if course is None:  # the course was taken out of the content: nothing to report on
        abort(404)
    return cohort, course


def _course_choices() -> list[SelectChoice]:
    return [SelectChoice(course.slug, str(course.title)) for course in get_catalog().courses]


def _details(form: CohortForm) -> services.CohortDetails:
    return services.CohortDetails(
        name=form.name.data,
        site=form.site.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        join_closes_on=form.join_closes_on.data,
    )


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def _table_download(cohort: Cohort, what: str, sheet: str, extension: str, header, body):
    """A table as CSV or as an XLSX workbook of one sheet."""
    name = _export_name(cohort, what, extension)
    if extension == "csv":
        return attachment(tables.to_csv(header, body), name, "text/csv")
    return attachment(tables.to_xlsx([(sheet, header, body)]), name, tables.XLSX_MIMETYPE)


def _export_name(cohort: Cohort, what: str, extension: str) -> str:
    return f"cohort-{cohort.id}-{what}-{utcnow().date().isoformat()}.{extension}"


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
            db.session, course=course, details=_details(form), creator=current_user
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
    cohort, course = _load_cohort_or_404(cohort_id)
    form = CohortForm(obj=cohort)
    del form.course  # a cohort's course cannot change: its results belong to that course
    if form.validate_on_submit():
        services.update_cohort(db.session, cohort, _details(form), current_user)
        flash(_("The cohort is saved."), "success")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=cohort, course=course)


@bp.route("/cohorts/<int:cohort_id>")
@role_required(Role.trainer)
def detail(cohort_id: int):
    """The cohort's page: its figures at a glance, enrolment, trainers."""
    cohort, course = _load_cohort_or_404(cohort_id)
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
            public_url("cohorts.join_link", code=cohort.join_code)
            if cohort.join_code
            else None
        ),
        upload_form=UploadForm(),
        trainer_form=AddTrainerForm(),
        button=ConfirmForm(),
    )


@bp.route("/cohorts/<int:cohort_id>/join-code", methods=["POST"])
@role_required(Role.trainer)
def join_code(cohort_id: int):
    """Make a new join code (the old one and its link stop working), or switch joining off."""
    cohort, _course = _load_cohort_or_404(cohort_id)
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
    cohort, _course = _load_cohort_or_404(cohort_id)
    form = AddTrainerForm()
    if not form.validate_on_submit():
        _flash_errors(form)
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
    cohort, _course = _load_cohort_or_404(cohort_id)
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
    cohort, course = _load_cohort_or_404(cohort_id)
    form = UploadForm()
    if not form.validate_on_submit():
        _flash_errors(form)
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
    cohort, course = _load_cohort_or_404(cohort_id)
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


# --- roster and report ------------------------------------------------------------------------


def _roster_args() -> dict:
    status = request.args.get("status")
    sort = request.args.get("sort", "name")
    return {
        "status": status if status in report.STATUSES else None,
        "sort": sort if sort in report.SORTS else "name",
        "descending": request.args.get("order") == "desc",
    }


@bp.route("/cohorts/<int:cohort_id>/roster")
@role_required(Role.trainer)
def roster(cohort_id: int):
    """Every judge of the cohort: progress, activity, scores, gain, pass, certificate."""
    cohort, course = _load_cohort_or_404(cohort_id)
    args = _roster_args()
    page = report.roster_page(
        db.session, cohort.id, course, page=current_page(), per_page=ROSTER_PER_PAGE, **args
    )
    pending = invitations.pending_of(db.session, cohort.id)
    return render_template(
        "cohorts/roster.html",
        cohort=cohort,
        course=course,
        page=page,
        args=args,
        button=ConfirmForm(),
        invitations=pending,
        mails=latest_messages(db.session, "cohort_invitation", [i.id for i in pending]),
        now=utcnow(),
    )


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/remove", methods=["POST"])
@role_required(Role.trainer)
def remove_member(cohort_id: int, member_id: int):
    """Take a judge out of the cohort (their own progress stays theirs)."""
    cohort, _course = _load_cohort_or_404(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    member = db.session.scalar(
        select(CohortMember).where(
            CohortMember.id == member_id, CohortMember.cohort_id == cohort.id
        )
    )
    if member is None:
        abort(404)
    services.remove_member(db.session, cohort, member, current_user)
    flash(_("The participant is no longer in this cohort."), "success")
    return redirect(url_for("cohorts.roster", cohort_id=cohort.id))


def _roster_table(rows: list[report.RosterRow]):
    header = [
        _("Name"), _("E-mail"), _("Country"), _("Joined"), _("Lessons done"),
        _("Lessons in the course"), _("Progress (%)"), _("Last activity"),
        _("Entry score (%)"), _("Entry form"), _("Final score (%)"), _("Normalised gain"),
        _("Final attempts"),
        _("Passed"), _("Status"), _("Certificate"),
    ]  # fmt: skip
    body = (
        [
            row.name,
            row.email,
            row.country or "",
            row.joined_at,
            row.lessons_done,
            row.lessons_total,
            row.progress,
            row.last_activity,
            row.pre_score,
            row.entry_form or "",
            row.post_score,
            row.gain,
            row.sat,
            row.is_passed,
            row.status,
            row.certificate,
        ]  # fmt: skip
        for row in rows
    )
    return header, body


@bp.route("/cohorts/<int:cohort_id>/roster.<any(csv, xlsx):extension>")
@role_required(Role.trainer)
def roster_export(cohort_id: int, extension: str):
    """The whole roster as CSV or XLSX."""
    cohort, course = _load_cohort_or_404(cohort_id)
    header, body = _roster_table(report.roster(db.session, cohort.id, course))
    return _table_download(cohort, "roster", _("Roster"), extension, header, body)


def _report_context(cohort: Cohort, course: Course) -> dict:
    result = report.cohort_report(db.session, cohort.id, course)
    pre_label, post_label = _("Entry assessment"), _("Final assessment")
    topics_svg = distribution_svg = None
    if result.has_data:
        topics_svg = charts.topics_chart(
            result.topics, pre_label, post_label, _("Marks earned (%)")
        )
        distribution_svg = charts.distribution_chart(
            result.distribution_pre,
            result.distribution_post,
            pre_label,
            post_label,
            _("Score (%)"),
            _("Judges"),
        )
    return {
        "cohort": cohort,
        "course": course,
        "report": result,
        "topics_svg": topics_svg,
        "distribution_svg": distribution_svg,
        "as_data_url": charts.as_data_url,
        "distribution_rows": [
            (band, pre, post)
            for (band, pre), (_, post) in zip(
                result.distribution_pre, result.distribution_post, strict=True
            )
        ],
        "gain_band": logic.gain_band(result.mean_gain),
        "flag_rules": {
            "min": logic.MIN_ANSWERS_FOR_FLAGS,
            "easy": logic.TOO_EASY,
            "hard": logic.TOO_HARD,
            "disc": logic.LOW_DISCRIMINATION,
        },
        "flag_labels": _flag_labels(),
        "band_labels": _band_labels(),
        "reliabilities": quality.form_reliabilities(db.session, cohort.id, course),
        "option_counts": quality.option_counts(db.session, cohort.id, course),
        "trainers": services.trainers_of(db.session, cohort.id),
        "generated_at": utcnow(),
    }


def _flag_labels() -> dict[str, str]:
    return {
        "too-easy": _("too easy"),
        "too-hard": _("too hard"),
        "not-discriminating": _("not discriminating"),
        "unused-distractor": _("a wrong option nobody chose"),
        "strong-choose-distractor": _("a wrong option chosen by judges who scored higher"),
    }


def _band_labels() -> dict[str, str]:
    return {"low": _("low"), "medium": _("medium"), "high": _("high")}


@bp.route("/cohorts/<int:cohort_id>/report")
@role_required(Role.trainer)
def report_page(cohort_id: int):
    """The cohort report: progress, pre/post, gain, topics, distributions, item analysis."""
    cohort, course = _load_cohort_or_404(cohort_id)
    return render_template("cohorts/report.html", **_report_context(cohort, course))


def _report_pdf_limit() -> str:
    return current_app.config["REPORT_PDF_RATE_LIMIT"]


@bp.route("/cohorts/<int:cohort_id>/report.pdf")
@role_required(Role.trainer)
@limiter.limit(_report_pdf_limit, key_func=lambda: f"user:{current_user.get_id()}")
def report_pdf(cohort_id: int):
    """The cohort report as a PDF to attach to the training's final report: rendered again
    only when the cohort has changed since the last one (rendering costs seconds of CPU)."""
    cohort, course = _load_cohort_or_404(cohort_id)
    pdf = stored_report_pdf(
        db.session,
        Path(current_app.instance_path) / "documents",
        cohort,
        course,
        str(get_locale()),
        lambda: render_report_pdf(
            render_template("cohorts/report_pdf.html", **_report_context(cohort, course))
        ),
    )
    return attachment(pdf, _export_name(cohort, "report", "pdf"), "application/pdf")


def _items_table(items: list[report.ItemResult]):
    flags = _flag_labels()
    header = [
        _("Question"), _("Bank entry"), _("Topics"), _("Text"), _("Answers"),
        _("Facility"), _("Entry facility"), _("Entry answers"), _("Final facility"),
        _("Final answers"), _("Discrimination"), _("Flags"),
    ]  # fmt: skip
    body = (
        [
            item.question_id,
            item.entry_id,
            " ".join(item.tags),
            item.stem,
            item.answers,
            item.facility,
            item.pre_facility,
            item.pre.n if item.pre else 0,
            item.post_facility,
            item.post.n if item.post else 0,
            item.discrimination,
            ", ".join(flags[flag] for flag in item.flags),
        ]  # fmt: skip
        for item in items
    )
    return header, body


@bp.route("/cohorts/<int:cohort_id>/items.<any(csv, xlsx):extension>")
@role_required(Role.trainer)
def items_export(cohort_id: int, extension: str):
    """The item analysis as CSV or XLSX."""
    cohort, course = _load_cohort_or_404(cohort_id)
    header, body = _items_table(report.item_analysis(db.session, cohort.id, course))
    return _table_download(cohort, "item-analysis", _("Item analysis"), extension, header, body)


# --- the trainers' manual ---------------------------------------------------------------------


def _course_or_404(course_slug: str) -> Course:
    course = get_catalog().course(course_slug)
    if course is None or not course.trainer_pages:
        abort(404)
    return course


@bp.route("/trainers/<course_slug>/")
@role_required(Role.trainer)
def manual(course_slug: str):
    """The trainers' manual of a course: its pages."""
    course = _course_or_404(course_slug)
    return render_template("cohorts/manual_index.html", course=course)


@bp.route("/trainers/<course_slug>/<page_slug>")
@role_required(Role.trainer)
def manual_page(course_slug: str, page_slug: str):
    """One page of the trainers' manual."""
    course = _course_or_404(course_slug)
    page = course.trainer_page(page_slug)
    if page is None:
        abort(404)
    index = course.trainer_pages.index(page)
    return render_template(
        "cohorts/manual_page.html",
        course=course,
        page=page,
        previous=course.trainer_pages[index - 1] if index > 0 else None,
        following=course.trainer_pages[index + 1]
        if index + 1 < len(course.trainer_pages)
        else None,
    )


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
