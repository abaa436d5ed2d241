"""A visit in the field's network, at a person's pace (a second between taps) on a phone
(390×844), through a proxy of the tests' own (tests/flaky_proxy.py) that acts as a hotel's
captive portal, a front proxy answering 500, a dead connection, a reply lost after the
server committed, or no signal at all. Each test checks what the server holds at the end
(one visit, one row per photo, the answers as typed) and what the shopper saw on the way
(every text of the outbox's status bar, recorded as it changed)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench.field_visit import OutboxStatusLog
from shopper.store.connection import connect

from ..flaky_proxy import FlakyProxy
from ..support import PASSWORD, SHOPPER
from .conftest import CHROMIUM, FLAGS, PHONE, eventually, screenshot, sign_in
from .test_offline import do_visit

pytestmark = pytest.mark.browser

PACE_MS = 1000  # a person's pace: a second between taps
PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "hopper.jpg"
LEEDS = {"latitude": 53.7980, "longitude": -1.5420, "accuracy": 15}
PHONE_OPTIONS = {**PHONE, "geolocation": LEEDS, "permissions": ["geolocation"]}
VISIT_PUT = r"^/api/v1/visits/[^/]+$"
PHOTO_PUT = r"^/api/v1/visits/[^/]+/photos/"
SYNC_PUT = r"^/api/v1/visits/"
# What the shopper answers on the first screen (Reception), by question key.
RECEPTION = {"greeted_within_30s": ("Were you greeted within 30", "Yes", "yes"),
             "greeting_style": ("How were you greeted?", "Polite but flat", "Polite but flat"),
             "staff_appearance": ("How neat and professional", "4", "4")}
TYPED = {key: stored for key, (_, _, stored) in RECEPTION.items()}


# -- the shopper's taps -----------------------------------------------------------------

def tap(page, target) -> None:
    target.click()
    page.wait_for_timeout(PACE_MS)


def answer(page, question: str, choice: str) -> None:
    section = page.locator("section.question", has_text=question)
    tap(page, section.locator(".segment span, .choice span",
                              has_text=re.compile(f"^{re.escape(choice)}$")))


def start_visit(page) -> str:
    """Start the Leeds visit from home; the visit's UUID."""
    tap(page, page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "button", name="Start visit"))
    page.wait_for_url("**/field/shell/*/1#*")
    return page.url.split("#")[1]


def answer_reception(page) -> None:
    for question, choice, _ in RECEPTION.values():
        answer(page, question, choice)


def go_to_touchpoint(page, position: int) -> None:
    tap(page, page.locator(".steps .step", has_text=str(position)).first)
    page.wait_for_url(f"**/shell/*/{position}#*")


def photograph_the_car_park(page) -> None:
    """On the Parking screen: a photo from the gallery for the car park question."""
    section = page.locator("section.question", has_text="photo of the car park")
    section.locator("input[type=file]:not([capture])").set_input_files(PHOTO)
    section.locator(".thumb img").wait_for()
    page.wait_for_timeout(PACE_MS)


def status_bar(page):
    return page.locator("[data-outbox-status]")


# -- what the phone and the server hold -------------------------------------------------

def held(app, uuid: str) -> dict:
    """What the server holds of the visit: how many visits of its assignment, its status,
    its answers by question key ("na" for not applicable), and its photo rows."""
    db = connect(app.config["DATABASE"])
    try:
        row = db.execute("SELECT id, status, assignment_id FROM visits WHERE uuid = ?",
                         [uuid]).fetchone()
        if row is None:
            return {"visits": 0}
        visit_id, status, assignment = row
        answers = {key: "na" if na else str(json.loads(value)) for key, value, na in db.execute(
            """SELECT q.key, a.value, a.na FROM answers a JOIN questions q ON q.id = a.question_id
               WHERE a.visit_id = ? AND (a.value IS NOT NULL OR a.na)""", [visit_id])}
        return {"visits": db.execute("SELECT COUNT(*) FROM visits WHERE assignment_id = ?",
                                     [assignment]).fetchone()[0],
                "status": status, "answers": answers,
                "photos": db.execute("SELECT COUNT(*) FROM photos WHERE visit_id = ?",
                                     [visit_id]).fetchone()[0]}
    finally:
        db.close()


def delivered(answers: dict, photos: int, status: str = "draft") -> dict:
    """`held` as it should be once the visit has arrived exactly once, for comparing."""
    return {"visits": 1, "status": status, "answers": answers, "photos": photos}


