"""The benchmarks still run: each of photo_ingest, page_bytes, sync_load and field_visit at
smoke size (tiny, one repetition), with what they report checked for sense. They write
nothing to docs/BENCHMARKS.md; only `python -m bench` does."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import field_visit, page_bytes, photo_ingest, sync_load
from bench.common import ROOT

REPORT = ROOT / "docs" / "BENCHMARKS.md"

pytestmark = pytest.mark.slow  # gunicorn, subprocesses and chromium


@pytest.fixture(autouse=True)
def report_untouched():
    before = REPORT.stat().st_mtime_ns if REPORT.exists() else None
    yield
    assert (REPORT.stat().st_mtime_ns if REPORT.exists() else None) == before


def test_photo_ingest_makes_the_same_copies_as_plain_pillow_and_times_both():
    section = photo_ingest.run(smoke=True)

    figures = section.figures
    assert figures["sizes"]["app"] == figures["sizes"]["plain"] == [(1200, 1600), (300, 400)]
    for name in ("app", "plain"):
        assert figures["ms"][name] > 0
        assert figures["peak_rss_mib"][name] > 0
        assert all(size > 0 for size in figures["output_bytes"][name])
    assert figures["ratio"] > 0
    assert set(section.targets) == {"app pipeline, median", "faster than plain Pillow",
                                    "images decoded in full, peak memory"}
    assert "| app |" in section.markdown() and "| plain |" in section.markdown()
    cases = figures["full_decode"]
    assert set(cases) == {"16-bit RGBA PNG", "1-bit PNG"}
    assert all(case["peak_rss_mib"] > 0 and case["accepted"] for case in cases.values())
    assert "| 1-bit PNG | 2000×2000 |" in section.markdown()


@pytest.mark.browser
def test_page_bytes_counts_first_load_repeat_load_and_the_photo_upload():
    # Playwright's sync API will not start on a thread whose event loop another session
    # holds (the browser tests' one, in a full run): give it a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        section = pool.submit(page_bytes.run, smoke=True).result()

    figures = section.figures
    visit_page = figures["visit_page"]
    assert 0 < visit_page["compressed"] <= visit_page["wire"]
    paths = {resource["path"] for resource in visit_page["resources"]}
    assert any(path.startswith("/field/shell/") for path in paths)
    assert any(path.startswith("/static/") and path.endswith(".js") for path in paths)
    assert figures["first_total"]["wire"] > visit_page["wire"]
    # On the repeat load the service worker, not the network, serves the page's app shell.
    assert figures["repeat_from_sw"] > 0
    assert all(body == 0 for _, path, _, _, body in figures["repeat_shell"]["requests"]
               if path.startswith("/static/"))
    # The relay and Chrome's own count (CDP encodedDataLength) agree on what they both saw.
    cross_check = figures["cross_check"]
    assert cross_check["relay"] > 0
    assert abs(cross_check["cdp"] - cross_check["relay"]) <= cross_check["relay"] / 100
    upload = figures["upload"]
    assert upload["format"] == "JPEG" and max(upload["size"]) <= 2000
    assert 0 < upload["body"] < figures["camera"]["bytes"]


def test_sync_load_stores_exactly_the_visits_and_photos_sent():
    section = sync_load.run(smoke=True)

    figures = section.figures
    assert figures["passed"]
    assert figures["held"] == {"visits": 8, "submitted": 8, "photos": 24, "photo_files": 48}
    assert figures["visits_per_s"] > 0 and figures["photos_per_s"] > 0
    assert "**PASS**" in section.markdown()


@pytest.mark.browser
def test_field_visit_counts_every_byte_of_a_whole_visit_by_kind():
    with ThreadPoolExecutor(1) as pool:  # as above: a thread of its own for Playwright
        section = pool.submit(field_visit.run, smoke=True).result()

    figures = section.figures
    kinds = figures["kinds"]
    assert kinds["photo PUTs"]["requests"] >= field_visit.PHOTO_COUNT
    assert kinds["visit PUTs"]["requests"] >= 1 and kinds["pages"]["requests"] >= 1
    assert kinds["photo PUTs"]["up"] >= figures["photo_bytes"] > 0
    assert figures["up"] == sum(kind["up"] for kind in kinds.values())
    assert 0 < figures["visit_json"] < figures["needed"] <= figures["up"]
    assert figures["ratio"] == pytest.approx(figures["up"] / figures["needed"])
    assert "All sent" in figures["texts"]
    assert set(section.targets) == {"uploaded, all told", "\"Failed\" shown while online"}


def test_running_some_benchmarks_replaces_only_their_sections():
    from bench.__main__ import with_sections_replaced

    old = ("# Benchmarks\n\na rerun on 30 Nov in 1 min.\nb, c rerun on 1 Dec in 3 min.\n\n"
           "Written by x.\n\n## A\n\nold a\n\n## B\n\nold b\n\n## History\n\nh\n")
    new = with_sections_replaced(old, ["## B\n\nnew b\n", "## C\n\nnew c\n"],
                                 "b, c rerun on 2 Dec in 5 min.")
    assert new == ("# Benchmarks\n\nb, c rerun on 2 Dec in 5 min.\n\na rerun on 30 Nov in 1 min."
                   "\n\nWritten by x.\n\n## A\n\nold a\n\n## B\n\nnew b\n\n## C\n\nnew c\n\n"
                   "## History\n\nh\n")
