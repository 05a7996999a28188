"""The trainers' manual of a course, for its trainers."""

from __future__ import annotations

from flask import (
    abort,
    render_template,
)

from elearning.accounts.access import role_required
from elearning.accounts.models import Role
from elearning.catalog import get_catalog
from elearning.cohorts import (
    bp,
)
from elearning.content.model import Course

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
