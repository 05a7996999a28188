"""Home page, dashboard and the health check used by load balancers."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from elearning.admin.forms import ROLE_LABELS
from elearning.admin.services import role_counts
from elearning.extensions import db
from elearning.site import bp


@bp.route("/")
def index():
    """The public front page; signed-in users go straight to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("site.dashboard"))
    return render_template("site/index.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    """One page per person, with a section for each role they hold."""
    counts = None
    if current_user.is_admin:
        counts = [(ROLE_LABELS[role], n) for role, n in role_counts(db.session).items()]
    return render_template("site/dashboard.html", role_counts=counts)


@bp.route("/healthz")
def healthz():
    """200 when the database answers, 503 with the reason when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return jsonify(status="error", database="unavailable", reason=reason), 503
    return jsonify(
        status="ok",
        database="ok",
        database_backend=db.engine.dialect.name,
        version=current_app.config["APP_VERSION"],
    )
