"""The learner's pages: catalog, course, module, lesson, knowledge checks, printable course."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearning.catalog import get_catalog
from elearning.extensions import db
from elearning.learning import bp, documents, logic, services
from elearning.learning.access import (
    course_language,
    load_course_or_404,
    load_lesson_or_404,
    load_module_or_404,
    refuse_not_enrolled,
    require_enrolment,
)
from elearning.learning.forms import CheckForm, CompletionForm, EnrolForm


def _lesson_url(course, lesson, **anchor) -> str:
    return url_for(
        "learning.lesson",
        course_slug=course.slug,
        module_slug=lesson.module_slug,
        lesson_slug=lesson.slug,
        **anchor,
    )


#: What the packages above learning add to an enrolled judge's course page, so learning need not
#: know them: each is called with (course, enrolment, progress, next lesson) and returns template
#: values (assessments adds the judge's ``standing`` and next ``step``).
COURSE_PAGE_PARTS: list[Callable[..., dict]] = []


def _refuse_before_pre_assessment(course, enrolment) -> None:
    """403 with a link to the entry assessment, while it stands before the lessons."""
    if course.needs_pre_assessment and enrolment.pre_taken_at is None:
        page = render_template(
            "learning/pre_first.html", course=course, language=course_language(course)
        )
        abort(make_response(page, 403))


def _refuse_if_locked(course, lesson, enrolment) -> None:
    """403 when the entry assessment or a sequential course has not opened this lesson yet."""
    _refuse_before_pre_assessment(course, enrolment)
    if course.is_sequential:
        times = services.completion_times(db.session, [enrolment.id])[enrolment.id]
        if logic.lesson_lock(course, lesson, times) is not None:
            abort(403)


def _progress_of(course, enrolment):
    """The enrolment's progress (one aggregate query), or None when not enrolled."""
    if enrolment is None:
        return None
    done = services.done_by_module(db.session, [enrolment.id], get_catalog())[enrolment.id]
    return logic.course_progress(course, done)


@bp.route("/")
def catalog():
    """Every course, with the learner's progress in those they take."""
    courses = get_catalog().courses
    progress = {}
    if current_user.is_authenticated:
        enrolments = services.user_enrolments(db.session, current_user.id)
        done = services.done_by_module(db.session, [e.id for e in enrolments], get_catalog())
        for enrolment in enrolments:
            course = get_catalog().course(enrolment.course_slug)
            if course is not None:
                progress[course.slug] = logic.course_progress(course, done[enrolment.id])
    return render_template("learning/catalog.html", courses=courses, progress=progress)


@bp.route("/<course_slug>")
def course(course_slug: str):
    """A course's overview: modules, time estimates, and the learner's progress."""
    course = load_course_or_404(course_slug)
    enrolment = progress = next_lesson = None
    parts: dict = {"standing": None, "step": "lesson"}
    if current_user.is_authenticated:
        enrolment = services.find_enrolment(db.session, current_user.id, course.slug)
        if enrolment is not None:
            progress = _progress_of(course, enrolment)
            times = services.completion_times(db.session, [enrolment.id])[enrolment.id]
            next_lesson = logic.continue_lesson(course, times)
            for part in COURSE_PAGE_PARTS:
                parts.update(part(course, enrolment, progress, next_lesson))
    return render_template(
        "learning/course.html",
        course=course,
        language=course_language(course),
        enrolment=enrolment,
        progress=progress,
        next_lesson=next_lesson,
        **parts,
    )


@bp.route("/<course_slug>/sources")
def sources(course_slug: str):
    """The official texts the course teaches from, with their editions and addresses."""
    course = load_course_or_404(course_slug)
    if not course.sources:
        abort(404)
    return render_template("learning/sources.html", course=course, language=course_language(course))


@bp.post("/<course_slug>/enrol")
@login_required
def enrol(course_slug: str):
    """Enrol the signed-in user in an open course, then open its first lesson."""
    course = load_course_or_404(course_slug)
    form = EnrolForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("learning.course", course_slug=course.slug))
    if not course.is_open:
        flash(
            _("This course is taken through a cohort: ask your trainer for a join code."), "error"
        )
        return redirect(url_for("learning.course", course_slug=course.slug))
    services.enrol(db.session, current_user.id, course)
    flash(_("You are enrolled. Welcome to the course."), "success")
    if course.needs_pre_assessment:
        return redirect(url_for("assessments.overview", course_slug=course.slug, kind="pre"))
    return redirect(_lesson_url(course, course.lessons[0]))


#: What a media file may do when opened on its own: nothing (an SVG's scripts never run).
MEDIA_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.route("/<course_slug>/media/<file_name>")
@login_required
def media(course_slug: str, file_name: str):
    """A figure, video, recording or captions file of a course's lessons, for its judges. Its
    address carries the file's hash, so it is kept by the browser until the file changes."""
    course = load_course_or_404(course_slug)
    file = course.media.get(file_name)
    if file is None:
        abort(404)
    require_enrolment(course)
    response = send_file(file.path, mimetype=file.mime, conditional=True, etag=file.digest)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = MEDIA_POLICY
    return response


@bp.route("/<course_slug>/<module_slug>")
@login_required
def module(course_slug: str, module_slug: str):
    """A module: its objectives and lessons, with ticks for those complete."""
    course = load_course_or_404(course_slug)
    module = load_module_or_404(course, module_slug)
    enrolment = require_enrolment(course)
    times = services.completion_times(db.session, [enrolment.id])[enrolment.id]
    return render_template(
        "learning/module.html",
        course=course,
        module=module,
        language=course_language(course),
        progress=_progress_of(course, enrolment),
        completed=times,
        # The module's first lesson not yet complete: where "Start" or "Continue" leads.
        next_lesson=next((each for each in module.lessons if each.slug not in times), None),
    )


