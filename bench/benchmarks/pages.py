"""Signed-in pages, each measured side by side with the bare Flask hello under the same load."""

from __future__ import annotations

from bench.harness import log
from bench.harness.load import ROUNDS, WARMUP_SECONDS, LoadResult
from bench.harness.registry import Context, Row, benchmark


def compare_with_hello(ctx: Context, path: str, label: str) -> tuple[LoadResult, LoadResult]:
    """Best (hello, page) of alternating runs: hello, page, hello, page, after a warm-up."""
    page_url = ctx.app_url + path
    log(f"warming up hello and {label} ({WARMUP_SECONDS:g} s each)")
    ctx.load("hello warm-up", ctx.hello_url, signed_in=False, duration=WARMUP_SECONDS)
    ctx.load(f"{label} warm-up", page_url, signed_in=True, duration=WARMUP_SECONDS)
    hellos: list[LoadResult] = []
    pages: list[LoadResult] = []
    for round_number in range(1, ROUNDS + 1):
        for name, url, signed_in, results in (
            ("hello", ctx.hello_url, False, hellos),
            (label, page_url, True, pages),
        ):
            log(f"round {round_number}/{ROUNDS}: {name} for {ctx.options.duration:g} s")
            result = ctx.load(name, url, signed_in=signed_in)
            log(
                f"  {result.rps:.1f} rps, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
                f"{result.non_2xx} non-2xx, {result.socket_errors} socket errors"
            )
            results.append(result)
    best_hello = max(hellos, key=lambda r: r.rps)
    best_page = max(pages, key=lambda r: r.rps)
    for round_number, (hello, page) in enumerate(zip(hellos, pages, strict=True), start=1):
        ctx.record(hello, benchmark=label, round=round_number, best=hello is best_hello)
        ctx.record(page, benchmark=label, round=round_number, best=page is best_page)
    return best_hello, best_page


def side_by_side_rows(
    label: str, page_row: str, ratio_row: str, hello: LoadResult, page: LoadResult
) -> list[Row]:
    """The table rows of a page measured against hello: throughput, ratio, latency, errors."""
    return [
        Row(page_row, page.rps, "rps"),
        Row("bare Flask hello", hello.rps, "rps"),
        Row(ratio_row, round(page.rps / hello.rps, 4) if hello.rps else 0.0, "ratio", ">= 0.40"),
        Row(f"{label} p50 latency", page.p50_ms, "ms"),
        Row(f"{label} p99 latency", page.p99_ms, "ms", "<= 25"),
        Row(f"{label} errors", page.non_2xx + page.socket_errors, "count", "== 0"),
    ]


@benchmark("dashboard")
def bench_dashboard(ctx: Context) -> list[Row]:
    """The signed-in dashboard against the bare Flask hello, side by side."""
    hello, page = compare_with_hello(ctx, "/dashboard", "dashboard")
    return side_by_side_rows(
        "dashboard", "signed-in page (dashboard)", "page / hello ratio", hello, page
    )
