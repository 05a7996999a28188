"""The certificate's second QR code: what it states, signed, checkable with no connection.

The payload is a CWT (RFC 8392) inside a COSE_Sign1 (RFC 9052) signed with EdDSA (alg -8) by the
issuer's Ed25519 key, the same key that signs the verifiable credentials; the protected header's
key id is the first 8 bytes of the SHA-256 of the key's Multikey. The CBOR is written in Base45
(RFC 9285) after the prefix ``JEC1:``, so the QR code uses its compact alphanumeric mode. It is
not compressed: with a 64-byte signature and short texts, zlib saves too little to be worth a
decompressor in every verifier.

The claims: the issuer (``iss``, its DID), the issue time (``iat``) and, under the private claim
:data:`CLAIM`, the certificate's code as printed, the holder's name as printed, the course title,
edition and content version, the score (none when the course does not print it) and the issue
date. No PDF hash: the QR code is part of the PDF, so it cannot state the hash of the file it is
in, and the hash of the PDF without it would match no file a holder has; the content version
states what the course taught instead. That the file itself is the one issued is checked online
(the SHA-256 on the verification page) or by the PDF's own signature.

What no offline check can say is whether the certificate was revoked or replaced since: that is
only known online, at the verification address the certificate prints.

Pure: no database, no Flask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from elearning.certificates.integrity import public_multikey

PREFIX = "JEC1:"
EDDSA = -8  # COSE algorithm EdDSA
COSE_SIGN1_TAG = 18
CLAIM = -65537  # a private-use CWT claim (RFC 8392: below -65536): the certificate
# The keys of the certificate claim's map (small integers keep the QR code small).
FIELDS = {
    1: "code",
    2: "holder",
    3: "course",
    4: "edition",
    5: "content_version",
    6: "score",
    7: "issued_on",
}

# What checking a payload finds (OfflineCheck.outcome).
VALID = "valid"
TAMPERED = "tampered"
UNKNOWN_KEY = "unknown-key"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class OfflineClaims:
    """What the certificate's signed QR code states."""

    issuer: str  # the issuer's DID
    code: str  # the certificate's code as printed (its number)
    holder: str
    course: str
    edition: str
    content_version: str
    score: int | None  # None: the course prints only that the final assessment was passed
    issued_on: date


@dataclass(frozen=True)
class OfflineCheck:
    """What checking a payload found, and what it states when it could be read."""

    outcome: str
    claims: OfflineClaims | None = None
    detail: str = ""


@dataclass(frozen=True)
class Signer:
    """Who seals the QR codes: the issuer's DID and its current signing key."""

    issuer: str
    key: Ed25519PrivateKey

    def seal(self, claims: OfflineClaims) -> str:
        """The QR code's text for ``claims`` (their issuer must be this one)."""
        return seal(claims, self.key)


def key_id(public: Ed25519PublicKey) -> bytes:
    """The short key id a payload names its key by: 8 bytes of the Multikey's SHA-256."""
    return hashlib.sha256(public_multikey(public).encode()).digest()[:8]


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes a COSE_Sign1 signature covers (RFC 9052, section 4.4), no external data."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def seal(claims: OfflineClaims, key: Ed25519PrivateKey) -> str:
    """The QR code's text: ``JEC1:`` and the Base45 of the signed COSE_Sign1."""
    issued = datetime(*claims.issued_on.timetuple()[:3], tzinfo=UTC)
    certificate = {
        number: getattr(claims, name)
        for number, name in FIELDS.items()
        if getattr(claims, name) is not None
    }
    certificate[7] = claims.issued_on.isoformat()
    payload = cbor2.dumps({1: claims.issuer, 6: int(issued.timestamp()), CLAIM: certificate})
    protected = cbor2.dumps({1: EDDSA, 4: key_id(key.public_key())})
    signature = key.sign(_sig_structure(protected, payload))
    sign1 = cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature])
    return PREFIX + base45.b45encode(cbor2.dumps(sign1)).decode("ascii")


def _claims(payload: bytes) -> OfflineClaims:
    """The claims of a CWT payload; ValueError when it is not one of ours."""
    cwt = cbor2.loads(payload)
    certificate = cwt.get(CLAIM) if isinstance(cwt, dict) else None
    if not isinstance(certificate, dict) or not isinstance(cwt.get(1), str):
        raise ValueError("the payload states no certificate")
    values = {name: certificate.get(number) for number, name in FIELDS.items()}
    texts = [name for name in FIELDS.values() if name != "score"]
    if not all(isinstance(values[name], str) for name in texts):
        raise ValueError("the certificate's fields are incomplete")
    score = values["score"]
    if score is not None and (not isinstance(score, int) or isinstance(score, bool)):
        raise ValueError("the score is not a number")
    values["issued_on"] = date.fromisoformat(values["issued_on"])
    return OfflineClaims(issuer=cwt[1], **values)


def _parts(text: str) -> tuple[bytes, bytes, bytes, bytes]:
    """Protected header, payload, signature and key id of a QR code's text; ValueError."""
    if not text.startswith(PREFIX):
        raise ValueError(f"the text does not start with {PREFIX}")
    sign1 = cbor2.loads(base45.b45decode(text.removeprefix(PREFIX).strip()))
    if isinstance(sign1, cbor2.CBORTag) and sign1.tag == COSE_SIGN1_TAG:
        sign1 = sign1.value
    if not isinstance(sign1, list | tuple) or len(sign1) != 4:
        raise ValueError("not a COSE_Sign1")
    protected, _unprotected, payload, signature = sign1
    if not all(isinstance(part, bytes) for part in (protected, payload, signature)):
        raise ValueError("not a COSE_Sign1")
    header = cbor2.loads(protected)
    if not isinstance(header, dict) or header.get(1) != EDDSA:
        raise ValueError("not signed with EdDSA")
    kid = header.get(4)
    if not isinstance(kid, bytes):
        raise ValueError("the signature names no key")
    return protected, payload, signature, kid


def check(text: str, published: Iterable[Ed25519PublicKey]) -> OfflineCheck:
    """Check a QR code's text against the published keys. Never raises on bad input."""
    try:
        protected, payload, signature, kid = _parts(text.strip())
        claims = _claims(payload)
    except (ValueError, TypeError, LookupError, RecursionError, cbor2.CBORDecodeError) as error:
        return OfflineCheck(UNREADABLE, detail=str(error)[:200])
    key = next((k for k in published if key_id(k) == kid), None)
    if key is None:
        return OfflineCheck(UNKNOWN_KEY, claims)
    try:
        key.verify(signature, _sig_structure(protected, payload))
    except InvalidSignature:
        return OfflineCheck(TAMPERED, claims)
    return OfflineCheck(VALID, claims)
