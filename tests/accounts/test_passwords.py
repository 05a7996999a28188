"""Password hashing meets the OWASP ASVS 5.0 floor for argon2id."""

from argon2 import PasswordHasher, extract_parameters

from elearning.accounts.passwords import hash_password, verify_password


def test_hash_is_argon2id_at_or_above_the_asvs_floor():
    stored = hash_password("correct horse battery staple")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.memory_cost >= 19456
    assert params.time_cost >= 2
    assert params.parallelism >= 1
    assert "correct horse" not in stored


def test_verify_accepts_the_right_password_only():
    stored = hash_password("correct horse battery staple")
    assert verify_password(stored, "correct horse battery staple") == (True, False)
    assert verify_password(stored, "Correct horse battery staple") == (False, False)
    assert verify_password(None, "anything") == (False, False)
    assert verify_password("not a hash", "anything") == (False, False)


def test_weaker_old_hashes_are_flagged_for_upgrade():
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("old password 1")
    assert verify_password(weak, "old password 1") == (True, True)