def held_as_typed(app, uuid: str, typed: dict) -> dict:
    """`held`, with only the answers the test typed (the rest of the visit aside)."""
    state = held(app, uuid)
    if "answers" in state:
        state["answers"] = {key: state["answers"].get(key) for key in typed}
    return state


def wait_until(check, timeout: float) -> None:
    """Give the phone time to do something; the test then says what it did."""
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.25)


def wait_for_delivery(app, uuid: str, expected: dict, typed: dict, timeout: float) -> None:
    """Wait until the server holds the visit as expected; else fail, showing what it holds."""
    wait_until(lambda: held_as_typed(app, uuid, typed) == expected, timeout)
    assert held_as_typed(app, uuid, typed) == expected


def photo_files(app) -> set[str]:
    folder = Path(app.config["PHOTO_FOLDER"])
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def stored_photo_names(app, uuid: str) -> set[str]:
    db = connect(app.config["DATABASE"])
    try:
        rows = db.execute("""SELECT stored_name, thumb_name FROM photos p
                             JOIN visits v ON v.id = p.visit_id WHERE v.uuid = ?""", [uuid])
        return {name for pair in rows for name in pair}
    finally:
        db.close()


ON_PHONE = """uuid => new Promise((resolve, reject) => {
  const open = indexedDB.open("mystery-shopper");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(["visits", "photos"]);
    const visit = tx.objectStore("visits").get(uuid);
    const photos = tx.objectStore("photos").index("visitUuid").count(uuid);
    tx.oncomplete = () => {
      db.close();
      const v = visit.result || {};
      resolve({ photos: photos.result, submit: Boolean(v.submit), done: Boolean(v.done),
                problem: v.problem ? v.problem.message : null });
    };
  };
})"""


def on_phone(page, uuid: str) -> dict:
    """What the phone keeps of the visit in IndexedDB: photo bytes, and its state."""
    return page.evaluate(ON_PHONE, uuid)


def settled(page, uuid: str) -> bool:
    """The phone has made up its mind about a sent visit: done, or a problem."""
    state = on_phone(page, uuid)
    return state["done"] or state["problem"] is not None


# -- fixtures -----------------------------------------------------------------------------

@pytest.fixture
def proxy(server):
    """The field's network: between the phone and the app, passing everything at first."""
    with FlakyProxy(server.port) as running:
        yield running


@pytest.fixture
def context(browser):
    context = browser.new_context(**PHONE_OPTIONS)
    yield context
    context.close()


@pytest.fixture
def statuses(context):
    return OutboxStatusLog(context)


@pytest.fixture
def page(context, proxy, statuses):
    """The shopper signed in through the proxy, the app's screens kept on the phone."""
    page = context.new_page()
    sign_in(page, proxy.base, SHOPPER)
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1", timeout=30000)
    return page


# -- the tests ------------------------------------------------------------------------------

def test_a_captive_portal_keeps_everything_on_the_phone_until_it_goes_away(app, proxy,
                                                                            page):
    """A hotel's Wi-Fi answers every request with its sign-in page (200, HTML). Nothing
    it says may count as the server's confirmation: the shopper keeps working from the
    saved screens, every item waits on the phone, and once the portal is passed the
    visit and its photo arrive once."""
    proxy.set("captive_portal")
    uuid = start_visit(page)
    answer_reception(page)
    go_to_touchpoint(page, 2)
    assert "Parking" in page.locator(".progress").inner_text()  # the saved screen
    photograph_the_car_park(page)
    answer(page, "free space near the entrance", "No")
    page.wait_for_timeout(3000)
    assert held(app, uuid) == {"visits": 0}
    assert on_phone(page, uuid)["photos"] == 1
    expect(status_bar(page)).to_contain_text(re.compile(r"\d+ items?"))
    screenshot(page, "field-network-captive-portal-phone")

    proxy.set("pass")
    answer(page, "marked visitor spaces", "Yes")  # the shopper carries on: sent now
    typed = {**TYPED, "space_available": "no", "visitor_spaces": "yes"}
    wait_for_delivery(app, uuid, delivered(typed, photos=1), typed, timeout=30)
    expect(status_bar(page)).to_have_text("All sent", timeout=30000)
    assert [e.app_status for e in proxy.exchanges("PUT", PHOTO_PUT) if e.app_status] == [200]


