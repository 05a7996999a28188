"""The assessment pages: overview, one page per bank entry, review and submit, results.

Nothing sent before an attempt is submitted carries a right answer, a weight or an explanation:
options are numbered by their position on the page and scored on the server.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearning.assessments import bp, gates, logic, services
from elearning.assessments.forms import (
    BadAnswer,
    PageForm,
    StartForm,
    SubmitForm,
    read_answers,
)
from elearning.assessments.models import Attempt
from elearning.catalog import get_catalog
from elearning.content.itemtypes import item_type
from elearning.content.model import Course
from elearning.extensions import db
from elearning.learning import services as learning_services
from elearning.learning import views as learning_views
from elearning.learning.access import (
    course_language,
    load_course_or_404,
    require_enrolment,
)
from elearning.sqltypes import utcnow
from elearning.web.templating import when

KINDS = "<any(pre, post):kind>"


def _lessons_done(enrolment_id: int) -> int:
    done = learning_services.done_by_module(db.session, [enrolment_id], get_catalog())
    return sum(done[enrolment_id].values())


def _standing(course: Course, enrolment_id: int, lessons_done: int | None = None):
    if lessons_done is None:
        lessons_done = _lessons_done(enrolment_id)
    complete = lessons_done >= len(course.lessons)
    return services.standing(db.session, course, enrolment_id, complete, utcnow())


def _load_attempt(course: Course, attempt_id: int, *, lock: bool = False) -> Attempt:
    """The signed-in learner's attempt in this course; anyone else's is 404. ``lock``: its row
    locked until the request commits (a save or a submit)."""
    attempt = services.find_attempt(db.session, attempt_id, current_user.id, course.slug, lock=lock)
    if attempt is None:
        abort(404)
    return attempt


def _refusal_message(reason: str, until=None) -> str:
    messages = {
        "locked": _("The final assessment opens once every lesson is complete."),
        "exhausted": _("You have used every attempt at the final assessment."),
        "passed": _("You have already passed the final assessment."),
        "taken": _("The entry assessment is taken once, and you have taken it."),
        "closed": _("The entry assessment can no longer be taken: the final one has begun."),
        "submitted": _("This attempt is already submitted; it counts once."),
        "time": _(
            "The time limit has passed. Answers sent after it are not recorded; the attempt "
            "was closed with the answers saved before the limit."
        ),
        "question": _("That answer is not for a question of this attempt. Nothing was saved."),
        "bank": _(
            "The question bank has too few questions left to draw this assessment. "
            "Please tell the course administrator."
        ),
        "missing": _("This course has no such assessment."),
        gates.WAITING: _("Your trainer opens this assessment in the room."),
        gates.CLOSED: _(
            "This assessment was closed by your trainer. Ask your trainer if you have not taken it."
        ),
    }
    if reason == "cooldown" and until is not None:
        return _("You can try again from %(when)s.", when=when(until))
    return messages.get(reason, messages["missing"])


@bp.route(f"/<course_slug>/assessment/{KINDS}")
@login_required
def overview(course_slug: str, kind: str):
    """What the assessment is, the learner's attempts, and the button to start or resume."""
    course = load_course_or_404(course_slug)
    form = course.form(kind)
    if form is None:
        abort(404)
    enrolment = require_enrolment(course)
    lessons_done = _lessons_done(enrolment.id)
    # An attempt whose time ran out is closed and scored here, and kept by the request's
    # commit: one of the GETs that write (DESIGN.md, "Transactions").
    current = _standing(course, enrolment.id, lessons_done)
    availability = current.availability(kind)
    # Asked only when a new attempt would begin: one in progress is never held back.
    held = (
        gates.start_gate().refusal(db.session, enrolment.id, kind)
        if availability is not None and availability.state == "available"
        else None
    )
    bank = course.bank
    # Pages and questions a sitting holds: with matched forms, those of the forms (when they all
    # hold the same); drawn from a blueprint, its pages (their questions vary).
    forms = (
        list(course.parallel_forms.values())
        if bank is not None and form is not None and form.parallel
        else []
    )
    pages = {len(entries) for entries in forms} or {form.size if form is not None else 0}
    counts = {
        sum(len(bank.entries[e].questions) for e in entries if e in bank.entries)
        for entries in forms
    }
    return render_template(
        "assessments/overview.html",
        course=course,
        kind=kind,
        form=form,
        page_count=max(pages),
        question_count=counts.pop() if len(counts) == 1 else None,
        language=course_language(course),
        standing=current,
        availability=availability,
        held=held,
        attempts=current.pre if kind == "pre" else current.post,
        lessons_done=lessons_done,
        message=_refusal_message,
        start_form=StartForm(),
    )


