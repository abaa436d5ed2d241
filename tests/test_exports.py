"""Head office's CSV exports stream (issue 20): the bytes equal the export built whole,
gzipped where the browser accepts it; memory does not grow with the export's size; and an
export beyond EXPORT_BACKGROUND_ROWS is prepared in the background with its progress, for
the person who asked only, failed cleanly if a restart interrupts it, and deleted after a
day."""

from __future__ import annotations

import csv
import gzip
import io
import re
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bench.head_office import Scale, generate
from shopper.store import comparisons, exports
from shopper.store import export_jobs as export_rows
from shopper.store.connection import connect
from shopper.workflows import export_jobs

from .conftest import copy_seed, make_app
from .factories import a_person
from .support import CSRF, MANAGER_A, OFFICE, signed_in

PERIOD = "start=2026-01-01&end=2026-12-31"


def whole(db, kind: str) -> str:
    """The export as it was built before it streamed: every row, then the text."""
    scope = comparisons.Scope(date(2026, 1, 1), date(2026, 12, 31))
    found = {"visits": exports.visits, "answers": exports.answers}[kind](db, scope)
    return "".join(exports.csv_chunks(found.header, found.rows()))


@pytest.mark.parametrize("kind", ["visits", "answers"])
def test_a_streamed_export_equals_the_export_built_whole(app, db, kind):
    office = signed_in(app, OFFICE)
    response = office.get(f"/office/export/{kind}.csv?{PERIOD}", buffered=False)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{kind}-2026-01-01-to-2026-12-31.csv"'
    pieces = list(response.response)  # as the server writes them
    response.close()
    text = b"".join(pieces).decode()
    assert text == whole(db, kind)
    lines = len(text.splitlines())
    assert lines > 100
    # Written a chunk of rows at a time, not built whole first.
    assert len(pieces) == lines // exports.CHUNK_ROWS + 1


def test_an_export_is_gzipped_for_a_browser_that_accepts_it(app, db):
    office = signed_in(app, OFFICE)
    response = office.get(f"/office/export/answers.csv?{PERIOD}",
                          headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.data).decode() == whole(db, "answers")
    assert len(response.data) * 4 < len(whole(db, "answers").encode())


def test_a_branch_managers_export_streams_too(app):
    manager = signed_in(app, MANAGER_A)
    branch = re.search(r'href="/branch/(\d+)/answers.csv"',
                       manager.get("/branch/").get_data(as_text=True))
    branch_id = branch[1] if branch else "1"
    response = manager.get(f"/branch/{branch_id}/answers.csv")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["visit_date", "visit_id", "branch_code"] and len(rows) > 10


# Memory -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def larger(tmp_path_factory):
    """The demo data and 1,500 more visits over the last year at 30 branches."""
    instance = tmp_path_factory.mktemp("exports-larger")
    generate(instance, Scale(branches=30, visits=1500), date.today())
    db = connect(instance / "shopper.sqlite3")
    yield db
    db.close()


def peak_while_reading(db, days: int) -> tuple[int, int]:
    """Python's peak memory while the answers export of the last `days` days is read
    through, chunk by chunk and thrown away; and the export's size."""
    scope = comparisons.Scope(date.today() - timedelta(days=days - 1), date.today())
    found = exports.answers(db, scope)
    tracemalloc.start()
    size = sum(len(chunk) for chunk in found.chunks())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, size


def test_an_exports_memory_does_not_grow_with_its_size(larger):
    small_peak, small_size = peak_while_reading(larger, 90)
    large_peak, large_size = peak_while_reading(larger, 365)
    assert large_size > 3 * small_size > 3_000_000
    # The whole large export would be megabytes; reading it peaks at about one chunk.
    assert large_peak < 1.25 * small_peak + 100_000
    assert large_peak < large_size / 4


# In the background --------------------------------------------------------------------------


@pytest.fixture
def small_threshold(instance, seeded_database):
    copy_seed(seeded_database, instance)
    return make_app(instance, EXPORT_BACKGROUND_ROWS=100)


