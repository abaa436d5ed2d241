"""Response headers that every page carries: a strict Content-Security-Policy (no inline
script or style anywhere in the app), no sniffing, no framing, a referrer policy, HSTS over
HTTPS, and no caching of what is private (scorecards, photos, exports, the API). And the
size of what a request may send."""

from __future__ import annotations

from flask import current_app, request

CSP = "; ".join([
    "default-src 'self'",
    "img-src 'self' blob:",  # thumbnails of photos still on the phone
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PRIVATE_PREFIXES = ("/branch/", "/photos/", "/office/", "/api/", "/field/")


def add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "private, no-store"
    return response


def limit_body():
    """A plain form is parsed in memory at once, so it is held to MAX_FORM_MEMORY_SIZE
    (which Werkzeug applies to multipart text fields alone). Uploads and JSON may use all of
    MAX_CONTENT_LENGTH: a phone's visit of a long checklist, every note at its longest, is
    more than a megabyte, and it must always be accepted."""
    if request.mimetype == "application/x-www-form-urlencoded":
        request.max_content_length = current_app.config["MAX_FORM_MEMORY_SIZE"]


def init_app(app):
    app.before_request(limit_body)
    app.after_request(add_headers)
