"""Pages that belong to no one audience: the front door and the health check."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, url_for
from flask_login import current_user

from .access import PUBLIC, allow
from .db import get_db

bp = Blueprint("pages", __name__)


@bp.route("/")
@allow(PUBLIC)
def index():
    if current_user.is_authenticated:
        return redirect(current_user.home)
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    get_db().execute("SELECT 1").fetchone()
    return {"status": "ok"}


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


def init_app(app):
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["status_label"] = lambda status: STATUS_LABELS.get(status, status)
    app.jinja_env.filters["band"] = score_band
    app.jinja_env.filters["day"] = day
