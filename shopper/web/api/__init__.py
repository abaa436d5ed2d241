"""The JSON sync API under /api/v1/, described by the OpenAPI document in spec.py."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from shopper.web.api import views  # noqa: E402, F401  (its routes join bp)
