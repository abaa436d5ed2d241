"""Browser fixtures: the app served on 127.0.0.1 by a thread, and Debian's chromium driven
by Playwright. Without chromium these tests skip locally but fail under CI."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# Chromium's own background traffic has nowhere to go on this closed network.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        open_context = browser.new_context

        def new_context(**options):
            """Every context reports Content-Security-Policy violations (see below)."""
            context = open_context(**options)
            context.on("console", lambda message: CSP_VIOLATIONS.append(message.text)
                       if "Content Security Policy" in message.text else None)
            return context

        browser.new_context = new_context
        yield browser
        browser.close()


CSP_VIOLATIONS: list[str] = []


@pytest.fixture(autouse=True)
def no_csp_violations():
    """The app has no inline script or style: the strict policy must never bite."""
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS


class LiveServer:
    """The app served by a thread on 127.0.0.1; it can be stopped and started again on the
    same port, to take the network away for real."""

    def __init__(self, app):
        self.app, self.port, self.server, self.thread = app, 0, None, None

    def start(self) -> LiveServer:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server(app):
    running = LiveServer(app).start()
    yield running
    if running.thread.is_alive():
        running.stop()


@pytest.fixture
def live_server(server):
    return server.url


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(**DESKTOP)
    yield context.new_page()
    context.close()


def eventually(check, timeout: float = 30, every: float = 0.25):
    """Wait until check() is true (for what happens in the background, like the outbox)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(every)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (tests/artifacts/) to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base: str, email: str, password: str = "demo-password") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def assert_fits_phone(page) -> None:
    """No sideways scrolling, and every button and link in the page is thumb-sized."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"
    small = page.evaluate("""() => [...document.querySelectorAll(
            'button, a.button, input:not([type=hidden]), select, textarea, summary, ' +
            '.topnav a, .card-link')]
        .filter(e => e.offsetParent !== null || e.closest('label')?.offsetParent)
        // a radio, checkbox or file input is tapped through its label
        .map(e => e.matches('input[type=radio], input[type=checkbox], input[type=file]')
                  ? e.closest('label') : e)
        .map(e => [e.textContent.trim() || e.name || e.tagName, e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert not small, f"targets under 44px tall: {small}"
