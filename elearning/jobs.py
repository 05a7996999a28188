"""Background jobs: work that leaves the request, on Huey.

Huey was chosen because it is the one well-kept queue with an embedded backend: on a laptop the
queue is a SQLite file in ``instance/`` and ``elearning serve`` starts the consumer beside the
web workers, so one command still runs the whole platform; scaled out, the queue moves to Redis
(``ELEARNING_JOBS=redis://…``) and ``elearning worker`` runs on any host. RQ, Dramatiq and
Celery all need a broker server even on a laptop. ``immediate`` runs each job at once in the
process that queued it (the test suite's setting).

A job is queued when the transaction that asked for it commits (:func:`after_commit`), never
before: a worker must find the rows the job reads, and a rolled-back request queues nothing.
Jobs are idempotent: each reads its row, does nothing if the work is done, and marks it done in
the same transaction, so a job run twice (a worker killed before it acknowledged) changes
nothing the second time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from elearning.config import ConfigError

log = logging.getLogger(__name__)

#: The platform's queue. Tasks are declared on it at import; :func:`init_app` gives it its
#: storage from the settings.
huey = Huey("elearning", results=False, utc=True, storage_class=MemoryStorage, immediate=True)

#: How much the job worker yields the CPU to the web workers (``nice``; inherited by the
#: processes a job starts, such as a bulk issue's renderers).
WORKER_NICENESS = 10

_worker_app: Flask | None = None
_PENDING = "elearning.jobs"


def init_app(app: Flask) -> None:
    """Point the queue at the configured storage: immediate, a SQLite file, or Redis."""
    url = app.config["JOBS_URL"]
    if url == "immediate":
        huey.immediate = True
        return
    huey.immediate = False
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey.storage = RedisStorage("elearning", url=url)
    elif url == "sqlite" or url.startswith("sqlite:///"):
        path = (
            Path(app.instance_path) / "jobs.db"
            if url == "sqlite"
            else Path(url[len("sqlite://") :])
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage = _SqliteQueue("elearning", filename=str(path))
    else:
        raise ConfigError(
            f"ELEARNING_JOBS must be immediate, sqlite, sqlite:////a/file.db or redis://host:port "
            f"(got {url!r})."
        )


class _SqliteQueue(SqliteStorage):
    """Huey's SQLite queue, synced as the platform's database is (WAL, ``synchronous=NORMAL``).

    Huey's default syncs the disk at every commit, and a job is queued inside the request that
    asks for it: a room of judges submitting at once queued on those syncs one by one (each
    process's requests share one queue connection). A power cut may now lose the last jobs
    queued, never the file; the sweepers queue again what they were for.
    """

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


def set_worker_app(app: Flask) -> None:
    """The app jobs run in, in a worker process (``elearning worker``, or beside ``serve``)."""
    global _worker_app
    _worker_app = app


@contextmanager
def job_context():
    """An application context of its own for a job: its own database session, whether it runs
    in a worker or at once in the process that queued it."""
    app = _worker_app or (current_app._get_current_object() if has_app_context() else None)
    if app is None:
        raise RuntimeError("a job needs the app: run it in `elearning worker`")
    with app.app_context():
        yield app


def task(**options: Any):
    """Declare a job: ``@task(retries=5, retry_delay=30)``; retries back off exponentially."""
    options.setdefault("retry_backoff", 2 if options.get("retries") else 0)
    return huey.task(**options)


def periodic(validate: Callable, **options: Any):
    """Declare a job the consumer runs on a schedule (``crontab(minute="*")``)."""
    return huey.periodic_task(validate, **options)


every_minute = crontab(minute="*")


def after_commit(session: Session, job, *args: Any) -> None:
    """Queue ``job(*args)`` once ``session``'s transaction commits; forget it on rollback."""
    session.info.setdefault(_PENDING, []).append((job, args))


@event.listens_for(Session, "after_commit")
def _queue_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the real commit is still to come
        return
    for job, args in session.info.pop(_PENDING, []):
        try:
            job(*args)
        except Exception:  # noqa: BLE001 - the queue is down; the sweeper queues it again
            log.exception("could not queue %s%r; it will be retried by the sweeper", job, args)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back: the transaction goes on
        return
    session.info.pop(_PENDING, None)


def run_worker(app: Flask, workers: int = 2) -> None:
    """Run the consumer in this process until it is stopped (SIGINT or SIGTERM)."""
    if huey.immediate:
        raise RuntimeError("ELEARNING_JOBS=immediate runs jobs where they are queued: no worker")
    set_worker_app(app)
    # Jobs wait; a judge's request should not. On the web workers' cores, a job rendering
    # certificates took the CPU from a room of judges submitting at once (bench: burst).
    os.nice(WORKER_NICENESS)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", check_worker_health=True)
    consumer.run()
