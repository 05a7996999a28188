"""A workshop room: every learner submits the final assessment at the same moment.

DESIGN.md's target: 200 simultaneous post-assessment submissions, no error, no lost answer.

``--learners`` (200) accounts are made, each enrolled in the course with every lesson complete,
the entry assessment taken and the final one open with every page but the last answered (every
other learner rightly, so half the room passes and its submit also issues a certificate): all
through the platform's own services, in this process, under the servers' environment; they
are one workshop's cohort, whose report totals each submit moves. Each
learner then signs in over HTTP (its own session cookie) and opens the last page of its attempt
(its CSRF token, its questions and options).

Measured, over HTTP against gunicorn: at one moment (a barrier) every learner posts the last
page's answers (``go=review``), then posts Submit; each must answer 302 to the expected page
(review, then results). Anything else, or a connection error, is an error.

Then the database is read: every answer a learner was told was saved (the pages saved before the
burst, and the last page when its POST answered 302) must be stored exactly, the options'
positions on the page mapped to keys through the attempt's seed; every attempt must be submitted
and scored from its stored answers; no learner may have a second final attempt; the cohort's
report totals must equal a count from scratch.
"""

from __future__ import annotations

import dataclasses
import http.client
import itertools
import random
import re
import threading
import time
import urllib.parse
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bench.harness import BenchError, log
from bench.harness.database import LEARNER_PASSWORD, Learner, create_learners, platform_app
from bench.harness.load import percentile
from bench.harness.registry import Context, Row, benchmark
from bench.harness.web import SESSION_COOKIE, Reply, get_page, http_request, session_cookie, sign_in

COURSE_SLUG = "judicial-ethics"
COURSE = f"/courses/{COURSE_SLUG}"
ACCOUNT_PREFIX = "burst"
TRAINER_PREFIX = "burst-trainer"
COHORT_NAME = "Burst workshop room"
SEED = 2026  # the answers chosen are the same from run to run
SETUP_THREADS = 8  # sign-ins and page loads before the burst, not measured
REQUEST_TIMEOUT = 120.0  # seconds; a judge's browser waits at least this long
BARRIER_TIMEOUT = 120.0
ERRORS_SHOWN = 5
CERTIFICATES_TIMEOUT = 300.0  # seconds the background jobs get to issue the room's certificates


@dataclass
class Seat:
    """One learner in the room: the account, the open attempt, what was sent and how it went."""

    learner: Learner
    attempt_id: int
    page_count: int
    saved: dict[str, frozenset[str]]  # question id → option keys saved before the burst
    cookie: str = ""
    token: str = ""
    chosen: dict[str, list[str]] = field(default_factory=dict)  # field → option positions sent
    answer_ms: float | None = None
    submit_ms: float | None = None
    started: float = 0.0
    finished: float = 0.0
    answer_saved: bool = False  # the last page's POST answered 302 to the review page
    submitted: bool = False  # Submit answered 302 to the results page
    errors: list[str] = field(default_factory=list)

    def path(self, tail: str | int) -> str:
        """A path of this attempt: a page number, ``review``, ``submit`` or ``results``."""
        return f"{COURSE}/assessment/attempts/{self.attempt_id}/{tail}"


@dataclass(frozen=True)
class Verdict:
    """What the database holds after the burst."""

    answers_checked: int
    lost_answers: int
    submitted_and_scored: int
    second_attempts: int
    problems: list[str]
    passed: int = 0
    certificates: int = 0  # passes holding their certificate (issued by the background job)
    certificates_after_s: float | None = None  # from the end of the burst to the last one issued
    totals_after_s: float | None = None  # from the end of the burst to the totals caught up


# --- before the burst -------------------------------------------------------------------------


