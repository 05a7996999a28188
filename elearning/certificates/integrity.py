"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa): sign and
verify a JSON-LD credential with an Ed25519 key, and the Multikey encodings of such keys.

Pure: no database, no Flask. Canonicalization is RDF Dataset Canonicalization (RDFC-1.0, which
pyld calls URDNA2015) through a document loader that serves only the JSON-LD contexts bundled in
``contexts/``: a credential naming any other context is refused, and nothing is fetched.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

CONTEXTS_DIR = Path(__file__).parent / "contexts"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
BUNDLED = {VC_CONTEXT: "credentials-v2.jsonld", OB_CONTEXT: "ob-context-3.0.3.json"}
CRYPTOSUITE = "eddsa-rdfc-2022"

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"  # multicodec prefixes (varint): ed25519-pub, ed25519-priv
_ED25519_PRIV = b"\x80\x26"

Loader = Callable[[str, Any], dict]


class ProofError(ValueError):
    """The document carries no proof this suite can check, or names a context not bundled."""


def base58btc(data: bytes) -> str:
    """Bitcoin's base58 alphabet, leading zero bytes kept as ``1``."""
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, rest = divmod(number, 58)
        digits = _ALPHABET[rest] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def from_base58btc(text: str) -> bytes:
    """The bytes of a base58btc string; ValueError on a character outside the alphabet."""
    number = 0
    for char in text:
        index = _ALPHABET.find(char)
        if index < 0:
            raise ValueError("not base58btc")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_multikey(key: Ed25519PublicKey) -> str:
    """The key as a Multikey ``publicKeyMultibase`` (``z6Mk...``)."""
    return "z" + base58btc(_ED25519_PUB + key.public_bytes_raw())


def public_key_from_multikey(value: str) -> Ed25519PublicKey:
    """The Ed25519 public key a ``publicKeyMultibase`` names; ProofError otherwise."""
    try:
        raw = from_base58btc(value[1:]) if value.startswith("z") else b""
    except ValueError:
        raw = b""
    if not raw.startswith(_ED25519_PUB) or len(raw) != 34:
        raise ProofError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_from_multikey(value: str) -> Ed25519PrivateKey:
    """The Ed25519 private key of a ``privateKeyMultibase`` (as the spec's test vectors give)."""
    raw = from_base58btc(value[1:])
    if not raw.startswith(_ED25519_PRIV) or len(raw) != 34:
        raise ProofError("not an Ed25519 private Multikey")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


@cache
def _bundled(url: str) -> dict:
    return json.loads((CONTEXTS_DIR / BUNDLED[url]).read_text(encoding="utf-8"))


def bundled_loader(extra: Mapping[str, dict] | None = None) -> Loader:
    """A pyld document loader serving the bundled contexts (and ``extra``), refusing any other
    address: canonicalization never touches the network."""

    def load(url: str, options: Any = None) -> dict:
        if extra and url in extra:
            document = extra[url]
        elif url in BUNDLED:
            document = _bundled(url)
        else:
            raise jsonld.JsonLdError(
                f"Context not bundled: {url}", "jsonld.LoadDocumentError", code="loading failed"
            )
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}

    return load


def canonical(document: dict, loader: Loader) -> str:
    """The document's RDFC-1.0 canonical N-Quads; ProofError when it cannot be expanded."""
    try:
        return jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader,
                "safe": True,
            },
        )
    except jsonld.JsonLdError as error:
        raise ProofError(f"the document cannot be read as JSON-LD: {error}") from error


def _hash_data(document: dict, proof_options: dict, loader: Loader) -> bytes:
    """The bytes an eddsa-rdfc-2022 proof signs: the proof options' hash, then the document's."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    options["@context"] = unsecured["@context"]
    return (
        hashlib.sha256(canonical(options, loader).encode()).digest()
        + hashlib.sha256(canonical(unsecured, loader).encode()).digest()
    )


def sign(
    document: dict,
    key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: str,
    loader: Loader | None = None,
) -> dict:
    """A copy of ``document`` with an embedded DataIntegrityProof (``assertionMethod``)."""
    loader = loader or bundled_loader()
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(document, proof, loader))
    return {**document, "proof": {**proof, "proofValue": "z" + base58btc(signature)}}


def proof_of(document: Any) -> dict:
    """The document's single eddsa-rdfc-2022 assertion proof; ProofError when there is none."""
    proof = document.get("proof") if isinstance(document, dict) else None
    if not isinstance(proof, dict) or not isinstance(document.get("@context"), list):
        raise ProofError("the document carries no single embedded proof")
    if (proof.get("type"), proof.get("cryptosuite")) != ("DataIntegrityProof", CRYPTOSUITE):
        raise ProofError(f"the proof is not a DataIntegrityProof with {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("the proof's purpose is not assertionMethod")
    if not all(isinstance(proof.get(k), str) for k in ("verificationMethod", "proofValue")):
        raise ProofError("the proof names no key or carries no signature")
    return proof


def is_signed_by(document: dict, key: Ed25519PublicKey, loader: Loader | None = None) -> bool:
    """Whether the document's proof is a valid signature by ``key`` over what it states now."""
    proof = proof_of(document)
    value = proof["proofValue"]
    try:
        signature = from_base58btc(value[1:]) if value.startswith("z") else b""
    except ValueError:
        return False
    try:
        key.verify(signature, _hash_data(document, proof, loader or bundled_loader()))
    except InvalidSignature:
        return False
    return True
