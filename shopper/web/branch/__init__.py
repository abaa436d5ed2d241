"""The branch manager's pages: their own branches' published scorecards, acknowledgement,
actions on failed standards, CSV export."""

from flask import Blueprint

bp = Blueprint("branch", __name__, url_prefix="/branch")

from shopper.web.branch import views  # noqa: E402, F401  (its routes join bp)
