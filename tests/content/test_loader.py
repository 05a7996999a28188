"""The content format: what loads, and every broken file reported at its path and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elearning.config import ROOT
from elearning.content import load_catalog
from elearning.content.model import CheckBlock, HtmlBlock
from tests.helpers import FIXTURE_CONTENT, edit, errors_after_edit, errors_of


def test_the_fixture_course_loads_whole():
    catalog = load_catalog(FIXTURE_CONTENT)
    course = catalog.course("sample")
    assert [m.slug for m in course.modules] == ["basics", "practice"]
    assert [lesson.slug for lesson in course.lessons] == [
        "first-lesson",
        "second-lesson",
        "online-life",
    ]
    assert course.minutes == 16 and course.module("basics").minutes == 12
    assert course.title.get("fr") == "Cours d'exemple" and course.title.get("es") == "Sample course"
    first = course.lesson("basics", "first-lesson")
    assert first.points == ("1.1",) and first.tags == ("independence",)
    assert first.text("fr").title == "La première leçon"
    assert first.text("ru").title == "The first lesson"  # falls back to English
    check = first.checks[0]
    assert check.id == "first-check" and check.correct_keys == {"b"} and not check.is_multiple
    assert "the executive has no say" in check.options[0].feedback_html
    many = course.lesson("basics", "second-lesson").checks[0]
    assert many.is_multiple and many.correct_keys == {"a", "b"}


def test_the_trainers_manual_is_read_in_its_translations(content: Path):
    """A manual page in French beside the English one; a translation needs its English page and
    one of the course's languages."""
    [page] = load_catalog(FIXTURE_CONTENT).course("sample").trainer_pages
    assert page.text("fr").title == "Animer un atelier" and "<strong>gain</strong>" in (
        page.text("fr").html
    )
    assert page.text("es").language == "en" and page.text("es").title == "Running a workshop"
    trainer = content / "courses/sample/trainer"
    (trainer / "01-running-a-workshop.fr.md").rename(trainer / "02-orphan.fr.md")
    (trainer / "01-running-a-workshop.es.md").write_text('---\ntitle: "Un taller"\n---\nTexto.\n')
    errors = errors_of(content)
    assert any("02-orphan.md" in e and "needs its English page" in e for e in errors), errors
    assert any(
        "01-running-a-workshop.es.md" in e and "not one of the course's languages" in e
        for e in errors
    ), errors


def test_the_manual_shows_its_callouts_and_refuses_knowledge_checks(content: Path):
    """A case for the groups is a callout in the manual as in a lesson; a knowledge check, a
    judge's exercise, is refused at load."""
    trainer = content / "courses/sample/trainer/01-running-a-workshop.md"
    edit(
        trainer,
        "## Reading the report",
        "::: case-study The letter\nA minister writes.\n:::\n\n---\n\n## Reading the report",
    )
    [page] = load_catalog(content).course("sample").trainer_pages
    html = page.text("en").html
    assert '<aside class="callout callout--case-study">' in html and ":::" not in html
    assert "<hr" in html  # a new printed sheet
    edit(
        trainer,
        "---\n\n## Reading",
        "::: check manual-check\nWhy?\n\n- [x] Yes\n  Right.\n- [ ] No\n  Wrong.\n:::\n\n"
        "## Reading",
    )
    errors = errors_of(content)
    assert any("knowledge check belongs in a lesson" in e for e in errors), errors


def test_markdown_is_rendered_once_with_callouts_tables_and_lesson_links():
    course = load_catalog(FIXTURE_CONTENT).course("sample")
    blocks = course.lesson("basics", "first-lesson").text("en").blocks
    assert isinstance(blocks[0], HtmlBlock) and isinstance(blocks[1], CheckBlock)
    html = blocks[0].html
    assert '<a href="../basics/second-lesson"' in html
    assert '<aside class="callout callout--key-point">' in html and "Remember this" in html
    assert '<a href="#lesson-basics-second-lesson"' in blocks[0].print_html
    second = course.lesson("basics", "second-lesson").text("en").blocks[0].html
    assert "<table>" in second and "<th>Who</th>" in second
    online = course.lesson("practice", "online-life").text("en").blocks[0]
    assert 'href="../basics/first-lesson#remember"' in online.html
    assert 'class="notes-space"' in online.print_html and "notes-space" not in online.html