def seed_room(ctx: Context, count: int) -> list[Seat]:
    """Make the learners, each with the final assessment open and all but its last page
    answered, through the platform's services, committing after each step as its pages do."""
    from elearning.accounts.models import User
    from elearning.assessments import services
    from elearning.catalog import get_catalog
    from elearning.cohorts import services as cohorts
    from elearning.content.itemtypes import item_type
    from elearning.extensions import db
    from elearning.learning.models import LessonCompletion
    from elearning.learning.services import enrol
    from elearning.sqltypes import utcnow

    rng = random.Random(SEED)

    def pick(question, knows: bool) -> frozenset[str]:
        if knows:
            return frozenset(question.correct_keys)
        keys = [choice.key for choice in question.choices]
        if item_type(question).widget == "checkbox":
            return frozenset(rng.sample(keys, rng.randint(1, len(keys))))
        return frozenset({rng.choice(keys)})

    def start(enrolment_id: int, kind: str):
        """A new attempt, committed, and its number of pages."""
        now = utcnow()
        standing = services.standing(session, course, enrolment_id, True, now)
        attempt = services.start_attempt(session, course, enrolment_id, kind, standing, now)
        session.commit()
        return attempt, len(services.entry_order(services.responses_of(session, attempt.id)))

    def answer_pages(attempt, pages: range, knows: bool = False) -> dict[str, frozenset[str]]:
        by_page: dict[int, list[str]] = defaultdict(list)
        for response in services.responses_of(session, attempt.id):
            by_page[response.position].append(response.question_id)
        saved: dict[str, frozenset[str]] = {}
        for position in pages:
            answers = {qid: pick(course.bank.questions[qid], knows) for qid in by_page[position]}
            services.save_answers(session, course, attempt, position, answers, utcnow())
            saved.update(answers)
        return saved

    with platform_app(ctx.env):
        course = get_catalog().course(COURSE_SLUG)
        if (
            course is None
            or course.bank is None
            or not (course.form("pre") and course.form("post"))
        ):
            raise BenchError(f"the course {COURSE_SLUG!r} has no entry and final assessments")
        session = db.session
        learners = create_learners(session, count, ACCOUNT_PREFIX)
        [trainer] = create_learners(session, 1, TRAINER_PREFIX)
        session.commit()
        # The room is a workshop's cohort: each judge joins it before the burst, so every
        # submit also moves the cohort report's totals (in the submit's own transaction).
        cohort = cohorts.create_cohort(
            session,
            course=course,
            details=cohorts.CohortDetails(name=COHORT_NAME),
            creator=session.get(User, trainer.user_id),
        )
        session.commit()
        seats = []
        for index, learner in enumerate(learners):
            enrolment = enrol(session, learner.user_id, course)
            session.flush()
            session.add_all(
                LessonCompletion(
                    enrolment_id=enrolment.id,
                    lesson_slug=lesson.slug,
                    content_version=course.content_version,
                )
                for lesson in course.lessons
            )
            session.commit()
            pre, pages = start(enrolment.id, "pre")
            answer_pages(pre, range(pages))
            services.submit_attempt(session, course, pre, utcnow())
            session.commit()
            post, pages = start(enrolment.id, "post")
            # Every other learner answered the saved pages rightly, and will pass whatever the
            # last page holds: their submit also issues their certificate.
            saved = answer_pages(post, range(pages - 1), knows=index % 2 == 0)
            cohorts.join_cohort(session, cohort, learner.user_id, course, via="code")
            session.commit()
            seats.append(Seat(learner, post.id, pages, saved))
        return seats


class _PageForm(HTMLParser):
    """The answer fields (``q-…``: type and option positions) and CSRF token of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None
        self.fields: dict[str, tuple[str, list[str]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect the form's inputs."""
        values = dict(attrs)
        name, value = values.get("name") or "", values.get("value") or ""
        if tag != "input":
            return
        if name == "csrf_token" and self.token is None:
            self.token = value
        elif name.startswith("q-"):
            self.fields.setdefault(name, (values.get("type") or "", []))[1].append(value)


def open_last_page(ctx: Context, seat: Seat, index: int) -> None:
    """Sign the learner in and open the last page, as the learner would before pressing the
    button; choose the answers to send."""
    learner = seat.learner
    cookie = sign_in(ctx.app_url, learner.email, LEARNER_PASSWORD, learner.name)
    reply, cookie = get_page(ctx.app_url, cookie, seat.path(seat.page_count))
    page = _PageForm()
    page.feed(reply.text)
    if reply.status != 200 or not page.token or not page.fields:
        raise BenchError(
            f"GET {seat.path(seat.page_count)} for {learner.email} answered {reply.status} "
            "without its questions and CSRF token"
        )
    rng = random.Random(f"{SEED}:{index}")
    for name, (kind, positions) in sorted(page.fields.items()):
        if kind == "checkbox":
            chosen = sorted(rng.sample(positions, rng.randint(1, len(positions))))
        else:
            chosen = [rng.choice(positions)]
        seat.chosen[name] = chosen
    seat.cookie, seat.token = cookie, page.token


# --- the burst --------------------------------------------------------------------------------


