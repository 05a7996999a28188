"""Faults a server meets: a worker killed in the middle of a room's submissions, and a database
that goes away and comes back. No acknowledged answer is lost, nothing is half-written, and the
platform recovers by itself.

The first test serves the platform with real gunicorn, as ``bench/benchmarks/burst.py`` does,
and reuses its seeding and its check of the database. Both run on the suite's database:
SQLite, or the PostgreSQL named by TEST_DATABASE_URL.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from elearning.assessments.models import Attempt
from elearning.certificates.models import CertificateRequest
from elearning.extensions import db
from elearning.learning.models import LessonCompletion

# bench/ is a folder of the checkout, not an installed package: import it from there (as
# `python -m pytest` from the root does) however pytest was started.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.benchmarks.burst import (  # noqa: E402
    SETUP_THREADS,
    Seat,
    check_room,
    open_last_page,
    seed_room,
)
from bench.harness.database import app_environment  # noqa: E402
from bench.harness.registry import Context, Options  # noqa: E402
from bench.harness.servers import (  # noqa: E402
    APP_URI,
    Server,
    start_server,
    stop_server,
    wait_until_up,
)
from bench.harness.web import SESSION_COOKIE, get_page, http_request, session_cookie  # noqa: E402
from tests.helpers import AuthActions, csrf_token_of  # noqa: E402

pytestmark = pytest.mark.slow

LEARNERS = 50
WORKERS = 2
THREADS = 4
KILL_AFTER = LEARNERS // 4  # submissions acknowledged before a worker is killed
REQUEST_TIMEOUT = 60.0
SUBMITTED = "Your answers are submitted."
ALREADY_SUBMITTED = "This attempt is already submitted; it counts once."
LESSON = "/courses/sample/basics/first-lesson"  # in the suite's fixture content
FRIENDLY = "The platform cannot reach its database just now"


# --- a worker killed in the middle of a burst ------------------------------------------------


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn workers: the processes whose parent is the master, read from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        # "pid (command) state ppid ...": the command may hold spaces, so split after its ")".
        if int(stat.rpartition(")")[2].split()[1]) == master_pid:
            pids.append(int(entry.name))
    return sorted(pids)


def open_sockets(pid: int) -> int:
    """How many sockets a process holds: its clients' connections, mostly, for a worker."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:  # closed while we looked
            continue
    return count


def busiest_worker(master_pid: int) -> int:
    """The worker holding the most connections now: killing it drops submissions in flight
    (the first worker may, by chance, have accepted none of them)."""
    return max(worker_pids(master_pid), key=open_sockets)


def wait_for_workers(server: Server, count: int, gone: int | None = None) -> list[int]:
    """Wait until the master runs ``count`` workers (none of them ``gone``)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = worker_pids(server.process.pid)
        if len(pids) == count and gone not in pids:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not run {count} workers: {pids}\n{server.log_tail()}")


def post_form(url: str, seat: Seat, path: str, fields: list[tuple[str, str]]):
    """POST a form as the learner, with the CSRF token of their page; the reply's cookie kept."""
    reply = http_request(
        url,
        "POST",
        path,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{SESSION_COOKIE}={seat.cookie}",
        },
        body=urllib.parse.urlencode([("csrf_token", seat.token), *fields]),
        timeout=REQUEST_TIMEOUT,
    )
    seat.cookie = session_cookie(reply) or seat.cookie
    return reply


def redirected_to(reply) -> str:
    """Where a reply sends the browser (its path), or its status."""
    location = reply.headers.get("Location")
    return urllib.parse.urlsplit(location).path if location else f"{reply.status}"


def answer_last_page(url: str, seat: Seat) -> None:
    """Send the answers chosen on the last page and go to the review, as the learner would."""
    answers = [(name, value) for name, values in seat.chosen.items() for value in values]
    reply = post_form(url, seat, seat.path(seat.page_count), [*answers, ("go", "review")])
    assert redirected_to(reply) == seat.path("review"), f"{seat.learner.email}: {reply.status}"
    seat.answer_saved = True


@dataclass
class Burst:
    """How the burst went: who was told their answers were submitted, who lost the
    connection, and when the worker died."""

    acknowledged: list[Seat]
    dropped: list[Seat]
    other: list[Seat]
    killed_pid: int
    acknowledged_at_kill: int
    in_flight_at_kill: int
    killed_after_ms: float


