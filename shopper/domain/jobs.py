"""The job board's rules: who may take or apply for an open visit. Pure: no Flask, no
database; the jobs workflow gathers the facts and asks here, inside the transaction that
takes the job, so the server decides, never the phone.

A shopper may take a job when every rule holds:
- no repeat: they have no visit at the same branch within `no_repeat_days` of the day they
  plan to go (the rule head office already uses when assigning by hand);
- caps: fewer than `max_open_jobs` jobs in hand, and fewer than `max_visits_per_day`
  visits planned on that day;
- the job's qualification, if it asks for one, passed;
- their rating at least the job's minimum, if it sets one (a shopper without a rating yet
  meets no minimum);
- the branch within their travel distance of their home area, where one is set;
- the planned day inside the job's window, and not in the past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shopper.domain.geo import distance_m

SELF_ASSIGN, APPLY = "self", "apply"
MODES = {SELF_ASSIGN: "First eligible shopper takes it", APPLY: "Shoppers apply, head office "
         "approves"}
TAKEN_ALREADY = ("Someone else took this visit a moment before you. It is no longer "
                 "open: have a look at the other visits on the board.")


@dataclass(frozen=True)
class Limits:
    """Head office's settings (SHOPPER_NO_REPEAT_DAYS, SHOPPER_MAX_OPEN_JOBS,
    SHOPPER_MAX_VISITS_PER_DAY)."""
    no_repeat_days: int = 30
    max_open_jobs: int = 5
    max_visits_per_day: int = 2

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(config["NO_REPEAT_DAYS"], config["MAX_OPEN_JOBS"],
                   config["MAX_VISITS_PER_DAY"])


@dataclass(frozen=True)
class Job:
    branch_name: str
    window_start: date
    window_end: date
    branch_latitude: float | None = None
    branch_longitude: float | None = None
    qualification_id: int | None = None
    qualification_name: str = ""
    min_rating: float | None = None


@dataclass(frozen=True)
class Shopper:
    """What the rules need to know of a shopper, as of now."""
    rating: float | None = None
    passed: frozenset[int] = frozenset()
    home_latitude: float | None = None
    home_longitude: float | None = None
    max_distance_km: float | None = None
    open_jobs: int = 0
    planned_days: tuple[date, ...] = ()  # the days of the visits they have in hand
    days_at_branch: tuple[date, ...] = ()  # their visits (made or planned) at the branch


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def refusals(job: Job, shopper: Shopper, planned: date, today: date,
             limits: Limits = Limits()) -> list[Refusal]:
    """Every rule the shopper fails for this job on the planned day (none: eligible)."""
    found = []
    if not job.window_start <= planned <= job.window_end or planned < today:
        found.append(Refusal("day", f"Choose a day from {_first_day(job, today):%-d %b} to "
                                    f"{job.window_end:%-d %b}."))
    if any(abs((planned - day).days) < limits.no_repeat_days for day in shopper.days_at_branch):
        found.append(Refusal("repeat", f"You have visited {job.branch_name} too recently: "
                                       f"visits to one branch are {limits.no_repeat_days} "
                                       "days apart at least."))
    if shopper.open_jobs >= limits.max_open_jobs:
        found.append(Refusal("open_jobs", f"You have {_visits(shopper.open_jobs)} to make "
                                          "already, the most at once. Send one first."))
    if shopper.planned_days.count(planned) >= limits.max_visits_per_day:
        found.append(Refusal("per_day", f"You have {_visits(limits.max_visits_per_day)} "
                                        f"planned on {planned:%-d %b} already: choose "
                                        "another day."))
    if job.qualification_id is not None and job.qualification_id not in shopper.passed:
        found.append(Refusal("qualification", "Pass the quiz "
                                              f"“{job.qualification_name}” to take this visit."))
    if job.min_rating is not None and (shopper.rating is None
                                       or shopper.rating < job.min_rating):
        found.append(Refusal("rating", f"This visit needs a rating of {job.min_rating:g} or "
                                       "more."))
    away = distance_km(job, shopper)
    if away is not None and away > shopper.max_distance_km:
        found.append(Refusal("distance", f"{job.branch_name} is {away:.0f} km from your home "
                                         f"area, more than your {shopper.max_distance_km:g} "
                                         "km."))
    return found


def first_open_day(job: Job, shopper: Shopper, today: date,
                   limits: Limits = Limits()) -> date | None:
    """The first day of the job's window the shopper may take it for (a visit made lately
    at the branch may only rule out the first days), or None if no day will do."""
    day = _first_day(job, today)
    while day <= job.window_end:
        if not refusals(job, shopper, day, today, limits):
            return day
        day += timedelta(days=1)
    return None


def distance_km(job: Job, shopper: Shopper) -> float | None:
    """How far the branch is from the shopper's home area, where both are known and the
    shopper has a travel limit; None otherwise."""
    known = (job.branch_latitude, job.branch_longitude, shopper.home_latitude,
             shopper.home_longitude, shopper.max_distance_km)
    if any(value is None for value in known):
        return None
    return distance_m(shopper.home_latitude, shopper.home_longitude, job.branch_latitude,
                      job.branch_longitude) / 1000


def default_day(job: Job, today: date) -> date:
    """The day a visit is planned for when the shopper doesn't choose: the first open
    day of the window."""
    return _first_day(job, today)


def _first_day(job: Job, today: date) -> date:
    return max(job.window_start, today)


def _visits(count: int) -> str:
    return f"{count} visit{'s' if count != 1 else ''}"
