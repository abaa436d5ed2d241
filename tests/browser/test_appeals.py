"""A branch manager on a phone challenges a finding on a freshly published scorecard; head
office, at a desk, overturns it; the manager sees the new score and head office's comment,
and the shopper the outcome without who asked. Screenshots of each page at phone and
desktop size are left in tests/artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shopper.store.connection import connect, now

from ..support import MANAGER_A, OFFICE
from .conftest import DESKTOP, PHONE, assert_fits_phone, screenshot, sign_in

pytestmark = pytest.mark.browser

REASON = "The name badge was on: our rota shows Ana on the desk that morning."
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def just_published(app) -> dict:
    """The latest published visit of LDS01 with a gap, published a moment ago (the demo's
    are older than the appeal window)."""
    db = connect(app.config["DATABASE"])
    try:
        visit = next(db.query(
            """SELECT v.id, v.uuid, v.score, u.email AS shopper FROM visits v
               JOIN branches b ON b.id = v.branch_id JOIN users u ON u.id = v.shopper_id
               WHERE b.code = 'LDS01' AND v.status = 'published'
                 AND EXISTS (SELECT 1 FROM answers a JOIN questions q ON q.id = a.question_id
                             WHERE a.visit_id = v.id AND a.outcome = 'not_met'
                               AND q.category = 'basic')
               ORDER BY v.visit_date DESC LIMIT 1"""))
        db.execute("UPDATE visits SET published_at = ? WHERE id = ?", [now(), visit["id"]])
        return visit
    finally:
        db.close()


def score_of(app, visit_id: int) -> float:
    db = connect(app.config["DATABASE"])
    try:
        return db.execute("SELECT score FROM visits WHERE id = ?", [visit_id]).fetchone()[0]
    finally:
        db.close()


def at_both_sizes(page, name: str) -> None:
    """Screenshots at phone and desktop width; neither may scroll sideways."""
    for size, label in ((PHONE["viewport"], "phone"), (DESKTOP["viewport"], "desktop")):
        page.set_viewport_size(size)
        assert_fits_phone(page)
        screenshot(page, f"{name}-{label}")


def test_a_manager_appeals_and_head_office_overturns(app, live_server, phone, desktop):
    visit = just_published(app)
    sign_in(phone, live_server, MANAGER_A)
    phone.goto(f"{live_server}/branch/visits/{visit['uuid']}")
    gap = phone.locator(".gap").first
    gap.get_by_text("Challenge this finding").click()
    gap.get_by_label("Why the finding is wrong").fill(REASON)
    gap.locator(".appeal-form").scroll_into_view_if_needed()
    at_both_sizes(phone, "appeal-form")
    phone.set_viewport_size(PHONE["viewport"])
    gap.get_by_label("Photo or PDF").set_input_files(
        {"name": "rota.txt", "mimeType": "text/plain", "buffer": b"not a photo"})
    gap.get_by_role("button", name="Send appeal").click()
    gap = phone.locator(".gap").first
    expect(gap.locator(".error")).to_contain_text("Attach a photo")
    expect(gap.get_by_label("Why the finding is wrong")).to_have_value(REASON)
    assert_fits_phone(phone)
    gap.get_by_label("Photo or PDF").set_input_files(
        {"name": "rota.pdf", "mimeType": "application/pdf", "buffer": PDF})
    gap.get_by_role("button", name="Send appeal").click()
    expect(phone.locator(".gap").first).to_contain_text("Waiting for head office")
    expect(phone.locator("#appeals")).to_contain_text(REASON)

    sign_in(desktop, live_server, OFFICE)
    desktop.goto(f"{live_server}/office/review")
    # The demo's own appeal waits too.
    desktop.get_by_role("link", name="Appeals waiting: 2").click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Appeals waiting")
    at_both_sizes(desktop, "appeals-list")
    desktop.locator(".appeal-row", has_text="PDF attached").click()
    expect(desktop.locator(".appeal")).to_contain_text(REASON)
    at_both_sizes(desktop, "appeal-decision")
    desktop.get_by_text("Overturn: correct the answer and rescore").click()
    desktop.get_by_label("Comment").fill("The rota and the photo agree: the badge was on.")
    desktop.get_by_role("button", name="Record decision").click()
    expect(desktop.locator(".flash-info")).to_contain_text("Appeal overturned")

    rescored = score_of(app, visit["id"])
    assert rescored > visit["score"]
    phone.reload()
    expect(phone.locator(".big-score")).to_have_text(f"{rescored:.0f}%")
    expect(phone.locator(".scorecard-head")).to_contain_text("1 finding was overturned on appeal")
    appeal = phone.locator("#appeals .appeal", has_text=REASON)
    expect(appeal).to_contain_text("Overturned")
    expect(appeal).to_contain_text("The rota and the photo agree: the badge was on.")
    appeal.scroll_into_view_if_needed()
    at_both_sizes(phone, "appeal-decided")

    shopper = phone.context.browser.new_context(**PHONE).new_page()
    sign_in(shopper, live_server, visit["shopper"])
    shopper.goto(f"{live_server}/field/visits/{visit['uuid']}/review")
    outcome = shopper.locator(".appeal-decision")
    expect(outcome).to_contain_text("This finding was reviewed after the visit was published.")
    assert REASON not in shopper.content() and MANAGER_A not in shopper.content()
    outcome.scroll_into_view_if_needed()
    assert_fits_phone(shopper)
    screenshot(shopper, "appeal-outcome-shopper-phone")
    shopper.context.close()
