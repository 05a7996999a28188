"""The content we ship: valid, and the course it claims to be."""

from __future__ import annotations

import json

from elearning.config import ROOT
from elearning.content import catalog_summary, load_catalog


def test_the_shipped_content_is_valid_and_covers_independence_fully():
    catalog = load_catalog(ROOT)
    course = catalog.course("judicial-ethics")
    assert course is not None
    assert course.modules[0].slug == "introduction"
    assert course.module("independence") is not None
    summary = {tag["slug"]: tag for tag in catalog_summary(catalog)[0]["tags"]}
    assert summary["independence"]["points_missing"] == []
    assert summary["propriety"]["points"] == 16  # the 41 application points are all declared
    assert sum(tag["points"] for slug, tag in summary.items() if slug != "uncac-11") == 41


def test_every_shipped_lesson_has_a_knowledge_check_with_feedback_everywhere():
    course = load_catalog(ROOT).course("judicial-ethics")
    for lesson in course.lessons:
        assert lesson.checks, f"{lesson.source} has no knowledge check"
        for check in lesson.checks:
            assert all(option.feedback_html.strip() for option in check.options)


def test_content_check_reports_the_shipped_course(runner):
    result = runner("content", "check", "--content-dir", str(ROOT))
    assert result.exit_code == 0, result.output
    assert "judicial-ethics:" in result.output and "Content is valid" in result.output
    assert "Value 1: Independence: 6/6 points" in result.output

    as_json = runner("content", "check", "--json", "--content-dir", str(ROOT))
    report = json.loads(as_json.output)
    assert report["ok"] and report["courses"][0]["slug"] == "judicial-ethics"
