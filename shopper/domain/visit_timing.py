"""When a visit happened, as the shopper says: its date, time in and time out in the
branch's local time (shoppers fill in the checklist after leaving, so the form-filling
time says nothing about the visit). Pure: no Flask, no database.

The rules (docs/sync.md, "Visit date and times"):
- times are the branch's wall-clock times, read in the branch's IANA time zone;
- a time the clocks skipped (the spring-forward gap) is refused;
- a time that happened twice (the autumn fall-back hour) is the first of the two;
- time out is after time in on the same day: a visit never spans midnight;
- the date lies in the assignment's window, and the visit is not in the future at the
  branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DATE_FORM = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
TIME_FORM = re.compile(r"\d\d:\d\d", re.ASCII)
WORDS = {"time_in": "the time you went in", "time_out": "the time you left"}


class TimingError(ValueError):
    """Timing that cannot be accepted: a sentence per field (date, time_in, time_out)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def check_zone(name) -> str:
    """`name` if it is an IANA time zone this machine knows, else ValueError."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a time zone name such as Europe/London is required")
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone (use a name such as Europe/London)"
                         ) from None
    return name.strip()


@dataclass(frozen=True)
class VisitRules:
    """The settings the timing and follow-up rules read (SHOPPER_DEFAULT_TIME_ZONE and
    SHOPPER_FOLLOW_UP_GRACE_DAYS)."""

    default_zone: str = "Europe/London"
    grace_days: int = 3

    def zone_of(self, branch_zone: str | None) -> str:
        return branch_zone or self.default_zone


DEFAULT_RULES = VisitRules()  # the configuration's defaults, for callers without an app


@dataclass(frozen=True)
class Timing:
    day: date
    time_in: time
    time_out: time
    zone: str
    arrived_at: datetime  # UTC
    left_at: datetime  # UTC

    @property
    def minutes(self) -> float:
        return (self.left_at - self.arrived_at).total_seconds() / 60

    def as_json(self) -> dict:
        """As the sync API and the stored row write it."""
        return {"date": self.day.isoformat(), "time_in": f"{self.time_in:%H:%M}",
                "time_out": f"{self.time_out:%H:%M}"}


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_today(zone: str, now: datetime | None = None) -> date:
    """Today's date at a branch in `zone`."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()


def local_instant(day: date, clock: time, zone: str) -> datetime | None:
    """The UTC instant of a wall-clock time at the branch: the first of two when the clocks
    went back, None when the clocks skipped it."""
    local = datetime.combine(day, clock, ZoneInfo(zone))  # fold=0: the first occurrence
    instant = local.astimezone(UTC)
    if instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def parse_timing(raw, *, zone: str, window: tuple[str | None, str | None],
                 now: datetime | None = None) -> Timing:
    """The visit's timing from what the shopper entered ({date, time_in, time_out} as
    text), checked against the rules above, or TimingError naming every field at fault."""
    raw = raw if isinstance(raw, dict) else {}
    errors: dict[str, str] = {}
    day = _date(raw.get("date"), errors)
    clocks = {name: _clock(raw.get(name), name, errors) for name in ("time_in", "time_out")}
    if errors:
        raise TimingError(errors)
    instants = {}
    for name, clock in clocks.items():
        instants[name] = local_instant(day, clock, zone)
        if instants[name] is None:
            errors[name] = (f"The clocks went forward that night: {clock:%H:%M} did not exist "
                            f"on {_day(day)} at the branch. Check {WORDS[name]} (an hour "
                            f"later on a clock that changed by itself).")
    if errors:
        raise TimingError(errors)
    if instants["time_out"] <= instants["time_in"]:
        raise TimingError({"time_out": "The time you left must be after the time you went "
                                       "in, on the same day (a visit cannot run past "
                                       "midnight)."})
    if window[0] and window[1] and not window[0] <= day.isoformat() <= window[1]:
        start, end = date.fromisoformat(window[0]), date.fromisoformat(window[1])
        raise TimingError({"date": f"This visit was to be made between {_day(start)} and "
                                   f"{_day(end)}: enter the date you went, within those "
                                   f"dates."})
    if instants["time_out"] > (now or datetime.now(UTC)):
        raise TimingError({"date" if day > local_today(zone, now) else "time_out":
                           "That is later than now at the branch: enter when you were "
                           "there."})
    return Timing(day, clocks["time_in"], clocks["time_out"], zone,
                  instants["time_in"], instants["time_out"])


def _date(value, errors) -> date | None:
    try:
        if isinstance(value, str) and DATE_FORM.fullmatch(value.strip()):
            return date.fromisoformat(value.strip())
    except ValueError:
        pass
    errors["date"] = "Enter the date of your visit, such as 2026-11-24."
    return None


def _clock(value, name, errors) -> time | None:
    try:
        if isinstance(value, str) and TIME_FORM.fullmatch(value.strip()):
            return time.fromisoformat(value.strip())
    except ValueError:
        pass
    errors[name] = f"Enter {WORDS[name]} as hours and minutes, such as 10:05."
    return None


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def stored_timing(visit: dict) -> dict | None:
    """The timing a visit row holds, as the API writes it; None until it is given."""
    if not visit.get("time_in"):
        return None
    return {"date": visit["visit_date"], "time_in": visit["time_in"],
            "time_out": visit["time_out"]}


def day_end(day: date, zone: str) -> datetime:
    """The UTC instant a local day ends at the branch (midnight after it)."""
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(zone)).astimezone(UTC)


def local_clock(utc_iso: str, zone: str) -> tuple[str, str]:
    """A stored UTC instant as the branch's clock read it: ("10:05", "GMT")."""
    moment = datetime.fromisoformat(utc_iso.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{moment:%H:%M}", moment.tzname()
