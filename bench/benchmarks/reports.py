"""Trainer reports: the cohort report and roster of 500, 5,000 and 20,000 judges.

DESIGN.md's target: a trainer report for a cohort of 5,000 learners in ≤ 150 ms, on SQLite and
on PostgreSQL, in a number of queries that does not grow with the cohort.

For each of ``--cohort-sizes`` (500, 5,000, 20,000) a cohort is written straight into the
database in bulk (COPY on PostgreSQL, executemany INSERTs on SQLite): through the services it
would take hours. Each judge gets an account, an enrolment in the course, a membership and a
stage: not started, entry assessment only, halfway through the lessons, lessons done, or final
assessment taken (about two in three; some twice, most passing). Every attempt holds one
response per question the platform's own draw gives it, answered right with a probability from
the judge's ability and the question's difficulty, and is scored as the platform scores (marks
earned, marks possible, per cent to one decimal, pass mark); most passes hold a certificate, a
few revoked, a few awaiting approval. All sizes are seeded before anything is measured, so each
is measured in the same database and only the cohort's size changes; PostgreSQL then analyses
its tables, as autovacuum does soon after such a load.

Measured at each size, in this process: ``cohort_report()`` and ``roster_page()`` (the first
page by gain, highest first), once to warm up, then the median of :data:`DIRECT_RUNS` calls,
each in a fresh transaction; and the SQL statements each call sends, which must be as many at
every size. Over HTTP against gunicorn, one client signed in as a trainer of the cohorts (not
an admin: the trainer's access check is part of the page): the report page (aggregates, two
SVG charts, the item table) and the roster page, :data:`PAGE_REQUESTS` requests each after a
warm-up; p99 of 20 requests is the slowest of them.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench.harness import BenchError, log
from bench.harness.database import (
    LEARNER_PASSWORD,
    Learner,
    bulk_insert,
    catch_up_ids,
    create_learners,
    next_id,
    platform_app,
)
from bench.harness.load import percentile
from bench.harness.registry import Context, Row, benchmark
from bench.harness.web import SESSION_COOKIE, http_request, session_cookie, sign_in

if TYPE_CHECKING:
    from sqlalchemy import Engine, Table
    from sqlalchemy.orm import Session

    from elearning.accounts.models import User
    from elearning.cohorts.report import CohortReport
    from elearning.content.model import Course

COURSE_SLUG = "judicial-ethics"
TRAINER_PREFIX = "trainer"  # trainer-001@example.org trains every cohort seeded here
TARGET_SIZE = 5000  # from the size DESIGN.md's target names up, the report keeps the target
TARGET_MS = "<= 150"
DIRECT_RUNS = 7
PAGE_WARMUPS = 4  # two gunicorn workers: each should have rendered the page before timing
PAGE_REQUESTS = 20
PAGE_TIMEOUT = 120.0
BATCH = 1000  # judges generated and inserted at a time: bounded memory at any size
SEED = 2002  # the Bangalore Principles: the same cohorts from run to run

COUNTRIES = ("KE", "NG", "ZA", "IN", "BR", "MX", "FR", "EG", "JO", "CN", "RU", "UA", "PH", "ID")
FAMILY_NAMES = (
    "Okafor", "Haddad", "Wang", "Petrova", "Silva", "Mensah", "Kumar", "Dubois", "Hernández",
    "Nasser", "Ivanova", "Santos", "Abubakar", "Rahman", "Mwangi", "Chen", "Morales", "Kowalski",
)  # fmt: skip
VIA = ("code", "invite", "csv")
PLACEHOLDER_PDF = b"%PDF-1.7\n% a stored certificate stands in here\n%%EOF\n"


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1) if values else 0.0


def _none(_size: int) -> None:
    return None


def _pct(values: list[float], rank: int) -> float:
    """The nearest-rank percentile, as the load generators report it."""
    return round(percentile(sorted(values), rank), 1)


# --- seeding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """What a response to one bank question looks like, right or wrong."""

    id: str
    right: str  # the selected keys when answered right: "a,c"
    wrong: tuple[str, ...]  # a wrong answer: one wrong option's key
    difficulty: float  # taken off the judge's chance of answering it right


@dataclass(frozen=True)
class Seeded:
    """A cohort written in bulk: its id, how many rows went into each table, how long it took."""

    size: int
    cohort_id: int
    name: str
    seconds: float
    rows: dict[str, int]
    rebuild_seconds: float = 0.0


@dataclass
class Ids:
    """The next id of each table whose rows others point at; ids are given explicitly."""

    upcoming: dict[str, int]

    def take(self, table: str) -> int:
        """The next id of ``table``."""
        value = self.upcoming[table]
        self.upcoming[table] = value + 1
        return value


@dataclass
class CohortSeeder:
    """Writes the judges of one cohort, :data:`BATCH` at a time."""

    course: Course
    cohort_id: int
    size: int
    ids: Ids
    start: datetime
    rng: random.Random
    questions: dict[str, Question] = field(init=False)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __post_init__(self) -> None:
        self.questions = {}
        for question_id, question in self.course.bank.questions.items():
            right = question.correct_keys
            wrong = tuple(c.key for c in question.choices if c.key not in right)
            # A fixed per-question difficulty, as the demo cohort has: the item analysis finds
            # easy and hard questions, and discrimination, since ability drives every answer.
            difficulty = (sum(map(ord, question_id)) % 7 - 3) * 0.06
            self.questions[question_id] = Question(
                question_id, ",".join(sorted(right)), wrong or ("",), difficulty
            )

    def batches(self) -> Iterator[dict[str, list[dict[str, Any]]]]:
        """Rows per table for the judges numbered ``1..size``, a batch at a time."""
        for first in range(1, self.size + 1, BATCH):
            rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for number in range(first, min(first + BATCH, self.size + 1)):
                self.judge(number, rows)
            yield rows

    def judge(self, number: int, rows: dict[str, list[dict[str, Any]]]) -> None:
        """One judge's account, enrolment, membership, lessons, attempts and certificate."""
        rng, course = self.rng, self.course
        user_id, enrolment_id = self.ids.take("users"), self.ids.take("enrolments")
        joined = self.start + timedelta(hours=rng.uniform(0, 72))
        family = FAMILY_NAMES[rng.randrange(len(FAMILY_NAMES))]
        name = f"Judge {family} {self.cohort_id}-{number:05d}"
        rows["users"].append(
            {
                "id": user_id,
                "email": f"cohort{self.cohort_id}-{number:05d}@example.org",
                "certificate_name": name,
                "country": COUNTRIES[rng.randrange(len(COUNTRIES))],
                "institution": f"High Court of Region {number % 40 + 1}",
                "position": "Judge",
                "role": "learner",
                "session_version": 1,
                "created_at": joined - timedelta(days=rng.uniform(0, 200)),
                "email_confirmed_at": joined,
            }
        )
        rows["enrolments"].append(
            {
                "id": enrolment_id,
                "user_id": user_id,
                "course_slug": course.slug,
                "source": "cohort",
                "enrolled_at": joined,
                "entry_form": (
                    sorted(course.parallel_forms)[enrolment_id % len(course.parallel_forms)]
                    if course.parallel_forms
                    else None
                ),
            }
        )
        rows["cohort_members"].append(
            {
                "cohort_id": self.cohort_id,
                "user_id": user_id,
                "enrolment_id": enrolment_id,
                "via": VIA[number % len(VIA)],
                "joined_at": joined,
            }
        )
        stage = rng.random()
        if stage < 0.04:  # not started
            return
        ability = rng.uniform(0.3, 0.75)
        day = joined + timedelta(hours=rng.uniform(0.1, 24))
        pre_entries, day, _ = self.attempt(rows, enrolment_id, "pre", 1, ability, day, (), ())
        if stage < 0.10:  # the entry assessment only
            return
        lessons = course.lessons
        done = rng.randint(1, len(lessons) - 1) if stage < 0.28 else len(lessons)
        for lesson in lessons[:done]:
            day += timedelta(hours=rng.uniform(2, 30))
            rows["lesson_completions"].append(
                {
                    "enrolment_id": enrolment_id,
                    "lesson_slug": lesson.slug,
                    "content_version": course.content_version,
                    "completed_at": day,
                }
            )
            for check in lesson.checks:
                if rng.random() < 0.8:
                    is_correct = rng.random() < ability + 0.15
                    keys = sorted(check.correct_keys) if is_correct else [check.options[-1].key]
                    rows["check_answers"].append(
                        {
                            "enrolment_id": enrolment_id,
                            "check_id": check.id,
                            "selected": ",".join(keys),
                            "is_correct": is_correct,
                            "tries": rng.randint(1, 2),
                            "answered_at": day - timedelta(minutes=rng.uniform(1, 20)),
                        }
                    )
        if stage < 0.34:  # halfway, or every lesson done and the final assessment not yet sat
            return
        level = min(0.97, ability + rng.uniform(0.1, 0.35))
        met: tuple[str, ...] = ()
        for number_of_try in range(1, course.assessment.max_attempts + 1):
            hours = rng.uniform(1, 48) if number_of_try == 1 else course.assessment.cooldown_hours
            day += timedelta(hours=hours + rng.uniform(0, 24) * (number_of_try > 1))
            entries, day, passed = self.attempt(
                rows, enrolment_id, "post", number_of_try, level, day, pre_entries, met
            )
            if passed is not None:
                self.certificate(rows, user_id, enrolment_id, passed, name, day)
                return
            if rng.random() < 0.4:  # not tried again (yet)
                return
            met += tuple(entries)
            level = min(0.97, level + rng.uniform(0.05, 0.15))

    def draw(
        self,
        enrolment_id: int,
        kind: str,
        number: int,
        seed: int,
        never: tuple[str, ...],
        rather_not: tuple[str, ...],
    ) -> tuple[str | None, list[str]]:
        """(parallel form, entries) as the platform draws them (``assessments.drawing``): the
        judge's entry form (alternating in the cohort), the other one for the first final
        attempt, a retake drawn to the same profile; or a blueprint's draw without forms."""
        from elearning.assessments import logic
        from elearning.content.forms import retake_profile

        course = self.course
        form = course.form(kind)
        parallel = course.parallel_forms
        if not (form.parallel and parallel):
            return None, logic.draw_entries(form, course.bank, seed, never, rather_not)
        names = sorted(parallel)
        entry_form = names[enrolment_id % len(names)]
        if kind == "pre":
            name = entry_form
        elif number == 1:
            name = logic.first_final_form(parallel, entry_form, set(never))
        else:
            name = None
        if name is None:
            profile = retake_profile(course.bank, parallel)
            return None, logic.draw_retake(course.bank, profile, seed, set(never), set(rather_not))
        entries = list(parallel[name])
        if form.shuffle:
            random.Random(seed).shuffle(entries)  # noqa: S311 - question order, not a secret
        return name, entries

    def attempt(
        self,
        rows: dict[str, list[dict[str, Any]]],
        enrolment_id: int,
        kind: str,
        number: int,
        level: float,
        day: datetime,
        never: tuple[str, ...],
        rather_not: tuple[str, ...],
    ) -> tuple[list[str], datetime, tuple[int, float] | None]:
        """A submitted attempt and its responses, scored; returns the entries drawn, when it
        was submitted, and (attempt id, score) if it passed."""
        from elearning.assessments import logic

        rng, course = self.rng, self.course
        seed = rng.getrandbits(31)
        form_name, entries = self.draw(enrolment_id, kind, number, seed, never, rather_not)
        attempt_id = self.ids.take("attempts")
        answered = day
        earned = possible = 0
        for position, entry_id in enumerate(entries):
            answered += timedelta(seconds=rng.uniform(30, 180))
            for question in course.bank.entries[entry_id].questions:
                facts = self.questions[question.id]
                is_correct = rng.random() < level - facts.difficulty
                rows["attempt_responses"].append(
                    {
                        "attempt_id": attempt_id,
                        "question_id": question.id,
                        "entry_id": entry_id,
                        "position": position,
                        "selected": facts.right if is_correct else rng.choice(facts.wrong),
                        "answered_at": answered,
                        "credit": 1.0 if is_correct else 0.0,
                        "is_correct": is_correct,
                    }
                )
                earned += is_correct
                possible += 1
        score = round(100 * earned / possible, 1) if possible else 0.0
        is_passed = logic.passes(course.assessment, score) if kind == "post" else None
        submitted = answered + timedelta(seconds=rng.uniform(10, 120))
        rows["attempts"].append(
            {
                "id": attempt_id,
                "enrolment_id": enrolment_id,
                "kind": kind,
                "number": number,
                "seed": seed,
                "content_version": course.content_version,
                "status": "submitted",
                "started_at": day,
                "submitted_at": submitted,
                "closed_by": "learner",
                "position": max(0, len(entries) - 1),
                "marks_earned": float(earned),
                "marks_possible": possible,
                "score": score,
                "is_passed": is_passed,
                "form": form_name,
            }
        )
        return entries, submitted, (attempt_id, score) if is_passed else None

    def certificate(
        self,
        rows: dict[str, list[dict[str, Any]]],
        user_id: int,
        enrolment_id: int,
        passed: tuple[int, float],
        name: str,
        day: datetime,
    ) -> None:
        """Most passes hold a certificate (a few revoked since); a few await approval."""
        attempt_id, score = passed
        chance = self.rng.random()
        if chance < 0.06:
            rows["certificate_requests"].append(
                {
                    "enrolment_id": enrolment_id,
                    "attempt_id": attempt_id,
                    "course_slug": self.course.slug,
                    "requested_at": day,
                }
            )
            return
        revoked = chance < 0.09
        rows["certificates"].append(
            {
                "serial": f"BENCH-{self.cohort_id}-{attempt_id}",
                "code": f"{self.cohort_id:04d}{attempt_id:012d}",
                "user_id": user_id,
                "enrolment_id": enrolment_id,
                "attempt_id": attempt_id,
                "course_slug": self.course.slug,
                "holder_name": name,
                "course_title": str(self.course.title),
                "content_version": self.course.content_version,
                "score": score,
                "completed_at": day,
                "issued_at": day + timedelta(minutes=1),
                "issuer": "Judicial Ethics e-Learning",
                "design": self.course.certificate.design,
                "language": "en",
                "pdf": PLACEHOLDER_PDF,
                "pdf_sha256": hashlib.sha256(PLACEHOLDER_PDF).hexdigest(),
                "revoked_at": day + timedelta(days=2) if revoked else None,
                "revoked_reason": "Issued in error (benchmark data)" if revoked else None,
            }
        )


