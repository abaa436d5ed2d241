"""A relay that meters every byte a browser exchanges with the server: a TCP relay on
127.0.0.1 in front of gunicorn keeping each exchange (request and response, headers
included) as it crossed the wire, and the exchange read as HTTP (method, path, status,
headers, body as sent and as the page reads it, size behind a gzipping proxy)."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from dataclasses import dataclass


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
        self.active: dict[int, bytearray] = {}  # each open connection's request, as read
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
        with self.lock:
            self.active[id(request)] = request
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
                del self.active[id(request)]
                self.changed = time.monotonic()
                if request:
                    self.exchanges.append(Exchange(bytes(request), bytes(response)))

    def settle(self, quiet: float = 1.0, timeout: float = 30) -> None:
        """Wait until no connection carries a request and none has come or gone for `quiet`
        s. A connection the browser opened ahead of need (a preconnect) and sent nothing on
        carries no bytes, and may stay open for minutes: it does not count."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                busy = any(self.active_requests())
                if not busy and time.monotonic() - self.changed >= quiet:
                    return
            time.sleep(0.05)
        raise TimeoutError("the network never went quiet")

    def active_requests(self) -> list[bytearray]:
        return [request for request in self.active.values() if request]

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
