"""The lesson page, the page a judge spends the course on: throughput, latency, page weight."""

from __future__ import annotations

import re
import urllib.parse

from bench.benchmarks.pages import compare_with_hello, side_by_side_rows
from bench.harness import BenchError, log
from bench.harness.registry import Context, Row, benchmark
from bench.harness.web import SESSION_COOKIE, get_page, http_request, submit_form

COURSE = "/courses/judicial-ethics"
# A lesson with callouts, a table and a knowledge check, part-way through the course.
LESSON = f"{COURSE}/independence/deciding-free-of-influence"
WARM_LESSONS = (
    f"{COURSE}/introduction/why-judicial-ethics",
    f"{COURSE}/introduction/how-this-course-works",
)
_ASSET = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"]+)"')


def take_entry_assessment(ctx: Context, cookie: str) -> str:
    """Take the entry assessment, which opens the lessons (submitted unanswered: it is not
    pass or fail); returns the session cookie as it now stands."""
    reply, cookie = submit_form(
        ctx.app_url, cookie, f"{COURSE}/assessment/pre", f"{COURSE}/assessment/pre/start"
    )
    attempt = urllib.parse.urlsplit(reply.headers.get("Location", "")).path.rsplit("/", 1)[0]
    reply, cookie = submit_form(ctx.app_url, cookie, f"{attempt}/review", f"{attempt}/submit")
    if reply.status != 302 or not reply.headers.get("Location", "").endswith("/results"):
        raise BenchError(f"POST {attempt}/submit answered {reply.status}, not the results")
    return cookie


def enrol_with_progress(ctx: Context) -> None:
    """Enrol the benchmark judge, take the entry assessment and complete two lessons, so the
    page shows real progress."""
    cookie = ctx.cookie
    _, cookie = submit_form(ctx.app_url, cookie, COURSE, f"{COURSE}/enrol")
    cookie = take_entry_assessment(ctx, cookie)
    for path in WARM_LESSONS:
        _, cookie = submit_form(
            ctx.app_url, cookie, path, f"{path}/complete", {"state": "complete"}
        )
    reply, cookie = get_page(ctx.app_url, cookie, LESSON)  # shows, and so clears, the flash
    if reply.status != 200 or "Knowledge check" not in reply.text:
        raise BenchError(f"GET {LESSON} answered {reply.status} without its knowledge check")
    ctx.cookie = cookie


def page_weight(ctx: Context, path: str) -> tuple[int, int, list[str], bool]:
    """What a browser downloads for the page and every asset it loads, asking for gzip as
    browsers do: (bytes on the wire, bytes uncompressed, assets, whether all came gzipped)."""
    accept = {"Accept-Encoding": "gzip", "Cookie": f"{SESSION_COOKIE}={ctx.cookie}"}
    page = http_request(ctx.app_url, "GET", path, headers=accept)
    if page.status != 200:
        raise BenchError(f"GET {path} answered {page.status}")
    replies = [page]
    assets = sorted(set(_ASSET.findall(page.text)) - {""})
    assets = [a for a in assets if a.startswith("/") and not a.startswith("//")]
    for asset in assets:
        reply = http_request(ctx.app_url, "GET", urllib.parse.unquote(asset), headers=accept)
        if reply.status != 200:
            raise BenchError(f"GET {asset} answered {reply.status}")
        replies.append(reply)
    wire = sum(len(reply.body) for reply in replies)
    raw = sum(len(reply.text.encode()) for reply in replies)
    compressed = all(
        reply.headers.get("Content-Encoding") == "gzip"
        for reply in replies
        if reply.headers.get_content_type() != "image/svg+xml" or len(reply.body) > 512
    )
    return wire, raw, assets, compressed


@benchmark("lesson")
def bench_lesson(ctx: Context) -> list[Row]:
    """The signed-in lesson page against the bare Flask hello, side by side; and its weight."""
    enrol_with_progress(ctx)
    compressed, raw, assets, gzipped = page_weight(ctx, LESSON)
    log(
        f"lesson page weight: {compressed} bytes on the wire ({raw} uncompressed) for the HTML"
        f" + {assets}; {'all' if gzipped else 'NOT all'} served gzipped"
    )
    hello, page = compare_with_hello(ctx, LESSON, "lesson")
    return [
        *side_by_side_rows("lesson", "lesson page", "lesson / hello ratio", hello, page),
        Row(
            "lesson page weight (HTML + assets, as served with gzip)",
            round(compressed / 1024, 2),
            "KB",
            "<= 25",
        ),
    ]
