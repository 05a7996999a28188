"""The assessment pages over HTTP: the learner's path, answer keys, bad input, double submits."""

from __future__ import annotations

import re
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, event, func, select, update

from elearning.assessments.models import Attempt, Response
from elearning.catalog import get_catalog
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import (
    FIXTURE_CONTENT,
    PASSWORD,
    POST,
    PRE,
    AuthActions,
    answer_all,
    attempt_id_of,
    complete_lessons,
    csrf_token_of,
    page_count,
    right_answers,
    start,
    token_of,
)


def test_the_learner_takes_the_entry_assessment_and_sees_a_baseline(client, app, enrolled):
    overview = client.get(PRE)
    assert "Start the assessment" in overview.text and "not pass or fail" in overview.text
    first = start(client, PRE)
    attempt_id = answer_all(client, app, first, right=True)
    results = client.get(f"/courses/sample/assessment/attempts/{attempt_id}/results")
    assert results.status_code == 200
    assert "Your answers are submitted." in results.text
    assert "100%" in results.text and "starting point" in results.text
    assert "Passed" not in results.text
    # Which answers were right, but not the key nor its explanations: others take this form.
    assert "Correct" in results.text and "Explanation" not in results.text
    assert "tag--right" not in results.text and "must not circulate" in results.text
    # Taken once: the overview no longer offers it, and starting again is refused.
    assert "Start the assessment" not in client.get(PRE).text
    again = client.post(f"{PRE}/start", data={"csrf_token": csrf_token_of(client, PRE)})
    assert again.status_code == 302
    assert "taken once" in client.get(again.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_the_final_assessment_opens_after_the_lessons_and_passing_shows_the_gain(
    client, app, enrolled
):
    answer_all(client, app, start(client, PRE), right=False)
    refused = client.post(f"{POST}/start", data={"csrf_token": csrf_token_of(client, POST)})
    assert "opens once every lesson is complete" in client.get(refused.headers["Location"]).text
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Attempt).where(Attempt.kind == "post")
            )
            == 0
        )
    complete_lessons(app)
    post_id = answer_all(client, app, start(client, POST), right=True)
    results = client.get(f"/courses/sample/assessment/attempts/{post_id}/results").text
    assert "Passed: the pass mark is 60%" in results
    assert "Compared with your entry assessment" in results
    assert "That is 100 points more than at the start." in results and "Normalised" not in results
    assert "Value 1: Independence" in results and "Social media" in results  # per-tag table
    assert "0%" in results  # the entry assessment's column
    dashboard = client.get("/dashboard").text
    assert "final assessment passed with 100%" in dashboard
    # The final assessment never repeats an entry-assessment question.
    with app.app_context():
        pre_entries = set(
            db.session.scalars(select(Response.entry_id).join(Attempt).where(Attempt.kind == "pre"))
        )
        post_entries = set(
            db.session.scalars(
                select(Response.entry_id).join(Attempt).where(Attempt.kind == "post")
            )
        )
        assert pre_entries and post_entries and not pre_entries & post_entries


def test_an_open_attempt_shows_no_answer_key_weight_or_explanation(client, app, enrolled):
    first = start(client, PRE)
    attempt_id = attempt_id_of(first)
    base = first.rsplit("/", 1)[0]
    bank = None
    with app.app_context():
        bank = get_catalog().course("sample").bank
    pages = [client.get(f"{base}/{page}") for page in range(1, page_count(app, attempt_id) + 1)]
    pages.append(client.get(f"{base}/review"))
    saved = client.post(
        f"{base}/1",
        data={"csrf_token": token_of(pages[0].text), "go": "stay"},
        headers={"X-Requested-With": "fetch"},
    )
    assert saved.status_code == 200 and set(saved.json) == {"saved", "saved_at"}
    for response in pages:
        html = response.text
        assert response.status_code == 200
        for question in bank.questions.values():
            for text in question.explanation.by_language.values():
                assert text not in html
        lowered = html.lower()
        for leak in (
            "correct",
            "explanation",
            "credit",
            "weight",
            "marks",
            "is_correct",
            "data-key",
        ):
            assert leak not in lowered, leak
        # Option values are positions on the page, never the author's keys.
        for value in re.findall(r'name="q-[^"]+" value="([^"]+)"', html):
            assert value.isdigit()
    with client.get("/static/assessment.js") as script:
        assert script.status_code == 200 and "correct" not in script.text.lower()


