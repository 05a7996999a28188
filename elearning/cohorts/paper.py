"""Paper answer sheets for a workshop whose network fails: one per judge of the cohort, holding
the questions of the entry or final assessment exactly as that judge's first attempt gets them
(their parallel form, the order of the questions and of each question's options), and a signed
code naming the judge, the cohort, the assessment and the sheet's version; then typed back in by
a trainer and entered as the judge's attempt (``assessments.paper``).

A sheet is the same each time it is printed: its seed comes from the cohort, the judge and the
assessment, and its version is a digest of what it prints. Typing a sheet in twice enters it
once; typing it with other answers corrects the attempt only when the trainer confirms it (the
kept totals moved by the difference, the correction audited). Flush, never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.assessments import drawing, logic
from elearning.assessments import paper as assessments_paper
from elearning.assessments import services as assessments
from elearning.assessments.models import Attempt
from elearning.audit.services import record_audit
from elearning.certificates.services import current_certificate
from elearning.cohorts import tallies
from elearning.cohorts.models import Cohort, CohortMember
from elearning.content.itemtypes import Selection
from elearning.content.model import Course, Item
from elearning.learning.models import LessonCompletion

KINDS = ("pre", "post")
TOKEN_SALT = "cohorts.paper-sheet"  # noqa: S105 - a salt naming the use, not a secret  # nosec B105

PaperRefused = assessments_paper.PaperRefused


@dataclass(frozen=True)
class SheetQuestion:
    """A numbered question of a sheet, its options' keys in the order printed, and the case it
    belongs to (printed before a scenario's first question)."""

    number: int
    question: Item
    order: tuple[str, ...]
    case: Item | None = None


@dataclass(frozen=True)
class Sheet:
    """One judge's answer sheet for one assessment of the cohort's course."""

    cohort_id: int
    member_id: int
    enrolment_id: int
    kind: str
    form: str | None  # the parallel form; None: drawn from the blueprint
    seed: int
    entry_ids: tuple[str, ...]
    version: str

    def questions(self, course: Course) -> list[SheetQuestion]:
        """The sheet's questions, numbered as printed."""
        assert course.bank is not None
        found: list[SheetQuestion] = []
        for entry_id in self.entry_ids:
            entry = course.bank.entries[entry_id]
            for index, question in enumerate(entry.questions):
                case = entry if entry.parts and index == 0 else None
                order = logic.option_order(self.seed, question)
                found.append(SheetQuestion(len(found) + 1, question, order, case))
        return found


def sheet_seed(cohort_id: int, enrolment_id: int, kind: str) -> int:
    """The seed of a judge's sheet: the same every time it is printed (not a secret: an
    attempt's seed orders its options and is stored with it)."""
    digest = hashlib.sha256(f"paper:{cohort_id}:{enrolment_id}:{kind}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def compose_sheet(session: Session, course: Course, member: CohortMember, kind: str) -> Sheet:
    """The judge's sheet for ``kind``, as their first attempt at it would be drawn: a final
    sheet leaves out the entry assessment's questions (of the attempt they sat, else of their
    entry sheet). PaperRefused("missing") when the course has no such assessment."""
    if kind not in KINDS or course.form(kind) is None or course.bank is None:
        raise PaperRefused("missing")
    seed = sheet_seed(member.cohort_id, member.enrolment_id, kind)
    pre_form, never = None, set()
    if kind == "post":
        pre = [a for a in assessments.attempts_of(session, member.enrolment_id) if a.kind == "pre"]
        if pre:
            pre_form = next((a.form for a in pre if a.form), None)
            never = drawing.entries_met(session, [a.id for a in pre])
        elif course.form("pre") is not None:
            entry_sheet = compose_sheet(session, course, member, "pre")
            pre_form, never = entry_sheet.form, set(entry_sheet.entry_ids)
    try:
        form, entry_ids = drawing.draw_first(
            session, course, member.enrolment_id, kind, seed, pre_form, never
        )
    except logic.FormCannotBeDrawn:
        raise PaperRefused("missing") from None
    printed = [
        f"{question.id}={','.join(logic.option_order(seed, question))}"
        for entry_id in entry_ids
        for question in course.bank.entries[entry_id].questions
    ]
    version = hashlib.sha256("|".join([kind, form or "", *printed]).encode()).hexdigest()[:10]
    return Sheet(
        cohort_id=member.cohort_id,
        member_id=member.id,
        enrolment_id=member.enrolment_id,
        kind=kind,
        form=form,
        seed=seed,
        entry_ids=tuple(entry_ids),
        version=version,
    )


def lessons_left(session: Session, course: Course, enrolment_id: int) -> int:
    """How many of the course's lessons the judge has not marked complete: a final passed on
    paper earns the certificate, as one passed online does, only once they have none left."""
    done = session.scalar(
        select(func.count()).where(
            LessonCompletion.enrolment_id == enrolment_id,
            LessonCompletion.lesson_slug.in_([lesson.slug for lesson in course.lessons]),
        )
    )
    return max(0, len(course.lessons) - (done or 0))


# --- the signed code printed on the sheet --------------------------------------------------------


@dataclass(frozen=True)
class SheetRef:
    """What a sheet's code names: the cohort, the judge (their membership), the assessment
    and the sheet's version."""

    cohort_id: int
    member_id: int
    kind: str
    version: str


def sheet_token(secret_key: str, sheet: Sheet) -> str:
    """The sheet's signed code (the key of its typing page): it cannot be made up or altered
    without the platform's secret key."""
    serializer = URLSafeSerializer(secret_key, salt=TOKEN_SALT)
    return serializer.dumps([sheet.cohort_id, sheet.member_id, sheet.kind, sheet.version])


def read_token(secret_key: str, token: str) -> SheetRef | None:
    """The sheet a code names, or None for a code not signed by this platform (or garbled)."""
    serializer = URLSafeSerializer(secret_key, salt=TOKEN_SALT)
    try:
        cohort_id, member_id, kind, version = serializer.loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(cohort_id, int) and isinstance(member_id, int)) or kind not in KINDS:
        return None
    return SheetRef(cohort_id, member_id, kind, str(version))


# --- typing a sheet in ------------------------------------------------------------------------


def entered_attempt(session: Session, sheet: Sheet) -> Attempt | None:
    """The attempt the sheet became, if it was entered; PaperRefused when the judge has
    another attempt at the assessment (online, or another sheet)."""
    return assessments_paper.entered_attempt(session, sheet.enrolment_id, sheet.kind, sheet.version)


@dataclass(frozen=True)
class Entered:
    """What typing a sheet in did: "entered" (a new attempt), "unchanged" (the same answers as
    entered before: nothing done), "differs" (other answers than before: nothing done until the
    trainer confirms), "corrected" (confirmed: the attempt now holds these answers)."""

    outcome: str
    attempt: Attempt | None
    changed: tuple[int, ...] = ()  # the numbers of the questions whose answer differs
    pass_withdrawn: bool = False  # corrected: a pass is no longer one


def enter_sheet(
    session: Session,
    cohort: Cohort,
    course: Course,
    sheet: Sheet,
    answers: Mapping[str, Selection],
    actor: User,
    now: datetime,
    *,
    confirmed: bool = False,
) -> Entered:
    """Enter a typed-in sheet as the judge's attempt, or find it entered already (see
    :class:`Entered`). PaperRefused when the judge answered this assessment online (or another
    sheet of theirs was entered), or for an answer that is not on the sheet; nothing changes."""
    checked = assessments_paper.check_answers(course, sheet.entry_ids, answers)
    existing = entered_attempt(session, sheet)
    details = {"kind": sheet.kind, "version": sheet.version, "course": course.slug}
    member = session.get(CohortMember, sheet.member_id)
    assert member is not None
    details["user_id"] = member.user_id
    if existing is None:
        attempt = assessments_paper.record_sheet(
            session,
            course,
            sheet.enrolment_id,
            sheet.kind,
            form=sheet.form,
            seed=sheet.seed,
            entry_ids=sheet.entry_ids,
            sheet=sheet.version,
            answers=checked,
            now=now,
        )
        record_audit(
            session,
            actor=actor,
            action="cohort.paper_sheet_entered",
            subject=cohort,
            details={**details, "attempt_id": attempt.id, "score": attempt.score},
        )
        return Entered("entered", attempt)
    numbers = {q.question.id: q.number for q in sheet.questions(course)}
    differing = assessments_paper.differences(session, existing, checked)
    changed = tuple(sorted(numbers[question_id] for question_id in differing))
    if not differing:
        return Entered("unchanged", existing)
    if not confirmed:
        return Entered("differs", existing, changed)
    before, passed_before = existing.score, bool(existing.is_passed)
    cohorts = tallies.set_aside(session, sheet.enrolment_id)
    assessments_paper.correct_sheet(session, course, existing, checked)
    tallies.put_back(session, sheet.enrolment_id, cohorts)
    record_audit(
        session,
        actor=actor,
        action="cohort.paper_sheet_corrected",
        subject=cohort,
        details={
            **details,
            "attempt_id": existing.id,
            "questions": ", ".join(map(str, changed)),
            "score_before": before,
            "score": existing.score,
        },
    )
    withdrawn = passed_before and not existing.is_passed
    if withdrawn:
        _flag_a_certificate_left_without_its_pass(session, existing, actor, details)
    return Entered("corrected", existing, changed, pass_withdrawn=withdrawn)


def _flag_a_certificate_left_without_its_pass(
    session: Session, attempt: Attempt, actor: User, details: dict
) -> None:
    """A correction took away the pass a standing certificate was issued on (and no other pass
    of the judge's stands): the certificate stays until an admin revokes it, which is an
    admin's decision, but its history says why it should be looked at, and its page warns."""
    if assessments.passed_attempt(session, attempt.enrolment_id) is not None:
        return
    certificate = current_certificate(session, attempt.enrolment_id)
    if certificate is None:
        return
    record_audit(
        session,
        actor=actor,
        action="certificate.pass_withdrawn",
        subject=certificate,
        details={**details, "attempt_id": attempt.id, "score": attempt.score},
    )
