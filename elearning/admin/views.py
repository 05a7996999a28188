"""Admin pages: users and roles, the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearning.accounts.access import role_required
from elearning.accounts.models import Role, User
from elearning.admin import bp, services
from elearning.admin.forms import ROLE_LABELS, AccountStatusForm, RoleForm
from elearning.extensions import db

PER_PAGE = 50


def current_page() -> int:
    """The ``page`` query argument of a paginated list, at least 1."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


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
            changed = services.change_role(
                db.session, actor=current_user, user=user, role=Role(form.role.data)
            )
        except services.LastAdminError:
            db.session.rollback()
            flash(
                _("The platform needs at least one active admin. Make another admin first."),
                "error",
            )
            return redirect(url_for("admin.user", user_id=user.id))
        db.session.commit()
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
        services.set_disabled(db.session, actor=current_user, user=user, disabled=disable)
    except services.LastAdminError:
        db.session.rollback()
        flash(_("The platform needs at least one active admin. Make another admin first."), "error")
        return redirect(url_for("admin.user", user_id=user.id))
    db.session.commit()
    flash(
        _("The account is disabled and signed out everywhere.")
        if disable
        else _("The account is enabled again."),
        "success",
    )
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/audit")
@role_required(Role.admin)
def audit_log():
    """The audit log, newest first."""
    action = request.args.get("action", "")[:64] or None
    page = current_page()
    events, total = services.recent_audit_events(
        db.session, page=page, per_page=PER_PAGE, action=action
    )
    return render_template(
        "admin/audit.html",
        events=events,
        total=total,
        page=page,
        per_page=PER_PAGE,
        action=action,
    )
