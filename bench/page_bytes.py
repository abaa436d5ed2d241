"""Bytes a shopper's phone downloads and uploads: the first load of the visit page (a
touchpoint screen), a repeat load with the service worker in charge, and the upload of a
5 MB camera photo after the in-browser downscale (static/camera.js).

Debian's chromium, driven by Playwright as a phone (390×844, touch), talks to the app under
gunicorn through a relay (bench.relay.Meter) that keeps every byte of every exchange,
headers included: the pages' requests, the service worker's (its install, the offline
copies) and the browser's own update checks of the service worker, which no page's
DevTools session sees. The page's DevTools session (CDP) says where each of its responses
came from (network, service worker) and its encodedDataLength, as a cross-check."""

from __future__ import annotations

import io
import re
import tempfile
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from .camera import TWELVE_MEGAPIXELS, camera_jpeg
from .common import Section, table
from .relay import Exchange, Meter
from .server import PASSWORD, SHOPPER, Gunicorn, demo_instance

CHROMIUM = "/usr/bin/chromium"
# As tests/browser/conftest.py: Chromium's background traffic has nowhere to go here.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
LEEDS = {"latitude": 53.7980, "longitude": -1.5420, "accuracy": 15}
APP_SHELL = ("/static/", "/sw.js")
PAGE_NEEDS = {"Document", "Stylesheet", "Script", "Image", "Font", "Manifest"}
TARGET_FIRST_KB = 60
# Chromium checks the service worker script for an update about 2 s after a navigation.
UPDATE_CHECK_S = 5
KB = 1000  # the units: a target of 60 KB, a 5 MB photo
SMOKE_CAMERA = (2016, 1512)


class PageNetwork:
    """One page's requests as the DevTools protocol reports them: type, where the response
    came from, and encodedDataLength (bytes received, headers included)."""

    def __init__(self, context, page):
        self.requests: dict[str, dict] = {}
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", lambda e: self._note(
            e, url=e["request"]["url"], type=e.get("type", "")))
        cdp.on("Network.responseReceived", lambda e: self._note(
            e, status=e["response"]["status"],
            from_sw=e["response"].get("fromServiceWorker", False),
            from_cache=e["response"].get("fromDiskCache", False)))
        cdp.on("Network.loadingFinished", lambda e: self._note(
            e, encoded=e["encodedDataLength"]))
        cdp.send("Network.enable")

    def _note(self, event: dict, **facts) -> None:
        self.requests.setdefault(event["requestId"], {}).update(facts)

    def reset(self) -> None:
        self.requests.clear()

    def done(self) -> list[dict]:
        return [r for r in self.requests.values() if "url" in r and "status" in r]


def run(smoke: bool) -> Section:
    size = SMOKE_CAMERA if smoke else TWELVE_MEGAPIXELS
    camera = camera_jpeg(size, grain=0.3)
    with tempfile.TemporaryDirectory(prefix="bench-bytes-") as folder:
        photo = Path(folder) / "camera.jpg"
        photo.write_bytes(camera)
        instance = demo_instance(Path(folder) / "instance")
        with Gunicorn(instance=instance) as server, sync_playwright() as playwright:
            meter = Meter(server.port)
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                seen = shopper_session(browser, server.base, meter, photo,
                                       quiet=0.5 if smoke else 1.0)
            finally:
                browser.close()
                meter.close()
    figures = summarise(seen, camera, size)
    first_kb, repeat_shell = figures["visit_page"]["compressed"] / KB, figures["repeat_shell"]
    return Section(
        title="Bytes on a shopper's phone", body=_body(figures), figures=figures,
        targets={"first load of the visit page, compressed": (
                     first_kb <= TARGET_FIRST_KB, f"≤ {TARGET_FIRST_KB} KB"),
                 "app shell from the network on a repeat load": (
                     repeat_shell["wire"] == 0, "0 bytes")})


