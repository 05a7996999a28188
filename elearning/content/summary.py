"""What ``elearning content check`` reports of a course: its size, what it covers, how its
assessments are built, and what surface cues its questions carry (``content.cues``)."""

from __future__ import annotations

import math
from typing import Any

from elearning.content import cues
from elearning.content.forms import form_profile, retake_profile
from elearning.content.model import (
    DEFAULT_LANGUAGE,
    AssessmentForm,
    Catalog,
    Course,
)
from elearning.content.translations import translation_report


def catalog_summary(catalog: Catalog) -> list[dict[str, Any]]:
    """Per course: modules, lessons, minutes, knowledge checks, and what the lessons cover."""
    summary = []
    for course in catalog.courses:
        covered_tags = {tag for lesson in course.lessons for tag in lesson.tags}
        covered_points = {point for lesson in course.lessons for point in lesson.points}
        summary.append(
            {
                "slug": course.slug,
                "title": str(course.title),
                "content_version": course.content_version,
                "languages": list(course.languages),
                "minutes": course.minutes,
                "modules": [
                    {
                        "slug": module.slug,
                        "title": str(module.title),
                        "minutes": module.minutes,
                        "lessons": [
                            {
                                "slug": lesson.slug,
                                "title": lesson.title,
                                "minutes": lesson.minutes,
                                "knowledge_checks": len(lesson.checks),
                                "translations": sorted(set(lesson.texts) - {DEFAULT_LANGUAGE}),
                            }
                            for lesson in module.lessons
                        ],
                    }
                    for module in course.modules
                ],
                "lessons": len(course.lessons),
                "knowledge_checks": sum(len(lesson.checks) for lesson in course.lessons),
                "assessment": _bank_summary(course),
                "local": _local_summary(course),
                "translations": translation_report(course),
                "tags": [
                    {
                        "slug": tag.slug,
                        "label": tag.label,
                        "covered": tag.slug in covered_tags,
                        "points": len(tag.points),
                        "points_covered": [p for p in tag.points if p in covered_points],
                        "points_missing": [p for p in tag.points if p not in covered_points],
                    }
                    for tag in course.tags.values()
                ],
            }
        )
    return summary


def _local_summary(course: Course) -> dict[str, Any] | None:
    """The academy's local layer: how many notes on which lessons, which points it states."""
    layer = course.local
    if layer is None:
        return None
    points = sorted(layer.provisions, key=_point_order)
    return {
        "name": layer.name,
        "language": layer.language,
        "example": layer.example,
        "notes": sum(len(notes) for notes in layer.notes.values()),
        "lessons": len(layer.notes),
        "provisions": sum(len(found) for found in layer.provisions.values()),
        "points": points,
        "points_without_provision": sorted(
            (p for p in course.point_labels if p not in layer.provisions), key=_point_order
        ),
    }


def _point_order(point: str) -> tuple[int, ...]:
    return tuple(int(part) for part in point.split(".") if part.isdigit())


def _form_length(course: Course, form: AssessmentForm) -> dict[str, float]:
    """How many questions an attempt holds: the fewest and most a draw can bring, and the
    number to expect. A scenario brings all its questions; the draw takes scenarios in their
    share of each tag's pool, rounded down or up (see ``assessments.logic.draw_entries``).
    With parallel forms every attempt has a form's length (retakes are drawn to it)."""
    bank = course.bank
    assert bank is not None
    if form.parallel and course.parallel_forms:
        size = sum(retake_profile(bank, course.parallel_forms).values())
        return {"min": size, "max": size, "mean": float(size)}
    if form.fixed:
        size = sum(len(bank.entries[entry_id].questions) for entry_id in form.fixed)
        return {"min": size, "max": size, "mean": float(size)}
    low = high = 0
    mean = 0.0
    for tag, count in form.blueprint:
        entries = bank.by_tag(tag)
        cases = sorted(len(entry.parts) for entry in entries if entry.parts)
        singles = len(entries) - len(cases)
        share = count * len(cases) / len(entries) if entries else 0
        takes = [n for n in {int(share), math.ceil(share)} if n <= len(cases)]
        takes = [n for n in takes if count - n <= singles] or [min(count, len(cases))]
        low += min(sum(cases[:n]) + count - n for n in takes)
        high += max(sum(cases[len(cases) - n :]) + count - n for n in takes)
        average = sum(cases) / len(cases) if cases else 0
        mean += share * average + (count - share)
    return {"min": low, "max": high, "mean": round(mean, 1)}


