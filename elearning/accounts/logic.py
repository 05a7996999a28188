"""Pure account rules: e-mail normalisation, the password policy, token digests."""

from __future__ import annotations

import enum
import hashlib
import secrets
from functools import cache

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORDS_CHECKED = 30000


class PasswordProblem(enum.Enum):
    """Why a new password is refused."""

    too_short = "too_short"
    too_long = "too_long"
    common = "common"
    personal = "personal"


def normalise_email(email: str) -> str:
    """The form in which e-mails are stored and compared: trimmed and case-insensitive."""
    return email.strip().lower()


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most frequent passwords from public breach corpora.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_CHECKED])


def is_common_password(password: str) -> bool:
    """Whether the password, ignoring case, is one of the most used ones."""
    return password.lower() in _common_passwords()


def password_problem(password: str, *, email: str = "", name: str = "") -> PasswordProblem | None:
    """The first reason the password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return PasswordProblem.too_short
    if len(password) > MAX_PASSWORD_LENGTH:
        return PasswordProblem.too_long
    if is_common_password(password):
        return PasswordProblem.common
    lowered = password.lower()
    personal = {normalise_email(email), normalise_email(email).split("@")[0], name.lower()}
    if lowered in {p for p in personal if p}:
        return PasswordProblem.personal
    return None


def new_token() -> str:
    """A random, URL-safe secret for a link (256 bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a token: a stolen database gives no usable link."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