def sign_in(context, base: str) -> None:
    """Sign in with the context's own cookies, straight to the server (not through the
    relay: signing in is not part of loading the visit page). Cookies are per host, not per
    port, so the pages opened through the relay are signed in."""
    page = context.request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    context.request.post(f"{base}/login", form={"email": SHOPPER, "password": PASSWORD,
                                                 "csrf_token": token})
    if context.request.get(f"{base}/api/v1/session").status != 200:
        raise RuntimeError("the shopper could not sign in")


def shopper_session(browser, base: str, meter: Meter, photo: Path, quiet: float) -> dict:
    """A fresh phone: open the assignments, start a visit (first load: until the phone holds
    its offline copies and the network is quiet); open the visit again in a new tab
    (repeat load); add a camera photo there and wait for the outbox to upload it."""
    context = browser.new_context(**PHONE, geolocation=LEEDS, permissions=["geolocation"])
    try:
        sign_in(context, base)
        page = context.new_page()
        network = PageNetwork(context, page)
        mark = meter.mark()
        page.goto(f"{meter.base}/field/")
        # home.js marks the page once the offline copies are kept (no string evaluation:
        # the CSP forbids it, and Playwright's wait_for_function would need it)
        page.locator("html[data-offline-ready='1']").wait_for(state="attached", timeout=60_000)
        meter.settle(quiet)
        home_requests = network.done()
        network.reset()  # from here on: the visit page's own requests
        opened = time.monotonic()
        page.locator(".assignment").first.get_by_role("button", name="Start visit").click()
        page.wait_for_url("**/field/shell/*/1#*")
        _quiet_after_navigation(page, meter, opened, quiet)
        visit_url, first, visit_requests = page.url, meter.since(mark), network.done()
        page.close()

        page = context.new_page()
        network = PageNetwork(context, page)
        mark, opened = meter.mark(), time.monotonic()
        page.goto(visit_url)
        _quiet_after_navigation(page, meter, opened, quiet)
        repeat, repeat_requests = meter.since(mark), network.done()

        mark = meter.mark()
        page.locator("input[type=file]:not([capture])").first.set_input_files(photo)
        page.locator(".thumb img").first.wait_for()
        upload = _wait_for_upload(meter, mark)
        return {"first": first, "visit_path": visit_url.split("#")[0].removeprefix(meter.base),
                "home_requests": home_requests, "visit_requests": visit_requests,
                "repeat": repeat, "repeat_requests": repeat_requests, "upload": upload}
    finally:
        context.close()


def _quiet_after_navigation(page, meter: Meter, opened: float, quiet: float) -> None:
    """Wait for the page to load, for the browser's update check of the service worker
    that follows a navigation, and for the network to go quiet."""
    page.wait_for_load_state("networkidle")
    time.sleep(max(0.0, opened + UPDATE_CHECK_S - time.monotonic()))
    meter.settle(quiet)


def _wait_for_upload(meter: Meter, mark: int, timeout: float = 120) -> Exchange:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = [e for e in meter.since(mark) if e.method == "PUT" and "/photos/" in e.path]
        if sent:
            if sent[0].status != 200:
                raise RuntimeError(f"the photo upload was refused: {sent[0].response[:300]!r}")
            return sent[0]
        time.sleep(0.1)
    raise TimeoutError("the outbox never uploaded the photo")


CATEGORIES = ["pages shown (assignments, visit)", "app shell (/static/…, /sw.js)",
              "offline copies (screens, checklist)", "sync API (the outbox sending the visit)",
              "other"]


def category(exchange: Exchange, shown: set[int]) -> str:
    pages, shell, offline, sync, other = CATEGORIES
    if exchange.path.startswith(APP_SHELL):
        return shell
    if id(exchange) in shown:
        return pages
    if exchange.path == "/api/v1/session" or exchange.path.startswith("/api/v1/visits/"):
        return sync
    if exchange.path.startswith(("/field/", "/api/v1/checklist-versions/")):
        return offline
    return other


