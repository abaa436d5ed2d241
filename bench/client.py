"""What the benchmarks that talk to a running app share: a temporary instance folder
holding the demo data, the app served by gunicorn (gunicorn.conf.py) on 127.0.0.1, a
phone's HTTP client that signs in and speaks the sync API, and a relay that meters every
byte a browser exchanges with the server."""

from __future__ import annotations

import atexit
import contextlib
import gzip
import hashlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from shopper import create_app, demo
from shopper.db import connect

from .common import ROOT

# The demo accounts' passwords are hashed cheaply: the benchmarks measure pages and sync,
# not the password hash (which is slow on purpose).
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = demo.PASSWORD
SHOPPER = "shopper@demo.test"
GUNICORN = Path(sys.executable).parent / "gunicorn"

_seeded: list[Path] = []  # the demo data, loaded once per process and copied from then on


def demo_instance(folder: Path) -> Path:
    """Make `folder` an instance folder holding the demo data set (database and photos)."""
    if not _seeded:
        seed = Path(tempfile.mkdtemp(prefix="bench-seed-"))
        atexit.register(shutil.rmtree, seed, ignore_errors=True)
        app = create_app({"INSTANCE_PATH": str(seed), "PASSWORD_HASH_METHOD": FAST_HASH})
        db = connect(app.config["DATABASE"])
        demo.seed(db, FAST_HASH, app.config["PHOTO_FOLDER"])
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        _seeded.append(seed)
    seed = _seeded[0]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(seed / "shopper.sqlite3", folder / "shopper.sqlite3")
    shutil.copytree(seed / "photos", folder / "photos", dirs_exist_ok=True)
    (folder / "config.py").write_text(f"PASSWORD_HASH_METHOD = {FAST_HASH!r}\n")
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app under gunicorn, as production serves it, on a free port of 127.0.0.1, in a
    process group of its own (master and workers stop together). Its error log is kept
    for a start-up that fails."""

    def __init__(self, instance: Path, workers: int = 2):
        self.instance, self.workers, self.process = instance, workers, None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.error_log = instance / "error.log"

    def start(self, timeout: float = 60) -> Server:
        env = {**os.environ, "SHOPPER_BIND": f"127.0.0.1:{self.port}",
               "SHOPPER_WORKERS": str(self.workers), "SHOPPER_INSTANCE_PATH": str(self.instance),
               "SHOPPER_SECURE_COOKIES": "false"}  # plain HTTP on 127.0.0.1
        command = [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"),
                   "--error-logfile", str(self.error_log)]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited at start-up:\n{self._log_tail()}") \
                        from None
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in {timeout:.0f} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        if not self.error_log.exists():
            return ""
        return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Phone:
    """A phone's HTTP client: its own cookies, signed in as one user, sending visits and
    photos through the sync API as static/outbox.js does."""

    def __init__(self, base: str):
        self.base, self.token = base, None
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def sign_in(self, email: str, password: str = PASSWORD) -> Phone:
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"email": email, "password": password,
                                       "csrf_token": token}).encode()
        self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
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


@dataclass
class Exchange:
    """One request and its response, byte for byte as they crossed the connection."""

    request: bytes
    response: bytes

    @property
    def method(self) -> str:
        return self.request.split(b" ", 1)[0].decode("latin-1")

    @property
    def path(self) -> str:
        return self.request.split(b" ", 2)[1].decode("latin-1")

    @property
    def status(self) -> int:
        return int(self.response[9:12]) if self.response[:5] == b"HTTP/" else 0

    def _split(self, raw: bytes) -> tuple[bytes, bytes]:
        head, _, body = raw.partition(b"\r\n\r\n")
        return head, body

    def header(self, name: str, raw: bytes | None = None) -> str:
        head, _ = self._split(self.response if raw is None else raw)
        for line in head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name.lower().encode():
                return value.strip().decode("latin-1")
        return ""

    @property
    def one_request(self) -> bool:
        """False if the browser sent a second request on the connection (keep-alive), which
        this exchange would then count as the first one's."""
        return self.request.count(b" HTTP/1.") == 1

    @property
    def request_body(self) -> bytes:
        return self._split(self.request)[1]

    @property
    def header_bytes(self) -> int:
        return len(self._split(self.response)[0]) + 4

    @property
    def body(self) -> bytes:
        """The response body as sent (still gzipped if it was), without chunk framing."""
        body = self._split(self.response)[1]
        if self.header("Transfer-Encoding").lower() != "chunked":
            return body
        decoded = bytearray()
        while body:
            size, _, body = body.partition(b"\r\n")
            length = int(size.split(b";")[0], 16)
            if not length:
                break
            decoded += body[:length]
            body = body[length + 2:]
        return bytes(decoded)

    @property
    def content(self) -> bytes:
        """The response body as the page reads it (gunzipped)."""
        if self.header("Content-Encoding").lower() == "gzip":
            return gzip.decompress(self.body)
        return self.body

    @property
    def compressed_bytes(self) -> int:
        """What would cross the wire behind a proxy that gzips text (-6, a common setting):
        the headers, and the body gzipped unless it already is or is not text."""
        kind = self.header("Content-Type").split(";")[0].strip()
        textual = kind.startswith("text/") or kind in COMPRESSIBLE_TYPES
        if self.header("Content-Encoding") or not textual or not self.body:
            return len(self.response)
        return self.header_bytes + min(len(self.body), len(gzip.compress(self.body, 6)))


COMPRESSIBLE_TYPES = {"application/json", "application/javascript", "text/javascript",
                      "application/manifest+json", "image/svg+xml"}


class Meter:
    """A TCP relay in front of the server that keeps every exchange as it crossed the wire,
    headers included: what a phone downloads and uploads, whoever asked for it (a page, its
    service worker, or the browser checking the service worker for updates). gunicorn's
    sync workers answer one request per connection, so a connection is one exchange."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.exchanges: list[Exchange] = []
        self.open = 0
        self.changed = time.monotonic()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            with self.lock:
                self.open += 1
                self.changed = time.monotonic()
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        request, response = bytearray(), bytearray()
        try:
            with client, socket.create_connection(("127.0.0.1", self.upstream_port)) as server:
                upward = threading.Thread(target=_pump, args=(client, server, request),
                                          daemon=True)
                upward.start()
                _pump(server, client, response)
                upward.join(timeout=5)
        finally:
            with self.lock:
                self.open -= 1
                self.changed = time.monotonic()
                if request:
                    self.exchanges.append(Exchange(bytes(request), bytes(response)))

    def settle(self, quiet: float = 1.0, timeout: float = 30) -> None:
        """Wait until no connection is open and none has come or gone for `quiet` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.open and time.monotonic() - self.changed >= quiet:
                    return
            time.sleep(0.05)
        raise TimeoutError("the network never went quiet")

    def since(self, mark: int) -> list[Exchange]:
        with self.lock:
            return self.exchanges[mark:]

    def mark(self) -> int:
        with self.lock:
            return len(self.exchanges)

    def close(self) -> None:
        self.listener.close()


def _pump(source: socket.socket, sink: socket.socket, kept: bytearray) -> None:
    """Copy bytes one way until the source closes, keeping a copy."""
    while True:
        try:
            data = source.recv(65536)
        except OSError:
            data = b""
        if not data:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
            return
        kept += data
        try:
            sink.sendall(data)
        except OSError:
            return
