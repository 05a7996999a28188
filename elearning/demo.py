"""Demo data: one account per role, so a newcomer can try every part of the platform."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from elearning.accounts.models import Role
from elearning.accounts.roles import change_role
from elearning.accounts.services import (
    Profile,
    create_user,
    find_user_by_email,
    record_user_created,
    set_password,
)
from elearning.assessments import services as assessments
from elearning.assessments.models import Attempt
from elearning.cohorts import agenda, attendance, reactions
from elearning.cohorts import services as cohorts
from elearning.cohorts.models import Cohort, CohortMember, SessionAttendance
from elearning.learning import services as learning
from elearning.learning.models import Enrolment, LessonCompletion

DEMO_TRAINER_EMAIL = "trainer@demo.example.org"
DEMO_ACCOUNTS = (
    (
        "learner@demo.example.org",
        Role.learner,
        Profile("Hon. Judge Amina Yusuf", "KE", "High Court of Kenya", "Judge"),
    ),
    (
        DEMO_TRAINER_EMAIL,
        Role.trainer,
        Profile("Prof. Carlos Méndez", "CL", "Academia Judicial de Chile", "Trainer"),
    ),
    (
        "admin@demo.example.org",
        Role.admin,
        Profile("Marie Dubois", "FR", "École nationale de la magistrature", "Programme officer"),
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo account as printed for the person who asked for it."""

    email: str
    role: Role
    is_new: bool


def seed_demo_accounts(session: Session, password: str) -> list[DemoAccount]:
    """Create the demo accounts if missing and set their password; safe to run again."""
    result = []
    for email, role, profile in DEMO_ACCOUNTS:
        user = find_user_by_email(session, email)
        is_new = user is None
        if user is None:
            user = create_user(
                session,
                email=email,
                password=password,
                profile=profile,
                role=role,
                is_confirmed=True,
            )
            record_user_created(session, actor=None, user=user, via="demo")
        else:
            set_password(session, user, password)
            user.disabled_at = None
            change_role(session, actor=None, user=user, role=role)
        result.append(DemoAccount(email=email, role=role, is_new=is_new))
    session.flush()
    return result


# --- a living demo cohort ---------------------------------------------------------------------

DEMO_COHORT_NAME = "Demo intake: judicial ethics workshop"

# Names and courts from many legal traditions; the e-mail addresses are on a reserved domain.
DEMO_JUDGES = (
    ("Hon. Adaeze Okonkwo", "NG", "Federal High Court, Enugu"),
    ("Juez Martín Aguirre", "AR", "Juzgado Civil N.º 12, Córdoba"),
    ("Judge Priya Raghavan", "IN", "District Court, Thrissur"),
    ("Juge Aïssatou Diallo", "SN", "Tribunal de grande instance de Thiès"),
    ("Судья Ирина Волкова", "KZ", "Районный суд, Караганда"),
    ("القاضي يوسف الحسيني", "JO", "محكمة بداية عمان"),
    ("法官 王丽华", "CN", "人民法院"),
    ("Judge Tomasz Nowak", "PL", "Sąd Rejonowy, Lublin"),
    ("Jueza Lucía Fernández", "PE", "Corte Superior de Justicia de Arequipa"),
    ("Magistrate Thandiwe Mokoena", "ZA", "Magistrate's Court, Polokwane"),
    ("Judge Samuel Mensah", "GH", "Circuit Court, Kumasi"),
    ("Juíza Beatriz Carvalho", "BR", "Tribunal de Justiça, Recife"),
    ("Judge Nguyen Thi Mai", "VN", "Provincial People's Court, Huế"),
    ("Juge Karim Benali", "MA", "Tribunal de première instance, Fès"),
    ("Judge Fatima Zahra Qureshi", "PK", "Civil Court, Multan"),
    ("Judge Elena Popescu", "RO", "Judecătoria Cluj-Napoca"),
    ("Judge Joseph Kiprono", "KE", "Magistrate's Court, Eldoret"),
    ("Jueza Carmen Rojas", "CL", "Juzgado de Garantía, Temuco"),
    ("Judge Ahmad Rahimi", "AF", "Primary Court, Herat"),
    ("Juge Claire Nkurunziza", "BI", "Tribunal de grande instance, Gitega"),
    ("Судья Алексей Смирнов", "AM", "Суд общей юрисдикции"),
    ("Judge Grace Banda", "MW", "High Court, Blantyre"),
    ("Judge Rahel Tesfaye", "ET", "Federal First Instance Court, Adama"),
    ("القاضية ليلى منصور", "TN", "المحكمة الابتدائية بصفاقس"),
    ("Judge Mariam Sesay", "SL", "Magistrate Court, Bo"),
    ("Juez Diego Herrera", "CO", "Juzgado Penal, Manizales"),
    ("Judge Anan Srisuk", "TH", "Provincial Court, Khon Kaen"),
    ("Judge Leilani Kahale", "FJ", "Magistrates Court, Lautoka"),
    ("Judge Bakhyt Nurlanovna", "UZ", "District Court, Samarkand"),
    ("Juge Hélène Tremblay", "HT", "Tribunal civil, Cap-Haïtien"),
    ("Judge Dawit Alemu", "ET", "Federal High Court, Hawassa"),
    ("Judge Siosaia Fifita", "TO", "Magistrate's Court, Nuku'alofa"),
    ("Judge Olga Marchenko", "UA", "District Court, Poltava"),
    ("Jueza Ana Gabriela Solís", "GT", "Juzgado de Paz, Quetzaltenango"),
    ("Judge Moses Lubega", "UG", "Chief Magistrate's Court, Gulu"),
    ("Judge Rania Haddad", "LB", "Tribunal of First Instance, Tripoli"),
    ("Judge Kofi Boateng", "GH", "District Court, Tamale"),
    ("Judge Sofia Lindqvist", "SE", "Tingsrätt, Umeå"),
    ("Judge Ibrahim Ndiaye", "SN", "Cour d'appel, Kaolack"),
    ("Judge Marisol Castillo", "PH", "Regional Trial Court, Iloilo"),
)