def _bank_summary(course: Course) -> dict[str, Any] | None:
    """The question bank's size by tag and type, the points it assesses, and its forms."""
    bank = course.bank
    if bank is None:
        return None
    entries = list(bank.entries.values())
    by_tag: dict[str, dict[str, int]] = {}
    for entry in entries:
        counts = by_tag.setdefault(
            entry.primary_tag, {"entries": 0, "questions": 0, "scenarios": 0}
        )
        counts["entries"] += 1
        counts["questions"] += len(entry.questions)
        counts["scenarios"] += entry.type == "scenario"
    questions = list(bank.questions.values())
    assessed = {point for question in questions for point in question.points}
    all_points = [point for tag in course.tags.values() for point in tag.points]
    scenarios = sum(entry.type == "scenario" for entry in entries)
    return {
        "entries": len(entries),
        "questions": len(questions),
        "scenario_entries": scenarios,
        "scenario_questions": sum(len(e.parts) for e in entries if e.type == "scenario"),
        "scenario_share": round(scenarios / len(entries), 3) if entries else 0.0,
        "questions_by_tag": {
            tag: sum(tag in question.tags for question in questions)
            for tag in course.tags
            if any(tag in question.tags for question in questions)
        },
        "by_type": {
            name: sum(question.type == name for question in questions)
            for name in sorted({question.type for question in questions})
        },
        "by_tag": by_tag,
        "points_assessed": [point for point in all_points if point in assessed],
        "points_unassessed": [point for point in all_points if point not in assessed],
        "forms": {
            kind: {
                "entries": form.size,
                "questions": _form_length(course, form),
                "blueprint": dict(form.blueprint),
                "items": list(form.fixed),
                "parallel": form.parallel,
                "time_limit_minutes": form.time_limit_minutes,
            }
            for kind, form in course.forms.items()
        },
        "parallel_forms": {
            name: {
                "entries": len(ids),
                "questions": sum(len(bank.entries[i].questions) for i in ids),
                "items": list(ids),
                **{
                    key.replace(" ", "_").replace("/", "_"): value
                    for key, value in form_profile(bank, ids).items()
                },
            }
            for name, ids in course.parallel_forms.items()
        },
        "cues": cue_audit(course),
    }


def cue_audit(course: Course) -> dict[str, Any]:
    """The cue audit of the bank, of every fixed or parallel form, and of the lessons'
    knowledge checks, with what a test-wise judge could exploit beyond the course's margin."""
    bank = course.bank
    margin = course.assessment.cue_margin
    reports: dict[str, cues.CueReport] = {}
    if bank is not None:
        reports["bank"] = cues.audit("the question bank", cues.questions_of(bank.entries.values()))
        for name, ids in course.parallel_forms.items():
            reports[f"form {name}"] = cues.audit(
                f"parallel form {name}", cues.questions_of(bank.entries[i] for i in ids)
            )
        for kind, form in course.forms.items():
            if form.fixed:
                reports[kind] = cues.audit(
                    f"the {kind} form", cues.questions_of(bank.entries[i] for i in form.fixed)
                )
    checks = [cues.from_check(check) for lesson in course.lessons for check in lesson.checks]
    if checks:
        reports["knowledge checks"] = cues.audit("the knowledge checks", checks)
    return {
        "margin": margin,
        "reports": {name: report.as_dict() for name, report in reports.items()},
        "warnings": [warning for report in reports.values() for warning in report.warnings(margin)],
    }
