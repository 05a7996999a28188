"""The audit log: who did what to which record, and when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearning.extensions import db
from elearning.sqltypes import UTCDateTime, utcnow

if TYPE_CHECKING:  # the actor is an account; the log does not depend on the accounts package
    from elearning.accounts.models import User


class AuditEvent(db.Model):
    """One entry of the append-only audit log."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship("User", foreign_keys=[actor_id])

    @property
    def details_text(self) -> str:
        """The details as recorded, "key: value" pairs, for a code no sentence tells."""
        if not isinstance(self.details, dict):
            return str(self.details or "")
        return "; ".join(f"{key}: {value}" for key, value in sorted(self.details.items()))
