"""Account use cases. They take a session and plain values, flush at most, and never commit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from elearning.accounts.logic import new_token, normalise_email, token_digest
from elearning.accounts.models import AccountToken, Role, TokenPurpose, User
from elearning.accounts.passwords import hash_password, verify_password
from elearning.audit.services import record_audit
from elearning.sqltypes import utcnow


@dataclass(frozen=True)
class Profile:
    """What a person tells us about themselves; the certificate name is printed as given."""

    certificate_name: str
    country: str | None = None
    institution: str = ""
    position: str = ""
    preferred_language: str | None = None
    time_zone: str | None = None
    sort_name: str | None = None  # None: derived from the certificate name


@dataclass(frozen=True)
class SignUpOutcome:
    """What sign-up did, and so which e-mail to send: "activate" (with the sign-up to confirm)
    or "already_registered". The page shown is the same either way."""

    user: User
    mail: str
    pending: dict[str, Any] | None = None
    is_new_account: bool = False


def find_user_by_email(session: Session, email: str) -> User | None:
    """The account with this e-mail, compared case-insensitively."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def issue_token(
    session: Session,
    user: User,
    purpose: TokenPurpose,
    max_age: int,
    now: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> str:
    """Create a single-use token; returns the secret, of which only a digest is stored."""
    now = now or utcnow()
    token = new_token()
    session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + timedelta(seconds=max_age),
            payload=payload,
        )
    )
    session.flush()
    return token


def find_valid_token(
    session: Session, token: str, purpose: TokenPurpose, now: datetime | None = None
) -> AccountToken | None:
    """The unused, unexpired token matching ``token``, without using it up."""
    now = now or utcnow()
    return session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_digest(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    )


def consume_token(
    session: Session, token: str, purpose: TokenPurpose, now: datetime | None = None
) -> User | None:
    """Use a token up and return its user; None if unknown, used or expired."""
    used = use_token(session, token, purpose, now)
    return used[0] if used else None


def use_token(
    session: Session, token: str, purpose: TokenPurpose, now: datetime | None = None
) -> tuple[User, dict[str, Any] | None] | None:
    """Use a token up: its user and payload; None if unknown, used or expired.

    A single conditional UPDATE marks it used, so two simultaneous requests with the same link
    cannot both succeed.
    """
    now = now or utcnow()
    row = session.execute(
        update(AccountToken)
        .where(
            AccountToken.token_hash == token_digest(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(AccountToken.user_id, AccountToken.payload)
    ).one_or_none()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return (user, row.payload) if user is not None else None


def _retire_tokens(session: Session, user: User, purpose: TokenPurpose, now: datetime) -> None:
    session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )


def create_user(
    session: Session,
    *,
    email: str,
    password: str | None,
    profile: Profile,
    role: Role = Role.learner,
    is_confirmed: bool = False,
    now: datetime | None = None,
) -> User:
    """Add an account. Callers check first that the e-mail is free."""
    now = now or utcnow()
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password) if password is not None else None,
        certificate_name=profile.certificate_name.strip(),
        country=profile.country or None,
        institution=profile.institution.strip(),
        position=profile.position.strip(),
        preferred_language=profile.preferred_language or None,
        role=role,
        created_at=now,
        password_changed_at=now if password is not None else None,
        email_confirmed_at=now if is_confirmed else None,
    )
    session.add(user)
    session.flush()
    return user


def _pending_sign_up(password_hash: str, profile: Profile) -> dict[str, Any]:
    return {"password_hash": password_hash, "profile": asdict(profile)}


def sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    profile: Profile,
    now: datetime | None = None,
) -> SignUpOutcome:
    """Register a learner who must confirm the e-mail address before signing in.

    The same work is done whether or not the address has an account (the password is hashed
    either way, and one e-mail is queued), so neither the page nor its timing tells who exists.
    An account never activated gets this sign-up's password and profile only through the link
    mailed for it: whoever signed up with the address first cannot keep theirs.
    """
    now = now or utcnow()
    password_hash = hash_password(password)
    existing = find_user_by_email(session, email)
    if existing is not None:
        if existing.email_confirmed_at is None and existing.disabled_at is None:
            # Until activation, sign-in uses the latest sign-up's password, so its owner hears
            # "not active yet"; activation applies the sign-up its link was mailed for.
            existing.password_hash = password_hash
            return SignUpOutcome(existing, "activate", _pending_sign_up(password_hash, profile))
        return SignUpOutcome(existing, "already_registered")
    user = create_user(session, email=email, password=None, profile=profile, now=now)
    user.password_hash = password_hash
    return SignUpOutcome(
        user, "activate", _pending_sign_up(password_hash, profile), is_new_account=True
    )


