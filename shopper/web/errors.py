"""Every refusal is a clear message: an HTML page, or JSON under /api/."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from shopper.web.access import wants_json
from shopper.web.params import BadParameter

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in again.",
    403: "You do not have access to this page.",
    404: "There is nothing here. It may have been moved, or you may not have access to it.",
    405: "That action is not allowed here.",
    413: "That upload is too large.",
    429: "Too many attempts. Please wait a moment and try again.",
}


def json_error(status: int, code: str, message: str, fields: dict | None = None,
               headers=None):
    """The one JSON error format of the app and its API:
    {"error": {"code": "machine_readable", "message": "a sentence", "fields": {...}}}
    (fields, per-field messages, only where a form or payload had them)."""
    error = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return jsonify(error=error), status, headers or []


def error_code(status: int) -> str:
    """The machine-readable code of an HTTP status: 429 -> too_many_requests."""
    return HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")


def handle_http_error(error: HTTPException):
    code = error.code or 500
    # abort(400, "what to do instead") says more than the generic message for the code.
    default = getattr(default_exceptions.get(code), "description", None)
    specific = isinstance(error.description, str) and error.description != default
    message = error.description if specific else MESSAGES.get(code, error.description)
    if isinstance(error, CSRFError):
        message = "The form had expired or was sent from elsewhere. Please try again."
    # The exception's own headers (Allow on a 405, Retry-After on a 429) go with the answer.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        return json_error(code, error_code(code), message, headers=headers)
    return render_template("errors/error.html", code=code, title=error.name,
                           message=message), code, headers


def handle_bad_parameter(error: BadParameter):
    """A query parameter that could not be used: the API names the field; a page shows the
    parameters again as a form, the one at fault marked with the message."""
    if wants_json():
        return json_error(400, "bad_parameter", error.description,
                          {error.parameter: error.description})
    fields = [(name, value[:200]) for name, value in request.args.items(multi=True)][:30]
    return render_template("errors/bad_parameter.html", fields=fields, bad=error.parameter,
                           message=error.description), 400


def init_app(app):
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(BadParameter, handle_bad_parameter)
