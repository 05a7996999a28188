"""The certificate ceremony of a cohort: the certificates that stand, in the order they are
handed out (family name, or serial), bound into one PDF for the print shop, read out from a list,
and announced to their holders by e-mail, once each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearning import i18n
from elearning.accounts.models import User
from elearning.certificates.models import Certificate
from elearning.cohorts.models import Cohort, CohortMember
from elearning.names import sort_name_of
from elearning.outbox.models import OutboxMessage
from elearning.outbox.services import queue_message

#: How the certificates are ordered: by the holder's family name (roster order), or by serial.
ORDERS = ("name", "serial")
#: The e-mail telling a judge their certificate is ready (one per certificate, ever).
NOTICE_KIND = "cohort_certificate_ready"


@dataclass(frozen=True)
class CeremonyCertificate:
    """One certificate to hand out: whose, under which serial, the name it prints."""

    id: int
    serial: str
    holder_name: str
    user_id: int


def standing_certificates(
    session: Session, cohort_id: int, order: str = "name", alphabet: str | None = None
) -> list[CeremonyCertificate]:
    """The certificates of the cohort's judges that stand (not revoked, not replaced), by serial,
    or by the holder's family name: in any script (``User.name_key``), or, given an
    ``alphabet`` (a language), as its readers file names (``i18n.alphabet_key``: names in its
    script first). A cohort holds at most a few thousand: sorted here, not in SQL."""
    ordering = (
        (Certificate.serial,)
        if order == "serial"
        else (User.name_key, Certificate.holder_name, Certificate.serial)
    )
    rows = session.execute(
        select(Certificate.id, Certificate.serial, Certificate.holder_name, User.id, User.sort_name)
        .join(CohortMember, CohortMember.enrolment_id == Certificate.enrolment_id)
        .join(User, User.id == CohortMember.user_id)
        .where(
            CohortMember.cohort_id == cohort_id,
            Certificate.revoked_at.is_(None),
            Certificate.superseded_by_id.is_(None),
        )
        .order_by(*ordering)
    ).all()
    if order != "serial" and alphabet is not None:
        rows.sort(
            key=lambda row: (
                i18n.alphabet_key(row.sort_name or sort_name_of(row.holder_name), alphabet),
                row.serial,
            )
        )
    return [CeremonyCertificate(*row[:4]) for row in rows]


def judges_language(session: Session, cohort_id: int) -> str | None:
    """The interface language most of the cohort's judges chose (ties: the first in the
    platform's list), or None when none chose one."""
    counts = Counter(
        dict(
            session.execute(
                select(User.preferred_language, func.count())
                .join(CohortMember, CohortMember.user_id == User.id)
                .where(
                    CohortMember.cohort_id == cohort_id,
                    User.preferred_language.in_(i18n.LANGUAGE_NAMES),
                )
                .group_by(User.preferred_language)
            ).all()
        )
    )
    if not counts:
        return None
    return max(i18n.LANGUAGE_NAMES, key=lambda language: counts.get(language, 0))


def certificate_pdfs(session: Session, certificate_ids: list[int]) -> Iterator[bytes]:
    """The stored PDFs of these certificates in this order, loaded one at a time (a cohort of
    hundreds never holds them all in memory at once)."""
    for certificate_id in certificate_ids:
        yield session.scalar(select(Certificate.pdf).where(Certificate.id == certificate_id))


def told_certificate_ids(session: Session, certificate_ids: list[int]) -> set[int]:
    """Which of these certificates' holders have already been sent (or queued) the notice."""
    told: set[int] = set()
    for start in range(0, len(certificate_ids), 500):
        told.update(
            session.scalars(
                select(OutboxMessage.ref_id).where(
                    OutboxMessage.kind == NOTICE_KIND,
                    OutboxMessage.ref_id.in_(certificate_ids[start : start + 500]),
                )
            )
        )
    return told


def queue_ready_notices(session: Session, cohort: Cohort, actor: User) -> int:
    """E-mail every holder of a standing certificate of the cohort who has not been told yet
    that it is ready; return how many were told now."""
    pending = untold(session, cohort.id)
    judges = {
        judge.id: judge
        for judge in session.scalars(select(User).where(User.id.in_({c.user_id for c in pending})))
    }
    for certificate in pending:
        judge = judges[certificate.user_id]
        queue_message(
            session,
            NOTICE_KIND,
            judge.email,
            language=judge.preferred_language,
            user_id=judge.id,
            cohort_id=cohort.id,
            ref_id=certificate.id,
            created_by_id=actor.id,
        )
    return len(pending)


def untold(session: Session, cohort_id: int) -> list[CeremonyCertificate]:
    """The standing certificates whose holders have not had the notice yet."""
    standing = standing_certificates(session, cohort_id)
    told = told_certificate_ids(session, [c.id for c in standing])
    return [c for c in standing if c.id not in told]
