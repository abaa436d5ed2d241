"""The statistics behind head office's intervals, checked against cases worked by hand and
against simulated samples from a known distribution."""

from __future__ import annotations

import random

import pytest

from shopper.domain.stats import (
    Summary,
    differs,
    one_decimal,
    shopper_tendencies,
    t_95,
    tiers,
)

from .support import visit_groups


def test_an_interval_worked_by_hand():
    summary = Summary.of([70, 80, 90])
    assert (summary.n, summary.mean, summary.sd) == (3, 80, 10)
    low, high = summary.interval()
    half = 2.919986 * 10 / 3 ** 0.5  # t(0.95, 2) · sd / √n = 16.86
    assert (low, high) == pytest.approx((80 - half, 80 + half))
    assert round(high - 80, 2) == 16.86


def test_the_same_summary_from_sql_moments():
    scores = [62.5, 71, 88, 90, 45.5]
    n = len(scores)
    from_sql = Summary.from_moments(n, sum(scores) / n, sum(s * s for s in scores) / n)
    direct = Summary.of(scores)
    assert from_sql.mean == pytest.approx(direct.mean)
    assert from_sql.sd == pytest.approx(direct.sd)
    assert Summary.from_moments(3, 80, 80 * 80 - 1e-9).sd == 0  # never negative


def test_too_few_visits_have_no_interval():
    assert Summary.of([80]).interval() is None
    assert Summary.of([70, 90]).interval() is None
    assert Summary.of([70, 90]).interval(minimum=2) is not None
    assert Summary.of([70]).interval(minimum=1) is None  # one visit never has one


@pytest.mark.parametrize("df, expected", [(1, 6.313752), (2, 2.919986), (10, 1.812461),
                                          (30, 1.697261), (31, 1.695519), (40, 1.683851),
                                          (60, 1.670649), (120, 1.657651), (10**9, 1.644854)])
def test_t_quantiles(df, expected):
    assert t_95(df) == pytest.approx(expected, abs=2e-5)


@pytest.mark.parametrize("n", [3, 5, 12, 40])
def test_intervals_hold_the_true_mean_nine_times_in_ten(n):
    rng = random.Random(17 + n)
    trials = 4000
    held = 0
    for _ in range(trials):
        low, high = Summary.of([rng.gauss(75, 12) for _ in range(n)]).interval()
        held += low <= 75 <= high
    assert 0.88 <= held / trials <= 0.92


def test_welch_finds_a_real_change_and_not_noise():
    steady = Summary.of([70, 72, 68, 71, 69])
    assert differs(Summary.of([80, 82, 78, 81, 79]), steady) is True
    assert differs(Summary.of([71, 69, 73, 70, 68]), steady) is False
    assert differs(Summary.of([90, 91]), steady) is None  # too few visits to judge


def test_welch_is_wrong_about_one_time_in_ten_when_nothing_changed():
    rng = random.Random(5)
    trials = 3000
    flagged = sum(differs(Summary.of([rng.gauss(75, 10) for _ in range(6)]),
                          Summary.of([rng.gauss(75, 10) for _ in range(9)]))
                  for _ in range(trials))
    assert 0.08 <= flagged / trials <= 0.12


def test_tiers_start_where_intervals_part():
    assert tiers([(80, 90), (78, 86), (75, 79.5), None, (60, 70), (65, 72)]) == \
        [1, 1, 2, None, 3, 3]


def test_a_harsh_and_a_lenient_shopper_stand_out():
    rng = random.Random(3)
    visits = []
    for branch in range(12):
        level = rng.uniform(60, 90)
        visits += [(1, branch, level - 8 + rng.gauss(0, 2)),  # harsh
                   (2, branch, level + 7 + rng.gauss(0, 2)),  # lenient
                   (3, branch, level + rng.gauss(0, 2)),
                   (4, branch, level + rng.gauss(0, 2))]
    found = shopper_tendencies(visit_groups(visits))
    assert found[1]["lean"] == "harsh" and found[1]["ci_high"] < 0
    assert found[2]["lean"] == "lenient" and found[2]["ci_low"] > 0
    assert found[1]["visits"] == 12


def test_a_tendency_worked_by_hand():
    # Branch 1: A scores 60, B 80 and 90. Branch 2: A 70, B 80. Branch 3: A 50, B 70.
    visits = [("A", 1, 60), ("B", 1, 80), ("B", 1, 90), ("A", 2, 70), ("B", 2, 80),
              ("A", 3, 50), ("B", 3, 70), ("C", 4, 99)]
    found = shopper_tendencies(visit_groups(visits))
    # A's differences: 60 - 85, 70 - 80, 50 - 70 = -25, -10, -20: mean -18.3, sd 7.64.
    assert found["A"]["tendency"] == -18.3
    half = 2.919986 * 7.637626 / 3 ** 0.5
    assert (found["A"]["ci_low"], found["A"]["ci_high"]) == (
        round(-55 / 3 - half, 1), round(-55 / 3 + half, 1))
    assert found["A"]["lean"] == "harsh"
    assert "C" not in found  # no one else saw branch 4


def test_the_worked_example_in_the_scoring_document():
    now, before = Summary.of([70, 80, 90]), Summary.of([60, 62, 64])
    low, high = now.interval()
    assert (round(low, 1), round(high, 1)) == (63.1, 96.9)
    assert differs(now, before) is True  # t = 3.06 against 2.92 on 2 degrees of freedom
    assert differs(now, Summary.of([60, 80, 100])) is False


def test_tendencies_equal_each_visit_compared_with_every_other_shoppers_visit():
    """The sums' shortcut against the definition, on a few hundred random visits: the
    same differences, mean and interval."""
    rng = random.Random(7)
    visits = [(rng.randrange(8), rng.randrange(15), round(rng.uniform(40, 100), 1))
              for _ in range(400)]
    by_shopper: dict[int, list[float]] = {}
    for shopper, branch, score in visits:
        others = [s for who, where, s in visits if where == branch and who != shopper]
        if others:
            by_shopper.setdefault(shopper, []).append(score - sum(others) / len(others))
    found = shopper_tendencies(visit_groups(visits))
    assert set(found) == set(by_shopper)
    for shopper, diffs in by_shopper.items():
        assert found[shopper]["visits"] == len(diffs)
        assert found[shopper]["tendency"] == pytest.approx(round(Summary.of(diffs).mean, 1),
                                                           abs=0.051)
        low, high = Summary.of(diffs).interval()
        assert (found[shopper]["ci_low"], found[shopper]["ci_high"]) == (
            pytest.approx(round(low, 1), abs=0.051), pytest.approx(round(high, 1), abs=0.051))


@pytest.mark.parametrize("value, shown", [
    (72.55, 72.6), (85.85, 85.9),  # the doubles lie just below the half
    (72.55000000000001, 72.6), (72.54999999999998, 72.6),  # summation's last bits
    (72.54, 72.5), (72.56, 72.6), (100.0, 100.0), (0.04, 0.0),
    (-0.25, -0.3), (-3.14, -3.1),
])
def test_scores_show_to_one_decimal_with_halves_away_from_zero(value, shown):
    assert one_decimal(value) == shown
