"""The pure account rules."""

import pytest

from elearning.accounts.logic import (
    PasswordProblem,
    is_common_password,
    normalise_email,
    password_problem,
    token_digest,
)


def test_emails_compare_without_case_or_surrounding_space():
    assert normalise_email("  Amina.Yusuf@Judiciary.GO.KE ") == "amina.yusuf@judiciary.go.ke"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short7!", PasswordProblem.too_short),
        ("x" * 1025, PasswordProblem.too_long),
        ("password", PasswordProblem.common),
        ("Password1", PasswordProblem.common),
        ("qwertyuiop", PasswordProblem.common),
        ("amina.yusuf", PasswordProblem.personal),
        ("hon. judge amina", PasswordProblem.personal),
        ("correct horse battery staple", None),
        ("x" * 1024, None),
        ("قاضٍ-مستقل-نزيه", None),
    ],
)
def test_password_policy(password, problem):
    assert (
        password_problem(password, email="Amina.Yusuf@court.ke", name="Hon. Judge Amina") is problem
    )


def test_common_password_list_is_large_and_case_insensitive():
    assert is_common_password("DRAGON")
    assert not is_common_password("tribunal-of-seven-lanterns")


def test_token_digest_is_stable_and_not_the_token():
    assert token_digest("abc") == token_digest("abc")
    assert token_digest("abc") != "abc"
    assert len(token_digest("abc")) == 64
