"""The statistics of a cohort report, from sums the database computes: no database, no Flask.

Every figure here is derived from aggregates (counts, sums, sums of squares and products), so the
report costs the same few queries for a cohort of ten or of twenty thousand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

# Item-analysis conventions (classical test theory). Below this many answers a question's facility
# and discrimination are too unstable to read (a correlation on three judges can be 0.98 by
# chance): the report says "too few answers" instead, and flags nothing. Ten is the floor the
# item-analysis literature gives for a small class (twenty and more is better: see Crocker &
# Algina, *Introduction to Classical and Modern Test Theory*, ch. 14).
MIN_ANSWERS_FOR_FLAGS = 10
TOO_EASY = 0.90  # facility above this: nearly everyone gets it right
TOO_HARD = 0.30  # facility below this: nearly everyone gets it wrong
LOW_DISCRIMINATION = 0.20  # item–rest correlation below this: it does not separate the strong

# Two-sided 97.5th percentiles of Student's t for small samples; 1.96 beyond the table.
_T_975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
    10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
    18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
    26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980,
}  # fmt: skip


def t_975(degrees_of_freedom: int) -> float:
    """The t value for a two-sided 95 % interval (conservative between table rows)."""
    if degrees_of_freedom < 1:
        raise ValueError("a t interval needs at least one degree of freedom")
    usable = [df for df in _T_975 if df <= degrees_of_freedom]
    return _T_975[max(usable)] if degrees_of_freedom <= 120 else 1.96


def _variance(n: float, total: float, squares: float) -> float:
    """Sample variance from a count, a sum and a sum of squares (never negative from rounding)."""
    if n < 2:
        return 0.0
    return max(0.0, (squares - total * total / n) / (n - 1))


@dataclass(frozen=True)
class PairedComparison:
    """Pre against post for the judges who have both scores."""

    n: int
    mean_pre: float
    mean_post: float
    mean_difference: float
    sd_difference: float
    ci_low: float | None  # 95 % confidence interval of the mean difference
    ci_high: float | None
    effect_size: float | None  # Cohen's d_z: mean difference ÷ SD of the differences


def paired_comparison(
    n: int, sum_pre: float, sum_post: float, sum_difference: float, sum_difference_sq: float
) -> PairedComparison | None:
    """The paired comparison from the sums of pre, post, differences and squared differences."""
    if n == 0:
        return None
    mean_difference = sum_difference / n
    sd = math.sqrt(_variance(n, sum_difference, sum_difference_sq))
    if n >= 2:
        half_width = t_975(n - 1) * sd / math.sqrt(n)
        ci_low, ci_high = mean_difference - half_width, mean_difference + half_width
    else:
        ci_low = ci_high = None
    return PairedComparison(
        n=n,
        mean_pre=sum_pre / n,
        mean_post=sum_post / n,
        mean_difference=mean_difference,
        sd_difference=sd,
        ci_low=ci_low,
        ci_high=ci_high,
        effect_size=mean_difference / sd if n >= 2 and sd > 0 else None,
    )


def gain_band(gain: float | None) -> str | None:
    """Hake's conventional reading of a normalised gain: low, medium or high."""
    if gain is None:
        return None
    if gain < 0.3:
        return "low"
    return "medium" if gain <= 0.7 else "high"


def class_average_gain(mean_pre: float | None, mean_post: float | None) -> float | None:
    """Hake's class-average normalised gain <g> = (post% − pre%) ÷ (100 − pre%), from the mean
    scores of the judges who took both assessments; None without them or with no room to gain."""
    if mean_pre is None or mean_post is None or mean_pre >= 100:
        return None
    return (mean_post - mean_pre) / (100.0 - mean_pre)


def mean_interval(n: int, total: float, squares: float) -> tuple[float, float] | None:
    """The 95 % confidence interval of a mean from a count, a sum and a sum of squares."""
    if n < 2:
        return None
    mean = total / n
    half_width = t_975(n - 1) * math.sqrt(_variance(n, total, squares)) / math.sqrt(n)
    return mean - half_width, mean + half_width


@dataclass(frozen=True)
class GainReading:
    """The learning gain read both ways, and what a trainer needs told when they disagree.

    The mean of individual normalised gains weighs every judge equally, however little room
    they had; Hake's class-average gain divides the group's mean improvement by the group's
    mean room to improve. A judge who entered at 90 % and left at 85 % counts −0.5 in the first
    and five points in the second, so the two can fall in different bands.
    """

    individual: float | None
    individual_interval: tuple[float, float] | None
    class_average: float | None
    is_significant: bool  # the paired difference's 95 % interval lies above zero

    @property
    def individual_band(self) -> str | None:
        return gain_band(self.individual)

    @property
    def class_band(self) -> str | None:
        return gain_band(self.class_average)

    @property
    def disagreement(self) -> str | None:
        """ "individual-lower" or "individual-higher" when the two gains fall in different
        bands; None when they agree (or one is missing)."""
        if self.individual is None or self.class_average is None:
            return None
        if self.individual_band == self.class_band:
            return None
        return "individual-lower" if self.individual < self.class_average else "individual-higher"

    @property
    def is_significant_but_low(self) -> bool:
        """A significant improvement beside a gain read as "low": both are true, and say so."""
        return self.is_significant and "low" in (self.individual_band, self.class_band)


