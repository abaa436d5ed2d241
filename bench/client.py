"""A phone's HTTP client for the benchmarks: its own cookies, signed in as one user
through the shared sign-in (bench.server.sign_in), sending visits and photos through the
sync API as static/outbox.js does."""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import urllib.error
import urllib.request

from . import server


class Phone:
    """A phone's HTTP client: its own cookies, signed in as one user, sending visits and
    photos through the sync API as static/outbox.js does."""

    def __init__(self, base: str):
        self.base, self.token = base, None
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", server.USER_AGENT)]

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def sign_in(self, email: str, password: str = server.PASSWORD) -> Phone:
        """Sign in with the phone's own cookies, then ask the session API for the CSRF
        token that the sync API's writes carry."""
        server.sign_in(self.base, email, password, self.jar)
        status, body = self.request("GET", "/api/v1/session")
        if status != 200:
            raise RuntimeError(f"{email} could not sign in: {status} {body[:200]!r}")
        self.token = json.loads(body)["csrf_token"]
        return self

    def put_visit(self, visit_uuid: str, payload: dict) -> dict:
        return self._reply("PUT", f"/api/v1/visits/{visit_uuid}", json.dumps(payload).encode(),
                           {"Content-Type": "application/json", "X-CSRFToken": self.token})

    def put_photo(self, visit_uuid: str, photo_uuid: str, data: bytes) -> dict:
        return self._reply("PUT", f"/api/v1/visits/{visit_uuid}/photos/{photo_uuid}", data,
                           {"Content-Type": "image/jpeg", "X-CSRFToken": self.token,
                            "X-Content-SHA256": hashlib.sha256(data).hexdigest()})

    def _reply(self, method: str, path: str, body: bytes, headers: dict) -> dict:
        status, reply = self.request(method, path, body, headers)
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status} {reply[:300]!r}")
        return json.loads(reply)["visit"]
