"""Every certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (W3C VC Data Model 2.0), the
issuer's ``did:web`` document and profile, the Bitstring Status List, and checking a credential.

A credential is built on demand, deterministically, from the certificate's frozen record (holder
name, course title, score, issue date), the course it certifies and the signing key: nothing more
is stored, and the same key gives the same bytes (Ed25519 signatures are deterministic). After a
key rotation a new download is signed by the new key; earlier downloads still verify, since every
key stays published. The status list is built from the database (revoked and superseded
certificates set their bit, a certificate's index is its number) and cached until it changes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from elearning.accounts.models import User
from elearning.certificates import integrity, keys
from elearning.certificates.categories import category_label
from elearning.certificates.models import Certificate
from elearning.content.model import Course

LIST_SIZE = 131_072  # bits in one status list: the spec's minimum, for herd privacy
JSON_MEDIA_TYPE = "application/vc+ld+json"

# What checking a credential finds (CredentialCheck.outcome).
VALID = "valid"
REVOKED = "revoked"
SUPERSEDED = "superseded"
EXPIRED = "expired"
TAMPERED = "tampered"
UNKNOWN_ISSUER = "unknown-issuer"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Issuer:
    """Who signs, and the public addresses a credential names (built from the BASE_URL)."""

    base_url: str
    name: str
    address: str | None
    keys_dir: Path
    course_url: Callable[[str], str]

    def status_list_url(self, number: int) -> str:
        """The address of status list ``number`` (served by ``credential_views``)."""
        return f"{self.base_url.rstrip('/')}/certificates/status/{number}.json"

    def status_list_number(self, url: object) -> int | None:
        """The number of the status list at ``url``, if it is one of this platform's."""
        prefix = self.status_list_url(0).removesuffix("0.json")
        digits = url.removeprefix(prefix).removesuffix(".json") if isinstance(url, str) else ""
        found = url == f"{prefix}{digits}.json" and digits.isdigit() and len(digits) < 6
        return int(digits) if found else None

    @property
    def did(self) -> str:
        """``did:web`` of the public address: host (port escaped), then path segments."""
        parts = urlsplit(self.base_url)
        segments = [quote(parts.netloc, safe="")] + [s for s in parts.path.split("/") if s]
        return "did:web:" + ":".join(segments)

    def method(self, key: keys.IssuerKey) -> str:
        """The verification method of a key: the DID, then the key's Multikey as fragment."""
        return f"{self.did}#{key.multikey}"


def _stamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC, to the second, as VC 2.0 writes them."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def profile(issuer: Issuer) -> dict:
    """The issuer's Open Badges ``Profile``: name, address of the platform, postal address."""
    found: dict[str, Any] = {
        "id": issuer.did,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.base_url,
    }
    if issuer.address:
        found["address"] = {"type": ["Address"], "streetAddress": issuer.address}
    return found