def test_server_errors_keep_everything_on_the_phone_until_the_server_answers(app, proxy,
                                                                             page):
    """The front proxy answers the sync API with its own 500 page: the items wait on the
    phone, nothing arrives twice, and everything arrives once the errors stop."""
    proxy.set("error_500", path=SYNC_PUT)
    uuid = start_visit(page)
    answer_reception(page)
    go_to_touchpoint(page, 2)
    photograph_the_car_park(page)
    page.wait_for_timeout(2000)
    assert proxy.exchanges("PUT", SYNC_PUT), "the phone never tried to send"
    assert held(app, uuid) == {"visits": 0}
    assert on_phone(page, uuid)["photos"] == 1
    expect(status_bar(page)).to_contain_text(re.compile(r"\d+ items?"))

    proxy.set("pass")
    answer(page, "free space near the entrance", "Yes")
    typed = {**TYPED, "space_available": "yes"}
    wait_for_delivery(app, uuid, delivered(typed, photos=1), typed, timeout=30)
    expect(status_bar(page)).to_have_text("All sent", timeout=30000)
    assert [e.app_status for e in proxy.exchanges("PUT", PHOTO_PUT) if e.app_status] == [200]


def test_a_stalled_request_times_out_and_is_tried_again(app, proxy, page, statuses):
    """A connection that takes the request and never answers (weak signal, a dying
    Wi-Fi): the phone gives up on it within 20 s and tries again, and the status bar
    never sits on "Sending 1 of 1" for longer than that."""
    proxy.set("stall", method="PUT", path=SYNC_PUT, times=2)
    uuid = start_visit(page)
    answer_reception(page)
    first = proxy.exchanges("PUT", SYNC_PUT)[0]
    eventually(lambda: first.gave_up_after is not None
               or time.monotonic() - first.started > 25, every=0.5)
    sending = statuses.longest(r"^Sending")
    assert first.gave_up_after is not None and first.gave_up_after <= 20, (
        f"the phone still waited for its first PUT after "
        f"{time.monotonic() - first.started:.0f} s; the bar said {statuses.texts()}, "
        f"'Sending…' for {sending:.0f} s")

    wait_for_delivery(app, uuid, delivered(TYPED, photos=0), TYPED, timeout=45)
    attempts = proxy.exchanges("PUT", SYNC_PUT)
    assert [e.mode for e in attempts[:3]] == ["stall", "stall", "pass"]
    assert all(e.gave_up_after <= 20 for e in attempts[:2]), attempts[:2]
    assert statuses.longest(r"^Sending") <= 20, statuses.shown


def test_coming_back_online_sends_at_once(app, proxy, context, page, statuses):
    """The signal goes while a request hangs on a dead connection, and comes back: the
    phone sends at once, not at its next scheduled retry, and not never."""
    proxy.set("stall", method="PUT", path=SYNC_PUT, times=1)
    uuid = start_visit(page)
    answer(page, *RECEPTION["greeted_within_30s"][:2])
    page.wait_for_timeout(1000)
    assert proxy.exchanges("PUT", SYNC_PUT)[0].mode == "stall"

    proxy.set("offline")
    context.set_offline(True)
    answer(page, *RECEPTION["greeting_style"][:2])
    answer(page, *RECEPTION["staff_appearance"][:2])
    page.wait_for_timeout(3000)

    proxy.set("pass")
    context.set_offline(False)
    back = time.monotonic()
    expected = delivered(TYPED, photos=0)
    wait_until(lambda: held_as_typed(app, uuid, TYPED) == expected, timeout=10)
    took = time.monotonic() - back
    attempts = [(e.mode, e.status, e.gave_up_after) for e in proxy.exchanges("PUT", SYNC_PUT)]
    assert held_as_typed(app, uuid, TYPED) == expected and took <= 3, (
        f"{took:.0f} s after the signal came back the server held "
        f"{held_as_typed(app, uuid, TYPED)}; the phone's PUTs (mode, status, gave up "
        f"after): {attempts}; the bar said {statuses.texts()}")


def test_a_reply_lost_after_the_commit_is_recognised_on_the_retry(app, proxy, page):
    """The server stores the visit, then the photo, but each reply is lost on the way
    back: the phone sends each again under the same UUID and the server answers that it
    already holds it (or, for the photo, the visit's next reply says so first). One
    visit, one photo row, one photo file and its thumbnail on disk;
    the phone stops sending once it has heard."""
    files_before = photo_files(app)
    uuid = start_visit(page)
    proxy.set("drop_reply_after_commit", method="PUT", path=VISIT_PUT, times=1)
    proxy.add("drop_reply_after_commit", method="PUT", path=PHOTO_PUT, times=1)
    answer_reception(page)
    go_to_touchpoint(page, 2)
    photograph_the_car_park(page)
    answer(page, "free space near the entrance", "Yes")

    typed = {**TYPED, "space_available": "yes"}
    wait_for_delivery(app, uuid, delivered(typed, photos=1), typed, timeout=40)
    expect(status_bar(page)).to_have_text("All sent", timeout=30000)
    photo_puts = [(e.mode, e.app_status, e.status) for e in proxy.exchanges("PUT", PHOTO_PUT)]
    # Sent again and told it is held, or not sent again at all: the next visit reply
    # already listed it as held (which of the two depends on which reply comes first).
    assert photo_puts in ([("drop_reply_after_commit", 200, None), ("pass", 200, 200)],
                          [("drop_reply_after_commit", 200, None)])
    assert photo_files(app) - files_before == stored_photo_names(app, uuid)
    assert len(stored_photo_names(app, uuid)) == 2  # the photo and its thumbnail


