"""Shared fixtures: app, client, runner, auth, mailbox, factories; SQLite or PostgreSQL."""

from __future__ import annotations

import shutil
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
from elearning.certificates.signing import generated_signing
from elearning.cli import main as cli_main
from elearning.cli import upgrade_schema
from elearning.config import database_url_for_tests
from elearning.extensions import db
from tests.helpers import (
    FIXTURE_CONTENT,
    PARALLEL_ENTRY,
    PARALLEL_FORMS,
    PASSWORD,
    AuthActions,
    Mailbox,
    base_config,
    csrf_token_of,
    empty_tables,
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, else a SQLite file for this run."""
    return database_url_for_tests() or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


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


@pytest.fixture(scope="session")
def pdf_signing_key(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One key signs the run's certificate PDFs: made once, not once per test's instance folder
    (the platform's own first-use key is tested on its own)."""
    made = generated_signing(tmp_path_factory.mktemp("pdf-signing"), "Test Academy")
    return {
        "CERTIFICATE_SIGNING_KEY": str(made.key_file),
        "CERTIFICATE_SIGNING_CERTIFICATE": str(made.certificate_file),
    }


@pytest.fixture
def make_app(
    database_url: str, _schema: None, tmp_path: Path, pdf_signing_key: dict[str, str]
) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database with extra settings; tables are emptied afterwards."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        config = {**base_config(database_url, tmp_path), **pdf_signing_key, **overrides}
        app = create_app(config)
        made.append(app)
        return app

    yield make
    if made:
        empty_tables(made[0])
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
        return CliRunner().invoke(
            cli_main, list(args), input=input, obj=ScriptInfo(create_app=lambda: app)
        )

    return run


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    """Factory: an active account (learner unless told), with the shared test password."""
    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None,
        role: Role = Role.learner,
        password: str = PASSWORD,
        name: str | None = None,
        is_confirmed: bool = True,
        **profile: Any,
    ) -> User:
        n = next(counter)
        with app.app_context():
            user = services.create_user(
                db.session,
                email=email or f"judge{n}@example.org",
                password=password,
                profile=services.Profile(certificate_name=name or f"Judge Number {n}", **profile),
                role=role,
                is_confirmed=is_confirmed,
            )
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def csrf(client: FlaskClient) -> Callable[[str], str]:
    """``csrf(path)``: the CSRF token of the form on ``path``, for the shared client."""
    return lambda path: csrf_token_of(client, path)


@pytest.fixture
def auth(client: FlaskClient, csrf: Callable[[str], str]) -> AuthActions:
    """``auth.login(email)`` / ``auth.logout()``."""
    return AuthActions(client, csrf)


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


@pytest.fixture
def parallel_content(tmp_path: Path) -> Path:
    """The sample course with two matched forms (one question on 1.1, one on social media each)
    beside its bank, which the retakes draw from."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    bank = root / "quizzes/sample"
    (bank / "parallel.yaml").write_text(
        "".join(
            PARALLEL_ENTRY.format(form=form, n=n, tag=tag, points=points)
            for form in ("a", "b")
            for n, tag, points in ((1, "independence", '"1.1"'), (2, "social-media", ""))
        )
    )
    (bank / "forms.yaml").write_text(PARALLEL_FORMS)
    return root
