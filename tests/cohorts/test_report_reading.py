"""The report that reads in a minute: both gains and what reconciles them, the item analysis a
page at a time with too few answers said as such, the comparison with earlier cohorts, and the
summary PDF."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import render_template

from elearning.accounts.models import Role
from elearning.cohorts import comparison, item_listing, logic, report
from elearning.cohorts.models import Cohort
from elearning.extensions import db
from tests.helpers import PASSWORD, AuthActions, csrf_token_of, pdf_text

# --- the two gains ----------------------------------------------------------------------------


def _paired(scores: list[tuple[float, float]]) -> logic.PairedComparison:
    differences = [post - pre for pre, post in scores]
    return logic.paired_comparison(
        len(scores),
        sum(pre for pre, _ in scores),
        sum(post for _, post in scores),
        sum(differences),
        sum(d * d for d in differences),
    )


def _gains(scores: list[tuple[float, float]]) -> logic.GainReading:
    gains = [(post - pre) / (100 - pre) for pre, post in scores if pre < 100]
    return logic.read_gains(len(gains), sum(gains), sum(g * g for g in gains), _paired(scores))


def test_hakes_class_average_gain_uses_the_mean_scores():
    assert logic.class_average_gain(40.0, 70.0) == pytest.approx(0.5)
    assert logic.class_average_gain(100.0, 100.0) is None  # no room to gain
    assert logic.class_average_gain(None, 70.0) is None
    assert logic.class_average_gain(50.0, 40.0) == pytest.approx(-0.2)


def test_a_few_high_entrants_who_slip_pull_the_mean_of_individual_gains_down():
    # Eight judges from 40 to 70 (gain 0.5 each); two from 90 to 80 (gain −1 each).
    scores = [(40.0, 70.0)] * 8 + [(90.0, 80.0)] * 2
    reading = _gains(scores)
    assert reading.individual == pytest.approx(0.2)  # (8 × 0.5 − 2) ÷ 10: "low"
    assert reading.class_average == pytest.approx((72.0 - 50.0) / 50.0)  # 0.44: "medium"
    assert (reading.individual_band, reading.class_band) == ("low", "medium")
    assert reading.disagreement == "individual-lower"
    assert reading.is_significant and reading.is_significant_but_low
    low, high = reading.individual_interval
    assert low < reading.individual < high


def test_the_report_says_why_the_gains_disagree_and_that_both_readings_hold(app):
    reading = _gains([(40.0, 70.0)] * 8 + [(90.0, 80.0)] * 2)
    with app.test_request_context("/"):
        text = render_template(
            "cohorts/_report_gains_reading.html",
            report=SimpleNamespace(gains=reading),
            cohort=SimpleNamespace(id=1),
        )
    assert "a few such judges pull the mean down" in text
    assert "statistically significant" in text and "both are true" in text
    assert "/cohorts/1/roster?sort=gain&amp;order=asc" in text
    agreeing = _gains([(40.0, 70.0), (50.0, 75.0), (30.0, 65.0)])
    with app.test_request_context("/"):
        quiet = render_template(
            "cohorts/_report_gains_reading.html",
            report=SimpleNamespace(gains=agreeing),
            cohort=SimpleNamespace(id=1),
        )
    assert quiet.strip() == ""


def test_gains_in_the_same_band_need_no_reconciling():
    reading = _gains([(40.0, 70.0), (50.0, 75.0), (30.0, 65.0)])
    assert reading.individual_band == reading.class_band == "medium"
    assert reading.disagreement is None and not reading.is_significant_but_low


# --- the item analysis, a page at a time -------------------------------------------------------


def _item(question_id: str, n: int, right: int, tags=("a",), entry_id=None) -> report.ItemResult:
    sums = logic.ItemSums(n, right, right, n * 5.0, n * 30.0, right * 6.0)
    return report.ItemResult(question_id, entry_id or question_id, tags, "stem", sums, None)


def test_bad_listing_arguments_are_ignored():
    args = {"sort": "drop table", "order": "sideways", "topic": "x", "form": "Z", "page": "9e9"}
    assert item_listing.item_query(args, {"a"}, {"A"}) == item_listing.ItemQuery()
    huge = item_listing.item_query({"page": "99999999999999"}, {"a"}, {"A"})
    assert huge.page == item_listing.LAST_PAGE
    kept = item_listing.item_query(
        {"sort": "facility", "order": "desc", "flagged": "1", "topic": "a", "form": "A"},
        {"a"},
        {"A"},
    )
    # A link to the next page keeps every choice; a new sort goes back to the first page.
    assert kept.args(page=2) == {
        "sort": "facility", "order": "desc", "flagged": "1", "topic": "a", "form": "A", "page": 2,
    }  # fmt: skip
    assert "page" not in kept.args(sort="answers")


def test_questions_with_too_few_answers_have_no_statistics_and_sort_last():
    few = _item("few", n=3, right=3)  # facility 1.0 on three judges: not a finding
    items = [few, _item("easy", 20, 19), _item("hard", 20, 4, tags=("b",), entry_id="e2")]
    assert not item_listing.has_enough_answers(few) and logic.item_flags(few.both) == ()

    def listed(**query):
        page = item_listing.list_items(
            items,
            item_listing.ItemQuery(**query),
            flagged={"easy", "hard"},
            forms={"A": {"e2"}},
            topic_order={"a": 0, "b": 1},
            per_page=2,
        )
        return [item.question_id for item in page.rows], page.total, page.page

    assert listed(sort="facility") == (["hard", "easy"], 3, 1)
    assert listed(sort="facility", descending=True) == (["easy", "hard"], 3, 1)
    assert listed(sort="facility", page=2) == (["few"], 3, 2)
    assert listed(sort="facility", page=50) == (["few"], 3, 2)  # past the end: the last page
    assert listed(flagged_only=True) == (["easy", "hard"], 2, 1)
    assert listed(topic="b") == (["hard"], 1, 1)
    assert listed(form="A") == (["hard"], 1, 1)


# --- pages -------------------------------------------------------------------------------------


def _signed_in(app, email):
    client = app.test_client()
    AuthActions(client, lambda path: csrf_token_of(client, path)).login(email, PASSWORD)
    return client


def test_the_page_filters_the_items_and_marks_too_few_answers(app, make_cohort, trainer, add_judge):
    cohort = make_cohort(trainer)
    add_judge(cohort, pre="wrong", lessons=3, post=["right"])
    client = _signed_in(app, trainer.email)
    page = client.get(f"/cohorts/{cohort.id}/report?sort=nonsense&page=abc&topic=unknown&form=Z")
    assert page.status_code == 200
    assert "Summary" in page.text and 'href="#items"' in page.text
    assert "<details open" in page.text
    # One judge: every question has too few answers, so no facility and no flag.
    assert "too few answers (fewer than 10)" in page.text
    assert 'class="tag tag--wrong"' not in page.text
    flagged = client.get(f"/cohorts/{cohort.id}/report?flagged=1")
    assert "0 questions match." in flagged.text and "No question matches" in flagged.text
    rows = client.get(f"/cohorts/{cohort.id}/items.csv").data.decode("utf-8-sig").splitlines()
    assert "Too few answers" in rows[0] and len(rows) > 2


def test_the_comparison_lists_only_the_viewers_earlier_cohorts(
    app, course, make_cohort, trainer, create_user, add_judge
):
    other = create_user(email="other-trainer@example.org", role=Role.trainer)
    first = make_cohort(trainer, name="First intake")
    someone_elses = make_cohort(other, name="Someone else's intake")
    add_judge(first, pre="wrong", lessons=3, post=["right"])
    current = make_cohort(trainer, name="Second intake")
    later = make_cohort(trainer, name="Later intake")
    with app.app_context():
        cohort = db.session.get(Cohort, current.id)
        lines = comparison.compare(
            db.session, cohort, course, db.session.get(type(trainer), trainer.id)
        )
        assert [line.cohort.name for line in lines] == ["Second intake", "First intake"]
        assert lines[0].is_current and lines[0].judges == 0 and lines[0].pass_rate is None
        assert lines[1].judges == 1 and lines[1].pass_rate == 1.0
        assert lines[1].gains.individual == pytest.approx(1.0)
    page = _signed_in(app, trainer.email).get(f"/cohorts/{current.id}/report")
    assert "First intake" in page.text
    assert someone_elses.name not in page.text and later.name not in page.text


def test_the_summary_pdf_has_a_few_pages_with_the_key_figures(app, make_cohort, trainer, add_judge):
    cohort = make_cohort(trainer, name="Academy intake 2027")
    add_judge(cohort, pre="wrong", lessons=3, post=["right"])
    add_judge(cohort, pre="wrong", lessons=3, post=["wrong"])
    client = _signed_in(app, trainer.email)
    url = f"/cohorts/{cohort.id}/report-summary.pdf"
    preparing = client.get(url)
    assert preparing.status_code == 202 and url in preparing.text
    pdf = client.get(url)  # the job rendered it after the first request's commit
    assert pdf.mimetype == "application/pdf"
    assert "report-summary" in pdf.headers["Content-Disposition"]
    pages = pdf_text(pdf.data).split("\f")
    text = "\f".join(pages)
    assert 3 <= len([p for p in pages if p.strip()]) <= 6
    assert "Academy intake 2027" in text and "Summary" in text
    assert "Pass rate" in text and "1 passed of 2 who sat the final" in text
    assert "Class-average gain (Hake)" in text and "Flagged questions" in text
    assert "Entry and final scores by topic" in text and "Score distributions" in text
    assert "Paired comparison" not in text  # the full report's, not the summary's
    full = client.get(f"/cohorts/{cohort.id}/report.pdf")
    assert full.status_code == 202  # the full report is its own rendering