def summarise(seen: dict, camera: bytes, size: tuple[int, int]) -> dict:
    first, repeat, upload = seen["first"], seen["repeat"], seen["upload"]
    if not all(e.one_request for e in first + repeat + [upload]):
        raise RuntimeError("a connection carried two requests: the meter would misattribute")
    shown = {id(_first_of(first, "/field/")), id(_first_of(first, seen["visit_path"]))}
    categories: dict[str, dict] = {name: {"requests": 0, "wire": 0, "compressed": 0,
                                          "paths": set()} for name in CATEGORIES}
    for exchange in first:
        row = categories[category(exchange, shown)]
        row["requests"] += 1
        row["paths"].add(_plain(exchange.path))
        row["wire"] += len(exchange.response)
        row["compressed"] += exchange.compressed_bytes
    needs = _visit_page_needs(seen["visit_requests"], first, seen["visit_path"])
    shell_again = [e for e in repeat if e.path.startswith(APP_SHELL)]
    from_sw = [r for r in seen["repeat_requests"] if r.get("from_sw")]
    uploaded = Image.open(io.BytesIO(upload.request_body))
    return {
        "categories": categories,
        "first_total": {key: sum(c[key] for c in categories.values())
                        for key in ("requests", "wire", "compressed")},
        "visit_page": {"resources": needs,
                       "wire": sum(r["wire"] for r in needs),
                       "compressed": sum(r["compressed"] for r in needs)},
        "repeat_total": {"requests": len(repeat), "wire": sum(len(e.response) for e in repeat)},
        "repeat_shell": {"requests": [(e.method, _plain(e.path), e.status, len(e.response),
                                       len(e.body)) for e in shell_again],
                         "wire": sum(len(e.response) for e in shell_again),
                         "body": sum(len(e.body) for e in shell_again)},
        "repeat_from_sw": len(from_sw),
        "repeat_page_requests": len(seen["repeat_requests"]),
        "cross_check": _cross_check(seen["home_requests"] + seen["visit_requests"], first),
        "camera": {"bytes": len(camera), "size": size},
        "upload": {"request": len(upload.request), "body": len(upload.request_body),
                   "size": uploaded.size, "format": uploaded.format},
    }


def _cross_check(requests: list[dict], first: list[Exchange]) -> dict:
    """The pages' responses that came from the network: bytes by CDP's encodedDataLength
    and by the relay, for the same responses."""
    unused = list(first)
    cdp = relay = count = 0
    for request in requests:
        if request.get("from_sw") or request.get("from_cache") or not request.get("encoded"):
            continue
        path = _path(request["url"])
        match = next((e for e in unused if e.path == path), None)
        if match is not None:
            unused.remove(match)
            cdp, relay, count = cdp + request["encoded"], relay + len(match.response), count + 1
    return {"responses": count, "cdp": cdp, "relay": relay}


def _first_of(exchanges: list[Exchange], path: str) -> Exchange:
    return next(e for e in exchanges if e.path == path and e.method == "GET")


def _visit_page_needs(requests: list[dict], first: list[Exchange], visit_path: str) -> list:
    """Every file the visit page loads (its document, stylesheet, scripts, images), sized by
    the first time it crossed the wire in the session, whoever fetched it then."""
    paths = {visit_path}
    paths |= {_path(r["url"]) for r in requests
              if r.get("type") in PAGE_NEEDS and r["url"].startswith("http")}
    rows = []
    for path in sorted(paths):
        exchange = next((e for e in first if e.path == path and e.status == 200), None)
        if exchange is None:
            raise RuntimeError(f"the visit page used {path}, never fetched in the session")
        rows.append({"path": _plain(path), "wire": len(exchange.response),
                     "compressed": exchange.compressed_bytes,
                     "encoding": exchange.header("Content-Encoding") or "none"})
    return rows


def _path(url: str) -> str:
    """What the browser asks the server for: the URL's path and query, without fragment."""
    return "/" + url.split("/", 3)[3].split("#")[0]


def _plain(path: str) -> str:
    """A static file's name without its content hash, as people know it."""
    return re.sub(r"\.[0-9a-f]{8,}(\.[A-Za-z0-9]+)$", r"\1", path)