@bp.post(f"/<course_slug>/assessment/{KINDS}/start")
@login_required
def start(course_slug: str, kind: str):
    """Start an attempt (or resume the one in progress) and open its first unfinished page."""
    course = load_course_or_404(course_slug)
    if course.form(kind) is None:
        abort(404)
    enrolment = require_enrolment(course)
    back = url_for("assessments.overview", course_slug=course.slug, kind=kind)
    if not StartForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(back)
    current = _standing(course, enrolment.id)
    try:
        attempt = services.start_attempt(
            db.session, course, enrolment.id, kind, current, utcnow(), gate=gates.start_gate()
        )
    except services.AssessmentRefused as refused:
        flash(_refusal_message(refused.reason, refused.until), "error")
        return redirect(back)
    return redirect(_page_url(course, attempt, attempt.position + 1))


def _page_url(course: Course, attempt: Attempt, page: int) -> str:
    return url_for(
        "assessments.page", course_slug=course.slug, attempt_id=attempt.id, page_number=page
    )


def _results_url(course: Course, attempt: Attempt) -> str:
    return url_for("assessments.results", course_slug=course.slug, attempt_id=attempt.id)


def _page_questions(course: Course, entry_id: str):
    entry = course.bank.entries.get(entry_id) if course.bank else None
    return entry, (entry.questions if entry else ())


@bp.route(
    "/<course_slug>/assessment/attempts/<int:attempt_id>/<int:page_number>",
    methods=["GET", "POST"],
)
@login_required
def page(course_slug: str, attempt_id: int, page_number: int):
    """One page of an open attempt: a question, or a case and its questions.

    POST saves every answer of the page, then goes where the button said. The page's script
    posts the same form on every change (``go=stay``) so that nothing is lost between pages.
    """
    course = load_course_or_404(course_slug)
    attempt = _load_attempt(course, attempt_id, lock=request.method == "POST")
    inline = request.headers.get("X-Requested-With") == "fetch"
    now = utcnow()
    if not attempt.is_open or logic.is_expired(attempt.deadline_at, now):
        if attempt.is_open:
            services.submit_attempt(db.session, course, attempt, now)
        reason = "submitted" if attempt.closed_by != "time" else "time"
        if inline:
            return jsonify(error=_refusal_message(reason)), 409
        if request.method == "POST" or reason == "time":
            flash(_refusal_message(reason), "error")
        return redirect(_results_url(course, attempt))
    responses = services.responses_of(db.session, attempt.id)
    entries = services.entry_order(responses)
    if not 1 <= page_number <= len(entries):
        abort(404)
    entry, questions = _page_questions(course, entries[page_number - 1])
    orders = {q.id: logic.option_order(attempt.seed, q) for q in questions}
    form = PageForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            error = _("The form had expired, so this page was not saved. Please answer again.")
        else:
            try:
                answers = read_answers(request.form, questions, orders)
                services.save_answers(
                    db.session, course, attempt, page_number - 1, answers, utcnow(), locked=True
                )
            except BadAnswer as bad:
                error = str(bad)
            except services.AssessmentRefused as refused:
                if inline:
                    return jsonify(error=_refusal_message(refused.reason)), 409
                flash(_refusal_message(refused.reason), "error")
                return redirect(_results_url(course, attempt))
        if error is None:
            if inline:
                return jsonify(saved=True, saved_at=format_datetime(utcnow(), "HH:mm:ss"))
            return redirect(_after_save(course, attempt, page_number, len(entries), form.go.data))
        db.session.rollback()
        if inline:
            return jsonify(error=error), 422
    selected = {r.question_id: r.selected_keys for r in responses}
    answered = _answered_pages(responses)
    return render_template(
        "assessments/page.html",
        course=course,
        attempt=attempt,
        entry=entry,
        questions=questions,
        orders=orders,
        widgets={q.id: item_type(q).widget for q in questions},
        selected=selected,
        page_number=page_number,
        page_count=len(entries),
        answered=answered,
        language=course_language(course),
        form=form,
        error=error,
        deadline=attempt.deadline_at,
        now=now,
    ), (422 if error else 200)


def _answered_pages(responses) -> list[bool]:
    """For each page, whether every question on it has an answer."""
    pages: dict[int, bool] = {}
    for response in responses:
        pages[response.position] = pages.get(response.position, True) and bool(response.selected)
    return [pages[position] for position in sorted(pages)]


def _after_save(course: Course, attempt: Attempt, page_number: int, count: int, go: str) -> str:
    if go == "prev":
        return _page_url(course, attempt, max(1, page_number - 1))
    if go and go.isdigit() and 1 <= int(go) <= count:
        return _page_url(course, attempt, int(go))
    if go == "review" or (go == "next" and page_number >= count):
        return url_for("assessments.review", course_slug=course.slug, attempt_id=attempt.id)
    if go == "stay":
        return _page_url(course, attempt, page_number)
    return _page_url(course, attempt, min(count, page_number + 1))


