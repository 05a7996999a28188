"""Assessment attempts and every response, stored with its correctness for item analysis.

Questions are named by their bank ids; their text, options and keys stay in the catalog.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearning.extensions import db
from elearning.sqltypes import UTCDateTime, utcnow


class Attempt(db.Model):
    """One sitting of the entry ("pre") or final ("post") assessment.

    The entries drawn and their order are the attempt's responses' positions; option order comes
    from ``seed``, so the review shows exactly what the learner saw.
    """

    __tablename__ = "attempts"
    # One row per attempt number: a second "start" racing the first fails here instead of
    # opening a second attempt.
    __table_args__ = (
        UniqueConstraint("enrolment_id", "kind", "number"),
        Index("ix_attempts_enrolment_id_kind", "enrolment_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # pre, post
    number: Mapped[int]  # 1, 2, ... per enrolment and kind
    seed: Mapped[int]
    content_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, submitted
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(16))  # learner, time
    position: Mapped[int] = mapped_column(default=0)  # the page the learner was last on
    marks_earned: Mapped[float | None]
    marks_possible: Mapped[int | None]
    score: Mapped[float | None]  # per cent, 0–100
    is_passed: Mapped[bool | None]  # None for the entry assessment, which is not pass or fail
    form: Mapped[str | None] = mapped_column(String(16))  # the parallel form; None: drawn
    #: "online", or "paper": answers ticked on a printed answer sheet, typed in by a trainer.
    mode: Mapped[str] = mapped_column(String(8), default="online", server_default="online")
    #: A paper attempt's sheet: the version printed on it (its questions and option order).
    sheet: Mapped[str | None] = mapped_column(String(16))

    @property
    def is_open(self) -> bool:
        """True until submitted (by the learner, or by the clock)."""
        return self.status == "open"

    @property
    def is_paper(self) -> bool:
        """Answered on a printed sheet and typed in by a trainer."""
        return self.mode == "paper"


class Response(db.Model):
    """The learner's answer to one question of an attempt (a row per question, answered or not)."""

    __tablename__ = "attempt_responses"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64))  # the bank entry (a scenario's id)
    position: Mapped[int]  # the entry's page in the attempt, from 0
    selected: Mapped[str | None] = mapped_column(String(64))  # option keys "a,c"; None: unanswered
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credit: Mapped[float | None]  # 0.0–1.0, set when the attempt is scored
    is_correct: Mapped[bool | None]

    @property
    def selected_keys(self) -> frozenset[str]:
        """The chosen options' keys (empty when unanswered)."""
        return frozenset(key for key in (self.selected or "").split(",") if key)
