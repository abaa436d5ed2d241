"""Long lists a page at a time: the league table and the heat map show a page of branches
(every branch one click away), and the overview shows the two ends of the league."""

from __future__ import annotations

import re

import pytest

from shopper.web.office import compare as office
from shopper.web.pagination import page_of

from .conftest import copy_seed, make_app
from .support import OFFICE, signed_in


def test_a_page_of_a_list():
    items = list(range(1, 15))
    first = page_of(items, 1, per_page=5)
    assert (first.items, first.first, first.last, first.count) == ([1, 2, 3, 4, 5], 1, 5, 3)
    last = page_of(items, 3, per_page=5)
    assert (last.items, last.first, last.last) == ([11, 12, 13, 14], 11, 14)
    assert page_of(items, 99, per_page=5).number == 3  # past the end: the last page
    assert page_of(items, 2, show_all=True, per_page=5).items == items
    assert page_of(items, 1, per_page=0).items == [1]  # a page size of 0 means 1
    empty = page_of([], 1, per_page=5)
    assert (empty.items, empty.first, empty.last, empty.count) == ([], 0, 0, 1)


@pytest.fixture
def small_pages(instance, seeded_database):
    copy_seed(seeded_database, instance)
    return signed_in(make_app(instance, LIST_PAGE_SIZE=5), OFFICE)


def ranks(html: str) -> list[int]:
    return [int(n) for n in re.findall(
        r'<td class="num">(\d+)</td>\s*<td class="num tier wide-only">', html)]


def test_league_table_a_page_at_a_time(small_pages):
    first = small_pages.get("/office/league").get_data(as_text=True)
    assert ranks(first) == [1, 2, 3, 4, 5]
    assert "1–5 of 14 branches" in first and "Page 1 of 3" in first
    last = small_pages.get("/office/league?page=3").get_data(as_text=True)
    assert ranks(last) == [11, 12, 13, 14]
    assert "rel=\"next\"" not in last and "rel=\"prev\"" in last
    assert ranks(small_pages.get("/office/league?page=").get_data(as_text=True)) == [1, 2, 3, 4, 5]
    everything = small_pages.get("/office/league?show=all").get_data(as_text=True)
    assert ranks(everything) == list(range(1, 15))
    assert "All 14 branches" in everything


def test_the_pages_keep_the_sort_order(small_pages):
    html = small_pages.get("/office/league?sort=rank&order=desc").get_data(as_text=True)
    assert ranks(html) == [14, 13, 12, 11, 10]
    assert "sort=rank&amp;order=desc&amp;page=2" in html
    second = small_pages.get("/office/league?sort=rank&order=desc&page=2")
    assert ranks(second.get_data(as_text=True)) == [9, 8, 7, 6, 5]


@pytest.mark.parametrize("page", ["abc", "-1", "1e9", "9999999"])
def test_a_page_that_is_not_a_number_is_refused_clearly(small_pages, page):
    response = small_pages.get(f"/office/league?page={page}")
    assert response.status_code == 400
    assert "The page is a number" in response.get_data(as_text=True)


def heat_rows(html: str) -> list[tuple[str, str]]:
    """(class, first cell) of each heat-map body row."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr class="([^"]*)">\s*<th scope="row">([^<]+)</th>', body)


def test_heat_map_pages_keep_each_regions_rollup(small_pages):
    everything = heat_rows(small_pages.get("/office/heatmap?show=all").get_data(as_text=True))
    branches = [name for cls, name in everything if cls != "rollup"]
    assert len(branches) == 14
    rollup_html = {}
    for number in (1, 2, 3):
        html = small_pages.get(f"/office/heatmap?page={number}").get_data(as_text=True)
        rows = heat_rows(html)
        shown = [name for cls, name in rows if cls != "rollup"]
        assert shown == branches[(number - 1) * 5:number * 5]
        assert rows[0][0] == "rollup"  # a page starts with its first region's roll-up
        for cls, name in rows:
            if cls == "rollup":
                row = re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', html, re.S)[1]
                rollup_html.setdefault(name, set()).add(row)
    # A region's roll-up is over all its branches, whichever page shows it.
    assert all(len(versions) == 1 for versions in rollup_html.values())


def test_overview_shows_both_ends_of_a_long_league(app, monkeypatch):
    monkeypatch.setattr(office, "HOME_LEAGUE", 3)
    html = signed_in(app, OFFICE).get("/office/").get_data(as_text=True)
    assert ranks(html) == [1, 2, 3, 12, 13, 14]
    assert "8 more branches in the league table" in html


def test_jobs_a_page_at_a_time(small_pages, instance):
    from shopper.store.connection import connect
    db = connect(str(instance / "shopper.sqlite3"))
    total = db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    still_open = db.execute("SELECT COUNT(*) FROM jobs WHERE status = 'open'").fetchone()[0]
    assert still_open > 5, "the demo publishes more than a page of jobs"
    first = small_pages.get("/office/jobs").get_data(as_text=True)
    second = small_pages.get("/office/jobs?page=2").get_data(as_text=True)
    assert f"1–5 of {total} jobs" in first and "6–10 of" in second
    jobs_on = [set(re.findall(r'href="/office/jobs/(\d+)"', html)) for html in (first, second)]
    assert len(jobs_on[0]) == len(jobs_on[1]) == 5 and not jobs_on[0] & jobs_on[1]
    open_jobs = small_pages.get("/office/jobs?status=open").get_data(as_text=True)
    assert f"1–5 of {still_open} jobs" in open_jobs and "status=open&amp;page=2" in open_jobs


def test_payments_show_true_totals_and_the_newest_lines(small_pages, instance):
    from shopper.store.connection import connect
    db = connect(str(instance / "shopper.sqlite3"))
    db.execute("UPDATE payable_lines SET status = 'unpaid', approved_at = NULL, "
               "approved_by = NULL, batch_id = NULL")  # every line waits for approval
    total = db.execute("SELECT COUNT(*) FROM payable_lines").fetchone()[0]
    assert total > 5
    page = small_pages.get("/office/payments").get_data(as_text=True)
    assert f"Unpaid, to approve ({total})" in page
    assert "The newest 5 are shown; once they are approved, the next 5 follow." in page
    assert page.count('name="line"') == 5
