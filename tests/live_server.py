"""A real server process for tests that need one (parallel clients, a crash mid-request):
the app on 127.0.0.1 under Werkzeug, optionally wrapped in a fault injector; and a small
HTTP client that signs in like a phone."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVER = """
import os, signal, sys
from werkzeug.serving import run_simple
from shopper import create_app

app = create_app()
crash_marker = os.environ.get("CRASH_ONCE_AFTER")  # "METHOD path-prefix|marker-file"

def crashing(environ, start_response):
    '''Let the app commit, then die before the reply leaves: once.'''
    rule, marker = crash_marker.split("|")
    method, prefix = rule.split(" ")
    if (environ["REQUEST_METHOD"] == method and environ["PATH_INFO"].startswith(prefix)
            and not os.path.exists(marker)):
        body = b"".join(app(environ, lambda *a, **k: None))
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return app(environ, start_response)

run_simple("127.0.0.1", int(sys.argv[1]), crashing if crash_marker else app,
           threaded=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, instance: Path, env: dict | None = None):
        self.instance, self.extra_env, self.process = instance, env or {}, None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        env = {**os.environ, "SHOPPER_INSTANCE_PATH": str(self.instance),
               "PYTHONPATH": str(ROOT), "SHOPPER_SECURE_COOKIES": "false",  # plain HTTP
               **self.extra_env}
        self.process = subprocess.Popen([sys.executable, "-c", SERVER, str(self.port)],
                                        env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1).read()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("the test server exited at start-up") from None
                time.sleep(0.1)
        raise RuntimeError("the test server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Phone:
    """An HTTP client with its own cookies, signed in as one user."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = None

    def request(self, method, path, body=None, headers=None, timeout=30):
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def sign_in(self, email, password="demo-password") -> Phone:
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"email": email, "password": password,
                                       "csrf_token": token}).encode()
        self.request("POST", "/login", form,
                     {"Content-Type": "application/x-www-form-urlencoded"})
        status, body = self.request("GET", "/api/v1/session")
        assert status == 200, body
        self.token = json.loads(body)["csrf_token"]
        return self

    def get_json(self, path):
        status, body = self.request("GET", path)
        return status, json.loads(body)

    def put_json(self, path, payload):
        status, body = self.request("PUT", path, json.dumps(payload).encode(), {
            "Content-Type": "application/json", "X-CSRFToken": self.token})
        return status, json.loads(body)

    def put_photo(self, path, data, sha):
        status, body = self.request("PUT", path, data, {
            "Content-Type": "image/jpeg", "X-CSRFToken": self.token, "X-Content-SHA256": sha})
        return status, json.loads(body)
