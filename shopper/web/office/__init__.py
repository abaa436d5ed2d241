"""Head office's pages, by family: comparisons (compare.py), the review queue (review.py),
branches, people and assignments (admin.py), the job board (jobs.py), checklists
(checklists.py), and CSV exports (exports.py)."""

from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

from shopper.web.office import (  # noqa: E402, F401  (their routes join bp)
    admin,
    checklists,
    compare,
    exports,
    jobs,
    payments,
    review,
)