# How far each judge has come, in the order of DEMO_JUDGES (a mix a real intake shows).
_STAGES = (
    ["passed"] * 14
    + ["passed-second"] * 3
    + ["failed"] * 3
    + ["lessons-done"] * 5
    + ["halfway"] * 6
    + ["pre-only"] * 4
    + ["not-started"] * 5
)


def _answer(question, correct: bool, rng) -> frozenset[str]:
    """A response: the right options, or a plausible wrong one."""
    right = question.correct_keys
    if correct:
        return right
    wrong = [choice.key for choice in question.choices if choice.key not in right]
    return frozenset({rng.choice(wrong)}) if wrong else frozenset()


def take_assessment(
    session: Session, course, enrolment_id: int, kind: str, ability: float, rng, now
) -> None:
    """Sit the entry or final assessment through the real services, each question answered
    right with a probability from the judge's ability and the question's own difficulty."""
    lessons_done = kind == "post"
    current = assessments.standing(session, course, enrolment_id, lessons_done, now)
    attempt = assessments.start_attempt(
        session, course, enrolment_id, kind, current, now, seed=rng.getrandbits(31)
    )
    responses = assessments.responses_of(session, attempt.id)
    for position, entry_id in enumerate(assessments.entry_order(responses)):
        entry = course.bank.entries[entry_id]
        answers = {}
        for question in entry.questions:
            # A fixed per-question difficulty, so the item analysis has something to find.
            difficulty = (sum(map(ord, question.id)) % 7 - 3) * 0.06
            answers[question.id] = _answer(question, rng.random() < ability - difficulty, rng)
        assessments.save_answers(session, course, attempt, position, answers, now)
    assessments.submit_attempt(session, course, attempt, now)


