"""The question-bank format: what loads, and every broken bank reported at its path and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elearning.assessments.logic import draw_retake
from elearning.catalog import read_catalog
from elearning.config import ROOT
from elearning.content import catalog_summary, load_catalog
from elearning.content.forms import form_profile, retake_profile
from tests.helpers import FIXTURE_CONTENT, edit, errors_after_edit, errors_of

BANK = "quizzes/sample"


def test_the_fixture_bank_loads_entries_questions_and_forms():
    course = load_catalog(FIXTURE_CONTENT).course("sample")
    bank = course.bank
    assert list(bank.entries) == [
        "ind-phone-call",
        "ind-signs",
        "ind-statement",
        "ind-scenario-lunch",
        "sm-friend-request",
        "sm-posts",
    ]
    assert sorted(bank.questions) == sorted(
        [
            "ind-phone-call",
            "ind-signs",
            "ind-statement",
            "ind-scenario-lunch-accept",
            "ind-scenario-lunch-disclose",
            "sm-friend-request",
            "sm-posts",
        ]
    )
    assert [entry.id for entry in bank.by_tag("independence")] == list(bank.entries)[:4]
    assert [entry.id for entry in bank.by_tag("social-media")] == ["sm-friend-request", "sm-posts"]

    phone = bank.entries["ind-phone-call"]
    assert phone.type == "single" and phone.difficulty == "easy"
    assert phone.tags == ("independence",) and phone.points == ("1.1",)
    assert [choice.key for choice in phone.choices] == ["a", "b", "c"]
    assert phone.correct_keys == {"b"} and "Ends the call" in phone.choice("b").text.get("en")
    assert "Un ministre appelle" in phone.stem.get("fr")
    assert phone.stem.get("es") == phone.stem.get("en")  # no Spanish text: English
    assert "outside influence" in phone.explanation.get("en")

    signs = bank.entries["ind-signs"]
    assert signs.scoring == "partial" and signs.correct_keys == {"a", "b"}
    assert bank.entries["sm-posts"].scoring == "all-or-nothing"  # the default

    statement = bank.entries["ind-statement"]
    assert [choice.key for choice in statement.choices] == ["true", "false"]
    assert statement.correct_keys == {"false"} and not statement.shuffle_options
    assert statement.choice("true").text.get("fr") == "Vrai"

    lunch = bank.entries["ind-scenario-lunch"]
    assert lunch.type == "scenario" and "invites the judge to lunch" in lunch.stem.get("en")
    assert [part.id for part in lunch.questions] == [
        "ind-scenario-lunch-accept",
        "ind-scenario-lunch-disclose",
    ]
    for part in lunch.parts:
        assert part.tags == ("independence",) and part.points == ("1.1",)  # from the scenario
        assert bank.entry_of[part.id] == "ind-scenario-lunch"
    assert lunch.parts[1].type == "true-false" and lunch.parts[1].correct_keys == {"true"}

    pre, post = course.form("pre"), course.form("post")
    assert pre.blueprint == (("independence", 1), ("social-media", 1)) and pre.size == 2
    assert pre.time_limit_minutes is None
    assert post.blueprint == (("independence", 2), ("social-media", 1)) and post.size == 3
    assert post.time_limit_minutes == 30
    assert not course.needs_pre_assessment  # pre_required: false


def test_the_entry_assessment_opens_the_lessons_when_required(content: Path):
    edit(content / "courses/sample/course.yaml", "pre_required: false", "pre_required: true")
    catalog = load_catalog(content)
    assert catalog.course("sample").needs_pre_assessment
    steps = catalog.course("steps")  # no bank in quizzes/: no assessments at all
    assert steps.bank is None and steps.form("pre") is None and not steps.needs_pre_assessment


def test_a_scenario_question_keeps_its_own_points_and_takes_the_scenario_tags(content: Path):
    edit(
        content / BANK / "independence.yaml",
        "    - id: ind-scenario-lunch-accept\n",
        '    - id: ind-scenario-lunch-accept\n      points: ["1.2"]\n',
    )
    bank = load_catalog(content).course("sample").bank
    accept = bank.questions["ind-scenario-lunch-accept"]
    assert accept.tags == ("independence",) and accept.points == ("1.2",)


def test_raw_html_and_scripts_in_questions_are_removed(content: Path):
    nasty = (
        '<script>alert(1)</script><a href="javascript:alert(2)">x</a>'
        '<img src=x onerror=alert(3)><b onclick="alert(4)">bold</b>'
    )
    file = content / BANK / "social-media.yaml"
    edit(file, '  stem: "A litigant', f"  stem: |\n    {nasty} A litigant")
    edit(file, 'request. What should the judge do?"', "request. What should the judge do?")
    edit(file, '    - text: "Decline it."', f"    - text: '{nasty} Decline it.'")
    edit(file, '  explanation: "Online', f"  explanation: |\n    {nasty} Online")
    edit(file, 'access to the judge."', "access to the judge.")
    item = load_catalog(content).course("sample").bank.entries["sm-friend-request"]
    for html in (item.stem.get("en"), item.choice("a").text.get("en"), item.explanation.get("en")):
        assert "<script" not in html and "alert(1)" not in html and "javascript:" not in html
        assert "<img" not in html and "onerror" not in html and "onclick" not in html
        assert "<b>bold</b>" in html
    assert "A litigant sends the judge a friend request" in item.stem.get("en")


def test_an_image_in_a_one_line_stem_is_reported_at_the_stem(content: Path):
    edit(
        content / BANK / "social-media.yaml",
        '  stem: "A litigant',
        '  stem: "![A phone](phone.png) A litigant',
    )
    errors = errors_of(content)
    assert any(
        e.startswith(f"{BANK}/social-media.yaml:4: images are not supported") for e in errors
    ), errors


def test_a_broken_question_is_reported_once(content: Path):
    edit(content / BANK / "social-media.yaml", "  type: single", "  type: essay")
    errors = errors_of(content)
    assert errors == [
        f"{BANK}/social-media.yaml:2: sm-friend-request: type must be one of single, multiple, "
        "true-false, scenario"
    ]


def test_the_content_version_changes_with_the_bank(content: Path):
    def versions():
        catalog = load_catalog(content)
        return catalog.course("sample").content_version, catalog.course("steps").content_version

    sample, steps = versions()
    edit(content / BANK / "social-media.yaml", "Decline it.", "Decline it politely.")
    after_bank, steps_after = versions()
    edit(content / BANK / "forms.yaml", "time_limit_minutes: 30", "time_limit_minutes: 40")
    after_forms, _ = versions()
    assert len({sample, after_bank, after_forms}) == 3
    assert steps_after == steps  # another course's version is not touched


def test_catalog_summary_counts_the_bank_and_its_forms():
    summary = {course["slug"]: course for course in catalog_summary(load_catalog(FIXTURE_CONTENT))}
    assert summary["steps"]["assessment"] is None
    bank = summary["sample"]["assessment"]
    assert bank["entries"] == 6 and bank["questions"] == 7
    assert bank["scenario_entries"] == 1 and bank["scenario_questions"] == 2
    assert bank["by_type"] == {"multiple": 2, "single": 3, "true-false": 2}
    assert bank["by_tag"] == {
        "independence": {"entries": 4, "questions": 5, "scenarios": 1},
        "social-media": {"entries": 2, "questions": 2, "scenarios": 0},
    }
    assert bank["points_assessed"] == ["1.1", "1.2"] and bank["points_unassessed"] == []
    assert bank["scenario_share"] == 0.167
    assert bank["questions_by_tag"]["independence"] == 5
    assert bank["questions_by_tag"]["social-media"] == 2
    # One independence entry (of four, one a two-question scenario) and one social-media one.
    assert bank["forms"]["pre"] == {
        "entries": 2,
        "questions": {"min": 2, "max": 3, "mean": 2.2},
        "blueprint": {"independence": 1, "social-media": 1},
        "items": [],
        "parallel": False,
        "time_limit_minutes": None,
    }
    assert bank["forms"]["post"]["entries"] == 3
    assert bank["forms"]["post"]["time_limit_minutes"] == 30


def test_the_shipped_assessments_are_matched_forms_and_retakes_keep_their_length():
    course = read_catalog(ROOT).course("judicial-ethics")
    bank = course.bank
    assert bank is not None and course.form("pre").parallel and course.form("post").parallel
    forms = course.parallel_forms
    assert set(forms) == {"A", "B"} and not set(forms["A"]) & set(forms["B"])
    assert form_profile(bank, forms["A"]) == form_profile(bank, forms["B"])
    every_point = {point for tag in course.tags.values() for point in tag.points}
    for ids in forms.values():
        profile = form_profile(bank, ids)
        assert set(profile["points"]) == every_point  # all 43, on each form
        assert sum(profile["questions per tag"].values()) == 43
        assert profile["true/false"] * 3 <= 43  # about a third true/false at most
        assert set(profile["difficulty"]) == {"easy", "medium", "hard"}
    lengths, coverage = set(), []
    for seed in range(200):  # retakes of a judge who took A, then B
        drawn = draw_retake(bank, retake_profile(bank, forms), seed, forms["A"], forms["B"])
        assert not set(drawn) & (set(forms["A"]) | set(forms["B"]))  # fresh questions
        lengths.add(sum(len(bank.entries[e].questions) for e in drawn))
        points = {p for e in drawn for q in bank.entries[e].questions for p in q.points}
        coverage.append(len(points & every_point) / len(every_point))
    assert lengths == {43}
    assert sum(coverage) / len(coverage) >= 0.75  # most points on every retake
    for entry in bank.entries.values():
        for question in entry.questions:
            assert question.explanation is not None and question.correct_keys


IND = f"{BANK}/independence.yaml"
SM = f"{BANK}/social-media.yaml"
FORMS = f"{BANK}/forms.yaml"

# Lines of the fixture's entry ind-phone-call, which is translated into French.
PHONE_RIGHT = (
    '    - text: {en: "Ends the call and notes it in the file.", '
    'fr: "Il met fin à l\'appel et le consigne au dossier."}'
)
PHONE_CLERK = (
    '    - text: {en: "Asks the clerk to take a message.", '
    'fr: "Il demande au greffier de prendre un message."}'
)
PHONE_EXPLANATION = (
    '  explanation: {en: "Point 1.1: the judge decides free of outside influence, and says so.", '
    'fr: "Point 1.1 : le juge statue à l\'abri de toute influence extérieure, et le dit."}'
)

BROKEN = [
    pytest.param(
        IND,
        "- id: ind-signs",
        "- id: ind-phone-call",
        f"{IND}:15: id 'ind-phone-call' is already used at {IND}:1",
        id="duplicate-id",
    ),
    pytest.param(
        IND,
        PHONE_CLERK,
        '    - text: "Asks the clerk to take a message."',
        f"{IND}:13: ind-phone-call: this text has no fr version, but other texts of the entry "
        "do: translate every text of an entry, or none",
        id="entry-translated-in-part",
    ),
    pytest.param(
        SM,
        "- id: sm-friend-request",
        "- id: ind-statement",
        f"{SM}:1: id 'ind-statement' is already used at {IND}:29",
        id="duplicate-id-across-files",
    ),
    pytest.param(
        IND,
        "    - id: ind-scenario-lunch-accept",
        "    - id: ind-phone-call",
        f"{IND}:41: id 'ind-phone-call' is already used at {IND}:1",
        id="scenario-question-id-clashes-with-an-entry",
    ),
    pytest.param(
        SM,
        "- id: sm-posts",
        "- id: ind-scenario-lunch-disclose",
        f"{SM}:10: id 'ind-scenario-lunch-disclose' is already used at {IND}:49",
        id="entry-id-clashes-with-a-scenario-question",
    ),
    pytest.param(
        IND,
        "  type: single",
        "  type: essay",
        f"{IND}:2: ind-phone-call: type must be one of single, multiple, true-false, scenario",
        id="unknown-type",
    ),
    pytest.param(
        IND,
        "  tags: [independence]",
        "  tags: [independence, secrecy]",
        f"{IND}:3: unknown tag 'secrecy'",
        id="unknown-tag",
    ),
    pytest.param(
        SM,
        "  tags: [social-media]\n",
        '  tags: [social-media]\n  points: ["1.1"]\n',
        f"{SM}:4: point 1.1 belongs to tag 'independence', which the question does not list",
        id="point-of-an-unlisted-tag",
    ),
    pytest.param(
        IND,
        PHONE_RIGHT + "\n      correct: true\n",
        PHONE_RIGHT + "\n",
        f"{IND}:9: a single-choice question has exactly one option with `correct: true` (found 0)",
        id="single-without-a-right-option",
    ),
    pytest.param(
        IND,
        PHONE_CLERK + "\n",
        PHONE_CLERK + "\n      correct: true\n",
        f"{IND}:9: a single-choice question has exactly one option with `correct: true` (found 2)",
        id="single-with-two-right-options",
    ),
    pytest.param(
        SM,
        '    - text: "Comments on a pending case"\n      correct: true\n'
        '    - text: "Political campaigning"\n      correct: true\n',
        '    - text: "Comments on a pending case"\n    - text: "Political campaigning"\n',
        f"{SM}:14: no option is marked `correct: true`",
        id="multiple-without-a-right-option",
    ),
    pytest.param(
        IND,
        "  answer: false",
        '  answer: "false"',
        f"{IND}:33: a true-false question needs answer: true or false",
        id="true-false-answer-not-a-boolean",
    ),
    pytest.param(
        IND,
        "  answer: false\n",
        "",
        f"{IND}:29: a true-false question needs answer: true or false",
        id="true-false-without-answer",
    ),
    pytest.param(
        IND,
        PHONE_EXPLANATION + "\n",
        "",
        f"{IND}:1: explanation is missing",
        id="missing-explanation",
    ),
    pytest.param(
        SM,
        '  stem: "A litigant sends the judge a friend request. What should the judge do?"\n',
        "",
        f"{SM}:1: stem is missing",
        id="missing-stem",
    ),
    pytest.param(
        IND,
        "    - id: ind-scenario-lunch-accept\n      type: single",
        "    - id: ind-scenario-lunch-accept\n      type: scenario",
        f"{IND}:42: ind-scenario-lunch-accept: type must be one of single, multiple, "
        "true-false (inside a scenario)",
        id="scenario-inside-a-scenario",
    ),
    pytest.param(
        IND,
        "  difficulty: easy\n",
        '  difficulty: easy\n  hint: "Think of the minister."\n',
        f"{IND}:6: unknown setting 'hint'",
        id="unknown-key",
    ),
    pytest.param(
        IND,
        "  difficulty: easy",
        "  difficulty: trivial",
        f"{IND}:5: difficulty must be easy, medium or hard",
        id="bad-difficulty",
    ),
    pytest.param(
        IND,
        "  tags: [independence]",
        "  tags: [independence",
        f"{IND}:3: not valid YAML",
        id="malformed-yaml",
    ),
    pytest.param(
        FORMS,
        "    social-media: 1\npost:",
        "    secrecy: 1\npost:",
        f"{FORMS}:4: unknown tag 'secrecy'",
        id="blueprint-with-an-unknown-tag",
    ),
    pytest.param(
        FORMS,
        "    independence: 2",
        "    independence: 4",
        f"{FORMS}:7: the blueprint cannot be filled: pre and post need 5 entries whose first "
        "tag is 'independence' between them, and the bank has 4",
        id="blueprint-over-the-bank",
    ),
    pytest.param(
        "courses/sample/course.yaml",
        "pre_required: false",
        "pre_required: maybe",
        "courses/sample/course.yaml:12: pre_required must be true or false",
        id="pre-required-not-a-boolean",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), BROKEN)
def test_a_broken_bank_is_reported_at_its_file_and_line(content, file, old, new, expected):
    errors = errors_after_edit(content, file, old, new)
    assert any(error.startswith(expected) for error in errors), errors


@pytest.mark.parametrize(("questions", "line"), [("  questions: []\n", 40), ("", 35)])
def test_a_scenario_without_questions_is_reported(content: Path, questions: str, line: int):
    file = content / IND
    head, _ = file.read_text(encoding="utf-8").split("  questions:\n")  # the last entry's
    file.write_text(head + questions, encoding="utf-8")
    errors = errors_of(content)
    assert f"{IND}:{line}: a scenario needs a list of questions" in errors, errors


FIXED_FORMS = [
    pytest.param(
        "pre:\n  items: [ind-phone-call, sm-posts]\npost:\n  items: [ind-signs, ind-phone-call]\n",
        f"{FORMS}:3: pre and post share ind-phone-call: a judge would meet them twice",
        id="pre-and-post-share-an-entry",
    ),
    pytest.param(
        "pre:\n  items: [ind-phone-call, ind-phone-cal]\npost:\n  items: [ind-signs]\n",
        f"{FORMS}:2: no bank entry has the id 'ind-phone-cal'",
        id="unknown-entry",
    ),
    pytest.param(
        "post:\n  items:\n    - ind-signs\n    - ind-scenario-lunch-accept\n",
        f"{FORMS}:4: 'ind-scenario-lunch-accept' is a question of a scenario: list the scenario",
        id="scenario-question-instead-of-its-scenario",
    ),
]


@pytest.mark.parametrize(("forms", "expected"), FIXED_FORMS)
def test_fixed_forms_are_checked_against_the_bank(content: Path, forms: str, expected: str):
    (content / FORMS).write_text(forms, encoding="utf-8")
    errors = errors_of(content)
    assert any(error.startswith(expected) for error in errors), errors


def test_fixed_forms_load_in_the_written_order(content: Path):
    (content / FORMS).write_text(
        "pre:\n  items: [sm-posts, ind-phone-call]\n  shuffle: false\n"
        "post:\n  items: [ind-scenario-lunch, ind-signs]\n",
        encoding="utf-8",
    )
    course = load_catalog(content).course("sample")
    assert course.form("pre").fixed == ("sm-posts", "ind-phone-call")
    assert not course.form("pre").shuffle and course.form("post").size == 2


def test_a_bank_file_that_is_not_a_list_is_reported(content: Path):
    (content / BANK / "extra.yaml").write_text(
        "id: extra-question\ntype: true-false\n", encoding="utf-8"
    )
    errors = errors_of(content)
    assert any(
        e.startswith(f"{BANK}/extra.yaml:1: a bank file is a list of questions") for e in errors
    ), errors


def test_a_bank_without_forms_is_reported(content: Path):
    (content / FORMS).unlink()
    errors = errors_of(content)
    assert errors == [f"{FORMS}:0: the bank has no forms.yaml: say how pre and post are drawn"]


def test_a_bank_for_a_course_that_does_not_exist_is_reported(content: Path):
    shutil.copytree(content / BANK, content / "quizzes/ethics")
    errors = errors_of(content)
    assert errors == ["quizzes/ethics:0: no course named 'ethics' in courses/ for this bank"]


def test_content_check_warns_of_test_wise_cues(content: Path, runner):
    """An academy's bank whose right answers are the longest options gets a warning; the
    content still loads (a cue is a flaw of the test, not a broken file)."""
    bank = content / "quizzes/sample/independence.yaml"
    bank.write_text(
        bank.read_text()
        .replace(
            '"Ends the call and notes it in the file."',
            '"Ends the call at once, notes it in the file and tells the other party."',
        )
        .replace(
            '"No, and the judge should say why."',
            '"No, and the judge should say why, in writing, to both of the parties."',
        )
    )
    courses = {course["slug"]: course for course in catalog_summary(load_catalog(content))}
    summary = courses["sample"]["assessment"]["cues"]
    assert any("pick the longest option" in warning for warning in summary["warnings"])
    result = runner("content", "check", "--content-dir", str(content))
    assert result.exit_code == 0 and "warning: the question bank" in result.output