def test_a_submit_whose_reply_was_lost_ends_sent_once_and_calm(app, proxy, context, page):
    """The submit reaches the server, but its reply is lost as the signal goes. The
    shopper goes back to the last screen and taps a different answer (a read-only screen
    ignores the tap), then the signal returns. The visit ends submitted once, as it was
    submitted; the phone lets go of the photos the server holds and says it is sent: no
    "Not accepted", nothing that "needs you"."""
    do_visit(page)  # every screen answered, the photos sent as it went
    uuid = page.url.split("#")[1]
    expect(status_bar(page)).to_have_text("All sent", timeout=30000)
    proxy.set("offline", method="PUT", path=VISIT_PUT)
    proxy.add("drop_reply_after_commit", method="PUT", path=VISIT_PUT, times=1)
    tap(page, page.get_by_role("button", name="Submit visit"))
    page.wait_for_url("**/field/")
    eventually(lambda: any(e.mode == "drop_reply_after_commit"
                           for e in proxy.exchanges("PUT", VISIT_PUT)))
    context.set_offline(True)
    assert held(app, uuid)["status"] == "submitted"

    page.go_back()  # the review screen
    page.wait_for_timeout(PACE_MS)
    page.go_back()  # the last touchpoint
    page.wait_for_url("**/shell/*/6#*")
    page.wait_for_timeout(PACE_MS)
    feedback = page.locator("section.question", has_text="asked for feedback")
    feedback.locator(".segment span", has_text=re.compile("^No$")).click(force=True)
    page.wait_for_timeout(2000)
    shown_after_tap = feedback.locator("input:checked").get_attribute("value")
    tap(page, page.locator(".topnav a", has_text="My visits"))
    proxy.set("pass")
    context.set_offline(False)

    wait_until(lambda: settled(page, uuid), timeout=20)
    page.wait_for_timeout(2000)
    screenshot(page, "field-network-lost-submit-reply-phone")
    typed = {"greeted_within_30s": "yes", "staff_name": "Priya", "feedback_requested": "yes"}
    seen = {"server": held_as_typed(app, uuid, typed), "phone": on_phone(page, uuid),
            "home says not accepted": "Not accepted" in page.inner_text("main"),
            "status bar": status_bar(page).inner_text(),
            "last screen showed": shown_after_tap}
    assert seen == {
        "server": delivered(typed, photos=2, status="submitted"),
        "phone": {"photos": 0, "submit": True, "done": True, "problem": None},
        "home says not accepted": False, "status bar": "All sent",
        "last screen showed": "yes"}


def test_fully_online_the_status_bar_never_says_failed(app, proxy, page, statuses):
    """With a good network, answers and two photos at a person's pace: the bar moves
    between sending and sent, never a red "Failed", and each photo goes up once."""
    uuid = start_visit(page)
    answer_reception(page)
    tap(page, page.locator(".moment .segment span", has_text="Golden"))
    go_to_touchpoint(page, 2)
    photograph_the_car_park(page)
    answer(page, "free space near the entrance", "Yes")
    moment_photos = page.locator("#moment input[type=file]:not([capture])")
    moment_photos.set_input_files(PHOTO)
    page.locator("#moment .thumb img").wait_for()
    page.wait_for_timeout(PACE_MS)
    answer(page, "marked visitor spaces", "No")

    typed = {**TYPED, "space_available": "yes", "visitor_spaces": "no"}
    wait_for_delivery(app, uuid, delivered(typed, photos=2), typed, timeout=30)
    expect(status_bar(page)).to_have_text("All sent", timeout=30000)
    assert statuses.failures() == [], statuses.texts()
    assert len(proxy.exchanges("PUT", PHOTO_PUT)) == 2


