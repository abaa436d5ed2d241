"""The server-drawn SVG charts, read back as XML: the right number of points, bars and
labels, a title and description for screen readers, and nothing a strict content security
policy would block."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from shopper.web import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    root = ET.fromstring(str(markup).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))
    # A named image; a named group where it has parts to reach (links, focusable points).
    reachable = any(e.tag == f"{SVG}a" or e.get("tabindex") for e in root.iter())
    assert root.get("role") == ("group" if reachable else "img")
    assert root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 ")
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert set(root.get("aria-labelledby").split()) <= ids
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    assert not any(e.get("style") for e in root.iter())  # the CSP blocks style attributes
    return root


def texts(root, css: str = "") -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text") if css in (t.get("class") or "")]


def test_months_of_a_period():
    assert charts.month_keys(date(2025, 12, 5), date(2026, 11, 30)) == \
        ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    assert charts.month_label("2026-03") == "Mar 2026"


def test_a_trend_chart_has_axes_months_a_target_and_focusable_points():
    months = charts.month_keys(date(2025, 12, 1), date(2026, 11, 1))
    network = {m: 70 + i for i, m in enumerate(months) if i != 4}  # April has no visits
    north = {months[0]: 60.0, months[1]: 65.5}
    root = parse(charts.trend_chart("t", months, {"Network": network, "North": north},
                                    target=85))
    points = [g for g in root.iter(f"{SVG}g") if "chart-point" in g.get("class")]
    assert len(points) == 11 + 2
    assert all(g.get("tabindex") == "0" for g in points)
    titles = [g.find(f"{SVG}title").text for g in points]
    assert "Network, Jan 2026: 71.0%" in titles and "North, Dec 2025: 60.0%" in titles
    assert texts(root, "axis-x")[:2] == ["Dec", "2025"] and "Nov" in texts(root, "axis-x")
    assert texts(root, "axis-y") == ["0%", "25%", "50%", "75%", "100%"]
    assert "Target 85%" in texts(root)
    lines = [p for p in root.iter(f"{SVG}polyline")]
    assert len(lines) == 3  # the network's line breaks at the month without visits
    target = next(e for e in root.iter(f"{SVG}line") if e.get("class") == "chart-target")
    grid = [float(e.get("y1")) for e in root.iter(f"{SVG}line") if e.get("class") == "chart-grid"]
    assert grid[4] < float(target.get("y1")) < grid[3]  # 85% lies between 100% and 75%


def test_many_months_label_every_other_one():
    months = charts.month_keys(date(2024, 1, 1), date(2025, 12, 1))
    root = parse(charts.trend_chart("t", months, {"Network": {months[0]: 80.0}}))
    assert len([t for t in texts(root, "axis-x") if not t.isdigit()]) == 12


def test_a_strip_plot_has_a_dot_per_visit_and_a_mean_per_branch():
    rows = [{"label": "Leeds Briggate", "values": [60, 70, 95.5], "average": 75.2},
            {"label": "A branch with a very long name indeed", "values": [80], "average": 80}]
    root = parse(charts.strip_plot("s", rows, "Spread"))
    dots = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "strip-dot"]
    assert len(dots) == 4
    means = [g for g in root.iter(f"{SVG}g") if g.get("class") == "strip-mean"]
    assert [g.find(f"{SVG}title").text for g in means][0] == \
        "Leeds Briggate: 3 visits, average 75.2%, from 60% to 96%"
    assert "Leeds Briggate" in texts(root) and "A branch with a ve…" in texts(root)
    xs = sorted(float(c.get("cx")) for c in dots[:3])
    assert xs[0] < xs[1] < xs[2]


def test_rate_bars_link_each_branch():
    bars = [{"label": "All branches", "rate": 30, "detail": "30% (3/10)"},
            {"label": "Leeds", "rate": 75, "detail": "75% (3/4)", "href": "/office/visits?b=1"},
            {"label": "York & Co", "rate": 50, "detail": "50% (1/2)", "href": "/x?a=1&b=2"}]
    root = parse(charts.rate_bars("r", bars, "Fails", "How often"))
    links = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == ["/office/visits?b=1", "/x?a=1&b=2"]
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")
              if "rate-bar" in r.get("class")]
    assert widths[1] == 3 * widths[2] / 2 and widths[0] < widths[2]
    assert "York & Co" in texts(root)


def test_split_bars_carry_icons_as_well_as_colours():
    rows = [{"label": "Reception", "golden": 20.0, "dull": 10.0},
            {"label": "Parking", "golden": 0.0, "dull": 40.0}]
    root = parse(charts.split_bars("m", rows, "Moments"))
    labels = texts(root)
    assert "★ 20%" in labels and "▼ 10%" in labels and "▼ 40%" in labels
    golden = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "split-golden"]
    dull = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "split-dull"]
    assert len(golden) == len(dull) == 2
    assert float(golden[0].get("x")) == float(dull[0].get("x")) + float(dull[0].get("width"))
    assert float(dull[1].get("width")) == pytest.approx(4 * float(dull[0].get("width")), abs=0.3)
    rows_ = [g for g in root.iter(f"{SVG}g") if g.get("class") == "split-row"]
    assert rows_[0].find(f"{SVG}title").text == "Reception: golden 20%, dull 10%"
