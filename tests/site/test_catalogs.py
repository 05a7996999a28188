"""The interface in six languages: every string marked, extracted, translated and compiled.

The messages are extracted from the source afresh (as `pybabel extract` does), so a string added
to a template or a view without its translations fails here, in every language that lacks it.
"""

from __future__ import annotations

import ast
import re
from functools import cache

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from elearning.config import LANGUAGES, ROOT

TRANSLATED = [language for language in LANGUAGES if language != "en"]
CATALOGS = ROOT / "elearning" / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdr]|%%")


@cache
def source_messages() -> dict[str, tuple[str, ...]]:
    """Every message the source marks for translation: msgid -> (msgid, plural?)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        ids = message if isinstance(message, tuple) else (message,)
        if ids[0]:
            found[ids[0]] = tuple(ids)
    return found


@cache
def catalog(language: str):
    path = CATALOGS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        return read_po(file, locale=language)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_the_source_marks_hundreds_of_messages():
    messages = source_messages()
    assert len(messages) > 700
    # Templates, Python, e-mails and the certificate design all count.
    assert "Check a certificate" in messages  # base.html
    assert "Certificate of Completion" in messages  # certificates/default/certificate.html
    assert "The file is empty." in messages  # cohorts/imports.py


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_in_every_catalog(language):
    translations = catalog(language)
    missing, untranslated, fuzzy, broken = [], [], [], []
    for msgid, ids in source_messages().items():
        message = translations.get(msgid)
        if message is None or (len(ids) > 1) != isinstance(message.id, (list, tuple)):
            missing.append(msgid)
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        if message.fuzzy:
            fuzzy.append(msgid)
        if any(not text.strip() for text in strings):
            untranslated.append(msgid)
            continue
        if len(ids) > 1:
            if len(strings) != translations.num_plurals:
                broken.append((msgid, "plural forms"))
            wanted = _placeholders(ids[1]) - {"%(num)s"}
            if any(not wanted <= _placeholders(text) for text in strings):
                broken.append((msgid, strings))
        elif _placeholders(msgid) != _placeholders(strings[0]):
            broken.append((msgid, strings[0]))
    assert not missing, f"{language}: not in the catalog (extract and update): {missing}"
    assert not untranslated, f"{language}: untranslated: {untranslated}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy}"
    assert not broken, f"{language}: placeholders or plurals differ: {broken}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_is_the_current_one(language):
    """The .mo the platform reads says what the .po says (rebuild with `pybabel compile`)."""
    path = CATALOGS / language / "LC_MESSAGES" / "messages.mo"
    with path.open("rb") as file:
        compiled = {_key(message.id): _key(message.string) for message in read_mo(file)}
    written = {_key(message.id): _key(message.string) for message in catalog(language)}
    stale = [msgid for msgid, text in written.items() if compiled.get(msgid) != text]
    assert not stale, f"{language}: messages.mo is out of date for {stale[:5]}"


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _template_text(source: str) -> list[tuple[int, str]]:
    """Words a template prints outside any {{ }} expression: strings nobody can translate."""

    def blank(match: re.Match) -> str:
        return "\n" * match.group(0).count("\n")

    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", blank, source, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", blank, text, flags=re.S)
    found = []
    for match in re.finditer(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"', text):
        if re.search(r"[^\W\d_]{2}", match.group(1)):
            found.append((text[: match.start()].count("\n") + 1, match.group(0)))
    text = re.sub(r"<[^>]*>", blank, text, flags=re.S)
    for number, line in enumerate(text.splitlines(), 1):
        words = re.sub(r"&[a-z]+;|&#\d+;", " ", line).strip()
        if re.search(r"[^\W\d_]{2}", words):
            found.append((number, words))
    return found


def test_templates_print_no_words_outside_gettext():
    paths = sorted((ROOT / "templates").rglob("*.html")) + sorted(
        (ROOT / "templates").rglob("*.txt")
    )
    paths += sorted((ROOT / "certificates").rglob("*.html"))
    assert len(paths) > 50
    found = {
        str(path.relative_to(ROOT)): words
        for path in paths
        if (words := _template_text(path.read_text(encoding="utf-8")))
    }
    assert not found, f"words not marked for translation: {found}"


def test_the_template_check_catches_a_bare_word():
    assert _template_text('<p>{{ _("Fine") }}</p>\n<p>Forgotten</p>') == [(2, "Forgotten")]
    assert _template_text('<img alt="A seal">') == [(1, 'alt="A seal"')]
    assert _template_text('<p>{{ name }} · {{ _("x") }}&nbsp;</p>') == []


USER_MESSAGES = {"flash", "abort", "ValidationError", "StopValidation"}


def test_views_flash_no_bare_english():
    """A message a view shows the user goes through gettext, never a bare literal."""
    found = []
    for path in sorted((ROOT / "elearning").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in USER_MESSAGES or not node.args:
                continue
            first = node.args[0] if name != "abort" else (node.args[1:2] or [None])[0]
            if isinstance(first, (ast.Constant, ast.JoinedStr)) and isinstance(
                getattr(first, "value", ""), str
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"user-facing literals not marked for translation: {found}"
