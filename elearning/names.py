"""The one rule for text a person types that others will read as one line: a name printed on a
certificate, a cohort's name, a court. Pure: used by the forms, the participants file and the
certificates alike."""

from __future__ import annotations

import unicodedata

NAME_MAX = 200  # characters of a name as printed
#: What starts a formula in a spreadsheet: a cell beginning so is read as one.
FORMULA_STARTS = ("=", "+", "-", "@")
# Joiners some scripts need between letters (Persian, Indic): allowed although "format" chars.
_JOINERS = "\u200c\u200d"


def is_invisible(char: str) -> bool:
    """Control, format (bidi overrides...), private-use or surrogate characters, and the line
    and paragraph separators (U+2028, U+2029), which break a line wherever the text is read as
    lines (an e-mail's subject, a CSV row)."""
    return (
        unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"} and char not in _JOINERS
    )


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a character :func:`is_invisible` refuses."""
    return any(is_invisible(char) for char in text)


def name_problem(name: str) -> str | None:
    """What is wrong with a name as printed, or None: "empty", "formula", "too-long" or
    "invisible" (the callers say it in the reader's language)."""
    if not name:
        return "empty"
    if name.startswith(FORMULA_STARTS):
        return "formula"
    if len(name) > NAME_MAX:
        return "too-long"
    if has_invisible(name):
        return "invisible"
    return None


def clean_name(name: str) -> str | None:
    """A name as printed (spaces collapsed), or None when it is empty, too long or holds
    invisible characters."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > NAME_MAX or has_invisible(cleaned):
        return None
    return cleaned


#: Titles a name may begin with (compared case-folded, without a final full stop): left out
#: when the name is sorted, so "Hon. Justice Amina Yusuf" sorts under Y.
TITLES = frozenset((
    "judge", "justice", "hon", "honourable", "honorable", "the", "chief", "president", "vice",
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "magistrate", "registrar",
    "juge", "m", "mme", "mlle", "me", "maître", "président", "présidente",
    "juez", "jueza", "magistrado", "magistrada", "sr", "sra", "srta", "don", "doña", "dra",
    "juiz", "juíza", "desembargador", "desembargadora", "ministro", "ministra",
    "судья", "г-н", "г-жа", "法官",
    "القاضي", "القاضية", "المستشار", "المستشارة", "الدكتور", "الدكتورة", "السيد", "السيدة",
))  # fmt: skip


def _writes_family_name_first(text: str) -> bool:
    """Chinese, Japanese and Korean names: written family name first, sorted as written."""
    return any(
        unicodedata.name(char, "").startswith(("CJK UNIFIED", "HIRAGANA", "KATAKANA", "HANGUL"))
        for char in text
    )


def sort_name_of(name: str) -> str:
    """How a name is sorted in lists when its holder gives no sort name of their own: family
    name (taken as the last word) first, then the rest, leaving out leading titles:
    "Судья Ирина Волкова" → "Волкова, Ирина"; a Chinese name stays as written, family name
    first already. The holder can correct it in their profile ("García Márquez, Gabriel")."""
    words = name.split()
    while len(words) > 1 and words[0].casefold().rstrip(".") in TITLES:
        words = words[1:]
    if len(words) < 2 or _writes_family_name_first(name):
        return " ".join(words)
    comma = "، " if any("\u0600" <= char <= "\u06ff" for char in words[-1]) else ", "
    return f"{words[-1]}{comma}{' '.join(words[:-1])}"
