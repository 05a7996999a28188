"""Benchmark harness: the platform's pages against a bare Flask app, under the same gunicorn.

Run it from the repository root::

    python bench/run.py                 # 10-second runs
    python bench/run.py --quick         # 2-second runs, for CI smoke checks
    python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/run.py --only burst --learners 200
    python bench/run.py --only certificate-bulk --certificates 1000
    python bench/run.py --only cohort-report --cohort-sizes 500,5000,20000

It seeds a throw-away database (SQLite in a temporary folder, or a fresh ``bench`` schema in the
PostgreSQL database given; the ``public`` schema is never touched), starts the platform and
``bench/hello.py`` under gunicorn with the same settings, signs in over HTTP, then runs the
registered benchmarks. The servers get their settings through environment variables, since
each gunicorn worker builds its own app from the import string; their instance folder is the
temporary one, so no developer's ``instance/config.py`` reaches them.

A benchmark is a function decorated with ``@benchmark("name")`` (from
:mod:`bench.harness.registry`) in a module of ``bench/benchmarks/``; it takes the shared
``Context`` (server URLs, session cookie, options, load generator) and returns rows
``(name, value, unit, target)``; ``--only name`` runs just some of them. The table goes to
stdout, progress to stderr, and every number with the settings to ``bench/results.json``.

Load comes from wrk when it is installed, else from a small Python generator (threads with
keep-alive connections) that reports the same numbers.

Exit status: 0 when the benchmarks ran (missed targets are reported, not failures); 2 when the
database, the servers or the sign-in could not be set up; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as ``python bench/run.py``, Python puts bench/ on the path; the harness is imported as
# the ``bench`` package from the repository root, as gunicorn imports ``bench.hello``.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import benchmarks
from bench.harness import BENCH_DIR, BenchError, log
from bench.harness.database import (
    app_environment,
    is_postgres,
    prepare_database,
    reset_pg_schema,
    seed,
)
from bench.harness.load import ROUNDS, WARMUP_SECONDS, choose_tool, tool_version
from bench.harness.registry import BENCHMARKS, Context, Options, Row
from bench.harness.servers import (
    APP_URI,
    HELLO_URI,
    start_server,
    start_worker,
    stop_server,
    wait_until_up,
)
from bench.harness.web import sign_in

QUICK_DURATION = 2.0


# --- report -----------------------------------------------------------------------------------


def target_met(value: float, target: str | None) -> bool | None:
    """Whether ``value`` meets ``target`` (``">= 0.40"``, ``"<= 25"``...); None without one."""
    if not target:
        return None
    match = re.fullmatch(r"\s*(<=|>=|==|<|>)\s*([-\d.]+)\s*", target)
    if not match:
        raise ValueError(f"bad target: {target!r}")
    op, limit = match.group(1), float(match.group(2))
    return {
        "<=": value <= limit,
        ">=": value >= limit,
        "==": value == limit,
        "<": value < limit,
        ">": value > limit,
    }[op]


def row_label(row: Row) -> str:
    """The row's name with its unit, as the table shows it."""
    if row.unit == "rps":
        return f"{row.name} rps"
    if row.unit in {"", "ratio", "count"}:
        return row.name
    return f"{row.name} ({row.unit})"


def format_value(row: Row) -> str:
    """The value with as many decimals as it deserves."""
    if row.unit == "count":
        return str(int(row.value))
    return f"{row.value:.2f}" if row.unit == "ratio" else f"{row.value:.1f}"


def render_table(rows: list[Row]) -> str:
    """The report as an aligned text table."""
    lines = [f"{'benchmark':<38} {'value':<11} target"]
    for row in rows:
        met = target_met(row.value, row.target)
        status = "" if met is None else ("ok" if met else "MISSED")
        line = f"{row_label(row):<38} {format_value(row):<11} {row.target or '':<11} {status}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def results_document(ctx: Context, rows: list[Row], names: list[str]) -> dict[str, Any]:
    """Everything results.json holds."""
    options = ctx.options
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tool": ctx.tool,
        "tool_version": tool_version(ctx.tool),
        "cpu_count": os.cpu_count(),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
        "settings": {
            "workers": options.workers,
            "threads": options.threads,
            "worker_class": "gthread",
            "connections": options.connections,
            "duration_s": options.duration,
            "warmup_s": WARMUP_SECONDS,
            "rounds": ROUNDS,
            "database_backend": ctx.backend,
            "burst_learners": options.learners,
            "bulk_certificates": options.certificates,
            "cohort_sizes": list(options.cohort_sizes),
        },
        "benchmarks": names,
        "results": [{**row._asdict(), "met": target_met(row.value, row.target)} for row in rows],
        "runs": ctx.runs,
    }


