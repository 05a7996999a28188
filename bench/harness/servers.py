"""The servers under test: the platform and ``bench/hello.py``, under the same gunicorn settings.

Each gunicorn master runs in its own session, so Ctrl+C reaches only the harness, which then
stops the masters itself (gracefully, then by force together with their workers). The servers
get their settings through environment variables, since each worker builds its own app from
the import string.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from bench.harness import ROOT, BenchError, tool_path
from bench.harness.registry import Options
from bench.harness.web import Reply, http_request

APP_URI = "elearning.wsgi:application()"  # as `elearning serve` runs it: catalog loaded first
HELLO_URI = "bench.hello:app"  # imported from ROOT, the servers' working directory

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


@dataclass
class Server:
    """A gunicorn master we started, its URL and its log file."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 20) -> str:
        """The last lines gunicorn wrote."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(app_uri: str, port: int, options: Options) -> list[str]:
    """The gunicorn command line, the same for the platform and for hello."""
    return [
        tool_path("gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(options.workers),
        "--threads",
        str(options.threads),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
        app_uri,
    ]


def start_server(
    name: str, app_uri: str, options: Options, env: Mapping[str, str], log_dir: Path
) -> Server:
    """Start gunicorn in its own session (Ctrl+C reaches only us; we stop it ourselves)."""
    port = free_port()
    return _spawn(
        name, gunicorn_command(app_uri, port, options), env, log_dir, f"http://127.0.0.1:{port}"
    )


def start_worker(env: Mapping[str, str], log_dir: Path, threads: int = 2) -> Server:
    """Start ``elearning worker``, the background jobs beside the platform (certificates, e-mail),
    as `elearning serve` runs it; stopped like a server."""
    command = [tool_path("elearning"), "worker", "--threads", str(threads)]
    return _spawn("worker", command, env, log_dir, "")


def _spawn(
    name: str, command: list[str], env: Mapping[str, str], log_dir: Path, url: str
) -> Server:
    """Start ``command`` in its own session (Ctrl+C reaches only us), logging to a file."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, url, process, log_path)


def wait_until_up(server: Server, path: str, timeout: float = START_TIMEOUT) -> Reply:
    """Poll ``path`` until it answers 200; fail if gunicorn exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"the {server.name} server exited ({server.process.returncode}):\n"
                f"{server.log_tail()}"
            )
        try:
            reply = http_request(server.url, "GET", path, timeout=2)
        except OSError as exc:
            last = str(exc)
        else:
            if reply.status == 200:
                return reply
            last = f"{reply.status} {reply.text[:200]}"
        time.sleep(0.1)
    raise BenchError(
        f"the {server.name} server did not answer {path} within {timeout:g} s ({last}):\n"
        f"{server.log_tail()}"
    )


def stop_server(server: Server) -> None:
    """Stop gunicorn gracefully, then by force, and its workers with it."""
    process = server.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the group we created: master + workers
            process.wait()
