"""What gunicorn and the app believe of a proxy's X-Forwarded-* headers (issue 19): with
SHOPPER_TRUSTED_PROXIES=0, nobody's, not even 127.0.0.1's, so a client cannot claim HTTPS
or another address; the log says once that such headers arrive unbelieved."""

from __future__ import annotations

import urllib.request

import pytest

from .live_server import GunicornServer

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
WARNING = "Requests carry X-Forwarded-For but SHOPPER_TRUSTED_PROXIES=0"


def hsts(server) -> bool:
    """Whether the app thought the request came over HTTPS (it sends HSTS only then)."""
    request = urllib.request.Request(server.base + "/login", headers=FORWARDED)
    with urllib.request.urlopen(request, timeout=10) as response:
        return "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("proxies", ["0", "1"])
def test_forwarded_headers_are_believed_only_as_trusted_proxies_says(
        server_instance, tmp_path, proxies):
    server = GunicornServer(server_instance, log=tmp_path / "gunicorn.log", workers=1,
                            env={"SHOPPER_TRUSTED_PROXIES": proxies})
    server.start()
    try:
        assert hsts(server) == (proxies == "1")
    finally:
        server.stop()
    assert server.log_text().count(WARNING) == (1 if proxies == "0" else 0)
