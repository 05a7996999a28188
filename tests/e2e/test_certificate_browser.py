"""A judge passes the final assessment and gets a certificate, signed by the academy (``pdfsig``
checks the downloaded file); its QR code leads to the public verification page; an admin
revokes it and the page says so, with the reason. In Chromium."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate
from elearning.config import ROOT
from elearning.extensions import db
from elearning.learning import services as learning
from tests.e2e.helpers import sign_in, take_assessment
from tests.helpers import FIXTURE_CONTENT, pdf_text

pytestmark = pytest.mark.e2e
PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"  # poppler-utils, from .ci/run
PDFSIG = shutil.which("pdfsig") or "/usr/bin/pdfsig"


def signature_of(pdf: Path) -> str:
    """What poppler's ``pdfsig`` says of the PDF's signature."""
    done = subprocess.run(  # noqa: S603 - poppler on the PDF the platform served
        [PDFSIG, str(pdf)], capture_output=True, text=True, check=False
    )
    return done.stdout


def qr_code_of(pdf: Path) -> str:
    """The text of the QR code printed on the PDF, read from a picture of the page."""
    subprocess.run(  # noqa: S603 - poppler on the PDF the platform served
        [PDFTOPPM, "-png", "-r", "150", "-singlefile", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    found = zxingcpp.read_barcodes(Image.open(pdf.with_suffix(".png")))
    links = [code.text for code in found if not code.text.startswith("JEC1:")]
    assert len(found) == 2 and len(links) == 1, "the link's QR code, and the signed one"
    return links[0]


@pytest.fixture
def app(make_app, tmp_path):
    """The live server's app: the sample course states 6 hours of study, and the academy's
    design names who signs."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses/sample/course.yaml"
    course.write_text(course.read_text() + "certificate:\n  hours: 6\n")
    shutil.copytree(ROOT / "certificates" / "default", root / "certificates" / "default")
    (root / "certificates/default/design.yaml").write_text(
        "signatories:\n  - name: Justice Amina Rahman\n    title: Director of the Academy\n"
    )
    return make_app(CONTENT_DIR=str(root))


def test_pass_certificate_verify_revoke(live_server, app, browser, page, create_user, tmp_path):
    create_user(email="amara@example.org", name="القاضية أمارا أوكافور")
    create_user(email="admin@example.org", role=Role.admin)
    with app.app_context():  # the lessons are done; the final assessment is taken below
        course = get_catalog().course("sample")
        user = db.session.scalar(select(User).where(User.email == "amara@example.org"))
        enrolment = learning.enrol(db.session, user.id, course)
        for lesson in course.lessons:
            learning.mark_complete(db.session, enrolment, lesson, course.content_version)
        db.session.commit()
        bank = course.bank

    sign_in(page, live_server, "amara@example.org")
    page.goto(live_server + "/courses/sample/assessment/post")
    page.get_by_role("button", name="Start the assessment").click()
    take_assessment(page, bank, rightly=True)
    expect(page.get_by_text("Passed: the pass mark is 60%.")).to_be_visible()
    page.get_by_role("link", name="Go to my certificate").click()

    expect(page.get_by_role("heading", name="My certificates")).to_be_visible()
    # Issued once the submit's response has gone out; the page refreshes itself until then.
    expect(page.locator(".certificate-card")).to_contain_text("Valid", timeout=20_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == certificate.pdf_sha256
    signature = signature_of(pdf)  # as any PDF reader checks it, with no call to the platform
    assert "Signature Validation: Signature is Valid." in signature
    assert "Total document signed" in signature
    text = pdf_text(pdf.read_bytes()).replace("\u202b", "").replace("\u202c", "")
    assert "القاضية أمارا أوكافور" in text
    assert "Justice Amina Rahman" in text and "Director of the Academy" in text
    assert "The course amounts to 6 hours of study." in " ".join(text.split())
    link = page.get_by_label("Verification link", exact=False).input_value()
    page.screenshot(path=str(tmp_path / "my-certificates.png"), full_page=True)

    url = qr_code_of(pdf)
    assert url == link == f"{live_server}/verify/{certificate.code}"
    public = browser.new_page()  # anyone: no session
    public.goto(url)
    expect(public.locator(".verdict-box")).to_contain_text("Valid")
    expect(public.get_by_text("القاضية أمارا أوكافور")).to_be_visible()
    expect(public.locator("dl.facts")).to_contain_text("Hours of study")
    public.get_by_label("The certificate's PDF file").set_input_files(str(pdf))
    public.get_by_role("button", name="Check the file").click()
    expect(public.get_by_text("This file is the certificate issued")).to_be_visible()
    expect(public.get_by_text("It also carries the digital signature of")).to_be_visible()
    public.screenshot(path=str(tmp_path / "verify-valid.png"), full_page=True)

    admin = browser.new_context().new_page()
    sign_in(admin, live_server, "admin@example.org")
    admin.get_by_role("link", name="Administration").click()
    admin.get_by_role("link", name="Certificates", exact=True).click()
    admin.get_by_role("link", name=certificate.serial).click()
    reason = "Issued in error: the final assessment is under review."
    admin.get_by_label("Reason (shown publicly", exact=False).fill(reason)
    admin.get_by_role("button", name="Revoke the certificate").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Revoke the certificate")
    admin.get_by_role("button", name="Revoke the certificate").click()  # asked first: yes
    expect(admin.get_by_text("The certificate is revoked.")).to_be_visible()
    expect(admin.get_by_role("table")).to_contain_text("certificate.revoke")
    admin.screenshot(path=str(tmp_path / "admin-certificate.png"), full_page=True)

    public.goto(url)
    expect(public.locator(".verdict-box")).to_contain_text("Revoked")
    expect(public.locator(".verdict-box")).to_contain_text(reason)
    public.screenshot(path=str(tmp_path / "verify-revoked.png"), full_page=True)
    page.reload()
    expect(page.locator(".certificate-card")).to_contain_text("Revoked")
