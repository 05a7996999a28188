"""The registry of message kinds: how each outbox row becomes an e-mail.

A domain registers its kinds (``@message_kind("reset_password")``); the builder runs in the job,
in the recipient's language, and returns the subject, the template and its context, or None
when the message has become pointless (the invitation was withdrawn). A builder may write (issue
the token its link carries): it runs in the job's transaction, committed only once the mail
server has taken the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from elearning.outbox.models import OutboxMessage


@dataclass(frozen=True)
class Mail:
    """What a message says: its subject and a template (``templates/email/<name>.txt``)."""

    subject: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Session, OutboxMessage], Mail | None]
KINDS: dict[str, Builder] = {}


def message_kind(name: str) -> Callable[[Builder], Builder]:
    """Register the builder of a kind of message."""

    def register(builder: Builder) -> Builder:
        KINDS[name] = builder
        return builder

    return register