@bp.route("/<course_slug>/assessment/attempts/<int:attempt_id>/review")
@login_required
def review(course_slug: str, attempt_id: int):
    """Before submitting: which pages are answered, and the submit button."""
    course = load_course_or_404(course_slug)
    attempt = _load_attempt(course, attempt_id)
    if not attempt.is_open or logic.is_expired(attempt.deadline_at, utcnow()):
        return redirect(_page_url(course, attempt, 1))
    responses = services.responses_of(db.session, attempt.id)
    answered = _answered_pages(responses)
    return render_template(
        "assessments/review.html",
        course=course,
        attempt=attempt,
        answered=answered,
        unanswered=sum(1 for r in responses if not r.selected),
        question_count=len(responses),
        language=course_language(course),
        submit_form=SubmitForm(),
        deadline=attempt.deadline_at,
        now=utcnow(),
    )


@bp.post("/<course_slug>/assessment/attempts/<int:attempt_id>/submit")
@login_required
def submit(course_slug: str, attempt_id: int):
    """Submit the attempt: scored once, however many times the button is pressed."""
    course = load_course_or_404(course_slug)
    attempt = _load_attempt(course, attempt_id, lock=True)
    if not SubmitForm().validate_on_submit():
        flash(_("The form had expired. Please press “Submit my answers” again."), "error")
        return redirect(
            url_for("assessments.review", course_slug=course.slug, attempt_id=attempt.id)
        )
    now = utcnow()
    was_late = logic.is_expired(attempt.deadline_at, now)
    if not services.submit_attempt(db.session, course, attempt, now, locked=True):
        flash(_refusal_message("submitted"), "info")
    else:
        if was_late:
            flash(_refusal_message("time"), "error")
        else:
            flash(_("Your answers are submitted."), "success")
    return redirect(_results_url(course, attempt))


@bp.route("/<course_slug>/assessment/attempts/<int:attempt_id>/results")
@login_required
def results(course_slug: str, attempt_id: int):
    """Score, pass or fail, the breakdown by tag beside the entry assessment's, the change in
    points since it, and a review of every question."""
    course = load_course_or_404(course_slug)
    attempt = _load_attempt(course, attempt_id)
    current = _standing(course, attempt.enrolment_id)
    if attempt.is_open:
        return redirect(_page_url(course, attempt, attempt.position + 1))
    bank = course.bank
    assert bank is not None
    responses = services.responses_of(db.session, attempt.id)
    credits = {r.question_id: r.credit for r in responses if r.credit is not None}
    tags = logic.by_tag(bank, credits)
    baseline = next((a for a in current.pre if a.score is not None), None)
    baseline_tags = {}
    if baseline is not None and baseline.id != attempt.id:
        pre_responses = services.responses_of(db.session, baseline.id)
        baseline_tags = logic.by_tag(
            bank, {r.question_id: r.credit for r in pre_responses if r.credit is not None}
        )
    # The judge reads the change in points; the normalised gain is the trainers' measure.
    points = (
        round(attempt.score - baseline.score)
        if attempt.kind == "post" and baseline is not None and attempt.score is not None
        else None
    )
    missed_only = request.args.get("missed") == "1"
    review = services.review(bank, responses, missed_only=missed_only)
    # The topics below the pass mark, weakest first, each with the lessons that teach it.
    weak = [
        (slug, tags[slug].percent, [lesson for lesson in course.lessons if slug in lesson.tags])
        for slug in sorted(tags, key=lambda slug: tags[slug].percent)
        if slug in course.tags and tags[slug].percent < course.assessment.pass_mark
    ][:3]
    return render_template(
        "assessments/results.html",
        course=course,
        attempt=attempt,
        standing=current,
        tags=tags,
        tag_order=[slug for slug in course.tags if slug in tags or slug in baseline_tags],
        baseline=baseline if baseline is not None and baseline.id != attempt.id else None,
        baseline_tags=baseline_tags,
        points=points,
        entries=review.entries,
        numbers=review.numbers,
        missed_only=missed_only,
        missed_count=review.missed,
        weak=weak if attempt.kind == "post" and not attempt.is_passed else [],
        orders=review.orders(attempt.seed),
        show_answers=logic.shows_answers(
            course.assessment, attempt.kind, current.post_availability
        ),
        language=course_language(course),
    )


def _course_page_part(course, enrolment, progress, next_lesson) -> dict:
    """The judge's assessments on their course page: where they stand, and the next step."""
    attempts = services.attempts_of(db.session, enrolment.id)
    standing = services.standing_from(
        course, attempts, progress.is_complete, utcnow(), enrolment.extra_attempts
    )
    return {"standing": standing, "step": standing.next_step(course, next_lesson is not None)}


if _course_page_part not in learning_views.COURSE_PAGE_PARTS:
    learning_views.COURSE_PAGE_PARTS.append(_course_page_part)
