"""Certificate PDFs: every script prints, markup stays text, a design reaches only its files."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError
from weasyprint.urls import URLFetchingError

from elearning.certificates.rendering import (
    DESIGN_BASE,
    QR_URL,
    CertificateRecord,
    DesignFetcher,
    certificate_html,
    render_certificate,
)
from elearning.config import ROOT
from tests.helpers import pdf_text

DESIGN = ROOT / "certificates" / "default"
RECORD = CertificateRecord(
    holder_name="Judge Amara Okafor-Núñez",
    course_title="Judicial ethics: the Bangalore Principles and UNCAC article 11",
    score=86.4,
    completed_on="21 November 2026",
    issued_on="22 November 2026",
    issuer="Judicial Ethics e-Learning",
    code="7K3Q-M9XD-2HNT-R8WA",
    verify_url="https://ethics.example.org/verify/7K3QM9XD2HNTR8WA",
    content_version="abc123",
)


@pytest.mark.parametrize(
    "name",
    [
        "Judge Amara Okafor-Núñez",  # Latin, with accents
        "القاضية فاطمة الزهراء",  # Arabic: right to left, joined letters
        "王秀英法官",  # Chinese
        "Судья Анна Петрова",  # Cyrillic
    ],
)
def test_names_in_every_script_print_as_written(name):
    record = replace(RECORD, holder_name=name)
    text = pdf_text(render_certificate(DESIGN, record))
    # pdftotext marks a right-to-left run with directional marks; the letters are the name's.
    assert name in text.replace("\u202b", "").replace("\u202c", "")
    assert "Certificate of Completion" in text
    assert "86 %" in text and "7K3Q-M9XD-2HNT-R8WA" in text
    assert "Judicial ethics: the Bangalore Principles and UNCAC article 11" in text


def test_an_arabic_name_is_set_right_to_left():
    assert replace(RECORD, holder_name="القاضية فاطمة").holder_direction == "rtl"
    assert 'dir="rtl"' in certificate_html(DESIGN, replace(RECORD, holder_name="القاضية فاطمة"))
    assert RECORD.holder_direction == "ltr"


def test_markup_in_a_name_prints_as_text():
    name = '<script>alert(1)</script><img src="file:///etc/passwd">{{ 7 * 7 }}'
    html = certificate_html(DESIGN, replace(RECORD, holder_name=name))
    assert "<script>" not in html and '<img src="file' not in html
    assert "&lt;script&gt;" in html and "{{ 7 * 7 }}" in html  # data is never a template
    text = pdf_text(render_certificate(DESIGN, replace(RECORD, holder_name=name)))
    assert "<script>alert(1)</script>" in text.replace("\n", "")


def test_a_very_long_name_still_renders():
    pdf = render_certificate(DESIGN, replace(RECORD, holder_name="Ab" * 10_000))
    assert pdf.startswith(b"%PDF") and "Certificate of Completion" in pdf_text(pdf)


def test_a_design_reaches_only_its_own_files_and_the_qr_code(tmp_path: Path):
    fetcher = DesignFetcher(DESIGN, RECORD.verify_url)
    assert b"<svg" in fetcher.fetch(QR_URL).read()
    assert b"<svg" in fetcher.fetch(DESIGN_BASE + "assets/seal.svg").read()
    secret = tmp_path / "secret.txt"
    secret.write_text("do not print")
    for url in (
        f"file://{secret}",
        DESIGN_BASE + "../../pyproject.toml",
        DESIGN_BASE + "%2e%2e/%2e%2e/pyproject.toml",
        "https://example.org/tracker.png",
        "http://127.0.0.1:5432/",
        DESIGN_BASE + "missing.png",
    ):
        with pytest.raises(URLFetchingError):
            fetcher.fetch(url)


def test_a_design_that_tries_to_leak_a_file_prints_nothing_of_it(tmp_path: Path):
    design = tmp_path / "design"
    shutil.copytree(DESIGN, design)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    page = design / "certificate.html"
    page.write_text(
        page.read_text().replace(
            "</main>",
            f'</main><object data="file://{secret}"></object>'
            f'<img src="../secret.txt"><iframe src="file://{secret}"></iframe>',
        )
    )
    assert "TOP-SECRET-VALUE" not in pdf_text(render_certificate(design, RECORD))


def test_a_design_template_cannot_reach_python(tmp_path: Path):
    design = tmp_path / "design"
    shutil.copytree(DESIGN, design)
    (design / "certificate.html").write_text("{{ certificate.__class__.__init__.__globals__ }}")
    with pytest.raises(SecurityError):
        certificate_html(design, RECORD)


@pytest.mark.parametrize(
    ("language", "words", "direction"),
    [
        ("fr", ["Certificat", "21 novembre 2026"], "ltr"),
        ("es", ["Certificado", "21 de noviembre de 2026"], "ltr"),
        ("ru", ["Сертификат", "21 ноября 2026"], "ltr"),
        ("pt", ["Certificado", "21 de novembro de 2026"], "ltr"),
        ("zh", ["证书", "2026年11月21日"], "ltr"),
        ("ar", ["شهادة", "نوفمبر"], "rtl"),
    ],
)
def test_a_certificate_speaks_its_holders_language(language, words, direction):
    from datetime import datetime

    from babel.dates import format_date

    record = replace(
        RECORD,
        language=language,
        completed_on=format_date(datetime(2026, 11, 21), format="long", locale=language),
        score_text="86%",
    )
    html = certificate_html(DESIGN, record)
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert "Certificate of Completion" not in html  # no English label left
    text = " ".join(pdf_text(render_certificate(DESIGN, record)).split())
    text = "".join(ch for ch in text if ch not in "\u200e\u200f\u202a\u202b\u202c\u2066\u2069")
    for word in words:
        assert word in text.replace(" ", "") or word in text, (word, text)


def test_a_stylesheet_outside_the_design_is_not_fetched(tmp_path: Path):
    """A design (or any PDF's HTML) that links a local stylesheet would print what it says if
    WeasyPrint's default fetcher were used: ours refuse, so nothing of it is printed."""
    from elearning.pdf import render_pdf

    leak = tmp_path / "leak.css"
    leak.write_text('main::after, body::after { content: "TOP-SECRET-VALUE"; }')
    link = f'<link rel="stylesheet" href="file://{leak}">'
    design = tmp_path / "design"
    shutil.copytree(DESIGN, design)
    page = design / "certificate.html"
    page.write_text(page.read_text().replace("</main>", f"</main>{link}"))
    assert "TOP-SECRET-VALUE" not in pdf_text(render_certificate(design, RECORD))
    html = f"<html><head>{link}</head><body><main><p>Report</p></main></body></html>"
    printed = pdf_text(render_pdf(html, "p { color: black; }"))
    assert "Report" in printed and "TOP-SECRET-VALUE" not in printed
