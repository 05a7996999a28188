"""Languages: their names as their readers write them, and which way they run. No Flask."""

from __future__ import annotations

import functools

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


def name_key(text: str) -> str:
    """A key for ``ORDER BY``: hexadecimal digits whose plain character order is the Unicode
    Collation Algorithm's order of ``text`` at its first level (letters, not case or accents),
    Chinese by its pinyin. Stored beside a name, it sorts names alike on SQLite and PostgreSQL
    in every script: Latin, then Cyrillic, then Arabic, each in its own alphabetical order."""
    if any("\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" for char in text):
        text = " ".join(pypinyin.lazy_pinyin(text))
    # Arabic indexes file a name under the letter after its article: الراشد under ر.
    if text.startswith("ال") and "\u0621" <= text[2:3] <= "\u064a":
        text = text[2:]
    weights = _collator().sort_key(text)
    primary = weights[: weights.index(0)] if 0 in weights else weights
    return "".join(f"{weight:04x}" for weight in primary)[:NAME_KEY_LENGTH]
