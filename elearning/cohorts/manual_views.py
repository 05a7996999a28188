"""The trainers' manual of a course, for its trainers: on screen, and as a PDF for printing."""

from __future__ import annotations

from pathlib import Path

from flask import (
    abort,
    current_app,
    render_template,
    request,
    send_file,
)
from flask_babel import force_locale, get_locale

from elearning.accounts.access import role_required
from elearning.accounts.models import Role
from elearning.catalog import get_catalog
from elearning.cohorts import (
    bp,
)
from elearning.content.model import Course, TrainerPage, TrainerText
from elearning.pdf import render_pdf, stored_pdf

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "manual-print.css"

# --- the trainers' manual ---------------------------------------------------------------------


def render_manual_pdf(text: TrainerText) -> bytes:
    """A manual page in one language as an A4 PDF: its title and body, nothing of the site."""
    with force_locale(text.language):
        html = render_template("cohorts/manual_page_pdf.html", text=text)
    return render_pdf(html, STYLESHEET.read_text(encoding="utf-8"))


def _course_or_404(course_slug: str) -> Course:
    course = get_catalog().course(course_slug)
    if course is None or not course.trainer_pages:
        abort(404)
    return course


def _page_or_404(course: Course, page_slug: str) -> TrainerPage:
    page = course.trainer_page(page_slug)
    if page is None:
        abort(404)
    return page


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
    page = _page_or_404(course, page_slug)
    index = course.trainer_pages.index(page)
    return render_template(
        "cohorts/manual_page.html",
        course=course,
        page=page,
        # The PDF in each language the page is written in: a handout goes to the judges in
        # theirs, which need not be the trainer's.
        pdf_languages=[language for language in course.languages if language in page.texts],
        previous=course.trainer_pages[index - 1] if index > 0 else None,
        following=course.trainer_pages[index + 1]
        if index + 1 < len(course.trainer_pages)
        else None,
    )


@bp.route("/trainers/<course_slug>/<page_slug>.pdf")
@role_required(Role.trainer)
def manual_page_pdf(course_slug: str, page_slug: str):
    """One page of the manual as an A4 PDF for printing, in the trainer's language or in
    ``lang``; a horizontal rule in the page starts a new printed page (one role card a sheet).
    Rendered once per content version and language, then served from the instance folder."""
    course = _course_or_404(course_slug)
    page = _page_or_404(course, page_slug)
    language = request.args.get("lang")
    if language is not None and language not in page.texts:
        abort(404)
    text = page.text(language or str(get_locale()))
    folder = Path(current_app.instance_path) / "documents"
    path = folder / f"manual-{course.slug}-{course.content_version}-{page.slug}-{text.language}.pdf"

    stored_pdf(path, lambda: render_manual_pdf(text))
    response = send_file(
        path,
        mimetype="application/pdf",
        download_name=f"{page.slug}-{text.language}.pdf",
        conditional=True,
        etag=path.stem,
        max_age=3600,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
