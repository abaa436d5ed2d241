"""A visit's scorecard as the pages show it, for the branch manager and for head office's
review: who may read it, and its parts, kept while the published results stay as they
are."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from markupsafe import Markup

from shopper.store import permissions, reports
from shopper.web import page_cache
from shopper.web.db import get_db
from shopper.workflows import follow_ups, scorecards

CARD_COST = 100_000  # bytes a kept scorecard is reckoned to hold, beside its HTML


def scorecard_visit_or_404(visit_uuid: str) -> dict:
    """The visit whose scorecard the signed-in user may read (head office uses it too)."""
    db = get_db()
    visit = permissions.scorecard_visit(db, current_user, visit_uuid)
    if visit is None:
        abort(404)
    if follow_ups.settle(db, visit_id=visit["id"]):  # a follow-up closed: rescored
        visit = permissions.scorecard_visit(db, current_user, visit_uuid)
    return visit


def scorecard_parts(visit: dict, *, with_shopper: bool) -> dict:
    """The scorecard's data and its "moment by moment" HTML (the same for every reader),
    kept while the published results stay as they are. A visit under review changes
    without that (a correction, a photo arriving), so its scorecard is built every time."""
    db = get_db()

    def build(row: dict) -> dict:
        card = scorecards.build(db, row, with_shopper=with_shopper)
        return {"card": card, "touchpoints_html": Markup(render_template(
            "branch/scorecard_touchpoints.html", card=card))}

    if visit["status"] != "published":
        return build(visit)
    # Built from the row as it is now, not as the access check read it before the token.
    return page_cache.remember(
        db, ("scorecard", visit["uuid"], with_shopper),
        lambda: build(reports.visit_row(db, visit["uuid"]) or visit),
        cost=lambda parts: CARD_COST + len(parts["touchpoints_html"]))
