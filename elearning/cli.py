"""The ``elearning`` command: serve, db, content, users, demo."""

from __future__ import annotations

import multiprocessing
import os
import secrets
import string
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext
from flask_migrate.cli import db as migrate_db_group

from elearning.config import DEVELOPMENT_BASE_URL, ConfigError, ensure_secret_key_file


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


# --- schema -----------------------------------------------------------------------------------


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


# --- demo -------------------------------------------------------------------------------------


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


@main.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create (again) the demo learner, trainer and admin and print their sign-in details."""
    _require_current_schema(current_app)
    seed_demo()


# --- serve ------------------------------------------------------------------------------------


def _require_current_schema(app: Flask) -> None:
    current, expected = schema_status(app)
    if current != expected:
        raise click.ClickException(
            "The database schema is not up to date "
            f"(database at {', '.join(sorted(current)) or 'nothing'}, code expects "
            f"{', '.join(sorted(expected))}). Run `elearning db upgrade` first."
        )


def _default_workers() -> int:
    return max(2, multiprocessing.cpu_count())


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per core, at least 2).",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker.",
)
@click.option("--demo", is_flag=True, help="Create the demo accounts first and print them.")
@click.option(
    "--no-jobs",
    is_flag=True,
    help="Do not run the background-job worker here (run `elearning worker` elsewhere).",
)
@with_appcontext
def serve_command(
    host: str, port: int, workers: int | None, threads: int, demo: bool, no_jobs: bool
) -> None:
    """Serve the platform with gunicorn, and its background jobs beside it."""
    app = current_app._get_current_object()
    if app.config["IS_EMBEDDED_DATABASE"]:
        # The embedded default looks after itself: create or upgrade the SQLite file.
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        upgrade_schema()
    else:
        _require_current_schema(app)
    if not app.config["IS_PRODUCTION"]:
        ensure_secret_key_file(Path(app.instance_path))
    _require_valid_content(app)
    if demo:
        seed_demo()
    _development_address(app, host, port)
    run_gunicorn(
        "elearning.wsgi:application()",
        host=host,
        port=port,
        workers=workers or _default_workers(),
        threads=threads,
        with_jobs=not no_jobs and app.config["JOBS_URL"] != "immediate",
    )


@main.command("worker")
@click.option(
    "--threads", default=2, show_default=True, type=click.IntRange(1, 32), help="Jobs at once."
)
def worker_command(threads: int) -> None:
    """Run background jobs (e-mail, certificates, report PDFs) until stopped."""
    from elearning.jobs import run_worker
    from elearning.wsgi import application

    click.echo(f"Running background jobs with {threads} threads; Ctrl+C stops.")
    run_worker(application(), workers=threads)


def _run_jobs_process() -> None:
    """The job worker `serve` starts beside the web workers (a fresh interpreter)."""
    from elearning.jobs import run_worker
    from elearning.wsgi import application

    run_worker(application())


def _development_address(app: Flask, host: str, port: int) -> None:
    """In development without a configured public address, links point where `serve` listens
    (the workers read it from the environment they inherit)."""
    if app.config["IS_PRODUCTION"] or app.config["BASE_URL"] != DEVELOPMENT_BASE_URL:
        return
    local = host if host not in ("0.0.0.0", "::", "") else "127.0.0.1"  # noqa: S104  # nosec B104
    os.environ["ELEARNING_BASE_URL"] = f"http://{local}:{port}"
    if local != host:
        click.echo(
            "Listening on every interface: links in e-mails point to this machine "
            f"(http://127.0.0.1:{port}). Set ELEARNING_BASE_URL to the address others open, "
            "and ELEARNING_TRUSTED_HOSTS to any other name they use.",
            err=True,
        )


def run_gunicorn(
    app_uri: str, *, host: str, port: int, workers: int, threads: int, with_jobs: bool = False
) -> None:
    """Run gunicorn in this process on ``app_uri`` (module:callable); with ``with_jobs``, a
    background-job worker process starts once the server is ready and stops with it."""
    from gunicorn.app.wsgiapp import WSGIApplication

    jobs = multiprocessing.get_context("spawn")
    running: list = []

    def when_ready(server) -> None:
        if with_jobs:
            process = jobs.Process(target=_run_jobs_process, name="elearning-jobs", daemon=False)
            process.start()
            running.append(process)
            server.log.info("background jobs: worker process %s", process.pid)

    def on_exit(server) -> None:
        for process in running:
            process.terminate()
            process.join(timeout=20)

    class Server(WSGIApplication):
        def load_config(self) -> None:
            super().load_config()
            self.cfg.set("when_ready", when_ready)
            self.cfg.set("on_exit", on_exit)

    extra = " and the background jobs" if with_jobs else ""
    click.echo(f"Serving on http://{host}:{port}/ with {workers} workers{extra}; Ctrl+C stops.")
    sys.argv = [
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "20",
        app_uri,
    ]
    Server("%(prog)s [OPTIONS] [APP_MODULE]").run()


# --- content ----------------------------------------------------------------------------------


def _require_valid_content(app: Flask):
    """The app's catalog; broken content stops the command with every error, path:line."""
    from elearning.catalog import load_app_catalog
    from elearning.content import ContentInvalid

    try:
        return load_app_catalog(app)
    except ContentInvalid as exc:
        raise click.ClickException(str(exc)) from None


