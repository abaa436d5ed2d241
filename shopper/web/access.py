"""The one authorization layer.

Every view declares who may reach it with `@allow(...)`; a before-request hook enforces
it, and denies any endpoint that declares nothing (tests/test_access_matrix.py walks every
route × role and fails on an undeclared one). Which object a user may see is decided in
store/permissions.py, which every view and the API call: a row the user may not see is
"not found".
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, url_for
from flask_login import current_user

from shopper.domain.vocabulary import ROLES

PUBLIC = "public"


def allow(*roles: str):
    """Mark a view as reachable by these roles (or by anyone with PUBLIC)."""
    unknown = set(roles) - set(ROLES) - {PUBLIC}
    if unknown or not roles:
        raise ValueError(f"unknown roles: {unknown or 'none given'}")

    def mark(view):
        view.allowed_roles = frozenset(roles)
        return view

    return mark


def policy(app, endpoint: str) -> frozenset | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def wants_json() -> bool:
    """API calls and the pages' own scripts (which ask for JSON) get JSON errors."""
    return (request.path.startswith("/api/")
            or request.accept_mimetypes.best == "application/json")


def enforce():
    if request.endpoint is None:  # no such route: the 404 handler answers
        return None
    roles = policy(current_app, request.endpoint)
    if roles is None:
        current_app.logger.error("endpoint %s declares no access policy", request.endpoint)
        abort(403)
    if PUBLIC in roles:
        return None
    if not current_user.is_authenticated:
        if wants_json():
            abort(401)
        if request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate":
            # A script's or the service worker's fetch (keeping pages for offline use) is
            # not sent to the sign-in page: rendering it would use up the message a person
            # signing out is about to read there.
            return Response("Not signed in.", 401, mimetype="text/plain")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in roles:
        abort(403)
    return None


def init_app(app):
    app.before_request(enforce)
