"""The audit log in plain words: one sentence per action code, in the viewer's language, naming
(and linking to) the people, certificates and cohorts an event is about. A code no sentence
knows (written by an older version) is shown as it is, with its details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearning.accounts.forms import ROLE_LABELS
from elearning.accounts.models import Role, User
from elearning.audit.models import AuditEvent
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate
from elearning.cohorts.models import Cohort
from elearning.web.templating import percent

SENTENCES = {
    "user.created": _l("%(actor)s created the account of %(user)s, with the role %(role)s."),
    "user.role_changed": _l("%(actor)s changed the role of %(user)s from %(from)s to %(to)s."),
    "user.disabled": _l("%(actor)s disabled the account of %(user)s."),
    "user.enabled": _l("%(actor)s enabled the account of %(user)s again."),
    "certificate.issue": _l(
        "%(actor)s issued certificate %(certificate)s to %(holder)s for %(course)s."
    ),
    "certificate.reissue": _l(
        "%(actor)s reissued certificate %(replaces)s as %(certificate)s to %(holder)s "
        "for %(course)s."
    ),
    "certificate.revoke": _l(
        "%(actor)s revoked certificate %(certificate)s of %(holder)s (reason: %(reason)s)."
    ),
    "certificate.pass_withdrawn": _l(
        "%(actor)s corrected the paper answer sheet that certificate %(certificate)s of "
        "%(holder)s was issued on: its score is now %(score)s, not a pass. Revoke the "
        "certificate if it was issued in error."
    ),
    "certificate.name_correction_requested": _l(
        "%(actor)s asked for the name on certificate %(certificate)s to read “%(requested_name)s”."
    ),
    "certificate.name_correction_approved": _l(
        "%(actor)s approved the correction of the name on certificate %(certificate)s to "
        "“%(requested_name)s”."
    ),
    "certificate.name_correction_rejected": _l(
        "%(actor)s rejected the correction of the name on certificate %(certificate)s to "
        "“%(requested_name)s”."
    ),
    "certificate.request_approved": _l(
        "%(actor)s approved the certificate of %(user)s for %(course)s."
    ),
    "certificate.request_held": _l(
        "%(actor)s put the certificate of %(user)s for %(course)s on hold (reason: %(reason)s)."
    ),
    "certificate.request_released": _l(
        "%(actor)s released the certificate of %(user)s for %(course)s from hold."
    ),
    "certificate.request_rejected": _l(
        "%(actor)s rejected the certificate of %(user)s for %(course)s (reason: %(reason)s)."
    ),
    "certificate.request_name_edited": _l(
        "%(actor)s changed the name to print on the certificate of %(user)s from "
        "“%(old_name)s” to “%(new_name)s” before issuing it."
    ),
    "cohort.created": _l("%(actor)s created the cohort %(cohort)s for %(course)s."),
    "cohort.updated": _l("%(actor)s changed the details of the cohort %(cohort)s."),
    "cohort.earlier_scores_counted": _l(
        "%(actor)s made the cohort %(cohort)s count the scores judges earned before joining it."
    ),
    "cohort.earlier_scores_left_out": _l(
        "%(actor)s made the cohort %(cohort)s leave out the scores judges earned before joining it."
    ),
    "cohort.follow_up_set": _l(
        "%(actor)s set the cohort %(cohort)s to ask its judges, %(months)s months after the "
        "course, what they applied at work."
    ),
    "cohort.follow_up_switched_off": _l(
        "%(actor)s set the cohort %(cohort)s not to ask its judges what they applied at work."
    ),
    "cohort.follow_up_asked": _l(
        "%(actor)s e-mailed the follow-up evaluation to judges of the cohort %(cohort)s "
        "(%(count)s)."
    ),
    "cohort.join_code_renewed": _l("%(actor)s made a new join code for the cohort %(cohort)s."),
    "cohort.joining_closed": _l("%(actor)s closed joining for the cohort %(cohort)s."),
    "cohort.trainer_added": _l("%(actor)s made %(trainer)s a trainer of the cohort %(cohort)s."),
    "cohort.trainer_removed": _l(
        "%(actor)s removed %(trainer)s from the trainers of the cohort %(cohort)s."
    ),
    "cohort.member_removed": _l("%(actor)s removed %(member)s from the cohort %(cohort)s."),
    "cohort.member_left": _l("%(actor)s left the cohort %(cohort)s."),
    "cohort.participants_imported": _l(
        "%(actor)s imported the participants file “%(file)s” into the cohort %(cohort)s: "
        "%(invited)s invited, %(already)s already members."
    ),
    "cohort.extra_attempt_granted": _l(
        "%(actor)s granted %(member)s an extra attempt at the final assessment in the cohort "
        "%(cohort)s (reason: %(reason)s)."
    ),
    "cohort.invitation_accepted": _l("%(actor)s accepted the invitation to the cohort %(cohort)s."),
    "cohort.invitation_withdrawn": _l(
        "%(actor)s withdrew the invitation of %(email)s to the cohort %(cohort)s."
    ),
    "cohort.room_control_on": _l(
        "%(actor)s made the trainers of the cohort %(cohort)s open and close its assessments "
        "in the room."
    ),
    "cohort.room_control_off": _l(
        "%(actor)s let the judges of the cohort %(cohort)s start its assessments on their own."
    ),
    "cohort.room_pre_opened": _l(
        "%(actor)s opened the entry assessment for the room of the cohort %(cohort)s."
    ),
    "cohort.room_pre_closed": _l(
        "%(actor)s closed the entry assessment for the room of the cohort %(cohort)s."
    ),
    "cohort.room_post_opened": _l(
        "%(actor)s opened the final assessment for the room of the cohort %(cohort)s."
    ),
    "cohort.room_post_closed": _l(
        "%(actor)s closed the final assessment for the room of the cohort %(cohort)s."
    ),
    "cohort.session_added": _l(
        "%(actor)s added the session “%(session)s” (%(held_on)s) to the cohort %(cohort)s."
    ),
    "cohort.session_changed": _l(
        "%(actor)s changed the session “%(session)s” (%(held_on)s) of the cohort %(cohort)s."
    ),
    "cohort.session_deleted": _l(
        "%(actor)s deleted the session “%(session)s” (%(held_on)s) of the cohort %(cohort)s, "
        "with its attendance."
    ),
    "cohort.agenda_filled": _l(
        "%(actor)s filled the sessions of the cohort %(cohort)s from the manual's agenda "
        "“%(agenda)s”: %(sessions)s sessions (%(replaced)s replaced)."
    ),
    "cohort.attendance_recorded": _l(
        "%(actor)s took attendance at the session “%(session)s” of the cohort %(cohort)s: "
        "%(present)s marked present, %(absent)s marked absent."
    ),
    "cohort.attendance_scanned": _l(
        "%(actor)s recorded %(member)s present at the session “%(session)s” of the cohort "
        "%(cohort)s (sign-in sheet's QR code)."
    ),
    "cohort.attendance_required": _l(
        "%(actor)s set the attendance that certificates of the cohort %(cohort)s require to "
        "%(percent)s %% of the sessions (was %(previous)s %%)."
    ),
    "cohort.paper_sheet_entered": _l(
        "%(actor)s typed in the paper answer sheet of %(member)s for the %(assessment)s in the "
        "cohort %(cohort)s (sheet version %(version)s): score %(score)s."
    ),
    "cohort.paper_sheet_corrected": _l(
        "%(actor)s corrected the paper answer sheet of %(member)s for the %(assessment)s in the "
        "cohort %(cohort)s (sheet version %(version)s, questions %(questions)s): score "
        "%(score_before)s, now %(score)s."
    ),
}
# How a certificate was issued (its record's "via"), when the record says.
ISSUED_VIA = {
    "automatic": _l(
        "The system issued certificate %(certificate)s to %(holder)s for %(course)s "
        "automatically, on completion of the course."
    ),
    "approval": _l(
        "The system issued certificate %(certificate)s to %(holder)s for %(course)s after "
        "approval by %(actor)s."
    ),
    "bulk": _l(
        "%(actor)s issued certificate %(certificate)s to %(holder)s for %(course)s in a bulk issue."
    ),
    "command-line": _l(
        "Certificate %(certificate)s was issued to %(holder)s for %(course)s from the command line."
    ),
}
# The action filter's choices.
ACTION_LABELS = {
    "user.created": _l("Account created"),
    "user.role_changed": _l("Role changed"),
    "user.disabled": _l("Account disabled"),
    "user.enabled": _l("Account enabled again"),
    "certificate.issue": _l("Certificate issued"),
    "certificate.reissue": _l("Certificate reissued"),
    "certificate.revoke": _l("Certificate revoked"),
    "certificate.pass_withdrawn": _l("Pass behind a certificate corrected away"),
    "certificate.name_correction_requested": _l("Name correction requested"),
    "certificate.name_correction_approved": _l("Name correction approved"),
    "certificate.name_correction_rejected": _l("Name correction rejected"),
    "certificate.request_approved": _l("Certificate approved"),
    "certificate.request_held": _l("Certificate put on hold"),
    "certificate.request_released": _l("Certificate released from hold"),
    "certificate.request_rejected": _l("Certificate refused"),
    "certificate.request_name_edited": _l("Printed name edited before issue"),
    "cohort.created": _l("Cohort created"),
    "cohort.updated": _l("Cohort details changed"),
    "cohort.earlier_scores_counted": _l("Earlier scores counted"),
    "cohort.earlier_scores_left_out": _l("Earlier scores left out"),
    "cohort.follow_up_set": _l("Follow-up evaluation set"),
    "cohort.follow_up_switched_off": _l("Follow-up evaluation switched off"),
    "cohort.follow_up_asked": _l("Follow-up evaluation e-mailed"),
    "cohort.join_code_renewed": _l("New join code"),
    "cohort.joining_closed": _l("Joining closed"),
    "cohort.trainer_added": _l("Trainer added"),
    "cohort.trainer_removed": _l("Trainer removed"),
    "cohort.member_removed": _l("Judge removed from a cohort"),
    "cohort.member_left": _l("Judge left a cohort"),
    "cohort.participants_imported": _l("Participants file imported"),
    "cohort.extra_attempt_granted": _l("Extra attempt granted"),
    "cohort.invitation_accepted": _l("Invitation accepted"),
    "cohort.invitation_withdrawn": _l("Invitation withdrawn"),
    "cohort.room_control_on": _l("Assessments opened in the room"),
    "cohort.room_control_off": _l("Assessments started by the judges"),
    "cohort.room_pre_opened": _l("Entry assessment opened in the room"),
    "cohort.room_pre_closed": _l("Entry assessment closed in the room"),
    "cohort.room_post_opened": _l("Final assessment opened in the room"),
    "cohort.room_post_closed": _l("Final assessment closed in the room"),
    "cohort.session_added": _l("Session added"),
    "cohort.session_changed": _l("Session changed"),
    "cohort.session_deleted": _l("Session deleted"),
    "cohort.agenda_filled": _l("Sessions filled from the manual's agenda"),
    "cohort.attendance_recorded": _l("Attendance taken"),
    "cohort.attendance_scanned": _l("Attendance recorded by QR code"),
    "cohort.attendance_required": _l("Attendance required for certificates"),
    "cohort.paper_sheet_entered": _l("Paper answer sheet typed in"),
    "cohort.paper_sheet_corrected": _l("Paper answer sheet corrected"),
}
# The assessments a paper answer sheet is for, as the sentences name them.
ASSESSMENTS = {"pre": _l("entry assessment"), "post": _l("final assessment")}
UNKNOWN = _l("%(actor)s: %(code)s on %(record)s.")
DECISION_NOTE = _l("Admin's note: “%(note)s”.")


@dataclass(frozen=True)
class Ref:
    """A thing a sentence names: its words, and where the admin opens it (if anywhere)."""

    text: str
    url: str | None = None
    title: str | None = None

    def __html__(self) -> Markup:
        words = Markup("<bdi>%s</bdi>") % self.text
        if self.url is None:
            return words
        if self.title:
            return Markup('<a href="%s" title="%s">%s</a>') % (self.url, self.title, words)
        return Markup('<a href="%s">%s</a>') % (self.url, words)

    def __str__(self) -> str:
        return self.text


class _Parts(dict):
    """A sentence's parts; one an old record lacks reads as a dash rather than failing."""

    def __missing__(self, key: str) -> str:
        return "—"


