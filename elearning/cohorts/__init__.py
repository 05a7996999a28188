"""Cohorts: a trainer's group of judges, their enrolment, reports and exports."""

from flask import Blueprint

bp = Blueprint("cohorts", __name__)
