"""A shopper's rating, from 1 to 10, built from head office's review of their recent
visits. Pure: no Flask, no database.

Each visit they sent starts at 10 points and loses, for what head office had to do:
- 2 for each time it was returned for changes (at most 4);
- 1 for each answer head office corrected in review (at most 3);
- 2 if it was sent after the last day of its window;
- 2 for each finding of theirs overturned on a branch's appeal (at most 4).
A visit keeps 1 point at least. The rating is the average over their last RECENT visits
(by visit date), to one decimal; a shopper with no visit sent yet has no rating. Jobs may
ask for a minimum rating; the shopper sees theirs with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

RECENT = 20
FULL = 10
PENALTIES = {  # what, points per time, most per visit, how the reason reads
    "returned": (2, 4, "returned for changes"),
    "corrected": (1, 3, "answer corrected by head office"),
    "late": (2, 2, "sent after the window closed"),
    "overturned": (2, 4, "finding overturned on appeal"),
}


@dataclass(frozen=True)
class VisitRecord:
    visit_date: date
    returned: int = 0
    corrected: int = 0
    late: bool = False
    overturned: int = 0

    def counts(self) -> dict[str, int]:
        return {"returned": self.returned, "corrected": self.corrected,
                "late": int(self.late), "overturned": self.overturned}

    def points(self) -> int:
        lost = sum(min(per * n, most) for key, n in self.counts().items()
                   for per, most, _ in [PENALTIES[key]])
        return max(FULL - lost, 1)


@dataclass(frozen=True)
class Reason:
    times: int
    what: str
    points: int


@dataclass(frozen=True)
class Rating:
    value: float | None
    visits: int
    reasons: tuple[Reason, ...]


def rating(records: list[VisitRecord], recent: int = RECENT) -> Rating:
    """The rating over the last `recent` visits, with what cost points and how many."""
    counted = sorted(records, key=lambda r: r.visit_date)[-recent:]
    if not counted:
        return Rating(None, 0, ())
    value = round(sum(r.points() for r in counted) / len(counted), 1)
    reasons = []
    for key, (per, most, what) in PENALTIES.items():
        times = sum(r.counts()[key] for r in counted)
        lost = sum(min(per * r.counts()[key], most) for r in counted)
        if times:
            reasons.append(Reason(times, what, lost))
    return Rating(value, len(counted), tuple(reasons))


def history(records: list[VisitRecord], months: list[date],
            recent: int = RECENT) -> list[tuple[date, float | None]]:
    """The rating as it stood at the end of each month (each `months` entry is a month's
    first day), from the visits made by then."""
    found = []
    for month in months:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        found.append((month, rating([r for r in records if r.visit_date < following],
                                    recent).value))
    return found


def last_months(today: date, count: int = 12) -> list[date]:
    """The first days of the last `count` calendar months, this one included, oldest
    first."""
    firsts = []
    year, month = today.year, today.month
    for _ in range(count):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]
