"""What every benchmark that talks to a running app shares: a temporary instance folder
holding the demo data; serving as production does, gunicorn with the repository's
gunicorn.conf.py on 127.0.0.1 (any WSGI app, any environment), started in a process group
of its own and stopped with it; and signing in over HTTP like a browser."""

from __future__ import annotations

import atexit
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from shopper import create_app
from shopper.store.connection import connect
from shopper.workflows import demo
from shopper.workflows.mail import MailSettings

from .common import ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"
# What every benchmark client (urllib, wrk) sends as its User-Agent: one name throughout.
USER_AGENT = "shopper-bench"
PASSWORD, SHOPPER = demo.PASSWORD, "shopper@demo.test"
# Demo accounts get a cheap password hash: a benchmark signs in, it does not measure that.
FAST_HASH = "pbkdf2:sha256:1000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py [APP]` on a free port of 127.0.0.1.

    `app` is a WSGI spec ("bench.bare_app:app"); None serves the shopper app named in
    gunicorn.conf.py. `instance` becomes SHOPPER_INSTANCE_PATH, `workers` SHOPPER_WORKERS;
    `env` adds to or overrides the environment. Cookies are not marked Secure (plain HTTP).
    The workers are gunicorn.conf.py's sync ones, which close each connection after one
    response (bench.relay counts a connection as one exchange). The access log goes
    nowhere, the error log to a temporary file that a failed start quotes."""

    def __init__(self, app: str | None = None, *, instance: Path | None = None,
                 workers: int = 2, env: dict | None = None):
        self.app, self.process = app, None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SHOPPER_BIND": f"127.0.0.1:{self.port}",
                    "SHOPPER_WORKERS": str(workers), "SHOPPER_SECURE_COOKIES": "false",
                    **({"SHOPPER_INSTANCE_PATH": str(instance)} if instance else {}),
                    **(env or {})}
        self.log: Path | None = None

    def start(self, timeout: float = 60) -> Gunicorn:
        command = [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py")]
        fd, log = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")
        self.log = Path(log)
        try:
            self.process = subprocess.Popen(command + ([self.app] if self.app else []),
                                            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                            stderr=fd, start_new_session=True)
        finally:
            os.close(fd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                pass
            if self.process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"gunicorn exited at start-up:\n{tail}")
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f} s:\n{tail}")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Graceful stop of the master and its workers (their own process group), then
        the error log goes."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log is not None:
            self.log.unlink(missing_ok=True)
            self.log = None

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(base: str, path: str, cookie: str = "") -> tuple[int, bytes]:
    """One GET as a signed-in browser would send it, without following redirects: a
    redirect to the sign-in page is an answer to see, not a page."""
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(base + path, headers=headers),
                         timeout=60) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def sign_in(base: str, email: str, password: str = PASSWORD,
            jar: http.cookiejar.CookieJar | None = None) -> str:
    """Sign in through the login form (with its CSRF token) and return the session as a
    Cookie header, checked against the session API. The cookies land in `jar` if given:
    a client that keeps its own (bench.client.Phone) is signed in from then on."""
    jar = http.cookiejar.CookieJar() if jar is None else jar
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login", timeout=30).read()
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    form = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": token.group(1).decode()}).encode()
    try:
        opener.open(base + "/login", form, timeout=60).read()
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"signing in as {email} was refused: {err.code}") from None
    # One request through the jar, as a browser's first page after signing in: the session
    # gains its CSRF token here, so the cookie returned is the steady one a browser sends
    # from then on (a page would otherwise add the token, and re-set the cookie, every time).
    try:
        opener.open(base + "/api/v1/session", timeout=30).read()
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"signing in as {email} failed: {err.code}") from None
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    status, body = get(base, "/api/v1/session", cookie)
    if status != 200:
        raise RuntimeError(f"signing in as {email} failed: {status} {body[:200]!r}")
    return cookie


_seeded: list[Path] = []  # the demo data, seeded once per process and copied from then on


def demo_instance(folder: Path) -> Path:
    """Make `folder` an instance folder holding the demo data set (`shopper demo`: database,
    photos, accounts with FAST_HASH passwords), its config.py naming FAST_HASH too."""
    if not _seeded:
        seed = Path(tempfile.mkdtemp(prefix="bench-seed-"))
        atexit.register(shutil.rmtree, seed, ignore_errors=True)
        _seeded.append(_seed(seed))
    seed = _seeded[0]
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(seed / "shopper.sqlite3", folder / "shopper.sqlite3")
    shutil.copytree(seed / "photos", folder / "photos", dirs_exist_ok=True)
    (folder / "config.py").write_text(f"PASSWORD_HASH_METHOD = {FAST_HASH!r}\n")
    return folder


def _seed(folder: Path) -> Path:
    app = create_app({"INSTANCE_PATH": str(folder), "PASSWORD_HASH_METHOD": FAST_HASH})
    db = connect(app.config["DATABASE"])
    try:
        demo.seed(db, FAST_HASH, app.config["PHOTO_FOLDER"],
                  mail_settings=MailSettings.from_config(app.config))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return folder
