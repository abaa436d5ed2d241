"""The mystery shopper's pages (mobile first)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from . import reports
from .access import allow
from .db import get_db

bp = Blueprint("field", __name__, url_prefix="/field")


@bp.route("/")
@allow("shopper")
def home():
    db = get_db()
    return render_template(
        "field/home.html",
        assignments=reports.shopper_assignments(db, current_user.id),
        visits=reports.shopper_visits(db, current_user.id),
    )