def _tables() -> dict[str, Table]:
    """The tables a cohort is written to, in an order their foreign keys allow."""
    from elearning.accounts.models import User
    from elearning.assessments.models import Attempt, Response
    from elearning.certificates.models import Certificate, CertificateRequest
    from elearning.cohorts.models import CohortMember
    from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion

    models = (
        User, Enrolment, CohortMember, LessonCompletion, CheckAnswer, Attempt, Response,
        Certificate, CertificateRequest,
    )  # fmt: skip
    return {model.__table__.name: model.__table__ for model in models}


def seed_cohort(session: Session, course: Course, trainer: User, size: int) -> Seeded:
    """A cohort of ``size`` judges trained by ``trainer``, written in bulk and committed."""
    from elearning.cohorts import services as cohorts
    from elearning.cohorts import tallies
    from elearning.sqltypes import utcnow

    began = time.perf_counter()
    now = utcnow()
    name = f"Bench cohort of {size:,} judges"
    cohort = cohorts.create_cohort(
        session,
        course=course,
        details=cohorts.CohortDetails(
            name=name,
            site="Bench judicial academy",
            starts_on=(now - timedelta(days=40)).date(),
            ends_on=(now + timedelta(days=10)).date(),
            join_closes_on=None,
        ),
        creator=trainer,
    )
    session.commit()
    tables = _tables()
    ids = Ids(
        {table: next_id(session, tables[table]) for table in ("users", "enrolments", "attempts")}
    )
    seeder = CohortSeeder(
        course, cohort.id, size, ids, now - timedelta(days=40), random.Random(SEED + size)
    )
    for rows in seeder.batches():
        for table_name, table in tables.items():
            bulk_insert(session, table, rows[table_name])
            seeder.counts[table_name] += len(rows[table_name])
        session.commit()
    for table_name in ids.upcoming:
        catch_up_ids(session, tables[table_name])
    session.commit()
    seeded = time.perf_counter() - began
    # Written around the services, the cohort's report totals are counted once, as
    # ``elearning cohorts rebuild-totals`` does after an import; from then on they are kept.
    began = time.perf_counter()
    tallies.rebuild(session, cohort.id, course)
    session.commit()
    rebuilt = time.perf_counter() - began
    return Seeded(size, cohort.id, name, seeded, dict(seeder.counts), rebuilt)


