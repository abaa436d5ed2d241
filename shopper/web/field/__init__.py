"""The mystery shopper's pages (mobile first): assignments, one screen per touchpoint,
photos, review and submit."""

from flask import Blueprint

bp = Blueprint("field", __name__, url_prefix="/field")

from shopper.web.field import views  # noqa: E402, F401  (its routes join bp)
