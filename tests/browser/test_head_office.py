"""Head office in a browser: from a red heat-map cell to the visit behind it, and a visit's
review path: returned → the shopper answers → approved → the branch manager reads it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shopper.store.connection import connect

from ..support import MANAGER_A, OFFICE, SHOPPER
from .conftest import PHONE, eventually, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_from_a_heat_map_cell_to_the_visit_behind_it(live_server, desktop):
    sign_in(desktop, live_server, OFFICE)
    screenshot(desktop, "office-home-desktop")
    desktop.get_by_role("link", name="Heat map").first.click()
    desktop.wait_for_url("**/office/heatmap*")
    screenshot(desktop, "heatmap-desktop")
    cell = desktop.locator("tr:not(.rollup) td.cell-red a").first
    branch = cell.locator("xpath=ancestor::tr/th").inner_text()
    cell.click()
    desktop.wait_for_url("**/office/visits*")
    assert desktop.get_by_role("heading", level=1).inner_text().startswith(branch)
    screenshot(desktop, "heatmap-drilldown-desktop")
    desktop.locator("table a").first.click()
    desktop.wait_for_url("**/branch/visits/*")
    assert branch in desktop.get_by_role("heading", level=1).inner_text()
    for tab in ("League table", "Trends", "Consistency", "Weakest standards", "Moments"):
        desktop.get_by_role("link", name="Overview").click()
        desktop.get_by_role("link", name=tab).first.click()
        desktop.wait_for_load_state()
        assert desktop.locator(".tabs [aria-current=page]").inner_text() == tab
        screenshot(desktop, f"compare-{tab.lower().replace(' ', '-')}-desktop")


def test_return_answer_approve_publish(app, live_server, browser, desktop):
    db = connect(app.config["DATABASE"])
    visit = next(db.query(
        """SELECT v.uuid, b.name FROM visits v JOIN branches b ON b.id = v.branch_id
           JOIN users u ON u.id = v.shopper_id
           WHERE v.status = 'submitted' AND u.email = ? ORDER BY v.submitted_at LIMIT 1""",
        [SHOPPER]))
    sign_in(desktop, live_server, OFFICE)
    desktop.get_by_role("link", name="Review").click()
    desktop.goto(f"{live_server}/office/review/{visit['uuid']}")  # (the queue is tested apart)
    screenshot(desktop, "review-visit-desktop")
    desktop.get_by_label("Comment for the shopper").fill("Which desk served you?")
    desktop.get_by_role("button", name="Return to shopper").click()
    expect(desktop.locator(".flash-info")).to_contain_text("Returned to the shopper")

    context = browser.new_context(**PHONE)
    phone = context.new_page()
    sign_in(phone, live_server, SHOPPER)
    returned = phone.locator(".returned", has_text=visit["name"])
    expect(returned).to_contain_text("Which desk served you?")
    returned.get_by_role("link", name="Open and answer").click()
    phone.get_by_label("Your answer to head office").fill("The second desk, by the window.")
    phone.get_by_role("button", name="Submit visit").click()
    phone.wait_for_url("**/field/")
    context.close()
    eventually(lambda: db.execute("SELECT status FROM visits WHERE uuid = ?",
                                  [visit["uuid"]]).fetchone() == ("submitted",))

    desktop.goto(f"{live_server}/office/review/{visit['uuid']}")
    desktop.get_by_text("History").click()
    expect(desktop.locator(".history-list")).to_contain_text("The second desk, by the window.")
    desktop.get_by_role("button", name="Approve and publish").click()
    expect(desktop.locator(".flash-info")).to_contain_text("Published")
    desktop.get_by_role("button", name="Sign out").click()
    desktop.wait_for_url("**/login")

    # the branch's manager (the demo manager, linked to it here) can read it now
    db.execute("""INSERT OR IGNORE INTO manager_branches (user_id, branch_id)
                  SELECT u.id, v.branch_id FROM users u, visits v
                  WHERE u.email = ? AND v.uuid = ?""", [MANAGER_A, visit["uuid"]])
    db.close()
    sign_in(desktop, live_server, MANAGER_A)
    desktop.goto(f"{live_server}/branch/visits/{visit['uuid']}")
    expect(desktop.locator(".big-score")).to_be_visible()
    screenshot(desktop, "published-scorecard-desktop")


@pytest.mark.parametrize("path", ["/office/review", "/office/assignments", "/office/people",
                                  "/office/branches", "/office/league", "/office/moments",
                                  "/office/checklists", "/office/checklists/1/edit",
                                  "/office/checklists/1/history"])
def test_head_office_pages_look_finished(live_server, desktop, browser, path):
    sign_in(desktop, live_server, OFFICE)
    desktop.goto(live_server + path)
    name = path.strip("/").replace("/", "-").replace("-1-", "-")
    screenshot(desktop, f"{name}-desktop")
    tablet = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    page = tablet.new_page()
    sign_in(page, live_server, OFFICE)
    page.goto(live_server + path)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, f"{name}-tablet")
    tablet.close()
