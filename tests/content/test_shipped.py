"""The content we ship: valid, and the course it claims to be."""

from __future__ import annotations

import itertools
import json
from collections import Counter

from elearning.catalog import read_catalog
from elearning.config import ROOT
from elearning.content import catalog_summary

VALUES = (
    "independence",
    "impartiality",
    "integrity",
    "propriety",
    "equality",
    "competence-diligence",
)
MODERN = ("uncac-11", "social-media", "artificial-intelligence")


def test_the_shipped_course_teaches_and_assesses_every_application_point():
    catalog = read_catalog(ROOT)
    course = catalog.course("judicial-ethics")
    summary = catalog_summary(catalog)[0]
    tags = {tag["slug"]: tag for tag in summary["tags"]}
    assert sum(tags[value]["points"] for value in VALUES) == 41  # all declared
    for tag in tags.values():
        assert tag["covered"], f"no lesson teaches {tag['slug']}"
        assert tag["points_missing"] == [], f"{tag['slug']}: no lesson teaches these points"
    assert summary["assessment"]["points_unassessed"] == []
    assert len(summary["assessment"]["points_assessed"]) == 43  # the 41, and article 11's two
    assert [module.slug for module in course.modules] == [
        "introduction",
        *VALUES,
        "gender",
        *MODERN,
    ]


def test_the_shipped_bank_has_the_size_and_balance_a_course_of_record_needs():
    bank = catalog_summary(read_catalog(ROOT))[0]["assessment"]
    assert bank["entries"] >= 150 and bank["questions"] >= 250
    assert bank["scenario_share"] >= 0.4
    for value in VALUES:
        assert bank["by_tag"][value]["entries"] >= 12, value
    for tag in MODERN:
        assert bank["by_tag"][tag]["entries"] >= 8, tag
    # Every point has questions outside the two forms too, so a retake can reach it.
    course = read_catalog(ROOT).course("judicial-ethics")
    in_forms = {e for ids in course.parallel_forms.values() for e in ids}
    outside = Counter(
        point
        for entry in course.bank.entries.values()
        if entry.id not in in_forms
        for question in entry.questions
        for point in question.points
    )
    every_point = [point for tag in course.tags.values() for point in tag.points]
    assert all(outside[point] >= 1 for point in every_point), every_point


def test_no_test_wise_strategy_beats_guessing_on_the_shipped_course():
    """The cue audit of the bank, both forms and the knowledge checks: no strategy (longest,
    shortest or middle option, always true or false, odd one out, avoiding absolute words)
    beats blind guessing by more than the course allows."""
    audit = catalog_summary(read_catalog(ROOT))[0]["assessment"]["cues"]
    assert audit["margin"] == 5
    assert set(audit["reports"]) == {"bank", "form A", "form B", "knowledge checks"}
    assert audit["warnings"] == []
    for report in audit["reports"].values():
        scores = report["strategies"]
        assert max(scores.values()) - scores["random"] <= 5


def test_every_shipped_module_has_objectives_cases_checks_and_takeaways():
    course = read_catalog(ROOT).course("judicial-ethics")
    # Measured from the text at 120 words a minute (a judge reading in a second language),
    # with time for every knowledge check and reflection: "about nine to eleven hours".
    assert 9 * 60 * 0.9 <= course.minutes <= 11 * 60 * 1.1
    for lesson in course.lessons:
        assert 2 <= len(lesson.text("en").objectives) <= 4, lesson.source
        if set(lesson.tags) & set(VALUES):  # the Principles and their Commentary, within reach
            assert {"bangalore-principles", "commentary"} <= {
                source.id for source in course.sources_for(lesson)
            }, lesson.source
    for module in course.modules:
        assert module.objectives, module.slug
        source = "".join((ROOT / lesson.source).read_text() for lesson in module.lessons)
        if module.slug != "introduction":
            assert source.count("::: case-study") >= 2, module.slug
            assert "## Key takeaways" in source, module.slug


def test_every_shipped_lesson_has_a_knowledge_check_with_feedback_everywhere():
    course = read_catalog(ROOT).course("judicial-ethics")
    for lesson in course.lessons:
        assert lesson.checks, f"{lesson.source} has no knowledge check"
        for check in lesson.checks:
            assert all(option.feedback_html.strip() for option in check.options)


def test_content_check_reports_the_shipped_course(runner):
    result = runner("content", "check", "--content-dir", str(ROOT))
    assert result.exit_code == 0, result.output
    assert "judicial-ethics:" in result.output and "Content is valid" in result.output
    assert "Value 1: Independence: 6/6 points" in result.output
    assert "Value 4: Propriety: 16/16 points" in result.output
    assert "parallel form A: 34 entries, 43 questions, 43 points" in result.output
    assert "cue audit" in result.output and "warning" not in result.output

    as_json = runner("content", "check", "--json", "--content-dir", str(ROOT))
    report = json.loads(as_json.output)
    assert report["ok"] and report["courses"][0]["slug"] == "judicial-ethics"


def test_the_shipped_workshop_agendas_follow_the_manual_in_every_language():
    """The two-day agenda is the manual's fifteen sessions over two days (breaks left out); the
    one-day variant fits a day; every title is written in the course's seven languages."""
    course = read_catalog(ROOT).course("judicial-ethics")
    two, one = course.agendas["two-day"], course.agendas["one-day"]
    assert (len(two.sessions), two.days, one.days) == (15, 2, 1)
    assert [s.day for s in two.sessions].count(1) == 6  # "Day one": sessions 1 to 6
    assert two.sessions[0].title.get("en") == "Opening and expectations"
    assert two.sessions[-1].title.get("fr").startswith("Clôture")
    for agenda in (two, one):
        for session in agenda.sessions:
            assert all(session.title.has(language) for language in course.languages), session
            assert session.starts < session.ends
        pairs = list(itertools.pairwise(agenda.sessions))
        assert all((a.day, a.ends) <= (b.day, b.starts) for a, b in pairs), agenda.slug
    assert any("UNCAC article 11" in s.title.get("en") for s in one.sessions)
