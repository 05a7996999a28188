"""Verification codes: random, human-typable, with a check character.

A code is 15 random Crockford base32 characters (75 bits) and a check character, written in
four groups of four: ``7K3Q-M9XD-2HNT-R8WA``. Reading it back is forgiving in the ways people
mistype: case does not matter, hyphens and spaces are ignored, ``O`` is read as ``0`` and ``I``
or ``L`` as ``1`` (Crockford's alphabet has no I, L, O or U). The check character (Luhn mod 32)
catches any single wrong character and any swap of two neighbours but ``0Z``/``Z0``, so a typo
gives "not a valid code" instead of someone else's certificate.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
LENGTH = 16  # 75 random bits and the check character


def _check_char(data: str) -> str:
    """Luhn mod 32 over ``data``: the character that makes the whole code check out."""
    total = 0
    factor = 2
    for char in reversed(data):
        addend = factor * _VALUE[char]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def new_code(length: int = LENGTH) -> str:
    """A fresh random code, in its compact form (``length`` characters with the check, no
    hyphens). Cohort join codes use the same scheme, shorter."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(length - 1))
    return data + _check_char(data)


def normalise(text: str, length: int = LENGTH) -> str | None:
    """The compact form of a typed or pasted code, or None if it cannot be one of ours."""
    compact = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != length or any(char not in _VALUE for char in compact):
        return None
    if _check_char(compact[:-1]) != compact[-1]:
        return None
    return compact


def display(code: str) -> str:
    """A compact code in groups of four, as printed: ``7K3Q-M9XD-2HNT-R8WA``."""
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))
