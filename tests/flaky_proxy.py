"""The field's network, as a shopper's phone meets it, between the browser and the app: an
HTTP proxy of the tests' own on 127.0.0.1 that relays each request to the app server or
misbehaves as the test says, and counts every request and every byte each way.

    with FlakyProxy(server.port) as proxy:      # the browser opens proxy.base
        proxy.set("captive_portal")               # every request, until told otherwise
        proxy.set("error_500", method="PUT", path=r"^/api/v1/visits/")
        proxy.add("drop_reply_after_commit", path=r"/photos/", times=1)  # on top, once
        proxy.set("pass")                         # the network is good again
        proxy.exchanges(method="PUT", path=r"/photos/")  # what was asked, and what came of it

Modes (a request takes the first rule, newest first, whose method and path match; a rule
with `times` ends after that many requests; anything unmatched is relayed):

- `pass`: relayed to the app, its reply relayed back.
- `captive_portal`: a Wi-Fi hotspot's sign-in page, 200 text/html, whatever was asked.
- `error_500`: a front proxy's "500 Internal Server Error" page (nginx's), text/html.
- `stall`: the request is read and never answered, like one sent into a dead
  connection: it is held until the browser gives up (`Exchange.gave_up_after`), the
  rule's `seconds` pass, or the proxy closes, and then closed with no reply. Changing the
  rules decides what becomes of later requests, not of one already stalled (a connection
  that died does not come back with the signal). The app never sees the request.
- `drop_reply_after_commit`: relayed; the app's whole reply is read (the app has
  committed), then the connection is closed without a byte of it.
- `offline`: the connection is reset as soon as the request's head has been read.

Every connection carries one request (replies say `Connection: close`, and the app is
asked for the same), so that the browser never resends a request on a reused connection
of its own accord: every resend counted here is the app's.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

MODES = {"pass", "captive_portal", "error_500", "stall", "drop_reply_after_commit", "offline"}

HOTSPOT_PAGE = b"""<!DOCTYPE html>
<html><head><title>FreeCityWiFi - Sign in</title></head>
<body><h1>Welcome to FreeCityWiFi</h1>
<p>Please accept the terms of use to connect to the internet.</p>
<form method="post" action="/hotspot/login"><input type="checkbox" name="terms"> I accept
<button>Connect</button></form></body></html>
"""

NGINX_500 = b"""<html>
<head><title>500 Internal Server Error</title></head>
<body>
<center><h1>500 Internal Server Error</h1></center>
<hr><center>nginx/1.24.0</center>
</body>
</html>
"""

NGINX_502 = NGINX_500.replace(b"500 Internal Server Error", b"502 Bad Gateway")


@dataclass
class Rule:
    mode: str
    method: str | None = None
    path: re.Pattern | None = None
    times: int | None = None
    seconds: float | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.times is None or self.times > 0) \
            and (self.method is None or self.method == method) \
            and (self.path is None or bool(self.path.search(path)))


@dataclass
class Exchange:
    """One request as the proxy saw it, and what became of it. `up` is every byte read
    from the browser (request line, headers, body), `down` every byte sent back to it;
    `status` is the status the browser got (None: no reply), `app_status` the app's own
    (None: the app never saw the request)."""

    method: str
    target: str
    mode: str
    started: float = field(default_factory=time.monotonic)
    up: int = 0
    down: int = 0
    status: int | None = None
    app_status: int | None = None
    gave_up_after: float | None = None
    ended: float | None = None

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


class FlakyProxy:
    """See the module's docstring. Binds 127.0.0.1 only; `close()` (or leaving the `with`
    block) stops it and every connection it holds."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.rules: list[Rule] = []
        self.closed = threading.Event()
        self._exchanges: list[Exchange] = []
        self._sockets: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def __enter__(self) -> FlakyProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- what the test says -------------------------------------------------------------

    def set(self, mode: str, **where) -> None:
        """From now on, `mode` for requests matching `where` (method=, path= a regular
        expression searched in the path, times=, seconds= how long a stall holds each
        request); every other request is relayed. `set("pass")` relays everything."""
        with self.lock:
            self.rules = []
        if mode != "pass" or where:
            self.add(mode, **where)

    def add(self, mode: str, *, method: str | None = None, path: str | None = None,
            times: int | None = None, seconds: float | None = None) -> None:
        """A rule on top of those in force (it wins where both match)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: one of {sorted(MODES)}")
        rule = Rule(mode, method, re.compile(path) if path else None, times, seconds)
        with self.lock:
            self.rules.insert(0, rule)

    def exchanges(self, method: str | None = None, path: str | None = None) -> list[Exchange]:
        """The requests seen so far, oldest first; only those of `method` and whose path
        `path` (a regular expression) is found in, if given."""
        with self.lock:
            seen = list(self._exchanges)
        return [e for e in seen if (method is None or e.method == method)
                and (path is None or re.search(path, e.path))]

    def traffic(self) -> dict[str, dict[str, int]]:
        """Per path: how many requests, and the bytes up (browser to app) and down."""
        totals: dict[str, dict[str, int]] = {}
        for e in self.exchanges():
            row = totals.setdefault(e.path, {"requests": 0, "up": 0, "down": 0})
            row["requests"] += 1
            row["up"] += e.up
            row["down"] += e.down
        return totals

    def close(self) -> None:
        self.closed.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() under way
        self.listener.close()
        with self.lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    # -- the proxy itself -----------------------------------------------------------------

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self.lock:
            self._sockets.add(client)
        try:
            with client:
                request = _read_request(client)
                if request is not None:
                    self._handle(client, *request)
        except OSError:
            pass  # the browser went away, or the proxy is closing
        finally:
            with self.lock:
                self._sockets.discard(client)

    def _rule_for(self, method: str, path: str) -> Rule:
        with self.lock:
            rule = next((r for r in self.rules if r.matches(method, path)), Rule("pass"))
            if rule.times is not None:
                rule.times -= 1
            return rule

    def _handle(self, client: socket.socket, head: bytes, body: bytes) -> None:
        method, target = head.split(b" ", 2)[:2]
        exchange = Exchange(method.decode("latin-1"), target.decode("latin-1"), "pass",
                            up=len(head) + len(body))
        rule = self._rule_for(exchange.method, exchange.path)
        exchange.mode = rule.mode
        with self.lock:
            self._exchanges.append(exchange)
        try:
            if rule.mode == "offline":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif rule.mode == "captive_portal":
                self._answer(client, exchange, 200, "OK", HOTSPOT_PAGE, b"Server: hotspot\r\n")
            elif rule.mode == "error_500":
                self._answer(client, exchange, 500, "Internal Server Error", NGINX_500,
                             b"Server: nginx/1.24.0\r\n")
            elif rule.mode == "stall":
                self._stall(client, exchange, rule.seconds)
            else:
                self._relay(client, exchange, head, body, reply=rule.mode == "pass")
        finally:
            exchange.ended = time.monotonic()

    def _answer(self, client, exchange: Exchange, status: int, reason: str, page: bytes,
                extra: bytes = b"") -> None:
        reply = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html\r\n"
                 f"Content-Length: {len(page)}\r\nConnection: close\r\n").encode() \
            + extra + b"\r\n" + page
        client.sendall(reply)
        exchange.status, exchange.down = status, len(reply)

    def _stall(self, client, exchange: Exchange, seconds: float | None) -> None:
        deadline = None if seconds is None else exchange.started + seconds
        while not self.closed.is_set() and (deadline is None or time.monotonic() < deadline):
            readable, _, _ = select.select([client], [], [], 0.1)
            if readable and not client.recv(65536):
                exchange.gave_up_after = time.monotonic() - exchange.started
                return

    def _relay(self, client, exchange: Exchange, head: bytes, body: bytes, reply: bool):
        try:
            upstream = socket.create_connection(self.upstream, timeout=60)
        except OSError:
            self._answer(client, exchange, 502, "Bad Gateway", NGINX_502)
            return
        with upstream:
            upstream.sendall(_closing(head) + body)
            response = _read_all(upstream)
        exchange.app_status = _status_of(response)
        if exchange.app_status is None:  # the app died mid-request
            self._answer(client, exchange, 502, "Bad Gateway", NGINX_502)
        elif reply:
            response = _closing(response)
            client.sendall(response)
            exchange.status, exchange.down = exchange.app_status, len(response)
        else:
            client.shutdown(socket.SHUT_RDWR)


def _read_request(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """One request off the connection: its head (up to the blank line, included) and its
    body (by Content-Length, or chunked as it came). None if the browser closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    end = data.index(b"\r\n\r\n") + 4
    head, body = data[:end], data[end:]
    length = _header(head, b"content-length")
    if length is not None:
        while len(body) < int(length):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    elif (_header(head, b"transfer-encoding") or b"").lower() == b"chunked":
        while not _chunked_complete(body):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return head, body


def _chunked_complete(body: bytes) -> bool:
    position = 0
    while True:
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            return False
        size = int(body[position:line_end].split(b";")[0] or b"0", 16)
        if size == 0:
            return body.find(b"\r\n\r\n", line_end) >= 0  # after any trailers
        position = line_end + 2 + size + 2
        if position > len(body):
            return False


def _header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def _closing(message: bytes) -> bytes:
    """The message with `Connection: close` in place of whatever it said."""
    end = message.index(b"\r\n\r\n")
    lines = [line for line in message[:end].split(b"\r\n")
             if not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join(lines + [b"Connection: close"]) + message[end:]


def _read_all(sock: socket.socket) -> bytes:
    data = bytearray()
    while chunk := sock.recv(65536):
        data += chunk
    return bytes(data)


def _status_of(response: bytes) -> int | None:
    return int(response[9:12]) if response.startswith(b"HTTP/") else None
