"""Cohorts, who trains them and who belongs to them.

A cohort names a course; its members' progress and scores are their enrolments in that course,
so a judge who joins a cohort keeps what they had already done.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from elearning.extensions import db
from elearning.sqltypes import UTCDateTime, utcnow


class Cohort(db.Model):
    """A workshop or an academy intake taking one course together."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    course_slug: Mapped[str] = mapped_column(String(64), index=True)
    site: Mapped[str] = mapped_column(String(200), default="")  # training site or jurisdiction
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # The code judges type at /join (and the key of the invite link); None: joining is closed.
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    join_closes_on: Mapped[date | None] = mapped_column(Date)  # last day the code works
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Whether the cohort's figures (means, gains, topics, item analysis) count the scores its
    #: judges earned before they joined it (the roster marks those either way).
    counts_earlier_scores: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    #: A workshop in a room: its trainer opens and closes the entry and final assessments
    #: (``cohorts.room``); off, its judges start them whenever the course allows.
    trainer_opens_assessments: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: Certificates of the cohort's judges wait until each attended at least this share of the
    #: cohort's sessions (a percentage; 0: attendance is not required).
    attendance_required_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    #: How many months after completing the course its judges are asked what they applied at
    #: work (Kirkpatrick level 3, ``cohorts.follow_ups``); None: they are not asked.
    follow_up_months: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.course_slug}>"


class CohortTrainer(db.Model):
    """A trainer of a cohort: they see its roster and reports."""

    __tablename__ = "cohort_trainers"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoomAssessment(db.Model):
    """The entry ("pre") or final ("post") assessment of a cohort run in a room, as its trainer
    last left it: open from ``opened_at`` until ``closed_at``. No row: never opened."""

    __tablename__ = "cohort_room_assessments"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # pre, post
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        """Opened and not closed since."""
        return self.closed_at is None


class CohortMember(db.Model):
    """A judge in a cohort, through their enrolment in the cohort's course."""

    __tablename__ = "cohort_members"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        Index("ix_cohort_members_enrolment_id", "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    via: Mapped[str] = mapped_column(String(8))  # code, invite, csv
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: In a cohort that leaves out scores earned before joining: the judge's facts as the cohort
    #: counts them (``cohorts.tallies``), so that its totals can move by their change.
    own_facts: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    #: When the judge was e-mailed the follow-up evaluation (once, ever; ``cohorts.follow_ups``).
    follow_up_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ParticipantUpload(db.Model):
    """A participants file between its preview and the trainer's confirmation.

    Kept in the database (not on one host's disk) so any host can serve the confirmation; it is
    deleted once imported, and uploads older than a day are cleared.
    """

    __tablename__ = "participant_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CohortInvitation(db.Model):
    """A judge named in a participants file, asked to join the cohort.

    Nobody joins a cohort without saying yes: until the judge accepts, the trainer sees only
    the invitation (the address and name they uploaded) and nothing of the judge's record.
    """

    __tablename__ = "cohort_invitations"
    __table_args__ = (UniqueConstraint("cohort_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    institution: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    # The SHA-256 of the link in the latest e-mail (each e-mail makes a new one).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def state(self) -> str:
        """pending, accepted or declined."""
        if self.accepted_at is not None:
            return "accepted"
        return "declined" if self.declined_at is not None else "pending"


class JudgeFacts(db.Model):
    """What one enrolment contributes to the reports of the cohorts it belongs to, as it stood
    when they were last brought up to date (``cohorts.tallies``). Kept while the enrolment is
    in a cohort: the next change to it is applied to its cohorts as new facts minus these."""

    __tablename__ = "cohort_judge_facts"

    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True
    )
    lessons_done: Mapped[int] = mapped_column(default=0)  # lessons of the course as it is now
    attempts: Mapped[int] = mapped_column(default=0)
    sat: Mapped[int] = mapped_column(default=0)  # final attempts scored
    passes: Mapped[int] = mapped_column(default=0)
    pre_score: Mapped[float | None]  # the first scored entry attempt
    post_score: Mapped[float | None]  # the best final attempt (ties: the earlier)
    # The attempts whose responses the topics and the item analysis read.
    pre_one_id: Mapped[int | None]  # the entry attempt numbered 1, once scored
    post_one_id: Mapped[int | None]  # the final attempt numbered 1, once scored
    best_post_id: Mapped[int | None]
    # Set when the enrolment changed and its cohorts' totals have yet to follow (a job brings
    # them up to date and clears it; the sweeper queues that job again if it was lost).
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class CohortTally(db.Model):
    """One running total of a cohort's report (a count, a sum, a score band, a question's
    sums): the report reads its cohort's totals instead of every judge's attempts."""

    __tablename__ = "cohort_tallies"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(160), primary_key=True)
    value: Mapped[float] = mapped_column(default=0.0)


class CohortTallyState(db.Model):
    """Which content version a cohort's totals were built for; no row: not built yet. Its row
    is locked while the totals change, so a rebuild and a judge's update take turns."""

    __tablename__ = "cohort_tally_states"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    content_version: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportDocument(db.Model):
    """A long PDF of the cohort (``cohorts.documents``), rendered by a job and kept while what
    it prints is unchanged (its ``fingerprint``): the report in one language and one edition
    ("full", or "summary": a few pages), or the whole cohort's paper answer sheets (edition
    "paper-pre" or "paper-post", language "": each sheet is in its judge's). ``pdf`` is None
    while a rendering is queued. Kept in the database, so whichever host renders it, every
    host serves it."""

    __tablename__ = "cohort_report_documents"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    edition: Mapped[str] = mapped_column(String(16), primary_key=True, default="full")
    fingerprint: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class ReactionAnswer(db.Model):
    """A judge's reaction evaluation of a cohort (Kirkpatrick level 1): three 1–5 ratings and
    two free texts. One per judge and cohort, changed in place; its trainers only ever read
    the cohort's answers together (``cohorts.reactions``), never one judge's."""

    __tablename__ = "cohort_reaction_answers"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    relevance: Mapped[int]  # 1–5: relevance to the judge's work
    trainers: Mapped[int]  # 1–5
    materials: Mapped[int]  # 1–5
    will_apply: Mapped[str] = mapped_column(String(2000), default="")
    would_change: Mapped[str] = mapped_column(String(2000), default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # first answer


class CohortSession(db.Model):
    """A session of a face-to-face workshop: a cohort's agenda is its sessions in time order.
    Its date and times are the venue's clock (as the cohort's dates are plain days), shown as
    they are to everyone, wherever they read them from."""

    __tablename__ = "cohort_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    venue: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionAttendance(db.Model):
    """A judge of the cohort recorded present at one of its sessions (no row: not recorded
    present). Removing the judge from the cohort, or the session, removes it."""

    __tablename__ = "cohort_session_attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    via: Mapped[str] = mapped_column(String(8))  # "sheet" (on screen) or "scan" (a QR code)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FollowUpAnswer(db.Model):
    """A judge's follow-up evaluation of a cohort, months after it (Kirkpatrick level 3): what
    they applied at work, how often, what got in the way, what training would help. Given once
    per judge and cohort; its trainers read only the cohort's answers together."""

    __tablename__ = "cohort_follow_up_answers"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    applied: Mapped[str] = mapped_column(String(2000), default="")
    frequency: Mapped[str] = mapped_column(String(16))  # never, once, several, regularly
    obstacles: Mapped[list] = mapped_column(JSON, default=list)  # caseload, support, ...
    obstacle_other: Mapped[str] = mapped_column(String(500), default="")
    further_training: Mapped[str] = mapped_column(String(2000), default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
