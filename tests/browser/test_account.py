"""Anyone signed in finds "Change your password" on every page, on a phone as on a
desktop, and changes it without being signed out of the device in their hand."""

from __future__ import annotations

import pytest

from ..support import MANAGER_A, SHOPPER
from .conftest import assert_fits_phone, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_shopper_changes_their_password_on_a_phone(live_server, phone):
    sign_in(phone, live_server, SHOPPER)
    phone.get_by_role("link", name="Change your password").click()
    phone.wait_for_url("**/account/password")
    assert phone.get_by_role("heading", level=1).inner_text() == "Change your password"
    phone.locator("input[name=current]").fill("demo-password")
    phone.locator("input[name=new]").fill("short")
    phone.locator("input[name=repeat]").fill("short")
    phone.get_by_role("button", name="Change password").click()
    assert "Use 10 to 200 characters." in phone.inner_text("main")
    assert_fits_phone(phone)
    screenshot(phone, "password-refused-phone")
    phone.locator("input[name=current]").fill("demo-password")
    phone.locator("input[name=new]").fill("a-much-longer-one")
    phone.locator("input[name=repeat]").fill("a-much-longer-one")
    phone.get_by_role("button", name="Change password").click()
    phone.wait_for_url("**/field/")
    assert "Password changed" in phone.inner_text("main")
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url("**/login")
    sign_in(phone, live_server, SHOPPER, password="a-much-longer-one")
    assert phone.url == live_server + "/field/"


def test_the_password_page_on_a_desktop(live_server, desktop):
    sign_in(desktop, live_server, MANAGER_A)
    desktop.get_by_role("link", name="Morgan Reid").click()
    desktop.wait_for_url("**/account/password")
    assert desktop.get_by_label("Current password").is_visible()
    screenshot(desktop, "password-desktop")
