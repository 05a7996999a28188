"""Load generators: wrk when it is installed, else a small Python one that reports the same.

Both take a URL, request headers, a duration and a number of keep-alive connections, and return
a :class:`LoadResult`: requests per second, p50/p99 latency, non-2xx answers, socket errors.
"""

from __future__ import annotations

import http.client
import math
import platform
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bench.harness import BenchError, tool_path

WARMUP_SECONDS = 1.0  # each side of a comparison is loaded this long before it is measured
ROUNDS = 2  # measured runs per side of a comparison; the best one is reported


@dataclass(frozen=True)
class LoadResult:
    """What one load run measured."""

    label: str
    url: str
    tool: str
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


LoadGenerator = Callable[[str, str, Mapping[str, str], float, int], LoadResult]


def choose_tool(requested: str) -> str:
    """``wrk`` when asked for or available, else ``python``."""
    if requested == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if requested == "wrk" and not shutil.which("wrk"):
        raise BenchError("wrk is not installed (use --load-generator python)")
    return requested


def tool_version(tool: str) -> str:
    """A one-line description of the load generator."""
    if tool == "python":
        return f"python {platform.python_version()} http.client threads"
    proc = subprocess.run([tool_path("wrk"), "--version"], capture_output=True, text=True)
    lines = (proc.stdout or proc.stderr).splitlines()
    return lines[0].strip() if lines else "wrk"


def generator_for(tool: str) -> LoadGenerator:
    """The load function for ``tool`` (``wrk`` or ``python``)."""
    return run_wrk if tool == "wrk" else run_python_load


# --- wrk --------------------------------------------------------------------------------------

_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(text: str) -> float:
    """Convert a wrk duration such as ``812.00us``, ``9.10ms`` or ``1.02s`` to milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _TO_MS[match.group(2)]


def parse_wrk(label: str, url: str, output: str) -> LoadResult:
    """Read requests/sec, the latency distribution and errors from ``wrk --latency`` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+\w+),", output, re.M)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M))
    if not (rps and total and "50" in percentiles and "99" in percentiles):
        raise BenchError(f"could not read wrk's output:\n{output}")
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return LoadResult(
        label=label,
        url=url,
        tool="wrk",
        duration_s=round(to_ms(total.group(2)) / 1000, 3),
        requests=int(total.group(1)),
        rps=float(rps.group(1)),
        p50_ms=to_ms(percentiles["50"]),
        p99_ms=to_ms(percentiles["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def run_wrk(
    label: str, url: str, headers: Mapping[str, str], duration: float, connections: int
) -> LoadResult:
    """Load ``url`` with wrk (2 threads, ``connections`` keep-alive connections)."""
    command = [
        tool_path("wrk"),
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    proc = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return parse_wrk(label, url, proc.stdout)


# --- the Python load generator ----------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float:
    """The nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run_python_load(
    label: str, url: str, headers: Mapping[str, str], duration: float, connections: int
) -> LoadResult:
    """Load ``url`` from ``connections`` threads, each with a keep-alive http.client connection."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path or "/"
    latencies: list[float] = []
    totals = {"non_2xx": 0, "socket_errors": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def client() -> None:
        """One connection's request loop until the deadline."""
        mine: list[float] = []
        non_2xx = errors = 0
        conn: http.client.HTTPConnection | None = None
        while (started := time.perf_counter()) < deadline:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=10)
                conn.request("GET", path, headers=dict(headers))
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            mine.append((time.perf_counter() - started) * 1000)
            if not 200 <= response.status < 300:
                non_2xx += 1
            if response.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)
            totals["non_2xx"] += non_2xx
            totals["socket_errors"] += errors

    workers = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return LoadResult(
        label=label,
        url=url,
        tool="python",
        duration_s=round(elapsed, 3),
        requests=len(latencies),
        rps=round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        p50_ms=round(percentile(latencies, 50), 3),
        p99_ms=round(percentile(latencies, 99), 3),
        non_2xx=totals["non_2xx"],
        socket_errors=totals["socket_errors"],
    )
