"""The branch manager's pages: their own branches' published visits only."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template
from flask_login import current_user

from . import reports
from .access import allow
from .db import get_db

bp = Blueprint("branch", __name__, url_prefix="/branch")


@bp.route("/")
@allow("manager")
def home():
    return render_template("branch/home.html",
                           branches=reports.visible_branches(get_db(), current_user))


@bp.route("/<int:branch_id>")
@allow("manager", "office")
def branch(branch_id: int):
    db = get_db()
    found = reports.branch_for_user(db, current_user, branch_id)
    if found is None:
        abort(404)
    end = date.today()
    start = end - timedelta(days=365)
    return render_template(
        "branch/branch.html",
        branch=found,
        visits=reports.published_visits(db, branch_id),
        touchpoints=reports.touchpoint_averages(db, branch_id, start.isoformat(), end.isoformat()),
    )
