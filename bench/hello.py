"""A bare Flask app: the baseline that bench/run.py compares the platform's pages with."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    """The smallest possible Flask page."""
    return "Hello, World!"
