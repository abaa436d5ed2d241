"""What the shopper sees of a visit on the phone, at a person's pace: how far each
touchpoint has got, what is still missing (one tap to the very question), a photo the
server refused (on its own question, with a retake), the review before submitting, a
submitted visit that can no longer change, text typed a moment before the page closed,
and the one-time storage notice."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench import field_visit
from shopper.store.connection import connect

from ..support import SHOPPER
from .conftest import ARTIFACTS, PHONE, assert_fits_phone, eventually, screenshot, sign_in
from .test_shopper_visit_flow import (
    answer_screen,
    first_or_standard,
    give_visit_times,
    start_leeds,
    wait_all_sent,
    wait_saved,
)

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
PACE_MS = 800  # between taps: a person, not a script


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def page(context, live_server):
    page = context.new_page()
    sign_in(page, live_server, SHOPPER)
    return page


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its data does not hold: no browser can draw it, so
    the phone sends it as it is, and the server reads the header and refuses the size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"x")
            + chunk(b"IEND", b""))


REFUSED = {
    "damaged": ({"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
                 "buffer": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"cut short" * 40},
                "This photo is damaged: take it again."),
    "not_an_image": ({"name": "notes.jpg", "mimeType": "image/jpeg",
                      "buffer": b"Shopping list: milk, bread\n" * 20},
                     "This file is not a photo we can use: take the photo again."),
    "too_many_pixels": ({"name": "panorama.png", "mimeType": "image/png",
                         "buffer": png_claiming(8000, 7000)},
                        "This photo is too large to send: take it again with the camera."),
}


def photos_held(app, uuid: str) -> list[tuple]:
    db = connect(app.config["DATABASE"])
    try:
        return db.execute("SELECT p.question_id, p.touchpoint_id FROM photos p JOIN visits v "
                          "ON v.id = p.visit_id WHERE v.uuid = ?", [uuid]).fetchall()
    finally:
        db.close()


def go_to(page, position: int):
    page.locator(f".steps .step[value='{position}']").click()
    page.wait_for_url(f"**/shell/*/{position}#*")


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_a_refused_photo_shows_on_its_question_with_a_retake(page, app, kind):
    upload, message = REFUSED[kind]
    start_leeds(page)
    uuid = page.url.split("#")[1]
    go_to(page, 2)  # Parking: the car park photo
    question = page.locator("section[data-kind=photo]")
    question.locator("input[type=file]:not([capture])").set_input_files(upload)
    problem = question.locator(".thumb-refused .thumb-problem")
    expect(problem).to_have_text(message, timeout=20000)
    status = page.locator("[data-outbox-status]")
    expect(status).to_contain_text("needs you")
    assert "All sent" not in status.inner_text()
    assert photos_held(app, uuid) == []
    assert_fits_phone(page)
    screenshot(page, f"visit-photo-refused-{kind}-phone")

    if kind == "damaged":  # the home page counts it among what the draft needs
        page.goto(page.url.split("/field/")[0] + "/field/")
        needs = page.locator(".assignment", has_text="Leeds Briggate").locator("[data-draft-needs]")
        expect(needs).to_contain_text("1 photo to take again")
        page.go_back()
        page.wait_for_url("**/shell/*/2#*")

    page.wait_for_timeout(PACE_MS)
    page.locator(".thumb-refused input[data-retake]").set_input_files(FIXTURES / "hopper.jpg")
    expect(page.locator(".thumb-refused")).to_have_count(0)
    expect(question.locator(".thumb img")).to_have_count(1)
    wait_all_sent(page)
    held = photos_held(app, uuid)
    assert len(held) == 1 and held[0][0] is not None  # on its question, once


def test_each_screen_shows_its_progress_and_the_review_leads_to_each_gap(page, app):
    start_leeds(page)
    counter = page.locator("[data-answered]")
    expect(counter).to_have_text(re.compile(r"^0 of \d+ answered$"))
    total = int(counter.inner_text().split(" of ")[1].split()[0])
    first = page.locator("section.question:not(.moment)").first
    first.locator(".segment span", has_text="No").click()  # greeted within 30 s: no
    wait_saved(page)
    expect(counter).to_have_text(f"1 of {total} answered")
    chip = page.locator(".steps .step[value='1']")
    expect(chip).to_have_class(re.compile("step-partial"))
    expect(chip).to_have_attribute("aria-label", "1. Reception: partly done")
    expect(page.locator(".steps .step[value='2']")).to_have_attribute(
        "aria-label", "2. Parking: not started")

    # On past unanswered required questions: allowed, and said once.
    page.wait_for_timeout(PACE_MS)
    page.locator(".step-buttons .button-primary").click()
    page.wait_for_url("**/shell/*/2#*")
    expect(page.locator("main")).to_contain_text("Reception: ")
    expect(page.locator("main")).to_contain_text("still unanswered")
    answer_screen(page)  # Parking, every question
    expect(page.locator(".steps .step[value='2']")).to_have_class(re.compile("step-done"))
    assert_fits_phone(page)
    screenshot(page, "visit-progress-chips-phone")
    go_to(page, 1)
    page.wait_for_timeout(PACE_MS)
    page.locator(".step-buttons .button-primary").click()
    page.wait_for_url("**/shell/*/2#*")
    assert "still unanswered" not in page.inner_text("main")  # once is enough
    expect(page.locator(".steps .step[value='2']")).to_have_attribute(
        "aria-label", "2. Parking: done")

    # The review: answers with the fail marked, and each gap one tap from its question.
    page.locator(".steps .step-review").click()
    page.wait_for_url("**/shell/*/review#*")
    reception = page.locator(".review-touchpoint", has_text="1. Reception")
    fail = reception.locator(".review-fail")
    expect(fail).to_have_count(1)
    expect(fail).to_contain_text("Were you greeted within 30 seconds")
    expect(fail).to_contain_text("misses the standard")
    expect(page.locator(".review-touchpoint", has_text="2. Parking")).to_contain_text("Golden")
    missing = page.locator("[data-missing] li a")
    expect(missing.first).to_contain_text("When: The visit's date, time in and time out")
    missing = missing.filter(has_text="Reception:")
    assert_fits_phone(page)
    screenshot(page, "visit-review-answers-phone")
    target = missing.first.get_attribute("href")
    question_id = re.search(r"focus=q(\d+)", target).group(1)
    missing.first.click()
    page.wait_for_url("**/shell/*/1?focus=*")
    asked = page.locator(f"#q{question_id}")
    expect(asked).to_have_class(re.compile("question-focus"))
    expect(asked).to_be_in_viewport()
    screenshot(page, "visit-missing-question-focused-phone")


def test_text_typed_just_before_a_reload_or_a_close_is_kept(page, context):
    start_leeds(page)
    url = page.url
    reason = page.get_by_label("Why, in one line")
    reason.press_sequentially("Door held open", delay=60)
    page.reload()  # at once: no pause for the save
    expect(page.get_by_label("Why, in one line")).to_have_value("Door held open")
    page.get_by_label("Why, in one line").click()
    page.keyboard.press("End")
    page.keyboard.type(" with a smile", delay=60)
    page.close()  # and closing the tab at once
    again = context.new_page()
    again.goto(url)
    expect(again.get_by_label("Why, in one line")).to_have_value("Door held open with a smile")


def test_a_submitted_visit_is_read_only_on_the_phone(page, context, app):
    """Submitted with no signal: the submit may reach the server at any moment, so the
    phone no longer lets the visit change; it is delivered once signal returns."""
    start_leeds(page)
    uuid = page.url.split("#")[1]
    for position in range(1, 7):
        answer_screen(page)
        page.locator(".step-buttons .button-primary").click()
        page.wait_for_url("**/shell/*/review#*" if position == 6
                          else f"**/shell/*/{position + 1}#*")
    give_visit_times(page)
    wait_all_sent(page)
    context.set_offline(True)
    page.get_by_role("button", name="Submit visit").click()
    page.wait_for_url("**/field/")
    expect(page.locator("main")).to_contain_text(
        "Saved on this phone: your visit to Leeds Briggate is sent when there is signal.")
    row = page.locator("[data-local-visits] li", has_text="Leeds Briggate")
    expect(row).to_contain_text("waiting to send")
    row.locator("a").click()
    page.wait_for_url("**/shell/*/review#*")
    expect(page.locator("[data-review-state]")).to_have_text(
        "Saved on this phone: sent when there is signal.")
    expect(page.get_by_role("button", name="Submit visit")).to_be_hidden()
    page.locator(".review-touchpoint h2 a").first.click()
    page.wait_for_url("**/shell/*/1#*")
    expect(page.locator("[data-locked-note]")).to_contain_text("can no longer be changed")
    expect(page.locator("section.question input").first).to_be_disabled()
    screenshot(page, "visit-submitted-read-only-phone")
    context.set_offline(False)
    page.evaluate("dispatchEvent(new Event('online'))")
    db = connect(app.config["DATABASE"])
    try:
        eventually(lambda: db.execute("SELECT status FROM visits WHERE uuid = ?",
                                      [uuid]).fetchone() == ("submitted",))
    finally:
        db.close()


def test_the_storage_notice_is_shown_once_and_can_be_dismissed(page, context):
    assert page.locator("[data-storage-notice]").count() == 0
    start_leeds(page)
    # A fresh browser profile is not granted persistent storage: the case to tell.
    assert page.evaluate("navigator.storage.persisted()") is False
    notice = page.locator("[data-storage-notice]")
    expect(notice).to_contain_text("may clear what is saved on this phone")
    screenshot(page, "visit-storage-notice-phone")
    notice.get_by_role("button", name="OK").click()
    expect(notice).to_have_count(0)
    go_to(page, 2)
    page.reload()
    expect(page.locator("[data-storage-notice]")).to_have_count(0)


def test_the_default_checklist_takes_few_taps_and_no_typing(page, app):
    """Every question of the default checklist answered as a thumb would, navigation and
    Submit included: at most 1.3 taps a question, and nothing typed (only the one free-text
    question asks for words, like a note). Filled in on the spot, the visit's times are
    the phone's own, in one tap."""
    taps = {"count": 0}
    typed = []

    def tap(target):
        target.click()
        taps["count"] += 1
        page.wait_for_timeout(1300)  # a person's pace: the visit lasts over a minute

    tap(page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "button", name="Start visit"))
    page.wait_for_url("**/field/shell/*/1#*")
    questions = 0
    count = page.locator(".steps .step").count() - 1
    for position in range(1, count + 1):
        for section in field_visit.questions_asked(page):
            questions += 1
            kind = section.get_attribute("data-kind")
            if kind == "duration":
                tap(section.get_by_role("button", name="Start"))
                stop = section.get_by_role("button", name="Stop")
                expect(stop).to_have_class(re.compile("button-stop"))  # red: not the Start
                if position == 3:
                    section.screenshot(path=str(ARTIFACTS / "visit-stopwatch-running-phone.png"))
                tap(stop)
            elif kind == "number":
                assert section.locator(".count-buttons").count(), "a count to type"
                tap(section.locator(".count", has_text=re.compile(r"^0$")))
            elif kind in ("yes_no", "scale"):
                tap(section.locator(".segment span", has_text=re.compile(
                    f"^{first_or_standard(section)}$")).first)
            elif kind == "choice":
                tap(section.locator(".choice span").first)
            elif kind == "multi_choice":
                for option in section.locator(".choice span").all()[:2]:
                    tap(option)
            elif kind == "photo":
                section.locator("input[type=file]:not([capture])").set_input_files(
                    FIXTURES / "hopper.jpg")
                taps["count"] += 1
            elif kind == "text":
                section.locator("textarea[name^=q-]").fill("Priya")
                typed.append(section.locator("h2").inner_text())
        if position == 3:
            assert_fits_phone(page)
            screenshot(page, "visit-counts-phone")
        tap(page.locator(".step-buttons .button-primary"))
        page.wait_for_url("**/shell/*/review#*" if position == count
                          else f"**/shell/*/{position + 1}#*")
    tap(page.locator("[data-suggest-times]"))  # filled in on the spot: the phone's times
    tap(page.get_by_role("button", name="Submit visit"))
    page.wait_for_url("**/field/")
    ratio = taps["count"] / questions
    assert ratio <= 1.3, f"{taps['count']} taps for {questions} questions: {ratio:.2f}"
    assert len(typed) <= 1, typed


def test_a_photo_thumbnail_crosses_the_network_once(page, app, live_server):
    """A sent visit's photos, opened twice: the phone keeps each thumbnail the first time
    (for this user), and the second look costs no download."""
    fetched = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        if environ["PATH_INFO"].endswith("/thumb"):
            fetched.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting
    try:
        expect(page.locator("html")).to_have_attribute("data-offline-ready", "1", timeout=30000)
        sent = page.locator("[data-server-visit] a").first.get_attribute("href")

        def look() -> int:
            page.goto(live_server + sent)
            expect(page.locator(".sent-photos img").first).to_be_visible()
            page.wait_for_function("[...document.querySelectorAll('.sent-photos img')]"
                                   ".every((img) => img.complete && img.naturalWidth > 0)")
            return page.locator(".sent-photos img").count()

        shown = look()
        first_look = len(fetched)
        assert first_look == shown, fetched  # each once
        assert look() == shown
        assert len(fetched) == first_look, fetched[first_look:]  # and not again
    finally:
        app.wsgi_app = inner
    screenshot(page, "visit-sent-read-only-phone")
