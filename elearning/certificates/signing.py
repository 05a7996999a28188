"""The PAdES signature on every certificate PDF: the academy's key, and signing after rendering.

A signed PDF proves itself: any PDF reader (Acrobat, poppler's ``pdfsig``) checks that not one
byte changed since the academy signed it, with no call to our server. The key is the academy's
own (a PKCS#12 file, or PEM key and certificate chain, e.g. a qualified certificate) or, when
none is configured, one the platform makes on first use: an RSA key and a self-signed
certificate named after the issuer, in ``instance/pdf-signing/`` (the key file mode 0600).

No Flask here: :class:`PdfSigning` is plain paths, so a rendering process of a bulk issue can
sign too; each process loads the key once.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():
    # pyHanko imports cryptography's DSA key class, which warns that DSA is deprecated; no
    # certificate is ever signed with DSA here.
    warnings.filterwarnings("ignore", "DSA is deprecated", CryptographyDeprecationWarning)
    from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

#: The folder of the key the platform makes for itself, inside the instance folder.
GENERATED_DIR = "pdf-signing"
GENERATED_KEY = "key.pem"
GENERATED_CERTIFICATE = "certificate.pem"
#: How long the self-signed certificate is valid: longer than any certificate's shelf life.
GENERATED_VALIDITY = timedelta(days=20 * 365)
FIELD_NAME = "AcademySignature"
#: Room in the PDF for the signature container besides its certificates: the signature (512
#: bytes for RSA-4096) and signed attributes, with a wide margin.
RESERVED_BYTES = 4096
PKCS12_SUFFIXES = (".p12", ".pfx")
MAX_NAME = 64  # X.509's upper bound on a common or organisation name (RFC 5280)


class SigningError(RuntimeError):
    """The signing key cannot be used (missing file, wrong password, no certificate)."""


@dataclass(frozen=True)
class PdfSigning:
    """Where the signing key is: a PKCS#12 file (``key_file`` ending .p12/.pfx, holding the
    certificate and its chain), or a PEM/DER key with ``certificate_file`` (the signing
    certificate, then any chain up to the root, in one PEM file)."""

    key_file: Path
    certificate_file: Path | None = None
    password: str | None = None

    @property
    def is_pkcs12(self) -> bool:
        """The key file is a PKCS#12 archive (key, certificate and chain in one)."""
        return self.key_file.suffix.lower() in PKCS12_SUFFIXES


def generated_signing(instance_path: Path, issuer: str) -> PdfSigning:
    """The platform's own key and self-signed certificate for ``issuer``, made on first use
    (and made anew when the issuer's name changes: PDFs signed before keep their signature,
    which carries its certificate)."""
    folder = instance_path / GENERATED_DIR
    certificate = folder / GENERATED_CERTIFICATE
    name = certificate_name(issuer)
    if not certificate.is_file() or _subject_name(certificate) != name:
        _generate(folder, name)
    return PdfSigning(key_file=folder / GENERATED_KEY, certificate_file=certificate)


def certificate_name(issuer: str) -> str:
    """The issuer's name as an X.509 certificate can hold it: at most 64 characters."""
    return " ".join(issuer.split())[:MAX_NAME] or "e-Learning"


