"""The follow-up evaluation three months on (Kirkpatrick level 3): each judge is e-mailed once
when their moment comes, answers once through their own signed link, and the trainers read the
answers together from five on."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from elearning.assessments.models import Attempt
from elearning.audit.models import AuditEvent
from elearning.cohorts import follow_ups
from elearning.cohorts.models import Cohort, CohortMember, CohortSession, FollowUpAnswer
from elearning.extensions import db
from elearning.outbox.models import OutboxMessage
from tests.helpers import browser_for, csrf_token_of


def passed_at(app, judge) -> datetime:
    """When the judge passed the final assessment."""
    with app.app_context():
        return db.session.scalar(
            select(Attempt.submitted_at)
            .join(CohortMember, CohortMember.enrolment_id == Attempt.enrolment_id)
            .where(CohortMember.user_id == judge.id, Attempt.is_passed.is_(True))
        )


def run_job(app, now: datetime) -> int:
    """The hourly job's work at ``now``: how many judges it e-mailed."""
    with app.app_context():
        asked = follow_ups.queue_due(db.session, now)
        db.session.commit()
        return asked


def follow_up_mails(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "cohort_follow_up")
        ).all()


def answer(client, link, frequency="regularly", obstacles=("caseload",), **texts):
    """Send the follow-up form at ``link``; the response of the POST."""
    return client.post(
        link,
        data={
            "csrf_token": csrf_token_of(client, link),
            "applied": texts.get("applied", ""),
            "frequency": frequency,
            "obstacles": list(obstacles),
            "obstacle_other": texts.get("other", ""),
            "further_training": texts.get("training", ""),
        },
    )


def test_each_judge_is_asked_once_when_their_months_have_passed_and_only_if_the_cohort_asks(
    app, make_cohort, trainer, add_judge, mailbox
):
    asking = make_cohort(trainer, name="Asks after three months")  # the default: 3 months
    silent = make_cohort(trainer, name="Does not ask", follow_up_months=None)
    judge = add_judge(asking, post=("right",), email="asked@example.org", preferred_language="fr")
    add_judge(asking, pre="wrong", email="not-done@example.org")  # no pass, no end date
    add_judge(silent, post=("right",), email="silent@example.org")
    due = datetime.combine(
        follow_ups.due_on(passed_at(app, judge).date(), 3), datetime.min.time()
    ).replace(tzinfo=passed_at(app, judge).tzinfo)

    assert run_job(app, due - timedelta(days=1)) == 0
    assert run_job(app, due + timedelta(hours=9)) == 1
    assert run_job(app, due + timedelta(hours=10)) == 0  # run again: still one
    assert run_job(app, due + timedelta(days=20)) == 0
    mails = follow_up_mails(app)
    assert [(m.recipient, m.language, m.status) for m in mails] == [
        ("asked@example.org", "fr", "sent")
    ]
    (sent,) = mailbox.to("asked@example.org")
    assert "Cours d'exemple" in sent["Subject"]  # in the judge's language
    assert re.search(r"https?://\S+/cohorts/\d+/follow-up/\S+", sent.get_content())
    assert mailbox.to("silent@example.org") == [] and mailbox.to("not-done@example.org") == []


def test_a_judge_finished_long_before_the_cohort_started_asking_is_not_asked(
    app, make_cohort, trainer, add_judge
):
    cohort = make_cohort(trainer)
    judge = add_judge(cohort, post=("right",))
    long_after = passed_at(app, judge) + timedelta(days=31 * 5)
    assert run_job(app, long_after) == 0


@pytest.fixture
def asked(app, make_cohort, trainer, add_judge, mailbox):
    """A cohort of six judges who passed, e-mailed the follow-up evaluation; their clients and
    the path of each one's link."""
    cohort = make_cohort(trainer)
    judges = [add_judge(cohort, post=("right",), name=f"Justice Zed{n}") for n in range(6)]
    assert run_job(app, passed_at(app, judges[0]) + timedelta(days=92)) == 6
    return cohort, [(browser_for(app, j.email), mailbox.last_link(j.email)) for j in judges]