def test_answers_are_saved_as_the_learner_goes_and_resume_where_they_were(client, app, enrolled):
    first = start(client, PRE)
    attempt_id = attempt_id_of(first)
    base = first.rsplit("/", 1)[0]
    html = client.get(f"{base}/2").text
    fields = right_answers(app, attempt_id, 2)
    response = client.post(
        f"{base}/2",
        data={"csrf_token": token_of(html), "go": "stay", **fields},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200 and response.json["saved"] is True
    # A closed tab: starting again resumes the same attempt, on the page last saved.
    resumed = start(client, PRE)
    assert resumed == f"{base}/2"
    page = client.get(resumed).text
    for name, values in fields.items():
        for value in values:
            assert f'name="{name}" value="{value}" id="{name}-{value}" checked' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"q-sm-posts": ["1"]}, "not on this page"),  # a real question, of another page
        ({"q-ind-phone-call": ["99"]}, "not one of the options"),
        ({"q-ind-phone-call": ["1", "2"]}, "Choose one answer per question"),
        ({"q-ind-phone-call": ["<script>"]}, "not one of the options"),
    ],
)
def test_bad_answers_are_refused_with_a_message_and_change_nothing(
    client, app, enrolled, bad, message
):
    first = start(client, PRE)
    attempt_id = attempt_id_of(first)
    base = first.rsplit("/", 1)[0]
    with app.app_context():  # a known draw: ind-phone-call (one answer), then sm-posts
        db.session.execute(delete(Response).where(Response.attempt_id == attempt_id))
        for position, entry_id in enumerate(("ind-phone-call", "sm-posts")):
            db.session.add(
                Response(
                    attempt_id=attempt_id,
                    question_id=entry_id,
                    entry_id=entry_id,
                    position=position,
                )
            )
        db.session.commit()
    html = client.get(f"{base}/1").text
    assert 'name="q-ind-phone-call"' in html
    response = client.post(f"{base}/1", data={"csrf_token": token_of(html), "go": "next", **bad})
    assert response.status_code == 422
    assert message in response.text
    with app.app_context():
        stored = db.session.scalars(
            select(Response.selected).where(Response.attempt_id == attempt_id)
        )
        assert all(value is None for value in stored)


def test_someone_elses_attempt_is_not_found(client, app, enrolled, create_user, csrf):
    first = start(client, PRE)
    base = first.rsplit("/", 1)[0]
    other = create_user(email="other@example.org")
    assert other
    second = app.test_client()
    AuthActions(second, lambda path: csrf_token_of(second, path)).login("other@example.org")
    second.post(
        "/courses/sample/enrol", data={"csrf_token": csrf_token_of(second, "/courses/sample")}
    )
    token = csrf_token_of(second, PRE)
    for method, url, data in [
        ("get", f"{base}/1", None),
        ("post", f"{base}/1", {"csrf_token": token, "go": "next"}),
        ("get", f"{base}/review", None),
        ("post", f"{base}/submit", {"csrf_token": token}),
        ("get", f"{base}/results", None),
        ("get", "/courses/sample/assessment/attempts/999999/1", None),
    ]:
        response = getattr(second, method)(url, data=data)
        assert response.status_code == 404, (method, url)
    with app.app_context():
        assert db.session.scalar(select(Attempt.status)) == "open"