def analyse(session: Session) -> None:
    """Refresh PostgreSQL's planner statistics, as autovacuum would shortly after the load."""
    from sqlalchemy import text

    if session.connection().dialect.name == "postgresql":
        session.commit()
        for table_name in _tables():
            session.execute(text(f"ANALYZE {table_name}"))
        session.commit()


def check_report(report: CohortReport, seeded: Seeded) -> None:
    """Fail unless every part of the report has something to show."""
    parts = {
        "enrolled": report.counts.enrolled == seeded.size,
        "started": report.counts.started > 0,
        "lessons done": report.counts.lessons_done > 0,
        "sat": report.counts.sat > 0,
        "passed": 0 < report.counts.passed < report.counts.sat,
        "pre scores": report.pre_count > 0,
        "post scores": report.post_count > 0,
        "gain": report.gain_count > 0,
        "paired comparison": report.paired is not None,
        "topics": bool(report.topics),
        "distributions": sum(n for _, n in report.distribution_post) == report.post_count,
        "item analysis": bool(report.items),
    }
    missing = [part for part, present in parts.items() if not present]
    if missing:
        raise BenchError(f"the report of {seeded.name} lacks: {', '.join(missing)}")


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Direct:
    """One size's calls in this process: times in ms and statements per call."""

    report_ms: list[float]
    roster_ms: list[float]
    report_queries: int
    roster_queries: int
    cold_report_ms: list[float] = field(default_factory=list)  # the pass over responses too
    cold_report_queries: int = 0


