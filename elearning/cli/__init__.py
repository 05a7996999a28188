"""The ``elearning`` command: serve, worker, db, content, users, certificates, cohorts, demo.

Each group of commands lives in a module of its own; this one builds the app for them and
gathers them under ``elearning``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, shell_command
from flask_migrate.cli import db as migrate_db_group

from elearning.cli import certificates, cohorts, content, demo, serve, users
from elearning.cli.schema import schema_status, upgrade_schema
from elearning.config import ConfigError

__all__ = ["main", "schema_status", "upgrade_schema"]


def _create_app_for_cli() -> Flask:
    from elearning import create_app

    try:
        app = create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if app.config["IS_EMBEDDED_DATABASE"]:
        # The SQLite file lives in instance/; commands such as `db upgrade` need the folder.
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return app


@click.group(
    cls=FlaskGroup,
    create_app=_create_app_for_cli,
    add_default_commands=False,
    add_version_option=False,
)
def main() -> None:
    """Judicial Ethics e-Learning: run and manage the platform."""


# Flask's own --app/--env-file/--debug options would only confuse: the app is always ours.
main.params = [p for p in main.params if p.name not in {"app", "env_file", "debug"}]
main.add_command(shell_command)
main.add_command(routes_command)
main.add_command(migrate_db_group, "db")
main.add_command(serve.serve_command)
main.add_command(serve.worker_command)
main.add_command(demo.demo_command)
main.add_command(content.content_group)
main.add_command(users.users_group)
main.add_command(certificates.certificates_group)
main.add_command(cohorts.cohorts_group)
