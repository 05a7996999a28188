"""`elearning serve` and `elearning worker`: the web server (gunicorn) and the background jobs."""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from elearning.cli.content import require_valid_content
from elearning.cli.demo import seed_demo
from elearning.cli.schema import require_current_schema, upgrade_schema
from elearning.config import DEVELOPMENT_BASE_URL, ensure_secret_key_file


def _default_workers() -> int:
    return max(2, multiprocessing.cpu_count())


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per core, at least 2).",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker.",
)
@click.option("--demo", is_flag=True, help="Create the demo accounts first and print them.")
@click.option(
    "--no-jobs",
    is_flag=True,
    help="Do not run the background-job worker here (run `elearning worker` elsewhere).",
)
@with_appcontext
def serve_command(
    host: str, port: int, workers: int | None, threads: int, demo: bool, no_jobs: bool
) -> None:
    """Serve the platform with gunicorn, and its background jobs beside it."""
    app = current_app._get_current_object()
    if app.config["IS_EMBEDDED_DATABASE"]:
        # The embedded default looks after itself: create or upgrade the SQLite file.
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        upgrade_schema()
    else:
        require_current_schema(app)
    if not app.config["IS_PRODUCTION"]:
        ensure_secret_key_file(Path(app.instance_path))
    require_valid_content(app)
    if demo:
        seed_demo()
    _development_address(app, host, port)
    run_gunicorn(
        "elearning.wsgi:application()",
        host=host,
        port=port,
        workers=workers or _default_workers(),
        threads=threads,
        with_jobs=not no_jobs and app.config["JOBS_URL"] != "immediate",
    )


@click.command("worker")
@click.option(
    "--threads", default=2, show_default=True, type=click.IntRange(1, 32), help="Jobs at once."
)
def worker_command(threads: int) -> None:
    """Run background jobs (e-mail, certificates) until stopped."""
    from elearning.jobs import run_worker
    from elearning.wsgi import application

    click.echo(f"Running background jobs with {threads} threads; Ctrl+C stops.")
    run_worker(application(), workers=threads)


def _run_jobs_process() -> None:
    """The job worker `serve` starts beside the web workers (a fresh interpreter)."""
    from elearning.jobs import run_worker
    from elearning.wsgi import application

    run_worker(application())


def _development_address(app: Flask, host: str, port: int) -> None:
    """In development without a configured public address, links point where `serve` listens
    (the workers read it from the environment they inherit)."""
    if app.config["IS_PRODUCTION"] or app.config["BASE_URL"] != DEVELOPMENT_BASE_URL:
        return
    local = host if host not in ("0.0.0.0", "::", "") else "127.0.0.1"  # noqa: S104  # nosec B104
    os.environ["ELEARNING_BASE_URL"] = f"http://{local}:{port}"
    if local != host:
        click.echo(
            "Listening on every interface: links in e-mails point to this machine "
            f"(http://127.0.0.1:{port}). Set ELEARNING_BASE_URL to the address others open, "
            "and ELEARNING_TRUSTED_HOSTS to any other name they use.",
            err=True,
        )


def run_gunicorn(
    app_uri: str, *, host: str, port: int, workers: int, threads: int, with_jobs: bool = False
) -> None:
    """Run gunicorn in this process on ``app_uri`` (module:callable); with ``with_jobs``, a
    background-job worker process starts once the server is ready and stops with it."""
    from gunicorn.app.wsgiapp import WSGIApplication

    jobs = multiprocessing.get_context("spawn")
    running: list = []

    def when_ready(server) -> None:
        if with_jobs:
            process = jobs.Process(target=_run_jobs_process, name="elearning-jobs", daemon=False)
            process.start()
            running.append(process)
            server.log.info("background jobs: worker process %s", process.pid)

    def on_exit(server) -> None:
        for process in running:
            process.terminate()
            process.join(timeout=20)

    class Server(WSGIApplication):
        def load_config(self) -> None:
            super().load_config()
            self.cfg.set("when_ready", when_ready)
            self.cfg.set("on_exit", on_exit)

    extra = " and the background jobs" if with_jobs else ""
    click.echo(f"Serving on http://{host}:{port}/ with {workers} workers{extra}; Ctrl+C stops.")
    sys.argv = [
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "20",
        app_uri,
    ]
    Server("%(prog)s [OPTIONS] [APP_MODULE]").run()