def _post(
    ctx: Context, seat: Seat, path: str, fields: list[tuple[str, str]], expected: str
) -> tuple[float | None, bool]:
    """POST a form as the learner; (milliseconds, whether it answered 302 to ``expected``)."""
    body = urllib.parse.urlencode([("csrf_token", seat.token), *fields])
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"{SESSION_COOKIE}={seat.cookie}",
    }
    began = time.perf_counter()
    try:
        reply = http_request(
            ctx.app_url, "POST", path, headers=headers, body=body, timeout=REQUEST_TIMEOUT
        )
    except (OSError, http.client.HTTPException) as exc:
        seat.errors.append(f"POST {path}: {type(exc).__name__}: {exc}")
        return None, False
    elapsed = (time.perf_counter() - began) * 1000
    seat.cookie = session_cookie(reply) or seat.cookie
    location = urllib.parse.urlsplit(reply.headers.get("Location", "")).path
    if reply.status == 302 and location == expected:
        return elapsed, True
    seat.errors.append(f"POST {path}: {_describe(reply)}")
    return elapsed, False


def _describe(reply: Reply) -> str:
    """A reply's status and where it pointed, or the page's title and alert."""
    location = reply.headers.get("Location")
    if location:
        return f"{reply.status} to {urllib.parse.urlsplit(location).path}"
    found = [
        re.search(r"<title>(.*?)</title>", reply.text, re.S),
        re.search(r'role="alert"[^>]*>(.*?)</div>', reply.text, re.S),
    ]
    text = " / ".join(re.sub(r"<[^>]+>|\s+", " ", m.group(1)).strip() for m in found if m)
    return f"{reply.status} {text or reply.text[:160]}"


def take_seat(ctx: Context, seat: Seat, barrier: threading.Barrier) -> None:
    """Wait for everyone, then send the last page's answers and submit."""
    barrier.wait(BARRIER_TIMEOUT)
    seat.started = time.perf_counter()
    try:
        answers = [(name, value) for name, values in seat.chosen.items() for value in values]
        seat.answer_ms, seat.answer_saved = _post(
            ctx, seat, seat.path(seat.page_count), [*answers, ("go", "review")], seat.path("review")
        )
        seat.submit_ms, seat.submitted = _post(
            ctx, seat, seat.path("submit"), [], seat.path("results")
        )
    except Exception as exc:  # a client-side failure counts as an error, not a crash
        seat.errors.append(f"client: {type(exc).__name__}: {exc}")
    seat.finished = time.perf_counter()


def run_burst(ctx: Context, seats: list[Seat]) -> float:
    """Release every learner at once; returns the wall time in seconds."""
    barrier = threading.Barrier(len(seats))
    threads = [
        threading.Thread(target=take_seat, args=(ctx, seat, barrier), daemon=True) for seat in seats
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BARRIER_TIMEOUT + 2 * REQUEST_TIMEOUT + 10)
    if any(thread.is_alive() for thread in threads) or barrier.broken:
        raise BenchError("the burst did not finish: a learner never started or never returned")
    return max(seat.finished for seat in seats) - min(seat.started for seat in seats)


# --- after the burst --------------------------------------------------------------------------