def test_raw_html_and_scripts_are_removed(content: Path):
    lesson = content / "courses/sample/practice/01-online-life.md"
    edit(
        lesson,
        "What do you post?",
        'What do you post? <script>alert(1)</script><a href="javascript:alert(2)">x</a>'
        '<img src=x onerror=alert(3)><b onclick="alert(4)">bold</b>',
    )
    html = load_catalog(content).course("sample").lesson("practice", "online-life").text("en")
    rendered = "".join(block.html for block in html.blocks)
    assert "<script" not in rendered and "javascript:" not in rendered
    assert "onerror" not in rendered and "onclick" not in rendered and "<b>bold</b>" in rendered


def test_content_version_changes_with_any_edit(content: Path):
    before = load_catalog(content).course("sample").content_version
    edit(content / "courses/sample/basics/02-second-lesson.md", "Arm's length", "At arm's length")
    after = load_catalog(content).course("sample").content_version
    assert before != after and len(after) == 16


BROKEN = [
    pytest.param(
        "courses/sample/course.yaml",
        "modules: [basics, practice]",
        "modules: [basics, practice",
        "courses/sample/course.yaml:7: not valid YAML",
        id="malformed-yaml",
    ),
    pytest.param(
        "courses/sample/basics/02-second-lesson.md",
        'title: "The second lesson"\n',
        "",
        "courses/sample/basics/02-second-lesson.md:2: title is missing",
        id="missing-title",
    ),
    pytest.param(
        "courses/sample/trainer/01-running-a-workshop.md",
        "Look at the **gain** first, then at the topics.",
        "- Look at:\n   - the **gain** first;\n   - then the topics.",
        "courses/sample/trainer/01-running-a-workshop.md:13: a list inside a list item is "
        "indented by four spaces",
        id="list-nested-too-shallow",
    ),
    pytest.param(
        "courses/sample/course.yaml",
        "modules: [basics, practice]",
        "modules: [basics, practice, ethics]",
        "courses/sample/course.yaml:7: module 'ethics' is listed but its folder is missing",
        id="module-missing",
    ),
    pytest.param(
        "courses/sample/basics/02-second-lesson.md",
        "tags: [independence]",
        "tags: [independence, secrecy]",
        "courses/sample/basics/02-second-lesson.md:4: unknown tag 'secrecy'",
        id="unknown-tag",
    ),
    pytest.param(
        "courses/sample/basics/02-second-lesson.md",
        'points: ["1.2"]',
        'points: ["1.2", "9.9"]',
        "courses/sample/basics/02-second-lesson.md:5: unknown application point '9.9'",
        id="unknown-point",
    ),
    pytest.param(
        "courses/sample/basics/01-first-lesson.md",
        "- [x] The judge",
        "- [ ] The judge",
        'courses/sample/basics/01-first-lesson.md:14: knowledge check "first-check" has no '
        "correct option",
        id="no-correct-option",
    ),
    pytest.param(
        "courses/sample/basics/01-first-lesson.md",
        "  Yes: on the facts and the law alone.\n",
        "",
        'courses/sample/basics/01-first-lesson.md:19: knowledge check "first-check": this option '
        "has no feedback",
        id="option-without-feedback",
    ),
    pytest.param(
        "courses/sample/basics/01-first-lesson.md",
        "(02-second-lesson.md)",
        "(02-secnd-lesson.md)",
        "courses/sample/basics/01-first-lesson.md:8: link '02-secnd-lesson.md' points to no lesson",
        id="broken-link",
    ),
    pytest.param(
        "courses/sample/practice/01-online-life.md",
        "What do you post?\n:::",
        "What do you post?",
        "courses/sample/practice/01-online-life.md:9: ::: reflection is never closed",
        id="unclosed-callout",
    ),
    pytest.param(
        "courses/sample/practice/01-online-life.md",
        "::: reflection",
        "::: sidebar",
        "courses/sample/practice/01-online-life.md:9: unknown block ::: sidebar",
        id="unknown-block",
    ),
    pytest.param(
        "courses/sample/basics/02-second-lesson.md",
        "::: check many-check",
        "::: check first-check",
        'courses/sample/basics/02-second-lesson.md:23: knowledge check "first-check" is already',
        id="duplicate-check-id",
    ),
    pytest.param(
        "courses/sample/basics/01-first-lesson.fr.md",
        "- [ ] Le ministre",
        "- [x] Le ministre",
        "courses/sample/basics/01-first-lesson.fr.md:0: the knowledge checks must match",
        id="translation-differs",
    ),
    pytest.param(
        "courses/sample/basics/02-second-lesson.md",
        "minutes: 7",
        "minutes: seven",
        "courses/sample/basics/02-second-lesson.md:3: minutes must be a whole number",
        id="minutes-not-a-number",
    ),
    pytest.param(
        "courses/sample/course.yaml",
        'version: "T1"',
        'version: "T1"\npass_mark: 70',
        "courses/sample/course.yaml:6: unknown setting 'pass_mark'",
        id="unknown-setting",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), BROKEN)
