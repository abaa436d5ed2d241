"""What head office's comparisons are asked for in the query string: the period, region
and checklist, and the page of a long list."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, request

from shopper.store import branches, checklists, comparisons
from shopper.web.db import get_db
from shopper.web.formatting import change_html, score_band

DEFAULT_DAYS = 90


def scope_asked() -> comparisons.Scope:
    """The comparison asked for in the query string; the last 90 days by default."""
    args = request.args
    try:
        end = date.fromisoformat(args["end"]) if args.get("end") else date.today()
        start = (date.fromisoformat(args["start"]) if args.get("start")
                 else end - timedelta(days=DEFAULT_DAYS - 1))
        checklist = int(args["checklist"]) if args.get("checklist") else None
    except ValueError:
        abort(400, "Dates look like 2026-11-25, and the checklist is chosen from the list.")
    if start > end:
        abort(400, "The start date is after the end date.")
    if (end - start).days > 3660:
        abort(400, "Choose a period of ten years or less.")
    return comparisons.Scope(start, end, args.get("region") or None, checklist)


def page_asked() -> tuple[int, bool]:
    """The page of a long list that ?page=N (or ?show=all) asks for."""
    number = request.args.get("page") or "1"
    if not number.isdecimal() or len(number) > 6:
        abort(400, "The page is a number: 1, 2, 3…")
    return int(number), request.args.get("show") == "all"


def league_display(rows: list[dict]) -> list[dict]:
    """Bands and labels for each league row, worked out once here rather than in the
    template (a league of 2,000 branches is 2,000 rows)."""
    for r in rows:
        r["band"], r["label"] = score_band(r["average"]), f"{r['average']:.0f}%"
        r["worst_band"] = score_band(r["worst_score"])
        r["worst_label"] = "" if r["worst_score"] is None else f"{r['worst_score']:.0f}%"
        r["change_html"] = change_html(r["change"])
    return rows


def filter_choices(scope: comparisons.Scope) -> dict:
    db = get_db()
    return {"scope": scope, "regions": branches.regions(db),
            "checklists": checklists.checklist_names(db)}