@bp.route("/<course_slug>/<module_slug>/<lesson_slug>")
@login_required
def lesson(course_slug: str, module_slug: str, lesson_slug: str):
    """A lesson to read, with its knowledge checks and the button to mark it complete.

    The page a judge spends the course on, so it costs two queries: the user, and the
    learner's progress with their answers to the lesson's checks (one query).
    """
    course = load_course_or_404(course_slug)
    lesson = load_lesson_or_404(course, module_slug, lesson_slug)
    state = services.lesson_state(db.session, current_user.id, course, lesson)
    if state is None:
        refuse_not_enrolled(course)
    language = course_language(course)
    if not state.pre_taken:
        return render_template("learning/pre_first.html", course=course, language=language), 403
    if course.is_sequential and state.earlier_done < lesson.position:
        times = services.completion_times(db.session, [state.enrolment_id])[state.enrolment_id]
        blocker = logic.lesson_lock(course, lesson, times)
        return render_template(
            "learning/locked.html", course=course, lesson=lesson, blocker=blocker, language=language
        ), 403
    previous, following = logic.neighbours(course, lesson)
    text = lesson.text(language)
    return render_template(
        "learning/lesson.html",
        course=course,
        module=course.module(lesson.module_slug),
        lesson=lesson,
        text=text,
        contents=logic.contents(text.blocks),
        language=language,
        progress=logic.course_progress(course, state.done_by_module),
        is_complete=state.is_done,
        answers=state.answers,
        check_options=lambda check: logic.check_options(state.enrolment_id, check),
        sources=course.sources_for(lesson),
        previous=previous,
        following=following,
    )


@bp.post("/<course_slug>/<module_slug>/<lesson_slug>/complete")
@login_required
def complete(course_slug: str, module_slug: str, lesson_slug: str):
    """Mark the lesson complete and go on to the next one (or mark it not complete again)."""
    course = load_course_or_404(course_slug)
    lesson = load_lesson_or_404(course, module_slug, lesson_slug)
    enrolment = require_enrolment(course)
    here = _lesson_url(course, lesson)
    form = CompletionForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(here)
    _refuse_if_locked(course, lesson, enrolment)
    if form.state.data == "incomplete":
        services.mark_incomplete(db.session, enrolment, lesson)
        flash(_("The lesson is marked as not complete."), "info")
        return redirect(here)
    services.mark_complete(db.session, enrolment, lesson, course.content_version)
    following = logic.neighbours(course, lesson)[1]
    if following is None:
        flash(_("Lesson complete. You have reached the end of the lessons."), "success")
        return redirect(url_for("learning.course", course_slug=course.slug))
    flash(_("Lesson complete."), "success")
    return redirect(_lesson_url(course, following))


@bp.post("/<course_slug>/<module_slug>/<lesson_slug>/checks/<check_id>")
@login_required
def answer(course_slug: str, module_slug: str, lesson_slug: str, check_id: str):
    """Record an answer to a knowledge check and show its feedback.

    Without JavaScript the browser comes back to the check on the lesson page; with it, the
    page's script asks for the check alone and puts it in place.
    """
    course = load_course_or_404(course_slug)
    lesson = load_lesson_or_404(course, module_slug, lesson_slug)
    language = course_language(course)
    # The check as the judge reads it (its ids, options and right answers are the same in
    # every language; its words are not).
    check = next((c for c in lesson.text(language).checks if c.id == check_id), None)
    if check is None:
        abort(404)
    enrolment = require_enrolment(course)
    _refuse_if_locked(course, lesson, enrolment)
    form = CheckForm(check)
    inline = request.headers.get("X-Requested-With") == "fetch"
    answer = None
    if form.validate_on_submit():
        answer = services.answer_check(db.session, enrolment, check, form.selected_keys)
    elif not inline:
        # The field's own message ("Choose one answer.", ...), else the CSRF token failed.
        flash(
            form.selected.errors[0]
            if form.selected.errors
            else _("The form had expired. Please try again."),
            "error",
        )
    if inline:
        if answer is None:
            answer = services.check_answers(db.session, enrolment.id, [check]).get(check.id)
        fragment = render_template(
            "learning/_check.html",
            course=course,
            lesson=lesson,
            check=check,
            answer=answer,
            form=form,
            language=language,
            check_options=lambda check: logic.check_options(enrolment.id, check),
        )
        return fragment, 200 if form.errors == {} else 422
    return redirect(_lesson_url(course, lesson, _anchor=f"check-{check.id}"))


@bp.route("/<course_slug>/print")
@login_required
def printable(course_slug: str):
    """The whole course as one page to read offline or print (the self-directed version)."""
    course = load_course_or_404(course_slug)
    _refuse_before_pre_assessment(course, require_enrolment(course))
    language = _document_language(course)
    return documents.render_course_html(course, language, for_pdf=False)


@bp.route("/<course_slug>/print.pdf")
@login_required
def printable_pdf(course_slug: str):
    """The self-directed course as a PDF, rendered once per content version and language."""
    course = load_course_or_404(course_slug)
    _refuse_before_pre_assessment(course, require_enrolment(course))
    language = _document_language(course)
    return documents.send_course_pdf(course, language)


def _document_language(course) -> str:
    requested = request.args.get("lang")
    if requested is None:
        return course_language(course)
    if requested not in course.languages:
        abort(404)
    return requested
