"""The cohort report as a PDF, from the same figures as the page."""

from __future__ import annotations

from pathlib import Path

from elearning.pdf import render_pdf

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "report-print.css"


def render_report_pdf(html: str) -> bytes:
    """Render the report's print HTML (charts inline as SVG, nothing fetched) to PDF bytes."""
    return render_pdf(html, STYLESHEET.read_text(encoding="utf-8"))
