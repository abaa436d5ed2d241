"""Each demo account signs in on a phone and on a desktop and lands on a finished-looking
home page of its own."""

from __future__ import annotations

import pytest

from ..support import MANAGER_A, OFFICE, SHOPPER
from .conftest import assert_fits_phone, screenshot, sign_in

pytestmark = pytest.mark.browser

HOMES = [(SHOPPER, "/field/", "My assignments"),
         (MANAGER_A, "/branch/", "Leeds Briggate"),
         (OFFICE, "/office/", "Overview")]


@pytest.mark.parametrize(("email", "path", "heading"), HOMES)
def test_sign_in_on_a_phone(live_server, phone, email, path, heading):
    sign_in(phone, live_server, email)
    assert phone.url == live_server + path
    assert phone.get_by_role("heading", level=1).first.inner_text() == heading
    assert_fits_phone(phone)
    screenshot(phone, f"home-{email.split('@')[0]}-phone")


@pytest.mark.parametrize(("email", "path", "heading"), HOMES)
def test_sign_in_on_a_desktop(live_server, desktop, email, path, heading):
    sign_in(desktop, live_server, email)
    assert desktop.url == live_server + path
    assert desktop.get_by_role("heading", level=1).first.inner_text() == heading
    screenshot(desktop, f"home-{email.split('@')[0]}-desktop")


def test_wrong_password_shows_a_clear_message(live_server, phone):
    sign_in(phone, live_server, SHOPPER, password="wrong-password")
    assert phone.url.endswith("/login")
    assert phone.get_by_role("alert").inner_text() == \
        "That email and password do not match an active account."
    assert_fits_phone(phone)
    screenshot(phone, "login-error-phone")


def test_sign_out(live_server, phone):
    sign_in(phone, live_server, SHOPPER)
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url("**/login")
    assert "You are signed out." in phone.inner_text("main")
    phone.goto(live_server + "/field/")
    assert "/login" in phone.url


def test_signing_out_with_no_signal_says_it_needs_signal(live_server, phone):
    sign_in(phone, live_server, MANAGER_A)
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Sign out").click()
    alert = phone.get_by_role("alert").filter(has_text="Signing out needs signal")
    alert.wait_for()
    assert phone.url == live_server + "/branch/"  # still on the page, not "No internet"
    screenshot(phone, "signout-offline-phone")
    phone.context.set_offline(False)
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url("**/login")
