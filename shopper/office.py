"""Head office's pages."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template

from . import reports
from .access import allow
from .db import get_db

bp = Blueprint("office", __name__, url_prefix="/office")


@bp.route("/")
@allow("office")
def home():
    db = get_db()
    end = date.today()
    start = end - timedelta(days=90)
    return render_template(
        "office/home.html",
        counts=reports.visits_by_status(db),
        follow_up=reports.follow_up_counts(db, end),
        league=reports.league_table(db, start.isoformat(), end.isoformat()),
        start=start, end=end,
    )
