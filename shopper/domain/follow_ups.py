"""Follow-up questions: standards judged some days after the visit (a call-back promised
"within a week"). Pure: no Flask, no database. The rule (docs/scoring.md):

- a question marked `answer_after_days = N` (or on a touchpoint marked so) is not required
  when the visit is sent; it is due N days after the visit date;
- the shopper may answer it until the end of the due date plus the grace days
  (SHOPPER_FOLLOW_UP_GRACE_DAYS), in the branch's local time; then it closes;
- while one is open the visit's score leaves it out and is provisional; once it closes
  unanswered it counts as not met, or N/A where the checklist says `if_unanswered = "na"`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from shopper.domain.checklist_format import Question
from shopper.domain.visit_timing import day_end


def is_follow_up(q: Question) -> bool:
    return q.answer_after_days is not None


def due_date(visit_date: date, q: Question) -> date:
    return visit_date + timedelta(days=q.answer_after_days)


def closes_at(due: date, zone: str, grace_days: int) -> datetime:
    """When a follow-up due on `due` closes: the end of the grace period's last day at the
    branch, as a UTC instant."""
    return day_end(due + timedelta(days=grace_days), zone)


def short_day(iso: str) -> str:
    """"7 Dec": how a due date reads beside a follow-up."""
    day = date.fromisoformat(iso[:10])
    return f"{day.day} {day:%b}"
