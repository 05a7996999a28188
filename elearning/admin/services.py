"""Admin use cases: finding accounts, the platform's figures (the audit log: auditlog). Roles and
account status are the accounts package's (accounts.roles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func, or_, select
from sqlalchemy.orm import Session

from elearning.accounts.models import Role, User
from elearning.assessments.models import Attempt
from elearning.certificates.models import Certificate
from elearning.learning.models import Enrolment
from elearning.sqltypes import contains_folded


def search_users(
    session: Session,
    *,
    query: str = "",
    role: Role | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[Sequence[User], int]:
    """One page of users matching a name/e-mail/institution fragment, and the total count."""
    where = []
    if query:
        where.append(
            or_(
                contains_folded(User.email, query),
                contains_folded(User.certificate_name, query),
                contains_folded(User.institution, query),
            )
        )
    if role is not None:
        where.append(User.role == role)
    total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    users = session.scalars(
        select(User)
        .where(*where)
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return users, total


@dataclass(frozen=True)
class CountryFigures:
    """One line of the platform figures: a country (None: not given) and its learners' results."""

    country: str | None
    learners: int
    enrolments: int
    completions: int  # enrolments whose final assessment is passed
    certificates: int  # certificates that stand (neither revoked nor superseded)
    mean_gain: float | None
    gains: int  # how many enrolments the mean gain is over


def platform_figures(session: Session) -> list[CountryFigures]:
    """Enrolments, completions, certificates and mean normalised gain per country: two
    aggregate queries over the whole platform."""
    pre = (
        select(Attempt.enrolment_id, func.max(Attempt.score).label("score"))
        .where(Attempt.kind == "pre", Attempt.score.is_not(None))
        .group_by(Attempt.enrolment_id)
        .subquery()
    )
    post = (
        select(
            Attempt.enrolment_id,
            func.max(Attempt.score).label("score"),
            func.max(case((Attempt.is_passed.is_(True), 1), else_=0)).label("passed"),
        )
        .where(Attempt.kind == "post", Attempt.score.is_not(None))
        .group_by(Attempt.enrolment_id)
        .subquery()
    )
    gain = case(
        (pre.c.score < 100, (cast(post.c.score, Float) - pre.c.score) / (100.0 - pre.c.score)),
        else_=None,
    )
    rows = session.execute(
        select(
            User.country,
            func.count(func.distinct(Enrolment.user_id)),
            func.count(),
            func.coalesce(func.sum(post.c.passed), 0),
            func.avg(gain),
            func.count(gain),
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(pre, pre.c.enrolment_id == Enrolment.id)
        .outerjoin(post, post.c.enrolment_id == Enrolment.id)
        .group_by(User.country)
    ).all()
    certificates = dict(
        session.execute(
            select(User.country, func.count())
            .select_from(Certificate)
            .join(User, User.id == Certificate.user_id)
            .where(Certificate.revoked_at.is_(None), Certificate.superseded_by_id.is_(None))
            .group_by(User.country)
        ).all()
    )
    figures = [
        CountryFigures(
            country=country,
            learners=learners,
            enrolments=enrolments,
            completions=int(passed),
            certificates=certificates.get(country, 0),
            mean_gain=mean_gain,
            gains=gains,
        )
        for country, learners, enrolments, passed, mean_gain, gains in rows
    ]
    return sorted(figures, key=lambda f: (-f.enrolments, f.country or "~"))


def total_figures(countries: Sequence[CountryFigures]) -> CountryFigures:
    """The platform's totals from the per-country lines (the mean gain weighted by judges)."""
    gains = sum(f.gains for f in countries)
    weighted = sum((f.mean_gain or 0.0) * f.gains for f in countries)
    return CountryFigures(
        country=None,
        learners=sum(f.learners for f in countries),
        enrolments=sum(f.enrolments for f in countries),
        completions=sum(f.completions for f in countries),
        certificates=sum(f.certificates for f in countries),
        mean_gain=weighted / gains if gains else None,
        gains=gains,
    )