def read_gains(
    gain_n: int, gain_sum: float, gain_squares: float, paired: PairedComparison | None
) -> GainReading:
    """Both gains from the kept sums: the mean of individual gains (with its interval) and
    the class-average gain of the judges who took both assessments."""
    return GainReading(
        individual=gain_sum / gain_n if gain_n else None,
        individual_interval=mean_interval(gain_n, gain_sum, gain_squares),
        class_average=class_average_gain(paired.mean_pre, paired.mean_post) if paired else None,
        is_significant=bool(paired and paired.ci_low is not None and paired.ci_low > 0),
    )


def pass_rate(passed: int, sat: int) -> float | None:
    """Passed as a share of those who sat the final assessment; None before anyone has."""
    return passed / sat if sat else None


BANDS = tuple(range(0, 100, 10))  # 0–9, 10–19, …, 90–100


def distribution(counts: Mapping[int, int]) -> list[tuple[str, int]]:
    """Every band with its count, zeros included, labelled "0–9" … "90–100"."""
    return [(f"{low}–{low + 9}" if low < 90 else "90–100", counts.get(low, 0)) for low in BANDS]


@dataclass(frozen=True)
class ItemSums:
    """Aggregates of one question over the first attempts of one kind (or of both).

    ``x`` is the question's credit (0–1) and ``y`` the attempt's marks on every other question
    (the rest score), so the correlation is not inflated by the item itself.
    """

    n: int
    sum_x: float
    sum_x2: float
    sum_y: float
    sum_y2: float
    sum_xy: float


def facility(sums: ItemSums | None) -> float | None:
    """The mean credit: the share of judges who answered the question right."""
    return sums.sum_x / sums.n if sums and sums.n else None


def discrimination(sums: ItemSums | None) -> float | None:
    """The corrected item–total (item–rest) correlation; None when it cannot be computed."""
    if sums is None or sums.n < 3:
        return None
    n = sums.n
    covariance = sums.sum_xy - sums.sum_x * sums.sum_y / n
    var_x = sums.sum_x2 - sums.sum_x * sums.sum_x / n
    var_y = sums.sum_y2 - sums.sum_y * sums.sum_y / n
    if var_x <= 1e-12 or var_y <= 1e-12:
        return None  # everyone scored alike: no correlation to speak of
    return max(-1.0, min(1.0, covariance / math.sqrt(var_x * var_y)))


def combine(first: ItemSums | None, second: ItemSums | None) -> ItemSums | None:
    """The sums of both kinds of attempt together."""
    parts = [sums for sums in (first, second) if sums is not None]
    if not parts:
        return None
    return ItemSums(*(sum(getattr(p, name) for p in parts) for name in ItemSums.__annotations__))


def item_flags(sums: ItemSums | None) -> tuple[str, ...]:
    """Why a question needs a second look: "too-easy", "too-hard", "not-discriminating".

    Nothing is flagged on fewer than MIN_ANSWERS_FOR_FLAGS answers.
    """
    if sums is None or sums.n < MIN_ANSWERS_FOR_FLAGS:
        return ()
    flags = []
    p = facility(sums)
    assert p is not None
    if p > TOO_EASY:
        flags.append("too-easy")
    elif p < TOO_HARD:
        flags.append("too-hard")
    r = discrimination(sums)
    if r is None or r < LOW_DISCRIMINATION:
        flags.append("not-discriminating")
    return tuple(flags)


def variance(n: int, total: float, total_of_squares: float) -> float | None:
    """The sample variance from a count, a sum and a sum of squares; None under two values."""
    if n < 2:
        return None
    return max(0.0, (total_of_squares - total * total / n) / (n - 1))


def cronbach_alpha(k: int, item_variances: float, total_variance: float | None) -> float | None:
    """Cronbach's alpha (KR-20 for right-or-wrong questions): k/(k−1) × (1 − Σ item variances
    ÷ variance of the totals). None when it cannot be computed (one question, no spread)."""
    if k < 2 or not total_variance or total_variance <= 1e-12:
        return None
    return k / (k - 1) * (1 - item_variances / total_variance)


def standard_error_of_measurement(
    total_variance: float | None, alpha: float | None
) -> float | None:
    """SD × √(1 − alpha): the spread of a judge's score over imagined retests, in marks."""
    if total_variance is None or alpha is None:
        return None
    return math.sqrt(total_variance) * math.sqrt(max(0.0, 1 - alpha))


def option_flags(answered: int, options: list[tuple[bool, int, float | None]]) -> tuple[str, ...]:
    """What the choices at one question say, once enough judges answered it: a wrong option
    nobody chose ("unused-distractor"), or one whose choosers scored higher on the attempt than
    the key's ("strong-choose-distractor": the option may be arguable, or the key wrong).
    ``options`` holds (is the key, chosen by how many, their mean score) per option."""
    if answered < MIN_ANSWERS_FOR_FLAGS:
        return ()
    flags = []
    if any(not right and chosen == 0 for right, chosen, _ in options):
        flags.append("unused-distractor")
    key_scores = [score for right, chosen, score in options if right and score is not None]
    if key_scores and any(
        not right and chosen >= 2 and score is not None and score > min(key_scores)
        for right, chosen, score in options
    ):
        flags.append("strong-choose-distractor")
    return tuple(flags)


def sessions_needed(total: int, percent: int) -> int:
    """How many of ``total`` sessions a judge must attend when ``percent`` of them are required
    (rounded up: 75 % of 3 sessions is 3); 0 when nothing is required."""
    if total <= 0 or percent <= 0:
        return 0
    return min(total, math.ceil(total * percent / 100 - 1e-9))