def test_no_signal_is_shown_as_waiting_not_failed(app, proxy, context, page, statuses):
    """In airplane mode the phone is not failing, it is waiting: the bar says so in
    neutral words ("Offline: 3 items will be sent when there is signal"), never a red
    "Failed", and everything goes once the signal is back."""
    proxy.set("offline")
    context.set_offline(True)
    uuid = start_visit(page)
    answer_reception(page)
    go_to_touchpoint(page, 2)
    photograph_the_car_park(page)
    page.locator("#moment input[type=file]:not([capture])").set_input_files(PHOTO)
    page.locator("#moment .thumb img").wait_for()
    page.wait_for_timeout(3000)
    offline_texts, offline_failures = statuses.texts(), statuses.failures()
    bar = status_bar(page).inner_text()
    screenshot(page, "field-network-offline-phone")

    proxy.set("pass")
    context.set_offline(False)
    wait_for_delivery(app, uuid, delivered(TYPED, photos=2), TYPED, timeout=30)
    assert not offline_failures and re.search(r"^Offline\b.*\b3 items\b", bar), (
        f"offline, the bar said {bar!r}; all it said: {offline_texts}")


def test_unsent_work_survives_a_browser_restart_with_no_signal(app, proxy, browser,
                                                               tmp_path):
    """Signed in with "Keep me signed in on this phone", the shopper starts a visit with
    no signal and answers; the browser is closed (swiped away) and opened again, still
    with no signal: home and the visit's screen open, the answers still there. Back
    online, the visit arrives once, without signing in again."""
    profile = tmp_path / "profile"

    def launch():
        context = browser.browser_type.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=FLAGS, **PHONE_OPTIONS)
        return context, context.pages[0] if context.pages else context.new_page()

    context, page = launch()
    try:
        page.goto(f"{proxy.base}/login")
        page.get_by_label("Email").fill(SHOPPER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Keep me signed in on this phone").check()
        tap(page, page.get_by_role("button", name="Sign in"))
        expect(page.locator("html")).to_have_attribute("data-offline-ready", "1",
                                                       timeout=30000)
        proxy.set("offline")
        context.set_offline(True)
        uuid = start_visit(page)
        answer_reception(page)
        expect(page.locator("[data-save-state]")).to_have_text(re.compile("^Saved"))
    finally:
        context.close()

    context, page = launch()
    try:
        context.set_offline(True)
        page.goto(f"{proxy.base}/field/")
        expect(page.locator("main")).to_contain_text("My assignments")
        tap(page, page.get_by_role("link", name="Continue visit"))
        page.wait_for_url(f"**/shell/*/1#{uuid}")
        for question, choice, _ in RECEPTION.values():
            section = page.locator("section.question", has_text=question)
            expect(section.locator("input:checked")).to_have_count(1)
            assert section.locator("input:checked + span").inner_text() == choice
        screenshot(page, "field-network-restart-offline-phone")

        proxy.set("pass")
        context.set_offline(False)
        wait_for_delivery(app, uuid, delivered(TYPED, photos=0), TYPED,
                          timeout=30)
        expect(status_bar(page)).to_have_text("All sent", timeout=30000)
    finally:
        context.close()


def test_weak_signal_opens_every_screen_from_the_phone_at_once(proxy, page, app):
    """A connection that takes every request and answers none (one bar of signal): home
    opens from the phone's copy within about a second, and the touchpoint and review
    screens at once; nothing the phone kept is downloaded again."""
    uuid = start_visit(page)
    answer_reception(page)
    review = f"{proxy.base}/field/shell/1/review#{uuid}"
    page.goto(review)
    page.locator("[data-timing]").wait_for()
    proxy.set("stall", seconds=30)
    before = len(proxy.exchanges())
    timings = {}
    for name, url in (("home", f"{proxy.base}/field/"),
                      ("touchpoint", f"{proxy.base}/field/shell/1/2#{uuid}"),
                      ("review", review)):
        started = time.monotonic()
        page.goto(url, wait_until="domcontentloaded")
        page.locator("main h1, main .progress").first.wait_for(timeout=10000)
        timings[name] = time.monotonic() - started
    screenshot(page, "field-network-weak-signal-review-phone")
    assert timings["home"] <= 2.5, timings
    assert timings["touchpoint"] <= 1.0 and timings["review"] <= 1.0, timings
    expect(page.locator(".review-touchpoint", has_text="1. Reception")).to_contain_text(
        "3 of 6 answered")
    kept = [e.path for e in proxy.exchanges()[before:]
            if e.path.startswith(("/field/shell/", "/api/v1/checklist-versions/"))]
    assert kept == [], kept
