"""Every page each role reaches (the access matrix's GET pages), on a 390 px phone (head
office's and managers' on a 768 px tablet too): nothing scrolls sideways, no button or link
is cut by the screen's edge, and head office's navigation opens from its menu; filters fold
and drill-downs lead back with them. Screenshots of the key pages, phone and desktop, land in
tests/artifacts/ to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..support import OFFICE
from ..test_access_matrix import samples  # noqa: F401 (a fixture)
from .conftest import DESKTOP, PHONE, screenshot, sign_in
from .site_pages import ROLES, reachable_pages
from .test_accessibility import open_page

pytestmark = pytest.mark.browser

WIDTH = PHONE["viewport"]["width"]
# Controls whose box leaves the screen, left or right (in a scrolled table, a cut button).
CLIPPED = """(width) => [...document.querySelectorAll(
        'main button, main a.button, main summary, main input:not([type=hidden]), main select,' +
        '.topbar a, .topbar button, .topbar summary')]
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([, box]) => box.width > 0 && (box.left < -0.5 || box.right > width + 0.5))
    .map(([e, box]) => `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim()
        .slice(0, 30)}" ${Math.round(box.left)}..${Math.round(box.right)}`)"""
# A table wider than its box hides columns behind a sideways scroll: only the heat map, a
# grid of touchpoints by branch, is meant to scroll (and says so).
SCROLLED_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
    .filter(e => !e.matches('[data-scrolls]') && e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.querySelector('th')?.textContent.trim()}…: ` +
              `${e.scrollWidth}px in ${e.clientWidth}px`)"""
KEY_PAGES = {"office": ["/office/", "/office/review", "/office/league", "/office/heatmap",
                        "/office/visits", "/office/people", "/office/branches",
                        "/office/assignments", "/office/payments", "/office/jobs",
                        "/office/appeals"],
             "manager_a": ["/branch/", "/branch/1"],
             "shopper": ["/field/", "/field/jobs", "/field/visits/"]}


def layout_problems(page, path: str, screen: int) -> list[str]:
    """What does not fit a screen `screen` px wide on the page now open."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > screen:
        problems.append(f"{path}: the page is {width}px wide, it scrolls sideways")
    problems += [f"{path}: cut by the screen's edge: {cut}"
                 for cut in page.evaluate(CLIPPED, screen)]
    problems += [f"{path}: a table scrolls sideways: {table}"
                 for table in page.evaluate(SCROLLED_TABLES)]
    return problems


def shot_name(visitor: str, path: str, size: str) -> str:
    slug = path.strip("/").replace("/", "-") or "home"
    return f"a11y-{visitor}-{slug}-{size}"


@pytest.mark.parametrize("visitor", ROLES)
def test_every_page_fits_a_phone(app, samples, live_server, browser, visitor):  # noqa: F811
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server, ROLES[visitor])
    failures = []
    for path in reachable_pages(app, samples, visitor):
        open_page(page, f"{live_server}{path}")
        failures += layout_problems(page, path, WIDTH)
        if any(path.startswith(key) if key.endswith("/") and key != "/field/" else path == key
               for key in KEY_PAGES[visitor]):
            screenshot(page, shot_name(visitor, path, "phone"))
    context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("visitor", ["office", "manager_a"])
def test_every_office_and_manager_page_fits_a_tablet(app, samples, live_server, browser,  # noqa: F811
                                                     visitor):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, ROLES[visitor])
    failures = []
    for path in reachable_pages(app, samples, visitor):
        open_page(page, f"{live_server}{path}")
        failures += layout_problems(page, path, 768)
    context.close()
    assert not failures, "\n".join(failures)


def test_head_office_navigation_opens_from_a_menu_on_a_phone(live_server, phone):
    sign_in(phone, live_server, OFFICE)
    menu = phone.locator(".topbar summary", has_text="Menu")
    expect(menu).to_be_visible()
    menu.click()
    for name in ("Overview", "Review", "Assignments", "People", "Branches", "Checklists",
                 "Jobs", "Payments"):
        expect(phone.get_by_role("link", name=name, exact=True)).to_be_visible()
    screenshot(phone, "a11y-office-menu-phone")
    phone.keyboard.press("Escape")  # closes the menu, back to its button, as menus do
    expect(phone.get_by_role("link", name="People", exact=True)).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    phone.get_by_role("link", name="People", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(re.compile(r"^People\b"))


def test_filters_fold_on_a_phone_and_drill_downs_lead_back(live_server, phone, browser):
    sign_in(phone, live_server, OFFICE)
    phone.goto(f"{live_server}/office/league?start=2026-01-01&end=2026-12-31")
    show = phone.get_by_role("button", name="Show", exact=True)
    expect(show).to_be_hidden()
    phone.locator("summary", has_text="Filters").click()
    expect(show).to_be_visible()
    screenshot(phone, "a11y-office-league-filters-phone")
    phone.locator("td a.small", has_text="branch").first.click()
    phone.get_by_role("link", name="‹ League table").click()
    assert "start=2026-01-01&end=2026-12-31" in phone.url
    phone.goto(f"{live_server}/office/heatmap?start=2026-01-01&end=2026-12-31")
    phone.locator("td.cell-red a").first.click()
    phone.wait_for_url("**/office/visits*")
    phone.get_by_role("link", name="‹ Heat map").click()
    phone.wait_for_url("**/office/heatmap*")
    assert "start=2026-01-01&end=2026-12-31" in phone.url

    desktop = browser.new_context(**DESKTOP).new_page()
    sign_in(desktop, live_server, OFFICE)
    desktop.goto(f"{live_server}/office/league")
    desktop.get_by_label("Region").select_option("North")  # open without a click
    desktop.get_by_role("button", name="Show", exact=True).click()
    desktop.wait_for_url("**region=North*")
    desktop.context.close()


def test_key_pages_on_a_desktop(live_server, browser):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, OFFICE)
    for path in KEY_PAGES["office"]:
        open_page(page, f"{live_server}{path}")
        screenshot(page, shot_name("office", path, "desktop"))
    context.close()
