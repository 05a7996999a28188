"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from elearning.cli import schema_status
from elearning.extensions import db


def test_migrated_database_matches_the_models(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_newest_revision(app_ctx):
    current, expected = schema_status(app_ctx)
    assert current == expected and len(expected) == 1


def test_serve_refuses_an_outdated_chosen_database(tmp_path):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from elearning import create_app
    from elearning.cli import main

    empty = create_app(
        {
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/chosen.db",
        }
    )
    assert not empty.config["IS_EMBEDDED_DATABASE"]
    result = CliRunner().invoke(main, ["serve"], obj=ScriptInfo(create_app=lambda: empty))
    assert result.exit_code != 0
    assert "Run `elearning db upgrade` first." in result.output
    with empty.app_context():
        db.engine.dispose()


def test_judges_who_took_the_entry_assessment_keep_their_lessons_open(tmp_path):
    """The revision that moved "entry assessment taken" onto the enrolment fills it in."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from elearning import create_app

    app = create_app(
        {
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db",
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="a446549dbba9")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, certificate_name, institution, position,"
                    " role, session_version, created_at) VALUES (1, 'j@example.org', 'J', '',"
                    " '', 'learner', 1, '2026-11-01 09:00:00.000000')"
                )
            )
            for enrolment in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO enrolments (id, user_id, course_slug, source, enrolled_at)"
                        f" VALUES ({enrolment}, 1, 'course-{enrolment}', 'self',"
                        " '2026-11-01 09:00:00.000000')"
                    )
                )
            for number, submitted in ((1, "2026-11-02 10:00:00.000000"), (2, None)):
                connection.execute(
                    text(
                        "INSERT INTO attempts (enrolment_id, kind, number, seed,"
                        " content_version, status, started_at, submitted_at, position)"
                        " VALUES (:e, 'pre', :n, 1, 'v', :s, '2026-11-02 09:00:00.000000', :t, 0)"
                    ),
                    {
                        "e": number,
                        "n": 1,
                        "t": submitted,
                        "s": "submitted" if submitted else "open",
                    },
                )
        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as connection:
            taken = dict(connection.execute(text("SELECT id, pre_taken_at FROM enrolments")).all())
        db.engine.dispose()
    assert taken[1].startswith("2026-11-02 10:00:00") and taken[2] is None
