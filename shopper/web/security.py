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
PRIVATE_PREFIXES = ("/branch/", "/photos/", "/office/", "/api/", "/field/", "/account/")


EVERY_RESPONSE = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                  ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"))
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def add_headers(response):
    """Each header unless the view set its own (every page's time counts: no more
    lookups than needed)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for name, value in EVERY_RESPONSE + ((HSTS,) if request.is_secure else ()):
        if name.lower() not in present:
            headers.add(name, value)
    if request.path.startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "private, no-store"
    return response


def limit_body():
    """A plain form is parsed in memory at once, so it is held to MAX_FORM_MEMORY_SIZE
    (which Werkzeug applies to multipart text fields alone). Uploads and JSON may use all of
    MAX_CONTENT_LENGTH: a phone's visit of a long checklist, every note at its longest, is
    more than a megabyte, and it must always be accepted."""
    if (request.environ.get("CONTENT_TYPE")  # most requests have no body to limit
            and request.mimetype == "application/x-www-form-urlencoded"):
        request.max_content_length = current_app.config["MAX_FORM_MEMORY_SIZE"]


def warn_of_untrusted_proxy():
    """With TRUSTED_PROXIES=0 the app believes no X-Forwarded-* header: behind a proxy,
    every client then has the proxy's address (one sign-in count for everyone) and HTTP
    as its scheme. The first request that carries X-Forwarded-For says so in the log,
    once per process."""
    if "X-Forwarded-For" in request.headers and not current_app.extensions.get(
            "shopper.proxy_warned"):
        current_app.extensions["shopper.proxy_warned"] = True
        current_app.logger.warning(
            "Requests carry X-Forwarded-For but SHOPPER_TRUSTED_PROXIES=0: every client "
            "has the proxy's address. Set SHOPPER_TRUSTED_PROXIES to the number of proxies "
            "in front (README, Deploying).")


def init_app(app):
    if not int(app.config["TRUSTED_PROXIES"]):
        app.before_request(warn_of_untrusted_proxy)
    app.before_request(limit_body)
    app.after_request(add_headers)
