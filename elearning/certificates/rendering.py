"""A certificate's PDF, from its record and a design in ``certificates/<design>/``.

The design's HTML is a Jinja template rendered in a sandbox with autoescaping, so a holder's name
full of markup prints as text and a design cannot reach Python. WeasyPrint then fetches only the
design's own files (and the QR code made here): no other folder, no ``file://``, no network.
"""

from __future__ import annotations

import io
import mimetypes
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import segno
from babel.support import NullTranslations, Translations
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from elearning.i18n import text_direction

TEMPLATE = "certificate.html"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# The address the design's files appear under while rendering; it never reaches a network.
DESIGN_BASE = "https://design.certificate.invalid/"
QR_URL = DESIGN_BASE + "qr.svg"
OFFLINE_QR_URL = DESIGN_BASE + "offline-qr.png"  # the signed payload (offline.py), if any


@dataclass(frozen=True)
class PrintedSignatory:
    """A signatory as the certificate prints them: the title in the certificate's language,
    the signature a file of the design (empty: a line to sign on)."""

    name: str
    title: str = ""
    signature: str = ""


@dataclass(frozen=True)
class CertificateRecord:
    """What a certificate says, frozen at issue: the PDF is rendered from this alone."""

    holder_name: str
    course_title: str
    score: float
    completed_on: str
    issued_on: str
    issuer: str
    code: str  # as printed, in groups: the certificate's number
    verify_url: str
    content_version: str
    language: str = "en"
    score_text: str = ""  # the score as the language writes a percentage ("85 %", "85%")
    show_score: bool = True  # the course prints the score (else only that the final was passed)
    hours: float | None = None  # the hours of study the course states, if it states them
    hours_text: str = ""  # the hours as the language writes the number ("7.5", "7,5")
    category: str = ""  # the hours' continuing-education category, in the certificate's language
    valid_until: str = ""  # the last day it is current, as the language writes it (empty: ever)
    logo: str = ""  # the institution's logo, a file of the design (empty: the design's own)
    signatories: tuple[PrintedSignatory, ...] = ()
    offline_qr: str = ""  # the signed payload the second QR code holds (empty: none)

    @property
    def direction(self) -> str:
        """The page's direction: ``rtl`` for a certificate in Arabic."""
        return text_direction(self.language)

    @property
    def holder_direction(self) -> str:
        """``rtl`` when the name starts in a right-to-left script (Arabic, Hebrew...)."""
        for char in self.holder_name:
            kind = unicodedata.bidirectional(char)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
        return "ltr"


def qr_svg(url: str) -> bytes:
    """The QR code of ``url`` as SVG."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", border=0, dark="#1b1f24", xmldecl=False)
    return buffer.getvalue()


def qr_png(text: str) -> bytes:
    """The QR code of ``text`` as a PNG of 4 pixels a module: a dense code as SVG would cost
    WeasyPrint more time than the rest of the certificate."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", border=0, scale=4, dark="#1b1f24")
    return buffer.getvalue()


class DesignFetcher(URLFetcher):
    """Serves a design's own files and the QR codes to WeasyPrint, and nothing else."""

    def __init__(self, design_dir: Path, verify_url: str, offline_qr: str = "") -> None:
        super().__init__(allowed_protocols=())
        self.root = design_dir.resolve()
        self.codes = {QR_URL: (qr_svg(verify_url), "image/svg+xml")}
        if offline_qr:
            self.codes[OFFLINE_QR_URL] = (qr_png(offline_qr), "image/png")

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url in self.codes:
            data, mime_type = self.codes[url]
            return URLFetcherResponse(url, data, {"Content-Type": mime_type})
        if url.startswith(DESIGN_BASE):
            relative = urllib.parse.unquote(urllib.parse.urlsplit(url).path).lstrip("/")
            path = (self.root / relative).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})
        raise URLFetchingError(f"a certificate design may not fetch {url!r}")


def translations_for(language: str) -> NullTranslations:
    """The platform's message catalog for ``language`` (English: the messages themselves)."""
    return Translations.load(str(TRANSLATIONS), [language])


def certificate_html(design_dir: Path, record: CertificateRecord) -> str:
    """The design's page for ``record``, in its language, rendered in a sandbox with
    autoescaping. A design marks its words with ``{{ _("...") }}``, as our templates do."""
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(design_dir),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        translations_for(record.language), newstyle=True
    )
    return environment.get_template(TEMPLATE).render(certificate=record)


def render_certificate(design_dir: Path, record: CertificateRecord) -> bytes:
    """The certificate's PDF."""
    html = certificate_html(design_dir, record)
    document = HTML(
        string=html,
        base_url=DESIGN_BASE,
        url_fetcher=DesignFetcher(design_dir, record.verify_url, record.offline_qr),
    )
    return document.write_pdf()
