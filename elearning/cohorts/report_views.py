"""A cohort's roster and report, on the page and as CSV, XLSX and PDF."""

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse
from sqlalchemy import select

from elearning.accounts.access import role_required
from elearning.accounts.forms import ConfirmForm
from elearning.accounts.models import Role, User
from elearning.certificates.transcript import hours_rows
from elearning.cohorts import (
    agenda,
    attendance,
    bp,
    charts,
    comparison,
    follow_ups,
    invitations,
    item_listing,
    logic,
    quality,
    reactions,
    report,
    rosters,
    services,
    tallies,
    tasks,
)
from elearning.cohorts.access import load_cohort_or_404, load_member_or_404
from elearning.cohorts.ceremony_views import alphabet_of
from elearning.cohorts.documents import ask_for_document, current_document, report_fingerprint
from elearning.cohorts.forms import ExtraAttemptForm, FollowUpForm
from elearning.cohorts.models import Cohort, CohortMember
from elearning.content.model import Course
from elearning.extensions import db, limiter
from elearning.i18n import LANGUAGE_NAMES
from elearning.jobs import after_commit
from elearning.outbox.services import latest_messages
from elearning.sqltypes import utcnow
from elearning.web import tables
from elearning.web.downloads import attachment
from elearning.web.pagination import current_page

ROSTER_PER_PAGE = 50


def _table_download(cohort: Cohort, what: str, sheet: str, extension: str, header, body):
    """A table as CSV or as an XLSX workbook of one sheet."""
    name = _export_name(cohort, what, extension)
    if extension == "csv":
        return attachment(tables.to_csv(header, body), name, "text/csv")
    return attachment(tables.to_xlsx([(sheet, header, body)]), name, tables.XLSX_MIMETYPE)


def _export_name(cohort: Cohort, what: str, extension: str) -> str:
    return f"cohort-{cohort.id}-{what}-{utcnow().date().isoformat()}.{extension}"


# --- roster and report ------------------------------------------------------------------------


def _roster_args() -> dict:
    status = request.args.get("status")
    sort = request.args.get("sort", "name")
    return {
        "status": status if status in rosters.STATUSES else None,
        "sort": sort if sort in rosters.SORTS else "name",
        "descending": request.args.get("order") == "desc",
        "search": request.args.get("q", "")[:200].strip(),
    }


