"""A branch manager on a phone follows through: from the branch page to the overdue
actions, marks one done with a photo of it (a file that is not a photo is refused on the
spot, the note kept), and finds it under the done ones with its photo. The list reads
well at phone and desktop sizes, with actions in every state."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from shopper.store import actions
from shopper.store.connection import connect
from shopper.workflows.scorecards import complete_action

from ..support import MANAGER_A, OFFICE
from .conftest import assert_fits_phone, screenshot, sign_in

pytestmark = pytest.mark.browser

# description, owner, due in days from today, done
PLAN = [
    ("Greet every visitor within 30 seconds, even at lunch", "Ana Duty Manager", -4, False),
    ("Name badges handed out at the start of each shift", "Ben", 3, False),
    ("Second person on the phones from 12 to 2", "Ana Duty Manager", 40, False),
    ("Call-back list checked every day at 4 pm", "Chris", 9, True),
]


@pytest.fixture
def planned(app):
    """LDS01's latest published visits' missed standards, each with an action: one
    overdue, one due soon, one due later and one done (with a photo)."""
    db = connect(app.config["DATABASE"])
    try:
        gaps = list(db.query(
            """SELECT v.id AS visit_id, a.question_id FROM visits v
               JOIN branches b ON b.id = v.branch_id
               JOIN answers a ON a.visit_id = v.id AND a.outcome = 'not_met'
               WHERE b.code = 'LDS01' AND v.status = 'published'
               ORDER BY v.visit_date DESC, a.question_id LIMIT ?""", [len(PLAN)]))
        manager = db.execute("SELECT id FROM users WHERE email = ?", [MANAGER_A]).fetchone()[0]
        ids = []
        for gap, (description, owner, days, done) in zip(gaps, PLAN, strict=True):
            visit = next(db.query("SELECT * FROM visits WHERE id = ?", [gap["visit_id"]]))
            actions.record(db, visit, gap["question_id"], {
                "description": description, "owner": owner,
                "due_date": (date.today() + timedelta(days=days)).isoformat()}, manager)
            ids.append(actions.of_visit(db, visit["id"])[gap["question_id"]]["id"])
            if done:
                complete_action(db, app.config["PHOTO_FOLDER"], ids[-1],
                                "List pinned beside the phone", manager, a_jpeg("olive"))
        return ids
    finally:
        db.close()


def a_jpeg(colour: str) -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(image, "JPEG")
    return image.getvalue()


def test_a_manager_filters_to_overdue_and_marks_one_done_with_a_photo(
        app, live_server, phone, planned, tmp_path):
    sign_in(phone, live_server, MANAGER_A)  # one branch: its page is the home page
    expect(phone.locator(".tally")).to_contain_text("3 actions open")
    assert_fits_phone(phone)
    phone.get_by_role("link", name="All actions").click()
    expect(phone.locator(".action-card")).to_have_count(4)
    assert_fits_phone(phone)
    screenshot(phone, "actions-phone")

    phone.locator("summary", has_text="Filters").click()  # folded on a phone
    phone.get_by_label("Show").select_option("overdue")
    phone.get_by_role("button", name="Show", exact=True).click()
    assert "state=overdue" in phone.url
    card = phone.locator(".action-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("4 days overdue")

    not_a_photo = tmp_path / "notes.pdf"
    not_a_photo.write_bytes(b"%PDF-1.4 a document, not a photo")
    card.get_by_text("Mark as done").click()
    card.get_by_label("What was done").fill("Greeter rota on the staff board")
    card.get_by_label("Photo of it").set_input_files(str(not_a_photo))
    card.get_by_role("button", name="Mark done").click()
    card = phone.locator(".action-card")
    expect(card.locator(".photo-field + .error")).to_contain_text(
        "This file is not a photo we can read")
    expect(card.get_by_label("What was done")).to_have_value("Greeter rota on the staff board")
    assert_fits_phone(phone)
    screenshot(phone, "actions-done-refused-phone")

    photo = tmp_path / "rota.jpg"
    photo.write_bytes(a_jpeg("teal"))
    card.get_by_label("Photo of it").set_input_files(str(photo))
    card.scroll_into_view_if_needed()
    screenshot(phone, "actions-done-form-phone")
    card.get_by_role("button", name="Mark done").click()
    expect(phone.locator(".flash-info")).to_contain_text("Action marked done.")
    assert "state=overdue" in phone.url
    expect(phone.locator(".action-card")).to_have_count(0)

    phone.get_by_label("Show").select_option("done")
    phone.get_by_role("button", name="Show", exact=True).click()
    done = phone.locator(".action-card", has_text="Greeter rota on the staff board")
    image = done.locator(".done-photo img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_fits_phone(phone)


def test_the_list_at_desktop_size_for_head_office(app, live_server, desktop, planned):
    db = connect(app.config["DATABASE"])
    branch = db.execute("SELECT id FROM branches WHERE code = 'LDS01'").fetchone()[0]
    db.close()
    sign_in(desktop, live_server, OFFICE)
    desktop.goto(f"{live_server}/branch/{branch}/actions")
    expect(desktop.locator(".action-card")).to_have_count(4)
    expect(desktop.locator(".done-photo img")).to_be_visible()
    assert desktop.locator(".done-form").count() == 0  # head office reads only
    screenshot(desktop, "actions-desktop")
