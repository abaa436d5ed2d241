"""Exports too large to wait for, written in the background (issue 20).

Someone asks for an export of more rows than `EXPORT_BACKGROUND_ROWS`: a job row is made
with the number of rows expected, and a thread of the process that served the request
writes the CSV, gzipped, into the instance's `exports/` folder under an unguessable name,
counting rows written as it goes. The person who asked (nobody else) watches its progress
and downloads the file for a day; then file and row are deleted.

A job whose process ends (a restart, a crash, a replaced worker) stops beating: once its
heartbeat is older than `STALE_AFTER`, the next look at any job, or the next start of the
app, marks it failed with a message saying to start it again. It is never left "running".
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from shopper.store import comparisons, exports
from shopper.store import export_jobs as jobs
from shopper.store.connection import Database, connect

KINDS: dict[str, Callable] = {"visits": exports.visits, "answers": exports.answers}
STALE_AFTER = timedelta(minutes=2)
HEARTBEAT_SECONDS = 15
PROGRESS_EVERY_ROWS = 20_000
INTERRUPTED = "The export was interrupted (the server restarted). Please start it again."


def scope_text(scope: comparisons.Scope) -> str:
    return json.dumps({"start": scope.start.isoformat(), "end": scope.end.isoformat(),
                       "region": scope.region, "checklist_id": scope.checklist_id})


def scope_of(text: str) -> comparisons.Scope:
    found = json.loads(text)
    return comparisons.Scope(date.fromisoformat(found["start"]),
                             date.fromisoformat(found["end"]), found["region"],
                             found["checklist_id"])


def start(db: Database, database: str, folder: str, *, user_id: int, kind: str,
          scope: comparisons.Scope, title: str, rows_expected: int) -> tuple[int, threading.Thread]:
    """Record the job and start writing it in a thread of this process; returns its id
    and the thread (tests wait for it; the app does not)."""
    job_id = jobs.create(db, user_id=user_id, kind=kind, scope=scope_text(scope), title=title,
                         file_name=f"{secrets.token_urlsafe(16)}.csv.gz",
                         rows_expected=rows_expected)
    thread = threading.Thread(target=run, args=(database, folder, job_id),
                              name=f"export-{job_id}", daemon=True)
    thread.start()
    return job_id, thread


def run(database: str, folder: str, job_id: int) -> None:
    """Write the job's CSV to its file: rows straight from the cursor, gzipped, progress
    recorded every PROGRESS_EVERY_ROWS rows and a heartbeat every HEARTBEAT_SECONDS (the
    first row of a large sorted export may be a while coming)."""
    os.makedirs(folder, exist_ok=True)
    reader, writer = connect(database), connect(database)
    beating = threading.Event()
    heart = threading.Thread(target=_beat, args=(database, job_id, beating), daemon=True)
    heart.start()
    job = jobs.get(writer, job_id)
    final = Path(folder) / job["file_name"]
    part = final.with_name(final.name + ".part")
    written = 0
    try:
        export = KINDS[job["kind"]](reader, scope_of(job["scope"]))

        def counted():
            nonlocal written
            for row in export.rows():
                written += 1
                if written % PROGRESS_EVERY_ROWS == 0:
                    jobs.progress(writer, job_id, written)
                yield row

        with gzip.open(part, "wt", encoding="utf-8", newline="", compresslevel=6) as out:
            for chunk in exports.csv_chunks(export.header, counted()):
                out.write(chunk)
        os.replace(part, final)
        jobs.finish(writer, job_id, written)
    except Exception as err:  # the job fails on the record, whatever stopped it
        with contextlib.suppress(OSError):
            part.unlink()
        jobs.fail(writer, job_id, f"The export stopped after {written:,} rows ({err}).")
    finally:
        beating.set()
        heart.join()
        reader.close()
        writer.close()


def _beat(database: str, job_id: int, stop: threading.Event) -> None:
    db = connect(database)
    try:
        while not stop.wait(HEARTBEAT_SECONDS):
            jobs.beat(db, job_id)
    finally:
        db.close()


def fail_interrupted(db: Database, now: datetime | None = None) -> int:
    """Fail the jobs no process is writing any more (their heartbeat stopped)."""
    return jobs.fail_stale(db, (now or datetime.now(UTC)) - STALE_AFTER, INTERRUPTED)


def clean_up(db: Database, folder: str, keep: timedelta, now: datetime | None = None) -> int:
    """Delete the jobs older than `keep`, and their files."""
    old = jobs.expired(db, (now or datetime.now(UTC)) - keep)
    for job in old:
        with contextlib.suppress(FileNotFoundError):
            (Path(folder) / job["file_name"]).unlink()
    if old:
        jobs.forget(db, [job["id"] for job in old])
    return len(old)


def file_of(folder: str, job: dict) -> Path | None:
    """The finished job's file, if it is still there."""
    path = Path(folder) / job["file_name"]
    return path if job["status"] == "done" and path.is_file() else None
