"""The reaction evaluation: who may answer it, one answer per judge, and what its trainers read
(nothing below five answers; then aggregates without names or order)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from elearning.accounts.models import Role
from elearning.cohorts.models import Cohort, ReactionAnswer
from elearning.extensions import db
from tests.helpers import browser_for, csrf_token_of


def answer(client, cohort_id, relevance=4, trainers=5, materials=3, apply="", change=""):
    """Send the judge's reaction form; the response of the POST."""
    path = f"/cohorts/{cohort_id}/evaluation"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token_of(client, path),
            "relevance": str(relevance),
            "trainers": str(trainers),
            "materials": str(materials),
            "will_apply": apply,
            "would_change": change,
        },
    )


def listed(page: str, heading_id: str) -> list[str]:
    """The free texts listed under a heading of the results page, in their order."""
    section = page.split(f'id="{heading_id}-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<li><bdi>(.*?)</bdi></li>", section)


@pytest.fixture
def trainer_client(app, trainer):
    return browser_for(app, trainer.email)


def test_trainer_reads_nothing_below_five_answers_then_aggregates_without_names(
    app, make_cohort, trainer, add_judge, trainer_client
):
    cohort = make_cohort(trainer)
    results = f"/cohorts/{cohort.id}/evaluation/results"
    names = [f"Magistrate Zed{n}" for n in range(5)]
    for n, name in enumerate(names[:4]):
        judge = add_judge(cohort, post=("right",), name=name)
        response = answer(
            browser_for(app, judge.email), cohort.id, relevance=5 - n % 2, apply=f"Recusal note {n}"
        )
        assert response.status_code == 302
    page = trainer_client.get(results).get_data(as_text=True)
    assert "4 judges have answered." in page
    assert "once at least 5 judges have answered" in page
    assert "Recusal note" not in page and "Mean" not in page

    judge = add_judge(cohort, post=("wrong",), name=names[4])
    answer(browser_for(app, judge.email), cohort.id, relevance=1, apply="Recusal note 4")
    page = trainer_client.get(results).get_data(as_text=True)
    assert "5 judges have answered." in page
    assert "Mean 3.8 out of 5" in page  # relevance: 5, 4, 5, 4, 1
    assert sorted(listed(page, "will_apply")) == [f"Recusal note {n}" for n in range(5)]
    assert not any(name in page for name in names)
    report = trainer_client.get(f"/cohorts/{cohort.id}/report").get_data(as_text=True)
    assert "5 judges have answered." in report and results in report


def test_free_texts_do_not_follow_the_order_of_answering(
    app, make_cohort, trainer, add_judge, trainer_client
):
    texts = [f"Change number {n}" for n in range(5)]
    orders = []
    for name, given in (("First", texts), ("Second", texts[::-1])):
        cohort = make_cohort(trainer, name=name)
        for text in given:
            judge = add_judge(cohort, post=("right",))
            answer(browser_for(app, judge.email), cohort.id, change=text)
        page = trainer_client.get(f"/cohorts/{cohort.id}/evaluation/results")
        orders.append(listed(page.get_data(as_text=True), "would_change"))
    assert sorted(orders[0]) == texts
    assert orders[0] == orders[1]


def test_a_second_submit_changes_the_one_answer_until_the_cohort_ends(
    app, make_cohort, trainer, add_judge
):
    cohort = make_cohort(trainer, ends_on=date(2099, 1, 1))
    judge = add_judge(cohort, post=("right",))
    client = browser_for(app, judge.email)
    assert "Evaluate the training" in client.get("/dashboard").get_data(as_text=True)
    answer(client, cohort.id, relevance=2, apply="Disclose early")
    answer(client, cohort.id, relevance=5, apply="Disclose at once")
    with app.app_context():
        rows = db.session.scalars(select(ReactionAnswer)).all()
        assert [(row.relevance, row.will_apply) for row in rows] == [(5, "Disclose at once")]
        db.session.get(Cohort, cohort.id).ends_on = date(2020, 1, 1)
        db.session.commit()
    page = client.get(f"/cohorts/{cohort.id}/evaluation").get_data(as_text=True)
    assert "It is now closed" in page and "Disclose at once" in page
    answer(client, cohort.id, relevance=1, apply="Too late")
    with app.app_context():
        assert db.session.scalar(select(ReactionAnswer.relevance)) == 5


def test_only_judges_of_the_cohort_who_sat_the_final_may_answer(
    app, make_cohort, trainer, add_judge, create_user
):
    cohort = make_cohort(trainer)
    not_yet = add_judge(cohort, pre="right")
    outsider = create_user()
    for judge in (not_yet, outsider):
        client = browser_for(app, judge.email)
        assert client.get(f"/cohorts/{cohort.id}/evaluation").status_code == 404
        assert answer(client, cohort.id).status_code == 404
        assert "Evaluate the training" not in client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReactionAnswer)) == 0


def test_results_are_for_the_cohorts_trainers_and_admins(app, make_cohort, trainer, create_user):
    cohort = make_cohort(trainer)
    results = f"/cohorts/{cohort.id}/evaluation/results"
    other = create_user(role=Role.trainer)
    admin = create_user(role=Role.admin)
    assert browser_for(app, other.email).get(results).status_code == 404
    assert browser_for(app, admin.email).get(results).status_code == 200
    judge = create_user()
    assert browser_for(app, judge.email).get(results).status_code == 403


def test_a_rating_out_of_the_scale_is_refused(app, make_cohort, trainer, add_judge):
    cohort = make_cohort(trainer)
    client = browser_for(app, add_judge(cohort, post=("right",)).email)
    response = answer(client, cohort.id, relevance=9)
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReactionAnswer)) == 0