def did_document(issuer: Issuer, now: datetime) -> dict:
    """The DID document: every signing key, newest last, as Multikey assertion methods."""
    published = keys.all_keys(issuer.keys_dir) or [keys.signing_key(issuer.keys_dir, now)]
    methods = [
        {
            "id": issuer.method(key),
            "type": "Multikey",
            "controller": issuer.did,
            "publicKeyMultibase": key.multikey,
        }
        for key in published
    ]
    ids = [method["id"] for method in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer.did,
        "alsoKnownAs": [issuer.base_url],
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def _alignment(course: Course) -> list[dict]:
    """The course's tags that an official text states (Bangalore values, UNCAC art. 11)."""
    aligned = []
    for tag in course.tags.values():
        source = next((s for s in course.sources.values() if tag.slug in s.covers), None)
        if source is not None:
            aligned.append(
                {
                    "type": ["Alignment"],
                    "targetName": tag.label,
                    "targetCode": tag.slug,
                    "targetFramework": source.title.get("en"),
                    "targetUrl": source.url,
                    "targetType": "ext:Standard",
                }
            )
    return aligned


def _achievement(issuer: Issuer, certificate: Certificate, course: Course | None) -> dict:
    """The course as an ``Achievement``: edition, content version, criteria, alignment."""
    url = issuer.course_url(certificate.course_slug)
    achievement: dict[str, Any] = {
        "id": f"{url}#achievement",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": certificate.course_title,
        "version": certificate.content_version,
        "creator": profile(issuer),
        "resultDescription": [
            {
                "id": f"{url}#final-assessment",
                "type": ["ResultDescription"],
                "name": "Final assessment score",
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        ],
    }
    # Continuing judicial education: the hours of study and their category, as printed.
    if certificate.hours:
        achievement["creditsAvailable"] = certificate.hours
    if certificate.category:
        achievement["fieldOfStudy"] = category_label(certificate.category, lambda text: text)
    pass_mark = course.assessment.pass_mark if course else None
    achievement["criteria"] = {
        "id": url,
        "narrative": "Complete every lesson of the course and pass its final assessment"
        + (f" with at least {pass_mark}%." if pass_mark is not None else "."),
    }
    if course is not None:
        achievement["description"] = course.summary.get("en").strip()
        achievement["humanCode"] = f"{course.slug} {course.edition}"
        achievement["alignment"] = _alignment(course)
        achievement["tag"] = [tag.label for tag in course.tags.values()]
        achievement["resultDescription"][0]["requiredValue"] = str(pass_mark)
    return achievement


def _identifier(certificate: Certificate, holder: User | None) -> list[dict]:
    """The holder's e-mail address, salted and hashed (OB 3.0 ``IdentityObject``): whoever
    knows the address can check it is the holder's; the credential does not reveal it."""
    if holder is None:
        return []
    salt = hashlib.sha256(f"holder:{certificate.serial}".encode()).hexdigest()[:32]
    digest = hashlib.sha256((holder.email.strip().lower() + salt).encode()).hexdigest()
    return [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": f"sha256${digest}",
            "identityType": "emailAddress",
            "salt": salt,
        }
    ]


def status_entry(issuer: Issuer, certificate_id: int) -> dict:
    """Where the certificate's revocation bit is: list ``id // LIST_SIZE``, the rest as index."""
    number, index = divmod(certificate_id, LIST_SIZE)
    url = issuer.status_list_url(number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def unsigned_credential(
    issuer: Issuer, certificate: Certificate, course: Course | None, holder: User | None
) -> dict:
    """The certificate as an OpenBadgeCredential, before its proof."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "name": certificate.holder_name,
        "achievement": _achievement(issuer, certificate, course),
        "result": [
            {
                "type": ["Result"],
                "resultDescription": f"{issuer.course_url(certificate.course_slug)}"
                "#final-assessment",
                "value": f"{round(certificate.score)}",
            }
        ],
    }
    if certificate.hours:
        subject["creditsEarned"] = certificate.hours
    identifier = _identifier(certificate, holder)
    if identifier:
        subject["identifier"] = identifier
    serial_uri = f"{issuer.did}/certificates/{certificate.serial}"
    return {
        "@context": [integrity.VC_CONTEXT, integrity.OB_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, serial_uri)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.course_title,
        "issuer": profile(issuer),
        "validFrom": _stamp(certificate.issued_at),
        **({"validUntil": _stamp(certificate.valid_until)} if certificate.valid_until else {}),
        "credentialSubject": subject,
        "credentialStatus": status_entry(issuer, certificate.id),
    }


def credential(
    session: Session,
    issuer: Issuer,
    certificate: Certificate,
    course: Course | None,
    now: datetime,
) -> dict:
    """The certificate's signed OpenBadgeCredential (proof created at its issue time)."""
    holder = session.get(User, certificate.user_id) if certificate.user_id else None
    key = keys.signing_key(issuer.keys_dir, now)
    return integrity.sign(
        unsigned_credential(issuer, certificate, course, holder),
        key.private,
        verification_method=issuer.method(key),
        created=_stamp(certificate.issued_at),
    )


# --- the status list -----------------------------------------------------------------------


def _not_standing(session: Session, number: int) -> list[int]:
    """Numbers of the revoked and superseded certificates in list ``number``."""
    first = number * LIST_SIZE
    return list(
        session.scalars(
            select(Certificate.id)
            .where(Certificate.id >= first, Certificate.id < first + LIST_SIZE)
            .where(
                or_(Certificate.revoked_at.is_not(None), Certificate.superseded_by_id.is_not(None))
            )
            .order_by(Certificate.id)
        )
    )


def encode_bits(indexes: list[int]) -> str:
    """The list's bits (index 0 the first byte's high bit), GZIP'd, as multibase base64url."""
    bits = bytearray(LIST_SIZE // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_bit(encoded: str, index: int) -> bool:
    """Whether bit ``index`` of an encoded list is set."""
    padded = encoded[1:] + "=" * (-len(encoded[1:]) % 4)
    bits = gzip.decompress(base64.urlsafe_b64decode(padded))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


_cache: dict[tuple, dict] = {}


def status_list(session: Session, issuer: Issuer, number: int, now: datetime) -> dict:
    """Status list ``number`` as a signed BitstringStatusListCredential; signed again only
    when a bit, the key or the last change (its ``validFrom``) differs from the cached one."""
    first = number * LIST_SIZE
    in_list = (Certificate.id >= first, Certificate.id < first + LIST_SIZE)
    changed = session.execute(
        select(func.max(Certificate.issued_at), func.max(Certificate.revoked_at)).where(*in_list)
    ).one()
    stamps = [moment for moment in changed if moment is not None]
    valid_from = _stamp(max(stamps)) if stamps else "2026-01-01T00:00:00Z"
    key = keys.signing_key(issuer.keys_dir, now)
    indexes = [i - first for i in _not_standing(session, number)]
    cache_key = (issuer.did, number, key.multikey, valid_from, tuple(indexes))
    if cache_key not in _cache:
        url = issuer.status_list_url(number)
        unsigned = {
            "@context": [integrity.VC_CONTEXT],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer.did,
            "validFrom": valid_from,
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_bits(indexes),
            },
        }
        _cache.clear()  # only the latest list of each kind is worth keeping
        _cache[cache_key] = integrity.sign(
            unsigned, key.private, verification_method=issuer.method(key), created=valid_from
        )
    return _cache[cache_key]


# --- checking a credential -----------------------------------------------------------------


@dataclass(frozen=True)
class CredentialCheck:
    """What checking a credential file found: one of the outcomes above, the certificate it
    is (when its proof holds) and, for an unreadable or refused file, why."""

    outcome: str
    certificate: Certificate | None = None
    detail: str = ""


def _issuer_key(issuer: Issuer, document: dict) -> keys.IssuerKey | None:
    """The published key the proof names, when the credential names this platform as issuer."""
    proof = integrity.proof_of(document)
    named = document.get("issuer")
    named_id = named.get("id") if isinstance(named, dict) else named
    method = proof["verificationMethod"]
    if named_id != issuer.did or not method.startswith(issuer.did + "#"):
        return None
    fragment = method.removeprefix(issuer.did + "#")
    return next((k for k in keys.all_keys(issuer.keys_dir) if k.multikey == fragment), None)


def _status(session: Session, issuer: Issuer, document: dict, now: datetime) -> CredentialCheck:
    """A credential whose proof holds: valid, or what its status list bit says."""
    entry = document.get("credentialStatus")
    index = entry.get("statusListIndex") if isinstance(entry, dict) else None
    listed = entry.get("statusListCredential") if isinstance(entry, dict) else None
    number = issuer.status_list_number(listed)
    if number is None or not isinstance(index, str) or not index.isdigit():
        return CredentialCheck(TAMPERED, detail="no status entry of this platform")
    bit = int(index)
    certificate = session.get(Certificate, number * LIST_SIZE + bit)
    if bit >= LIST_SIZE or certificate is None:
        return CredentialCheck(REVOKED)
    encoded = status_list(session, issuer, number, now)["credentialSubject"]["encodedList"]
    if decode_bit(encoded, bit):
        return CredentialCheck(certificate.status, certificate)
    if _stamp(now) >= str(document.get("validUntil") or "9999"):  # both UTC, "…Z"
        return CredentialCheck(EXPIRED, certificate)
    return CredentialCheck(VALID, certificate)


def check_credential(
    session: Session, issuer: Issuer, raw: bytes, now: datetime
) -> CredentialCheck:
    """Check a credential file: its proof (with this platform's published keys), then its
    status. Never raises on bad input: an unreadable file is an outcome like the others."""
    try:
        document = json.loads(raw.decode("utf-8"))
        integrity.proof_of(document)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return CredentialCheck(UNREADABLE, detail=str(error)[:200])
    key = _issuer_key(issuer, document)
    if key is None:
        return CredentialCheck(UNKNOWN_ISSUER)
    try:
        holds = integrity.is_signed_by(document, key.public)
    except (integrity.ProofError, RecursionError, TypeError, KeyError):
        holds = False
    if not holds:
        return CredentialCheck(TAMPERED)
    return _status(session, issuer, document, now)
