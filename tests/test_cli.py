"""The elearning command as an operator uses it."""

import pytest
from sqlalchemy import func, select

from elearning.accounts.models import Role, User
from elearning.audit.models import AuditEvent
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate
from elearning.cohorts import tallies
from elearning.cohorts.models import Cohort, CohortMember, CohortTrainer
from elearning.cohorts.report import cohort_report
from elearning.extensions import db
from tests.helpers import csrf_token_of


def test_users_create_makes_an_active_admin(app, runner, auth):
    result = runner(
        "users",
        "create",
        "--email",
        "First.Admin@Court.example",
        "--name",
        "Registrar General",
        "--role",
        "admin",
        "--country",
        "ke",
        input="a long admin passphrase\na long admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin first.admin@court.example" in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.role, user.country, user.is_active) == (Role.admin, "KE", True)
        assert db.session.scalar(select(AuditEvent.action)) == "user.created"
    response = auth.login("first.admin@court.example", "a long admin passphrase")
    assert response.headers["Location"] == "/dashboard"


def test_users_create_refuses_bad_input_and_writes_nothing(app, runner, create_user):
    create_user(email="taken@example.org")
    cases = [
        (["--email", "not-an-email"], "a long admin passphrase", "--email"),
        (["--email", "new@example.org"], "password", "commonly used"),
        (["--email", "TAKEN@example.org"], "a long admin passphrase", "already exists"),
        (
            ["--email", "new@example.org", "--country", "Kenya"],
            "a long admin passphrase",
            "two-letter",
        ),
    ]
    for args, password, message in cases:
        result = runner("users", "create", "--name", "Someone", *args, "--password", password)
        assert result.exit_code != 0
        assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_is_idempotent_and_prints_a_working_password(make_app, auth):
    app = make_app(DEMO_PASSWORD="demo passphrase for judges")
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from elearning.cli import main

    for _ in range(2):
        result = CliRunner().invoke(main, ["demo"], obj=ScriptInfo(create_app=lambda: app))
        assert result.exit_code == 0, result.output
    assert "admin@demo.example.org" in result.output
    assert "password demo passphrase for judges" in result.output
    with app.app_context():
        roles = db.session.scalars(
            select(User.role).where(User.email.in_(DEMO_LOGINS)).order_by(User.id)
        ).all()
        created = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "user.created")
        ).all()
        cohorts = db.session.scalars(select(Cohort)).all()
    assert roles == [Role.learner, Role.trainer, Role.admin]
    assert [e["via"] for e in created] == ["demo"] * 3  # the second run created nobody
    assert len(cohorts) == 1  # and no second cohort
    client = app.test_client()
    token = csrf_token_of(client, "/signin")
    response = client.post(
        "/signin",
        data={
            "email": "trainer@demo.example.org",
            "password": "demo passphrase for judges",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/dashboard"


DEMO_LOGINS = ("learner@demo.example.org", "trainer@demo.example.org", "admin@demo.example.org")


def test_demo_seeds_a_living_cohort_with_a_meaningful_report(app, runner):
    assert runner("demo").exit_code == 0
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        course = get_catalog().course(cohort.course_slug)
        result = cohort_report(db.session, cohort.id, course)
        trainers = db.session.scalars(
            select(User.email).join(CohortTrainer, CohortTrainer.user_id == User.id)
        ).all()
    assert trainers == ["trainer@demo.example.org"]
    counts = result.counts
    assert counts.enrolled == 40
    assert 0 < counts.passed < counts.sat < counts.lessons_done < counts.started < 40
    assert result.paired.n >= 15 and result.paired.mean_difference > 0
    assert result.topics and result.items
    # The course issues on a pass: every demo judge who passed holds a certificate, none is owed.
    with app.app_context():
        issued = db.session.scalar(
            select(func.count(Certificate.id))
            .join(CohortMember, CohortMember.enrolment_id == Certificate.enrolment_id)
            .where(CohortMember.cohort_id == cohort.id)
        )
    assert issued == counts.passed
    app.config["BASE_URL"] = "https://ethics.example.org"
    dry = runner(
        "certificates", "issue", "--course", course.slug, "--cohort", str(cohort.id), "--dry-run"
    )
    assert f"0 learner(s) of cohort {cohort.id}" in dry.output
    other = runner("certificates", "issue", "--course", course.slug, "--cohort", "999")
    assert other.exit_code == 1 and "No cohort 999" in other.output
    # The report's totals, kept through the demo's work, equal a count from scratch.
    with app.app_context():
        kept = {
            name: value
            for name, value in tallies.read(db.session, cohort.id, course).items()
            if abs(value) > 1e-9
        }
    rebuilt = runner("cohorts", "rebuild-totals")
    assert rebuilt.exit_code == 0 and f"cohort {cohort.id} ({cohort.name}): 40 judges" in (
        rebuilt.output
    )
    with app.app_context():
        assert tallies.read(db.session, cohort.id, course) == pytest.approx(kept)
    assert runner("cohorts", "rebuild-totals", "999").exit_code == 1


def test_demo_generates_a_password_when_none_is_configured(runner):
    result = runner("demo")
    assert result.exit_code == 0, result.output
    password = result.output.split("password ")[-1].strip()
    assert len(password) >= 16


def test_users_set_role(app, runner, create_user):
    judge = create_user(email="judge@example.org")
    result = runner("users", "set-role", "judge@example.org", "trainer")
    assert result.exit_code == 0 and "is now trainer" in result.output
    with app.app_context():
        assert db.session.get(User, judge.id).role is Role.trainer
    assert runner("users", "set-role", "ghost@example.org", "admin").exit_code != 0


def test_content_check_fails_with_path_and_line_on_broken_content(runner, tmp_path):
    import json
    import shutil

    from tests.helpers import FIXTURE_CONTENT

    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    lesson = root / "courses/sample/basics/02-second-lesson.md"
    lesson.write_text(lesson.read_text().replace("tags: [independence]", "tags: [nonsense]"))
    result = runner("content", "check", "--content-dir", str(root))
    assert result.exit_code == 1
    assert "courses/sample/basics/02-second-lesson.md:4: unknown tag 'nonsense'" in result.output
    as_json = runner("content", "check", "--json", "--content-dir", str(root))
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["errors"][0]["line"] == 4


def test_serve_refuses_to_start_on_broken_content(make_app, tmp_path):
    import shutil

    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from elearning.cli import main
    from tests.helpers import FIXTURE_CONTENT

    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    (root / "courses/sample/course.yaml").write_text("title: [unclosed\n")
    app = make_app(CONTENT_DIR=str(root))
    result = CliRunner().invoke(
        main, ["serve", "--port", "1"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 1
    assert "courses/sample/course.yaml:1: not valid YAML" in result.output


def test_content_pdf_renders_ahead_of_time_and_then_is_up_to_date(runner, app):
    result = runner("content", "pdf", "--course", "steps")
    assert result.exit_code == 0, result.output
    assert "rendered:" in result.output and "steps-" in result.output
    again = runner("content", "pdf", "--course", "steps")
    assert "up to date:" in again.output and "rendered:" not in again.output
    assert runner("content", "pdf", "--course", "nope").exit_code != 0
