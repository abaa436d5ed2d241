"""The two signatures every page costs: checking the session cookie's, and signing the
form token (CSRF) it shows. Each worker works out each one once for the same input.

A browser sends the same session cookie on every request until the session changes, and
Flask checked its HMAC (then base64, zlib, JSON) each time; flask-wtf signed the session's
form token afresh for every page. Together that was about 5 % of a small page's time.

- A cookie whose signature checked out is kept, with its data and the time it was signed,
  and then needs no check until PERMANENT_SESSION_LIFETIME after that time (Flask's own
  limit). Only data of plain values is kept: a list in it (flashed messages) could be
  changed in place by the request that reads it. Ending a session early is not the
  cookie's business here: the session version in the database is checked on every request
  (auth.load_user).
- A session's form token is signed once and kept, when tokens never expire
  (WTF_CSRF_TIME_LIMIT None, the default here: a page opened in the field may be sent hours
  later). The time inside a signed token is then never read.

Both are kept per app, least recently used out first, so a worker's memory stays bounded.
"""

from __future__ import annotations

import time

from flask import current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature

from shopper.web.page_cache import kept_by

KEPT = 10_000  # sessions (and form tokens) each worker keeps; a few MB at most
PLAIN = (str, int, float, bool, type(None))


class VerifiedSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each distinct cookie's signature checked once."""

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified = kept_by(app, "verified_sessions", KEPT)
        kept = verified.get(cookie)
        if kept is not None:
            data, signed_at = kept[0]
            if time.time() - signed_at <= max_age:
                return self.session_class(data)
        try:
            data, signed = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, PLAIN) for v in data.values()):
            verified.put(cookie, (dict(data), signed.timestamp()), 1)
        return self.session_class(data)


def csrf_token() -> str:
    """The signed form token of this session, as flask-wtf's `csrf_token()` gives it."""
    if current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()  # the time inside each token counts: sign it every time
    signed = kept_by(current_app, "signed_form_tokens", KEPT)
    raw = session.get("csrf_token")
    kept = signed.get(raw) if isinstance(raw, str) else None
    if kept is not None:
        g.csrf_token = kept[0]  # what flask-wtf's own forms use within this request
        return kept[0]
    token = generate_csrf()
    raw = session.get("csrf_token")  # gone if the view cleared the session after signing
    if isinstance(raw, str):
        signed.put(raw, token, 1)
    return token


def init_app(app) -> None:
    """After CSRFProtect.init_app, whose `csrf_token` for templates (a global, and a context
    processor, which wins) this replaces: a later context processor wins over an earlier."""
    app.session_interface = VerifiedSessions()
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
