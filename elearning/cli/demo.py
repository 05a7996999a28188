"""`elearning demo`: the demo accounts and the living demo cohort."""

from __future__ import annotations

import secrets
import string

import click
from flask import current_app
from flask.cli import with_appcontext

from elearning.cli.schema import require_current_schema


def _generated_password() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def seed_demo() -> None:
    """Create the demo accounts and print how to sign in."""
    from elearning.accounts.services import find_user_by_email
    from elearning.catalog import get_catalog
    from elearning.demo import DEMO_TRAINER_EMAIL, seed_demo_accounts, seed_demo_cohort
    from elearning.extensions import db
    from elearning.sqltypes import utcnow

    password = current_app.config["DEMO_PASSWORD"] or _generated_password()
    accounts = seed_demo_accounts(db.session, password)
    trainer = find_user_by_email(db.session, DEMO_TRAINER_EMAIL)
    cohort = seed_demo_cohort(db.session, get_catalog(), trainer, utcnow())
    db.session.commit()
    click.echo("Demo accounts (all with the same password):")
    for account in accounts:
        click.echo(f"  {account.role.value:<8} {account.email}")
    click.echo(f"  password {password}")
    click.echo(f"Demo cohort: {cohort.name!r}, led by {DEMO_TRAINER_EMAIL} (see Cohorts).")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create (again) the demo learner, trainer and admin and print their sign-in details."""
    require_current_schema(current_app)
    seed_demo()
