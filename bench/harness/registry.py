"""What a benchmark is, what it gets and what it gives back.

A benchmark is a function decorated with ``@benchmark("name")`` that takes the shared
:class:`Context` (server URLs, session cookie, options, load generator, the servers'
environment) and returns :class:`Row` s ``(name, value, unit, target)``. ``--only name`` runs
just some of them.

The registry lives here rather than in ``bench/run.py`` because that file runs as
``__main__``: a benchmark module importing ``benchmark`` from ``bench.run`` would load a second
copy of it, and register into a dictionary the runner never reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from bench.harness.database import BENCH_NAME
from bench.harness.load import LoadResult, generator_for
from bench.harness.web import SESSION_COOKIE, USER_AGENT, check_signed_in


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    duration: float
    connections: int
    workers: int
    threads: int
    database_url: str | None
    only: tuple[str, ...]
    load_generator: str
    output: Path
    learners: int = 200  # the burst benchmark's simultaneous learners
    certificates: int = 1000  # the certificate-bulk benchmark's certificates issued at once
    cohort_sizes: tuple[int, ...] = (500, 5000, 20000)  # the cohort-report benchmark's cohorts


class Row(NamedTuple):
    """One line of the report; ``target`` reads like ``">= 0.40"`` or ``"<= 25"``."""

    name: str
    value: float
    unit: str
    target: str | None = None


@dataclass
class Context:
    """Everything a benchmark needs: servers, the signed-in cookie, options, the load tool, and
    the environment the servers run in (to reach their database, see
    :func:`bench.harness.database.platform_app`)."""

    options: Options
    app_url: str
    hello_url: str
    cookie: str
    tool: str
    backend: str
    env: dict[str, str] = field(default_factory=dict, repr=False)  # holds the secret key
    runs: list[dict[str, Any]] = field(default_factory=list)
    user_name: str = BENCH_NAME  # whom ``cookie`` signs in: the dashboard greets this name

    def headers(self, *, signed_in: bool) -> dict[str, str]:
        """Request headers for a load run, with the session cookie when ``signed_in``."""
        headers = {"User-Agent": USER_AGENT}
        if signed_in:
            headers["Cookie"] = f"{SESSION_COOKIE}={self.cookie}"
        return headers

    def load(
        self,
        label: str,
        url: str,
        *,
        signed_in: bool,
        duration: float | None = None,
        connections: int | None = None,
    ) -> LoadResult:
        """Run the load generator against ``url`` for ``duration`` with ``connections``
        (default: the options)."""
        seconds = self.options.duration if duration is None else duration
        clients = self.options.connections if connections is None else connections
        generator = generator_for(self.tool)
        result = generator(label, url, self.headers(signed_in=signed_in), seconds, clients)
        if signed_in:
            # wrk counts 3xx (a lost session) as OK
            check_signed_in(self.app_url, self.cookie, self.user_name)
        return result

    def record(self, result: LoadResult, **extra: Any) -> None:
        """Keep a run's numbers for results.json."""
        self.runs.append({**asdict(result), **extra})


Benchmark = Callable[[Context], list[Row]]
BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    """Register a benchmark under ``name`` (the name ``--only`` takes)."""

    def register(function: Benchmark) -> Benchmark:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = function
        return function

    return register
