"""`elearning cohorts`: the cohorts' report totals."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from elearning.cli.schema import require_current_schema


@click.group("cohorts")
def cohorts_group() -> None:
    """Cohorts: their reports' kept totals."""


@cohorts_group.command("rebuild-totals")
@click.argument("cohort_ids", nargs=-1, type=int)
@with_appcontext
def rebuild_totals_command(cohort_ids: tuple[int, ...]) -> None:
    """Count the report totals of the given cohorts (all, if none is given) again from the
    judges' records. The platform keeps them as judges work; run this after writing to the
    database around the platform (an import, a restored backup). Safe while judges work."""
    from sqlalchemy import select

    from elearning.catalog import get_catalog
    from elearning.cohorts import tallies
    from elearning.cohorts.models import Cohort
    from elearning.extensions import db

    require_current_schema(current_app)
    query = select(Cohort).order_by(Cohort.id)
    if cohort_ids:
        query = query.where(Cohort.id.in_(cohort_ids))
    cohorts = db.session.scalars(query).all()
    missing = sorted(set(cohort_ids) - {cohort.id for cohort in cohorts})
    if missing:
        raise click.ClickException(f"no cohort {', '.join(map(str, missing))}")
    catalog = get_catalog()
    for cohort in cohorts:
        course = catalog.course(cohort.course_slug)
        if course is None:
            click.echo(f"cohort {cohort.id} ({cohort.name}): course {cohort.course_slug} is gone")
            continue
        began = time.perf_counter()
        totals = tallies.rebuild(db.session, cohort.id, course)
        db.session.commit()
        click.echo(
            f"cohort {cohort.id} ({cohort.name}): {int(totals.get('enrolled', 0))} judges, "
            f"{len(totals)} totals in {time.perf_counter() - began:.2f} s"
        )
    if not cohorts:
        click.echo("no cohorts")
