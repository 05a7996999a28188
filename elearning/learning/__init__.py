"""Enrolment, lesson progress, knowledge checks and the learner's pages."""

from flask import Blueprint

bp = Blueprint("learning", __name__, url_prefix="/courses")
