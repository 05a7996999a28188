"""One request, one transaction: the boundary is here, not in the views.

A view that returns has its work committed, once, after it returns and before its response is
finalised (so a failing commit still reaches the error pages: 503 when the database is away).
A view that raises, ``abort()`` included, has its work rolled back when the request ends.
Views therefore never call ``commit()``. A view that refuses after a use case has begun writing
(a domain refusal caught and shown as a message) discards that work with
``db.session.rollback()`` and then returns normally.

The exceptions, each named in DESIGN.md, commit on purpose inside the request: issuing a
certificate (``certificates.adapters.fulfil``: the record is committed before the PDF is
rendered without holding a lock, then stored in a second transaction), bulk issuing (one
transaction per batch, so an admin's long run keeps what it did), and the rate-limit counters
(a connection of their own). The command line and the jobs are outside requests and commit
their own work.
"""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue

from elearning.extensions import db


class TransactionalFlask(Flask):
    """Flask with the request's transaction committed when its view returns."""

    def dispatch_request(self) -> ResponseReturnValue:
        returned = super().dispatch_request()
        db.session.commit()
        return returned