def wait_until_done(client, page: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = client.get(page).get_data(as_text=True)
        if "Preparing" not in text:
            return text
        assert 'http-equiv="refresh"' in text  # the page updates itself meanwhile
        time.sleep(0.1)
    raise AssertionError("the export did not finish")


def test_a_large_export_is_prepared_in_the_background_for_whoever_asked(small_threshold):
    app = small_threshold
    office = signed_in(app, OFFICE)
    asked = office.get(f"/office/export/answers.csv?{PERIOD}")
    assert asked.status_code == 200 and asked.mimetype == "text/html"
    page = asked.get_data(as_text=True)
    assert "Prepare the export" in page and re.search(r"[\d,]+ rows", page)
    action = re.search(r'<form method="post" action="([^"]+)"', page)[1].replace("&amp;", "&")
    started = office.post(action, data={"csrf_token": CSRF.search(page)[1]})
    assert started.status_code == 303
    job_page = started.headers["Location"]
    done = wait_until_done(office, job_page)
    assert "Download the CSV" in done
    file_url = re.search(r'href="(/office/exports/\d+/file)"', done)[1]
    db = connect(app.config["DATABASE"])
    try:
        expected = whole(db, "answers")
    finally:
        db.close()
    plain = office.get(file_url)
    assert plain.get_data(as_text=True) == expected
    packed = office.get(file_url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data).decode() == expected
    assert "ready: " in office.get("/office/exports").get_data(as_text=True)

    # Head office's other people, and everyone else, see nothing of it.
    db = connect(app.config["DATABASE"])
    a_person(db, "second.office@demo.test", "office")
    db.close()
    colleague = signed_in(app, "second.office@demo.test")
    assert colleague.get(job_page).status_code == 404
    assert colleague.get(file_url).status_code == 404
    assert "No exports" in colleague.get("/office/exports").get_data(as_text=True)
    assert signed_in(app, MANAGER_A).get(file_url).status_code == 403


def running_job(db, heartbeat: datetime) -> int:
    office = db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    job = export_rows.create(db, user_id=office, kind="answers", title="Answers",
                             scope=export_jobs.scope_text(comparisons.Scope(
                                 date(2026, 1, 1), date(2026, 12, 31))),
                             file_name="gone.csv.gz", rows_expected=1000)
    db.execute("UPDATE export_jobs SET heartbeat_at = ? WHERE id = ?",
               [export_rows.stamp(heartbeat), job])
    return job


def test_a_job_whose_process_stopped_is_failed_not_left_running(app, db):
    office = signed_in(app, OFFICE)
    beating = running_job(db, datetime.now(UTC))
    stopped = running_job(db, datetime.now(UTC) - timedelta(minutes=5))
    page = office.get(f"/office/exports/{stopped}").get_data(as_text=True)
    assert "interrupted" in page and "start it again" in page
    assert 'http-equiv="refresh"' not in page
    assert "Preparing" in office.get(f"/office/exports/{beating}").get_data(as_text=True)


def test_a_restart_fails_the_exports_under_way(instance, seeded_database):
    copy_seed(seeded_database, instance)
    app = make_app(instance)
    db = connect(app.config["DATABASE"])
    try:
        job = running_job(db, datetime.now(UTC) - timedelta(minutes=3))
        make_app(instance)  # the app starts again
        assert db.execute("SELECT status FROM export_jobs WHERE id = ?",
                          [job]).fetchone()[0] == "failed"
    finally:
        db.close()


def test_exports_are_deleted_after_a_day(app, db):
    folder = Path(app.config["EXPORT_FOLDER"])
    office = db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    job = export_rows.create(db, user_id=office, kind="visits", title="Visits",
                             scope=export_jobs.scope_text(comparisons.Scope(
                                 date(2026, 1, 1), date(2026, 12, 31))),
                             file_name="old.csv.gz", rows_expected=1)
    export_jobs.run(app.config["DATABASE"], str(folder), job)
    assert (folder / "old.csv.gz").is_file()
    db.execute("UPDATE export_jobs SET created_at = ? WHERE id = ?",
               [export_rows.stamp(datetime.now(UTC) - timedelta(hours=25)), job])
    signed_in(app, OFFICE).get("/office/exports")
    assert not (folder / "old.csv.gz").exists()
    assert db.execute("SELECT COUNT(*) FROM export_jobs").fetchone()[0] == 0
