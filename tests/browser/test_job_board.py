"""A shopper on a phone, at a person's pace: finds a visit on the job board, reads why
another is not for them, takes one for a chosen day and reads its scenario; a second
shopper, a moment too late, is told kindly. Then head office sees who took it and the
payments page. Screenshots at phone and desktop size land in tests/artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..support import OFFICE, OTHER_SHOPPER, SHOPPER
from .conftest import assert_fits_phone, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_shopper_takes_a_visit_from_the_board_on_a_phone(live_server, phone, browser):
    sign_in(phone, live_server, SHOPPER)
    phone.get_by_role("link", name="Find visits to take").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Visits to take")
    assert_fits_phone(phone)
    screenshot(phone, "job-board-phone")
    card = phone.locator(".job", has=phone.get_by_text("You can take this visit")).first
    branch = card.locator("h3").inner_text()
    phone.wait_for_timeout(600)  # reading the card
    card.get_by_role("link", name="See the visit").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(branch)
    expect(phone.get_by_text("The scenario shows here once the visit is yours.")).to_be_visible()
    assert_fits_phone(phone)
    screenshot(phone, "job-detail-phone")

    late = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(late, live_server, OTHER_SHOPPER)
    late.goto(phone.url)  # the same visit open on another shopper's phone

    phone.wait_for_timeout(400)
    phone.get_by_role("button", name="Take this visit").click()
    expect(phone.locator(".flash-info")).to_contain_text("is yours")
    expect(phone.get_by_role("heading", name="Scenario")).to_be_visible()
    screenshot(phone, "job-taken-phone")

    if late.get_by_role("button", name="Take this visit").count():
        late.get_by_role("button", name="Take this visit").click()
        expect(late.locator(".flash-error")).to_contain_text(
            "Someone else took this visit a moment before you")
        expect(late.get_by_role("heading", name="Scenario")).to_have_count(0)
        assert_fits_phone(late)
    late.context.close()

    phone.goto(f"{live_server}/field/")
    expect(phone.locator(".assignment", has_text=branch)).to_be_visible()


def test_head_office_sees_the_board_and_the_payments_at_a_desk(live_server, desktop):
    sign_in(desktop, live_server, OFFICE)
    desktop.goto(f"{live_server}/office/jobs")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Job board")
    screenshot(desktop, "office-jobs-desktop")
    desktop.goto(f"{live_server}/office/payments")
    expect(desktop.get_by_role("heading", name="Approved, to pay")).to_be_visible()
    screenshot(desktop, "office-payments-desktop")
    desktop.set_viewport_size({"width": 390, "height": 844})
    assert_fits_phone(desktop)
