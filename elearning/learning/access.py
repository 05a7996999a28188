"""Who may open which course page: the checks every learning view goes through."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, make_response, render_template
from flask_babel import get_locale
from flask_login import current_user

from elearning.catalog import get_catalog
from elearning.content.model import Course, Lesson, Module
from elearning.extensions import db
from elearning.learning.models import Enrolment
from elearning.learning.services import find_enrolment


def load_course_or_404(course_slug: str) -> Course:
    """The course at this address, or 404."""
    course = get_catalog().course(course_slug)
    if course is None:
        abort(404)
    return course


def load_module_or_404(course: Course, module_slug: str) -> Module:
    """The module at this address, or 404."""
    module = course.module(module_slug)
    if module is None:
        abort(404)
    return module


def load_lesson_or_404(course: Course, module_slug: str, lesson_slug: str) -> Lesson:
    """The lesson at this address, or 404."""
    lesson = course.lesson(module_slug, lesson_slug)
    if lesson is None:
        abort(404)
    return lesson


def require_enrolment(course: Course) -> Enrolment:
    """The signed-in user's enrolment in ``course``; else a page saying how to enrol (403)."""
    enrolment = find_enrolment(db.session, current_user.id, course.slug)
    if enrolment is None:
        refuse_not_enrolled(course)
    return enrolment


def refuse_not_enrolled(course: Course) -> NoReturn:
    """Stop the request with a page that says how to enrol (403)."""
    page = render_template(
        "learning/not_enrolled.html", course=course, language=course_language(course)
    )
    abort(make_response(page, 403))


def course_language(course: Course) -> str:
    """The language to show the course in: the page's, if the course is offered in it."""
    language = str(get_locale() or "en").split("_")[0]
    return language if language in course.languages else "en"