@bp.route("/cohorts/<int:cohort_id>/roster")
@role_required(Role.trainer)
def roster(cohort_id: int):
    """Every judge of the cohort: progress, activity, scores, gain, pass, certificate."""
    cohort, course = load_cohort_or_404(cohort_id)
    args = _roster_args()
    page = rosters.roster_page(
        db.session, cohort.id, course, page=current_page(), per_page=ROSTER_PER_PAGE, **args
    )
    pending = invitations.pending_of(db.session, cohort.id)
    sessions_total = agenda.session_count(db.session, cohort.id)
    return render_template(
        "cohorts/roster.html",
        sessions_total=sessions_total,
        attended=attendance.attended_counts(db.session, cohort.id) if sessions_total else {},
        held_for_attendance=attendance.shortfalls(
            db.session, [row.enrolment_id for row in page.rows if row.is_passed]
        ),
        cohort=cohort,
        course=course,
        page=page,
        args=args,
        statuses=rosters.STATUSES,
        button=ConfirmForm(),
        invitations=pending,
        mails=latest_messages(db.session, "cohort_invitation", [i.id for i in pending]),
        alphabet=alphabet_of(cohort),
        languages=LANGUAGE_NAMES,
        now=utcnow(),
    )


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/remove", methods=["GET", "POST"])
@role_required(Role.trainer)
def remove_member(cohort_id: int, member_id: int):
    """Take a judge out of the cohort (their own progress stays theirs), once the trainer has
    confirmed it on a page of its own (no JavaScript needed)."""
    cohort, _course = load_cohort_or_404(cohort_id)
    member = load_member_or_404(cohort, member_id)
    form = ConfirmForm()
    if request.method == "GET":
        judge = db.session.get(User, member.user_id)
        return render_template("cohorts/remove_member.html", cohort=cohort, judge=judge, form=form)
    if not form.validate_on_submit():
        abort(400)
    services.remove_member(db.session, cohort, member, current_user)
    flash(_("The participant is no longer in this cohort."), "success")
    return redirect(url_for("cohorts.roster", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/extra-attempt", methods=["GET", "POST"])
@role_required(Role.trainer)
def extra_attempt(cohort_id: int, member_id: int):
    """Grant a judge of the cohort who has used every final attempt one more (with a reason,
    audited, the judge told by e-mail), within what the course allows."""
    cohort, course = load_cohort_or_404(cohort_id)
    member = load_member_or_404(cohort, member_id)
    judge = db.session.get(User, member.user_id)
    form = ExtraAttemptForm()
    refused = services.can_grant_extra_attempt(db.session, course, member)
    if refused is None and form.validate_on_submit():
        try:
            services.grant_extra_attempt(
                db.session, cohort, course, member, current_user, form.reason.data
            )
        except services.GrantRefused as exc:
            db.session.rollback()
            refused = exc.reason
        else:
            flash(
                _(
                    "%(name)s may now take the final assessment once more; "
                    "they have been told by e-mail.",
                    name=judge.certificate_name,
                ),
                "success",
            )
            return redirect(url_for("cohorts.roster", cohort_id=cohort.id))
    return render_template(
        "cohorts/extra_attempt.html",
        cohort=cohort,
        course=course,
        member=member,
        judge=judge,
        form=form,
        refused=refused,
    )


def _roster_table(rows: list[rosters.RosterRow], attended: dict[int, int] | None = None):
    """The roster's header and rows; with ``attended`` (a cohort with sessions: how many each
    judge attended, by member), a column of attendance too."""
    header = [
        _("Name"), _("E-mail"), _("Country"), _("Joined"), _("Lessons done"),
        _("Lessons in the course"), _("Progress (%)"), _("Last activity"),
        _("Entry score (%)"), _("Entry form"), _("Final score (%)"), _("Normalised gain"),
        _("Final attempts"),
        _("Passed"), _("Status"), _("Certificate"),
    ]  # fmt: skip
    if attended is not None:
        header.append(_("Sessions attended"))
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
            *([attended.get(row.member_id, 0)] if attended is not None else []),
        ]  # fmt: skip
        for row in rows
    )
    return header, body


@bp.route("/cohorts/<int:cohort_id>/roster.<any(csv, xlsx):extension>")
@role_required(Role.trainer)
def roster_export(cohort_id: int, extension: str):
    """The whole roster as CSV or XLSX."""
    cohort, course = load_cohort_or_404(cohort_id)
    attended = None
    if agenda.session_count(db.session, cohort.id):
        attended = attendance.attended_counts(db.session, cohort.id)
    header, body = _roster_table(rosters.roster(db.session, cohort.id, course), attended)
    return _table_download(cohort, "roster", _("Roster"), extension, header, body)


@bp.route("/cohorts/<int:cohort_id>/hours.<any(csv, xlsx):extension>")
@role_required(Role.trainer)
def hours_export(cohort_id: int, extension: str):
    """The continuing-education hours the cohort's judges' certificates state, one row per
    certificate that counts (as on the judges' transcripts)."""
    cohort, _course = load_cohort_or_404(cohort_id)
    members = select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort.id)
    header = [
        _("Judge"),
        _("Course"),
        _("Certificate"),
        _("Completed on"),
        _("Year"),
        _("Category"),
        _("Hours"),
        _("Valid until"),
        _("Status"),
    ]
    body = [
        [
            c.holder_name,
            c.course_title,
            c.serial,
            c.completed_at.date().isoformat(),
            c.completed_at.year,
            c.category or "",
            c.hours if c.hours is not None else "",
            c.valid_until.date().isoformat() if c.valid_until else "",
            _("Expired") if c.is_expired(now) else _("Valid"),
        ]
        for now in [utcnow()]
        for c in hours_rows(db.session, members)
    ]
    return _table_download(cohort, "hours", _("Hours"), extension, header, body)


