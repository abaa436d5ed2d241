"""Head office builds checklist logic in the browser, by picking from lists: the question
(only those asked before), the operator in words, and one of that question's answers."""

from __future__ import annotations

import re

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
    desktop.locator("#tp-0 > details > summary").click()
    desktop.locator("#tp-0-q-2- > details > summary").click()
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
    phone.locator("#tp-0 > details > summary").click()
    phone.locator("#tp-0-q-2- > details > summary").click()
    expect(phone.locator("#tp-0-q-2-show_if-0-value")).to_be_visible()
    assert_fits_phone(phone)
    screenshot(phone, "checklist-editor-rule-phone")


def keys_of(page, live_server, touchpoint: str) -> list[str]:
    """The question keys of a touchpoint, in order, from the saved checklist's TOML."""
    export = page.get_by_role("link", name="Export TOML").first.get_attribute("href")
    toml = page.request.get(live_server + export).text()
    part = toml.split(f'key = "{touchpoint}"')[1].split("[[touchpoints]]")[0]
    return [line.split('"')[1] for line in part.splitlines()
            if line.startswith("key = ") and "questions" not in line]


def test_folded_touchpoints_and_questions_reordered_from_the_keyboard(live_server, desktop):
    sign_in(desktop, live_server, OFFICE)
    desktop.goto(f"{live_server}/office/checklists/1/edit")
    reception = desktop.locator("#tp-0")
    expect(reception.locator("> details > summary")).to_have_text(re.compile(
        r"^Reception — \d+ questions$"))
    expect(reception.get_by_label("Key").first).to_be_hidden()  # folded
    reception.locator("> details > summary").click()
    first = desktop.locator("#tp-0-q-0- > details > summary")
    expect(first).to_have_text(
        "Were you greeted within 30 seconds of coming in? — Yes / No")
    first.focus()
    desktop.keyboard.press("Alt+ArrowDown")  # a form post: the page comes back
    moved = desktop.locator("#tp-0-q-1-down")
    expect(moved).to_be_focused()
    expect(desktop.locator("#tp-0-q-1- > details > summary")).to_have_text(
        "Were you greeted within 30 seconds of coming in? — Yes / No")
    expect(desktop.locator("[data-move-status]")).to_have_text(re.compile(
        r"^Moved “Were you greeted within 30 seconds of coming in\?” to 2 of \d+\.$"))
    desktop.keyboard.press("Alt+ArrowDown")  # again, from the button the cursor is on
    expect(desktop.locator("#tp-0-q-2-down")).to_be_focused()
    screenshot(desktop, "checklist-editor-folded-desktop")
    desktop.locator("#tp-1 > details > summary").focus()  # Parking, second
    desktop.keyboard.press("Alt+ArrowUp")
    expect(desktop.locator("#tp-0-down")).to_be_focused()
    expect(desktop.locator("#tp-0 > details > summary")).to_have_text(re.compile("^Parking"))
    expect(desktop.locator("#tp-0 > details")).not_to_have_attribute("open", "")
    expect(desktop.locator("[data-move-status]")).to_have_text(re.compile(
        r"^Moved “Parking” to 1 of \d+\.$"))
    desktop.get_by_role("button", name="Save").click()
    expect(desktop.locator(".flash-info")).to_contain_text("Saved as version")
    keys = keys_of(desktop, live_server, "reception")
    assert keys.index("greeted_within_30s") == 2, keys
    toml = desktop.request.get(live_server + desktop.get_by_role(
        "link", name="Export TOML").first.get_attribute("href")).text()
    assert toml.index('key = "parking"') < toml.index('key = "reception"')


def test_leaving_with_unsaved_changes_warns(live_server, desktop):
    sign_in(desktop, live_server, OFFICE)
    desktop.goto(f"{live_server}/office/checklists/1/edit")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    desktop.on("dialog", answer)
    desktop.get_by_label("Name", exact=True).first.fill("Default, renamed")
    desktop.locator(".topbar a").first.click()
    expect(desktop.get_by_label("Name", exact=True).first).to_have_value("Default, renamed")
    assert dialogs == ["beforeunload"]
    desktop.remove_listener("dialog", answer)
    desktop.get_by_role("button", name="Save").click()  # saving is not leaving
    expect(desktop.locator(".flash-info")).to_contain_text("Saved as version")


def test_the_folded_editor_is_short_on_a_phone(live_server, phone):
    sign_in(phone, live_server, OFFICE)
    phone.goto(f"{live_server}/office/checklists/1/edit")
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, height
    assert_fits_phone(phone)
    screenshot(phone, "checklist-editor-folded-phone")