def _kb(n: int) -> str:
    return f"{n / KB:.1f}"


def _body(f: dict) -> str:
    cats = f["categories"]
    first_rows = [[name if name != "other" else f"other ({', '.join(sorted(c['paths']))})",
                   c["requests"], _kb(c["wire"]), _kb(c["compressed"])]
                  for name, c in cats.items() if c["requests"]]
    total = f["first_total"]
    first_rows.append(["**all**", total["requests"], _kb(total["wire"]),
                       _kb(total["compressed"])])
    page = f["visit_page"]
    need_rows = [[r["path"], r["encoding"], _kb(r["wire"]), _kb(r["compressed"])]
                 for r in page["resources"]]
    need_rows.append(["**all**", "", _kb(page["wire"]), _kb(page["compressed"])])
    shell = f["repeat_shell"]
    shell_rows = [[f"{m} {p}", s, wire, body] for m, p, s, wire, body in shell["requests"]]
    camera, upload = f["camera"], f["upload"]
    width, height = camera["size"]
    return "\n".join([
        "A fresh phone (Chromium, 390×844), signed in as the demo shopper, opens its "
        "assignments and starts a visit: the first touchpoint screen. Every byte is counted "
        "by a relay between the browser and gunicorn, headers included. *As served*: what "
        "gunicorn sends (static files gzipped by the app, pages and JSON not). *Compressed*: "
        "what a reverse proxy gzipping text (-6) would send; **targets are judged on "
        "compressed**. 1 KB = 1000 bytes.",
        "",
        "### First load",
        "",
        f"The visit page with everything it uses: **{_kb(page['compressed'])} KB** compressed "
        f"({_kb(page['wire'])} KB as served).",
        "",
        table(["file", "served with", "as served KB", "compressed KB"], need_rows),
        "",
        "Everything the phone downloaded from opening the assignments until the visit page "
        "is up and the network is quiet, including what the service worker and the home "
        "page keep for working with no signal (every screen of the checklist):",
        "",
        table(["what", "requests", "as served KB", "compressed KB"], first_rows),
        "",
        "### Repeat load",
        "",
        f"The same visit page opened again in a new tab: {f['repeat_total']['requests']} "
        f"request(s), {_kb(f['repeat_total']['wire'])} KB over the wire. Of the page's "
        f"{f['repeat_page_requests']} requests, {f['repeat_from_sw']} were answered by the "
        "service worker (CDP `fromServiceWorker`); the page itself is network-first, so it "
        "comes from the server when there is signal. App-shell exchanges that still crossed "
        f"the network: {_kb(shell['wire'])} KB ({_kb(shell['body'])} KB of it bodies):",
        "",
        table(["request", "status", "bytes over the wire", "body bytes"], shell_rows)
        if shell_rows else "none.",
        "",
        "Only the browser's own update checks of the service worker could cross the network "
        "here; no page's or service worker's DevTools session sees them, only the relay. The "
        "page registers the worker with `updateViaCache: \"all\"` and /sw.js answers with "
        "`max-age=600`: for ten minutes after a check the browser's cache answers the next "
        "ones; after that, one check is a 304 of about 440 header bytes.",
        "",
        "### Photo upload",
        "",
        f"A {camera['bytes'] / KB / KB:.1f} MB camera JPEG ({width}×{height}, EXIF "
        f"orientation 6) added on the touchpoint screen goes up, after the in-browser "
        f"downscale, as a {upload['size'][0]}×{upload['size'][1]} {upload['format']}: "
        f"**{_kb(upload['body'])} KB** of body, {_kb(upload['request'])} KB with the request "
        f"headers ({upload['body'] / camera['bytes']:.0%} of the original).",
        "",
        f"Cross-check: for the {f['cross_check']['responses']} responses the pages "
        "fetched from the network themselves (not through the service worker), CDP's "
        "`Network.loadingFinished` encodedDataLength sums to "
        f"{f['cross_check']['cdp']} bytes and the relay counted {f['cross_check']['relay']}.",
    ])
