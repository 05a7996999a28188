"""The throw-away database the servers use, its seeding, and the servers' environment.

SQLite in the run's temporary folder by default; with a PostgreSQL URL, a fresh ``bench``
schema in that database (the ``public`` schema is never touched), dropped again afterwards.
The schema and the benchmark account are made with the ``elearning`` command, as an operator
would. Benchmarks that need more state (many learners, attempts under way) build the platform
in this process under the servers' environment (:func:`platform_app`) and use its services.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

from bench.harness import ROOT, BenchError, log, tool_path

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

BENCH_EMAIL = "bench@example.org"
BENCH_NAME = "Bench Judge"
BENCH_PASSWORD = "bench-judge-password-2026"  # noqa: S105 (a throw-away benchmark account)
LEARNER_PASSWORD = "bench-learner-password-2026"  # noqa: S105 (throw-away learner accounts)
PG_SCHEMA = "bench"


# --- URLs -------------------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database."""
    return url.startswith(("postgres://", "postgresql://", "postgresql+"))


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq wants it (no ``+driver``)."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


def with_search_path(url: str, schema: str) -> str:
    """``url`` with ``options=-csearch_path=<schema>``, so every connection works in it."""
    parts = urllib.parse.urlsplit(url)
    option = urllib.parse.urlencode({"options": f"-csearch_path={schema}"})
    query = f"{parts.query}&{option}" if parts.query else option
    return urllib.parse.urlunsplit(parts._replace(query=query))


# --- preparing the database -------------------------------------------------------------------


def reset_pg_schema(url: str, *, recreate: bool = True) -> None:
    """Drop the benchmark schema and, unless told not to, create it empty."""
    import psycopg
    from psycopg import sql

    statements = [sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(PG_SCHEMA))]
    if recreate:
        statements.append(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(PG_SCHEMA)))
    try:
        with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=10) as conn:
            for statement in statements:
                conn.execute(statement)
    except psycopg.Error as exc:
        raise BenchError(f"could not prepare schema {PG_SCHEMA!r}: {exc}") from exc


def prepare_database(url: str | None, tmp: Path) -> tuple[str, str]:
    """The database URL the servers use and the backend's name; resets the PostgreSQL schema.

    ``url`` is the one given on the command line (None: SQLite in ``tmp``).
    """
    if url is None:
        return f"sqlite:///{tmp / 'bench.db'}", "sqlite"
    if is_postgres(url):
        reset_pg_schema(url)
        return with_search_path(url, PG_SCHEMA), "postgresql"
    if url.startswith("sqlite"):
        return url, "sqlite"
    raise BenchError(f"unsupported database URL (use sqlite:// or postgresql://): {url}")


def app_environment(database_url: str, tmp: Path) -> dict[str, str]:
    """The environment for the CLI and the servers: ours, without the caller's app settings.

    The instance folder is ``tmp`` too, so a developer's own ``instance/config.py`` and secret
    key never reach the benchmark's workers.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ELEARNING_") and k != "DATABASE_URL"
    }
    env.update(
        ELEARNING_ENV="development",
        ELEARNING_INSTANCE_PATH=str(tmp),
        ELEARNING_SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        ELEARNING_LOGIN_RATE_LIMIT="100000 per minute",
        ELEARNING_MAIL_BACKEND="file",
        ELEARNING_MAIL_DIR=str(tmp / "mail"),
    )
    return env


# --- seeding ----------------------------------------------------------------------------------


def run_cli(args: list[str], env: Mapping[str, str], shown: str) -> None:
    """Run an ``elearning`` command; ``shown`` is what to call it in an error."""
    proc = subprocess.run(
        [tool_path("elearning"), *args],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        raise BenchError(f"`elearning {shown}` failed ({proc.returncode}):\n{proc.stderr}")


def seed(env: Mapping[str, str]) -> None:
    """Create the schema and the confirmed benchmark account."""
    log("creating the schema (elearning db upgrade)")
    run_cli(["db", "upgrade"], env, "db upgrade")
    log(f"creating the account {BENCH_EMAIL}")
    run_cli(
        [
            "users",
            "create",
            "--email",
            BENCH_EMAIL,
            "--name",
            BENCH_NAME,
            "--role",
            "learner",
            "--password",
            BENCH_PASSWORD,
        ],
        env,
        "users create",
    )


@dataclass(frozen=True)
class Learner:
    """A learner account made for a benchmark; it signs in with :data:`LEARNER_PASSWORD`."""

    user_id: int
    email: str
    name: str


def create_learners(session: Session, count: int, prefix: str) -> list[Learner]:
    """Add ``count`` confirmed learner accounts (``<prefix>-001@example.org``...); flushes.

    The password is hashed once and the hash shared: argon2id costs tens of milliseconds a
    hash, and every sign-in still verifies it on the server as usual.
    """
    from elearning.accounts.passwords import hash_password
    from elearning.accounts.services import Profile, create_user
    from elearning.sqltypes import utcnow

    password_hash = hash_password(LEARNER_PASSWORD)
    now = utcnow()
    learners = []
    for number in range(1, count + 1):
        name = f"{prefix.title()} Judge {number:03d}"
        user = create_user(
            session,
            email=f"{prefix}-{number:03d}@example.org",
            password=None,
            profile=Profile(certificate_name=name),
            is_confirmed=True,
            now=now,
        )
        user.password_hash = password_hash
        user.password_changed_at = now
        learners.append(Learner(user.id, user.email, name))
    session.flush()
    return learners


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows at once, in the session's transaction: COPY on PostgreSQL, one
    executemany INSERT elsewhere.

    Every row has the same keys, and values as the database takes them (timezone-aware UTC
    timestamps, enums as their strings): COPY skips SQLAlchemy's own conversions. Ids given
    explicitly leave PostgreSQL's sequences behind: see :func:`catch_up_ids`.
    """
    from sqlalchemy import insert

    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def next_id(session: Session, table: Table) -> int:
    """The first ``id`` above every one ``table`` holds, to give rows made in bulk their ids."""
    from sqlalchemy import func, select

    return (session.scalar(select(func.max(table.c.id))) or 0) + 1


def catch_up_ids(session: Session, table: Table) -> None:
    """After rows were inserted with explicit ids, move PostgreSQL's sequence for ``id`` past
    them, so the platform's own inserts do not collide (SQLite needs nothing)."""
    from sqlalchemy import func, select

    if session.connection().dialect.name == "postgresql":
        top = select(func.max(table.c.id)).scalar_subquery()
        session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"), top)))


@contextmanager
def platform_app(env: Mapping[str, str]) -> Iterator[Flask]:
    """The platform as a gunicorn worker builds it (this environment, the catalog loaded), in
    an app context, for seeding and checking the database through its models and services.

    Only the environment the servers got is seen while the settings are read, never the
    caller's. Its connections are closed on the way out, so the servers (and the final
    ``DROP SCHEMA``) never wait on this process.
    """
    from elearning.extensions import db
    from elearning.wsgi import application

    with mock.patch.dict(os.environ, dict(env), clear=True):
        app = application()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
