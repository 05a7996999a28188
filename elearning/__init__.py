"""Judicial Ethics e-Learning: the application factory."""

from __future__ import annotations

import logging
import secrets
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from elearning import jobs
from elearning.config import ROOT, instance_path_from_environment, load_settings
from elearning.extensions import babel, csrf, db, limiter, login_manager, migrate
from elearning.web import compression, csrfmask, errors, formdata, headers, routing
from elearning.web.proxies import TrustedProxies
from elearning.web.transactions import TransactionalFlask


def _app_version() -> str:
    try:
        return version("elearning")
    except PackageNotFoundError:
        return "0+unknown"


ACCEPT_LANGUAGE_CACHED = 200  # longer headers (no browser sends one) are read every time


@lru_cache(maxsize=512)
def _best_language(accept_language: str, languages: tuple[str, ...]) -> str | None:
    """The language of ``languages`` an Accept-Language header prefers, if any: worked out
    once per header (browsers send a handful of them), not on every request."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(languages)


def select_locale() -> str:
    """The user's preference (their profile's, or a visitor's choice in the switcher), else the
    browser's best match, else the default language."""
    from flask import current_app, has_request_context, session

    languages = current_app.config["LANGUAGES"]
    default = current_app.config["DEFAULT_LANGUAGE"]
    if not has_request_context():  # command line, e-mails sent outside a request
        return default
    if current_user.is_authenticated and current_user.preferred_language in languages:
        return current_user.preferred_language
    if session.get("language") in languages:
        return session["language"]
    header = request.headers.get("Accept-Language", "")
    if len(header) > ACCEPT_LANGUAGE_CACHED:  # no browser's: not worth remembering
        return request.accept_languages.best_match(languages) or default
    return _best_language(header, tuple(languages)) or default


def select_timezone() -> str:
    """The user's time zone (their profile's), else the academy's."""
    from flask import current_app, has_request_context

    if has_request_context() and current_user.is_authenticated and current_user.time_zone:
        return current_user.time_zone
    return current_app.config["DEFAULT_TIMEZONE"]


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from elearning.accounts.services import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        return load_session_user(db.session, session_id)


def _init_limiter(app: Flask) -> None:
    """Rate limits, counted in the database by default; if the store fails (Redis down), each
    process counts in memory until it answers again, instead of failing the request."""
    from elearning import ratelimits

    uri = app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith(ratelimits.SCHEME + "://"):
        with app.app_context():
            app.config["RATELIMIT_STORAGE_OPTIONS"] = {"engine": db.engine}
    elif uri.startswith(("redis://", "rediss://")):
        # A Redis that does not answer costs a second, not a hung request.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
        )
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    if not any(app.config.get(f"RATELIMIT_{kind}") for kind in ("DEFAULT", "APPLICATION", "META")):
        # Flask-Limiter looks, before every view, for limits that apply to every page; the
        # platform sets none (each limited view checks its own, in its decorator), so that
        # look, which found nothing on every page, is not taken.
        app.before_request_funcs[None].remove(limiter._check_request_limit)


def _register_blueprints(app: Flask) -> None:
    from elearning import accounts, admin, assessments, certificates, cohorts, learning, site
    from elearning.accounts import views as _accounts_views  # noqa: F401
    from elearning.admin import views as _admin_views  # noqa: F401
    from elearning.assessments import views as _assessments_views  # noqa: F401
    from elearning.certificates import admin_views as _certificate_admin_views  # noqa: F401
    from elearning.certificates import credential_views as _certificate_credentials  # noqa: F401
    from elearning.certificates import queue_views as _certificate_queue_views  # noqa: F401
    from elearning.certificates import register_views as _certificate_register  # noqa: F401
    from elearning.certificates import views as _certificates_views  # noqa: F401
    from elearning.cohorts import agenda_views as _agenda_views  # noqa: F401
    from elearning.cohorts import ceremony_views as _ceremony_views  # noqa: F401
    from elearning.cohorts import follow_up_views as _follow_up_views  # noqa: F401
    from elearning.cohorts import invitation_views as _invitation_views  # noqa: F401
    from elearning.cohorts import judge_views as _judge_views  # noqa: F401
    from elearning.cohorts import manual_views as _manual_views  # noqa: F401
    from elearning.cohorts import paper_views as _paper_views  # noqa: F401
    from elearning.cohorts import participant_views as _participant_views  # noqa: F401
    from elearning.cohorts import reaction_views as _reaction_views  # noqa: F401
    from elearning.cohorts import report_views as _report_views  # noqa: F401
    from elearning.cohorts import room_views as _room_views  # noqa: F401
    from elearning.cohorts import views as _cohorts_views  # noqa: F401
    from elearning.learning import views as _learning_views  # noqa: F401
    from elearning.site import views as _site_views  # noqa: F401

    for blueprint in (
        site.bp,
        accounts.bp,
        admin.bp,
        learning.bp,
        assessments.bp,
        certificates.bp,
        cohorts.bp,
    ):
        app.register_blueprint(blueprint)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints. Opens no connection.

    The command line lives in :mod:`elearning.cli`, which builds the app through this factory.
    """
    app = TransactionalFlask(
        __name__,
        instance_path=str(
            Path(config["INSTANCE_PATH"])
            if config and "INSTANCE_PATH" in config
            else instance_path_from_environment()
        ),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(load_settings(Path(app.instance_path), config))
    app.config["APP_VERSION"] = _app_version()
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = headers.STATIC_MAX_AGE
    if not app.config["SECRET_KEY"]:
        # Development without instance/secret_key: sessions last as long as this process.
        # `elearning serve` writes the file first, so its workers share one key.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        logging.getLogger(__name__).info("no secret key configured: using a temporary one")
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = TrustedProxies(
            app.wsgi_app, app.config["PROXY_COUNT"], app.config["TRUSTED_PROXIES"]
        )

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=app.config["IS_SQLITE"],
        compare_type=True,
    )
    _init_login(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    _init_limiter(app)

    # Import every model so metadata (and Alembic) sees the whole schema.
    from elearning import models  # noqa: F401

    jobs.init_app(app)
    # The jobs and the kinds of e-mail each domain sends, registered by name for the worker.
    from elearning.accounts import mails as _account_mails  # noqa: F401
    from elearning.certificates import mails as _certificate_mails  # noqa: F401
    from elearning.cohorts import mails as _cohort_mails  # noqa: F401
    from elearning.outbox import tasks as _outbox_tasks  # noqa: F401

    routing.init_app(app)  # before the blueprints: their rules take its converters
    _register_blueprints(app)
    from elearning.certificates import tasks as certificate_tasks

    certificate_tasks.init_app(app)
    from elearning.cohorts import tasks as cohort_tasks

    cohort_tasks.init_app(app)  # the cohorts' report totals follow every change to an enrolment
    from elearning.cohorts import certificate_links

    certificate_links.init_app(app)  # the certificate pages filter and issue by cohort
    from elearning.cohorts import room

    room.init_app(app)  # a cohort run in a room holds its assessments until the trainer opens them
    compression.init_app(app)  # registered first, so it runs after every other hook
    csrfmask.init_app(app)  # masks the pages before compression sees them
    headers.init_app(app)
    formdata.init_app(app)
    errors.init_app(app)

    from elearning.web.templating import init_app as init_templating

    init_templating(app)
    return app
