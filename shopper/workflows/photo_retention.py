"""Photo housekeeping: orphaned files, and photos past the retention period.

An orphan is a file in the photo folder that no photo row, nor a branch action's photo,
nor an appeal's attachment, names. `visits.add_photo` (and `actions.complete`) writes a
photo's files before its row is committed, so a crash (or a rolled-back transaction) in
between leaves them behind. An upload in progress looks the same for a moment, so only
files older than a grace period count; and only files named the way `photo_files.write`
names them: anything else in the folder was put there by someone else.

Retention goes by the visit's date (`visits.visit_date`), not by when the photo arrived:
"photos of visits more than N days old", so all of a visit's photos go on the same day
(the branch's own photos of what it did about a visit are not the shopper's, and stay). An
expired photo keeps its row, marked with when and after how many days, and loses its
files: a scorecard then shows a placeholder rather than a broken image, and a phone that
sends the photo again finds it already held instead of storing it anew. The rows are
marked in one transaction and the files deleted only after it commits; a crash between
the two leaves orphans, which `clean_orphans` removes.

The functions at the top decide (listings and dates in, decisions out); `clean_orphans`
and `expire_photos` apply them to the disk and the database. No Flask here.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from shopper.store import actions, appeals, audit, visits
from shopper.store.connection import Database, now

log = logging.getLogger(__name__)

# "ab/ab…(32 hex digits)…jpg", "-t" before ".jpg" for a thumbnail, ".pdf" for an appeal's
# document: see photo_files.write.
STORED_NAME = re.compile(r"([0-9a-f]{2})/\1[0-9a-f]{30}(-t)?\.(?:jpg|pdf)")


@dataclass(frozen=True)
class PhotoFile:
    name: str  # relative to the photo folder, "/"-separated, as photo rows name files
    size: int
    modified: float  # seconds since the epoch


@dataclass
class Cleanup:
    orphans: list[PhotoFile]
    removed_files: int = 0
    removed_bytes: int = 0


@dataclass
class Expiry:
    days: int
    cutoff: date
    photos: list[dict]
    removed_files: int = 0
    removed_bytes: int = 0

    @property
    def visits(self) -> int:
        return len({p["visit_id"] for p in self.photos})


def orphans(files: Iterable[PhotoFile], known: set[str], *, now: float,
            grace_seconds: float) -> list[PhotoFile]:
    """The files no row names that were written more than `grace_seconds` before `now`."""
    return [f for f in files if f.name not in known and f.modified < now - grace_seconds
            and STORED_NAME.fullmatch(f.name)]


def retention_days(setting) -> int | None:
    """PHOTO_RETENTION_DAYS as a number of days; None (or empty) means keep for ever."""
    if setting is None or setting == "":
        return None
    try:
        days = int(setting)
    except (TypeError, ValueError):
        days = 0
    if isinstance(setting, bool) or days < 1 or str(days) != str(setting).strip():
        raise ValueError(f"PHOTO_RETENTION_DAYS must be a whole number of days (1 or more) "
                         f"or None, not {setting!r}")
    return days


def retention_cutoff(today: date, days: int) -> date:
    """The earliest visit date whose photos are kept: a visit dated before it is more than
    `days` days old."""
    return today - timedelta(days=days)


def expired(photos: Iterable[dict], cutoff: date) -> list[dict]:
    """The photos, not yet expired, of visits dated before `cutoff` (each photo carries
    its visit's `visit_date`)."""
    return [p for p in photos if p["expired_at"] is None
            and date.fromisoformat(p["visit_date"][:10]) < cutoff]


def clean_orphans(db: Database, folder: str, *, older_than: timedelta,
                  dry_run: bool = False, at: float | None = None) -> Cleanup:
    """Delete the orphaned photo files (or, dry, only find them). The folder is listed
    before the rows are read: a file listed whose row commits afterwards was written
    moments ago, inside the grace period, so it is left."""
    at = time.time() if at is None else at
    files = list_photo_files(folder)
    known = (visits.photo_file_names(db) | actions.photo_file_names(db)
             | appeals.attachment_file_names(db))
    found = orphans(files, known, now=at,
                    grace_seconds=older_than.total_seconds())
    result = Cleanup(found)
    if not dry_run:
        for orphan in found:
            freed = _delete(folder, orphan.name, written_before=at - older_than.total_seconds())
            if freed is not None:
                result.removed_files += 1
                result.removed_bytes += freed
    log.info("clean-photos%s: %d orphaned photo file(s) older than %d minute(s) found, "
             "%d removed (%d bytes)", " (dry run)" if dry_run else "", len(found),
             older_than.total_seconds() // 60, result.removed_files, result.removed_bytes)
    return result


def expire_photos(db: Database, folder: str, *, days: int, today: date,
                  dry_run: bool = False) -> Expiry:
    """Mark the photos of visits more than `days` days old as expired, with an audit entry
    per visit, in one transaction; then delete their files. Dry, only find them."""
    cutoff = retention_cutoff(today, days)
    if dry_run:
        result = Expiry(days, cutoff, expired(visits.live_photos(db), cutoff))
    else:
        with db.atomic():
            result = Expiry(days, cutoff, expired(visits.live_photos(db), cutoff))
            _mark_expired(db, result)
        for photo in result.photos:
            for name in (photo["stored_name"], photo["thumb_name"]):
                freed = _delete(folder, name)
                if freed is not None:
                    result.removed_files += 1
                    result.removed_bytes += freed
    log.info("expire-photos%s: retention %d days, visits dated before %s: %d photo(s) of "
             "%d visit(s) %s, %d file(s) removed (%d bytes)",
             " (dry run)" if dry_run else "", days, cutoff.isoformat(), len(result.photos),
             result.visits, "to expire" if dry_run else "expired", result.removed_files,
             result.removed_bytes)
    return result


def list_photo_files(folder: str) -> list[PhotoFile]:
    """Every regular file under the folder. Symbolic links, to files or to folders, are
    neither followed nor listed: nothing they point at is ours to delete."""
    found: list[PhotoFile] = []

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    found.append(PhotoFile(prefix + entry.name, info.st_size, info.st_mtime))

    if os.path.isdir(folder):
        walk(folder, "")
    return found


def _mark_expired(db: Database, result: Expiry) -> None:
    stamp = now()
    visits.mark_photos_expired(db, [p["id"] for p in result.photos], result.days, stamp)
    by_visit: dict[int, list[str]] = {}
    for photo in result.photos:
        by_visit.setdefault(photo["visit_id"], []).append(photo["uuid"])
    for visit_id, uuids in by_visit.items():
        audit.record(db, visit_id, None, "photos_expired",
              after={"photos": uuids, "retention_days": result.days,
                     "visits_before": result.cutoff.isoformat()},
              comment=f"{len(uuids)} photo(s) removed after {result.days} days (retention)",
              at=stamp)


def _delete(folder: str, name: str, *, written_before: float | None = None) -> int | None:
    """Delete one file of the photo folder and say how many bytes that freed; None when it
    is left: gone already, not a regular file (a symbolic link is never followed, nor
    removed), under a folder that leads outside the photo folder, or written since
    `written_before`."""
    root = Path(folder).resolve()
    path = root / name
    try:
        if path.parent.resolve() != (root / Path(name).parent) or root not in path.parents:
            return None
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            return None
        if written_before is not None and info.st_mtime >= written_before:
            return None
        path.unlink()
    except FileNotFoundError:
        return None
    return info.st_size
