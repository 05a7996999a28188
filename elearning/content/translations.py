"""How far each language has come, and whether what is translated holds together: per language,
which lessons, module texts and question-bank entries are translated; whether each translated
lesson has the English file's structure (its sections and callouts: the knowledge checks are
already held to the English by the loader); and whether the glossary's checked terms are used
where the English uses them.

The report is part of ``elearning content check`` (and ``--json``); its warnings fail the
shipped course's tests, so a broken or half-done translation never ships unnoticed.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from markupsafe import Markup

from elearning.content.model import DEFAULT_LANGUAGE, CheckBlock, Course, Item, LessonText, Text

# A horizontal rule starts a new printed page in the manual's PDFs (one role card a page).
_STRUCTURE = re.compile(r'<(h2|h3|hr)\b|class="callout callout--([a-z-]+)"')
_NAMES = {"h2": "section", "h3": "subsection", "hr": "page break"}


def translation_report(course: Course) -> dict[str, Any]:
    """Per language: counts, structure and glossary warnings (see the module's docstring)."""
    report = {}
    for language in course.languages:
        if language == DEFAULT_LANGUAGE:
            continue
        warnings: list[str] = []
        lessons = [lesson for lesson in course.lessons if language in lesson.texts]
        for lesson in lessons:
            english, translated = lesson.texts[DEFAULT_LANGUAGE], lesson.texts[language]
            where = _translated_file(lesson.source, language)
            if _structure(english) != _structure(translated):
                warnings.append(
                    f"{where}: not the English file's structure (sections and callouts: "
                    f"{_describe(_structure(english))} in English, "
                    f"{_describe(_structure(translated))} here)"
                )
            warnings += _glossary(course, language, where, _plain(english), _plain(translated))
        manual = [page for page in course.trainer_pages if language in page.texts]
        for page in manual:
            english, translated = page.texts[DEFAULT_LANGUAGE], page.texts[language]
            where = _translated_file(page.source, language)
            if _html_structure(english.html) != _html_structure(translated.html):
                warnings.append(
                    f"{where}: not the English page's structure (sections and callouts: "
                    f"{_describe(_html_structure(english.html))} in English, "
                    f"{_describe(_html_structure(translated.html))} here)"
                )
            warnings += _glossary(
                course,
                language,
                where,
                _plain_html(english.title, english.summary, english.html),
                _plain_html(translated.title, translated.summary, translated.html),
            )
        bank_done = 0
        if course.bank is not None:
            for entry in course.bank.entries.values():
                if not entry.stem.has(language):
                    continue
                bank_done += 1
                english = " ".join(text.get(DEFAULT_LANGUAGE) for text in _texts(entry))
                translated = " ".join(text.get(language) for text in _texts(entry))
                warnings += _glossary(
                    course, language, f"{entry.source} ({entry.id})", english, translated
                )
        modules = [
            module
            for module in course.modules
            if all(
                text.has(language) for text in (module.title, module.summary, *module.objectives)
            )
        ]
        report[language] = {
            "course": course.title.has(language) and course.summary.has(language),
            "lessons": len(lessons),
            "lessons_in_all": len(course.lessons),
            "modules": len(modules),
            "modules_in_all": len(course.modules),
            "manual_pages": len(manual),
            "manual_pages_in_all": len(course.trainer_pages),
            "bank_entries": bank_done,
            "bank_entries_in_all": len(course.bank.entries) if course.bank else 0,
            "glossary_terms": len(course.glossaries[language].terms)
            if language in course.glossaries
            else 0,
            "warnings": warnings,
        }
    return report


def _translated_file(source: str, language: str) -> str:
    return re.sub(r"\.md$", f".{language}.md", source)


def _structure(text: LessonText) -> Counter:
    found: Counter = Counter()
    for block in text.blocks:
        if not isinstance(block, CheckBlock):
            found += _html_structure(block.html)
    return found


def _html_structure(html: str) -> Counter:
    return Counter(
        _NAMES[heading] if heading else f"{callout} callout"
        for heading, callout in _STRUCTURE.findall(html)
    )


def _describe(structure: Counter) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(structure.items())) or "none"


def _plain(text: LessonText) -> str:
    parts = [text.title, *text.objectives]
    for block in text.blocks:
        if isinstance(block, CheckBlock):
            parts.append(block.check.prompt_html)
            parts += [option.html + " " + option.feedback_html for option in block.check.options]
        else:
            parts.append(block.html)
    return _plain_html(*parts)


def _plain_html(*parts: str) -> str:
    """Our own sanitised HTML, read as text."""
    return " ".join(str(Markup(part).striptags()) for part in parts)  # noqa: S704  # nosec B704


def _texts(entry: Item) -> list[Text]:
    texts = [entry.stem]
    for question in (entry, *entry.parts):
        if question is not entry:
            texts.append(question.stem)
        texts += [choice.text for choice in question.choices if choice.text.has(DEFAULT_LANGUAGE)]
        if question.explanation is not None:
            texts.append(question.explanation)
    return texts


def _glossary(course: Course, language: str, where: str, english: str, translated: str):
    glossary = course.glossaries.get(language)
    if glossary is None:
        return []
    lowered = translated.casefold()
    problems = []
    for term in glossary.terms:
        if not term.check:
            continue
        uses = len(re.findall(rf"\b{re.escape(term.english)}\b", english, flags=re.IGNORECASE))
        if uses and not any(form.casefold() in lowered for form in term.forms):
            problems.append(
                f"{where}: the English says {term.english!r} ({uses} times) but the translation "
                f"never uses the glossary's {term.translated!r}"
            )
    return problems
