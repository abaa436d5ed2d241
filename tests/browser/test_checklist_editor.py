"""Head office builds checklist logic in the browser, by picking from lists: the question
(only those asked before), the operator in words, and one of that question's answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..support import OFFICE
from .conftest import assert_fits_phone, screenshot, sign_in

pytestmark = pytest.mark.browser

RULE = 'show_if = { question = "reception.greeted_within_30s", equals = "no" }'


def test_a_show_if_rule_built_by_picking_from_lists(live_server, desktop, phone):
    sign_in(desktop, live_server, OFFICE)
    desktop.goto(f"{live_server}/office/checklists/1/edit")
    # "If staff were busy, did someone acknowledge you?": only when not greeted at once
    desktop.locator("#tp-0-q-2-rules").get_by_text("Rules: none").click()
    rule = desktop.locator("#tp-0-q-2-show_if")
    rule.get_by_role("button", name="Add a condition").click()
    question = rule.get_by_label("Question")
    expect(question).to_be_focused()
    expect(question.locator("option")).to_have_text([
        "Choose an earlier question",
        "Reception · Were you greeted within 30 seconds of coming in?",
        "Reception · How were you greeted?"])
    question.select_option(label="Reception · Were you greeted within 30 seconds of coming in?")
    operator = rule.get_by_label("Answer")
    expect(operator.locator("option[value=less_than]")).to_be_disabled()  # not for yes / no
    operator.select_option(label="is")
    rule.get_by_label("Value").select_option(label="No")
    screenshot(desktop, "checklist-editor-rule-desktop")
    desktop.get_by_role("button", name="Save").click()
    expect(desktop.locator(".flash-info")).to_contain_text("Saved as version")
    expect(desktop.locator("main")).to_contain_text(
        "“If staff were busy, did someone acknowledge you?”: changed show if")

    export = desktop.get_by_role("link", name="Export TOML").first.get_attribute("href")
    toml = desktop.request.get(live_server + export).text()
    asked = toml.split('key = "acknowledged_when_busy"')[1].split("[[touchpoints.questions]]")[0]
    assert RULE in asked

    sign_in(phone, live_server, OFFICE)
    phone.goto(f"{live_server}/office/checklists/1/edit")
    expect(phone.locator("#tp-0-q-2-show_if-0-value")).to_have_value("no")
    assert_fits_phone(phone)
    screenshot(phone, "checklist-editor-rule-phone")
