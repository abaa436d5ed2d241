"""What head office's comparisons are asked for in the query string: the period, region
and checklist, and the page of a long list."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from flask import current_app
from markupsafe import Markup

from shopper.store import branches, checklists, comparisons
from shopper.web import params
from shopper.web.db import get_db
from shopper.web.formatting import change_html, score_band

DEFAULT_DAYS = 90


def scope_asked(months: int | None = None) -> comparisons.Scope:
    """The comparison asked for in the query string; by default the last 90 days, or the
    last `months` calendar months (the current one included) if given."""
    asked_start, end = params.a_date("start"), params.a_date("end", date.today())
    start = asked_start or (
        end - timedelta(days=DEFAULT_DAYS - 1) if months is None
        else _months_before(end, months - 1))
    if start > end:
        raise params.BadParameter("start", "The start date is after the end date.")
    if (end - start).days > 3660:
        raise params.BadParameter("start", "Choose a period of ten years or less.")
    return comparisons.Scope(start, end, params.some_text("region") or None,
                             params.an_id("checklist", "checklist"))


def scope_query(scope: comparisons.Scope) -> str:
    """The scope as a query string, as the template macro query() writes it."""
    args = {"start": scope.start.isoformat(), "end": scope.end.isoformat()}
    if scope.region:
        args["region"] = scope.region
    if scope.checklist_id:
        args["checklist"] = str(scope.checklist_id)
    return urlencode(args)


def _months_before(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def league_display(rows: list[dict]) -> list[dict]:
    """Bands and labels for each league row, worked out once here rather than in the
    template (a league of 2,000 branches is 2,000 rows)."""
    previous_tier = None
    for r in rows:
        r["band"], r["label"] = score_band(r["average"]), f"{r['average']:.0f}%"
        r["tier_start"] = None not in (r["tier"], previous_tier) and r["tier"] != previous_tier
        previous_tier = r["tier"] or previous_tier
        r["interval_label"] = (f"{r['ci_low']:.0f}–{r['ci_high']:.0f}" if r["enough"]
                               else "not enough visits")
        r["worst_band"] = score_band(r["worst_score"])
        r["worst_label"] = "" if r["worst_score"] is None else f"{r['worst_score']:.0f}%"
        r["change_html"] = change_html(r["change"]) + SIGNIFICANCE[r["change_significant"]]
    return rows


SIGNIFICANCE = {
    True: Markup(' <abbr class="sig" title="Significant: a real change at 90% (Welch’s '
                 't-test)">sig.</abbr>'),
    False: Markup(' <abbr class="not-sig" title="Not significant: could be chance">'
                  'n.s.</abbr>'),
    None: Markup(""),
}


def minimum_visits() -> int:
    """Visits an average needs for an interval (SHOPPER_MIN_VISITS_FOR_INTERVAL)."""
    return current_app.config["MIN_VISITS_FOR_INTERVAL"]


def filter_choices(scope: comparisons.Scope) -> dict:
    db = get_db()
    return {"scope": scope, "regions": branches.regions(db),
            "checklists": checklists.checklist_names(db)}
