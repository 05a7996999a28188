"""HTML → PDF with WeasyPrint, fetching nothing: no local files, no network."""

from __future__ import annotations

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetchingError


class RefuseAll(URLFetcher):
    """A URL fetcher that fetches nothing: documents are self-contained by construction."""

    def fetch(self, url: str, headers=None):
        raise URLFetchingError(f"fetching {url!r} is not allowed")


def render_pdf(html: str, stylesheet: str) -> bytes:
    """Render ``html`` styled by ``stylesheet`` (CSS text) to PDF bytes."""
    fetcher = RefuseAll()
    document = HTML(string=html, base_url="about:blank", url_fetcher=fetcher)
    return document.write_pdf(
        stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)],
        uncompressed_pdf=False,
    )