def seed_demo_cohort(session: Session, catalog, trainer, now) -> Cohort:
    """A cohort of 40 judges at every stage of the course, led by the demo trainer.

    Safe to run again: an existing demo cohort is left as it is.
    """

    existing = session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT_NAME))
    if existing is not None:
        return existing
    course = next(c for c in catalog.courses if c.bank is not None and c.form("post"))
    cooldown = timedelta(hours=course.assessment.cooldown_hours + 2)
    rng = random.Random(2002)  # noqa: S311 (demo data, not secrets): the same demo every time (2002: the Bangalore Principles)  # nosec B311
    start = now - timedelta(days=30)  # long enough for every judge's path to be in the past
    cohort = cohorts.create_cohort(
        session,
        course=course,
        details=cohorts.CohortDetails(
            name=DEMO_COHORT_NAME,
            site="Demo judicial academy",
            starts_on=start.date(),
            ends_on=(now + timedelta(days=14)).date(),
            join_closes_on=(now + timedelta(days=7)).date(),
        ),
        creator=trainer,
    )
    for index, ((name, country, court), stage) in enumerate(
        zip(DEMO_JUDGES, _STAGES, strict=True), start=1
    ):
        email = f"judge{index:02d}@demo.example.org"
        user = find_user_by_email(session, email) or create_user(
            session,
            email=email,
            password=None,
            profile=Profile(name, country, court, "Judge"),
            is_confirmed=True,
            now=start,
        )
        day = start + timedelta(days=rng.randint(0, 3), hours=rng.randint(8, 17))
        member, _ = cohorts.join_cohort(session, cohort, user.id, course, via="code", now=day)
        if stage == "not-started":
            continue
        ability = rng.uniform(0.35, 0.7)
        enrolment_id = member.enrolment_id
        take_assessment(session, course, enrolment_id, "pre", ability, rng, day)
        if stage == "pre-only":
            continue
        lessons = course.lessons
        done = lessons[: len(lessons) // 2] if stage == "halfway" else lessons
        enrolment = session.get(Enrolment, enrolment_id)
        hours_per_lesson = 14 * 24 / max(1, len(lessons))  # the course over about two weeks
        for lesson in done:
            day += timedelta(hours=hours_per_lesson * rng.uniform(0.5, 1.5))
            learning.mark_complete(session, enrolment, lesson, course.content_version)
            session.execute(
                update(LessonCompletion)
                .where(
                    LessonCompletion.enrolment_id == enrolment_id,
                    LessonCompletion.lesson_slug == lesson.slug,
                )
                .values(completed_at=day)
            )
        if stage in ("halfway", "lessons-done"):
            continue
        # Each judge's tries at the final, as a level of answering: the judges meant to fail
        # stay well under the pass mark, the others well over it, with a last better-prepared
        # try should chance still keep one under it, so the demo's mix is the same every time.
        pass_level = course.assessment.pass_mark / 100
        below = min(ability, pass_level - 0.3)
        above = max(ability + rng.uniform(0.2, 0.4), pass_level + 0.15)
        levels = {
            "failed": [below],
            "passed-second": [below, above, 0.97],
            "passed": [above, 0.97],
        }[stage]
        if course.assessment.max_attempts:
            levels = levels[: course.assessment.max_attempts]
        for attempt, level in enumerate(levels):
            day += timedelta(days=1) if attempt == 0 else cooldown
            take_assessment(session, course, enrolment_id, "post", level, rng, day)
            if assessments.passed_attempt(session, enrolment_id) is not None:
                break
        _seed_reaction(session, cohort, user.id, random.Random(index))  # noqa: S311  # nosec B311
    _seed_workshop(session, cohort, course, trainer, rng)
    session.flush()
    return cohort


def _seed_workshop(session: Session, cohort: Cohort, course, trainer, rng) -> None:
    """The manual's two-day workshop as the cohort's sessions, and the attendance taken: the
    judges who came that far in the course attended most sessions."""
    workshop = course.agendas.get("two-day")
    if workshop is None:
        return
    agenda.fill_from_agenda(session, cohort, workshop, language="en", actor=trainer)
    members = session.execute(
        select(CohortMember.id, Enrolment.id)
        .join(Enrolment, Enrolment.id == CohortMember.enrolment_id)
        .where(CohortMember.cohort_id == cohort.id)
        .order_by(CohortMember.id)
    ).all()
    sat_final = set(
        session.scalars(
            select(Attempt.enrolment_id).where(
                Attempt.enrolment_id.in_([e for _m, e in members]), Attempt.kind == "post"
            )
        )
    )
    for item in agenda.sessions_of(session, cohort.id):
        for member_id, enrolment_id in members:
            if enrolment_id in sat_final and rng.random() < 0.9:
                session.add(
                    SessionAttendance(
                        session_id=item.id,
                        member_id=member_id,
                        via=attendance.VIA_SHEET,
                        recorded_by_id=trainer.id,
                    )
                )


# What demo judges wrote in the reaction evaluation: what they will apply, what they would change.
_REACTION_TEXTS = (
    ("Disclosing at once, on the record, any tie to a party or counsel.", ""),
    ("Declining gifts and hospitality from anyone with a case before the court.",
     "More time for the group case studies."),
    ("", "Shorter sessions on the second day."),
    ("Keeping a register of my outside activities.", "Examples from our own jurisdiction."),
    ("Asking the parties before hearing a case where my impartiality may be questioned.", ""),
)  # fmt: skip


def _seed_reaction(session: Session, cohort: Cohort, user_id: int, rng: random.Random) -> None:
    """A judge who sat the final evaluates the training (most do; the ratings lean high)."""
    if not reactions.may_answer(session, cohort, user_id) or rng.random() < 0.2:
        return
    will_apply, would_change = rng.choice(_REACTION_TEXTS)
    values = {name: rng.choice((3, 4, 4, 5, 5)) for name in reactions.SCALES}
    values.update(will_apply=will_apply, would_change=would_change)
    reactions.save_answer(session, cohort, user_id, values)
