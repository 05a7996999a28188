"""Languages: their names as their readers write them, and which way they run. No Flask."""

from __future__ import annotations

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