def test_the_form_is_its_judge_s_own_saves_once_and_refuses_bad_input(app, asked):
    cohort, judges = asked
    (mine, link), (other, other_link) = judges[0], judges[1]
    page = mine.get(link)
    assert page.status_code == 200 and "What have you applied?" in page.text
    assert 'name="csrf_token"' in page.text
    # Another judge's link, a tampered one, another cohort's: the same 404 as a guess.
    assert other.get(link).status_code == 404
    assert mine.get(other_link).status_code == 404
    assert mine.get(link[:-2] + "xx").status_code == 404
    assert mine.get(link.replace(f"/{cohort.id}/", f"/{cohort.id + 1}/")).status_code == 404
    assert app.test_client().get(link).status_code == 302  # to sign in

    for bad in ({"frequency": "always"}, {"frequency": ""}, {"obstacles": ["bribes"]}):
        response = answer(mine, link, **bad)
        assert response.status_code == 200 and 'role="alert"' in response.text
    no_token = mine.post(link, data={"frequency": "once"})
    assert no_token.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FollowUpAnswer)) == 0

    saved = answer(mine, link, obstacles=("caseload", "other"), other="No time", applied="Recusal")
    assert saved.status_code == 302
    again = answer(mine, link, frequency="never", applied="Changed my mind")
    assert again.status_code == 200 and "cannot change" in again.text
    with app.app_context():
        (kept,) = db.session.scalars(select(FollowUpAnswer)).all()
        assert (kept.frequency, kept.obstacles, kept.obstacle_other, kept.applied) == (
            "regularly",
            ["caseload", "other"],
            "No time",
            "Recusal",
        )


def test_the_report_shows_the_answers_together_from_five_on(app, asked, trainer):
    cohort, judges = asked
    report = f"/cohorts/{cohort.id}/report"
    trainer_client = browser_for(app, trainer.email)
    frequencies = ["regularly", "regularly", "several", "never", "once"]
    for n, ((client, link), frequency) in enumerate(zip(judges, frequencies, strict=False)):
        obstacles = ("caseload", "support") if n % 2 else ("caseload",)
        assert answer(client, link, frequency, obstacles, training=f"Wish {n}").status_code == 302
        page = trainer_client.get(report).text
        section = page.split('id="follow-up"', 1)[1].split("</section>", 1)[0]
        if n < 4:
            assert f"{n + 1} of 6 judges asked have answered." in section
            assert "once at least 5 judges have answered" in section
            assert "Wish" not in section and "Applied at work" not in section
    assert "5 of 6 judges asked have answered." in section
    assert "Applied at work: 4 of 5 who answered." in section
    assert re.findall(r'<td class="num">(\d+)</td>', section)[:4] == ["1", "1", "1", "2"]
    assert '<th scope="row">Caseload</th><td class="num">5</td>' in section
    assert sorted(re.findall(r"<bdi>(Wish \d)</bdi>", section)) == [f"Wish {n}" for n in range(5)]
    assert "Justice Zed" not in section


def test_the_trainer_chooses_when_the_judges_are_asked_or_that_they_are_not(app, trainer):
    client = browser_for(app, trainer.email)
    created = client.post(
        "/cohorts/new",
        data={"csrf_token": csrf_token_of(client, "/cohorts/new"), "name": "X", "course": "sample"},
    )  # the form's first choice: as the course says (the sample course says nothing: 3 months)
    assert created.status_code == 302
    cohort = SimpleNamespace(id=int(created.headers["Location"].rsplit("/", 1)[1]))
    path = f"/cohorts/{cohort.id}/edit"
    assert '<option selected value="3">3 months after the course</option>' in client.get(path).text

    def save(months: str):
        return client.post(
            path, data={"csrf_token": csrf_token_of(client, path), "name": "X", "follow_up": months}
        )

    assert save("25").status_code == 200  # not one of the choices: refused, nothing changed
    assert save("").status_code == 302
    assert save("6").status_code == 302
    with app.app_context():
        assert db.session.get(Cohort, cohort.id).follow_up_months == 6
        assert db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("cohort.follow_up%"))
            .order_by(AuditEvent.id)
        ).all() == ["cohort.follow_up_switched_off", "cohort.follow_up_set"]


def test_the_dashboard_leads_a_judge_to_the_follow_up_until_they_answer(app, asked):
    """A judge who lost the e-mail finds the same form from their dashboard, until they answer;
    a judge not asked (or of a cohort without sessions) sees neither it nor an agenda link."""
    cohort, judges = asked
    (mine, link), (other, _) = judges[0], judges[1]
    dashboard = mine.get("/dashboard").text
    assert f'href="{link}"' in dashboard
    assert "Workshop agenda" not in dashboard  # the cohort has no sessions
    assert answer(mine, link).status_code == 302
    assert "Tell us what you have applied" not in mine.get("/dashboard").text
    assert f'href="{link}"' not in other.get("/dashboard").text  # their own link, not this one
    with app.app_context():
        db.session.add(
            CohortSession(
                cohort_id=cohort.id,
                title="Opening",
                held_on=date(2027, 3, 1),
                starts_at=time(9),
                ends_at=time(10),
            )
        )
        db.session.commit()
    assert f'href="/cohorts/{cohort.id}/agenda"' in mine.get("/dashboard").text
