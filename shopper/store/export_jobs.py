"""Background exports (workflows/export_jobs.py): one row per export someone asked for,
with its progress and its file's name. The only writer of `export_jobs`."""

from __future__ import annotations

from datetime import UTC, datetime

from shopper.store.connection import Database, now

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP)


def create(db: Database, *, user_id: int, kind: str, scope: str, title: str, file_name: str,
           rows_expected: int) -> int:
    at = now()
    with db.atomic():
        return db["export_jobs"].insert({
            "user_id": user_id, "kind": kind, "scope": scope, "title": title,
            "file_name": file_name, "rows_expected": rows_expected, "created_at": at,
            "heartbeat_at": at}).last_pk


def progress(db: Database, job_id: int, rows_written: int) -> None:
    with db.atomic():
        db.execute("UPDATE export_jobs SET rows_written = ?, heartbeat_at = ? "
                   "WHERE id = ? AND status = 'running'", [rows_written, now(), job_id])


def beat(db: Database, job_id: int) -> None:
    """The job's process is still writing it."""
    with db.atomic():
        db.execute("UPDATE export_jobs SET heartbeat_at = ? WHERE id = ? "
                   "AND status = 'running'", [now(), job_id])


def get(db: Database, job_id: int) -> dict:
    return next(db.query("SELECT * FROM export_jobs WHERE id = ?", [job_id]))


def finish(db: Database, job_id: int, rows_written: int) -> None:
    with db.atomic():
        db.execute("UPDATE export_jobs SET status = 'done', rows_written = ?, "
                   "finished_at = ?, heartbeat_at = ? WHERE id = ? AND status = 'running'",
                   [rows_written, now(), now(), job_id])


def fail(db: Database, job_id: int, error: str) -> None:
    with db.atomic():
        db.execute("UPDATE export_jobs SET status = 'failed', error = ?, finished_at = ? "
                   "WHERE id = ? AND status = 'running'", [error, now(), job_id])


def fail_stale(db: Database, older_than: datetime, error: str) -> int:
    """Fail every running job whose heartbeat stopped before `older_than`: its process
    ended (a restart, a crash) and nothing will finish it."""
    with db.atomic():
        return db.execute(
            "UPDATE export_jobs SET status = 'failed', error = ?, finished_at = ? "
            "WHERE status = 'running' AND heartbeat_at < ?",
            [error, now(), stamp(older_than)]).rowcount


def of_user(db: Database, job_id: int, user_id: int) -> dict | None:
    """The job, if this user asked for it (nobody else sees it, head office included)."""
    return next(db.query("SELECT * FROM export_jobs WHERE id = ? AND user_id = ?",
                         [job_id, user_id]), None)


def recent_of_user(db: Database, user_id: int, since: datetime) -> list[dict]:
    return list(db.query("SELECT * FROM export_jobs WHERE user_id = ? AND created_at >= ? "
                         "ORDER BY id DESC", [user_id, stamp(since)]))


def expired(db: Database, before: datetime) -> list[dict]:
    return list(db.query("SELECT * FROM export_jobs WHERE created_at < ? "
                         "AND status != 'running'", [stamp(before)]))


def forget(db: Database, job_ids: list[int]) -> None:
    with db.atomic():
        db.execute(f"DELETE FROM export_jobs WHERE id IN ({','.join('?' * len(job_ids))})",
                   job_ids)
