"""Security headers on every response (ASVS 5.0 V3): CSP, framing, sniffing, referrer, HSTS."""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

STATIC_MAX_AGE = 60 * 60 * 24 * 365


def init_app(app: Flask) -> None:
    """Attach the headers to every response of ``app``."""
    is_production = app.config["IS_PRODUCTION"]

    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ]
    if is_production:
        defaults.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        # Each header unless the view set its own (a media file's policy...): the names there
        # are read once, not once for each header.
        present = {name.lower() for name, _value in headers.items()}
        for name, value in defaults:
            if name.lower() not in present:
                headers.add(name, value)
        if request.endpoint == "static" and response.status_code in (200, 304):
            # A fingerprinted URL (?v=<content hash>) never changes meaning: keep it a year
            # without asking again. Without the fingerprint, check back every hour.
            if "v" in request.args:
                headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
            else:
                headers["Cache-Control"] = "public, max-age=3600"
        elif "Cache-Control" not in headers and response.mimetype in (
            "text/html",
            "application/json",
        ):
            # Pages carry personal data and CSRF tokens, and a certificate's status or the
            # health check must be current (a revocation shows at once): never keep them.
            headers["Cache-Control"] = "no-store"
        return response
