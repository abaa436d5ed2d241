"""Head office's comparison pages with their pictures and intervals: the shoppers'
scoring tendency (head office only), twelve months of trends by default, the weakest
standards' bars linking to each branch, moments with icons, and the same figures as the
tables and exports."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from shopper.domain.stats import shopper_tendencies
from shopper.store import comparisons
from shopper.web.formatting import change_html

from .support import MANAGER_A, OFFICE, SHOPPER, signed_in, visit_groups

TODAY = date.today()
SCOPE = comparisons.Scope(TODAY - timedelta(days=179), TODAY)
QUERY = f"start={SCOPE.start}&end={SCOPE.end}"


def test_shoppers_scoring_tendency_is_shown_to_head_office(app, db):
    visits = db.execute("""SELECT v.shopper_id, v.branch_id, v.score FROM visits v
                           WHERE v.status = 'published' AND v.visit_date BETWEEN ? AND ?""",
                        [SCOPE.start.isoformat(), SCOPE.end.isoformat()]).fetchall()
    expected = shopper_tendencies(visit_groups(visits))
    found = comparisons.shopper_calibration(db, SCOPE)
    assert found and {r["id"]: {k: r[k] for k in expected[r["id"]]} for r in found} == expected
    page = html.unescape(signed_in(app, OFFICE).get(f"/office/consistency?{QUERY}")
                         .get_data(as_text=True))
    assert "How shoppers score" in page
    for r in found:
        assert r["name"] in page and f"{r['tendency']:+.1f}" in page
        if r["ci_low"] is not None:
            assert f"{r['ci_low']:+.1f} to {r['ci_high']:+.1f}" in page
    for who in (MANAGER_A, SHOPPER):
        assert signed_in(app, who).get("/office/consistency").status_code == 403


def test_the_consistency_page_draws_each_branch_spread(app, db):
    page = signed_in(app, OFFICE).get(f"/office/consistency?{QUERY}").get_data(as_text=True)
    visits = db.execute("SELECT COUNT(*) FROM visits WHERE status = 'published' AND "
                        "visit_date BETWEEN ? AND ?",
                        [SCOPE.start.isoformat(), SCOPE.end.isoformat()]).fetchone()[0]
    assert page.count('class="strip-dot"') == visits
    assert page.count('class="strip-mean"') == len(comparisons.consistency(db, SCOPE)["branches"])


def test_trends_show_twelve_months_by_default_with_a_target(app):
    page = html.unescape(signed_in(app, OFFICE).get("/office/trends").get_data(as_text=True))
    chart = re.search(r'<svg class="chart trend-chart".*?</svg>', page, re.S).group(0)
    months = re.findall(r'<text class="chart-label axis-x"[^>]*>([A-Z][a-z]{2})</text>', chart)
    assert len(months) == 12 and months[-1] == charts_month(TODAY)
    assert "Target 85%" in chart and 'tabindex="0"' in chart
    for value in re.findall(r"<title>Network, \w+ \d{4}: ([\d.]+)%</title>", chart):
        assert f"{float(value):.0f}%" in page  # the table below says the same


def charts_month(day: date) -> str:
    return day.strftime("%b")


def test_weakest_standards_bars_link_to_each_branch(app, db):
    page = html.unescape(signed_in(app, OFFICE).get(f"/office/standards?{QUERY}")
                         .get_data(as_text=True))
    for s in comparisons.weakest_standards(db, SCOPE):
        assert f"{s['rate']:.0f}% ({s['failures']}/{s['checked']})" in page
        for b in s["branches"]:
            assert f'<a class="chart-link" href="/office/visits?{QUERY}&branch={b["id"]}">' \
                in page


def test_moments_split_bars_carry_icons_and_the_tables_figures(app, db):
    page = html.unescape(signed_in(app, OFFICE).get(f"/office/moments?{QUERY}")
                         .get_data(as_text=True))
    for r in comparisons.moments(db, SCOPE)["shares"]:
        assert f"★ {r['golden_share']:.0f}%" in page and f"▼ {r['dull_share']:.0f}%" in page
        assert f"{r['golden_share']}%" in page


def test_the_strip_plot_draws_the_least_consistent_branches_only(app, monkeypatch):
    monkeypatch.setattr("shopper.web.office.compare.STRIP_BRANCHES", 4)
    page = signed_in(app, OFFICE).get(f"/office/consistency?{QUERY}").get_data(as_text=True)
    assert page.count('class="strip-mean"') == 4
    assert "The 4 least consistent of 14 branches are drawn" in page


@pytest.mark.parametrize("value, shown", [(None, "–"), (0.4, "±0"), (-0.5, "±0"),
                                          (0.6, "▲ 1"), (-2.4, "▼ 2"), (6.0, "▲ 6")])
def test_a_change_shows_an_arrow_only_when_its_points_are_not_zero(value, shown):
    assert re.sub(r"<[^>]+>", "", str(change_html(value))) == shown


def test_the_consistency_page_lists_the_two_ends_of_many_shoppers(app, monkeypatch):
    """With more shoppers than both ends, the page lists the harshest and the most lenient
    and says how many there are."""
    from shopper.web.office import compare

    many = [{"id": n, "name": f"Shopper {n:02d}", "visits": 12, "tendency": -10.0 + 4 * n,
             "ci_low": -14.0 + 4 * n, "ci_high": -6.0 + 4 * n, "lean": None}
            for n in range(5)]
    monkeypatch.setattr(comparisons, "shopper_calibration", lambda *args: many)
    monkeypatch.setattr(compare, "SHOWN_SHOPPERS", 2)
    page = html.unescape(signed_in(app, OFFICE).get(f"/office/consistency?{QUERY}")
                         .get_data(as_text=True))
    listed = page.split("How shoppers score")[1]
    assert "The 2 harshest and the 2 most lenient of 5 shoppers." in listed
    assert [n for n in range(5) if f"Shopper {n:02d}" in listed] == [0, 1, 3, 4]
