"""Who else may hold an assessment shut: the cohorts, without being imported (``cohorts``
sits above ``assessments`` in the layers). A cohort run in a room has its trainer open and
close the entry and final assessments; the app factory registers the cohorts' :class:`StartGate`
here (``elearning.cohorts.room``). With none registered, every assessment starts as the
course's rules say.

The gate is asked only when a judge would begin a new attempt: an attempt already begun keeps
saving and may be submitted whatever the trainer does, so no answer is ever lost.
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app
from sqlalchemy.orm import Session

EXTENSION = "assessment_gate"
#: The refusals a gate gives: the trainer has not opened the assessment yet, or has closed it.
WAITING = "room-waiting"
CLOSED = "room-closed"


class StartGate(Protocol):
    """What the assessment pages ask before a judge begins an attempt."""

    def refusal(self, session: Session, enrolment_id: int, kind: str) -> str | None:
        """Why the enrolment may not begin an attempt of ``kind`` now (:data:`WAITING` or
        :data:`CLOSED`), or None. One query at most."""


class NoGate:
    """The platform without cohorts: nothing holds an assessment shut."""

    def refusal(self, session: Session, enrolment_id: int, kind: str) -> str | None:
        return None


def register(app: Flask, gate: StartGate) -> None:
    """Give the assessment pages the gate to ask."""
    app.extensions[EXTENSION] = gate


def start_gate() -> StartGate:
    """The registered gate, or :class:`NoGate`."""
    return current_app.extensions.get(EXTENSION) or NoGate()
