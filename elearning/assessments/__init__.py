"""Entry and final assessments: attempts, answers saved as the learner goes, scoring, results."""

from flask import Blueprint

bp = Blueprint("assessments", __name__, url_prefix="/courses")
