"""The names of continuing-education categories, as certificates and transcripts print them."""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:  # noqa: N802 - Babel's marker for a message translated later
    """Mark ``message`` for the catalogs; it is translated where it is printed."""
    return message


#: The categories the platform names in every language; any other prints as written.
LABELS = {
    "ethics": N_("Judicial ethics"),
    "anti-corruption": N_("Anti-corruption"),
}


def category_label(category: str | None, gettext: Callable[[str], str]) -> str:
    """The category as printed, translated with ``gettext`` ("" for none)."""
    if not category:
        return ""
    if category in LABELS:
        return gettext(LABELS[category])
    return category.replace("-", " ").capitalize()