def check_room(ctx: Context, seats: list[Seat]) -> Verdict:
    """Compare what the database holds with what every learner was told was saved."""
    from sqlalchemy import func, select

    from elearning.assessments import logic, services
    from elearning.assessments.models import Attempt, Response
    from elearning.catalog import get_catalog
    from elearning.certificates.models import Certificate
    from elearning.cohorts import tallies
    from elearning.cohorts.models import Cohort
    from elearning.cohorts.tasks import keep_totals
    from elearning.extensions import db
    from elearning.learning.models import Enrolment
    from elearning.sqltypes import utcnow

    with platform_app(ctx.env):
        course = get_catalog().course(COURSE_SLUG)
        assert course is not None and course.bank is not None
        bank = course.bank
        session = db.session
        posts: dict[int, list[Attempt]] = defaultdict(list)
        for attempt, user_id in session.execute(
            select(Attempt, Enrolment.user_id)
            .join(Enrolment, Enrolment.id == Attempt.enrolment_id)
            .where(
                Enrolment.user_id.in_([seat.learner.user_id for seat in seats]),
                Attempt.kind == "post",
            )
        ):
            posts[user_id].append(attempt)
        stored: dict[int, dict[str, Response]] = defaultdict(dict)
        for response in session.scalars(
            select(Response).where(Response.attempt_id.in_([seat.attempt_id for seat in seats]))
        ):
            stored[response.attempt_id][response.question_id] = response
        checked = lost = good = second = 0
        problems: list[str] = []
        for seat in seats:
            attempts = posts[seat.learner.user_id]
            second += len(attempts) > 1
            attempt = next((a for a in attempts if a.id == seat.attempt_id), None)
            if attempt is None:
                problems.append(f"{seat.learner.email}: attempt {seat.attempt_id} is gone")
                continue
            expected = dict(seat.saved)
            if seat.answer_saved:
                for name, positions in seat.chosen.items():
                    question_id = name.removeprefix("q-")
                    order = logic.option_order(attempt.seed, bank.questions[question_id])
                    expected[question_id] = frozenset(order[int(p) - 1] for p in positions)
            responses = stored[attempt.id]
            for question_id, keys in expected.items():
                checked += 1
                response = responses.get(question_id)
                if response is None or response.selected_keys != keys:
                    lost += 1
                    problems.append(
                        f"{seat.learner.email}: {question_id} sent {sorted(keys)}, stored "
                        f"{sorted(response.selected_keys) if response else 'nothing'}"
                    )
            ordered = sorted(responses.values(), key=lambda r: (r.position, r.question_id))
            rescored = logic.score_answers(
                bank,
                services.entry_order(ordered),
                {r.question_id: r.selected_keys for r in ordered},
            )
            if attempt.status != "submitted" or attempt.score is None:
                problems.append(f"{seat.learner.email}: attempt {attempt.status}, not scored")
            elif attempt.score != rescored.percent:
                problems.append(
                    f"{seat.learner.email}: scored {attempt.score}, its stored answers make "
                    f"{rescored.percent}"
                )
            else:
                good += 1
        passed_ids = [
            a.enrolment_id for attempts in posts.values() for a in attempts if a.is_passed
        ]
        certified = session.scalar(
            select(func.count(func.distinct(Certificate.enrolment_id))).where(
                Certificate.enrolment_id.in_(passed_ids)
            )
        )
        # The cohort's report totals, moved by the jobs after 200 submits at once, equal a count
        # from scratch. The benchmark has waited for the jobs (wait_for_totals); where no worker
        # runs (the fault tests), the changes left marked are applied here as the job would.
        session.rollback()
        for enrolment_id in tallies.changed_before(session, utcnow()):
            keep_totals.call_local(enrolment_id)
        cohort_id = session.scalar(select(Cohort.id).where(Cohort.name == COHORT_NAME))
        kept = tallies.read(session, cohort_id, course)
        for name, value in tallies.recount(session, cohort_id, course).items():
            if abs(kept.get(name, 0.0) - value) > 1e-6 * max(1.0, abs(value)):
                problems.append(f"report total {name}: kept {kept.get(name)}, counted {value}")
        session.rollback()
        return Verdict(checked, lost, good, second, problems, len(passed_ids), certified or 0)


# --- the benchmark ----------------------------------------------------------------------------


@benchmark("burst")
def bench_burst(ctx: Context) -> list[Row]:
    """A workshop room submitting the final assessment at once: errors, lost answers, latency."""
    count = ctx.options.learners
    log(f"burst: seeding {count} learners with the final assessment open on its last page")
    began = time.perf_counter()
    seats = seed_room(ctx, count)
    log(f"burst: seeded in {time.perf_counter() - began:.1f} s")
    log(f"burst: signing the learners in and opening their last page ({SETUP_THREADS} at once)")
    began = time.perf_counter()
    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        list(pool.map(open_last_page, itertools.repeat(ctx), seats, itertools.count()))
    log(f"burst: ready in {time.perf_counter() - began:.1f} s")

    log(f"burst: {count} learners answer the last page and submit at the same moment")
    wall = run_burst(ctx, seats)
    errors = [error for seat in seats for error in seat.errors]
    _show("error", errors)
    ended = time.perf_counter()
    totals_after = wait_for_totals(ctx, ended)
    verdict = check_room(ctx, seats)
    _show("database", verdict.problems)
    certificates, after = wait_for_certificates(ctx, seats, verdict.passed, ended)
    verdict = dataclasses.replace(
        verdict, certificates=certificates, certificates_after_s=after, totals_after_s=totals_after
    )
    return report(ctx, seats, len(errors), verdict, wall)


def wait_for_totals(ctx: Context, ended: float) -> float | None:
    """Wait for the background jobs to move the cohort report's totals by the room's submits:
    how long after the burst no judge's change was left to apply (None: some still were)."""
    from sqlalchemy import func, select

    from elearning.cohorts.models import JudgeFacts
    from elearning.extensions import db

    deadline = ended + CERTIFICATES_TIMEOUT
    with platform_app(ctx.env):
        while True:
            waiting = db.session.scalar(
                select(func.count()).where(JudgeFacts.changed_at.is_not(None))
            )
            db.session.rollback()
            if not waiting:
                return round(time.perf_counter() - ended, 1)
            if time.perf_counter() > deadline:
                return None
            time.sleep(0.5)


