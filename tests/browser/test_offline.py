"""With no signal: the app cold-starts from the service worker, a whole visit with photos is
done, survives reloads and a closed page, and reaches the server exactly once when the
signal returns. The outbox keeps its items through server errors, time-outs and a captive
portal's page, and signing out with unsent items asks first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from shopper.store.connection import connect

from ..support import OTHER_SHOPPER, SHOPPER
from .conftest import PHONE, assert_fits_phone, eventually, screenshot, sign_in
from .test_shopper_visit_flow import answer_screen, give_visit_times, wait_all_sent

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser):
    context = browser.new_context(**PHONE, permissions=["geolocation"],
                                  geolocation={"latitude": 53.798, "longitude": -1.542})
    yield context
    context.close()


def ready_for_offline(context, base):
    """Sign in with signal and let the app keep what it needs on the phone."""
    page = context.new_page()
    sign_in(page, base, SHOPPER)
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1", timeout=30000)
    return page


def outbox_text(page) -> str:
    return page.locator("[data-outbox-status]").inner_text()


def do_visit(page, screenshots=False):
    """Start the Leeds visit and answer every screen; stop on the review screen."""
    page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "button", name="Start visit").click()
    page.wait_for_url("**/field/shell/*/1#*")
    count = len(page.locator(".steps .step").all()) - 1
    for position in range(1, count + 1):
        answer_screen(page)
        if screenshots:
            screenshot(page, f"offline-touchpoint-{position}-phone")
        page.locator(".step-buttons .button-primary").click()
        page.wait_for_url(f"**/shell/*/{position + 1}#*" if position < count
                          else "**/shell/*/review#*")
    give_visit_times(page)
    return page.url


def visits_in(app, uuid):
    db = connect(app.config["DATABASE"])
    try:
        return (db.execute("SELECT COUNT(*), MAX(status) FROM visits WHERE uuid = ?",
                           [uuid]).fetchone(),
                db.execute("SELECT COUNT(*) FROM photos p JOIN visits v ON v.id = p.visit_id "
                           "WHERE v.uuid = ?", [uuid]).fetchone()[0])
    finally:
        db.close()


def test_a_whole_visit_with_no_signal_reaches_the_server_once(app, server, context):
    page = ready_for_offline(context, server.url)
    page.close()
    server.stop()  # no network at all: not even the service worker can reach the server
    context.set_offline(True)

    page = context.new_page()  # a cold start, in airplane mode
    page.goto(server.url + "/field/")
    assert "My assignments" in page.inner_text("main")
    review_url = do_visit(page, screenshots=True)
    uuid = review_url.split("#")[1]

    page.reload()  # reload and close/reopen while offline: nothing is lost
    page.close()
    page = context.new_page()
    page.goto(review_url)
    page.get_by_role("button", name="Submit visit").click()
    page.wait_for_url("**/field/")
    assert "Saved on this phone: your visit to" in page.inner_text("main")
    # Offline is a state, not a failure: said calmly, with what happens next.
    status = page.locator("[data-outbox-status]")
    expect(status).to_contain_text(
        re.compile(r"Offline: \d+ items? will be sent when there is signal"))
    assert status.get_attribute("data-kind") != "error"
    assert "waiting to send" in page.locator("[data-local-visits]").inner_text()
    assert_fits_phone(page)
    screenshot(page, "offline-waiting-phone")

    server.start()  # signal again
    context.set_offline(False)
    # one visit, submitted, with the car park photo and the receipt
    eventually(lambda: visits_in(app, uuid) == ((1, "submitted"), 2), timeout=60)
    wait_all_sent(page)
    screenshot(page, "offline-all-sent-phone")


@pytest.mark.parametrize("failure", ["server_error", "timeout", "captive_portal"])
def test_failures_while_sending_keep_the_items_until_delivered(app, server, context, failure):
    page = ready_for_offline(context, server.url)
    failures = {"count": 0}

    def fail(route):
        failures["count"] += 1
        if failure == "server_error":
            route.fulfill(status=500, content_type="text/html", body="<h1>Server error</h1>")
        elif failure == "timeout":
            route.abort("timedout")
        else:  # a hotel Wi-Fi login page that answers everything with 200
            route.fulfill(status=200, content_type="text/html",
                          body="<html><body>Please log in to Free WiFi</body></html>")

    context.route("**/api/v1/**", fail)
    review_url = do_visit(page)
    uuid = review_url.split("#")[1]
    page.get_by_role("button", name="Submit visit").click()
    page.wait_for_url("**/field/")
    # A real failure says so, and what happens next.
    expect(page.locator("[data-outbox-status]")).to_contain_text(
        re.compile(r"Not sent: .*waiting, trying again in \d+ s"), timeout=30000)
    assert failures["count"] > 0
    assert visits_in(app, uuid) == ((0, None), 0)
    assert "waiting to send" in page.locator("[data-local-visits]").inner_text()

    context.unroute("**/api/v1/**")
    page.evaluate("dispatchEvent(new Event('online'))")
    eventually(lambda: visits_in(app, uuid) == ((1, "submitted"), 2), timeout=60)
    wait_all_sent(page)


def test_signing_out_with_unsent_items_asks_and_keeps_them_for_their_owner(app, server,
                                                                          context):
    page = ready_for_offline(context, server.url)
    context.route("**/api/v1/visits/**", lambda route: route.fulfill(status=503, body="busy"))
    page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "button", name="Start visit").click()
    page.wait_for_url("**/field/shell/*/1#*")
    uuid = page.url.split("#")[1]
    answer_screen(page)
    page.goto(server.url + "/field/")

    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_timeout(500)
    assert questions and "not been sent" in questions[0]
    assert page.url.endswith("/field/")  # still signed in

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")

    sign_in(page, server.url, OTHER_SHOPPER)  # someone else on the same phone
    assert page.locator(".assignment").count() == 0  # Jo has no assignments
    assert page.locator("[data-local-visits]").is_hidden()
    expect(page.locator("[data-outbox-status]")).to_have_text("All sent")
    context.unroute("**/api/v1/visits/**")
    page.wait_for_timeout(1500)
    assert visits_in(app, uuid) == ((0, None), 0)  # never sent under someone else's name
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")

    sign_in(page, server.url, SHOPPER)  # the owner again: the item is still there, and goes
    eventually(lambda: visits_in(app, uuid)[0] == (1, "draft"), timeout=60)
    assert page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "link", name="Continue visit").is_visible()


def test_unsent_items_older_than_three_days_are_a_plain_warning(app, server, context):
    page = ready_for_offline(context, server.url)
    context.route("**/api/v1/visits/**", lambda route: route.fulfill(status=503, body="busy"))
    page.evaluate("""async () => {
        const store = await import('/static/store.js');
        const owner = Number(document.querySelector('meta[name=user-id]').content);
        const fourDaysAgo = Date.now() - 4 * 24 * 60 * 60 * 1000;
        await store.putVisit({uuid: '11111111-2222-4333-8444-555555555555', owner,
            assignmentId: 1, versionId: 1, branchName: 'Leeds Briggate',
            startedAt: '2026-11-20T09:00:00Z', answers: {}, moments: {}, photoMeta: {},
            submit: false, changedAt: fourDaysAgo, sentAt: 0});
    }""")
    page.reload()
    warning = page.locator("[data-storage-warning]")
    warning.wait_for()
    assert "not been sent for over three days" in warning.inner_text()


def test_the_app_still_opens_offline_after_the_session_ended(app, server, context):
    """The browser forgot the session (closed, expired, or signed out elsewhere): opening
    the app with signal shows the sign-in page, and that must not cost the shopper the
    pages kept on the phone: with no signal the app opens from them, unsent visit included."""
    page = ready_for_offline(context, server.url)
    context.route("**/api/v1/visits/**", lambda route: route.fulfill(status=503, body="busy"))
    page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "button", name="Start visit").click()
    page.wait_for_url("**/field/shell/*/1#*")
    answer_screen(page)
    context.clear_cookies()
    page.goto(server.url + "/field/")
    assert "/login" in page.url  # with signal: sign in again, please
    context.set_offline(True)
    page.goto(server.url + "/field/")
    assert page.get_by_role("heading", level=1).first.inner_text() == "My assignments"
    expect(page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "link", name="Continue visit")).to_be_visible()
    screenshot(page, "offline-after-session-ended-phone")
    context.set_offline(False)


def test_starting_a_visit_at_once_after_signing_in_still_keeps_the_app(app, server, context):
    """A shopper who signs in and starts a visit straight away, before the home page has
    kept its screens, still finds the app with no signal later: the service worker keeps
    them, and moving on to the visit does not cut that off."""
    page = context.new_page()
    sign_in(page, server.url, SHOPPER)
    page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "button", name="Start visit").click()
    page.wait_for_url("**/field/shell/*/1#*")
    answer_screen(page)
    eventually(lambda: page.evaluate("""async () => {
        const names = await caches.keys();
        const pages = names.find((n) => n.startsWith('pages-'));
        return Boolean(pages && await (await caches.open(pages)).match('/field/'));
    }"""), timeout=30)
    context.set_offline(True)
    page.goto(server.url + "/field/")
    assert page.get_by_role("heading", level=1).first.inner_text() == "My assignments"
    context.set_offline(False)
