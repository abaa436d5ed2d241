"""Who may take a job on the board: each rule alone, and all of them together."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shopper.domain.jobs import (
    Job,
    Limits,
    Shopper,
    default_day,
    distance_km,
    first_open_day,
    refusals,
)

TODAY = date(2026, 12, 1)
LEEDS = (53.7974, -1.5438)
YORK = (53.9590, -1.0815)  # about 35 km from Leeds
JOB = Job("Leeds Briggate", date(2026, 12, 1), date(2026, 12, 14), *LEEDS)
LIMITS = Limits(no_repeat_days=60, max_open_jobs=3, max_visits_per_day=2)
NEWCOMER = Shopper()


def codes(job=JOB, shopper=NEWCOMER, planned=date(2026, 12, 3), today=TODAY):
    return [r.code for r in refusals(job, shopper, planned, today, LIMITS)]


def test_a_new_shopper_may_take_an_open_job_with_no_conditions():
    assert codes() == []


@pytest.mark.parametrize(("planned", "eligible"), [
    (date(2026, 12, 1), True), (date(2026, 12, 14), True), (date(2026, 12, 15), False),
    (date(2026, 11, 30), False),
])
def test_the_planned_day_is_inside_the_window(planned, eligible):
    assert (codes(planned=planned) == []) is eligible


def test_a_day_already_past_is_refused_even_inside_the_window():
    assert codes(planned=date(2026, 12, 2), today=date(2026, 12, 3)) == ["day"]
    assert default_day(JOB, date(2026, 12, 3)) == date(2026, 12, 3)
    assert default_day(JOB, date(2026, 11, 20)) == date(2026, 12, 1)


def test_no_repeat_visit_to_the_same_branch_within_the_days_set():
    planned = date(2026, 12, 3)
    assert codes(shopper=Shopper(days_at_branch=(planned - timedelta(days=59),))) == ["repeat"]
    assert codes(shopper=Shopper(days_at_branch=(planned - timedelta(days=60),))) == []
    assert codes(shopper=Shopper(days_at_branch=(planned + timedelta(days=10),))) == ["repeat"]


def test_caps_on_open_jobs_and_on_visits_in_one_day():
    assert codes(shopper=Shopper(open_jobs=2)) == []
    assert codes(shopper=Shopper(open_jobs=3)) == ["open_jobs"]
    busy = (date(2026, 12, 3), date(2026, 12, 3))
    assert codes(shopper=Shopper(open_jobs=2, planned_days=busy)) == ["per_day"]
    assert codes(shopper=Shopper(open_jobs=2, planned_days=busy), planned=date(2026, 12, 4)) == []


def test_a_qualification_and_a_minimum_rating_when_the_job_asks():
    job = Job("Leeds Briggate", JOB.window_start, JOB.window_end, *LEEDS, qualification_id=7,
              qualification_name="Car loans", min_rating=7)
    [quiz, rating] = refusals(job, Shopper(), date(2026, 12, 3), TODAY, LIMITS)
    assert "Pass the quiz “Car loans”" in quiz.message
    assert rating.code == "rating"  # no rating yet meets no minimum
    assert codes(job, Shopper(passed=frozenset({7}), rating=7)) == []
    assert codes(job, Shopper(passed=frozenset({7}), rating=6.9)) == ["rating"]


def test_distance_from_the_home_area_only_where_a_limit_is_set():
    far = Shopper(home_latitude=YORK[0], home_longitude=YORK[1], max_distance_km=20)
    near = Shopper(home_latitude=YORK[0], home_longitude=YORK[1], max_distance_km=50)
    no_limit = Shopper(home_latitude=YORK[0], home_longitude=YORK[1])
    assert 30 < distance_km(JOB, far) < 40
    assert codes(shopper=far) == ["distance"]
    assert codes(shopper=near) == [] and codes(shopper=no_limit) == []
    [refusal] = refusals(JOB, far, date(2026, 12, 3), TODAY, LIMITS)
    assert "km from your home area, more than your 20 km" in refusal.message


def test_every_failed_rule_is_named_at_once():
    shopper = Shopper(open_jobs=3, days_at_branch=(date(2026, 11, 20),))
    assert codes(shopper=shopper, planned=date(2026, 12, 20)) == ["day", "repeat", "open_jobs"]


def test_the_first_day_open_to_a_shopper_skips_days_too_close_to_their_last_visit():
    lately = Shopper(days_at_branch=(date(2026, 11, 5),))  # open again from 5 Jan at 60 days
    short = Job("Leeds Briggate", date(2026, 12, 1), date(2027, 1, 10))
    assert first_open_day(short, lately, TODAY, LIMITS) == date(2027, 1, 4)
    assert first_open_day(JOB, lately, TODAY, LIMITS) is None  # the window ends first
    assert first_open_day(JOB, NEWCOMER, date(2026, 12, 5), LIMITS) == date(2026, 12, 5)
