"""How numbers, dates and statuses read on every page: the template filters."""

from __future__ import annotations

from datetime import date

from flask import current_app
from markupsafe import Markup

from shopper.domain.appeals import outcome_sentence
from shopper.domain.follow_ups import short_day
from shopper.domain.visit_timing import local_clock


def score_band(score) -> str:
    """'red', 'amber' or 'green' for a percentage, by the configured bands."""
    if score is None:
        return "none"
    if score < current_app.config["SCORE_BAND_AMBER"]:
        return "red"
    if score < current_app.config["SCORE_BAND_GREEN"]:
        return "amber"
    return "green"


def day(value) -> str:
    """An ISO date (or date) as people read it: "24 Nov 2026"."""
    if not value:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%b %Y}"


def visit_times(visit: dict) -> str:
    """When the visit happened, in the branch's local time with the zone's abbreviation:
    "10:05–10:40 GMT" (a visit across a clock change names both: "00:30 GMT–02:30 BST").
    A visit from before times were entered reads its form's times in the default zone."""
    zone = visit.get("time_zone") or current_app.config["DEFAULT_TIME_ZONE"]
    start, end = ((visit["arrived_at"], visit["left_at"]) if visit.get("arrived_at")
                  else (visit["started_at"], visit.get("ended_at")))
    first = local_clock(start, zone)
    if not end:
        return f"{first[0]} {first[1]}"
    last = local_clock(end, zone)
    if first[1] == last[1]:
        return f"{first[0]}–{last[0]} {last[1]}"
    return f"{first[0]} {first[1]}–{last[0]} {last[1]}"


def clock(seconds) -> str:
    """Seconds as a stopwatch shows them: 02:05."""
    try:
        minutes, secs = divmod(int(float(seconds)), 60)
    except (TypeError, ValueError, OverflowError):
        return "00:00"
    return f"{minutes:02d}:{secs:02d}"


STATUS_LABELS = {
    "draft": "in progress", "incomplete": "waiting for photos", "submitted": "waiting for review",
    "on_hold": "on hold", "returned": "returned to you", "approved": "approved",
    "published": "published",
}


def change_html(value) -> Markup:
    """A change in points, signed and coloured: ▲ 4, ▼ 2, ±0, or – when unknown."""
    if value is None:
        return Markup('<span class="muted">–</span>')
    points = f"{abs(value):.0f}"
    if points == "0":  # -0.5 rounds to 0 as well: no arrow for a change that shows as none
        return Markup('<span class="muted">±0</span>')
    up = value > 0
    return Markup(f'<span class="change change-{"up" if up else "down"}">'
                  f'{"▲" if up else "▼"} {points}</span>')


def init_app(app):
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["change"] = change_html
    app.jinja_env.filters["status_label"] = lambda status: STATUS_LABELS.get(status, status)
    app.jinja_env.filters["band"] = score_band
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["short_day"] = short_day
    app.jinja_env.filters["visit_times"] = visit_times
    app.jinja_env.filters["appeal_outcome"] = outcome_sentence
