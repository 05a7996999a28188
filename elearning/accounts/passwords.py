"""Password hashing with argon2id at the OWASP floor (m=19 MiB, t=2, p=1); ASVS 5.0 level 2."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's argon2id minimum. Raising any figure later is safe: verify_password reports old
# hashes as needing a rehash and sign-in upgrades them.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

# Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not a real password: equalises sign-in timing")


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, bool]:
    """Return (matches, needs_rehash). A missing hash never matches but takes the same time."""
    try:
        HASHER.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False, False
    if password_hash is None:
        return False, False
    return True, HASHER.check_needs_rehash(password_hash)
