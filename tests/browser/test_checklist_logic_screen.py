"""Checklists that adapt, on the shopper's phone: a call nobody answered and an order never
placed ask nothing more about them, questions appear and go without moving what is under
the thumb, an answer's hidden follow-ups stay on the phone but never reach the server, and
an answer that misses a standard asks for its note (and a number out of range is refused
on the spot)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from shopper.store.connection import connect

from ..support import OFFICE
from .conftest import assert_fits_phone, eventually, screenshot, sign_in
from .test_shopper_visit_flow import (
    answer_screen,
    give_visit_times,
    start_leeds,
    wait_all_sent,
    wait_saved,
)
from .test_shopper_visit_flow import shopper_phone as phone_signed_in

shopper_phone = phone_signed_in  # the same fixture: a shopper signed in on a phone

pytestmark = pytest.mark.browser


def asked(page) -> list[str]:
    """The questions on screen, by their text."""
    return page.eval_on_selector_all(
        "section.question:not(.moment):not([hidden]) h2",
        "hs => hs.map(h => h.firstChild.textContent.trim())")


def segment(page, question: str, label: str):
    return page.locator("section.question", has_text=question).locator(
        ".segment span", has_text=re.compile(f"^{label}$"))


def go_to(page, position: int):
    page.locator(f"nav.steps [name=go][value='{position}']").click()
    page.wait_for_url(f"**/shell/*/{position}#*")


def stored_answers(app, uuid) -> dict:
    """The answers the server holds (value, na) by "touchpoint.question"."""
    db = connect(app.config["DATABASE"])
    try:
        return {f"{tp}.{key}": (json.loads(value) if value is not None else None, na)
                for tp, key, value, na in db.execute(
                    "SELECT t.key, q.key, a.value, a.na FROM answers a "
                    "JOIN visits v ON v.id = a.visit_id JOIN questions q ON q.id = a.question_id "
                    "JOIN touchpoints t ON t.id = q.touchpoint_id "
                    "WHERE v.uuid = ? AND (a.value IS NOT NULL OR a.na = 1)", [uuid])}
    finally:
        db.conn.close()


def test_no_call_and_no_order_ask_nothing_more_and_reach_the_server_so(app, shopper_phone):
    page = shopper_phone
    start_leeds(page)
    uuid = page.url.split("#")[1]
    for position in (1, 2):
        answer_screen(page)
        page.locator(".step-buttons .button-primary").click()
        page.wait_for_url(f"**/shell/*/{position + 1}#*")

    # Phone: before the first answer only the gate is asked; "No" asks nothing more.
    assert asked(page) == ["Did a person answer your call?"]
    gate = page.locator("section.question", has_text="Did a person answer your call?")
    top = gate.bounding_box()["y"]
    segment(page, "Did a person answer your call?", "Yes").click()
    expect(page.locator("section.question", has_text="How many rings")).to_be_visible()
    assert asked(page) == [
        "Did a person answer your call?", "How many rings before the call was answered?",
        "How was the call answered?", "How long were you on hold in total?",
        "If they couldn't help at once, was a call-back offered?"]
    assert gate.bounding_box()["y"] == top  # what is under the thumb does not move
    page.locator("section.question", has_text="How many rings").locator(
        ".count", has_text=re.compile(r"^2$")).click()
    segment(page, "was a call-back offered", "Yes").click()
    expect(page.locator("section.question", has_text="Did the promised call-back")).to_be_visible()
    screenshot(page, "logic-phone-answered-phone")
    segment(page, "Did a person answer your call?", "No").click()
    expect(page.locator("section.question", has_text="How many rings")).to_be_hidden()
    assert asked(page) == ["Did a person answer your call?"]
    assert gate.bounding_box()["y"] == top
    wait_saved(page)
    assert_fits_phone(page)
    screenshot(page, "logic-phone-not-answered-phone")

    # Delivery: nothing ordered skips the touchpoint, and says why.
    go_to(page, 5)
    segment(page, "Did you order anything", "No").click()
    notice = page.locator("[data-skipped]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Delivery is skipped: Nothing was ordered")
    assert asked(page) == ["Did you order anything to be delivered or collected?"]
    wait_saved(page)
    assert_fits_phone(page)
    screenshot(page, "logic-delivery-skipped-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "logic-delivery-skipped-desktop")
    page.set_viewport_size({"width": 390, "height": 844})

    for position in (4, 6):
        go_to(page, position)
        answer_screen(page)
    page.locator("nav.steps [name=go][value=review]").click()
    page.wait_for_url("**/shell/*/review#*")
    phone = page.locator(".review-touchpoint", has_text="3. Phone")
    expect(phone).to_contain_text("1 of 1 answered")
    expect(phone).not_to_contain_text("How many rings")
    expect(page.locator(".review-touchpoint", has_text="5. Delivery")).to_contain_text(
        "Skipped: Nothing was ordered")
    give_visit_times(page)
    screenshot(page, "logic-review-phone")
    page.get_by_role("button", name="Submit visit").click()
    page.wait_for_url("**/field/")
    wait_all_sent(page)

    # The server holds the questions asked, and none of those the phone kept hidden.
    answers = stored_answers(app, uuid)
    assert answers["phone.call_answered"] == ("no", 0)
    assert answers["delivery.ordered"] == ("no", 0)
    for hidden in ("phone.rings_before_answer", "phone.callback_offered", "phone.callback_kept",
                   "delivery.date_promised", "delivery.days_late"):
        assert hidden not in answers
    db = connect(app.config["DATABASE"])
    try:
        score = dict(db.execute(
            "SELECT vt.touchpoint_key, vt.score FROM visit_touchpoints vt "
            "JOIN visits v ON v.id = vt.visit_id WHERE v.uuid = ?", [uuid]).fetchall())
    finally:
        db.conn.close()
    assert score["delivery"] is None  # skipped: no part of the score, never a fail
    assert score["phone"] == 0  # a call nobody answers fails a critical standard


def test_a_hidden_answer_stays_on_the_phone_and_an_answer_asks_for_its_evidence(
        app, shopper_phone):
    page = shopper_phone
    start_leeds(page)
    uuid = page.url.split("#")[1]
    version = page.url.split("/shell/")[1].split("/")[0]
    page.goto(page.url.replace(f"/shell/{version}/1#", f"/shell/{version}/3#"))
    segment(page, "Did a person answer your call?", "Yes").click()
    rings = page.locator("section.question", has_text="How many rings")
    rings.locator(".count", has_text=re.compile(r"^2$")).click()
    segment(page, "Did a person answer your call?", "No").click()
    wait_saved(page)
    eventually(lambda: "phone.call_answered" in stored_answers(app, uuid))
    page.wait_for_timeout(6000)  # the outbox's next start: the hidden answer is not in it
    eventually(lambda: stored_answers(app, uuid).get("phone.call_answered") == ("no", 0))
    assert "phone.rings_before_answer" not in stored_answers(app, uuid)
    segment(page, "Did a person answer your call?", "Yes").click()
    expect(rings.locator(".count[aria-pressed=true]")).to_have_text("2")  # kept on the phone

    # A number out of range is refused where it is typed, and not sent.
    go_to(page, 5)
    segment(page, "Did you order anything", "Yes").click()
    late = page.locator("section.question", has_text="How many days after")
    late.locator(".count", has_text="6+").click()
    late.locator("input[inputmode=decimal]").fill("400")
    expect(late.locator("[data-range-error]")).to_have_text("Enter a value from 0 to 365 days.")
    late.locator(".count", has_text=re.compile(r"^3$")).click()
    expect(late.locator("[data-range-error]")).to_be_hidden()
    # …and a late delivery asks for a note.
    expect(late.locator("[data-evidence-note]")).to_be_visible()
    expect(late.locator("details.note")).to_have_attribute("open", "")
    screenshot(page, "logic-evidence-phone")

    # Service desk: pressure to buy (a critical standard missed) needs a note.
    go_to(page, 4)
    pressured = page.locator("section.question", has_text="Did you feel pressured")
    segment(page, "Did you feel pressured", "Yes").click()
    expect(pressured.locator("[data-evidence-note]")).to_be_visible()
    wait_saved(page)
    page.locator("nav.steps [name=go][value=review]").click()
    page.wait_for_url("**/shell/*/review#*")
    missing = page.locator("[data-missing]")
    expect(missing).to_contain_text("Did you feel pressured to buy or sign there and then?")
    expect(missing).to_contain_text("note needed")
    expect(missing).to_contain_text("How many days after the promised date did it arrive?")
    missing.get_by_role("link", name=re.compile("pressured")).first.click()
    page.wait_for_url("**/shell/*/4?focus=*")
    pressured.locator("textarea[name^=note-]").fill("Told the offer ends today.")
    wait_saved(page)
    page.locator("nav.steps [name=go][value=review]").click()
    page.wait_for_url("**/shell/*/review#*")
    expect(page.locator("[data-missing]")).not_to_contain_text("Did you feel pressured")


def test_head_offices_preview_shows_the_rules_working(app, live_server, desktop):
    page = desktop
    sign_in(page, live_server, OFFICE)
    db = connect(app.config["DATABASE"])
    try:
        version_id = db.execute("SELECT max(id) FROM checklist_versions").fetchone()[0]
    finally:
        db.conn.close()
    page.goto(f"{live_server}/office/checklist-versions/{version_id}/preview/3")
    assert asked(page) == ["Did a person answer your call?"]
    segment(page, "Did a person answer your call?", "Yes").click()
    expect(page.locator("section.question", has_text="How many rings")).to_be_visible()
    segment(page, "was a call-back offered", "Yes").click()
    expect(page.locator("section.question", has_text="Did the promised call-back")).to_be_visible()
    screenshot(page, "logic-preview-desktop")
    # An answer tried on one screen of the preview counts on the next ones.
    page.goto(f"{live_server}/office/checklist-versions/{version_id}/preview/5")
    segment(page, "Did you order anything", "No").click()
    expect(page.locator("[data-skipped]")).to_contain_text("Nothing was ordered")
    page.goto(f"{live_server}/office/checklist-versions/{version_id}/preview/3")
    expect(page.locator("section.question", has_text="How many rings")).to_be_visible()
