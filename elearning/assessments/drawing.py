"""Which questions a new attempt holds: one of the matched parallel forms (the judge's entry
form, then the other), a retake drawn to the same profile, or a draw from a blueprint."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearning.assessments import logic
from elearning.assessments.models import Response
from elearning.content.forms import retake_profile
from elearning.content.model import Course
from elearning.learning.models import Enrolment

if TYPE_CHECKING:
    from elearning.assessments.services import Standing


def draw(
    session: Session, course: Course, enrolment_id: int, kind: str, current: Standing, seed: int
) -> tuple[str | None, list[str]]:
    """(parallel form or None, entry ids) for a new attempt of ``kind``: a final attempt never
    repeats the entry assessment's questions and prefers those of earlier final attempts last.
    logic.FormCannotBeDrawn when the bank cannot fill the form."""
    never = entries_met(session, [a.id for a in current.pre]) if kind == "post" else set()
    rather_not = entries_met(session, [a.id for a in current.post]) if kind == "post" else set()
    pre_form = next((a.form for a in current.pre if a.form), None)
    return _draw(
        session, course, enrolment_id, kind, seed, pre_form, not current.post, never, rather_not
    )


def draw_first(
    session: Session,
    course: Course,
    enrolment_id: int,
    kind: str,
    seed: int,
    pre_form: str | None,
    never: set[str],
) -> tuple[str | None, list[str]]:
    """(parallel form or None, entry ids) of a first attempt of ``kind`` drawn ahead of time,
    as a printed answer sheet holds it: ``pre_form`` and ``never`` are the entry assessment's
    form and questions (for a final). The same arguments give the same questions."""
    return _draw(session, course, enrolment_id, kind, seed, pre_form, True, never, set())


def _draw(
    session: Session,
    course: Course,
    enrolment_id: int,
    kind: str,
    seed: int,
    pre_form: str | None,
    first_final: bool,
    never: set[str],
    rather_not: set[str],
) -> tuple[str | None, list[str]]:
    """What :func:`draw` and :func:`draw_first` share: the form's parallel draw, or its own."""
    form = course.form(kind)
    assert form is not None and course.bank is not None
    if form.parallel and course.parallel_forms:
        return _parallel_draw(
            session, course, enrolment_id, kind, seed, pre_form, first_final, never, rather_not
        )
    return None, logic.draw_entries(form, course.bank, seed, never, rather_not)


def _parallel_draw(
    session: Session,
    course: Course,
    enrolment_id: int,
    kind: str,
    seed: int,
    pre_form: str | None,
    first_final: bool,
    never: set[str],
    rather_not: set[str],
) -> tuple[str | None, list[str]]:
    """(form name, entries) with matched parallel forms: the entry assessment is the judge's
    entry form, the first final attempt the other form, a retake a draw to the same profile."""
    parallel = course.parallel_forms
    rng = random.Random(seed)  # noqa: S311 - the order of questions, not a secret  # nosec B311
    name = None
    if kind == "pre":
        name = entry_form_of(session, course, enrolment_id)
    elif first_final:
        name = logic.first_final_form(parallel, pre_form, never)
    if name is None:
        profile = retake_profile(course.bank, parallel)
        return None, logic.draw_retake(course.bank, profile, seed, never, rather_not)
    entries = list(parallel[name])
    if course.form(kind).shuffle:
        rng.shuffle(entries)
    return name, entries


def entry_form_of(session: Session, course: Course, enrolment_id: int) -> str:
    """The judge's entry form: chosen when they joined a cohort (alternating within it), else
    now, the form fewest of the course's judges have taken first."""
    enrolment = session.get(Enrolment, enrolment_id)
    assert enrolment is not None
    if enrolment.entry_form not in course.parallel_forms:
        used = dict(
            session.execute(
                select(Enrolment.entry_form, func.count())
                .where(Enrolment.course_slug == course.slug, Enrolment.entry_form.is_not(None))
                .group_by(Enrolment.entry_form)
            ).all()
        )
        enrolment.entry_form = logic.least_used(list(course.parallel_forms), used)
    return enrolment.entry_form


def entries_met(session: Session, attempt_ids: list[int]) -> set[str]:
    """The bank entries these attempts held."""
    if not attempt_ids:
        return set()
    return set(
        session.scalars(
            select(Response.entry_id).where(Response.attempt_id.in_(attempt_ids)).distinct()
        )
    )