def report_context(cohort: Cohort, course: Course) -> dict:
    """What the report's page and its PDFs show (the page adds what depends on the viewer)."""
    totals = tallies.read(db.session, cohort.id, course)
    result = report.report_from(totals, course)
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
    option_counts = quality.option_counts(totals, course)
    flags = _item_flags(result.items, option_counts)
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
        "flag_rules": {
            "min": logic.MIN_ANSWERS_FOR_FLAGS,
            "easy": logic.TOO_EASY,
            "hard": logic.TOO_HARD,
            "disc": logic.LOW_DISCRIMINATION,
        },
        "flag_labels": _flag_labels(),
        "band_labels": _band_labels(),
        "reliabilities": quality.form_reliabilities(totals, course),
        "option_counts": option_counts,
        "item_flags": flags,
        "item_rows": result.items,
        "flagged_rows": [item for item in result.items if flags[item.question_id]],
        "has_enough_answers": item_listing.has_enough_answers,
        "has_entry_assessment": any(form.kind == "pre" for form in course.forms.values()),
        "trainers": services.trainers_of(db.session, cohort.id),
        "generated_at": utcnow(),
    }


def _item_flags(
    items: list[report.ItemResult], option_counts: dict[str, quality.OptionCounts]
) -> dict[str, tuple[str, ...]]:
    """Each question's flags: its statistics' and its options'."""
    flags = {}
    for item in items:
        choices = option_counts.get(item.question_id)
        flags[item.question_id] = item.flags + (choices.flags if choices else ())
    return flags


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
    """The cohort report: a summary, then progress, scores and gains, topics, distributions,
    the trust in the scores, the item analysis (filtered, sorted, paged) and the comparison
    with the trainer's earlier cohorts of the course."""
    cohort, course = load_cohort_or_404(cohort_id)
    context = report_context(cohort, course)
    query = item_listing.item_query(request.args, course.tags, course.parallel_forms)
    flags = context["item_flags"]
    items = item_listing.list_items(
        context["report"].items,
        query,
        flagged={question_id for question_id, found in flags.items() if found},
        forms=course.parallel_forms,
        topic_order={slug: index for index, slug in enumerate(course.tags)},
    )
    context.update(
        items=items,
        item_query=query,
        item_rows=items.rows,
        comparison=comparison.compare(db.session, cohort, course, current_user),
        reaction_count=reactions.answer_count(db.session, cohort.id),
        reaction_threshold=reactions.THRESHOLD,
        follow_up=follow_ups.results(db.session, cohort.id),
        follow_up_count=follow_ups.answer_count(db.session, cohort.id),
        follow_up_asked=follow_ups.asked_count(db.session, cohort.id),
        follow_up_threshold=follow_ups.THRESHOLD,
        follow_up_labels=follow_up_labels(),
    )
    return render_template("cohorts/report.html", **context)


def follow_up_labels() -> dict[str, list[tuple[str, str]]]:
    """The follow-up evaluation's answers and questions as the judges read them."""
    form = FollowUpForm(meta={"csrf": False})
    return {
        "frequency": [(choice.value, str(choice.label)) for choice in form.frequency.choices],
        "obstacles": [(choice.value, str(choice.label)) for choice in form.obstacles.choices],
        "texts": [(name, form[name].label.text) for name in follow_ups.TEXTS],
    }


