"""How sure an average is: 90% intervals, whether two averages differ, which ranked
branches can be told apart, and how a shopper's scores lean. Plain arithmetic, no
statistics library (docs/scoring.md, "How sure the figures are").

An interval is a Student t-interval on visit scores: mean ± t(0.95, n−1) · sd / √n, with
the sample standard deviation (n − 1). Below `minimum` visits (never fewer than 2) there is
no interval: the figure is shown as "not enough visits"."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

CONFIDENCE = 0.90
Z_95 = 1.6448536269514722  # the standard normal's 95th percentile

# t(0.95, df): the two-sided 90% critical value for 1 to 30 degrees of freedom.
T_95 = (6.313752, 2.919986, 2.353363, 2.131847, 2.015048, 1.943180, 1.894579, 1.859548,
        1.833113, 1.812461, 1.795885, 1.782288, 1.770933, 1.761310, 1.753050, 1.745884,
        1.739607, 1.734064, 1.729133, 1.724718, 1.720743, 1.717144, 1.713872, 1.710882,
        1.708141, 1.705618, 1.703288, 1.701131, 1.699127, 1.697261)


def t_95(df: float) -> float:
    """The t distribution's 95th percentile for `df` degrees of freedom (Welch's are not
    whole: below 30 they are rounded down, which widens the interval a little). Above 30,
    the Cornish–Fisher expansion around the normal, good to 1e-5."""
    if df < 1:
        raise ValueError("an interval needs at least one degree of freedom")
    if df <= len(T_95):
        return T_95[int(df) - 1]
    z = Z_95
    return (z + (z ** 3 + z) / (4 * df)
            + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)
            + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3)
            + (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z)
            / (92160 * df ** 4))


def one_decimal(value: float) -> float:
    """A score or average to one decimal as every page and export shows it: halves away
    from zero (72.55 is 72.6, as SQLite's ROUND and a person would round it, though the
    nearest double lies just below), and free of the last bits of floating-point
    summation, so the same visits summed month by month or in another order never show
    72.6 on one page and 72.5 on another."""
    tenths = round(abs(value) * 10, 6)
    return math.copysign(math.floor(tenths + 0.5), value) / 10


@dataclass(frozen=True)
class Summary:
    """The visits behind an average: how many, their mean and sample standard deviation."""

    n: int
    mean: float
    sd: float

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        n = len(values)
        mean = sum(values) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
        return cls(n, mean, sd)

    @classmethod
    def from_moments(cls, n: int, mean: float, mean_square: float) -> Summary:
        """From a count, mean and mean of squares (what SQL's AVG gives in one pass);
        never a negative variance from rounding."""
        variance = max(mean_square - mean * mean, 0.0) * n / (n - 1) if n > 1 else 0.0
        return cls(n, mean, math.sqrt(variance))

    @property
    def standard_error(self) -> float:
        return self.sd / math.sqrt(self.n)

    def interval(self, minimum: int = 3) -> tuple[float, float] | None:
        """The 90% interval of the mean, or None below `minimum` visits."""
        if self.n < max(minimum, 2):
            return None
        half = t_95(self.n - 1) * self.standard_error
        return self.mean - half, self.mean + half


def interval_fields(summary: Summary, minimum: int, floor: float = 0,
                    ceiling: float = 100) -> dict:
    """`ci_low`/`ci_high` to one decimal, kept within what a score can be (0–100%), or
    None without an interval; and `enough`: as the pages and exports show them."""
    found = summary.interval(minimum)
    return {"ci_low": None if found is None else one_decimal(max(found[0], floor)),
            "ci_high": None if found is None else one_decimal(min(found[1], ceiling)),
            "enough": found is not None}


def differs(now: Summary, before: Summary, minimum: int = 3) -> bool | None:
    """Whether two averages differ at the 90% level (Welch's t-test, two-sided), or None
    when either has fewer than `minimum` visits to judge by."""
    if min(now.n, before.n) < max(minimum, 2):
        return None
    a, b = now.sd ** 2 / now.n, before.sd ** 2 / before.n
    if a + b == 0:
        return now.mean != before.mean
    df = (a + b) ** 2 / (a * a / (now.n - 1) + b * b / (before.n - 1)) if a * b else (
        now.n - 1 if a else before.n - 1)
    return abs(now.mean - before.mean) / math.sqrt(a + b) > t_95(max(df, 1))


def tiers(intervals: list[tuple[float, float] | None]) -> list[int | None]:
    """Tiers for ranked averages (best first), from their intervals: a new tier begins at
    the first average whose interval lies wholly below the interval of its tier's first
    member; until then they cannot be told apart. An average without an interval has no
    tier (None) and is passed over."""
    found: list[int | None] = []
    tier, top = 0, None
    for interval in intervals:
        if interval is None:
            found.append(None)
            continue
        if top is None or interval[1] < top[0]:
            tier, top = tier + 1, interval
        found.append(tier)
    return found


def shopper_tendencies(groups: Iterable[tuple], minimum: int = 3) -> dict:
    """How each shopper's scores lean: for each of their visits, its score minus the mean
    of the other shoppers' visits to the same branch in the period; the mean of those
    differences with a 90% t-interval. Visits to a branch no other shopper saw are left
    out. A shopper is "harsh" or "lenient" when the interval lies wholly below or above
    0; "even" when it holds 0; None without one.

    `groups` are each shopper's visits to each branch, as SQL's GROUP BY sums them:
    (shopper, branch, visits, sum of scores, sum of squared scores). The others' mean at a
    branch is the branch's sum less the shopper's over its count less theirs, the same for
    all of a shopper's visits there, so the differences' sums follow from the group's:
    linear in the groups rather than in the visits."""
    groups = list(groups)
    branch_sums: dict = defaultdict(lambda: [0.0, 0])
    for _, branch, count, total, _ in groups:
        sums = branch_sums[branch]
        sums[0] += total
        sums[1] += count
    differences: dict = defaultdict(lambda: [0, 0.0, 0.0])  # shopper -> n, sum, squares
    for shopper, branch, mine, own, squares in groups:
        total, count = branch_sums[branch]
        if count > mine:
            others = (total - own) / (count - mine)
            sums = differences[shopper]
            sums[0] += mine
            sums[1] += own - mine * others
            sums[2] += squares - 2 * others * own + mine * others * others
    found = {}
    for shopper, (n, total, squares) in differences.items():
        summary = Summary.from_moments(n, total / n, squares / n)
        interval = summary.interval(minimum)
        lean = None
        if interval is not None:
            lean = "harsh" if interval[1] < 0 else "lenient" if interval[0] > 0 else "even"
        found[shopper] = {"visits": summary.n, "tendency": one_decimal(summary.mean),
                          "ci_low": None if interval is None else one_decimal(interval[0]),
                          "ci_high": None if interval is None else one_decimal(interval[1]),
                          "lean": lean}
    return found
