"""Talking to the platform over HTTP: small requests, the session cookie, CSRF, sign-in.

The load generators send many requests; this module sends the few that set a run up and check
on it, the way a browser would (one connection each, redirects returned, not followed).
"""

from __future__ import annotations

import gzip
import http.client
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser

from bench.harness import BenchError
from bench.harness.database import BENCH_EMAIL, BENCH_NAME, BENCH_PASSWORD

SESSION_COOKIE = "elearning_session"
USER_AGENT = "elearning-bench/1.0"  # the same for sign-in and load, as session protection wants


@dataclass(frozen=True)
class Reply:
    """A small HTTP response: status, headers and decoded body (and its bytes as sent)."""

    status: int
    headers: http.client.HTTPMessage
    text: str
    body: bytes = b""


def http_request(
    base_url: str,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One request on a fresh connection; redirects are returned, not followed."""
    parts = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = conn.getresponse()
        body = response.read()
        text = gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body
        return Reply(response.status, response.headers, text.decode("utf-8", "replace"), body)
    finally:
        conn.close()


def session_cookie(reply: Reply) -> str | None:
    """The value of the session cookie the reply sets, if it sets one."""
    for header in reply.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        if name.strip() == SESSION_COOKIE:
            return rest.split(";", 1)[0].strip().strip('"')
    return None


class _CsrfFinder(HTMLParser):
    """Finds the value of the first ``<input name="csrf_token">``."""

    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Remember the csrf_token input's value."""
        values = dict(attrs)
        if tag == "input" and values.get("name") == "csrf_token" and self.token is None:
            self.token = values.get("value")


def find_csrf_token(html: str) -> str | None:
    """The CSRF token of the page's form, if it has one."""
    finder = _CsrfFinder()
    finder.feed(html)
    return finder.token


def check_signed_in(app_url: str, cookie: str, name: str = BENCH_NAME) -> None:
    """Fail unless /dashboard with ``cookie`` answers 200 and greets the user called ``name``
    (the benchmark judge unless told otherwise)."""
    reply = http_request(
        app_url, "GET", "/dashboard", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}
    )
    if reply.status != 200 or name not in reply.text:
        raise BenchError(
            f"GET /dashboard with the session cookie answered {reply.status} "
            f"{reply.headers.get('Location', '')} without {name!r}: not signed in"
        )


def sign_in(
    app_url: str,
    email: str = BENCH_EMAIL,
    password: str = BENCH_PASSWORD,
    name: str = BENCH_NAME,
) -> str:
    """Sign in over HTTP like a browser and return the session cookie's value; the benchmark
    judge unless another account (``email``, ``password``, and ``name`` to check) is given."""
    page = http_request(app_url, "GET", "/signin")
    token = find_csrf_token(page.text)
    cookie = session_cookie(page)
    if page.status != 200 or not token or not cookie:
        raise BenchError(
            f"GET /signin answered {page.status} (csrf_token found: {bool(token)}, "
            f"session cookie set: {bool(cookie)})"
        )
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    reply = http_request(
        app_url,
        "POST",
        "/signin",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{SESSION_COOKIE}={cookie}",
        },
    )
    location = urllib.parse.urlsplit(reply.headers.get("Location", "")).path
    cookie = session_cookie(reply)
    if reply.status != 302 or location != "/dashboard" or not cookie:
        alert = re.search(r'role="alert"[^>]*>(.*?)</div>', reply.text, re.S)
        reason = re.sub(r"<[^>]+>|\s+", " ", alert.group(1)).strip() if alert else ""
        raise BenchError(
            f"POST /signin answered {reply.status} {location or '(no redirect)'} "
            f"instead of a redirect to /dashboard for {email}. {reason}".strip()
        )
    check_signed_in(app_url, cookie, name)
    return cookie


def submit_form(
    app_url: str, cookie: str, page_path: str, action: str, fields: Mapping[str, str] | None = None
) -> tuple[Reply, str]:
    """Open ``page_path``, then post its CSRF token (and ``fields``) to ``action``, like a
    browser; returns the reply and the session cookie as it now stands."""
    page = http_request(app_url, "GET", page_path, headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    cookie = session_cookie(page) or cookie
    token = find_csrf_token(page.text)
    if page.status != 200 or not token:
        raise BenchError(f"GET {page_path} answered {page.status} without a form to submit")
    reply = http_request(
        app_url,
        "POST",
        action,
        body=urllib.parse.urlencode({"csrf_token": token, **(fields or {})}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{SESSION_COOKIE}={cookie}",
        },
    )
    if reply.status not in (200, 302):
        raise BenchError(f"POST {action} answered {reply.status}")
    return reply, session_cookie(reply) or cookie


def get_page(app_url: str, cookie: str, path: str) -> tuple[Reply, str]:
    """GET ``path`` signed in; returns the reply and the session cookie as it now stands."""
    reply = http_request(app_url, "GET", path, headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    return reply, session_cookie(reply) or cookie
