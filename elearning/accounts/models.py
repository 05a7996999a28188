"""Users, their roles, and single-use account tokens (activation, password reset, invitations)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, Index, String, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearning import i18n
from elearning.extensions import db
from elearning.names import sort_name_of
from elearning.sqltypes import UTCDateTime, utcnow

_NAME_KEY = String(i18n.NAME_KEY_LENGTH).with_variant(
    String(i18n.NAME_KEY_LENGTH, collation="C"), "postgresql"
)


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
    sort_name: Mapped[str | None] = mapped_column(String(200))  # None: derived from the name
    #: The sort name's collation key (``i18n.name_key``), compared byte by byte ("C") everywhere.
    name_key: Mapped[str] = mapped_column(
        _NAME_KEY,
        default="",
        index=True,
    )
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

    @property
    def listed_as(self) -> str:
        """The name as lists sort it: the person's own sort name, else one derived from the
        certificate name (family name first)."""
        return self.sort_name or sort_name_of(self.certificate_name)

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


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_name_key(_mapper, _connection, user: User) -> None:
    """Work the sort key out again whenever the name or the sort name changes."""
    state = inspect(user)
    if (
        not user.name_key
        or state.attrs.certificate_name.history.has_changes()
        or state.attrs.sort_name.history.has_changes()
    ):
        user.name_key = i18n.name_key(user.listed_as)


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
