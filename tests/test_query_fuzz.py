"""Fuzz the query string of every head-office page and export (issue 19): random text,
huge numbers, far dates and odd characters in every parameter the pages read, and in a
few they don't, must never answer 5xx. Beside the schemathesis run over the API
(test_api_fuzz.py). Derandomised, so every run sends the same requests."""

from __future__ import annotations

import tempfile
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import copy_seed, make_app
from .support import OFFICE, signed_in

PARAMETERS = ["start", "end", "checklist", "region", "branch", "touchpoint", "sort", "order",
              "page", "show", "q", "status", "month", "target", "back", "next", "flag", "due",
              "role", "active", "kind"]
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "2026-13-01",
                     "1970-01-01", "2026-11-25", "-1", "1e309", "NaN", "０１", "٣",
                     "99999999999999999999", "branch:99999999999999999999", "all", "desc",
                     "rank", "2026-1", "2026-11", "9999-99", "\x00", "%", "' OR 1=1 --",
                     "overdue", "manager", "shopper", "office", "answers", "visits", "1",
                     "critical", "times", "any"]),
)
QUERIES = st.dictionaries(st.sampled_from(PARAMETERS), VALUES, max_size=5)


def office_pages(app) -> list[str]:
    """Every GET page of head office's that needs no id in its path, exports included."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("office.") and "GET" in rule.methods:
            if not rule.arguments:
                paths.append(rule.rule)
            elif rule.arguments == {"kind"}:  # the CSV exports
                paths += [rule.rule.replace("<any(visits, answers, league):kind>", kind)
                          for kind in ("visits", "answers", "league")]
    return sorted(paths)


@pytest.fixture(scope="module")
def office(seeded_database):
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        copy_seed(seeded_database, instance)
        app = make_app(instance)
        yield app, signed_in(app, OFFICE)


def test_every_office_page_is_fuzzed(office):
    app, _ = office
    pages = office_pages(app)
    assert "/office/league" in pages and "/office/export/answers.csv" in pages
    assert len(pages) >= 15


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(page=st.integers(min_value=0, max_value=10_000), query=QUERIES)
def test_no_query_string_makes_an_office_page_fail(office, page, query):
    app, client = office
    pages = office_pages(app)
    path = pages[page % len(pages)]
    url = path + "?" + urllib.parse.urlencode(query)
    response = client.get(url)
    assert response.status_code < 500, url
    assert response.status_code in (200, 400, 404), url
