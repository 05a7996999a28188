"""Settings: built-in defaults < instance/config.py < environment (ELEARNING_*, DATABASE_URL).

This is the only module that reads ``os.environ``. Nothing here runs at import time: the app
factory calls :func:`load_settings` with the instance folder it uses.
"""

from __future__ import annotations

import os
import runpy
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent
#: Where templates/, migrations/ and the shipped content (courses/, quizzes/, certificates/) are:
#: the source checkout (an editable install too), or, installed from a wheel, the copy the
#: build bundles inside the package (``elearning/_root``, see setup.py).
IS_CHECKOUT = (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "templates").is_dir()
ROOT = _CHECKOUT if IS_CHECKOUT else _PACKAGE / "_root"

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - the file name  # nosec B105


class ConfigError(RuntimeError):
    """Raised when the settings do not allow the platform to start safely."""


def _time_zone(value: str) -> str:
    """An IANA time zone name, as the tz database spells it ("Africa/Nairobi", "UTC")."""
    name = value.strip()
    if name not in zoneinfo.available_timezones():
        raise ValueError(f"{name!r} is not a time zone name such as Africa/Nairobi or UTC")
    return name


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
        "database://",
        str,
        "Where rate-limit counters live: `database://` (the platform's own database, shared by "
        "every process and host), `redis://host:6379`, or `memory://` (one process only). If "
        "the store cannot be reached, each process counts on its own until it returns, and "
        "`/healthz` says so.",
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
        "JOBS_URL",
        "ELEARNING_JOBS",
        "sqlite",
        str,
        "Where background jobs (e-mail, certificates) wait for a worker: `sqlite` (a "
        "file in the instance folder; `elearning serve` runs the worker), `redis://host:6379` "
        "(run `elearning worker` on any host), or `immediate` (run each job where it is queued).",
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
        "The platform's public address (https://elearning.example.org). Every link it sends "
        "or prints (e-mails, certificates, QR codes) is built from it, never from the "
        "request. Required in production; in development, the address `elearning serve` "
        "listens on.",
    ),
    Setting(
        "TRUSTED_HOSTS",
        "ELEARNING_TRUSTED_HOSTS",
        (),
        lambda value: tuple(h.strip() for h in value.split(",") if h.strip()),
        "Other host names the platform answers to besides the one in ELEARNING_BASE_URL "
        "(comma-separated, e.g. the internal name a load balancer's health check uses); a "
        "request for any other host gets 400.",
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
        "CERTIFICATE_ISSUER_ADDRESS",
        "ELEARNING_CERTIFICATE_ISSUER_ADDRESS",
        None,
        str,
        'The academy\'s postal address, one line ("12 Court Road, Nairobi, Kenya"), stated in '
        "the issuer profile of its verifiable credentials.",
    ),
    Setting(
        "CERTIFICATE_KEYS_DIR",
        "ELEARNING_CERTIFICATE_KEYS_DIR",
        None,
        str,
        "Folder of the academy's signing keys (Ed25519, created on first use, mode 0600); "
        "by default keys/ in the instance folder. Keep it out of the database and back it up.",
    ),
    Setting(
        "CERTIFICATE_SIGNING_KEY",
        "ELEARNING_CERTIFICATE_SIGNING_KEY",
        None,
        str,
        "The key that signs every certificate PDF: a PKCS#12 file (`.p12`/`.pfx`, holding the "
        "certificate and its chain) or a PEM key file, its certificate in "
        "ELEARNING_CERTIFICATE_SIGNING_CERTIFICATE. Default: a key and self-signed certificate "
        "in the issuer's name, made on first use in "
        "`instance/pdf-signing/`.",
    ),
    Setting(
        "CERTIFICATE_SIGNING_CERTIFICATE",
        "ELEARNING_CERTIFICATE_SIGNING_CERTIFICATE",
        None,
        str,
        "With a PEM signing key: a PEM file holding its certificate, then the chain up to the "
        "root.",
    ),
    Setting(
        "CERTIFICATE_SIGNING_PASSWORD",
        "ELEARNING_CERTIFICATE_SIGNING_PASSWORD",
        None,
        str,
        "Password of the signing key or PKCS#12 file, if it has one.",
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
        "Number of reverse proxies in front of the app whose X-Forwarded-For and "
        "X-Forwarded-Proto headers to trust.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        "ELEARNING_TRUSTED_PROXIES",
        ("127.0.0.1", "::1"),
        lambda value: tuple(h.strip() for h in value.split(",") if h.strip()),
        "Addresses or networks (comma-separated, e.g. 10.0.0.0/8) of the reverse proxies: "
        "forwarded headers are believed only on connections from them, so a client that "
        "reaches the application port directly cannot pick its own address.",
    ),
    Setting(
        "REPORT_PDF_RATE_LIMIT",
        "ELEARNING_REPORT_PDF_RATE_LIMIT",
        "20 per hour",
        str,
        "Cohort report PDFs and whole cohorts' paper answer sheets a trainer may ask for, "
        "together (each new one costs seconds to a minute of CPU; one asked for again while "
        "nothing it prints has changed is served from a stored copy).",
    ),
    Setting(
        "DEFAULT_TIMEZONE",
        "ELEARNING_TIMEZONE",
        "UTC",
        _time_zone,
        "Time zone of dates and times for people whose profile names none (an IANA name such as "
        "Africa/Nairobi); every time is shown with its zone.",
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
        "LOCAL_DIR",
        "ELEARNING_LOCAL_DIR",
        None,
        str,
        "An academy's local layer: its national provisions, notes and cases, one folder per "
        "course, kept apart from the shipped course (courses/README.md). Default: none.",
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

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru", "pt")
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"
DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1")
MIN_SECRET_KEY_BYTES = 32
_MAKE_A_KEY = (
    "e.g. ELEARNING_SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\""
)


def _defaults(instance_path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {s.key: s.default for s in SETTINGS}
    values.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance_path / 'elearning.db'}",
        MAIL_DIR=str(instance_path / "mail"),
        CERTIFICATE_KEYS_DIR=str(instance_path / "keys"),
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
                f"{_MAKE_A_KEY}, or SECRET_KEY in instance/config.py."
            )
        key_file = instance_path / SECRET_KEY_FILE
        values["SECRET_KEY"] = key_file.read_text().strip() if key_file.is_file() else None
    elif is_production and not is_strong_secret(values["SECRET_KEY"]):
        raise ConfigError(
            f"The secret key is too weak: it signs sessions, so whoever guesses it can sign in "
            f"as anyone. Use at least {MIN_SECRET_KEY_BYTES} random bytes, {_MAKE_A_KEY}."
        )
    values["BASE_URL"], values["TRUSTED_HOSTS"] = _public_address(values, is_production)
    _check_signing_files(values, instance_path)
    if is_production:
        values.setdefault("SESSION_COOKIE_SECURE", True)
        values.setdefault("REMEMBER_COOKIE_SECURE", True)
        values.setdefault("PREFERRED_URL_SCHEME", "https")
    values["IS_PRODUCTION"] = is_production
    values["IS_SQLITE"] = values["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    # The embedded default manages its own schema; a chosen database is upgraded by the operator.
    values["IS_EMBEDDED_DATABASE"] = values["SQLALCHEMY_DATABASE_URI"] == default_database
    return values


def _check_signing_files(values: dict[str, Any], instance_path: Path) -> None:
    """The academy's own signing key and certificate, when configured, are files (a relative
    path is read from the instance folder); a PEM key needs its certificate."""
    key = values.get("CERTIFICATE_SIGNING_KEY")
    if not key:
        return
    certificate = values.get("CERTIFICATE_SIGNING_CERTIFICATE")
    for env, path in (
        ("ELEARNING_CERTIFICATE_SIGNING_KEY", key),
        ("ELEARNING_CERTIFICATE_SIGNING_CERTIFICATE", certificate),
    ):
        if path and not (instance_path / path).is_file():
            raise ConfigError(f"{env}: there is no file {instance_path / path}.")
    if not certificate and Path(key).suffix.lower() not in (".p12", ".pfx"):
        raise ConfigError(
            "ELEARNING_CERTIFICATE_SIGNING_KEY names a PEM key: set "
            "ELEARNING_CERTIFICATE_SIGNING_CERTIFICATE to its certificate and chain, or give a "
            "PKCS#12 file (.p12 or .pfx) holding all three."
        )


def is_strong_secret(key: str | bytes) -> bool:
    """Whether a secret key carries at least MIN_SECRET_KEY_BYTES of random material: 64 hex
    digits, 43 base64 characters, or 32 bytes of other text that is not one character
    repeated (``x`` or ``changeme`` are refused)."""
    raw = key.encode() if isinstance(key, str) else key
    text = raw.decode(errors="replace")
    if all(c in "0123456789abcdefABCDEF" for c in text):
        material = len(text) // 2
    elif all(c.isalnum() or c in "+/=-_" for c in text):
        material = len(text.rstrip("=")) * 3 // 4
    else:
        material = len(raw)
    return material >= MIN_SECRET_KEY_BYTES and len(set(text)) >= 16


def _public_address(values: dict[str, Any], is_production: bool) -> tuple[str, tuple[str, ...]]:
    """The checked public address, and the host names requests may carry (its own, the
    configured extra ones, and in development the local machine's)."""
    from urllib.parse import urlsplit

    base = values.get("BASE_URL")
    if not base:
        if is_production:
            raise ConfigError(
                "No public address: in production set ELEARNING_BASE_URL to the address judges "
                "open (https://elearning.example.org). Links in e-mails and on certificates are "
                "built from it, never from the request."
            )
        base = DEVELOPMENT_BASE_URL
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"ELEARNING_BASE_URL must be an address such as https://elearning.example.org "
            f"(got {base!r})."
        )
    if is_production and parts.scheme != "https":
        raise ConfigError(
            "ELEARNING_BASE_URL must start with https:// in production: sessions are sent only "
            "over HTTPS."
        )
    hosts = [parts.hostname, *values.get("TRUSTED_HOSTS", ())]
    if not is_production:
        hosts += DEVELOPMENT_HOSTS
    return base.rstrip("/"), tuple(dict.fromkeys(hosts))


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
    """The instance folder (local database, secret key, mail): ELEARNING_INSTANCE_PATH, else
    ``instance/`` in the checkout, or in the working directory when installed from a wheel (never
    inside the installed package). Read before the other settings, which may live in it."""
    default = ROOT / "instance" if IS_CHECKOUT else Path.cwd() / "instance"
    return Path(os.environ.get("ELEARNING_INSTANCE_PATH") or default).resolve()


def database_url_for_tests() -> str | None:
    """The PostgreSQL URL the test suite should use, if any (TEST_DATABASE_URL)."""
    return os.environ.get("TEST_DATABASE_URL") or None
