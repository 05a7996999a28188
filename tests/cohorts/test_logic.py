"""The report's statistics, from sums: checked against direct computation."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elearning.cohorts import logic


def sums_of(xs, ys):
    return logic.ItemSums(
        n=len(xs),
        sum_x=sum(xs),
        sum_x2=sum(x * x for x in xs),
        sum_y=sum(ys),
        sum_y2=sum(y * y for y in ys),
        sum_xy=sum(x * y for x, y in zip(xs, ys, strict=True)),
    )


@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.5, 1.0]), st.integers(0, 30)), min_size=3, max_size=60
    )
)
def test_discrimination_is_the_pearson_correlation(pairs):
    xs = [float(x) for x, _ in pairs]
    ys = [float(y) for _, y in pairs]
    r = logic.discrimination(sums_of(xs, ys))
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        assert r is None
    else:
        assert r == pytest.approx(statistics.correlation(xs, ys), abs=1e-9)


def test_facility_is_the_mean_credit_and_flags_need_ten_answers():
    nine = sums_of([1.0] * 9, list(range(9)))
    assert logic.facility(nine) == 1.0
    assert logic.item_flags(nine) == ()
    easy = sums_of([1.0] * 19 + [0.0], list(range(20)))
    assert logic.facility(easy) == 0.95
    assert "too-easy" in logic.item_flags(easy)
    hard = sums_of([0.0] * 18 + [1.0] * 2, list(range(20)))
    assert "too-hard" in logic.item_flags(hard)
    # Strong judges (high rest score) get it right, weak ones wrong: it discriminates.
    good = sums_of([0.0] * 10 + [1.0] * 10, list(range(20)))
    assert logic.item_flags(good) == ()
    # Right or wrong regardless of the rest of the score: flagged.
    flat = sums_of([0.0, 1.0] * 10, [10.0, 10.0, 20.0, 20.0] * 5)
    assert logic.item_flags(flat) == ("not-discriminating",)


def test_paired_comparison_matches_a_textbook_paired_t_interval():
    pre = [40.0, 55.0, 30.0, 62.0, 48.0]
    post = [70.0, 72.0, 45.0, 80.0, 66.0]
    d = [b - a for a, b in zip(pre, post, strict=True)]
    result = logic.paired_comparison(len(d), sum(pre), sum(post), sum(d), sum(x * x for x in d))
    sd = statistics.stdev(d)
    half = 2.776 * sd / math.sqrt(5)  # t(0.975, 4)
    assert result.mean_difference == pytest.approx(statistics.mean(d))
    assert result.sd_difference == pytest.approx(sd)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (statistics.mean(d) - half, statistics.mean(d) + half)
    )
    assert result.effect_size == pytest.approx(statistics.mean(d) / sd)


def test_small_and_empty_groups_divide_by_nothing():
    assert logic.paired_comparison(0, 0, 0, 0, 0) is None
    one = logic.paired_comparison(1, 50.0, 70.0, 20.0, 400.0)
    assert one.mean_difference == 20.0 and one.ci_low is None and one.effect_size is None
    assert logic.pass_rate(0, 0) is None
    assert logic.facility(None) is None
    assert logic.distribution({}) == [(label, 0) for label, _ in logic.distribution({0: 0})]


def test_bands_and_gain_bands():
    assert logic.distribution({90: 3})[-1] == ("90–100", 3)
    assert [logic.gain_band(g) for g in (None, -0.2, 0.29, 0.3, 0.7, 0.71)] == [
        None, "low", "low", "medium", "medium", "high",
    ]  # fmt: skip
    assert logic.t_975(4) == 2.776 and logic.t_975(45) == 2.021 and logic.t_975(500) == 1.96
