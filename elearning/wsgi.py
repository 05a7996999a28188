"""The WSGI application for servers: ``gunicorn 'elearning.wsgi:application()'``.

Unlike the bare factory it loads the course catalog before serving, so broken content stops the
server at start-up instead of failing a judge's request.
"""

from __future__ import annotations

from flask import Flask

from elearning import create_app
from elearning.catalog import load_app_catalog


def application() -> Flask:
    """Build the app and load its catalog."""
    app = create_app()
    load_app_catalog(app)
    return app