def test_a_double_submit_records_one_attempt(client, app, enrolled):
    first = start(client, PRE)
    attempt_id = attempt_id_of(first)
    base = first.rsplit("/", 1)[0]
    token = token_of(client.get(f"{base}/review").text)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def press() -> None:
        with app.test_client() as browser:
            cookie = client.get_cookie("elearning_session")
            browser.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
            barrier.wait()
            results.append(browser.post(f"{base}/submit", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302, 302]
    with app.app_context():
        attempts = db.session.scalars(select(Attempt)).all()
        assert len(attempts) == 1 and attempts[0].id == attempt_id
        assert attempts[0].status == "submitted" and attempts[0].score is not None
    # A third press, later, is told the attempt already counts.
    again = client.post(f"{base}/submit", data={"csrf_token": token})
    assert "already submitted; it counts once" in client.get(again.headers["Location"]).text


def test_answers_after_the_time_limit_are_not_recorded(client, app, enrolled):
    complete_lessons(app)
    first = start(client, POST)  # the sample's final assessment has a 30-minute limit
    attempt_id = attempt_id_of(first)
    base = first.rsplit("/", 1)[0]
    html = client.get(first).text
    assert "Time limit" in html
    with app.app_context():
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(deadline_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    fields = right_answers(app, attempt_id, 1)
    response = client.post(f"{base}/1", data={"csrf_token": token_of(html), "go": "next", **fields})
    assert response.status_code == 302 and response.headers["Location"].endswith("/results")
    results = client.get(response.headers["Location"]).text
    assert "Answers sent after it are not recorded" in results
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "submitted" and attempt.closed_by == "time" and attempt.score == 0
        assert all(
            r is None
            for r in db.session.scalars(
                select(Response.selected).where(Response.attempt_id == attempt_id)
            )
        )


def test_a_failed_final_attempt_waits_for_the_cooldown(client, app, enrolled):
    complete_lessons(app)
    attempt_id = answer_all(client, app, start(client, POST), right=False)
    results = client.get(f"/courses/sample/assessment/attempts/{attempt_id}/results").text
    assert "Not passed: the pass mark is 60%" in results and "You can try again from" in results
    refused = client.post(f"{POST}/start", data={"csrf_token": csrf_token_of(client, POST)})
    assert "You can try again from" in client.get(refused.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    # The dashboard says where the judge stands and when, with the way to their results.
    dashboard = client.get("/dashboard").text
    assert "Your last attempt at the final assessment scored 0%; the pass mark is 60%." in (
        dashboard
    )
    assert "You can try again from" in dashboard and f"attempts/{attempt_id}/results" in dashboard
    with app.app_context():  # a day later the second and last attempt is failed too
        attempt = db.session.get(Attempt, attempt_id)
        attempt.started_at -= timedelta(days=2)
        attempt.submitted_at -= timedelta(days=2)
        db.session.commit()
    last_id = answer_all(client, app, start(client, POST), right=False)
    dashboard = client.get("/dashboard").text
    assert "You have used every attempt at the final assessment; your best score was 0%." in (
        dashboard
    )
    assert f"attempts/{last_id}/results" in dashboard


@pytest.fixture
def gated(make_app, tmp_path: Path):
    """An app whose sample course requires the entry assessment before the lessons."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses/sample/course.yaml"
    course.write_text(course.read_text().replace("pre_required: false", "pre_required: true"))
    return make_app(CONTENT_DIR=str(root))


def test_a_required_entry_assessment_opens_the_lessons(gated, create_user):
    create_user(email="judge@example.org")
    browser = gated.test_client()
    AuthActions(browser, lambda path: csrf_token_of(browser, path)).login(
        "judge@example.org", PASSWORD
    )
    enrolled = browser.post(
        "/courses/sample/enrol", data={"csrf_token": csrf_token_of(browser, "/courses/sample")}
    )
    assert enrolled.headers["Location"] == PRE
    lesson = browser.get("/courses/sample/basics/first-lesson")
    assert lesson.status_code == 403 and "Take the entry assessment first" in lesson.text
    token = csrf_token_of(browser, PRE)
    complete = browser.post(
        "/courses/sample/basics/first-lesson/complete", data={"csrf_token": token}
    )
    assert complete.status_code == 403
    assert browser.get("/courses/sample/print").status_code == 403  # the whole course, printed
    assert "Take the entry assessment" in browser.get("/courses/sample").text
    assert "Start with the entry assessment" in browser.get("/dashboard").text
    answer_all(browser, gated, start(browser, PRE))
    assert browser.get("/courses/sample/basics/first-lesson").status_code == 200


def test_results_point_to_the_lessons_of_weak_topics_and_can_show_only_the_misses(
    client, app, enrolled
):
    complete_lessons(app)
    attempt_id = answer_all(client, app, start(client, POST), right=lambda page: page == 1)
    url = f"/courses/sample/assessment/attempts/{attempt_id}/results"
    results = client.get(url).text
    # Each weak topic links to the lessons that teach it.
    assert "Topics to review" in results
    start_at = results.index("Topics to review")
    weak = results[start_at : results.index("</ul>", start_at)]
    linked = set(re.findall(r'href="/courses/sample/([^/"]+)/([^/"#]+)"', weak))
    with app.app_context():
        course = get_catalog().course("sample")
        assert linked and all(course.lesson(module, lesson) for module, lesson in linked)
    # Every question has a heading a screen reader can jump to, numbered as in the attempt.
    total = results.count('class="answer__heading"')
    assert total >= 2 and "Question 1</h3>" in results
    assert "Show only the" in results
    missed = client.get(url, query_string={"missed": "1"}).text
    shown = missed.count('class="answer__heading"')
    assert 0 < shown < total and "Show every question" in missed
    assert "Question 1</h3>" not in missed  # page 1 was answered rightly


def test_a_page_save_and_a_submit_each_make_a_few_round_trips_to_the_database(
    client, app, enrolled
):
    """A room of judges submits at once, and on PostgreSQL every statement is a round trip:
    the last page's save and the submit send a handful each (the attempt read with its lock
    in one statement; the answers not read twice where rows lock)."""
    complete_lessons(app)
    first = start(client, POST)
    attempt_id = attempt_id_of(first)
    base = first.rsplit("/", 1)[0]
    last = page_count(app, attempt_id)
    html = client.get(f"{base}/{last}").text
    sent: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    answers = {"csrf_token": token_of(html), "go": "review"}
    answers.update(right_answers(app, attempt_id, last))
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.post(f"{base}/{last}", data=answers).status_code == 302
        saving, saved, sent[:] = len(sent), list(sent), []
        review = client.get(f"{base}/review").text
        sent.clear()
        submitted = client.post(f"{base}/submit", data={"csrf_token": token_of(review)})
        submitting = len(sent)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert submitted.headers["Location"].endswith("/results")
    # The user, the attempt (locked), its responses, the page's questions, the answers, the
    # page reached.
    assert saving <= 6, "\n".join(s[:60] for s in saved)
    # The user, the attempt (locked), its responses, the close, the credits, the certificate
    # owed (three), the report's mark (two, outside a cohort), and on SQLite the second read.
    assert submitting <= (10 if engine.dialect.name == "postgresql" else 11), submitting
