"""Settings come from defaults < instance/config.py < environment, and production is strict."""

import pytest

from elearning import create_app
from elearning.config import ConfigError, load_settings


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path):
    settings = load_settings(tmp_path, environ={})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'elearning.db'}"
    assert settings["IS_EMBEDDED_DATABASE"] and settings["IS_SQLITE"]
    assert settings["RATELIMIT_STORAGE_URI"] == "database://"
    assert settings["ENV"] == "development"


def test_instance_file_overrides_defaults_and_environment_overrides_both(tmp_path):
    (tmp_path / "config.py").write_text(
        'MAIL_BACKEND = "smtp"\nSMTP_HOST = "mail.court.example"\nlowercase = "ignored"\n'
    )
    settings = load_settings(
        tmp_path, environ={"ELEARNING_SMTP_HOST": "relay.example", "ELEARNING_SMTP_PORT": "2525"}
    )
    assert settings["MAIL_BACKEND"] == "smtp"
    assert settings["SMTP_HOST"] == "relay.example"
    assert settings["SMTP_PORT"] == 2525
    assert "lowercase" not in settings


def test_database_url_switches_to_postgresql_with_psycopg(tmp_path):
    settings = load_settings(tmp_path, environ={"DATABASE_URL": "postgres://u:p@db/elearning"})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/elearning"
    assert not settings["IS_EMBEDDED_DATABASE"] and not settings["IS_SQLITE"]


def test_redis_rate_limit_storage_by_configuration(tmp_path):
    settings = load_settings(tmp_path, environ={"ELEARNING_RATELIMIT_STORAGE": "redis://r:6379"})
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://r:6379"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="ELEARNING_SECRET_KEY") as error:
        create_app({"ENV": "production", "INSTANCE_PATH": str(tmp_path)})
    assert "secrets.token_hex" in str(error.value)  # it says how to make one


def test_production_with_a_key_uses_secure_cookies(tmp_path):
    key = "5f1c9e0b7a2d4c6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c0d2e"
    settings = load_settings(
        tmp_path,
        environ={
            "ELEARNING_ENV": "production",
            "ELEARNING_SECRET_KEY": key,
            "ELEARNING_BASE_URL": "https://e.example.org",
        },
    )
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]


def test_development_reads_the_generated_secret_key_file(tmp_path):
    (tmp_path / "secret_key").write_text("from-the-file\n")
    assert load_settings(tmp_path, environ={})["SECRET_KEY"] == "from-the-file"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ELEARNING_ENV", "staging"),
        ("ELEARNING_SMTP_PORT", "lots"),
        ("ELEARNING_SMTP_STARTTLS", "maybe"),
    ],
)
def test_bad_settings_are_reported_by_name(tmp_path, name, value):
    with pytest.raises(ConfigError):
        load_settings(tmp_path, environ={name: value})


def test_a_signing_key_that_is_not_there_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="ELEARNING_CERTIFICATE_SIGNING_KEY: there is no file"):
        load_settings(tmp_path, environ={"ELEARNING_CERTIFICATE_SIGNING_KEY": "seal.p12"})
    (tmp_path / "seal-key.pem").write_text("a key")
    with pytest.raises(ConfigError, match="ELEARNING_CERTIFICATE_SIGNING_CERTIFICATE to its"):
        load_settings(tmp_path, environ={"ELEARNING_CERTIFICATE_SIGNING_KEY": "seal-key.pem"})


def test_instance_folder_can_be_moved_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEARNING_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app({"SECRET_KEY": "x"})
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/elsewhere/elearning.db"
