"""The database schema: where it stands, and bringing it to the newest revision."""

from __future__ import annotations

import click
from flask import Flask, current_app


def schema_status(app: Flask) -> tuple[set[str], set[str]]:
    """(revisions the database is at, revisions the code expects)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from elearning.extensions import db, migrate

    config = migrate.get_config()
    expected = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, expected


def upgrade_schema() -> None:
    """Bring the database to the newest revision (Alembic)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


def require_current_schema(app: Flask) -> None:
    current, expected = schema_status(app)
    if current != expected:
        raise click.ClickException(
            "The database schema is not up to date "
            f"(database at {', '.join(sorted(current)) or 'nothing'}, code expects "
            f"{', '.join(sorted(expected))}). Run `elearning db upgrade` first."
        )
