"""HTML → PDF with WeasyPrint, fetching nothing: no local files, no network."""

from __future__ import annotations

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetchingError


def refuse_fetch(url: str, timeout: int = 10, ssl_context=None) -> dict:
    """A URL fetcher that fetches nothing: documents are self-contained by construction."""
    raise URLFetchingError(f"fetching {url!r} is not allowed")


def render_pdf(html: str, stylesheet: str) -> bytes:
    """Render ``html`` styled by ``stylesheet`` (CSS text) to PDF bytes."""
    document = HTML(string=html, base_url="about:blank", url_fetcher=refuse_fetch)
    return document.write_pdf(
        stylesheets=[CSS(string=stylesheet, url_fetcher=refuse_fetch)],
        uncompressed_pdf=False,
    )