def submit_all_and_kill_a_worker(server: Server, seats: list[Seat]) -> Burst:
    """Every learner presses Submit at the same moment; once a quarter of them are told their
    answers are submitted, one worker is killed with SIGKILL."""
    lock = threading.Condition()
    acknowledged: list[Seat] = []
    dropped: list[Seat] = []
    other: list[Seat] = []
    started = 0
    barrier = threading.Barrier(len(seats) + 1)

    def submit(seat: Seat) -> None:
        nonlocal started
        barrier.wait(REQUEST_TIMEOUT)
        with lock:
            started += 1
        try:
            reply = post_form(server.url, seat, seat.path("submit"), [])
        except (OSError, http.client.HTTPException) as exc:  # the connection died with the worker
            seat.errors.append(f"{type(exc).__name__}: {exc}")
            outcome = dropped
        except Exception as exc:  # anything else is reported, not raised in a thread
            seat.errors.append(f"{type(exc).__name__}: {exc}")
            outcome = other
        else:
            seat.submitted = redirected_to(reply) == seat.path("results")
            outcome = acknowledged if seat.submitted else other
            if not seat.submitted:
                seat.errors.append(f"answered {reply.status} {redirected_to(reply)}")
        with lock:
            outcome.append(seat)
            lock.notify_all()

    threads = [threading.Thread(target=submit, args=(seat,), daemon=True) for seat in seats]
    for thread in threads:
        thread.start()
    barrier.wait(REQUEST_TIMEOUT)
    released = time.perf_counter()
    with lock:
        assert lock.wait_for(lambda: len(acknowledged) >= KILL_AFTER, REQUEST_TIMEOUT), (
            f"only {len(acknowledged)} submissions acknowledged: {errors_of(other)}"
        )
        victim = busiest_worker(server.process.pid)
        os.kill(victim, signal.SIGKILL)
        at_kill = len(acknowledged)
        in_flight = started - len(acknowledged) - len(dropped) - len(other)
    killed_after = (time.perf_counter() - released) * 1000
    for thread in threads:
        thread.join(REQUEST_TIMEOUT + 10)
    assert not any(thread.is_alive() for thread in threads), "a submission never returned"
    return Burst(acknowledged, dropped, other, victim, at_kill, in_flight, killed_after)


def errors_of(seats: list[Seat]) -> list[str]:
    """What went wrong for each of ``seats``."""
    return [f"{seat.learner.email}: {'; '.join(seat.errors)}" for seat in seats]


def submit_again(url: str, seat: Seat) -> str:
    """The learner whose connection dropped presses Submit again; what the results page says."""
    reply = post_form(url, seat, seat.path("submit"), [])
    assert redirected_to(reply) == seat.path("results"), f"{seat.learner.email}: {reply.status}"
    seat.submitted = True
    page, seat.cookie = get_page(url, seat.cookie, seat.path("results"))
    assert page.status == 200, f"{seat.learner.email}: results answered {page.status}"
    if ALREADY_SUBMITTED in page.text:
        return "already"
    assert SUBMITTED in page.text, f"{seat.learner.email}: the results page does not confirm"
    return "submitted"


def certificates_waiting(app: Flask, seats: list[Seat]) -> int:
    """How many of the seats' enrolments have a certificate owed and not yet issued."""
    attempts = [seat.attempt_id for seat in seats]
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(CertificateRequest)
            .join(Attempt, Attempt.enrolment_id == CertificateRequest.enrolment_id)
            .where(Attempt.id.in_(attempts))
        )