def wait_for_certificates(
    ctx: Context, seats: list[Seat], passed: int, ended: float
) -> tuple[int, float | None]:
    """Wait for the background jobs to issue the passes' certificates: how many hold one, and
    how long after the burst the last was issued (None if some were still missing at the end)."""
    from sqlalchemy import func, select

    from elearning.certificates.models import Certificate
    from elearning.extensions import db

    attempts = [seat.attempt_id for seat in seats]
    deadline = ended + CERTIFICATES_TIMEOUT
    with platform_app(ctx.env):
        while True:
            issued = db.session.scalar(
                select(func.count(func.distinct(Certificate.enrolment_id))).where(
                    Certificate.attempt_id.in_(attempts)
                )
            )
            db.session.rollback()
            if issued >= passed:
                return issued, round(time.perf_counter() - ended, 1)
            if time.perf_counter() > deadline:
                return issued, None
            time.sleep(0.5)


def _show(what: str, lines: list[str]) -> None:
    for line in lines[:ERRORS_SHOWN]:
        log(f"  {what}: {line}")
    if len(lines) > ERRORS_SHOWN:
        log(f"  ... and {len(lines) - ERRORS_SHOWN} more")


def report(
    ctx: Context, seats: list[Seat], errors: int, verdict: Verdict, wall: float
) -> list[Row]:
    """The table rows; every figure also goes to results.json."""
    count = len(seats)

    def pct(values: list[float], rank: int) -> float:
        return round(percentile(sorted(values), rank), 1)

    answers = [seat.answer_ms for seat in seats if seat.answer_ms is not None]
    submits = [seat.submit_ms for seat in seats if seat.submit_ms is not None]
    pairs = [
        seat.answer_ms + seat.submit_ms
        for seat in seats
        if seat.answer_ms is not None and seat.submit_ms is not None
    ]
    submitted = sum(seat.submitted for seat in seats)
    throughput = round(submitted / wall, 2) if wall else 0.0
    figures = {
        "learners": count,
        "errors": errors,
        "lost_answers": verdict.lost_answers,
        "answers_checked": verdict.answers_checked,
        "submitted_and_scored": verdict.submitted_and_scored,
        "second_attempts": verdict.second_attempts,
        "passed": verdict.passed,
        "certificates": verdict.certificates,
        "certificates_after_s": verdict.certificates_after_s,
        "totals_after_s": verdict.totals_after_s,
        "answer_p50_ms": pct(answers, 50),
        "answer_p99_ms": pct(answers, 99),
        "submit_p50_ms": pct(submits, 50),
        "submit_p99_ms": pct(submits, 99),
        "pair_p50_ms": pct(pairs, 50),
        "pair_p99_ms": pct(pairs, 99),
        "pair_max_ms": pct(pairs, 100),
        "wall_s": round(wall, 3),
        "submissions_per_s": throughput,
    }
    ctx.runs.append({"benchmark": "burst", "label": "burst", "tool": "python", **figures})
    spread = figures["submit_p99_ms"] / figures["submit_p50_ms"] if figures["submit_p50_ms"] else 0
    log(
        f"burst: {submitted}/{count} submitted in {wall:.2f} s; {verdict.answers_checked} answers "
        f"checked, {verdict.lost_answers} lost; last page p50 {figures['answer_p50_ms']} ms, "
        f"p99 {figures['answer_p99_ms']} ms; submit p99 = {spread:.1f} x p50"
    )
    return [
        Row("burst errors", errors, "count", "== 0"),
        Row("burst lost answers", verdict.lost_answers, "count", "== 0"),
        Row(
            "burst attempts submitted and scored",
            verdict.submitted_and_scored,
            "count",
            f"== {count}",
        ),
        Row("burst second final attempts", verdict.second_attempts, "count", "== 0"),
        Row("burst passes", verdict.passed, "count"),
        Row(
            "burst passes holding their certificate",
            verdict.certificates,
            "count",
            f"== {verdict.passed}",
        ),
        Row(
            "burst certificates all issued, after the burst",
            verdict.certificates_after_s if verdict.certificates_after_s is not None else "never",
            "s",
        ),
        Row(
            "burst report totals caught up, after the burst",
            verdict.totals_after_s if verdict.totals_after_s is not None else "never",
            "s",
        ),
        Row("burst submit p50 latency", figures["submit_p50_ms"], "ms"),
        Row("burst submit p99 latency", figures["submit_p99_ms"], "ms", "<= 1000"),
        Row("burst answer+submit p50 latency", figures["pair_p50_ms"], "ms"),
        Row("burst answer+submit p99 latency", figures["pair_p99_ms"], "ms"),
        Row("burst wall time", round(wall, 2), "s"),
        Row("burst throughput", throughput, "submissions/s"),
    ]