class StatementCounter:
    """Counts the SQL statements an engine sends while switched on."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy import event

        self.engine = engine
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    def close(self) -> None:
        """Stop listening."""
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._seen)


def time_calls(
    session: Session, counter: StatementCounter, call: Callable[[], Any]
) -> tuple[list[float], int, Any]:
    """Warm up, then :data:`DIRECT_RUNS` timed calls, each in a fresh transaction; returns the
    times in ms, the statements each call sent (they must agree), and the last result."""
    session.rollback()
    result = call()
    times, statements = [], set()
    for _ in range(DIRECT_RUNS):
        session.rollback()
        counter.count = 0
        began = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - began) * 1000)
        statements.add(counter.count)
    session.rollback()
    if len(statements) != 1:
        raise BenchError(f"the same call sent different numbers of statements: {statements}")
    return times, statements.pop(), result


def measure_direct(session: Session, engine: Engine, course: Course, seeded: Seeded) -> Direct:
    """``cohort_report()`` and the roster's first page by gain, called in this process."""
    from elearning.cohorts import report, rosters

    counter = StatementCounter(engine)
    try:
        report_ms, report_queries, result = time_calls(
            session, counter, lambda: report.cohort_report(session, seeded.cohort_id, course)
        )
        check_report(result, seeded)
        counts = result.counts
        log(
            f"  the report shows {counts.enrolled:,} enrolled, {counts.started:,} started, "
            f"{counts.lessons_done:,} with every lesson done, {counts.sat:,} sat the final "
            f"assessment, {counts.passed:,} passed; mean entry {result.mean_pre:.1f} %, final "
            f"{result.mean_post:.1f} %, gain {result.mean_gain:.2f}; {len(result.topics)} topics, "
            f"{len(result.items)} questions"
        )
        # A first view: on a new connection, with nothing of the cohort in the session.
        cold_ms, cold_queries, _ = time_calls(
            session,
            counter,
            lambda: (
                session.close(),
                engine.dispose(),
                report.cohort_report(session, seeded.cohort_id, course),
            ),
        )
        roster_ms, roster_queries, page = time_calls(
            session,
            counter,
            lambda: rosters.roster_page(
                session, seeded.cohort_id, course, sort="gain", descending=True
            ),
        )
        if page.total != seeded.size or not page.rows or page.rows[0].gain is None:
            raise BenchError(f"the roster of {seeded.name} is not the cohort by gain")
    finally:
        counter.close()
    return Direct(report_ms, roster_ms, report_queries, roster_queries, cold_ms, cold_queries)