def kept_pdf(
    cohort: Cohort,
    *,
    language: str,
    edition: str,
    fingerprint: str,
    file_name: str,
    job: tuple,
    preparing: dict[str, str],
):
    """A long PDF of the cohort (the report, the whole cohort's answer sheets) as its kept copy
    (``cohorts.documents``) when that copy is of ``fingerprint``; else "being prepared" (202, a
    page that refreshes itself, with ``preparing``'s title, message, crumb and way back) while
    ``job`` (the task and its arguments) renders it, queued once however often it is asked
    for. Only the requests that ask for a new rendering count against the trainer's limit:
    over it, a kept copy is still served."""
    now = utcnow()
    pdf, state = current_document(db.session, cohort.id, language, edition, fingerprint, now)
    if pdf is not None:
        return attachment(pdf, file_name, "application/pdf")
    if state == "needed":
        limit = parse(current_app.config["REPORT_PDF_RATE_LIMIT"])
        key = ("report-pdf", f"user:{current_user.get_id()}")
        if not limiter.limiter.hit(limit, *key):
            abort(429)
        if ask_for_document(db.session, cohort.id, language, edition, fingerprint, now):
            after_commit(db.session, *job)
    return render_template(
        "cohorts/pdf_preparing.html",
        cohort=cohort,
        pdf_url=url_for(request.endpoint, **request.view_args),
        **preparing,
    ), 202


def _report_pdf(cohort_id: int, edition: str):
    """The report (``edition`` "full" or "summary") as a PDF to attach to the training's final
    report. Rendering costs seconds of CPU, so a job does it (see :func:`kept_pdf`), in the
    trainer's language; served from its kept copy until the cohort changes."""
    cohort, course = load_cohort_or_404(cohort_id)
    language = str(get_locale())
    what = "report" if edition == "full" else "report-summary"
    return kept_pdf(
        cohort,
        language=language,
        edition=edition,
        fingerprint=report_fingerprint(db.session, cohort, course, language),
        file_name=_export_name(cohort, what, "pdf"),
        job=(tasks.render_report, cohort.id, language, edition),
        preparing={
            "title": _("The report as a PDF"),
            "message": _(
                "The PDF of the report is being prepared with the latest figures. This page "
                "refreshes by itself and the download starts when it is ready, usually within "
                "a minute."
            ),
            "crumb": _("Cohort report"),
            "back_url": url_for("cohorts.report_page", cohort_id=cohort.id),
            "back_label": _("Back to the report"),
        },
    )


@bp.route("/cohorts/<int:cohort_id>/report.pdf")
@role_required(Role.trainer)
def report_pdf(cohort_id: int):
    """The whole report as a PDF (see :func:`_report_pdf`)."""
    return _report_pdf(cohort_id, "full")


@bp.route("/cohorts/<int:cohort_id>/report-summary.pdf")
@role_required(Role.trainer)
def report_summary_pdf(cohort_id: int):
    """The report's summary as a PDF of a few pages: progress, scores and gains, topics, the
    distribution of scores and the flagged questions (see :func:`_report_pdf`)."""
    return _report_pdf(cohort_id, "summary")


def _items_table(items: list[report.ItemResult]):
    flags = _flag_labels()
    header = [
        _("Question"), _("Bank entry"), _("Topics"), _("Text"), _("Answers"),
        _("Facility"), _("Entry facility"), _("Entry answers"), _("Final facility"),
        _("Final answers"), _("Discrimination"), _("Too few answers"), _("Flags"),
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
            not item_listing.has_enough_answers(item),
            ", ".join(flags[flag] for flag in item.flags),
        ]  # fmt: skip
        for item in items
    )
    return header, body


@bp.route("/cohorts/<int:cohort_id>/items.<any(csv, xlsx):extension>")
@role_required(Role.trainer)
def items_export(cohort_id: int, extension: str):
    """The item analysis as CSV or XLSX."""
    cohort, course = load_cohort_or_404(cohort_id)
    header, body = _items_table(report.item_analysis(db.session, cohort.id, course))
    return _table_download(cohort, "item-analysis", _("Item analysis"), extension, header, body)
