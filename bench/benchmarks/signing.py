"""The PAdES signature on certificate PDFs: what it adds to each certificate of a bulk issue.

``certificate-signing`` renders :data:`CERTIFICATES` certificates of the shipped design, each
then signed with a key made for the run as the platform makes its own (RSA-3072, self-signed),
and reports the median render, the median signature and their ratio; the first signature of a
process (which loads the key) is reported apart, since each rendering process pays it once.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import log
from bench.harness.registry import Context, Row, benchmark

CERTIFICATES = 30
NAMES = ("Judge Amara Okafor", "القاضية ليلى حداد", "法官 王明", "Судья Анна Петрова")


def signing_figures(count: int = CERTIFICATES) -> dict[str, float]:
    """Milliseconds: the first signature, and the medians of render and signature over
    ``count`` certificates (in this process)."""
    from elearning import codes
    from elearning.certificates.rendering import CertificateRecord, render_certificate
    from elearning.certificates.signing import generated_signing, sign_pdf
    from elearning.config import ROOT

    design_dir = ROOT / "certificates" / "default"
    renders, signatures = [], []
    with tempfile.TemporaryDirectory() as folder:
        signing = generated_signing(Path(folder), "Judicial Ethics e-Learning")
        first_ms = 0.0
        for number in range(count + 1):
            code = codes.new_code()
            record = CertificateRecord(
                holder_name=NAMES[number % len(NAMES)],
                course_title="Judicial ethics: the Bangalore Principles and UNCAC article 11",
                score=85.0,
                completed_on="4 May 2026",
                issued_on="5 May 2026",
                issuer="Judicial Ethics e-Learning",
                code=codes.display(code),
                verify_url=f"https://ethics.example.org/verify/{code}",
                content_version="2026.1-0123456789ab",
            )
            began = time.perf_counter()
            pdf = render_certificate(design_dir, record)
            rendered = time.perf_counter()
            sign_pdf(pdf, signing)
            signed = time.perf_counter()
            if number == 0:  # the process's first: fonts met and the key loaded
                first_ms = (signed - rendered) * 1000
                continue
            renders.append((rendered - began) * 1000)
            signatures.append((signed - rendered) * 1000)
    return {
        "first_signature_ms": round(first_ms, 1),
        "render_ms": round(statistics.median(renders), 1),
        "signature_ms": round(statistics.median(signatures), 1),
    }


@benchmark("certificate-signing")
def bench_certificate_signing(ctx: Context) -> list[Row]:
    """The signature's cost per certificate against the render it follows."""
    figures = signing_figures()
    log(
        f"certificate-signing: render {figures['render_ms']} ms, signature "
        f"{figures['signature_ms']} ms (the first, loading the key: "
        f"{figures['first_signature_ms']} ms)"
    )
    return [
        Row("certificate render, median", figures["render_ms"], "ms"),
        Row("certificate PAdES signature, median", figures["signature_ms"], "ms"),
        Row("signature ÷ render", round(figures["signature_ms"] / figures["render_ms"], 3), "×"),
        Row("first signature of a process (loads the key)", figures["first_signature_ms"], "ms"),
    ]