@dataclass
class Pages:
    """One size's pages over HTTP: times in ms."""

    report_ms: list[float]
    roster_ms: list[float]


def time_page(ctx: Context, cookie: str, path: str, seeded: Seeded) -> tuple[list[float], str]:
    """Warm up, then :data:`PAGE_REQUESTS` GETs of ``path`` one after another; returns the
    times in ms and the session cookie as it now stands."""
    times = []
    for number in range(PAGE_WARMUPS + PAGE_REQUESTS):
        began = time.perf_counter()
        reply = http_request(
            ctx.app_url,
            "GET",
            path,
            headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
            timeout=PAGE_TIMEOUT,
        )
        elapsed = (time.perf_counter() - began) * 1000
        cookie = session_cookie(reply) or cookie
        if reply.status != 200 or seeded.name not in reply.text:
            raise BenchError(f"GET {path} answered {reply.status} without {seeded.name!r}")
        if number >= PAGE_WARMUPS:
            times.append(elapsed)
    return times, cookie


def measure_pages(ctx: Context, cookie: str, seeded: Seeded) -> tuple[Pages, str]:
    """The report page and the roster's first page by gain, over HTTP."""
    base = f"/cohorts/{seeded.cohort_id}"
    report_ms, cookie = time_page(ctx, cookie, f"{base}/report", seeded)
    roster_ms, cookie = time_page(ctx, cookie, f"{base}/roster?sort=gain&order=desc", seeded)
    return Pages(report_ms, roster_ms), cookie


