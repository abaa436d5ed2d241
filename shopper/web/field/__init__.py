"""The mystery shopper's pages (mobile first): assignments, one screen per touchpoint,
photos, review and submit."""

from flask import Blueprint

bp = Blueprint("field", __name__, url_prefix="/field")

from shopper.web.field import jobs, money, views  # noqa: E402, F401  (routes join bp)
