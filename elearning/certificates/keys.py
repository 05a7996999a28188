"""The academy's signing keys: Ed25519, one PEM file each in a folder outside the database.

The folder is created on first use (mode 0700, each key 0600). The newest key signs; every key in
the folder is published in the DID document, so a credential signed before a rotation still
verifies. Rotating adds a key; removing a key's file withdraws it (its credentials then no longer
verify: what to do with a key that leaked).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from elearning.certificates.integrity import public_multikey

PREFIX = "ed25519-"


@dataclass(frozen=True)
class IssuerKey:
    """One signing key and the Multikey that names it (the fragment of its verification method)."""

    file: Path
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def multikey(self) -> str:
        return public_multikey(self.public)


def _files(folder: Path) -> list[Path]:
    """The key files, oldest first (their names carry the time they were made)."""
    return sorted(folder.glob(f"{PREFIX}*.pem")) if folder.is_dir() else []


def _read(file: Path) -> IssuerKey:
    key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{file} is not an Ed25519 key")
    return IssuerKey(file=file, private=key)


def all_keys(folder: Path) -> list[IssuerKey]:
    """Every key in the folder, oldest first."""
    return [_read(file) for file in _files(folder)]


def create_key(folder: Path, now: datetime) -> IssuerKey:
    """A new key, written 0600 and never over an existing file; it signs from now on."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    file = folder / f"{PREFIX}{now:%Y%m%dT%H%M%S%fZ}.pem"
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return IssuerKey(file=file, private=key)


def signing_key(folder: Path, now: datetime) -> IssuerKey:
    """The newest key, created when the folder holds none."""
    files = _files(folder)
    return _read(files[-1]) if files else create_key(folder, now)
