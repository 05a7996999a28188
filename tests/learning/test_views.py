"""The learner's pages over HTTP: access, enrolment, lessons, checks, progress, print version."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import event

from elearning.extensions import db
from elearning.learning import logic
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"  # poppler-utils, from .ci/run
LESSON = "/courses/sample/basics/first-lesson"
SECOND = "/courses/sample/basics/second-lesson"


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counted: ...`` then ``counted[0]`` is the number of statements."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counted = [0]

        def before(*args):
            counted[0] += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counted
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


def rows(app, model):
    with app.app_context():
        return db.session.query(model).all()


@pytest.mark.parametrize(
    "path", [LESSON, "/courses/sample/basics", "/courses/sample/print", "/courses/sample/print.pdf"]
)
def test_lessons_need_a_signed_in_user(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_the_catalog_and_course_page_are_public(client):
    catalog = client.get("/courses/")
    assert catalog.status_code == 200 and "Sample course" in catalog.text
    assert "through a cohort only" in catalog.text  # the closed course says so
    course = client.get("/courses/sample")
    assert "Basics" in course.text and "12 minutes" in course.text and "Sign in" in course.text


def test_unknown_addresses_are_404(client, enrolled):
    for path in (
        "/courses/nope",
        "/courses/sample/nope",
        "/courses/sample/basics/nope",
        "/courses/sample/practice/first-lesson",
    ):
        assert client.get(path).status_code == 404, path


def test_a_lessons_figure_reaches_its_judges_and_can_run_nothing(client, enrolled):
    lesson = client.get("/courses/sample/basics/second-lesson").text
    address = re.search(r'<img src="\.\./media/([^"]+)"', lesson).group(1).replace("&amp;", "&")
    figure = client.get(f"/courses/sample/media/{address}")
    assert figure.status_code == 200 and figure.mimetype == "image/svg+xml"
    assert b"arm's length" in figure.data
    policy = figure.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy  # opened alone: no script
    assert "immutable" in figure.headers["Cache-Control"]  # its address changes with it
    again = client.get(figure.request.path, headers={"If-None-Match": figure.headers["ETag"]})
    assert again.status_code == 304
    figure.close()
    again.close()  # (a server closes the file it sent; the test client leaves that to us)
    for path in ("..%2Fcourse.yaml", "nope.svg", "distance.svg%00", "%2E%2E"):
        assert client.get(f"/courses/sample/media/{path}").status_code == 404, path


def test_a_learner_not_enrolled_gets_a_page_offering_enrolment(client, judge):
    response = client.get(LESSON)
    assert response.status_code == 403
    assert "You are not enrolled in this course" in response.text
    assert 'action="/courses/sample/enrol"' in response.text
    assert client.get("/courses/sample/print").status_code == 403


def test_enrolling_opens_the_first_lesson(client, judge, csrf, app):
    response = client.post("/courses/sample/enrol", data={"csrf_token": csrf("/courses/sample")})
    assert response.headers["Location"] == LESSON
    page = client.get(LESSON)
    assert page.status_code == 200 and "<h1>The first lesson</h1>" in page.text
    assert len(rows(app, Enrolment)) == 1


def test_enrolment_without_a_csrf_token_changes_nothing(client, judge, app):
    response = client.post("/courses/sample/enrol", data={})
    assert response.status_code in (302, 400)
    assert rows(app, Enrolment) == []


def test_cohort_only_courses_cannot_be_joined_alone(client, judge, csrf, app):
    response = client.post(
        "/courses/closed/enrol", data={"csrf_token": csrf("/courses/sample")}, follow_redirects=True
    )
    assert "ask your trainer for a join code" in response.text
    assert rows(app, Enrolment) == []


def test_the_lesson_page_never_contains_feedback_or_the_right_answer(client, enrolled):
    page = client.get(LESSON).text
    assert "Who decides the case?" in page and "The loudest party" in page
    assert "the executive has no say" not in page  # feedback of an option
    assert "on the facts and the law alone" not in page
    assert "correct" not in page.lower().replace("incorrect", "")


def test_answering_a_check_without_javascript_shows_its_feedback(client, enrolled, csrf, app):
    token = csrf(LESSON)
    response = client.post(
        f"{LESSON}/checks/first-check", data={"csrf_token": token, "selected": "a"}
    )
    assert response.headers["Location"] == f"{LESSON}#check-first-check"
    page = client.get(LESSON).text
    assert "the executive has no say" in page and "Not quite" in page
    assert "on the facts and the law alone" not in page  # the right option's feedback stays hidden
    client.post(f"{LESSON}/checks/first-check", data={"csrf_token": token, "selected": "b"})
    page = client.get(LESSON).text
    assert "That&#39;s right." in page or "That's right." in page
    (answer,) = rows(app, CheckAnswer)
    assert answer.selected == "b" and answer.is_correct and answer.tries == 2


def test_answering_inline_returns_just_the_check(client, enrolled, csrf):
    response = client.post(
        f"{SECOND}/checks/many-check",
        data={"csrf_token": csrf(SECOND), "selected": ["a", "c"]},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="check" id="check-many-check"')
    assert "private contact with a party" in response.text  # feedback on a (right)
    assert "the proper channel" in response.text  # feedback on c (wrong)
    assert "an inducement" not in response.text  # b was not chosen
    assert "a right one is missing" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose an answer first."),
        ({"selected": ["a", "b"]}, "Choose one answer."),
        ({"selected": "z"}, "That answer is not one of the options."),
    ],
)
def test_bad_answers_get_a_message_and_store_nothing(client, enrolled, csrf, app, data, message):
    response = client.post(
        f"{LESSON}/checks/first-check",
        data={"csrf_token": csrf(LESSON), **data},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 422 and message in response.text
    assert rows(app, CheckAnswer) == []


def test_each_judge_reads_their_own_answers_and_progress_in_a_lesson(
    client, enrolled, csrf, create_user, auth
):
    """The lesson's words are rendered once for everyone; a judge's answers, progress and
    completion are still their own on every view."""
    client.post(f"{LESSON}/checks/first-check", data={"csrf_token": csrf(LESSON), "selected": "a"})
    client.post(f"{LESSON}/complete", data={"csrf_token": csrf(LESSON), "state": "complete"})
    mine = client.get(LESSON).text
    assert "Not quite" in mine and "the executive has no say" in mine
    assert "33% complete · 1 of 3 lessons" in mine and "Mark as not complete" in mine
    auth.logout()
    create_user(email="other@example.org")
    auth.login("other@example.org")
    client.post("/courses/sample/enrol", data={"csrf_token": csrf("/courses/sample")})
    theirs = client.get(LESSON).text
    assert "Not quite" not in theirs and "the executive has no say" not in theirs
    assert "0% complete · 0 of 3 lessons" in theirs and "Mark as not complete" not in theirs
    # The remembered page's forms (the check's, the completion's) carry this reader's token.
    check_token, completion_token = re.findall(
        r'name="csrf_token" type="hidden" value="([^"]+)"', theirs
    )[-2:]
    client.post(f"{LESSON}/checks/first-check", data={"csrf_token": check_token, "selected": "b"})
    client.post(f"{LESSON}/complete", data={"csrf_token": completion_token, "state": "complete"})
    theirs = client.get(LESSON).text
    assert "check__verdict--right" in theirs and "Mark as not complete" in theirs


def test_a_check_that_is_not_in_the_lesson_is_404(client, enrolled, csrf):
    response = client.post(
        f"{LESSON}/checks/many-check", data={"csrf_token": csrf(LESSON), "selected": "a"}
    )
    assert response.status_code == 404


def test_marking_complete_moves_the_progress_and_goes_on(client, enrolled, csrf, app):
    response = client.post(
        f"{LESSON}/complete", data={"csrf_token": csrf(LESSON), "state": "complete"}
    )
    assert response.headers["Location"] == SECOND
    course = client.get("/courses/sample").text
    assert "33% complete · 1 of 3 lessons" in course
    assert "50% complete · 1 of 2 lessons" in course  # the Basics module
    assert "Continue: The second lesson" in course
    dashboard = client.get("/dashboard").text
    assert "Continue where you left off: The second lesson" in dashboard
    # Twice is still once; then undone.
    client.post(f"{LESSON}/complete", data={"csrf_token": csrf(LESSON), "state": "complete"})
    assert len(rows(app, LessonCompletion)) == 1
    client.post(f"{LESSON}/complete", data={"csrf_token": csrf(LESSON), "state": "incomplete"})
    assert rows(app, LessonCompletion) == []


def test_the_last_lesson_leads_back_to_the_course(client, enrolled, csrf):
    last = "/courses/sample/practice/online-life"
    response = client.post(f"{last}/complete", data={"csrf_token": csrf(last), "state": "complete"})
    assert response.headers["Location"] == "/courses/sample"


def test_a_bad_completion_form_changes_nothing(client, enrolled, csrf, app):
    client.post(f"{LESSON}/complete", data={"csrf_token": csrf(LESSON), "state": "nonsense"})
    client.post(f"{LESSON}/complete", data={"state": "complete"})
    assert rows(app, LessonCompletion) == []


def test_sequential_lessons_are_locked_until_the_earlier_ones_are_done(client, judge, csrf):
    client.post("/courses/steps/enrol", data={"csrf_token": csrf("/courses/steps")})
    step_two = "/courses/steps/only/step-two"
    locked = client.get(step_two)
    assert locked.status_code == 403 and "This lesson is not open yet" in locked.text
    assert 'href="/courses/steps/only/step-one"' in locked.text
    token = csrf("/courses/steps/only/step-one")
    assert (
        client.post(
            f"{step_two}/complete", data={"csrf_token": token, "state": "complete"}
        ).status_code
        == 403
    )
    client.post(
        "/courses/steps/only/step-one/complete", data={"csrf_token": token, "state": "complete"}
    )
    assert client.get(step_two).status_code == 200


def test_the_lesson_follows_the_learners_language_and_falls_back_to_english(
    client, enrolled, app, create_user, auth
):
    french = client.get(LESSON, headers={"Accept-Language": "fr"}).text
    assert "La première leçon" in french and 'lang="fr"' in french
    second = client.get(SECOND, headers={"Accept-Language": "fr"}).text
    assert "The second lesson" in second and '<article class="lesson" lang="en"' in second


def test_the_lesson_page_costs_the_same_queries_however_far_the_learner_is(
    client, enrolled, csrf, count_queries
):
    client.get(LESSON)
    with count_queries() as at_start:
        client.get(SECOND)
    for path in (LESSON, SECOND, "/courses/sample/practice/online-life"):
        client.post(f"{path}/complete", data={"csrf_token": csrf(path), "state": "complete"})
    client.post(f"{SECOND}/checks/many-check", data={"csrf_token": csrf(SECOND), "selected": "a"})
    with count_queries() as at_end:
        client.get(SECOND)
    with count_queries() as course_page:
        client.get("/courses/sample")
    assert at_start[0] == at_end[0] <= 5
    assert course_page[0] <= 5


def test_the_printable_course_has_every_lesson_and_the_answers_at_the_end(client, enrolled):
    page = client.get("/courses/sample/print")
    assert page.status_code == 200
    text = page.text
    for title in ("The first lesson", "The second lesson", "Online life", "Contents"):
        assert title in text
    assert text.index("Who decides the case?") < text.index(
        "Knowledge checks: answers and feedback"
    )
    assert "the executive has no say" in text  # self-study: the feedback is in the document
    assert 'href="#lesson-basics-second-lesson"' in text


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as poppler's pdftotext reads it."""
    result = subprocess.run(  # noqa: S603 - a fixed command on our own bytes
        [PDFTOTEXT, "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


def fetch(client, path: str):
    """GET a file response and close it (the file stays open until the response is closed)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def test_the_pdf_is_rendered_once_and_then_served_from_storage(client, enrolled, app):
    first = fetch(client, "/courses/sample/print.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text = pdf_text(first.data)
    for expected in (
        "Sample course",
        "Contents",
        "The first lesson",
        "Who decides the case?",
        "Knowledge checks: answers and feedback",
        "Notes",
    ):
        assert expected in text, expected
    assert re.search(r"The second lesson \.+ 3", text)  # the contents give page numbers
    stored = list((Path(app.instance_path) / "documents").glob("sample-*-en.pdf"))
    assert len(stored) == 1
    stored[0].write_bytes(first.data + b"%stored")  # what is served next is the stored file
    assert fetch(client, "/courses/sample/print.pdf").data.endswith(b"%stored")
    assert fetch(client, "/courses/sample/print.pdf?lang=de").status_code == 404
    french = fetch(client, "/courses/sample/print.pdf?lang=fr")
    assert "La première leçon" in pdf_text(french.data)


def test_completion_is_reachable_from_the_top_and_a_module_says_where_to_start(
    client, enrolled, csrf
):
    page = client.get(LESSON).text
    assert 'href="#completion"' in page and 'id="completion"' in page
    assert page.index('href="#completion"') < page.index("Who decides the case?")
    module = client.get("/courses/sample/basics").text
    assert "Start this module: The first lesson" in module
    client.post(f"{LESSON}/complete", data={"csrf_token": csrf(LESSON), "state": "complete"})
    module = client.get("/courses/sample/basics").text
    assert "Continue this module: The second lesson" in module


def test_a_long_lesson_lists_its_sections_at_the_top():
    class Block:
        def __init__(self, html):
            self.html = html

    sections = [Block(f'<h2 id="part-{n}">Part <em>{n}</em></h2><p>Text</p>') for n in range(3)]
    assert logic.contents(sections) == [(f"part-{n}", f"Part {n}") for n in range(3)]
    assert logic.contents(sections[:2]) == []  # a short lesson needs no contents
