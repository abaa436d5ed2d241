"""Response headers that every page carries: a strict Content-Security-Policy (no inline
script or style anywhere in the app), no sniffing, no framing, a referrer policy, HSTS over
HTTPS, and no caching of what is private (scorecards, photos, exports, the API)."""

from __future__ import annotations

from flask import request

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


def init_app(app):
    app.after_request(add_headers)