@dataclass(frozen=True)
class Entry:
    """One event as the admin reads it: the sentence with links, and as plain text."""

    event: AuditEvent
    actor: User | None
    html: Markup
    text: str
    is_known: bool

    @property
    def raw_details(self) -> str:
        """The event's details as recorded, for a code without a sentence."""
        return self.event.details_text


def describe(session: Session, events: Sequence[AuditEvent]) -> list[Entry]:
    """The events in plain words (the records they name are read in a few queries)."""
    known = _Known.load(session, events)
    return [_entry(event, known) for event in events]


def sentence_for(event: AuditEvent) -> Any:
    """The sentence (not yet filled in) that tells the event, or None for an unknown code."""
    if event.action == "certificate.issue":
        via = _detail(event, "via")
        if via in ISSUED_VIA:
            return ISSUED_VIA[via]
    return SENTENCES.get(event.action)


def _entry(event: AuditEvent, known: _Known) -> Entry:
    template = sentence_for(event)
    actor = known.users.get(event.actor_id) if event.actor_id else None
    parts = known.parts(event, actor)
    if template is None:
        template = UNKNOWN
        parts["code"] = event.action
        parts["record"] = f"{event.subject_type} #{event.subject_id}"
    html = escape(str(template)) % parts
    text = str(template) % _Parts({key: str(value) for key, value in parts.items()})
    note = _detail(event, "note")
    if note and event.action.startswith("certificate.name_correction_"):
        html += Markup(" ") + escape(str(DECISION_NOTE)) % {"note": note}
        text += " " + str(DECISION_NOTE) % {"note": note}
    return Entry(event=event, actor=actor, html=html, text=text, is_known=template is not UNKNOWN)


