"""Learner state for courses: enrolments, completed lessons, knowledge-check answers.

Content (titles, lesson text) is never copied here: rows name courses, lessons and checks by
their slugs, and the catalog supplies the rest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from elearning.extensions import db
from elearning.sqltypes import UTCDateTime, utcnow


class Enrolment(db.Model):
    """A learner's place in a course."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(16), default="self")  # self, cohort
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The parallel form this judge takes as the entry assessment (the other one is their first
    # final attempt): chosen so that half of a cohort goes A→B and half B→A.
    entry_form: Mapped[str | None] = mapped_column(String(16))
    # When the entry assessment was submitted (written by assessments): the lessons open then.
    pre_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Final-assessment attempts granted beyond the course's limit (by a trainer or an admin).
    extra_attempts: Mapped[int] = mapped_column(default=0, server_default="0")


class LessonCompletion(db.Model):
    """A lesson the learner has marked complete, with the content version they read."""

    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[str] = mapped_column(String(32))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckAnswer(db.Model):
    """The learner's latest answer to a knowledge check (formative: kept, never graded)."""

    __tablename__ = "check_answers"
    __table_args__ = (UniqueConstraint("enrolment_id", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    check_id: Mapped[str] = mapped_column(String(64))
    selected: Mapped[str] = mapped_column(String(64))  # option keys, comma-separated: "a,c"
    is_correct: Mapped[bool]
    tries: Mapped[int] = mapped_column(default=1)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def selected_keys(self) -> frozenset[str]:
        """The chosen options' keys."""
        return frozenset(key for key in self.selected.split(",") if key)
