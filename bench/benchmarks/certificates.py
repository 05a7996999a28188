"""Certificates: the first render against bare WeasyPrint, the stored download, bulk issue.

DESIGN.md's targets: a certificate's first render ≤ 1.25 × a bare WeasyPrint render of the same
HTML, and a stored certificate downloaded in ≤ 5 ms.

``certificate-render`` renders in fresh processes, so that "first" means the first certificate
a process renders, as in a gunicorn worker or a bulk-issue process just started.
``certificate-download`` issues a learner a certificate through the platform's own services
and loads its PDF over HTTP, signed in as that learner. ``certificate-bulk`` seeds
``--certificates`` (1,000) eligible learners and runs ``elearning certificates issue`` as an
operator would, on every core and, for comparison in the same run, on one.

The names printed are in the scripts the platform serves (Latin, Arabic, Chinese, Cyrillic):
Chinese needs a CJK font subset embedded, and costs noticeably more than the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import timedelta
from typing import Any

from bench.harness import ROOT, BenchError, log, tool_path
from bench.harness.database import LEARNER_PASSWORD, Learner, create_learners, platform_app
from bench.harness.load import ROUNDS, WARMUP_SECONDS, LoadResult
from bench.harness.registry import Context, Row, benchmark
from bench.harness.web import sign_in

COURSE_SLUG = "judicial-ethics"
HOLDER_PREFIX = "holder"  # the certificate-download learner: holder-001@example.org
NAMES = ("Judge Amara Okafor", "القاضية ليلى حداد", "法官 王明", "Судья Анна Петрова")
RENDER_PAIRS = 10  # platform and bare renders per process after the first, alternating
RENDER_TIMEOUT = 300.0
ISSUE_TIMEOUT = 3600.0
SINGLE_PROCESS_CERTIFICATES = 100  # the --jobs 1 comparison: at most this many
VERIFY_BATCH = 200
PROBLEMS_SHOWN = 5


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


# --- certificate-render -----------------------------------------------------------------------


def render_probe(first_name: str, pairs: int, *, bare_first: bool = False) -> dict[str, Any]:
    """Runs in a fresh process (see :func:`main`): the first certificate render and the bare
    WeasyPrint render of the same HTML right after it (or, with ``bare_first``, the other way
    round), then ``pairs`` of both, alternating which goes first; times in milliseconds.

    Before anything is timed, WeasyPrint renders one unrelated tiny document (a default-font
    paragraph), so start-up work every PDF pays once per process (fontconfig, Pango) is not
    counted against the certificate; the design's own fonts, CSS and images are not warmed.
    The bare render gets the platform's HTML and a :class:`DesignFetcher` made beforehand, so
    it times WeasyPrint alone; the platform's render includes the sandboxed Jinja template,
    the QR code and the fetcher. Whichever of the two comes second finds what the first one
    loaded.
    """
    import weasyprint

    from elearning import codes
    from elearning.certificates.rendering import (
        DESIGN_BASE,
        CertificateRecord,
        DesignFetcher,
        certificate_html,
        render_certificate,
    )
    from elearning.config import ROOT as APP_ROOT

    design_dir = APP_ROOT / "certificates" / "default"
    weasyprint.HTML(string="<p>Warm-up.</p>").write_pdf()

    def record(name: str) -> CertificateRecord:
        code = codes.new_code()
        return CertificateRecord(
            holder_name=name,
            course_title="Judicial ethics: the Bangalore Principles and UNCAC article 11",
            score=85.0,
            completed_on="4 May 2026",
            issued_on="5 May 2026",
            issuer="Judicial Ethics e-Learning",
            code=codes.display(code),
            verify_url=f"https://ethics.example.org/verify/{code}",
            content_version="2026.1-0123456789ab",
        )

    def platform_ms(certificate: CertificateRecord) -> float:
        began = time.perf_counter()
        pdf = render_certificate(design_dir, certificate)
        elapsed = (time.perf_counter() - began) * 1000
        if not pdf.startswith(b"%PDF"):
            raise RuntimeError("render_certificate did not return a PDF")
        return elapsed

    def bare_ms(certificate: CertificateRecord) -> float:
        html = certificate_html(design_dir, certificate)
        fetcher = DesignFetcher(design_dir, certificate.verify_url)
        began = time.perf_counter()
        pdf = weasyprint.HTML(string=html, base_url=DESIGN_BASE, url_fetcher=fetcher).write_pdf()
        elapsed = (time.perf_counter() - began) * 1000
        if not pdf.startswith(b"%PDF"):
            raise RuntimeError("WeasyPrint did not return a PDF")
        return elapsed

    first = record(first_name)
    if bare_first:
        first_bare_ms = bare_ms(first)
        first_platform_ms = platform_ms(first)
    else:
        first_platform_ms = platform_ms(first)
        first_bare_ms = bare_ms(first)
    start = NAMES.index(first_name) if first_name in NAMES else 0
    platform_times: list[float] = []
    bare_times: list[float] = []
    for number in range(pairs):
        certificate = record(NAMES[(start + number) % len(NAMES)])
        if (number % 2 == 0) != bare_first:
            platform_times.append(platform_ms(certificate))
            bare_times.append(bare_ms(certificate))
        else:
            bare_times.append(bare_ms(certificate))
            platform_times.append(platform_ms(certificate))
    return {
        "first_name": first_name,
        "order": "bare first" if bare_first else "platform first",
        "first_platform_ms": first_platform_ms,
        "first_bare_ms": first_bare_ms,
        "platform_ms": platform_times,
        "bare_ms": bare_times,
    }


def main() -> None:
    """Entry point of the fresh process: ``-c`` with the first name, the number of pairs and
    ``platform`` or ``bare`` (which renders first); prints the figures as one JSON line."""
    first_name, pairs, order = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    probe = render_probe(first_name, pairs, bare_first=order == "bare")
    print(json.dumps(probe, ensure_ascii=False))


def run_probe(ctx: Context, first_name: str, *, bare_first: bool) -> dict[str, Any]:
    """Run :func:`render_probe` in a fresh Python process under the servers' environment."""
    command = [
        sys.executable,
        "-c",
        "from bench.benchmarks.certificates import main; main()",
        first_name,
        str(RENDER_PAIRS),
        "bare" if bare_first else "platform",
    ]
    proc = subprocess.run(
        command,
        env=dict(ctx.env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        raise BenchError(f"the render probe failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


@benchmark("certificate-render")
def bench_certificate_render(ctx: Context) -> list[Row]:
    """A certificate's first render in a fresh process, as a ratio to a bare WeasyPrint render
    of the same HTML in the same process; and the same ratio once warm (median of pairs).

    One fresh process per script, each rendering a name in that script first (Latin, Arabic,
    Chinese, Cyrillic), then the bare render of the same HTML: the target's ratio, the median
    over those processes. As a control, as many fresh processes render the bare HTML first
    and the certificate after: WeasyPrint's own first-render cost (the design's fonts and
    styles met for the first time) then falls on the bare side, which tells it apart from what
    the platform adds. Every process then renders :data:`RENDER_PAIRS` pairs, the names taking
    turns: the warm figures, over all processes.
    """
    probes = []
    for bare_first in (False, True):
        for name in NAMES:
            order = "the bare HTML" if bare_first else "the certificate"
            log(f"certificate-render: a fresh process renders {order} of {name!r} first")
            probe = run_probe(ctx, name, bare_first=bare_first)
            log(
                f"  certificate {probe['first_platform_ms']:.1f} ms, bare WeasyPrint "
                f"{probe['first_bare_ms']:.1f} ms; warm medians "
                f"{_median(probe['platform_ms']):.1f} / {_median(probe['bare_ms']):.1f} ms"
            )
            probes.append(probe)
    platform_first = [p for p in probes if p["order"] == "platform first"]
    bare_first = [p for p in probes if p["order"] == "bare first"]
    first_ratios = [p["first_platform_ms"] / p["first_bare_ms"] for p in platform_first]
    pair_ratios = [
        platform / bare
        for p in probes
        for platform, bare in zip(p["platform_ms"], p["bare_ms"], strict=True)
    ]
    first_ms = _median([p["first_platform_ms"] for p in platform_first])
    bare_first_ms = _median([p["first_bare_ms"] for p in bare_first])
    figures = {
        "first_ratio_median": _median(first_ratios),
        "first_ratio_max": round(max(first_ratios), 3),
        "first_vs_bare_first_ratio": round(first_ms / bare_first_ms, 3) if bare_first_ms else 0,
        "steady_ratio_median": _median(pair_ratios),
        "first_ms_median": first_ms,
        "bare_right_after_ms_median": _median([p["first_bare_ms"] for p in platform_first]),
        "bare_first_ms_median": bare_first_ms,
        "platform_ms_median": _median([t for p in probes for t in p["platform_ms"]]),
        "bare_ms_median": _median([t for p in probes for t in p["bare_ms"]]),
        "processes": len(probes),
        "pairs_per_process": RENDER_PAIRS,
    }
    ctx.runs.append(
        {"benchmark": "certificate-render", "label": "certificate-render", **figures}
        | {"probes": probes}
    )
    return [
        Row(
            "certificate first render / bare",
            round(figures["first_ratio_median"], 2),
            "ratio",
            "<= 1.25",
        ),
        Row(
            "certificate first / bare first",
            round(figures["first_vs_bare_first_ratio"], 2),
            "ratio",
        ),
        Row("certificate render / bare, warm", round(figures["steady_ratio_median"], 2), "ratio"),
        Row("certificate first render", round(first_ms, 1), "ms"),
        Row(
            "bare WeasyPrint, right after",
            round(figures["bare_right_after_ms_median"], 1),
            "ms",
        ),
        Row("bare WeasyPrint first render", round(bare_first_ms, 1), "ms"),
        Row("certificate render, warm median", round(figures["platform_ms_median"], 1), "ms"),
        Row("bare WeasyPrint, warm median", round(figures["bare_ms_median"], 1), "ms"),
    ]


# --- certificate-download ---------------------------------------------------------------------


def seed_holder(ctx: Context) -> tuple[Learner, int, str]:
    """A learner of its own holding a certificate, issued through the platform's services:
    enrol, take the entry assessment, complete every lesson, pass the final assessment, issue;
    returns (the learner, certificate id, pdf_sha256).

    Not the benchmark judge everyone else signs in as: the lesson benchmark, which runs after
    this module, needs that judge's entry assessment still to take.
    """
    from elearning.assessments import services as assessments
    from elearning.catalog import get_catalog
    from elearning.certificates import adapters, issuance
    from elearning.extensions import db
    from elearning.learning import services as learning
    from elearning.sqltypes import utcnow

    def take(kind: str, *, correctly: bool) -> None:
        now = utcnow()
        current = assessments.standing(session, course, enrolment.id, True, now)
        attempt = assessments.start_attempt(session, course, enrolment.id, kind, current, now)
        if correctly:
            responses = assessments.responses_of(session, attempt.id)
            for position, entry_id in enumerate(assessments.entry_order(responses)):
                entry = course.bank.entries[entry_id]
                answers = {question.id: question.correct_keys for question in entry.questions}
                assessments.save_answers(session, course, attempt, position, answers, now)
        assessments.submit_attempt(session, course, attempt, now)
        session.commit()

    with platform_app(ctx.env) as app:
        course = get_catalog().course(COURSE_SLUG)
        if course is None or course.bank is None or course.form("post") is None:
            raise BenchError(f"the course {COURSE_SLUG!r} has no final assessment")
        session = db.session
        [learner] = create_learners(session, 1, HOLDER_PREFIX)
        enrolment = learning.enrol(session, learner.user_id, course)
        session.commit()
        current = assessments.standing(session, course, enrolment.id, False, utcnow())
        if current.next_step(course, has_lesson_to_do=True) == "pre":
            take("pre", correctly=False)  # the baseline: not pass or fail
        for lesson in course.lessons:
            learning.mark_complete(session, enrolment, lesson, course.content_version)
        session.commit()
        if assessments.standing(session, course, enrolment.id, True, utcnow()).passed is None:
            take("post", correctly=True)
        with app.test_request_context(base_url=ctx.app_url):  # the QR code's address
            certificate = issuance.issue_certificate(
                session,
                course,
                enrolment,
                holder_name=learner.name,  # the profile's certificate name
                issuing=adapters.issuing(),
            )
        session.commit()
        return learner, certificate.id, certificate.pdf_sha256


def fetch(ctx: Context, path: str) -> tuple[int, str, bytes]:
    """GET ``path`` with the context's session cookie: (status, content type, raw body)."""
    parts = urllib.parse.urlsplit(ctx.app_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=ctx.headers(signed_in=True))
        response = conn.getresponse()
        return response.status, response.headers.get("Content-Type", ""), response.read()
    finally:
        conn.close()


def best_of_rounds(ctx: Context, url: str, label: str, connections: int) -> LoadResult:
    """The best (most requests per second) of :data:`~bench.harness.load.ROUNDS` runs with
    ``connections`` clients, after a warm-up, as the pages are measured; every run recorded."""
    log(f"warming up {label} ({WARMUP_SECONDS:g} s)")
    ctx.load(
        f"{label} warm-up", url, signed_in=True, duration=WARMUP_SECONDS, connections=connections
    )
    results: list[LoadResult] = []
    for round_number in range(1, ROUNDS + 1):
        log(f"round {round_number}/{ROUNDS}: {label} for {ctx.options.duration:g} s")
        result = ctx.load(label, url, signed_in=True, connections=connections)
        log(
            f"  {result.rps:.1f} rps, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
            f"{result.non_2xx} non-2xx, {result.socket_errors} socket errors"
        )
        results.append(result)
    best = max(results, key=lambda r: r.rps)
    for round_number, result in enumerate(results, start=1):
        ctx.record(
            result,
            benchmark="certificate-download",
            connections=connections,
            round=round_number,
            best=result is best,
        )
    return best


@benchmark("certificate-download")
def bench_certificate_download(ctx: Context) -> list[Row]:
    """Downloading a stored certificate PDF over HTTP, signed in as its holder (a learner made
    for it, signed in over HTTP).

    The target (≤ 5 ms) is the latency of a download, so it is read from one client
    downloading again and again (p99); with ``--connections`` (16) clients at once the latency
    is mostly the wait for a free core (two workers on two cores), which the throughput and
    the latency under that load show beside it. The body is checked once against the
    certificate's recorded SHA-256.
    """
    log("certificate-download: issuing a learner a certificate through the services")
    learner, certificate_id, pdf_sha256 = seed_holder(ctx)
    cookie = sign_in(ctx.app_url, learner.email, LEARNER_PASSWORD, learner.name)
    ctx = dataclasses.replace(ctx, cookie=cookie, user_name=learner.name)  # runs: the same list
    path = f"/certificates/{certificate_id}/certificate.pdf"
    status, content_type, body = fetch(ctx, path)
    matches = status == 200 and hashlib.sha256(body).hexdigest() == pdf_sha256
    log(
        f"  GET {path}: {status} {content_type}, {len(body)} bytes, "
        f"SHA-256 {'matches' if matches else 'DOES NOT MATCH'} pdf_sha256"
    )
    if status != 200 or not content_type.startswith("application/pdf"):
        raise BenchError(f"GET {path} answered {status} {content_type}, not a PDF")

    url = ctx.app_url + path
    many = ctx.options.connections
    alone = best_of_rounds(ctx, url, "certificate download, 1 client", 1)
    loaded = best_of_rounds(ctx, url, f"certificate download, {many} clients", many)
    errors = sum(r.non_2xx + r.socket_errors for r in (alone, loaded))
    return [
        Row("certificate PDF p50, 1 client", alone.p50_ms, "ms"),
        Row("certificate PDF p99, 1 client", alone.p99_ms, "ms", "<= 5"),
        Row(f"certificate PDF, {many} clients", loaded.rps, "rps"),
        Row(f"certificate PDF p50, {many} clients", loaded.p50_ms, "ms"),
        Row(f"certificate PDF p99, {many} clients", loaded.p99_ms, "ms"),
        Row("certificate PDF errors", errors, "count", "== 0"),
        Row("certificate PDF matches its SHA-256", int(matches), "count", "== 1"),
    ]


# --- certificate-bulk -------------------------------------------------------------------------


def seed_eligible(ctx: Context, count: int, prefix: str) -> list[int]:
    """``count`` learners in the course, each with every lesson complete and a passed final
    assessment, holding no certificate and not yet recorded as owed one (the CLI finds them, as
    it finds learners who passed before it ran); returns their enrolment ids.

    The accounts come from the harness (one password hash shared); enrolments, completions and
    the passed attempts are bulk inserts of the rows the services would write, since only
    their result matters here, not how a learner got there. The names on the certificates take
    turns through :data:`NAMES`.
    """
    from sqlalchemy import insert, select, update

    from elearning.accounts.models import User
    from elearning.assessments.models import Attempt
    from elearning.catalog import get_catalog
    from elearning.extensions import db
    from elearning.learning.models import Enrolment, LessonCompletion
    from elearning.sqltypes import utcnow

    with platform_app(ctx.env):
        course = get_catalog().course(COURSE_SLUG)
        if course is None:
            raise BenchError(f"no course {COURSE_SLUG!r}")
        session = db.session
        now = utcnow()
        learners = create_learners(session, count, prefix)
        session.execute(
            update(User),
            [
                {"id": learner.user_id, "certificate_name": NAMES[number % len(NAMES)]}
                for number, learner in enumerate(learners)
            ],
        )
        session.execute(
            insert(Enrolment),
            [
                {
                    "user_id": learner.user_id,
                    "course_slug": course.slug,
                    "source": "self",
                    "enrolled_at": now - timedelta(days=7),
                }
                for learner in learners
            ],
        )
        enrolment_ids = list(
            session.scalars(
                select(Enrolment.id).where(
                    Enrolment.course_slug == course.slug,
                    Enrolment.user_id.in_([learner.user_id for learner in learners]),
                )
            )
        )
        session.execute(
            insert(LessonCompletion),
            [
                {
                    "enrolment_id": enrolment_id,
                    "lesson_slug": lesson.slug,
                    "content_version": course.content_version,
                    "completed_at": now - timedelta(days=1),
                }
                for enrolment_id in enrolment_ids
                for lesson in course.lessons
            ],
        )
        session.execute(
            insert(Attempt),
            [
                {
                    "enrolment_id": enrolment_id,
                    "kind": "post",
                    "number": 1,
                    "seed": number,
                    "content_version": course.content_version,
                    "status": "submitted",
                    "started_at": now - timedelta(hours=1),
                    "submitted_at": now - timedelta(minutes=30),
                    "closed_by": "learner",
                    "position": 0,
                    "marks_earned": 14 + number % 7,
                    "marks_possible": 20,
                    "score": (14 + number % 7) * 5.0,
                    "is_passed": True,
                }
                for number, enrolment_id in enumerate(enrolment_ids)
            ],
        )
        session.commit()
        return enrolment_ids


_ISSUED = re.compile(r"Issued (\d+) certificate\(s\) in ([\d.]+) s \((\d+) rendering process")


def run_issue(ctx: Context, jobs: int | None) -> dict[str, Any]:
    """Run ``elearning certificates issue`` under the servers' environment (``--jobs`` when
    given); its wall time, and what it reported: certificates, seconds issuing, processes."""
    command = [tool_path("elearning"), "certificates", "issue", "--course", COURSE_SLUG]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    env = {**ctx.env, "ELEARNING_BASE_URL": ctx.app_url}
    began = time.perf_counter()
    proc = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=ISSUE_TIMEOUT
    )
    wall = time.perf_counter() - began
    shown = " ".join(command[1:])
    if proc.returncode != 0:
        raise BenchError(f"`elearning {shown}` failed ({proc.returncode}):\n{proc.stderr}")
    found = _ISSUED.search(proc.stdout)
    if found is None:
        raise BenchError(f"`elearning {shown}` did not say what it issued:\n{proc.stdout}")
    refused = [line.strip() for line in proc.stdout.splitlines() if "not issued" in line]
    for line in refused[:PROBLEMS_SHOWN]:
        log(f"  {line}")
    issued, seconds, processes = int(found.group(1)), float(found.group(2)), int(found.group(3))
    return {
        "command": shown,
        "wall_s": round(wall, 3),
        "issued": issued,
        "issuing_s": seconds,
        "processes": processes,
        "refused": len(refused),
        # the CLI's own time excludes start-up, loading the catalog and finding who is owed, so
        # runs of different sizes compare; it prints tenths, hence the floor
        "rate": round(issued / max(seconds, 0.1), 2),
    }


def check_issued(ctx: Context, enrolment_ids: list[int]) -> dict[str, Any]:
    """Read back the certificates of these enrolments: how many, whether each enrolment has
    exactly one, and whether every PDF is a PDF whose SHA-256 is the one recorded (all of them,
    a batch at a time)."""
    from sqlalchemy import select

    from elearning.certificates.models import Certificate
    from elearning.extensions import db

    per_enrolment: dict[int, int] = dict.fromkeys(enrolment_ids, 0)
    good = 0
    problems: list[str] = []
    with platform_app(ctx.env):
        session = db.session
        for start in range(0, len(enrolment_ids), VERIFY_BATCH):
            batch = enrolment_ids[start : start + VERIFY_BATCH]
            rows = session.execute(
                select(
                    Certificate.serial,
                    Certificate.enrolment_id,
                    Certificate.pdf,
                    Certificate.pdf_sha256,
                ).where(Certificate.enrolment_id.in_(batch))
            )
            for serial, enrolment_id, pdf, recorded in rows:
                per_enrolment[enrolment_id] += 1
                if pdf and pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == recorded:
                    good += 1
                else:
                    problems.append(f"{serial}: {len(pdf or b'')} bytes, not its pdf_sha256")
            session.rollback()  # end the read transaction: nothing to keep between batches
    missing = sum(1 for n in per_enrolment.values() if n == 0)
    doubled = sum(1 for n in per_enrolment.values() if n > 1)
    if missing:
        problems.append(f"{missing} enrolment(s) without a certificate")
    if doubled:
        problems.append(f"{doubled} enrolment(s) with more than one certificate")
    for problem in problems[:PROBLEMS_SHOWN]:
        log(f"  problem: {problem}")
    return {
        "stored": sum(per_enrolment.values()),
        "pdfs_matching": good,
        "missing": missing,
        "doubled": doubled,
    }


def issue_round(ctx: Context, count: int, prefix: str, jobs: int | None) -> dict[str, Any]:
    """Seed ``count`` eligible learners, issue with the CLI, check what it stored."""
    began = time.perf_counter()
    enrolment_ids = seed_eligible(ctx, count, prefix)
    log(f"  seeded {len(enrolment_ids)} eligible learners in {time.perf_counter() - began:.1f} s")
    issued = run_issue(ctx, jobs)
    log(
        f"  {issued['command']}: {issued['issued']} issued in {issued['issuing_s']:.1f} s "
        f"({issued['wall_s']:.1f} s with start-up) on {issued['processes']} process(es), "
        f"{issued['rate']:.1f} certificates/s"
    )
    checked = check_issued(ctx, enrolment_ids)
    return {"seeded": len(enrolment_ids), **issued, **checked}


@benchmark("certificate-bulk")
def bench_certificate_bulk(ctx: Context) -> list[Row]:
    """Bulk issue with ``elearning certificates issue``: ``--certificates`` (1,000) learners on
    every core, after (at most) :data:`SINGLE_PROCESS_CERTIFICATES` others with ``--jobs 1``,
    in the same run so the speed-up is measured, not assumed. Rates are the CLI's own issuing
    time (prepare, render, store); the wall time with start-up is reported beside them."""
    count = ctx.options.certificates
    single_count = min(SINGLE_PROCESS_CERTIFICATES, count)
    cores = os.cpu_count() or 1
    log(f"certificate-bulk: {single_count} certificates on 1 process (elearning --jobs 1)")
    single = issue_round(ctx, single_count, "bulk-single", jobs=1)
    log(f"certificate-bulk: {count} certificates on every core ({cores} by os.cpu_count())")
    every = issue_round(ctx, count, "bulk", jobs=None)
    speed_up = round(every["rate"] / single["rate"], 2) if single["rate"] else 0.0
    ctx.runs.append(
        {
            "benchmark": "certificate-bulk",
            "label": "certificate-bulk",
            "cpu_count": cores,
            "single_process": single,
            "every_core": every,
            "speed_up": speed_up,
        }
    )
    processes = every["processes"]
    return [
        Row(f"bulk issue of {count}, wall", round(every["wall_s"], 1), "s"),
        Row(f"bulk issue of {count}, issuing", every["issuing_s"], "s"),
        Row(f"bulk rate, {processes} processes, {count}", every["rate"], "cert/s"),
        Row(f"bulk rate, 1 process, {single_count}", single["rate"], "cert/s"),
        Row(f"bulk speed-up, {processes} processes vs 1", speed_up, "ratio"),
        Row("bulk rendering processes", processes, "count", f"== {cores}"),
        Row("bulk certificates issued", every["issued"], "count", f"== {count}"),
        Row("bulk certificates stored", every["stored"], "count", f"== {count}"),
        Row("bulk PDFs matching pdf_sha256", every["pdfs_matching"], "count", f"== {count}"),
        Row("bulk 1-process PDFs matching", single["pdfs_matching"], "count", f"== {single_count}"),
    ]
