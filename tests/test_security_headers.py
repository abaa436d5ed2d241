"""Every response carries the security headers; private pages are never cached."""

from __future__ import annotations

from .support import SHOPPER, AuthActions


def test_headers_on_every_page(client):
    for path in ("/login", "/static/app.css", "/sw.js", "/api/openapi.json"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_private_pages_are_not_cached(client):
    AuthActions(client).login(SHOPPER)
    assert client.get("/field/").headers["Cache-Control"] == "private, no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://shopper.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