@main.group("content")
def content_group() -> None:
    """Check and prepare the course content."""


@content_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--content-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Check this content root instead of the configured one.",
)
@with_appcontext
def content_check(as_json: bool, content_dir: Path | None) -> None:
    """Validate courses/ without starting the platform; exit status 1 on any error."""
    import json
    import time

    from elearning.content import ContentInvalid, catalog_summary, load_catalog

    root = content_dir or Path(current_app.config["CONTENT_DIR"])
    started = time.perf_counter()
    try:
        catalog = load_catalog(root)
    except ContentInvalid as exc:
        if as_json:
            errors = [{"path": e.path, "line": e.line, "message": e.message} for e in exc.errors]
            click.echo(json.dumps({"ok": False, "errors": errors}, indent=2, ensure_ascii=False))
        else:
            for error in exc.errors:
                click.echo(str(error), err=True)
            click.echo(f"{len(exc.errors)} error(s) in {root}", err=True)
        sys.exit(1)
    seconds = time.perf_counter() - started
    summary = catalog_summary(catalog)
    if as_json:
        click.echo(
            json.dumps(
                {"ok": True, "seconds": round(seconds, 3), "courses": summary},
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for course in summary:
        _print_course_summary(course)
    click.echo(f"Content is valid ({len(summary)} course(s), loaded in {seconds:.2f} s).")


def _print_course_summary(course: dict) -> None:
    click.echo(f"{course['slug']}: {course['title']}")
    click.echo(
        f"  version {course['content_version']} · {len(course['modules'])} modules · "
        f"{course['lessons']} lessons · {course['minutes']} minutes · "
        f"{course['knowledge_checks']} knowledge checks · "
        f"languages {', '.join(course['languages'])}"
    )
    for module in course["modules"]:
        checks = sum(lesson["knowledge_checks"] for lesson in module["lessons"])
        click.echo(
            f"  - {module['slug']}: {len(module['lessons'])} lessons, {module['minutes']} min, "
            f"{checks} checks"
        )
    bank = course["assessment"]
    if bank is None:
        click.echo("  assessments: none (no question bank in quizzes/)")
    else:
        forms = ", ".join(
            f"{kind} a parallel form ({_form_questions(form['questions'])})"
            if form["parallel"]
            else f"{kind} {form['entries']} entries ({_form_questions(form['questions'])})"
            for kind, form in bank["forms"].items()
        )
        click.echo(
            f"  question bank: {bank['entries']} entries, {bank['questions']} questions "
            f"({bank['scenario_entries']} scenarios, {bank['scenario_share']:.0%} of entries)"
            f" · forms: {forms or 'none'}"
        )
        for tag, counts in bank["by_tag"].items():
            click.echo(
                f"    {tag}: {counts['entries']} entries, {counts['questions']} questions"
                f" ({bank['questions_by_tag'].get(tag, 0)} questions tagged {tag} in all)"
            )
        if bank["points_unassessed"]:
            click.echo(f"    points no question assesses: {', '.join(bank['points_unassessed'])}")
        for name, form in bank["parallel_forms"].items():
            click.echo(
                f"  parallel form {name}: {form['entries']} entries, {form['questions']} "
                f"questions, {len(form['points'])} points, {form['true_false']} true/false, "
                f"difficulty {', '.join(f'{k} {v}' for k, v in form['difficulty'].items())}"
            )
        _print_cues(bank["cues"])
    click.echo("  coverage:" if course["tags"] else "  coverage: no tags.yaml, nothing to report")
    for tag in course["tags"]:
        if tag["points"]:
            covered = len(tag["points_covered"])
            line = f"{covered}/{tag['points']} points"
            if tag["points_missing"]:
                line += f" (not yet: {', '.join(tag['points_missing'])})"
        else:
            line = "covered" if tag["covered"] else "not covered"
        click.echo(f"    {tag['label']}: {line}")


def _print_cues(audit: dict) -> None:
    """The cue audit: per bank, form and the knowledge checks, what each test-wise strategy
    scores against guessing; warnings beyond the course's margin."""
    click.echo(f"  cue audit (a strategy may beat guessing by {audit['margin']} points at most):")
    for name, report in audit["reports"].items():
        scores = report["strategies"]
        best = max((s for s in scores if s != "random"), key=lambda s: scores[s])
        click.echo(
            f"    {name}: {report['questions']} questions; key longest in {report['key_longest']}"
            f" of {report['single_choice']} (chance {report['key_longest_expected']:.1f}), "
            f"shortest in {report['key_shortest']}; true/false {report['true_false_keyed_true']}"
            f" true of {report['true_false']}; guessing {scores['random']:.0f} %, best "
            f"strategy {best} {scores[best]:.0f} %"
        )
    for warning in audit["warnings"]:
        click.echo(f"  warning: {warning}", err=True)


def _form_questions(length: dict) -> str:
    """A form's length in questions: "about 25 questions, 21–30", or "12 questions" if fixed."""
    if length["min"] == length["max"]:
        return f"{length['min']} questions"
    return f"about {length['mean']:.0f} questions, {length['min']}–{length['max']}"


@content_group.command("pdf")
@click.option("--course", "course_slugs", multiple=True, help="Only this course (repeatable).")
@click.option("--language", "languages", multiple=True, help="Only this language (repeatable).")
@with_appcontext
def content_pdf(course_slugs: tuple[str, ...], languages: tuple[str, ...]) -> None:
    """Render the self-directed PDFs ahead of time, so no judge waits for the first one."""
    from elearning.learning.documents import build_course_pdf

    catalog = _require_valid_content(current_app._get_current_object())
    courses = [c for c in catalog.courses if not course_slugs or c.slug in course_slugs]
    if course_slugs and len(courses) != len(set(course_slugs)):
        raise click.ClickException(f"no such course among: {', '.join(course_slugs)}")
    jobs = [
        (c, lang) for c in courses for lang in c.languages if not languages or lang in languages
    ]
    with (
        current_app.test_request_context(),
        click.progressbar(
            jobs, label="Rendering PDFs", item_show_func=lambda j: j and f"{j[0].slug} ({j[1]})"
        ) as bar,
    ):
        made = []
        for course, language in bar:
            path, rendered = build_course_pdf(course, language)
            made.append((path, rendered))
    for path, rendered in made:
        click.echo(f"{'rendered' if rendered else 'up to date'}: {path}")


# --- users ------------------------------------------------------------------------------------


@main.group("users")
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

    _require_current_schema(current_app)
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

    _require_current_schema(current_app)
    user = find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail {email}.")
    try:
        changed = change_role(db.session, actor=None, user=user, role=Role(role))
    except LastAdminError:
        raise click.ClickException("That would leave the platform without an admin.") from None
    db.session.commit()
    click.echo(f"{user.email} is now {role}." if changed else f"{user.email} was already {role}.")


# --- certificates -----------------------------------------------------------------------------


@main.group("certificates")
def certificates_group() -> None:
    """Issue and verify certificates."""


@certificates_group.command("issue")
@click.option("--course", "course_slug", required=True, help="Course whose certificates to issue.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes rendering at once.  [default: every core]",
)
@click.option("--dry-run", is_flag=True, help="Only count who is owed a certificate.")
@click.option(
    "--cohort",
    "cohort_id",
    type=int,
    default=None,
    help="Only the members of this cohort (its number, as in its address /cohorts/N).",
)
@with_appcontext
def certificates_issue(
    course_slug: str, jobs: int | None, dry_run: bool, cohort_id: int | None
) -> None:
    """Issue every certificate the course owes: to each learner who completed every lesson and
    passed the final assessment and holds none yet (approval or not). Renders on every core."""
    import time
    from concurrent.futures import ProcessPoolExecutor

    from elearning.certificates import adapters, services
    from elearning.certificates.messages import refusal
    from elearning.extensions import db
    from elearning.sqltypes import utcnow

    _require_current_schema(current_app)
    catalog = _require_valid_content(current_app._get_current_object())
    course = catalog.course(course_slug)
    if course is None:
        known = ", ".join(c.slug for c in catalog.courses)
        raise click.ClickException(f"No course {course_slug!r}. Courses: {known}.")
    if current_app.config["BASE_URL"] == DEVELOPMENT_BASE_URL:
        click.echo(
            f"Note: the QR codes will point to {DEVELOPMENT_BASE_URL}; set ELEARNING_BASE_URL to "
            "the platform's public address before issuing certificates for real.",
            err=True,
        )
    owed = services.owe_eligible(db.session, course, utcnow())
    where = course.slug
    if cohort_id is not None:
        from sqlalchemy import select

        from elearning.cohorts.models import Cohort, CohortMember

        cohort = db.session.get(Cohort, cohort_id)
        if cohort is None or cohort.course_slug != course.slug:
            raise click.ClickException(f"No cohort {cohort_id} takes the course {course.slug}.")
        members = set(
            db.session.scalars(
                select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort_id)
            )
        )
        owed = [enrolment_id for enrolment_id in owed if enrolment_id in members]
        where = f"cohort {cohort_id} ({cohort.name})"
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(owed)} learner(s) of {where} are owed a certificate.")
        return
    db.session.commit()
    if not owed:
        click.echo(f"Nobody in {where} is owed a certificate: nothing to issue.")
        return
    jobs = jobs or os.cpu_count() or 1
    started = time.perf_counter()
    with (
        ProcessPoolExecutor(max_workers=jobs) as pool,
        click.progressbar(length=len(owed), label=f"Issuing on {jobs} process(es)") as bar,
    ):
        result = services.issue_many(
            db.session,
            course,
            owed,
            issuing=adapters.issuing(),
            issued_by=None,
            now=utcnow(),
            render_all=lambda render, drafts: pool.map(render, drafts),
            commit=db.session.commit,
            on_progress=bar.update,
            batch=jobs * 4,
        )
    seconds = time.perf_counter() - started
    click.echo(
        f"Issued {len(result.issued)} certificate(s) in {seconds:.1f} s "
        f"({jobs} rendering process(es))."
    )
    for enrolment_id, reason in sorted(result.refused.items()):
        click.echo(f"  not issued, enrolment {enrolment_id}: {refusal(reason)}")


