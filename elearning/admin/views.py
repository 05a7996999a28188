"""Admin pages: users and roles, the audit log and its export, the platform's figures."""

from __future__ import annotations

import json
from datetime import UTC
from zoneinfo import ZoneInfo

from babel import Locale
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from elearning.accounts import roles
from elearning.accounts.access import role_required
from elearning.accounts.forms import ROLE_LABELS
from elearning.accounts.models import Role, User
from elearning.admin import auditlog, bp, sentences, services
from elearning.admin.forms import AccountStatusForm, RoleForm
from elearning.catalog import get_catalog
from elearning.certificates import admin_views as certificate_admin_views
from elearning.cohorts.models import Cohort
from elearning.cohorts.services import all_cohort_figures
from elearning.extensions import db
from elearning.sqltypes import utcnow
from elearning.web.downloads import attachment
from elearning.web.pagination import PER_PAGE, current_page
from elearning.web.tables import csv_stream, to_csv


def _load_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@role_required(Role.admin)
def users():
    """Search and list accounts."""
    query = request.args.get("q", "")[:200]
    role_value = request.args.get("role", "")
    role = Role(role_value) if role_value in Role.__members__ else None
    page = current_page()
    found, total = services.search_users(
        db.session, query=query, role=role, page=page, per_page=PER_PAGE
    )
    return render_template(
        "admin/users.html",
        users=found,
        total=total,
        page=page,
        per_page=PER_PAGE,
        query=query,
        role=role,
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.admin)
def user(user_id: int):
    """One account: its profile, role and status."""
    user = _load_user_or_404(user_id)
    form = RoleForm(data={"role": user.role.value})
    if form.validate_on_submit():
        try:
            changed = roles.change_role(
                db.session, actor=current_user, user=user, role=Role(form.role.data)
            )
        except roles.LastAdminError:
            db.session.rollback()
            flash(
                _("The platform needs at least one active admin. Make another admin first."),
                "error",
            )
            return redirect(url_for("admin.user", user_id=user.id))
        if changed:
            flash(
                _(
                    "The role of %(email)s is now %(role)s.",
                    email=user.email,
                    role=ROLE_LABELS[user.role],
                ),
                "success",
            )
        return redirect(url_for("admin.user", user_id=user.id))
    return render_template(
        "admin/user.html",
        user=user,
        form=form,
        status_form=AccountStatusForm(),
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/<int:user_id>/status", methods=["POST"])
@role_required(Role.admin)
def user_status(user_id: int):
    """Disable or re-enable an account."""
    user = _load_user_or_404(user_id)
    form = AccountStatusForm()
    if not form.validate_on_submit():
        abort(400)
    disable = user.disabled_at is None
    try:
        roles.set_disabled(db.session, actor=current_user, user=user, disabled=disable)
    except roles.LastAdminError:
        db.session.rollback()
        flash(_("The platform needs at least one active admin. Make another admin first."), "error")
        return redirect(url_for("admin.user", user_id=user.id))
    flash(
        _("The account is disabled and signed out everywhere.")
        if disable
        else _("The account is enabled again."),
        "success",
    )
    return redirect(url_for("admin.user", user_id=user.id))


FILTER_PROBLEMS = {
    "action": _l("That action is not one the log records; the action filter is ignored."),
    "cohort": _l("There is no such cohort; the cohort filter is ignored."),
    "from": _l("The first day is not a date (YYYY-MM-DD); it is ignored."),
    "to": _l("The last day is not a date (YYYY-MM-DD); it is ignored."),
    "range": _l("The first day is after the last day; the dates are ignored."),
}


def _audit_filter() -> tuple[auditlog.AuditFilter, list[str], list[str]]:
    """The filter the query asks for, the problems with it, and every action code to offer."""
    actions = sorted(set(sentences.SENTENCES) | auditlog.recorded_actions(db.session))
    chosen, refused = auditlog.read_filter(
        db.session, request.args, actions=actions, zone=ZoneInfo(str(get_timezone()))
    )
    return chosen, [str(FILTER_PROBLEMS[name]) for name in refused], actions


@bp.route("/audit")
@role_required(Role.admin)
def audit_log():
    """The audit log in plain words, newest first, filtered by action, person, certificate,
    cohort and days."""
    chosen, problems, actions = _audit_filter()
    page = current_page()
    events, total = auditlog.audit_page(db.session, chosen, page=page, per_page=PER_PAGE)
    return render_template(
        "admin/audit.html",
        entries=sentences.describe(db.session, events),
        total=total,
        page=page,
        per_page=PER_PAGE,
        chosen=chosen,
        problems=problems,
        actions=[(code, _action_label(code)) for code in actions],
        cohorts=db.session.scalars(select(Cohort).order_by(Cohort.name, Cohort.id)).all(),
    )


def _action_label(code: str) -> str:
    labels = sentences.ACTION_LABELS
    return str(labels[code]) if code in labels else code


@bp.route("/audit.csv")
@role_required(Role.admin)
def audit_csv():
    """The filtered audit log as CSV: codes and raw details for machines, the sentence for
    people; written as it is read."""
    chosen, _problems, _actions = _audit_filter()
    header = [
        _("When (UTC)"), _("Action"), _("Who (account)"), _("Who (e-mail)"), _("Record type"),
        _("Record"), _("Details (JSON)"), _("In plain words"),
    ]  # fmt: skip

    def rows():
        for batch in auditlog.audit_batches(db.session, chosen):
            for entry in sentences.describe(db.session, batch):
                yield _csv_row(entry)

    response = Response(
        stream_with_context(csv_stream(header, rows())), mimetype="text/csv; charset=utf-8"
    )
    filename = f"audit-log-{utcnow().date()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _csv_row(entry: sentences.Entry) -> list:
    event = entry.event
    return [
        event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        event.action,
        event.actor_id,
        entry.actor.email if entry.actor else "",
        event.subject_type,
        event.subject_id,
        json.dumps(event.details, ensure_ascii=False, sort_keys=True),
        entry.text,
    ]


def _country_name(code: str | None) -> str:
    if not code:
        return _("Not given")
    locale = get_locale() or Locale("en")
    return locale.territories.get(code, code)


@bp.route("/figures")
@role_required(Role.admin)
def figures():
    """Platform-wide figures: learners by country, enrolments, completions, certificates, gain;
    and every cohort."""
    countries = services.platform_figures(db.session)
    return render_template(
        "admin/figures.html",
        countries=countries,
        totals=services.total_figures(countries),
        cohorts=all_cohort_figures(db.session),
        catalog=get_catalog(),
        country_name=_country_name,
    )


@bp.route("/figures.csv")
@role_required(Role.admin)
def figures_csv():
    """The figures by country as CSV."""
    rows = (
        [
            f.country or "",
            _country_name(f.country),
            f.learners,
            f.enrolments,
            f.completions,
            f.certificates,
            f.mean_gain,
            f.gains,
        ]
        for f in services.platform_figures(db.session)
    )
    header = [
        _("Country code"), _("Country"), _("Learners"), _("Enrolments"), _("Completions"),
        _("Certificates"), _("Mean normalised gain"), _("Judges with both scores"),
    ]  # fmt: skip
    return attachment(to_csv(header, rows), f"platform-figures-{utcnow().date()}.csv", "text/csv")


@bp.route("/cohorts.csv")
@role_required(Role.admin)
def cohorts_csv():
    """Every cohort as CSV."""
    header = [
        _("Cohort"), _("Name"), _("Course"), _("Site"), _("Starts on"), _("Ends on"),
        _("Judges"), _("Passed"),
    ]  # fmt: skip
    rows = (
        [
            f.cohort.id,
            f.cohort.name,
            f.cohort.course_slug,
            f.cohort.site,
            f.cohort.starts_on,
            f.cohort.ends_on,
            f.members,
            f.passed,
        ]  # fmt: skip
        for f in all_cohort_figures(db.session)
    )
    return attachment(to_csv(header, rows), f"cohorts-{utcnow().date()}.csv", "text/csv")


if not certificate_admin_views.HISTORY_IN_WORDS:
    certificate_admin_views.HISTORY_IN_WORDS.append(sentences.describe)
