"""Shared fixtures: app, client, runner, auth, mailbox, factories; SQLite or PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import text

from elearning import create_app
from elearning.accounts import services
from elearning.accounts.models import Role, User
from elearning.cli import main as cli_main
from elearning.cli import upgrade_schema
from elearning.config import database_url_for_tests
from elearning.extensions import db

PASSWORD = "correct horse battery staple"
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, else a SQLite file for this run."""
    return database_url_for_tests() or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def base_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """Settings for a test app: a real database and a real (file) mailbox."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "JOBS_URL": "immediate",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "RESET_RATE_LIMIT": "1000 per minute",
    }


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Build the schema once per run through the Alembic migrations, as production does."""
    app = create_app(base_config(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade_schema()
        db.engine.dispose()


def _empty_tables(app: Flask) -> None:
    tables = db.metadata.sorted_tables
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    connection.execute(table.delete())
        db.engine.dispose()
    # The report keeps its pass over the responses per cohort id and fingerprint; emptied
    # tables hand the same ids out again, so what an earlier test computed must go too.
    from elearning.cohorts import report

    report.clear_cache()


@pytest.fixture
def make_app(database_url: str, _schema: None, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database with extra settings; tables are emptied afterwards."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app({**base_config(database_url, tmp_path), **overrides})
        made.append(app)
        return app

    yield make
    if made:
        _empty_tables(made[0])
    for made_app in made:
        with made_app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The application with the default test settings."""
    return make_app()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An application context, for tests of services and models."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client (cookies kept)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Callable[..., Any]:
    """Run the ``elearning`` command against the test app."""

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(cli_main, list(args), input=input,
                                  obj=ScriptInfo(create_app=lambda: app))

    return run


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    """Factory: an active account (learner unless told), with the shared test password."""
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, role: Role = Role.learner, password: str = PASSWORD,
             name: str | None = None, is_confirmed: bool = True, **profile: Any) -> User:
        n = next(counter)
        with app.app_context():
            user = services.create_user(
                db.session, email=email or f"judge{n}@example.org", password=password,
                profile=services.Profile(certificate_name=name or f"Judge Number {n}", **profile),
                role=role, is_confirmed=is_confirmed,
            )
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


def csrf_token_of(client: FlaskClient, path: str) -> str:
    """Fetch ``path`` with ``client`` and return its form's CSRF token, as a browser sends it."""
    response = client.get(path)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def csrf(client: FlaskClient) -> Callable[[str], str]:
    """``csrf(path)``: the CSRF token of the form on ``path``, for the shared client."""
    return lambda path: csrf_token_of(client, path)


def same_page(a: str, b: str) -> bool:
    """Whether two pages are identical but for their (time-stamped) CSRF tokens."""
    def mask(text: str) -> str:
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", text)
    return mask(a) == mask(b)


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient, csrf: Callable[[str], str]) -> None:
        self._client = client
        self._csrf = csrf

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/signin", data={
            "email": email, "password": password, "csrf_token": self._csrf("/signin"),
        })

    def logout(self):
        return self._client.post("/signout", data={"csrf_token": self._csrf("/account/profile")})


@pytest.fixture
def auth(client: FlaskClient, csrf: Callable[[str], str]) -> AuthActions:
    """``auth.login(email)`` / ``auth.logout()``."""
    return AuthActions(client, csrf)


class Mailbox:
    """The messages the app wrote with the file mail backend."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[email.message.EmailMessage]:
        if not self.folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages() if m["To"] == address]

    def last_link(self, address: str) -> str:
        """The path of the last link mailed to ``address``."""
        body = self.to(address)[-1].get_content()
        urls = re.findall(r"https?://[^\s/]+(/\S+)", body)
        assert urls, body
        return urls[0]


@pytest.fixture
def mailbox(app: Flask) -> Mailbox:
    """What the app has mailed during this test."""
    return Mailbox(Path(app.config["MAIL_DIR"]))


@pytest.fixture
def judge(create_user, auth):
    """A signed-in learner."""
    user = create_user(email="judge@example.org")
    auth.login("judge@example.org")
    return user


@pytest.fixture
def enrolled(client, judge, csrf):
    """The signed-in learner, enrolled in the sample course."""
    response = client.post("/courses/sample/enrol", data={"csrf_token": csrf("/courses/sample")})
    assert response.status_code == 302
    return judge