# --- the benchmark ----------------------------------------------------------------------------


def seed_and_measure(ctx: Context) -> tuple[Learner, list[Seeded], list[Direct]]:
    """Seed every cohort, then measure the calls at each size; returns the trainer too."""
    from elearning.accounts.models import Role, User
    from elearning.catalog import get_catalog
    from elearning.extensions import db

    with platform_app(ctx.env):
        course = get_catalog().course(COURSE_SLUG)
        if course is None or course.bank is None or course.form("post") is None:
            raise BenchError(f"the course {COURSE_SLUG!r} has no final assessment")
        session = db.session
        [trainer] = create_learners(session, 1, TRAINER_PREFIX)
        user = session.get(User, trainer.user_id)
        user.role = Role.trainer
        session.commit()
        seeded = []
        for size in ctx.options.cohort_sizes:
            log(f"cohort-report: seeding a cohort of {size:,} judges")
            cohort = seed_cohort(session, course, user, size)
            rows = ", ".join(f"{count:,} {table}" for table, count in cohort.rows.items())
            log(f"  seeded in {cohort.seconds:.1f} s: {rows}")
            log(f"  report totals counted in {cohort.rebuild_seconds:.1f} s")
            seeded.append(cohort)
        analyse(session)
        direct = []
        for cohort in seeded:
            log(f"cohort-report: the report and roster of {cohort.size:,} judges, in process")
            result = measure_direct(session, db.engine, course, cohort)
            log(
                f"  report median {_median(result.report_ms)} ms "
                f"({result.report_queries} statements), roster median "
                f"{_median(result.roster_ms)} ms ({result.roster_queries} statements)"
            )
            direct.append(result)
        return trainer, seeded, direct


