"""Languages: their names as their readers write them, and which way they run. No Flask."""

from __future__ import annotations

import functools
import re
import unicodedata

import pypinyin
import pyuca

#: Each interface language, named in itself (the switcher shows these).
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ar": "العربية",
    "zh": "中文",
    "ru": "Русский",
    "pt": "Português",
}
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})


def text_direction(language: str) -> str:
    """``rtl`` for a language written right to left (Arabic...), else ``ltr``."""
    return "rtl" if language.split("_")[0] in RTL_LANGUAGES else "ltr"


@functools.cache
def _collator() -> pyuca.Collator:
    """The Unicode Collation Algorithm's default order (DUCET): accents after their letter,
    every script in its own alphabetical order. Loaded once (its table is large)."""
    return pyuca.Collator()


def sort_key(text: str, language: str) -> tuple:
    """A key that sorts ``text`` as readers of ``language`` expect: "Åland" beside "Aland",
    "Côte d'Ivoire" after "Costa Rica", "États-Unis" among the E; Chinese by its pinyin (as
    Chinese dictionaries and CLDR do), not by code point."""
    if language.split("_")[0] == "zh":
        syllables = pypinyin.lazy_pinyin(text, style=pypinyin.Style.TONE3)
        return (_collator().sort_key(" ".join(syllables)), text)
    return (_collator().sort_key(text), text)


NAME_KEY_LENGTH = 240  # characters: the order of a name's first 60 letters


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def _primary(text: str) -> list[int]:
    """The Unicode Collation Algorithm's first-level weights of ``text`` (letters, not case or
    accents); Chinese by its pinyin, an Arabic name under the letter after its article."""
    if any(_is_han(char) for char in text):
        text = " ".join(pypinyin.lazy_pinyin(text))
    # Arabic indexes file a name under the letter after its article: الراشد under ر.
    if text.startswith("ال") and "\u0621" <= text[2:3] <= "\u064a":
        text = text[2:]
    weights = _collator().sort_key(text)
    return list(weights[: weights.index(0)] if 0 in weights else weights)


def name_key(text: str) -> str:
    """A key for ``ORDER BY``: hexadecimal digits whose plain character order is the Unicode
    Collation Algorithm's order of ``text`` at its first level (letters, not case or accents),
    Chinese by its pinyin. Stored beside a name, it sorts names alike on SQLite and PostgreSQL
    in every script: Latin, then Cyrillic, then Arabic, each in its own alphabetical order."""
    return "".join(f"{weight:04x}" for weight in _primary(text))[:NAME_KEY_LENGTH]


#: The script each interface language writes its names in (``unicodedata`` names' first word).
LANGUAGE_SCRIPTS = {
    "en": "LATIN",
    "fr": "LATIN",
    "es": "LATIN",
    "pt": "LATIN",
    "ru": "CYRILLIC",
    "ar": "ARABIC",
    "zh": "CJK",
}
#: Above every letter's first-level weight: a letter tailored to follow all words of another.
_AFTER_EVERY_LETTER = 0xFFFF


def script_of(text: str) -> str | None:
    """The script of the first letter of ``text`` ("LATIN", "CYRILLIC", "ARABIC", "CJK"...),
    or None when it has no letter."""
    for char in text:
        if char.isalpha():
            return unicodedata.name(char, "?").split()[0]
    return None


def _spanish_primary(text: str) -> list[int]:
    """The root order with ñ a letter of its own after n (RAE, since 1803), while ch and ll
    are no longer letters of their own (RAE, 1994): "Peña" after "Penzo", before "Peralta"."""
    n = _primary("n")
    weights: list[int] = []
    for number, part in enumerate(re.split("[ñÑ]", text)):
        if number:
            weights += [*n, _AFTER_EVERY_LETTER]
        weights += _primary(part) if part else []
    return weights


def alphabet_key(text: str, language: str) -> tuple:
    """A key that orders names as readers of ``language`` file them: names written in the
    language's script first, in its alphabet's order (Russian: А→Я; Arabic by the letter after
    the article ال; Chinese by pinyin; Spanish with ñ after n), then every other name in the
    Unicode Collation Algorithm's root order (Latin, Cyrillic, Arabic...). French, Portuguese
    and English are the root order itself."""
    language = language.split("_")[0]
    own_script = LANGUAGE_SCRIPTS.get(language, "LATIN")
    weights = _spanish_primary(text) if language == "es" else _primary(text)
    return (0 if script_of(text) == own_script else 1, weights, text)
