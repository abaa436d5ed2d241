"""Where a branch's actions stand: the rule behind the manager's actions page and the
counts on the branch page. Pure: no Flask, no database.

An action is done once marked done with what was done. Until then it is open, and
- overdue once its due date has passed (due today is not yet overdue);
- due soon when its due date is within the next DUE_SOON_DAYS days, today included;
- otherwise due later.
"""

from __future__ import annotations

from datetime import date, timedelta

DUE_SOON_DAYS = 7

# Each action is in exactly one of these, shown in this order.
GROUPS = {"overdue": "Overdue", "due_soon": f"Due within {DUE_SOON_DAYS} days",
          "later": "Open, due later", "done": "Done"}
# What the list may be filtered to: "open" is every action not yet done.
FILTERS = {"open": "Open (not done)", "overdue": "Overdue", "due_soon": "Due soon",
           "done": "Done"}


def group_of(action: dict, today: date) -> str:
    """Which of GROUPS the action (a row with `status` and an ISO `due_date`) is in."""
    if action["status"] == "done":
        return "done"
    due = date.fromisoformat(action["due_date"])
    if due < today:
        return "overdue"
    return "due_soon" if due <= today + timedelta(days=DUE_SOON_DAYS) else "later"


def in_filter(group: str, wanted: str | None) -> bool:
    """Whether an action in `group` is listed under the filter `wanted` (None: all)."""
    if not wanted:
        return True
    return group != "done" if wanted == "open" else group == wanted


def due_words(due_date: str, today: date) -> str:
    """How the due date of an open action reads: "3 days overdue", "due today"."""
    days = (date.fromisoformat(due_date) - today).days
    if days < 0:
        return f"{-days} day{'s' if days < -1 else ''} overdue"
    if days == 0:
        return "due today"
    return "due tomorrow" if days == 1 else f"due in {days} days"


def grouped(actions: list[dict], today: date, *, wanted: str | None = None,
            touchpoint: str | None = None, owner: str | None = None) -> dict[str, list]:
    """The actions that match the filters, by group (every group present, in order): open
    ones soonest due first, done ones latest done first."""
    groups: dict[str, list] = {key: [] for key in GROUPS}
    for action in actions:
        group = group_of(action, today)
        if (in_filter(group, wanted)
                and touchpoint in (None, "", action["touchpoint_key"])
                and owner in (None, "", action["owner"])):
            groups[group].append(action)
    for key, rows in groups.items():
        if key == "done":
            rows.sort(key=lambda a: a["done_at"] or "", reverse=True)
        else:
            rows.sort(key=lambda a: (a["due_date"], a["id"]))
    return groups


def counts(actions: list[dict], today: date) -> dict[str, int]:
    """How many actions are open (not done), overdue, due soon and done."""
    found = dict.fromkeys(("open", *GROUPS), 0)
    for action in actions:
        group = group_of(action, today)
        found[group] += 1
        found["open"] += group != "done"
    return found