def _detail(event: AuditEvent, key: str) -> str:
    details = event.details if isinstance(event.details, dict) else {}
    value = details.get(key)
    return "" if value is None else str(value)


def _user_id(event: AuditEvent) -> int | None:
    value = event.details.get("user_id") if isinstance(event.details, dict) else None
    return value if isinstance(value, int) else None


@dataclass
class _Known:
    """The records a batch of events names, read at once."""

    users: dict[int, User]
    users_by_email: dict[str, User]
    certificates: dict[int, Certificate]
    certificates_by_serial: dict[str, Certificate]
    cohorts: dict[int, Cohort]

    @classmethod
    def load(cls, session: Session, events: Sequence[AuditEvent]) -> _Known:
        def subjects(model) -> set[int]:
            return {e.subject_id for e in events if e.subject_type == model.__tablename__}

        certificates = _by_id(session, Certificate, subjects(Certificate))
        serials = {_detail(e, "replaces") for e in events} - {""}
        emails = {_detail(e, "trainer") for e in events} - {""}
        user_ids = (
            {e.actor_id for e in events}
            | subjects(User)
            | {_user_id(e) for e in events}
            | {c.user_id for c in certificates.values()}
        )
        return cls(
            users=_by_id(session, User, user_ids),
            users_by_email={
                u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))
            },
            certificates=certificates,
            certificates_by_serial={
                c.serial: c
                for c in session.scalars(select(Certificate).where(Certificate.serial.in_(serials)))
            },
            cohorts=_by_id(session, Cohort, subjects(Cohort)),
        )

    def person(self, user: User | None, fallback: str = "") -> Ref:
        if user is None:
            return Ref(fallback or _("a deleted account"))
        return Ref(
            user.certificate_name or user.email,
            url_for("admin.user", user_id=user.id),
            title=user.email,
        )

    def parts(self, event: AuditEvent, actor: User | None) -> _Parts:
        parts = _Parts(
            {
                key: _detail(event, key)
                for key in (
                    *("reason", "requested_name", "file", "email", "old_name", "new_name"),
                    *("session", "held_on", "agenda", "sessions", "replaced", "present"),
                    *("absent", "percent", "previous", "months", "count"),
                )
            }
        )
        parts.update(invited=_detail(event, "invited"), already=_detail(event, "already"))
        parts.update(version=_detail(event, "version"), questions=_detail(event, "questions"))
        kind = _detail(event, "kind")
        if kind:
            parts["assessment"] = ASSESSMENTS.get(kind, kind)
        for key in ("score", "score_before"):
            score = _detail(event, key)
            if score:
                parts[key] = _percent(score)
        parts["actor"] = self.person(actor) if actor else Ref(_("The system"))
        parts["course"] = _course_title(_detail(event, "course"))
        parts.update(self._subject_parts(event))
        for key in ("role", "from", "to"):
            role = _detail(event, key)
            if role:
                parts[key] = str(ROLE_LABELS[Role(role)]) if role in Role.__members__ else role
        return parts

    def _subject_parts(self, event: AuditEvent) -> dict[str, Any]:
        if event.subject_type == User.__tablename__:
            return {"user": self.person(self.users.get(event.subject_id), _detail(event, "email"))}
        if event.subject_type == Cohort.__tablename__:
            return self._cohort_parts(event)
        if event.subject_type == Certificate.__tablename__:
            return self._certificate_parts(event)
        return {}

    def _cohort_parts(self, event: AuditEvent) -> dict[str, Any]:
        cohort = self.cohorts.get(event.subject_id)
        trainer = _detail(event, "trainer")
        parts: dict[str, Any] = {
            "cohort": Ref(cohort.name, url_for("cohorts.detail", cohort_id=cohort.id))
            if cohort
            else Ref(_detail(event, "name") or f"#{event.subject_id}"),
            "member": self.person(self.users.get(_user_id(event) or 0)),
            "trainer": self.person(self.users_by_email.get(trainer), trainer),
        }
        if cohort is not None and not _detail(event, "course"):
            parts["course"] = _course_title(cohort.course_slug)
        return parts

    def _certificate_parts(self, event: AuditEvent) -> dict[str, Any]:
        certificate = self.certificates.get(event.subject_id)
        serial = _detail(event, "serial")
        replaced = self.certificates_by_serial.get(_detail(event, "replaces"))
        parts: dict[str, Any] = {
            "certificate": _certificate_ref(certificate, serial),
            "replaces": _certificate_ref(replaced, _detail(event, "replaces")),
        }
        if certificate is None:
            parts["holder"] = Ref(_detail(event, "holder_name") or "—")
            return parts
        holder = self.users.get(certificate.user_id or 0)
        parts["holder"] = Ref(
            certificate.holder_name,
            url_for("admin.user", user_id=holder.id) if holder else None,
            title=holder.email if holder else None,
        )
        if not _detail(event, "course"):
            parts["course"] = _course_title(certificate.course_slug)
        return parts


def _certificate_ref(certificate: Certificate | None, serial: str) -> Ref:
    if certificate is None:
        return Ref(serial or "—")
    return Ref(
        certificate.serial,
        url_for("certificates.admin_detail", certificate_id=certificate.id),
    )


def _percent(value: str) -> str:
    """A score recorded in an event's details, as the viewer's language writes per cents."""
    try:
        return percent(float(value))
    except ValueError:
        return value


def _course_title(slug: str) -> str:
    if not slug:
        return "—"
    course = get_catalog().course(slug)
    return course.title.get(str(get_locale() or "en")) if course else slug


def _by_id(session: Session, model, ids: set[int | None]) -> dict[int, Any]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}
