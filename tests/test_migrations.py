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

    empty = create_app({"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/chosen.db"})
    assert not empty.config["IS_EMBEDDED_DATABASE"]
    result = CliRunner().invoke(main, ["serve"], obj=ScriptInfo(create_app=lambda: empty))
    assert result.exit_code != 0
    assert "Run `elearning db upgrade` first." in result.output
    with empty.app_context():
        db.engine.dispose()
