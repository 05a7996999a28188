"""Error pages: a clear message for every failure, never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from elearning.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account does not give access to this page.")),
    404: (
        _l("Not found"),
        _l("There is nothing at this address. Check the link, or start again from the home page."),
    ),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than the platform accepts.")),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Wait a minute, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. It has been logged. Please try again in a moment."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l(
            "The platform cannot reach its database just now, so what you just sent was not "
            "saved. What you saved before is safe. Please try again in a minute."
        ),
    ),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(status: int, message=None):
    """The error page (or JSON for API paths) for ``status``."""
    title, default_message = MESSAGES.get(status, MESSAGES[500])
    if _wants_json():
        return jsonify(status="error", error=str(message or default_message)), status
    return render_template(
        "error.html", status=status, title=title, message=message or default_message
    ), status


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(
            400,
            _l(
                "This form has expired or was not sent from this site. "
                "Reload the page and submit it again."
            ),
        )

    @app.errorhandler(SecurityError)
    def unknown_host(_error):
        # A Host the platform does not answer to (TRUSTED_HOSTS): no page is built for it, since
        # nothing can be addressed at a host that is not ours.
        return Response(
            "Bad request: this server does not answer to that host name.\n",
            400,
            mimetype="text/plain",
        )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(_error):
        return render_error(429)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code if error.code in MESSAGES else 400)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        app.logger.error("database unavailable: %s", error)
        db.session.rollback()
        # The page layout asks who is signed in; with no database, show it as anonymous.
        g._login_user = AnonymousUserMixin()
        return render_error(503)

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
