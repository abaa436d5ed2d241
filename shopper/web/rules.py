"""The settings the visit rules read, from the app's configuration (SHOPPER_DEFAULT_TIME_ZONE,
SHOPPER_FOLLOW_UP_GRACE_DAYS): one place for every audience."""

from __future__ import annotations

from flask import current_app

from shopper.domain.visit_timing import VisitRules


def visit_rules() -> VisitRules:
    return VisitRules(default_zone=current_app.config["DEFAULT_TIME_ZONE"],
                      grace_days=current_app.config["FOLLOW_UP_GRACE_DAYS"])
