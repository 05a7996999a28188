"""The signed certificate PDF: every issued PDF carries the academy's PAdES signature, which a
PDF reader (poppler's ``pdfsig``) checks with no call to the platform."""

from __future__ import annotations

import io
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from elearning.certificates.signing import (
    GENERATED_DIR,
    GENERATED_KEY,
    PdfSigning,
    SigningError,
    sign_pdf,
)
from elearning.extensions import db
from tests.helpers import browser_for, csrf_token_of, db_enrolment, earn, issued_to

PDFSIG = "/usr/bin/pdfsig"  # poppler-utils
PDFTOPPM = "/usr/bin/pdftoppm"


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(  # noqa: S603 - poppler on our own PDF
        [PDFSIG, str(path)], capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr


def uploaded(app, code: str, pdf: bytes) -> str:
    """What the public verification page says of an uploaded PDF."""
    public = app.test_client()
    url = f"/verify/{code}"
    return public.post(
        url,
        data={"csrf_token": csrf_token_of(public, url), "pdf": (io.BytesIO(pdf), "c.pdf")},
        content_type="multipart/form-data",
    ).text


def test_an_issued_pdf_is_signed_by_the_academy_over_the_whole_document(
    make_app, create_user, tmp_path
):
    app = make_app(
        CERTIFICATE_SIGNING_KEY=None,
        CERTIFICATE_SIGNING_CERTIFICATE=None,
        CERTIFICATE_ISSUER="Judicial Academy of Testland",
    )
    holder, certificate = issued_to(app, create_user)
    pdf = holder.get(f"/certificates/{certificate.id}/certificate.pdf").data

    report = pdfsig(pdf, tmp_path)
    assert "Signer Certificate Common Name: Judicial Academy of Testland" in report
    assert "Signature Type: ETSI.CAdES.detached" in report  # PAdES
    assert "Total document signed" in report
    assert "Signature Validation: Signature is Valid." in report
    # Self-signed: valid, but nobody vouches for the academy until a reader trusts it.
    assert "Certificate Validation: Certificate issuer is unknown." in report
    key = Path(app.instance_path) / GENERATED_DIR / GENERATED_KEY
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    page = uploaded(app, certificate.code, pdf)
    assert "its fingerprint matches" in page
    assert "It also carries the digital signature of Judicial Academy of Testland" in page

    # One byte of the page changed: the signature and our own check both see it.
    at = pdf.index(b"stream", len(pdf) // 4) + 40
    altered = pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1 :]
    assert "Signature is Valid" not in pdfsig(altered, tmp_path)
    assert "not the certificate issued" in uploaded(app, certificate.code, altered)


def test_a_key_that_cannot_be_read_issues_nothing_and_says_so(make_app, create_user, caplog):
    from sqlalchemy import func, select

    from elearning.certificates.models import Certificate, CertificateRequest

    app = make_app(CERTIFICATE_SIGNING_PASSWORD="not the key's")  # the key has none
    create_user(email="amara@example.org", name="Judge Amara Okafor")
    earn(app, "amara@example.org")
    judge = browser_for(app, "amara@example.org")
    claimed = judge.post(
        f"/certificates/claim/{db_enrolment(app, 'amara@example.org')}",
        data={"csrf_token": csrf_token_of(judge, "/certificates")},
        follow_redirects=True,
    )
    assert "The certificate cannot be signed at the moment" in claimed.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
        assert db.session.scalar(select(func.count()).select_from(CertificateRequest)) == 1
    assert "cannot read the signing key" in caplog.text


def test_signing_leaves_the_page_as_it_was_and_twice_changes_nothing(
    app, create_user, pdf_signing_key, tmp_path
):
    from elearning.certificates.models import Certificate

    _, issued = issued_to(app, create_user)
    with app.app_context():
        signed = db.session.get(Certificate, issued.id).pdf
    signing = PdfSigning(
        Path(pdf_signing_key["CERTIFICATE_SIGNING_KEY"]),
        Path(pdf_signing_key["CERTIFICATE_SIGNING_CERTIFICATE"]),
    )
    assert sign_pdf(signed, signing) == signed
    unsigned = signed[: signed.rindex(b"%%EOF", 0, signed.index(b"/ByteRange")) + 5]
    assert b"/ByteRange" not in unsigned  # the PDF as rendered, before its signature
    assert picture(unsigned, tmp_path) == picture(signed, tmp_path)


def test_a_long_issuer_name_is_cut_to_what_a_certificate_holds(tmp_path):
    from weasyprint import HTML

    from elearning.certificates.signing import generated_signing

    issuer = "National Judicial Academy of the Republic: Continuing Judicial Education Directorate"
    signing = generated_signing(tmp_path, issuer)
    pdf = sign_pdf(HTML(string="<p>Certificate</p>").write_pdf(), signing)
    assert f"Common Name: {issuer[:64]}\n" in pdfsig(pdf, tmp_path)
    key = signing.key_file.read_bytes()
    assert generated_signing(tmp_path, issuer).key_file.read_bytes() == key  # made once
    assert sorted(path.name for path in tmp_path.iterdir()) == ["certificate.pdf", GENERATED_DIR]


def picture(pdf: bytes, folder: Path) -> bytes:
    """The first page as pixels (PPM), as a reader shows it."""
    (folder / "page.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 - poppler on our own PDF
        [PDFTOPPM, "-r", "40", "-singlefile", str(folder / "page.pdf"), str(folder / "page")],
        check=True,
    )
    pixels = (folder / "page.ppm").read_bytes()
    assert len(pixels) > 100_000  # a page, not an empty answer
    return pixels


def usage(is_ca: bool) -> x509.KeyUsage:
    """A root signs certificates; the academy's certificate signs documents (non-repudiation,
    as a qualified signing certificate says)."""
    return x509.KeyUsage(
        digital_signature=not is_ca,
        content_commitment=not is_ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=is_ca,
        crl_sign=is_ca,
        encipher_only=False,
        decipher_only=False,
    )


def academy_chain(tmp_path: Path, password: str) -> tuple[Path, Path, Path, x509.Certificate]:
    """A root authority and the academy's certificate under it, as a qualified trust service
    issues: the PKCS#12 file, the PEM key, the PEM certificate + chain, and the root."""
    now = datetime.now(UTC)

    def certificate(subject, issuer, public_key, signer, *, is_ca):
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            .add_extension(usage(is_ca), critical=True)
            .sign(signer, hashes.SHA256())
        )

    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate(
        "Trust Service Root", "Trust Service Root", root_key.public_key(), root_key, is_ca=True
    )
    key = ec.generate_private_key(ec.SECP256R1())
    academy = certificate(
        "National Judicial Academy", "Trust Service Root", key.public_key(), root_key, is_ca=False
    )
    secret = serialization.BestAvailableEncryption(password.encode())
    p12 = tmp_path / "academy.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"academy", key, academy, [root], secret))
    pem_key = tmp_path / "academy-key.pem"
    pem_key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, secret)
    )
    chain = tmp_path / "academy-chain.pem"
    chain.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (academy, root)))
    return p12, pem_key, chain, root


@pytest.mark.parametrize("form", ["pkcs12", "pem"])
def test_an_academys_own_certificate_signs_with_its_chain(tmp_path, form):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from weasyprint import HTML

    p12, pem_key, chain, root = academy_chain(tmp_path, "correct horse")
    key, certificate = (p12, None) if form == "pkcs12" else (pem_key, chain)
    signing = PdfSigning(key, certificate, password="correct horse")
    unsigned = HTML(string="<p>Certificate</p>").write_pdf()
    pdf = sign_pdf(unsigned, signing)

    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    trusting_the_root = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))]
    )
    status = validate_pdf_signature(signature, trusting_the_root)
    assert status.intact and status.valid and status.trusted  # a reader that trusts the root
    assert status.signing_cert.subject.human_friendly == "Common Name: National Judicial Academy"
    assert "Total document signed" in pdfsig(pdf, tmp_path)

    with pytest.raises(SigningError):
        sign_pdf(unsigned, PdfSigning(key, certificate, password="wrong"))
