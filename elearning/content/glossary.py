"""A course's glossaries (``glossary/<language>.yaml``): the terms every translation uses, as the
official UN texts use them.

A term marked ``check: true`` is one a translation must not name by another word (the six
values, the Principles, the Convention): wherever the English of a lesson or a question uses it,
its translation must use one of the term's ``forms`` (word stems, so that declension and
agreement pass: ``беспристраст``, ``impartial``). The content check reports the texts that
do not, in ``content.translations``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import Problems, read_yaml, unknown_keys
from elearning.content.model import DEFAULT_LANGUAGE, Glossary, GlossaryTerm
from elearning.content.yamlfile import LineDict, LineList

FOLDER = "glossary"
_TERM_KEYS = {"en", "note", "forms", "check"}


def load_glossaries(
    folder: Path, languages: tuple[str, ...], problems: Problems
) -> Mapping[str, Glossary]:
    """Each language's glossary of the course, by language (none when there is no folder)."""
    found: dict[str, Glossary] = {}
    directory = folder / FOLDER
    if not directory.is_dir():
        return MappingProxyType(found)
    for path in sorted(directory.glob("*.yaml")):
        language = path.stem
        if language not in languages or language == DEFAULT_LANGUAGE:
            problems.add(
                path, 0, f"a glossary for {language!r}, which the course is not offered in"
            )
            continue
        glossary = _load(path, language, problems)
        if glossary is not None:
            found[language] = glossary
    return MappingProxyType(found)


def _load(path: Path, language: str, problems: Problems) -> Glossary | None:
    data = read_yaml(path, problems)
    if data is None:
        return None
    unknown_keys(data, {"language", "terms"}, path, problems)
    if data.get("language") != language:
        problems.add(path, data.line_of("language"), f"language: {language} (the file's name)")
        return None
    raw = data.get("terms")
    if not isinstance(raw, LineList):
        problems.add(path, data.line_of("terms"), "terms: a list of {en: ..., <language>: ...}")
        return None
    terms = []
    for index, entry in enumerate(raw):
        line = raw.line_of(index)
        if not isinstance(entry, LineDict):
            problems.add(path, line, "a term is a mapping: en and its translation")
            continue
        unknown_keys(entry, _TERM_KEYS | {language}, path, problems)
        english, translated = entry.get("en"), entry.get(language)
        if not isinstance(english, str) or not isinstance(translated, str):
            problems.add(path, line, f"a term needs en and {language} as text")
            continue
        forms = entry.get("forms", [translated])
        check = entry.get("check", False)
        if not isinstance(forms, list) or not all(isinstance(f, str) and f for f in forms):
            problems.add(path, entry.line_of("forms"), "forms: a list of the term's word stems")
            continue
        if not isinstance(check, bool):
            problems.add(path, entry.line_of("check"), "check is true or false")
            continue
        if check and not english.strip():
            problems.add(path, line, "a checked term needs its English word")
            continue
        terms.append(
            GlossaryTerm(
                english=english.strip(),
                translated=translated.strip(),
                forms=tuple(form.strip() for form in forms),
                check=check,
            )
        )
    return Glossary(language=language, terms=tuple(terms))
