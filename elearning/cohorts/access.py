"""Who may open which cohort: the one loader every trainer page goes through."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from elearning.catalog import get_catalog
from elearning.cohorts import services
from elearning.cohorts.models import Cohort, CohortMember
from elearning.content.model import Course
from elearning.extensions import db


def load_cohort_or_404(cohort_id: int) -> tuple[Cohort, Course]:
    """The cohort if the current user trains it (or is an admin), with its course; else 404."""
    cohort = services.find_visible_cohort(db.session, current_user, cohort_id)
    if cohort is None:
        abort(404)
    course = get_catalog().course(cohort.course_slug)
    if course is None:  # the course was taken out of the content: nothing to report on
        abort(404)
    return cohort, course


def load_member_or_404(cohort: Cohort, member_id: int) -> CohortMember:
    """A judge of ``cohort`` (already loaded through :func:`load_cohort_or_404`); another
    cohort's member is the same 404 as a guess."""
    member = db.session.scalar(
        select(CohortMember).where(
            CohortMember.id == member_id, CohortMember.cohort_id == cohort.id
        )
    )
    if member is None:
        abort(404)
    return member
