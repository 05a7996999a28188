"""Addresses that leave the platform: links in e-mails, on certificates and in their QR codes.

They are built from the configured public address (``BASE_URL``), never from the request: a
request's ``Host`` or ``X-Forwarded-Host`` is chosen by whoever sends it, and a reset link
pointing at their server would hand them the account.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` at the platform's public address."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
