"""Invitations to join a cohort, for judges named in a participants file.

A trainer's file asks; the judge answers. Nobody is added to a cohort, nor has an account
created for them, by someone else's upload: each row becomes an invitation, e-mailed to the
address, and the judge accepts (signing in, or choosing a password if the address has no
account yet) or declines. The trainer sees the invitation, never whether the address already
had an account, and nothing of the judge's record until they join. Flush, never commit; no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearning.accounts.logic import new_token, token_digest
from elearning.accounts.models import User
from elearning.audit.services import record_audit
from elearning.cohorts import tallies
from elearning.cohorts.models import Cohort, CohortInvitation, CohortMember
from elearning.cohorts.services import join_cohort
from elearning.content.model import Course


@dataclass(frozen=True)
class Invited:
    """What an import asked: the invitations to e-mail, and how many were members already."""

    invitations: list[CohortInvitation]
    already: int


def invite_participants(
    session: Session, cohort: Cohort, participants, *, invited_by: User, now: datetime
) -> Invited:
    """An invitation for every participant of a checked file who is not yet a member (a
    pending or declined one is renewed with the file's details)."""
    emails = [p.email for p in participants]
    existing = {
        invitation.email: invitation
        for invitation in _in_chunks(
            session,
            select(CohortInvitation).where(CohortInvitation.cohort_id == cohort.id),
            CohortInvitation.email,
            emails,
        )
    }
    members = member_emails(session, cohort.id, emails)
    invitations = []
    for participant in participants:
        if participant.email in members:
            continue
        invitation = existing.get(participant.email)
        if invitation is None:
            invitation = CohortInvitation(
                cohort_id=cohort.id, email=participant.email, created_at=now
            )
            session.add(invitation)
        invitation.name = participant.name
        invitation.country = participant.country
        invitation.institution = participant.institution
        invitation.position = participant.position
        invitation.language = participant.language
        invitation.invited_by_id = invited_by.id
        invitation.accepted_at = invitation.declined_at = invitation.user_id = None
        invitations.append(invitation)
    session.flush()
    return Invited(invitations, len(participants) - len(invitations))


def member_emails(session: Session, cohort_id: int, emails: list[str]) -> set[str]:
    """Which of these addresses belong to members of the cohort (whom the trainer sees)."""
    query = (
        select(User.email)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort_id)
    )
    return set(_in_chunks(session, query, User.email, emails))


def new_link(invitation: CohortInvitation, max_age: int, now: datetime) -> str:
    """A fresh secret for the invitation's e-mail; earlier links stop working."""
    token = new_token()
    invitation.token_hash = token_digest(token)
    invitation.expires_at = now + timedelta(seconds=max_age)
    return token


def find_by_link(session: Session, token: str, now: datetime) -> CohortInvitation | None:
    """The pending invitation a link opens, if the link is the latest and has not expired."""
    invitation = session.scalar(
        select(CohortInvitation).where(CohortInvitation.token_hash == token_digest(token[:200]))
    )
    if (
        invitation is None
        or invitation.state != "pending"
        or invitation.expires_at is None
        or invitation.expires_at <= now
    ):
        return None
    return invitation


def accept(
    session: Session, invitation: CohortInvitation, user: User, course: Course, now: datetime
) -> CohortMember:
    """The judge said yes: they join the cohort (keeping any progress in its course)."""
    cohort = session.get(Cohort, invitation.cohort_id)
    assert cohort is not None
    member, _ = join_cohort(session, cohort, user.id, course, via="csv")
    invitation.accepted_at = now
    invitation.user_id = user.id
    invitation.token_hash = None
    record_audit(
        session, actor=user, action="cohort.invitation_accepted", subject=cohort, details={}
    )
    return member


def decline(session: Session, invitation: CohortInvitation, now: datetime) -> None:
    """The judge said no: the trainer sees "declined", and the link stops working."""
    invitation.declined_at = now
    invitation.token_hash = None


def pending_of(session: Session, cohort_id: int) -> list[CohortInvitation]:
    """The cohort's invitations not accepted, newest first (the trainer's list)."""
    return list(
        session.scalars(
            select(CohortInvitation)
            .where(CohortInvitation.cohort_id == cohort_id, CohortInvitation.accepted_at.is_(None))
            .order_by(CohortInvitation.created_at.desc(), CohortInvitation.email)
        )
    )


def withdraw(session: Session, invitation: CohortInvitation, actor: User) -> None:
    """The trainer takes an invitation back: its link stops working."""
    cohort = session.get(Cohort, invitation.cohort_id)
    record_audit(
        session,
        actor=actor,
        action="cohort.invitation_withdrawn",
        subject=cohort,
        details={"email": invitation.email},
    )
    session.delete(invitation)
    session.flush()


def leave(session: Session, cohort: Cohort, member: CohortMember, user: User) -> None:
    """A judge leaves a cohort: its trainers no longer see them. What they did stays theirs."""
    session.delete(member)
    tallies.left(session, cohort.id, member.enrolment_id)
    session.execute(
        CohortInvitation.__table__.delete().where(
            CohortInvitation.cohort_id == cohort.id, CohortInvitation.user_id == user.id
        )
    )
    record_audit(session, actor=user, action="cohort.member_left", subject=cohort, details={})
    session.flush()


def _in_chunks(session: Session, query, column, values: list, size: int = 500) -> list:
    """``query`` filtered by ``column IN values``, a few hundred values at a time."""
    found = []
    for start in range(0, len(values), size):
        found.extend(session.scalars(query.where(column.in_(values[start : start + size]))))
    return found
