"""Admin use cases: roles, account status, and writing to the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, case, cast, func, or_, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from elearning.accounts.models import Role, User
from elearning.admin.models import AuditEvent
from elearning.assessments.models import Attempt
from elearning.certificates.models import Certificate
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow


def record_audit(
    session: Session,
    *,
    actor: User | None,
    action: str,
    subject: Any,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append an event; ``subject`` is any model with an ``id`` and a ``__tablename__``."""
    event = AuditEvent(
        at=at or utcnow(),
        actor_id=actor.id if actor else None,
        action=action,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event


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


def search_users(
    session: Session,
    *,
    query: str = "",
    role: Role | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[Sequence[User], int]:
    """One page of users matching a name/e-mail/institution fragment, and the total count."""
    where = []
    if query:
        pattern = f"%{query.strip().lower()}%"
        where.append(
            or_(
                func.lower(User.email).like(pattern),
                func.lower(User.certificate_name).like(pattern),
                func.lower(User.institution).like(pattern),
            )
        )
    if role is not None:
        where.append(User.role == role)
    total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    users = session.scalars(
        select(User)
        .where(*where)
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return users, total


def role_counts(session: Session) -> dict[Role, int]:
    """How many active accounts hold each role."""
    rows = session.execute(
        select(User.role, func.count()).where(User.disabled_at.is_(None)).group_by(User.role)
    ).all()
    counts = {role: 0 for role in Role}
    counts.update({role: n for role, n in rows})
    return counts


def recent_audit_events(
    session: Session, *, page: int = 1, per_page: int = 50, action: str | None = None
) -> tuple[Sequence[AuditEvent], int]:
    """One page of the audit log, newest first, with the actor loaded, and the total count."""
    where = [AuditEvent.action == action] if action else []
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    events = session.scalars(
        select(AuditEvent)
        .where(*where)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return events, total


@dataclass(frozen=True)
class CountryFigures:
    """One line of the platform figures: a country (None: not given) and its learners' results."""

    country: str | None
    learners: int
    enrolments: int
    completions: int  # enrolments whose final assessment is passed
    certificates: int  # certificates that stand (neither revoked nor superseded)
    mean_gain: float | None
    gains: int  # how many enrolments the mean gain is over


def platform_figures(session: Session) -> list[CountryFigures]:
    """Enrolments, completions, certificates and mean normalised gain per country: two
    aggregate queries over the whole platform."""
    pre = (
        select(Attempt.enrolment_id, func.max(Attempt.score).label("score"))
        .where(Attempt.kind == "pre", Attempt.score.is_not(None))
        .group_by(Attempt.enrolment_id)
        .subquery()
    )
    post = (
        select(
            Attempt.enrolment_id,
            func.max(Attempt.score).label("score"),
            func.max(case((Attempt.is_passed.is_(True), 1), else_=0)).label("passed"),
        )
        .where(Attempt.kind == "post", Attempt.score.is_not(None))
        .group_by(Attempt.enrolment_id)
        .subquery()
    )
    gain = case(
        (pre.c.score < 100, (cast(post.c.score, Float) - pre.c.score) / (100.0 - pre.c.score)),
        else_=None,
    )
    rows = session.execute(
        select(
            User.country,
            func.count(func.distinct(Enrolment.user_id)),
            func.count(),
            func.coalesce(func.sum(post.c.passed), 0),
            func.avg(gain),
            func.count(gain),
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(pre, pre.c.enrolment_id == Enrolment.id)
        .outerjoin(post, post.c.enrolment_id == Enrolment.id)
        .group_by(User.country)
    ).all()
    certificates = dict(
        session.execute(
            select(User.country, func.count())
            .select_from(Certificate)
            .join(User, User.id == Certificate.user_id)
            .where(Certificate.revoked_at.is_(None), Certificate.superseded_by_id.is_(None))
            .group_by(User.country)
        ).all()
    )
    figures = [
        CountryFigures(
            country=country,
            learners=learners,
            enrolments=enrolments,
            completions=int(passed),
            certificates=certificates.get(country, 0),
            mean_gain=mean_gain,
            gains=gains,
        )
        for country, learners, enrolments, passed, mean_gain, gains in rows
    ]
    return sorted(figures, key=lambda f: (-f.enrolments, f.country or "~"))


def total_figures(countries: Sequence[CountryFigures]) -> CountryFigures:
    """The platform's totals from the per-country lines (the mean gain weighted by judges)."""
    gains = sum(f.gains for f in countries)
    weighted = sum((f.mean_gain or 0.0) * f.gains for f in countries)
    return CountryFigures(
        country=None,
        learners=sum(f.learners for f in countries),
        enrolments=sum(f.enrolments for f in countries),
        completions=sum(f.completions for f in countries),
        certificates=sum(f.certificates for f in countries),
        mean_gain=weighted / gains if gains else None,
        gains=gains,
    )
