"""Demo data: one account per role, so a newcomer can try every part of the platform."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from elearning.accounts.models import Role
from elearning.accounts.services import (
    Profile,
    create_user,
    find_user_by_email,
    record_user_created,
    set_password,
)
from elearning.admin.services import change_role

DEMO_ACCOUNTS = (
    (
        "learner@demo.example.org",
        Role.learner,
        Profile("Hon. Judge Amina Yusuf", "KE", "High Court of Kenya", "Judge"),
    ),
    (
        "trainer@demo.example.org",
        Role.trainer,
        Profile("Prof. Carlos Méndez", "CL", "Academia Judicial de Chile", "Trainer"),
    ),
    (
        "admin@demo.example.org",
        Role.admin,
        Profile("Marie Dubois", "FR", "École nationale de la magistrature", "Programme officer"),
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo account as printed for the person who asked for it."""

    email: str
    role: Role
    is_new: bool


def seed_demo_accounts(session: Session, password: str) -> list[DemoAccount]:
    """Create the demo accounts if missing and set their password; safe to run again."""
    result = []
    for email, role, profile in DEMO_ACCOUNTS:
        user = find_user_by_email(session, email)
        is_new = user is None
        if user is None:
            user = create_user(
                session,
                email=email,
                password=password,
                profile=profile,
                role=role,
                is_confirmed=True,
            )
            record_user_created(session, actor=None, user=user, via="demo")
        else:
            set_password(session, user, password)
            user.disabled_at = None
            change_role(session, actor=None, user=user, role=role)
        result.append(DemoAccount(email=email, role=role, is_new=is_new))
    session.flush()
    return result
