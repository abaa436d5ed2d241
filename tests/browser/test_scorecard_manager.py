"""A branch manager on a phone: opens the latest scorecard, sees the score, the weakest
moment and the gaps, acknowledges it and records an action; the scorecard prints cleanly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from shopper.store.connection import connect

from ..support import MANAGER_A, OFFICE
from .conftest import assert_fits_phone, screenshot, sign_in

pytestmark = pytest.mark.browser


def latest_with_gaps(app):
    db = connect(app.config["DATABASE"])
    try:
        return next(db.query(
            """SELECT v.uuid, v.score FROM visits v JOIN branches b ON b.id = v.branch_id
               WHERE b.code = 'LDS01' AND v.status = 'published'
                 AND EXISTS (SELECT 1 FROM answers a WHERE a.visit_id = v.id
                             AND a.outcome = 'not_met')
               ORDER BY v.visit_date DESC LIMIT 1"""))
    finally:
        db.close()


def test_a_manager_reads_a_scorecard_and_records_an_action(app, live_server, phone):
    visit = latest_with_gaps(app)
    sign_in(phone, live_server, MANAGER_A)  # one branch: its page is the home page
    assert phone.get_by_role("heading", level=1).inner_text() == "Leeds Briggate"
    assert_fits_phone(phone)
    screenshot(phone, "branch-page-phone")
    phone.goto(f"{live_server}/branch/visits/{visit['uuid']}")
    assert phone.locator(".big-score").inner_text().startswith(f"{visit['score']:.0f}")
    assert "Weakest moment" in phone.inner_text(".headline")
    assert_fits_phone(phone)
    screenshot(phone, "scorecard-phone")

    phone.get_by_role("button", name="Acknowledge").click()
    expect(phone.locator(".acknowledge")).to_contain_text("Acknowledged on")

    gap = phone.locator(".gap").first
    gap.get_by_text("Record an action").click()
    gap.get_by_label("What will change").fill("Greet every visitor within 30 seconds")
    gap.get_by_label("Who").fill("Ana Duty Manager")
    gap.get_by_label("Done by").fill((date.today() - timedelta(days=1)).isoformat())
    gap.get_by_role("button", name="Save action").click()
    expect(phone.locator(".gap .error").first).to_have_text("The due date cannot be in the past.")
    gap = phone.locator(".gap").first
    gap.get_by_label("Done by").fill((date.today() + timedelta(days=14)).isoformat())
    gap.get_by_role("button", name="Save action").click()
    expect(phone.locator(".gap .action").first).to_contain_text(
        "Greet every visitor within 30 seconds")
    phone.locator(".gap").first.get_by_label("What was done").fill("Rota changed")
    phone.locator(".gap").first.get_by_role("button", name="Mark done").click()
    expect(phone.locator(".gap .action").first).to_contain_text("done")
    assert_fits_phone(phone)
    screenshot(phone, "scorecard-action-phone")


def test_the_scorecard_prints_to_a4(app, live_server, desktop):
    visit = latest_with_gaps(app)
    sign_in(desktop, live_server, OFFICE)
    desktop.goto(f"{live_server}/branch/visits/{visit['uuid']}")
    assert "Shopper:" in desktop.inner_text(".scorecard-head")  # head office sees who
    screenshot(desktop, "scorecard-desktop")
    desktop.emulate_media(media="print")
    assert desktop.locator(".topbar").is_hidden()
    screenshot(desktop, "scorecard-print")
    from .conftest import ARTIFACTS
    ARTIFACTS.mkdir(exist_ok=True)
    desktop.pdf(path=str(ARTIFACTS / "scorecard.pdf"), format="A4")
    assert (ARTIFACTS / "scorecard.pdf").stat().st_size > 10_000
