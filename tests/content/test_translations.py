"""Translations are checked by the machine: what each language has, whether a translated lesson
keeps the English structure, and whether the glossary's terms are used where they must be."""

from __future__ import annotations

from pathlib import Path

from elearning.catalog import read_catalog
from elearning.config import ROOT
from elearning.content import catalog_summary, load_catalog
from tests.helpers import edit

FRENCH = "courses/sample/basics/01-first-lesson.fr.md"
GLOSSARY = """language: fr
terms:
  - en: independence
    fr: indépendance
    check: true
    forms: ["indépendan"]
  - en: judge
    fr: juge
"""


def report(root: Path) -> dict:
    [sample] = [c for c in catalog_summary(load_catalog(root)) if c["slug"] == "sample"]
    return sample["translations"]["fr"]


def test_each_language_says_what_is_translated(content: Path):
    french = report(content)
    assert (french["lessons"], french["lessons_in_all"]) == (1, 3)
    assert french["modules_in_all"] == 2 and french["glossary_terms"] == 0


def test_a_translated_lesson_must_keep_the_english_structure(content: Path):
    # The French sample lesson lacks the English file's key-point callout.
    [warning] = report(content)["warnings"]
    assert warning.startswith(FRENCH) and "1 key-point callout in English, none here" in warning
    edit(
        content / FRENCH,
        "::: check first-check",
        "::: key-point À retenir\nLe juge tranche selon les faits et le droit.\n:::\n\n"
        "::: check first-check",
    )
    assert report(content)["warnings"] == []


def test_a_translation_that_names_a_value_by_another_word_is_reported(content: Path):
    (content / "courses/sample/glossary").mkdir()
    (content / "courses/sample/glossary/fr.yaml").write_text(GLOSSARY, encoding="utf-8")
    edit(
        content / FRENCH, "::: check", "::: key-point À retenir\nLe juge tranche.\n:::\n\n::: check"
    )
    assert report(content)["warnings"] == [] and report(content)["glossary_terms"] == 2
    edit(content / FRENCH, "L'indépendance est", "L'autonomie est")
    [warning] = report(content)["warnings"]
    assert "the English says 'independence'" in warning and "'indépendance'" in warning


def test_the_shipped_translations_are_whole_and_hold_together():
    """Every language of the shipped course is whole (course texts, every lesson, every module's
    texts, the trainers' manual, the question bank), and nothing translated breaks the English
    structure or names a value by another word than the glossary's: a language lands whole."""
    translations = catalog_summary(read_catalog(ROOT))[0]["translations"]
    assert set(translations) == {"fr", "es", "ar", "zh", "ru", "pt"}
    for language, done in translations.items():
        assert done["warnings"] == [], (language, done["warnings"])
        assert done["course"], language
        for part in ("lessons", "modules", "manual_pages", "bank_entries"):
            assert done[part] == done[f"{part}_in_all"], (language, part)
        assert done["glossary_terms"] > 0, language
    course = read_catalog(ROOT).course("judicial-ethics")
    for source in course.sources.values():
        for text in (source.title, source.edition, source.publisher):
            assert all(text.has(language) for language in translations), (source.id, text)


def test_a_translated_section_keeps_the_english_anchor(content: Path):
    """A link to a section lands on it in every language, whatever the heading's script."""
    english = "courses/sample/basics/01-first-lesson.md"
    edit(content / english, "::: key-point", "## What the minister may not do\n\n::: key-point")
    edit(content / FRENCH, "::: check", "## Ce que le ministre ne peut pas faire\n\n::: check")
    lesson = load_catalog(content).course("sample").lesson("basics", "first-lesson")
    french = "".join(block.html for block in lesson.text("fr").blocks if hasattr(block, "html"))
    assert 'id="what-the-minister-may-not-do"' in french
    printed = "".join(b.print_html for b in lesson.text("fr").blocks if hasattr(b, "print_html"))
    assert '--what-the-minister-may-not-do"' in printed


def test_tags_and_application_points_can_be_translated(content: Path):
    edit(
        content / "courses/sample/tags.yaml",
        '"1.1": "Free of outside influence"',
        '"1.1":\n      en: "Free of outside influence"\n'
        '      fr: "À l\'abri de toute influence extérieure"',
    )
    course = load_catalog(content).course("sample")
    assert course.point_text("1.1").get("fr") == "À l'abri de toute influence extérieure"
    assert course.point_labels["1.1"] == "Free of outside influence"
    assert course.point_text("1.2").get("fr") == "Independent of the parties"  # not translated
