"""Users, their roles, and single-use account tokens (activation, password reset, invitations)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearning.extensions import db
from elearning.sqltypes import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """A capability set: each role can do everything the ones before it can."""

    learner = "learner"
    trainer = "trainer"
    admin = "admin"

    def includes(self, other: Role) -> bool:
        """Whether this role has every capability of ``other``."""
        order = list(Role)
        return order.index(self) >= order.index(other)


class User(UserMixin, db.Model):
    """A person with an account: a judge taking the course, a trainer, an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    certificate_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    institution: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    preferred_language: Mapped[str | None] = mapped_column(String(8))
    time_zone: Mapped[str | None] = mapped_column(String(64))  # None: the academy's
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, validate_strings=True), default=Role.learner
    )
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tokens: Mapped[list[AccountToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def get_id(self) -> str:
        """Flask-Login's session id: the version makes sign-out end every copy of the cookie."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None and self.email_confirmed_at is not None

    def has_role(self, role: Role) -> bool:
        """Whether the user holds ``role`` or one that includes it."""
        return self.role.includes(role)

    @property
    def is_trainer(self) -> bool:
        return self.has_role(Role.trainer)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.admin)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class TokenPurpose(enum.StrEnum):
    """What a single-use link in an e-mail lets its holder do."""

    confirm_email = "confirm_email"
    reset_password = "reset_password"  # noqa: S105 - a purpose name, not a password  # nosec B105
    invitation = "invitation"  # a participant added by a trainer sets a first password


class AccountToken(db.Model):
    """A single-use, expiring secret sent by e-mail; only its SHA-256 is stored."""

    __tablename__ = "account_tokens"
    __table_args__ = (Index("ix_account_tokens_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[TokenPurpose] = mapped_column(
        Enum(TokenPurpose, native_enum=False, length=32, validate_strings=True)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An activation link carries the sign-up it confirms (its password hash and profile), so
    # whoever owns the mailbox activates the account with their own password, not with that
    # of someone who signed up with the address first.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    user: Mapped[User] = relationship(back_populates="tokens")
