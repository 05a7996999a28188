"""Settings: built-in defaults < instance/config.py < environment (ELEARNING_*, DATABASE_URL).

This is the only module that reads ``os.environ``. Nothing here runs at import time: the app
factory calls :func:`load_settings` with the instance folder it uses.
"""

from __future__ import annotations

import os
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
"""The source checkout: templates/, migrations/ and the content folders live here."""

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - the file name  # nosec B105


class ConfigError(RuntimeError):
    """Raised when the settings do not allow the platform to start safely."""


def _bool(value: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a yes/no value, got {value!r}")


@dataclass(frozen=True)
class Setting:
    """One documented setting: its Flask config key, environment variable and default."""

    key: str
    env: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ENV",
        "ELEARNING_ENV",
        "development",
        str,
        "`development` or `production`. Production requires a secret key, sends cookies "
        "only over HTTPS and adds HSTS.",
    ),
    Setting(
        "SECRET_KEY",
        "ELEARNING_SECRET_KEY",
        None,
        str,
        "Signs sessions and forms. Required in production; in development one is generated "
        "into `instance/secret_key`.",
    ),
    Setting(
        "SQLALCHEMY_DATABASE_URI",
        "DATABASE_URL",
        None,
        str,
        "Database URL. Default: SQLite in `instance/elearning.db` (WAL mode). PostgreSQL: "
        "`postgresql+psycopg://user:password@host/dbname`.",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "ELEARNING_RATELIMIT_STORAGE",
        "memory://",
        str,
        "Where rate-limit counters live: `memory://` (one process) or `redis://host:6379`.",
    ),
    Setting(
        "LOGIN_RATE_LIMIT",
        "ELEARNING_LOGIN_RATE_LIMIT",
        "10 per minute; 50 per hour",
        str,
        "Sign-in attempts allowed per address and per e-mail.",
    ),
    Setting(
        "RESET_RATE_LIMIT",
        "ELEARNING_RESET_RATE_LIMIT",
        "5 per minute; 20 per hour",
        str,
        "Password-reset and sign-up requests allowed per address and per e-mail.",
    ),
    Setting(
        "MAIL_BACKEND",
        "ELEARNING_MAIL_BACKEND",
        "console",
        str,
        "`console` (print), `file` (one .eml per message in ELEARNING_MAIL_DIR) or `smtp`.",
    ),
    Setting(
        "MAIL_DIR",
        "ELEARNING_MAIL_DIR",
        None,
        str,
        "Folder for the `file` mail backend. Default: `instance/mail`.",
    ),
    Setting(
        "MAIL_FROM",
        "ELEARNING_MAIL_FROM",
        "Judicial Ethics e-Learning <noreply@localhost>",
        str,
        "Sender of every message.",
    ),
    Setting("SMTP_HOST", "ELEARNING_SMTP_HOST", "localhost", str, "SMTP server."),
    Setting("SMTP_PORT", "ELEARNING_SMTP_PORT", 587, int, "SMTP port."),
    Setting("SMTP_USERNAME", "ELEARNING_SMTP_USERNAME", None, str, "SMTP user name, if any."),
    Setting("SMTP_PASSWORD", "ELEARNING_SMTP_PASSWORD", None, str, "SMTP password, if any."),
    Setting("SMTP_STARTTLS", "ELEARNING_SMTP_STARTTLS", True, _bool, "Use STARTTLS."),
    Setting(
        "BASE_URL",
        "ELEARNING_BASE_URL",
        None,
        str,
        "Public address (https://elearning.example.org) for links in e-mails sent outside "
        "a request and for the verification address printed (and QR-coded) on certificates. "
        "Required by `elearning certificates issue`.",
    ),
    Setting(
        "CERTIFICATE_ISSUER",
        "ELEARNING_CERTIFICATE_ISSUER",
        "Judicial Ethics e-Learning",
        str,
        "Issuer printed on certificates and shown on their verification page, e.g. the "
        "academy's name.",
    ),
    Setting(
        "VERIFY_RATE_LIMIT",
        "ELEARNING_VERIFY_RATE_LIMIT",
        "30 per minute; 300 per hour",
        str,
        "Certificate verifications (page, API and PDF checks) allowed per address.",
    ),
    Setting(
        "PROXY_COUNT",
        "ELEARNING_PROXY_COUNT",
        0,
        int,
        "Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.",
    ),
    Setting(
        "DEFAULT_LANGUAGE",
        "ELEARNING_DEFAULT_LANGUAGE",
        "en",
        str,
        "Language when neither the user nor the browser names a supported one.",
    ),
    Setting(
        "CONTENT_DIR",
        "ELEARNING_CONTENT_DIR",
        None,
        str,
        "Root holding `courses/`, `quizzes/` and `certificates/`. Default: the checkout.",
    ),
    Setting(
        "DEMO_PASSWORD",
        "ELEARNING_DEMO_PASSWORD",
        None,
        str,
        "Password of the demo accounts made by `elearning demo`; generated when unset.",
    ),
    Setting(
        "PASSWORD_RESET_MAX_AGE",
        "ELEARNING_PASSWORD_RESET_MAX_AGE",
        3600,
        int,
        "Seconds a password-reset link stays valid.",
    ),
    Setting(
        "INVITATION_MAX_AGE",
        "ELEARNING_INVITATION_MAX_AGE",
        1209600,
        int,
        "Seconds the invitation sent to a participant added from a CSV file stays valid.",
    ),
    Setting(
        "JOIN_RATE_LIMIT",
        "ELEARNING_JOIN_RATE_LIMIT",
        "20 per minute; 200 per hour",
        str,
        "Cohort join-code attempts allowed per address.",
    ),
    Setting(
        "EMAIL_CONFIRM_MAX_AGE",
        "ELEARNING_EMAIL_CONFIRM_MAX_AGE",
        172800,
        int,
        "Seconds an account-activation link stays valid.",
    ),
)

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")


