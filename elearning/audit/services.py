"""Writing to the audit log. Flush, never commit; no Flask."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from elearning.audit.models import AuditEvent
from elearning.sqltypes import utcnow

if TYPE_CHECKING:
    from elearning.accounts.models import User


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