def test_broken_content_is_reported_at_its_file_and_line(content, file, old, new, expected):
    errors = errors_after_edit(content, file, old, new)
    assert any(error.startswith(expected) for error in errors), errors


def test_duplicate_lesson_slugs_are_refused(content: Path):
    shutil.copy(
        content / "courses/sample/basics/02-second-lesson.md",
        content / "courses/sample/practice/02-second-lesson.md",
    )
    errors = errors_of(content)
    assert any(
        e.startswith(
            "courses/sample/practice/02-second-lesson.md:0: lesson slug "
            "'second-lesson' is already used"
        )
        for e in errors
    ), errors


def test_every_problem_is_reported_at_once(content: Path):
    edit(content / "courses/sample/basics/01-first-lesson.md", "- [x] The judge", "- [ ] The judge")
    edit(content / "courses/steps/course.yaml", "modules: [only]", "modules: [only, missing]")
    errors = errors_of(content)
    assert len(errors) == 2, errors


def test_lessons_name_their_objectives_and_sources_and_reading_time_is_measured(content: Path):
    (content / "courses/sample/sources.yaml").write_text(
        "principles:\n"
        "  title: The Bangalore Principles of Judicial Conduct\n"
        "  edition: '2002'\n"
        "  publisher: Judicial Integrity Group\n"
        "  url: https://example.org/principles.pdf\n"
        "  covers: [independence]\n"
        "measures:\n"
        "  title: Measures for the Effective Implementation\n"
        "  edition: '2010'\n"
        "  url: https://example.org/measures\n"
    )
    first = "courses/sample/basics/01-first-lesson.md"
    edit(
        content / first,
        "minutes: 5\n",
        'objectives: ["name the first value"]\nsources: [measures]\n',
    )
    edit(
        content / "courses/sample/basics/01-first-lesson.fr.md",
        'title: "La première leçon"',
        'title: "La première leçon"\nobjectives: ["nommer la première valeur"]',
    )
    words = " ".join(["word"] * 600)
    edit(
        content / first,
        "Independence is the **first** value.",
        f"Independence is the **first** value. {words} [a link](https://example.org/a/b/c/d)",
    )
    course = load_catalog(content).course("sample")
    lesson = course.lesson("basics", "first-lesson")
    assert lesson.text("en").objectives == ("name the first value",)
    assert lesson.text("fr").objectives == ("nommer la première valeur",)
    # The Principles come with every lesson on independence; the Measures because it says so.
    assert [s.id for s in course.sources_for(lesson)] == ["principles", "measures"]
    # About 615 words at 120 a minute, and a minute for its knowledge check; the address of a
    # link is not read.
    assert lesson.minutes == 7
    (content / "courses/sample/course.yaml").write_text(
        (content / "courses/sample/course.yaml")
        .read_text()
        .replace("lessons:\n", "lessons:\n  words_per_minute: 60\n")
        if "lessons:\n" in (content / "courses/sample/course.yaml").read_text()
        else (content / "courses/sample/course.yaml").read_text()
        + "lessons:\n  words_per_minute: 60\n"
    )
    slower = load_catalog(content).course("sample").lesson("basics", "first-lesson").minutes
    assert slower - 1 in (2 * (lesson.minutes - 1) - 1, 2 * (lesson.minutes - 1))  # reading x 2