def test_a_worker_killed_during_a_burst_of_submissions_loses_no_acknowledged_answer(
    make_app, database_url, tmp_path, capsys
):
    """A room of judges submits the final assessment at once and a server process dies under
    them: every judge told "submitted" has their answers and score stored exactly; the others
    lost the connection, and pressing Submit again records their attempt once."""
    app = make_app()  # the tables are emptied after the test, as for every other test
    instance = tmp_path / "served"
    instance.mkdir()
    env = app_environment(database_url, instance)
    options = Options(
        duration=0.0,
        connections=0,
        workers=WORKERS,
        threads=THREADS,
        database_url=database_url,
        only=("burst",),
        load_generator="python",
        output=tmp_path / "results.json",
        learners=LEARNERS,
    )
    server = start_server("platform", APP_URI, options, env, tmp_path)
    try:
        wait_until_up(server, "/healthz")
        ctx = Context(
            options, server.url, "", "", "python", make_url(database_url).get_backend_name(), env
        )
        seats = seed_room(ctx, LEARNERS)
        with ThreadPoolExecutor(SETUP_THREADS) as pool:
            list(pool.map(open_last_page, itertools.repeat(ctx), seats, itertools.count()))
            list(pool.map(answer_last_page, itertools.repeat(server.url), seats))
        wait_for_workers(server, WORKERS)

        burst = submit_all_and_kill_a_worker(server, seats)
        assert not burst.other, f"answers but the results page: {errors_of(burst.other)}"
        assert burst.dropped, "the killed worker was serving no submission: nothing was tested"
        # What the database holds for those who were told "submitted", before anyone retries.
        told = check_room(ctx, burst.acknowledged)

        wait_for_workers(server, WORKERS, gone=burst.killed_pid)  # gunicorn replaced it
        with ThreadPoolExecutor(SETUP_THREADS) as pool:
            retries = list(pool.map(submit_again, itertools.repeat(server.url), burst.dropped))
        after = check_room(ctx, seats)
        waiting = certificates_waiting(app, seats)
    finally:
        stop_server(server)

    found = told.submitted_and_scored
    summary = (
        f"worker killed ({make_url(database_url).get_backend_name()}): acknowledged "
        f"{len(burst.acknowledged)}, found {found}, lost {len(burst.acknowledged) - found}; "
        f"pid {burst.killed_pid} killed {burst.killed_after_ms:.0f} ms into the burst, after "
        f"{burst.acknowledged_at_kill}/{LEARNERS} acknowledged with {burst.in_flight_at_kill} in "
        f"flight; {len(burst.dropped)} dropped, on retry {retries.count('submitted')} submitted "
        f"and {retries.count('already')} already submitted; after retries "
        f"{after.submitted_and_scored}/{LEARNERS} submitted and scored, "
        f"{after.answers_checked} answers checked, {after.lost_answers} lost, "
        f"{after.second_attempts} second attempts, {after.passed} passes, "
        f"{after.certificates} certificates issued and {waiting} waiting to be issued"
    )
    with capsys.disabled():
        print(f"\n{summary}")
    assert found == len(burst.acknowledged), f"{summary}\n{told.problems}"
    assert told.lost_answers == 0 and told.second_attempts == 0 and not told.problems, (
        f"{summary}\n{told.problems}"
    )
    assert after.submitted_and_scored == LEARNERS and not after.problems, (
        f"{summary}\n{after.problems}"
    )
    assert after.lost_answers == 0 and after.second_attempts == 0, summary
    # A pass whose worker died before its certificate was made still owes it to the judge.
    assert after.certificates + waiting == after.passed, summary


# --- the database goes away and comes back ---------------------------------------------------


class PostgresProxy:
    """A TCP relay between the app and PostgreSQL that can be stopped (listener closed, every
    connection cut) and started again on the same port: the database server going away."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        """Listen (on the same port as before, if it ran before) and relay every connection."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._spawn(self._accept)

    def stop(self) -> None:
        """Stop listening and cut every open connection, as a stopped server does."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(5)
        self._threads = []
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the other side
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        listener = self._listener
        assert listener is not None
        with listener:
            while not self._stopping.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                try:
                    server = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    client.close()
                    continue
                server.settimeout(None)
                client.settimeout(None)
                with self._lock:
                    self._sockets.update((client, server))
                threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()
                threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:  # cut by stop(): the relay just ends
            pass


class SqliteFolder:
    """The folder holding the SQLite file, moved away and back: the database cannot be opened,
    and no empty one can be created in its place."""

    def __init__(self, database: str) -> None:
        self.folder = Path(database).parent
        self.away = self.folder.with_name(self.folder.name + "-away")

    def stop(self, app: Flask) -> None:
        """Move the folder away. An open SQLite handle keeps the file it opened wherever it
        goes, as a failing disk would not: the app's pooled handles are dropped with it."""
        self.folder.rename(self.away)
        with app.app_context():
            db.engine.dispose()

    def start(self) -> None:
        """Put the folder back; the app must not have made an empty database in its place."""
        assert not self.folder.exists(), f"{self.folder} was made again while away"
        self.away.rename(self.folder)