@benchmark("cohort-report")
def bench_cohort_report(ctx: Context) -> list[Row]:
    """The cohort report and roster at each ``--cohort-sizes``: in process and over HTTP."""
    trainer, seeded, direct = seed_and_measure(ctx)
    log(f"cohort-report: signing in as the trainer {trainer.email}")
    cookie = sign_in(ctx.app_url, trainer.email, LEARNER_PASSWORD, trainer.name)
    pages = []
    for cohort in seeded:
        log(f"cohort-report: the report and roster pages of {cohort.size:,} judges, over HTTP")
        result, cookie = measure_pages(ctx, cookie, cohort)
        log(
            f"  report page p50 {_pct(result.report_ms, 50)} ms, p99 "
            f"{_pct(result.report_ms, 99)} ms; roster page p50 {_pct(result.roster_ms, 50)} ms, "
            f"p99 {_pct(result.roster_ms, 99)} ms"
        )
        pages.append(result)
    return report_rows(ctx, seeded, direct, pages)


def report_rows(
    ctx: Context, seeded: list[Seeded], direct: list[Direct], pages: list[Pages]
) -> list[Row]:
    """The table rows, grouped by what is measured so each reads as a curve over the sizes;
    every figure also goes to results.json."""

    def target(size: int) -> str | None:
        return TARGET_MS if size >= TARGET_SIZE else None

    def same_as_first(values: list[int]) -> Callable[[int], str]:
        return lambda _size: f"== {values[0]}"

    report_queries = [calls.report_queries for calls in direct]
    roster_queries = [calls.roster_queries for calls in direct]
    curves: list[tuple[str, list[float], str, Callable[[int], str | None]]] = [
        ("report aggregates {:,} learners", [_median(c.report_ms) for c in direct], "ms", target),
        (
            "report aggregates, first view {:,} learners",
            [_median(c.cold_report_ms) for c in direct],
            "ms",
            target,
        ),
        ("report page {:,} learners p50", [_pct(p.report_ms, 50) for p in pages], "ms", target),
        ("report page {:,} learners p99", [_pct(p.report_ms, 99) for p in pages], "ms", _none),
        ("roster by gain {:,} learners", [_median(c.roster_ms) for c in direct], "ms", _none),
        ("roster page {:,} learners p50", [_pct(p.roster_ms, 50) for p in pages], "ms", _none),
        ("roster page {:,} learners p99", [_pct(p.roster_ms, 99) for p in pages], "ms", _none),
        ("report queries {:,} learners", report_queries, "count", same_as_first(report_queries)),
        (
            "report queries, first view {:,} learners",
            [calls.cold_report_queries for calls in direct],
            "count",
            _none,
        ),
        ("roster queries {:,} learners", roster_queries, "count", same_as_first(roster_queries)),
        ("totals rebuilt {:,} learners", [c.rebuild_seconds for c in seeded], "s", _none),
    ]
    rows = [
        Row(label.format(cohort.size), value, unit, target_of(cohort.size))
        for label, values, unit, target_of in curves
        for cohort, value in zip(seeded, values, strict=True)
    ]
    for cohort, calls, page in zip(seeded, direct, pages, strict=True):
        ctx.runs.append(
            {
                "benchmark": "cohort-report",
                "label": f"cohort of {cohort.size}",
                "tool": "python",
                "learners": cohort.size,
                "seed_s": round(cohort.seconds, 2),
                "rebuild_totals_s": round(cohort.rebuild_seconds, 2),
                "rows_seeded": cohort.rows,
                "report_ms": [round(t, 2) for t in calls.report_ms],
                "first_view_report_ms": [round(t, 2) for t in calls.cold_report_ms],
                "roster_ms": [round(t, 2) for t in calls.roster_ms],
                "report_queries": calls.report_queries,
                "roster_queries": calls.roster_queries,
                "report_page_ms": [round(t, 2) for t in page.report_ms],
                "roster_page_ms": [round(t, 2) for t in page.roster_ms],
            }
        )
    return rows
