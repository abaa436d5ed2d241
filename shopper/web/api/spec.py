"""The OpenAPI 3 description of the sync API. tests/test_sync_api.py keeps it equal to the
routes the app registers, and tests/test_api_fuzz.py holds every answer to it, so it
cannot drift. The visit payload's schema is the one the server validates against
(shopper/domain/sync_schema.py): its shape is described there, once."""

from __future__ import annotations

from shopper.domain.sync_schema import FOLLOW_UP_PAYLOAD, SHA256, TIMING, UUID, VISIT_PAYLOAD
from shopper.domain.vocabulary import VISIT_STATUSES

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "machine-readable, e.g. already_sent"},
            "message": {"type": "string", "description": "a sentence for the shopper"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "per-field messages, keyed by the field's path"},
        },
    }},
}

VISIT_STATE = {
    "type": "object",
    "required": ["uuid", "status", "photos", "missing_photos"],
    "properties": {
        "uuid": UUID,
        "status": {"type": "string", "enum": list(VISIT_STATUSES)},
        "answers": {"type": "integer", "description": "answers held (given or N/A)"},
        "photos": {"type": "array", "items": {
            "type": "object", "required": ["uuid", "sha256"],
            "properties": {"uuid": UUID, "sha256": SHA256}}},
        "missing_photos": {"type": "array", "items": UUID,
                           "description": "listed by the visit but not yet received"},
        "content_sha256": {"type": ["string", "null"],
                           "description": "sha256 of the last visit payload accepted"},
        "timing": {"oneOf": [{"type": "null"}, TIMING],
                   "description": "the visit's date and times as held; null until given"},
        "follow_ups": {"type": "array", "items": {
            "type": "object",
            "required": ["question_id", "due_date", "closes_at", "answered", "open"],
            "properties": {
                "question_id": {"type": "integer"},
                "due_date": {"type": "string", "description": "branch-local date"},
                "closes_at": {"type": "string", "description": "UTC instant"},
                "answered": {"type": "boolean"}, "open": {"type": "boolean"}}},
            "description": "the sent visit's questions answered later"},
    },
}

def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    words = {400: "bad request: the body is not JSON, or the CSRF token is missing or has "
             "expired (fetch a new one from GET /api/v1/session)",
             401: "not signed in (session expired): keep the item and sign in again",
             403: "not allowed for this role", 404: "not found",
             409: "conflict: already sent, or different content under the same id",
             413: "too large", 422: "invalid: see error.fields"}
    return {str(code): _json(ERROR, words[code]) for code in codes}


def _wrapped(name: str, schema: dict) -> dict:
    return {"type": "object", "required": [name], "properties": {name: schema}}


VISIT_PARAM = {"name": "visit_uuid", "in": "path", "required": True, "schema": UUID}
CSRF = {"name": "X-CSRFToken", "in": "header", "required": True,
        "schema": {"type": "string"}, "description": "from GET /api/v1/session"}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mystery Shopper sync API", "version": "1",
                 "description": "Idempotent sync of visits and photos made offline. "
                                "Authentication: the app's session cookie."},
        "paths": {
            "/api/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI document",
                                      "content": {"application/json": {}}}}}},
            "/api/v1/session": {"get": {
                "summary": "The signed-in user and a CSRF token",
                "responses": {"200": _json({"type": "object", "required": ["user", "csrf_token"],
                                            "properties": {"user": {"type": "object"},
                                                           "csrf_token": {"type": "string"}}},
                                           "signed in"), **_errors(401)}}},
            "/api/v1/assignments": {"get": {
                "summary": "The shopper's open assignments, with the checklist version to use",
                "responses": {"200": _json(_wrapped("assignments", {"type": "array",
                                                                    "items": {"type": "object"}}),
                                           "assignments"), **_errors(401, 403)}}},
            "/api/v1/checklist-versions/{version_id}": {"get": {
                "summary": "A checklist version, with question and touchpoint ids",
                "parameters": [{"name": "version_id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": _json(_wrapped("version", {"type": "object"}), "version"),
                              **_errors(401, 403, 404)}}},
            "/api/v1/visits/{visit_uuid}": {
                "get": {
                    "summary": "What the server holds for a visit",
                    "parameters": [VISIT_PARAM],
                    "responses": {"200": _json(_wrapped("visit", VISIT_STATE), "visit"),
                                  **_errors(401, 403, 404, 422)}},
                "put": {
                    "summary": "Create or replace a visit by its UUID (idempotent)",
                    "parameters": [VISIT_PARAM, CSRF],
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": VISIT_PAYLOAD}}},
                    "responses": {"200": _json(_wrapped("visit", VISIT_STATE),
                                               "what the server now holds"),
                                  **_errors(400, 401, 403, 404, 409, 413, 422)}},
            },
            "/api/v1/visits/{visit_uuid}/follow-ups": {"put": {
                "summary": "Answer a sent visit's open follow-up questions (idempotent)",
                "parameters": [VISIT_PARAM, CSRF],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": FOLLOW_UP_PAYLOAD}}},
                "responses": {"200": _json(_wrapped("visit", VISIT_STATE),
                                           "what the server now holds"),
                              **_errors(400, 401, 403, 404, 409, 413, 422)}}},
            "/api/v1/visits/{visit_uuid}/photos/{photo_uuid}": {"put": {
                "summary": "Upload a photo the visit lists (idempotent by UUID and sha256)",
                "parameters": [VISIT_PARAM, CSRF,
                               {"name": "photo_uuid", "in": "path", "required": True,
                                "schema": UUID},
                               {"name": "X-Content-SHA256", "in": "header", "required": True,
                                "schema": SHA256}],
                "requestBody": {"required": True, "content": {
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                    "application/octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}}},
                "responses": {"200": _json(_wrapped("visit", VISIT_STATE),
                                           "what the server now holds"),
                              **_errors(400, 401, 403, 404, 409, 413, 422)}}},
        },
        "components": {"schemas": {"Error": ERROR, "VisitState": VISIT_STATE,
                                   "VisitPayload": VISIT_PAYLOAD,
                                   "FollowUpPayload": FOLLOW_UP_PAYLOAD}},
    }
