"""Home page, dashboard and the health check used by load balancers."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from elearning.accounts.access import safe_next
from elearning.accounts.forms import ROLE_LABELS
from elearning.accounts.roles import role_counts
from elearning.assessments import services as assessment_services
from elearning.catalog import get_catalog
from elearning.certificates.renewal import renewable_certificates
from elearning.cohorts.follow_ups import link_token
from elearning.cohorts.services import cohorts_of_learner
from elearning.content import ContentInvalid
from elearning.extensions import db, limiter
from elearning.i18n import LANGUAGE_NAMES
from elearning.learning import logic as learning_logic
from elearning.learning import services as learning_services
from elearning.site import bp
from elearning.sqltypes import utcnow


@bp.route("/")
def index():
    """The public front page; signed-in users go straight to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("site.dashboard"))
    return render_template(
        "site/index.html",
        courses=get_catalog().courses,
        issuer=current_app.config["CERTIFICATE_ISSUER"],
        language_names=LANGUAGE_NAMES,
    )


@bp.post("/language")
def choose_language():
    """The switcher in every page's header: a signed-in user's choice becomes their preference
    (kept across devices); a visitor's lasts for the session. Back to the page it was made on."""
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        current_user.preferred_language = language
    session["language"] = language
    return redirect(safe_next(request.form.get("next")) or url_for("site.index"), code=303)


@bp.route("/dashboard")
@login_required
def dashboard():
    """One page per person, with a section for each role they hold."""
    counts = None
    now = utcnow()
    if current_user.is_admin:
        counts = [(ROLE_LABELS[role], n) for role, n in role_counts(db.session).items()]
    return render_template(
        "site/dashboard.html",
        role_counts=counts,
        courses=_my_courses(current_user.id),
        cohorts=cohorts_of_learner(db.session, current_user.id),
        follow_up_token=follow_up_token,
        now=now,
        renewals=renewable_certificates(db.session, current_user.id, get_catalog().course, now),
    )


def follow_up_token(cohort_id: int) -> str:
    """The signed part of the signed-in judge's link to a cohort's follow-up evaluation (the
    one they were e-mailed)."""
    return link_token(current_app.config["SECRET_KEY"], cohort_id, current_user.id)


def _my_courses(user_id: int) -> list[tuple]:
    """(course, progress, lesson to continue with, next step, standing) for each course the
    user takes; two queries however many courses."""
    catalog = get_catalog()
    enrolments = learning_services.enrolled_courses(db.session, user_id)
    attempts = assessment_services.attempts_by_enrolment(
        db.session, [enrolment.enrolment_id for enrolment in enrolments]
    )
    now = utcnow()
    courses = []
    for enrolment in enrolments:
        course = catalog.course(enrolment.course_slug)
        if course is None:  # withdrawn from the content: nothing to show or continue
            continue
        times = enrolment.completed_at
        progress = learning_logic.course_progress(
            course, learning_logic.done_by_module(course, times)
        )
        next_lesson = learning_logic.continue_lesson(course, times)
        standing = assessment_services.standing_from(
            course,
            attempts[enrolment.enrolment_id],
            progress.is_complete,
            now,
            enrolment.extra_attempts,
        )
        step = standing.next_step(course, next_lesson is not None)
        courses.append((course, progress, next_lesson, step, standing))
    return courses


@bp.route("/healthz")
def healthz():
    """200 when the database answers and the content is loaded; 503 with the reason if not."""
    try:
        courses = len(get_catalog().courses)
    except ContentInvalid as exc:
        return jsonify(status="error", content="invalid", errors=len(exc.errors)), 503
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return jsonify(status="error", database="unavailable", reason=reason), 503
    # Rate limits fall back to each process's memory when their store is down: the platform
    # keeps serving, but the limits are per process until it returns. Say so.
    limits = "ok" if limiter.storage.check() else "unavailable: counting per process"
    return jsonify(
        status="ok" if limits == "ok" else "degraded",
        database="ok",
        rate_limits=limits,
        courses=courses,
        database_backend=db.engine.dialect.name,
        version=current_app.config["APP_VERSION"],
    )
