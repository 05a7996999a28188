"""Roles and account status: who may do what, and keeping the platform an admin.

Changing a role or disabling an account ends the account's open sessions and is audited; the
last active admin can be neither demoted nor disabled, even by two admins acting at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from elearning.accounts.models import Role, User
from elearning.audit.services import record_audit
from elearning.sqltypes import utcnow


class LastAdminError(ValueError):
    """Refused: the change would leave the platform without an active admin."""


def _is_last_active_admin(session: Session, user: User) -> bool:
    """Whether ``user`` is the only active admin. The active admins' rows are locked until the
    transaction ends (PostgreSQL), so two admins demoting each other at once are decided one
    after the other and the second sees that the first is gone."""
    if user.role != Role.admin or user.disabled_at is not None:
        return False
    admins = session.scalars(
        select(User.id)
        .where(User.role == Role.admin, User.disabled_at.is_(None))
        .order_by(User.id)
        .with_for_update()
    ).all()
    return not any(admin_id != user.id for admin_id in admins)


def _demote_keeping_an_admin(session: Session, user: User, **values: Any) -> None:
    """Write ``values`` to an active admin's row only if another active admin remains, in one
    statement: SQLite takes its write lock for the statement, so of two admins demoting each
    other at once the second sees the first already gone (there is no row lock to take)."""
    other = aliased(User)
    another_admin = (
        select(other.id)
        .where(other.role == Role.admin, other.disabled_at.is_(None), other.id != user.id)
        .exists()
    )
    done = session.execute(
        update(User)
        .where(User.id == user.id, another_admin)
        .values(session_version=User.session_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise LastAdminError
    session.refresh(user)


def change_role(session: Session, *, actor: User | None, user: User, role: Role) -> bool:
    """Give ``user`` a new role; returns False when it already had it. Audited."""
    if user.role == role:
        return False
    old = user.role
    if role != Role.admin and _is_last_active_admin(session, user):
        raise LastAdminError
    if old == Role.admin and user.disabled_at is None:
        _demote_keeping_an_admin(session, user, role=role)
    else:
        user.role = role
        # A demoted user's open sessions must not keep powers they no longer have.
        user.session_version += 1
    record_audit(
        session,
        actor=actor,
        action="user.role_changed",
        subject=user,
        details={"from": old.value, "to": role.value, "email": user.email},
    )
    return True


def set_disabled(session: Session, *, actor: User, user: User, disabled: bool) -> bool:
    """Disable or re-enable an account; disabling ends its sessions. Audited."""
    if (user.disabled_at is not None) == disabled:
        return False
    if disabled and _is_last_active_admin(session, user):
        raise LastAdminError
    if disabled and user.role == Role.admin:
        _demote_keeping_an_admin(session, user, disabled_at=utcnow())
    else:
        user.disabled_at = utcnow() if disabled else None
        user.session_version += 1
    record_audit(
        session,
        actor=actor,
        action="user.disabled" if disabled else "user.enabled",
        subject=user,
        details={"email": user.email},
    )
    return True


def role_counts(session: Session) -> dict[Role, int]:
    """How many active accounts hold each role."""
    rows = session.execute(
        select(User.role, func.count()).where(User.disabled_at.is_(None)).group_by(User.role)
    ).all()
    counts = {role: 0 for role in Role}
    counts.update({role: n for role, n in rows})
    return counts