def test_objectives_and_sources_are_checked(content: Path):
    errors = errors_after_edit(
        content,
        "courses/sample/basics/01-first-lesson.md",
        "minutes: 5\n",
        "sources: [nowhere]\nobjectives: [1, 2]\n",
    )
    assert any("unknown source 'nowhere'" in e for e in errors)
    assert any("objectives must be a list of sentences" in e for e in errors)
    edit(content / "courses/sample/basics/01-first-lesson.md", "sources: [nowhere]\n", "")
    edit(
        content / "courses/sample/basics/01-first-lesson.md",
        "objectives: [1, 2]",
        'objectives: ["one", "two"]',
    )
    errors = errors_of(content)
    assert errors == [
        "courses/sample/basics/01-first-lesson.fr.md:1: objectives: the English file has 2, "
        "this one 0; translate each one"
    ]


def test_a_certificate_design_and_the_courses_certificate_settings_are_checked(content: Path):
    design = content / "certificates" / "default"
    shutil.copytree(ROOT / "certificates" / "default", design)
    (design / "assets" / "notes.txt").write_text("not an image")
    (design / "design.yaml").write_text(
        "logo: ../../courses/sample/course.yaml\n"
        "signatories:\n"
        "  - name: Justice Amina Rahman\n"
        "    title: {en: Director, xx: Nobody}\n"
        "    signature: assets/notes.txt\n"
        "  - title: A title without a name\n"
        "colour: blue\n"
    )
    course = content / "courses/sample/course.yaml"
    course.write_text(course.read_text() + "certificate:\n  hours: 0\n")
    errors = errors_of(content)
    for expected in (
        "certificates/default/design.yaml:1: logo: '../../courses/sample/course.yaml' is not a "
        "file of this design",
        "certificates/default/design.yaml:4: title: 'xx' is not one of the course's languages",
        "certificates/default/design.yaml:5: signature: an image (.svg, .png, .jpg, .jpeg)",
        "certificates/default/design.yaml:6: a signatory's name: text of 1 to 120 letters",
        "certificates/default/design.yaml:7: unknown setting 'colour'",
    ):
        assert any(error.startswith(expected) for error in errors), (expected, errors)
    assert any("certificate hours must be a number" in error for error in errors), errors


def test_a_courses_validity_reminders_and_category_are_checked(content: Path):
    course = content / "courses/sample/course.yaml"
    course.write_text(
        course.read_text()
        + "certificate:\n  valid_months: 0\n  remind_days: [60, -1]\n  category: Ethics!\n"
    )
    errors = errors_of(content)
    for expected in (
        "valid_months must be a whole number from 1 to 600",
        "certificate remind_days must be a list of days from 1 to 365",
        "certificate category must be a short lowercase word",
    ):
        assert any(expected in error for error in errors), (expected, errors)