@certificates_group.command("verify")
@click.argument("code")
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also check that this PDF file is the one issued.",
)
@with_appcontext
def certificates_verify(code: str, pdf_path: Path | None) -> None:
    """Check a certificate by its code, as the public page does. Exit status 0 when it is
    valid (and the PDF, if given, matches), 1 otherwise."""
    from elearning.certificates import services
    from elearning.extensions import db

    certificate = services.find_by_code(db.session, code)
    if certificate is None:
        click.echo("Not found: no certificate has this code.")
        sys.exit(1)
    facts = services.public_facts(db.session, certificate)
    data = facts.as_json()
    click.echo(f"Status:   {facts.status.upper()}")
    click.echo(f"Holder:   {data['holder']}")
    click.echo(f"Course:   {data['course']}")
    click.echo(f"Issuer:   {data['issuer']}")
    click.echo(f"Issued:   {data['issued_on']}")
    click.echo(f"Code:     {data['code']}")
    click.echo(f"SHA-256:  {data['pdf_sha256']}")
    if facts.status == "revoked":
        click.echo(f"Revoked:  {data['revoked_on']}: {data['revocation_reason']}")
    if facts.successor_code:
        click.echo(f"Replaced by the certificate {data['superseded_by']}")
    ok = facts.status == "valid"
    if pdf_path is not None:
        matches = services.sha256(pdf_path.read_bytes()) == facts.pdf_sha256
        click.echo(
            "PDF:      matches the certificate issued"
            if matches
            else "PDF:      DOES NOT MATCH the certificate issued"
        )
        ok = ok and matches
    sys.exit(0 if ok else 1)
