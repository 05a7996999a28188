"""The self-directed course: the whole course as one printable page and as a stored PDF.

A PDF is rendered once per course content version and language and kept in the instance
folder; later requests are served from the file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, render_template, send_file
from flask_babel import force_locale

from elearning.content.markup import print_anchor
from elearning.content.model import Course
from elearning.learning.logic import check_options
from elearning.pdf import render_pdf, stored_pdf

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "print.css"


def render_course_html(course: Course, language: str, *, for_pdf: bool) -> str:
    """The printable course in ``language`` (lessons without a translation stay in English)."""
    with force_locale(language):
        return render_template(
            "learning/print.html",
            course=course,
            language=language,
            for_pdf=for_pdf,
            anchor=print_anchor,
            generated_on=datetime.now(UTC).date(),
            # One order for every reader of the printed course, not the order written.
            check_options=lambda check: check_options("print", check),
            sources_for=course.sources_for,
        )


def pdf_path(course: Course, language: str) -> Path:
    """Where the PDF of this content version and language is kept."""
    folder = Path(current_app.instance_path) / "documents"
    return folder / f"{course.slug}-{course.content_version}-{language}.pdf"


def build_course_pdf(course: Course, language: str) -> tuple[Path, bool]:
    """The stored PDF, rendering it first if needed; (path, whether it was rendered now)."""
    return stored_pdf(
        pdf_path(course, language),
        lambda: render_pdf(
            render_course_html(course, language, for_pdf=True),
            STYLESHEET.read_text(encoding="utf-8"),
        ),
    )


def send_course_pdf(course: Course, language: str):
    """Send the stored PDF (conditional requests answered with 304)."""
    path, _ = build_course_pdf(course, language)
    response = send_file(
        path,
        mimetype="application/pdf",
        download_name=f"{course.slug}-{language}.pdf",
        conditional=True,
        etag=path.stem,
        max_age=3600,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