# --- running ----------------------------------------------------------------------------------


def run(options: Options, names: list[str]) -> tuple[Context, list[Row]]:
    """Seed, start both servers, sign in, run the benchmarks; always stops what it started."""
    tool = choose_tool(options.load_generator)
    with tempfile.TemporaryDirectory(prefix="elearning-bench-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        database_url, backend = prepare_database(options.database_url, tmp)
        if options.database_url and is_postgres(options.database_url):
            stack.callback(reset_pg_schema, options.database_url, recreate=False)
        env = app_environment(database_url, tmp)
        seed(env)

        log(f"starting gunicorn: {options.workers} workers x {options.threads} threads, gthread")
        app = start_server("app", APP_URI, options, env, tmp)
        stack.callback(stop_server, app)
        hello = start_server("hello", HELLO_URI, options, env, tmp)
        stack.callback(stop_server, hello)
        worker = start_worker(env, tmp)
        stack.callback(stop_server, worker)
        health = wait_until_up(app, "/healthz")
        wait_until_up(hello, "/")
        served_backend = json.loads(health.text).get("database_backend")
        if served_backend != backend:
            raise BenchError(f"the app serves {served_backend!r}, expected {backend!r}")

        log("signing in over HTTP")
        ctx = Context(options, app.url, hello.url + "/", sign_in(app.url), tool, backend, env)
        log(f"load generator: {tool}, {options.connections} connections")
        rows: list[Row] = []
        for name in names:
            rows.extend(BENCHMARKS[name](ctx))
        for server in (app, hello):
            if tail := server.log_tail():
                log(f"the {server.name} server logged (last lines):\n{tail}")
        return ctx, rows


def parse_args(argv: list[str] | None) -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        description="Benchmark the platform's pages against a bare Flask app under gunicorn."
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL to use (a fresh 'bench' schema in it); default: SQLite in a temp dir",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_DURATION:g}-second runs, for CI smoke checks"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run only this benchmark (repeatable; one of: {', '.join(BENCHMARKS)})",
    )
    parser.add_argument(
        "--learners",
        type=int,
        default=200,
        help="learners submitting at the same moment in the burst benchmark (200)",
    )
    parser.add_argument(
        "--certificates",
        type=int,
        default=1000,
        help="certificates issued at once in the certificate-bulk benchmark (1000)",
    )
    parser.add_argument(
        "--cohort-sizes",
        default="500,5000,20000",
        help="learners in each cohort of the cohort-report benchmark (500,5000,20000)",
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="wrk when installed (auto), or the built-in Python one",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=BENCH_DIR / "results.json",
        help="where to write the results (bench/results.json)",
    )
    args = parser.parse_args(argv)
    only = tuple(name for value in args.only for name in value.split(",") if name)
    unknown = [name for name in only if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    try:
        cohort_sizes = tuple(int(size) for size in args.cohort_sizes.split(","))
    except ValueError:
        parser.error(f"--cohort-sizes takes whole numbers separated by commas: {args.cohort_sizes}")
    counts = (args.connections, args.workers, args.threads, args.learners, args.certificates)
    if min(counts + cohort_sizes) < 1 or args.duration < 1:
        parser.error(
            "--connections, --workers, --threads, --learners, --certificates, --cohort-sizes "
            "and --duration must be at least 1"
        )
    return Options(
        duration=QUICK_DURATION if args.quick else args.duration,
        connections=args.connections,
        workers=args.workers,
        threads=args.threads,
        database_url=args.database_url,
        only=only,
        load_generator=args.load_generator,
        output=args.output,
        learners=args.learners,
        certificates=args.certificates,
        cohort_sizes=cohort_sizes,
    )


def _interrupt(signum: int, _frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the servers are stopped on the way out."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write results.json; return the exit status."""
    benchmarks.load_all()
    options = parse_args(argv)
    names = list(options.only) or list(BENCHMARKS)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        ctx, rows = run(options, names)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    print(render_table(rows))
    document = results_document(ctx, rows, names)
    options.output.write_text(json.dumps(document, indent=2) + "\n")
    log(f"wrote {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
