"""`elearning users`: create accounts and give them roles."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from elearning.cli.schema import require_current_schema


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


def _role_choice():
    from elearning.accounts.models import Role

    return click.Choice([r.value for r in Role])


@users_group.command("create")
@click.option("--email", required=True, help="E-mail address (the sign-in name).")
@click.option(
    "--name", "certificate_name", required=True, help="Name as it must appear on certificates."
)
@click.option("--role", default="learner", show_default=True, type=_role_choice())
@click.option("--country", default=None, help="Two-letter country code, e.g. KE.")
@click.option("--institution", default="", help="Court or institution.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given.",
)
@with_appcontext
def users_create(email, certificate_name, role, country, institution, password) -> None:
    """Create an active account, e.g. the first admin."""
    from email_validator import EmailNotValidError, validate_email

    from elearning.accounts.forms import PASSWORD_MESSAGES
    from elearning.accounts.logic import password_problem
    from elearning.accounts.models import Role
    from elearning.accounts.services import (
        Profile,
        create_user,
        find_user_by_email,
        record_user_created,
    )
    from elearning.extensions import db

    require_current_schema(current_app)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from None
    problem = password_problem(password, email=email, name=certificate_name)
    if problem:
        raise click.BadParameter(str(PASSWORD_MESSAGES[problem]), param_hint="--password")
    if country and (len(country) != 2 or not country.isalpha()):
        raise click.BadParameter("use a two-letter code such as KE or FR", param_hint="--country")
    if find_user_by_email(db.session, email):
        raise click.ClickException(f"An account with the e-mail {email} already exists.")
    user = create_user(
        db.session,
        email=email,
        password=password,
        role=Role(role),
        is_confirmed=True,
        profile=Profile(
            certificate_name=certificate_name,
            country=country.upper() if country else None,
            institution=institution,
        ),
    )
    record_user_created(db.session, actor=None, user=user, via="cli")
    db.session.commit()
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=_role_choice())
@with_appcontext
def users_set_role(email: str, role: str) -> None:
    """Give an existing account another role."""
    from elearning.accounts.models import Role
    from elearning.accounts.roles import LastAdminError, change_role
    from elearning.accounts.services import find_user_by_email
    from elearning.extensions import db

    require_current_schema(current_app)
    user = find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail {email}.")
    try:
        changed = change_role(db.session, actor=None, user=user, role=Role(role))
    except LastAdminError:
        raise click.ClickException("That would leave the platform without an admin.") from None
    db.session.commit()
    click.echo(f"{user.email} is now {role}." if changed else f"{user.email} was already {role}.")