class Outage(NamedTuple):
    """The database URL to give the app, and how to take the database away from it
    (``stop(app)``) and give it back (``start()``)."""

    url: str
    stop: Callable[[Flask], None]
    start: Callable[[], None]


@pytest.fixture
def outage(database_url: str) -> Iterator[Outage]:
    """The suite's database, behind a switch: a proxy for PostgreSQL, the folder for SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        proxy = PostgresProxy(url.host or "127.0.0.1", url.port or 5432)
        proxy.start()
        proxied = url.set(host="127.0.0.1", port=proxy.port)
        try:
            url_for_app = proxied.render_as_string(hide_password=False)
            yield Outage(url_for_app, lambda _app: proxy.stop(), proxy.start)
        finally:
            proxy.stop()
        return
    folder = SqliteFolder(url.database)
    try:
        yield Outage(database_url, folder.stop, folder.start)
    finally:
        if folder.away.exists():
            folder.start()


def assert_friendly_503(response, what: str) -> None:
    """The page says the database is unreachable, in words, with no trace of the error."""
    assert response.status_code == 503, f"{what}: {response.status_code}"
    assert "Temporarily unavailable" in response.text and FRIENDLY in response.text, what
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite3", "SELECT "):
        assert leak not in response.text, f"{what} shows {leak!r}"


def test_the_platform_answers_503_while_the_database_is_away_and_recovers_by_itself(
    make_app, create_user, app, outage, capsys
):
    """While the database is unreachable every page says so kindly (503), the health check
    tells the load balancer, and nothing a judge sends is half-done; once the database is back
    the same running app serves again, without a restart."""
    served = make_app(SQLALCHEMY_DATABASE_URI=outage.url)
    client = served.test_client()
    create_user(email="judge@example.org")
    AuthActions(client, lambda path: csrf_token_of(client, path)).login("judge@example.org")
    enrol = {"csrf_token": csrf_token_of(client, "/courses/sample")}
    assert client.post("/courses/sample/enrol", data=enrol).status_code == 302
    lesson = client.get(LESSON)
    assert lesson.status_code == 200 and "<h1>The first lesson</h1>" in lesson.text
    token = csrf_token_of(client, LESSON)
    assert client.get("/healthz").status_code == 200

    # A restart between two requests goes unnoticed: the next request finds the database.
    outage.stop(served)
    outage.start()
    began = time.perf_counter()
    unnoticed = client.get("/dashboard")
    unnoticed_ms = (time.perf_counter() - began) * 1000
    assert unnoticed.status_code == 200, f"after a restart: {unnoticed.status_code}"

    outage.stop(served)
    try:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert json.loads(health.text)["status"] == "error"
        assert json.loads(health.text)["database"] == "unavailable"
        assert_friendly_503(client.get("/dashboard"), "the dashboard")
        assert_friendly_503(client.get(LESSON), "a lesson")
        completing = client.post(
            f"{LESSON}/complete", data={"csrf_token": token, "state": "complete"}
        )
        assert_friendly_503(completing, "marking the lesson complete")
    finally:
        outage.start()
    # The first request once the database is back is served: no retry loop, no restart.
    began = time.perf_counter()
    health = client.get("/healthz")
    recovered_ms = (time.perf_counter() - began) * 1000
    assert health.status_code == 200, f"no recovery: {health.status_code} {health.text}"

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonCompletion)) == 0, (
            "the POST sent while the database was away was recorded"
        )
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and "Sample course" in dashboard.text
    completing = client.post(f"{LESSON}/complete", data={"csrf_token": token, "state": "complete"})
    assert completing.status_code == 302
    assert "33% complete · 1 of 3 lessons" in client.get("/courses/sample").text
    backend = make_url(outage.url).get_backend_name()
    with capsys.disabled():
        print(
            f"\ndatabase away ({backend}): a restart between requests unnoticed (next page "
            f"{unnoticed_ms:.0f} ms); while away 503 everywhere, nothing recorded; the first "
            f"/healthz once back 200 in {recovered_ms:.0f} ms, pages and forms work, no restart"
        )