def _defaults(instance_path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {s.key: s.default for s in SETTINGS}
    values.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance_path / 'elearning.db'}",
        MAIL_DIR=str(instance_path / "mail"),
        CONTENT_DIR=str(ROOT),
        LANGUAGES=LANGUAGES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="elearning_session",
        # The cookie is re-sent only when the session changes, not on every response.
        SESSION_REFRESH_EACH_REQUEST=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 12,
        WTF_CSRF_TIME_LIMIT=60 * 60 * 12,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=512 * 1024,
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_STRATEGY="fixed-window",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
    )
    return values


def _from_instance_file(instance_path: Path) -> dict[str, Any]:
    path = instance_path / "config.py"
    if not path.is_file():
        return {}
    namespace = runpy.run_path(str(path))
    return {k: v for k, v in namespace.items() if k.isupper()}


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{setting.env}: {exc}") from None
    return values


def _normalise_database_url(url: str) -> str:
    """Accept the bare postgres:// URLs that hosting platforms hand out; we use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(
    instance_path: Path,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Merge defaults, instance/config.py, the environment and explicit overrides, then check."""
    environ = os.environ if environ is None else environ
    values = _defaults(instance_path)
    default_database = values["SQLALCHEMY_DATABASE_URI"]
    values.update(_from_instance_file(instance_path))
    values.update(_from_environment(environ))
    values.update(overrides or {})

    values["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(values["SQLALCHEMY_DATABASE_URI"])
    if values["ENV"] not in {"development", "production"}:
        raise ConfigError("ELEARNING_ENV must be 'development' or 'production'.")
    is_production = values["ENV"] == "production"

    if not values.get("SECRET_KEY"):
        if is_production:
            raise ConfigError(
                "No secret key: in production set ELEARNING_SECRET_KEY to a long random value, "
                "e.g. ELEARNING_SECRET_KEY=\"$(python3 -c 'import secrets; "
                "print(secrets.token_hex(32))')\", or SECRET_KEY in instance/config.py."
            )
        key_file = instance_path / SECRET_KEY_FILE
        values["SECRET_KEY"] = key_file.read_text().strip() if key_file.is_file() else None
    if is_production:
        values.setdefault("SESSION_COOKIE_SECURE", True)
        values.setdefault("REMEMBER_COOKIE_SECURE", True)
        values.setdefault("PREFERRED_URL_SCHEME", "https")
    values["IS_PRODUCTION"] = is_production
    values["IS_SQLITE"] = values["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if not values["IS_SQLITE"]:
        # A networked database may restart under us: test each pooled connection before use
        # so the platform recovers by itself. A SQLite file has no connection to lose.
        values.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    # The embedded default manages its own schema; a chosen database is upgraded by the operator.
    values["IS_EMBEDDED_DATABASE"] = values["SQLALCHEMY_DATABASE_URI"] == default_database
    return values


def ensure_secret_key_file(instance_path: Path) -> None:
    """Create instance/secret_key (mode 0600) for the embedded default if it does not exist."""
    import secrets

    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / SECRET_KEY_FILE
    if key_file.exists():
        return
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")


def instance_path_from_environment() -> Path:
    """The instance folder (local database, secret key, mail): ELEARNING_INSTANCE_PATH or
    ``instance/`` in the checkout. Read before the other settings, which may live in it."""
    return Path(os.environ.get("ELEARNING_INSTANCE_PATH") or ROOT / "instance").resolve()


def database_url_for_tests() -> str | None:
    """The PostgreSQL URL the test suite should use, if any (TEST_DATABASE_URL)."""
    return os.environ.get("TEST_DATABASE_URL") or None
