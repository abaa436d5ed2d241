"""The throughput and head-office benchmarks run end to end at their smoke sizes (real
gunicorn servers, wrk, a generated database) and report every figure a reader relies on.
Without wrk the throughput test skips locally but fails under CI."""

from __future__ import annotations

import os
import shutil

import pytest

from bench import head_office, head_office_pages, throughput

pytestmark = pytest.mark.slow  # real gunicorn servers and wrk


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        message = "wrk is missing: install Debian's wrk (scripts/system-packages does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_throughput_measures_the_signed_in_page_beside_a_bare_page_of_its_size():
    require_wrk()
    section = throughput.run(smoke=True)
    [page] = section.figures["pages"]
    assert page["path"].startswith("/field/visits/")
    assert page["bytes"] > 2000  # the touchpoint screen itself, not a redirect
    [cell] = page["cells"]
    for side in ("app", "bare"):
        result = cell[side]
        assert result["requests"] > 0 and result["rps"] > 0
        assert result["not_ok"] == 0, f"{side}: responses other than 200"
        assert result["socket_errors"] == 0
        assert 0 < result["p50_ms"] <= result["p95_ms"]
    assert cell["share"] == pytest.approx(cell["app"]["rps"] / cell["bare"]["rps"])
    assert "**invalid**" not in section.body
    assert any("req/s of the bare page" in name for name in section.targets)


def test_head_office_generates_exactly_the_smoke_size_and_times_every_page():
    section = head_office.run(smoke=True)
    figures = section.figures
    generated = figures["generated"]
    assert {k: generated[k] for k in ("branches", "visits", "visit_touchpoints", "answers")} \
        == {"branches": 20, "visits": 500, "visit_touchpoints": 3000, "answers": 15000}
    assert 0 < generated["published"] < 500  # the last 12 days wait for review
    assert figures["load_s"] > 0 and figures["db_bytes"] > 1_000_000
    timings = {(t["page"], t["view"], t["days"], t["via"]): t for t in figures["timings"]}
    pages = [(page, days) for page in ("League table", "Heat map") for days in (90, 365)]
    assert set(timings) == (
        {(page, "default", days, "code") for page, days in pages}
        | {("League table", "all branches", days, "code") for days in (90, 365)}
        | {(page, view, days, via) for page, days in pages
           for view in ("default", "all branches") for via in ("test client", "gunicorn", "kept")})
    assert all(t["ms"] > 0 for t in timings.values())
    served = [t for t in figures["timings"] if t["via"] in ("gunicorn", "kept")]
    assert all(t["bytes"] > 10_000 for t in served)
    built, kept = ({(t["path"], t["bytes"]) for t in served if t["via"] == via}
                   for via in ("gunicorn", "kept"))
    assert built == kept  # a kept page is the page built
    assert all("show=all" in t["path"] for t in served if t["view"] == "all branches")
    assert len(section.targets) == 8
    assert "15,000 answers" in section.body


def test_head_office_pages_times_every_page_and_measures_every_exports_memory():
    section = head_office_pages.run(smoke=True)
    pages = section.figures["pages"]
    assert {(p["page"], p["days"]) for p in pages} == {
        (name, days) for name, _, _ in head_office_pages.PAGES for days in (90, 365)}
    assert all(p["ms"] > 0 and p["bytes"] > 2_000 for p in pages)  # whole pages, not errors
    exports = {(e["export"], e["days"]): e for e in section.figures["exports"]}
    assert set(exports) == {(k, d) for k in ("league", "visits", "answers")
                            for d in (90, 365)} | {("payments", 30)}
    assert exports[("payments", 30)]["rows"] > 0  # a month of approved lines
    assert exports[("answers", 365)]["rows"] > exports[("answers", 90)]["rows"] > 1000
    assert all(e["rss_kib"] >= 0 and e["bytes"] > 0 for e in exports.values())
    assert "Weakest standards, 365 days" in section.targets
    assert "answers export, memory flat from 90 to 365 days" in section.targets
    assert "| Weakest standards | 365 |" in section.markdown()

