"""Head office's charts in a browser at phone and desktop sizes: each page fits a 390 px
phone without sideways scrolling, every chart names itself for screen readers, a trend
point tells its value when reached by keyboard, and the strict content security policy
never bites. Screenshots go to tests/artifacts/ to look at."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ..support import OFFICE
from .conftest import DESKTOP, PHONE, assert_fits_phone, screenshot, sign_in

pytestmark = pytest.mark.browser

SHORT = f"start={date.today() - timedelta(days=59)}&end={date.today()}"
PAGES = {"league": "/office/league", "league-60-days": f"/office/league?{SHORT}",
         "heatmap-60-days": f"/office/heatmap?{SHORT}", "trends": "/office/trends",
         "consistency": "/office/consistency", "standards": "/office/standards",
         "moments": "/office/moments", "overview": "/office/"}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_charts_at_phone_and_desktop_sizes(browser, live_server, size):
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    page = context.new_page()
    sign_in(page, live_server, OFFICE)
    for name, path in PAGES.items():
        page.goto(live_server + path)
        for chart in page.locator("svg.chart").all():
            assert chart.get_attribute("role") in ("img", "group")
            for labelled in chart.get_attribute("aria-labelledby").split():
                assert page.locator(f"#{labelled}").count() == 1
        if size == "phone":
            assert_fits_phone(page)
        screenshot(page, f"charts-{name}-{size}")
    context.close()


def test_a_trend_point_says_its_value_on_focus(browser, live_server):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, OFFICE)
    page.goto(live_server + "/office/trends")
    points = page.locator("svg.trend-chart .chart-point")
    assert points.count() >= 6
    points.first.focus()
    assert page.evaluate("document.activeElement.classList.contains('chart-point')")
    title = page.evaluate("document.activeElement.querySelector('title').textContent")
    assert title.startswith("Network, ") and title.endswith("%")
    shown = points.first.locator(".point-value")
    assert shown.is_visible() and shown.text_content() == "Network " + title.split(": ")[1]
    screenshot(page, "charts-trends-point-focused-desktop")
    page.keyboard.press("Tab")
    assert not shown.is_visible()
    months = page.evaluate("[...document.querySelectorAll('svg.trend-chart text.axis-x')]"
                           ".map(t => t.textContent)")
    assert len([m for m in months if not m.isdigit()]) == 12
    context.close()
