"""The JSON sync API under /api/v1/ (documented in spec.py, served at
/api/openapi.json). Same session as the pages; state-changing calls carry the CSRF token
in an X-CSRFToken header. Errors: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from shopper.domain.sync_schema import MAX_DEPTH, nesting_depth
from shopper.domain.vocabulary import ROLES
from shopper.store import permissions, reports
from shopper.store.checklists import load_version
from shopper.web.access import PUBLIC, allow
from shopper.web.api import bp
from shopper.web.api.spec import openapi_document
from shopper.web.db import get_db
from shopper.web.errors import json_error
from shopper.web.pages import kept_on_the_phone
from shopper.web.rules import visit_rules
from shopper.workflows import sync


@bp.errorhandler(sync.SyncError)
def refused(err: sync.SyncError):
    return json_error(err.status, err.code, err.message, err.fields)


@bp.route("/openapi.json")
@allow(PUBLIC)
def openapi():
    return jsonify(openapi_document())


@bp.route("/v1/session")
@allow(*ROLES)
def session_info():
    """Who is signed in, and the CSRF token for state-changing calls."""
    return jsonify(user={"id": current_user.id, "email": current_user.email,
                         "name": current_user.name, "role": current_user.role},
                   csrf_token=generate_csrf())


@bp.route("/v1/assignments")
@allow("shopper")
def assignments():
    db = get_db()
    return jsonify(assignments=reports.shopper_assignments(db, current_user.id))


@bp.route("/v1/checklist-versions/<int:version_id>")
@allow("shopper", "office")
def checklist_version(version_id: int):
    """A checklist version as the phone renders it offline, with the ids answers use."""
    db = get_db()
    if not permissions.version_visible_to(db, current_user, version_id):
        abort(404)
    version = load_version(db, version_id)
    return kept_on_the_phone(jsonify(version=version_json(version)))


def version_json(version) -> dict:
    touchpoints = []
    for position, tp in enumerate(version.checklist.touchpoints, start=1):
        questions = [{"id": version.question_ids[(tp.key, q.key)], **asdict(q),
                      "max_points": q.max_points} for q in tp.questions]
        touchpoints.append({"id": version.touchpoint_ids[tp.key], "position": position,
                            "key": tp.key, "name": tp.name, "weight": tp.weight,
                            "description": tp.description, "show_if": tp.show_if,
                            "skip_if": tp.skip_if, "skip_reason": tp.skip_reason,
                            "questions": questions})
    return {"id": version.id, "checklist_id": version.checklist_id, "version": version.version,
            "slug": version.checklist.slug, "name": version.checklist.name,
            "touchpoints": touchpoints}


@bp.route("/v1/visits/<visit_uuid>", methods=["GET"])
@allow("shopper")
def get_visit(visit_uuid: str):
    return jsonify(visit=sync.shopper_visit_state(get_db(), current_user.id, visit_uuid))


@bp.route("/v1/visits/<visit_uuid>", methods=["PUT"])
@allow("shopper")
def put_visit(visit_uuid: str):
    state = sync.put_visit(get_db(), current_app.config["PHOTO_FOLDER"], current_user.id,
                           visit_uuid, _json_body(), visit_rules())
    return jsonify(visit=state)


def _json_body():
    """The body as JSON, or 400 bad_json: not JSON, or nested deeper than any payload
    (Python's parser recurses, so a body of a thousand `[` would exhaust its stack)."""
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        payload = None
    if payload is None or nesting_depth(payload) > MAX_DEPTH:
        raise sync.SyncError(400, "bad_json", "The request body must be JSON, nested at "
                                              f"most {MAX_DEPTH} deep.")
    return payload


@bp.route("/v1/visits/<visit_uuid>/follow-ups", methods=["PUT"])
@allow("shopper")
def put_follow_ups(visit_uuid: str):
    """Answers to a sent visit's follow-up questions (docs/sync.md)."""
    return jsonify(visit=sync.put_follow_ups(get_db(), current_user.id, visit_uuid,
                                             _json_body()))


@bp.route("/v1/visits/<visit_uuid>/photos/<photo_uuid>", methods=["PUT"])
@allow("shopper")
def put_photo(visit_uuid: str, photo_uuid: str):
    sha = request.headers.get("X-Content-SHA256") or ""
    state = sync.put_photo(get_db(), current_app.config["PHOTO_FOLDER"], current_user.id,
                           visit_uuid, photo_uuid, sha, request.get_data(cache=False))
    return jsonify(visit=state)
