"""Queueing, claiming and recording messages. Flush, never commit; no Flask."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from elearning import jobs
from elearning.outbox.models import OutboxMessage
from elearning.sqltypes import utcnow

MAX_ATTEMPTS = 6
#: A claim older than this belongs to a worker that died: the message may be taken again.
CLAIM_TIMEOUT = timedelta(minutes=5)


def queue_message(
    session: Session,
    kind: str,
    recipient: str,
    *,
    language: str | None,
    user_id: int | None = None,
    cohort_id: int | None = None,
    ref_id: int | None = None,
    context: dict[str, Any] | None = None,
    created_by_id: int | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Add a message; it is sent by a job once this transaction commits."""
    from elearning.outbox.tasks import deliver

    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        language=language,
        user_id=user_id,
        cohort_id=cohort_id,
        ref_id=ref_id,
        context=context or {},
        created_by_id=created_by_id,
        created_at=now or utcnow(),
    )
    session.add(message)
    session.flush()
    jobs.after_commit(session, deliver, message.id)
    return message


def claim(session: Session, message_id: int, now: datetime) -> OutboxMessage | None:
    """Take a message for sending, or None if it is sent, failed, or another job has it. One
    conditional UPDATE, so two jobs for one message cannot both send it."""
    taken = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                OutboxMessage.status == "pending",
                (OutboxMessage.status == "sending")
                & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
            ),
        )
        .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def record_sent(message: OutboxMessage, now: datetime) -> None:
    """The mail server took it. The context is dropped: it may hold a pending password hash."""
    message.status = "sent"
    message.sent_at = now
    message.last_error = None
    message.context = {}


def record_dropped(message: OutboxMessage) -> None:
    """Nothing to send any more (the invitation was withdrawn, the account removed)."""
    message.status = "dropped"
    message.context = {}


def record_failure(session: Session, message_id: int, error: str) -> bool:
    """Put a message back after a failed send; True if it will be tried again."""
    message = session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None:
        return False
    again = message.attempts < MAX_ATTEMPTS
    message.status = "pending" if again else "failed"
    message.last_error = error[:2000]
    return again


def stranded(session: Session, now: datetime, older_than: timedelta) -> list[int]:
    """Messages no job is looking after: pending for a while (their job was lost), or claimed
    by a worker that died."""
    return list(
        session.scalars(
            select(OutboxMessage.id).where(
                or_(
                    (OutboxMessage.status == "pending")
                    & (OutboxMessage.created_at < now - older_than),
                    (OutboxMessage.status == "sending")
                    & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
                )
            )
        )
    )


def latest_messages(session: Session, kind: str, ref_ids: list[int]) -> dict[int, OutboxMessage]:
    """The latest message of ``kind`` about each record (an invitation's latest e-mail)."""
    latest: dict[int, OutboxMessage] = {}
    for start in range(0, len(ref_ids), 500):
        for message in session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.kind == kind, OutboxMessage.ref_id.in_(ref_ids[start : start + 500])
            )
            .order_by(OutboxMessage.id)
        ):
            latest[message.ref_id] = message
    return latest


def resend(
    session: Session, message: OutboxMessage, *, by_id: int | None, now: datetime
) -> OutboxMessage:
    """A new message of the same kind to the same person (a fresh link if it carries one)."""
    return queue_message(
        session,
        message.kind,
        message.recipient,
        language=message.language,
        user_id=message.user_id,
        cohort_id=message.cohort_id,
        ref_id=message.ref_id,
        context=dict(message.context or {}),
        created_by_id=by_id,
        now=now,
    )