def _subject_name(certificate_file: Path) -> str | None:
    certificate = x509.load_pem_x509_certificate(certificate_file.read_bytes())
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def _generate(folder: Path, issuer: str) -> None:
    """Write a new key and certificate into ``folder``, all at once: they are made in a
    folder beside it and renamed into place, so two processes starting together never pair one's
    key with the other's certificate (the second rename fails, and its pair is dropped)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{GENERATED_DIR}-", dir=folder.parent))
    try:
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        _write_private(building / GENERATED_KEY, _pem_key(key))
        (building / GENERATED_CERTIFICATE).write_bytes(
            self_signed_certificate(key, issuer).public_bytes(serialization.Encoding.PEM)
        )
        if folder.exists():  # the issuer changed: keep the old pair beside the new one
            folder.rename(folder.with_name(f"{GENERATED_DIR}-{_stamp()}"))
        os.rename(building, folder)
    except OSError:
        if not (folder / GENERATED_CERTIFICATE).is_file():
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def self_signed_certificate(key: rsa.RSAPrivateKey, issuer: str) -> x509.Certificate:
    """A certificate for ``key`` naming the issuer as subject and as its own issuer, for
    signing documents (digital signature and non-repudiation)."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, issuer),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer),
        ]
    )
    now = datetime.now(UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + GENERATED_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


class _LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's signer with the key parsed once, not at every signature: checking an RSA
    key as it is parsed takes a third of a second, a signature a few milliseconds."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.private_key = serialization.load_der_private_key(self.signing_key.dump(), None)
        certificates = (self.signing_cert, *self.cert_registry)
        # Room for the signature container (an even number of bytes), so pyHanko need not
        # sign once to measure it: the certificates, twice over, and the signature.
        self.reserved = RESERVED_BYTES + 2 * sum(len(c.dump()) for c in certificates)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        key = self.private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)  # other kinds of key: as pyHanko does


@lru_cache(maxsize=4)
def _signer(signing: PdfSigning) -> signers.SimpleSigner:
    """The key loaded once per process (parsing it costs more than a signature)."""
    password = signing.password.encode() if signing.password else None
    try:
        if signing.is_pkcs12:
            loaded = signers.SimpleSigner.load_pkcs12_data(
                signing.key_file.read_bytes(), other_certs=(), passphrase=password
            )
            return _LoadedKeySigner(
                signing_cert=loaded.signing_cert,
                signing_key=loaded.signing_key,
                cert_registry=loaded.cert_registry,
            )
        if signing.certificate_file is None:
            raise SigningError(f"the signing key {signing.key_file} needs its certificate file")
        key = load_private_key_from_pemder(str(signing.key_file), passphrase=password)
        certificate, *chain = load_certs_from_pemder([str(signing.certificate_file)])
    except (OSError, ValueError, TypeError) as error:
        raise SigningError(
            f"cannot read the signing key {signing.key_file} or its certificate: {error}"
        ) from None
    return _LoadedKeySigner(
        signing_cert=certificate,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def _outside_any_event_loop(work, *args):
    """Run ``work`` here, or in a thread of its own when this thread runs an asyncio event loop
    (pyHanko's synchronous calls start one with ``asyncio.run``, which refuses to nest)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work, *args).result()


def sign_pdf(pdf: bytes, signing: PdfSigning) -> bytes:
    """The PDF with the academy's PAdES signature (B-B) over all of it, added as an
    incremental update: the pages are untouched, and the signature is invisible. A PDF already
    signed is returned as it is, so signing twice changes nothing."""
    return _outside_any_event_loop(_sign_pdf, pdf, signing)


def _sign_pdf(pdf: bytes, signing: PdfSigning) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if writer.prev.embedded_signatures:  # the PDF is parsed once, for both
        return pdf
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    signer = _signer(signing)
    signed = signers.sign_pdf(writer, metadata, signer=signer, bytes_reserved=signer.reserved)
    return signed.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """What a PDF's signature says, checked offline: who signed (the certificate's common
    name), whether no byte changed since (``is_intact``: the whole file, nothing added after),
    and whether the key is the platform's own (``is_ours``)."""

    is_signed: bool
    signer: str = ""
    is_intact: bool = False
    is_ours: bool = False


def check_signature(pdf: bytes, signing: PdfSigning) -> SignatureCheck:
    """Check the PDF's signature as a reader does, trusting only the platform's own
    certificates (no network: no revocation is looked up)."""
    try:
        embedded = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 - not a PDF we can read: not signed, as far as we can tell
        return SignatureCheck(is_signed=False)
    if not embedded:
        return SignatureCheck(is_signed=False)
    signature = embedded[-1]
    signer = _signer(signing)
    ours = ValidationContext(trust_roots=[signer.signing_cert, *signer.cert_registry])
    status = _outside_any_event_loop(validate_pdf_signature, signature, ours)
    return SignatureCheck(
        is_signed=True,
        signer=signature.signer_cert.subject.native.get("common_name", ""),
        is_intact=status.intact
        and status.valid
        and status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        is_ours=status.trusted,
    )
