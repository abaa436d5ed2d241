"""A consistent copy of the live database and its photos, taken while the app runs."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from shopper.store import connection


class BackupError(RuntimeError):
    pass


def backup(database: str, photo_folder: str, dest: Path) -> int:
    """Copy the database with SQLite's online backup API, then the photos. Photo files are
    written before the rows that name them are committed, so copying them second leaves no
    row in the copy without its file, except for a file deleted while the backup runs (a
    draft's photo replaced, an expired photo removed): that one is skipped, as it is gone
    from the live app too. The database file gets its name only once everything is copied,
    so a backup interrupted half-way is never mistaken for a complete one. Returns the
    number of photo files copied."""
    dest = Path(dest)
    target = dest / Path(database).name
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new folder for each backup")
    dest.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    _copy_database(database, partial)
    copied = _copy_photos(Path(photo_folder), dest / "photos")
    os.replace(partial, target)
    _fsync_folder(dest)
    return copied


def _copy_database(database: str, to: Path) -> None:
    for leftover in ("", "-wal", "-shm", "-journal"):  # of a backup interrupted here
        with contextlib.suppress(FileNotFoundError):
            to.with_name(to.name + leftover).unlink()
    status = connection.backup_to(database, to)
    if status != "ok":
        raise BackupError(f"the copy failed its integrity check: {status}")


def _copy_photos(photos: Path, dest: Path) -> int:
    copied = 0
    if not photos.is_dir():
        return copied
    for path in photos.rglob("*"):
        out = dest / path.relative_to(photos)
        try:
            if not path.is_file():
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out)
        except FileNotFoundError:  # deleted since the folder was listed
            with contextlib.suppress(FileNotFoundError):
                out.unlink()
            continue
        copied += 1
    return copied


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