def confirm_email(session: Session, token: str, now: datetime | None = None) -> User | None:
    """Activate the account a confirmation link belongs to, with the password and profile of
    the sign-up the link was mailed for; None if the link is not valid."""
    now = now or utcnow()
    used = use_token(session, token, TokenPurpose.confirm_email, now)
    if used is None or used[0].disabled_at is not None:
        return None
    user, pending = used
    if user.email_confirmed_at is None:
        if pending:
            user.password_hash = pending["password_hash"]
            user.password_changed_at = now
            _apply_profile(user, Profile(**pending["profile"]))
        user.email_confirmed_at = now
    _retire_tokens(session, user, TokenPurpose.confirm_email, now)
    return user


def authenticate(
    session: Session, email: str, password: str, now: datetime | None = None
) -> User | None:
    """The user these credentials belong to, or None. Takes as long for unknown e-mails."""
    user = find_user_by_email(session, email)
    matches, needs_rehash = verify_password(user.password_hash if user else None, password)
    if user is None or not matches:
        return None
    if needs_rehash:
        user.password_hash = hash_password(password)
    user.last_login_at = now or utcnow()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session cookie of ``user``, on every host (sign-out everywhere)."""
    user.session_version += 1


def set_password(session: Session, user: User, new_password: str, now: datetime | None = None):
    """Store a new password, end every session, and void outstanding reset links."""
    now = now or utcnow()
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    end_sessions(user)
    _retire_tokens(session, user, TokenPurpose.reset_password, now)


def change_password(
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    now: datetime | None = None,
) -> bool:
    """Change the password if ``current_password`` is right; False otherwise."""
    matches, _ = verify_password(user.password_hash, current_password)
    if not matches:
        return False
    set_password(session, user, new_password, now)
    return True


def reset_candidate(session: Session, email: str) -> User | None:
    """The account a reset link may be mailed to: the one with this e-mail, if not disabled."""
    user = find_user_by_email(session, email)
    return user if user is not None and user.disabled_at is None else None


def start_password_reset(
    session: Session, email: str, max_age: int, now: datetime | None = None
) -> tuple[User, str] | None:
    """A reset link for the account with this e-mail, or None if there is no usable account."""
    user = reset_candidate(session, email)
    if user is None:
        return None
    return user, issue_token(session, user, TokenPurpose.reset_password, max_age, now)


def reset_password(
    session: Session, token: str, new_password: str, now: datetime | None = None
) -> User | None:
    """Set a new password through a reset link; None if the link is unknown, used or expired."""
    now = now or utcnow()
    user = consume_token(session, token, TokenPurpose.reset_password, now)
    if user is None or user.disabled_at is not None:
        return None
    set_password(session, user, new_password, now)
    # Receiving the link proves the mailbox is theirs.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


def accept_invitation(
    session: Session, token: str, new_password: str, now: datetime | None = None
) -> User | None:
    """Set the first password of an account a trainer created; None if the link is unknown,
    used or expired. The e-mail that carried the link proves the address."""
    now = now or utcnow()
    user = consume_token(session, token, TokenPurpose.invitation, now)
    if user is None or user.disabled_at is not None:
        return None
    set_password(session, user, new_password, now)
    _retire_tokens(session, user, TokenPurpose.invitation, now)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


def _apply_profile(user: User, profile: Profile) -> None:
    user.certificate_name = profile.certificate_name.strip()
    user.country = profile.country or None
    user.institution = profile.institution.strip()
    user.position = profile.position.strip()
    user.preferred_language = profile.preferred_language or None
    user.time_zone = profile.time_zone or None
    user.sort_name = " ".join((profile.sort_name or "").split()) or None


def update_profile(session: Session, user: User, profile: Profile) -> None:
    """Save profile changes. Issued certificates are frozen records and do not change."""
    _apply_profile(user, profile)
    session.flush()


# Built once: every signed-in request loads its user with it.
_USER_BY_ID = select(User).where(User.id == bindparam("id"))


def load_session_user(session: Session, session_id: str) -> User | None:
    """The user behind a session id ``"<user id>:<session version>"``, if still current."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = session.execute(_USER_BY_ID, {"id": int(user_id)}).scalar_one_or_none()
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def record_user_created(session: Session, *, actor: User | None, user: User, via: str) -> None:
    """Audit the creation of an account with powers (CLI, demo, admin)."""
    record_audit(
        session,
        actor=actor,
        action="user.created",
        subject=user,
        details={"email": user.email, "role": user.role.value, "via": via},
    )
