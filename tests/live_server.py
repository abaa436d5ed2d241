"""A real server process for tests that need one (parallel clients, a crash mid-request):
the app on 127.0.0.1 under Werkzeug, optionally wrapped in a fault injector, or under
gunicorn as production serves it (several worker processes writing one SQLite file); a
small HTTP client that signs in like a phone; and the phone's outbox, which sends each
visit and photo again under the same UUID until a reply names it."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
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
from dataclasses import dataclass, field
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

    def environment(self) -> dict:
        return {**os.environ, "SHOPPER_INSTANCE_PATH": str(self.instance),
                "PYTHONPATH": str(ROOT), "SHOPPER_SECURE_COOKIES": "false",  # plain HTTP
                **self.extra_env}

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen([sys.executable, "-c", SERVER, str(self.port)],
                                        env=self.environment(), cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self.wait_until_up()

    def wait_until_up(self) -> ServerProcess:
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


class GunicornServer(ServerProcess):
    """The app as production serves it: `gunicorn -c gunicorn.conf.py` with `workers`
    processes, in a process group of its own so that `kill()` takes master and workers
    down at once, like a power cut. Its access and error logs are appended to `log`, across
    restarts; `start()` after `kill()` or `stop()` serves the same instance on the same
    port, so a client's base URL and session cookie stay valid."""

    def __init__(self, instance: Path, log: Path, env: dict | None = None, workers: int = 2):
        super().__init__(instance, env)
        self.log, self.workers = log, workers

    def start(self) -> GunicornServer:
        env = {**self.environment(), "SHOPPER_BIND": f"127.0.0.1:{self.port}",
               "SHOPPER_WORKERS": str(self.workers)}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            return self.wait_until_up()
        except RuntimeError as err:
            raise RuntimeError(f"{err}; its log ends:\n{self.log_text()[-2000:]}") from None

    def kill(self) -> None:
        """SIGKILL the master and every worker, and wait until none of them runs."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._wait_for_group_to_exit()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: requests under way finish
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:
            self._wait_for_group_to_exit()

    def _wait_for_group_to_exit(self) -> None:
        deadline = time.monotonic() + 10
        while running_in_group(self.process.pid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                raise RuntimeError("gunicorn workers outlived their master")
            time.sleep(0.02)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def running_in_group(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # it exited while we looked
        if int(group) == pgid and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


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


SERVER_GONE = (OSError, http.client.HTTPException)  # refused, reset, or cut off mid-reply


@dataclass
class OutgoingVisit:
    """A visit as the phone holds it: its UUID, the whole payload, and its photos' bytes by
    photo UUID (each listed in the payload with its sha256)."""

    uuid: str
    payload: dict
    photos: dict[str, bytes] = field(default_factory=dict)


class UnexpectedReply(AssertionError):
    def __init__(self, method, path, status, body: bytes):
        super().__init__(f"{method} {path} -> {status}: {body[:300]!r}")
        self.status, self.body = status, body


class Outbox:
    """The phone's outbox (docs/sync.md): a visit, then each of its photos, each sent again
    under the same UUID until a 2xx reply names it (the visit's own state; the photo listed
    with its sha256). A connection that fails (the server is down, or died mid-request) is
    retried for up to `patience` seconds; any other reply that names nothing raises
    UnexpectedReply. `confirmed` records each confirmation in order, as ("visit" or
    "photo", uuid); `replies` every reply as (method, path, status); `lost` each attempt
    that got no reply, by what went wrong (ConnectionRefusedError, RemoteDisconnected...)."""

    def __init__(self, phone: Phone, patience: float = 0.0):
        self.phone, self.patience = phone, patience
        self.confirmed: list[tuple[str, str]] = []
        self.replies: list[tuple[str, str, int]] = []
        self.lost: list[str] = []

    def send(self, visit: OutgoingVisit) -> dict:
        """Send the visit and its photos; returns what the server holds after the last."""
        path = f"/api/v1/visits/{visit.uuid}"
        state = self.until_named("PUT", path, json.dumps(visit.payload).encode(),
                                 {"Content-Type": "application/json"},
                                 lambda state: state["uuid"] == visit.uuid)
        self.confirmed.append(("visit", visit.uuid))
        for photo_uuid, data in visit.photos.items():
            sha = hashlib.sha256(data).hexdigest()
            state = self.until_named(
                "PUT", f"{path}/photos/{photo_uuid}", data,
                {"Content-Type": "image/jpeg", "X-Content-SHA256": sha},
                lambda state, photo_uuid=photo_uuid, sha=sha:
                    {"uuid": photo_uuid, "sha256": sha} in state["photos"])
            self.confirmed.append(("photo", photo_uuid))
        return state

    def until_named(self, method, path, body, headers, names) -> dict:
        headers = {**headers, "X-CSRFToken": self.phone.token}
        deadline = time.monotonic() + self.patience
        while True:
            try:
                status, reply = self.phone.request(method, path, body, headers)
            except SERVER_GONE as err:
                self.lost.append(type(getattr(err, "reason", err)).__name__)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            self.replies.append((method, path, status))
            try:
                state = json.loads(reply)["visit"] if 200 <= status < 300 else None
            except (ValueError, KeyError, TypeError):
                state = None  # not the API's JSON: confirms nothing
            if state is not None and names(state):
                return state
            raise UnexpectedReply(method, path, status, reply)


def phone_in_own_process(base: str, email: str, visits: list[OutgoingVisit], results) -> None:
    """A multiprocessing target: one phone sending its visits, each twice (the second time
    as a phone that never heard the first reply would); puts what happened on `results`."""
    problems, confirmed, outbox = [], [], None
    try:
        outbox = Outbox(Phone(base).sign_in(email))
        for visit in visits:
            outbox.send(visit)
            again = outbox.send(visit)
            if again["status"] != "submitted" or again["missing_photos"]:
                problems.append(f"{visit.uuid} after every photo: {again}")
        confirmed = outbox.confirmed
    except (AssertionError, *SERVER_GONE) as err:
        problems.append(f"{email}: {err!r}")
    results.put({"who": email, "problems": problems, "confirmed": confirmed,
                 "replies": outbox.replies if outbox else []})


def office_in_own_process(base: str, email: str, pages: list[str], stop, results) -> None:
    """A multiprocessing target: head office reading `pages` round and round until `stop`
    is set; every reply must be 200 and none may mention a locked database."""
    problems, replies = [], []
    try:
        phone = Phone(base).sign_in(email)
        while not stop.is_set():
            for page in pages:
                status, body = phone.request("GET", page)
                replies.append(("GET", page, status))
                if status != 200 or b"database is locked" in body:
                    problems.append(f"GET {page} -> {status}: {body[:300]!r}")
    except (AssertionError, *SERVER_GONE) as err:
        problems.append(f"{email}: {err!r}")
    results.put({"who": email, "problems": problems, "confirmed": [], "replies": replies})
