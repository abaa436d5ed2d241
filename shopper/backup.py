"""A consistent copy of the live database and its photos, taken while the app runs."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path


class BackupError(RuntimeError):
    pass


def backup(database: str, photo_folder: str, dest: Path) -> int:
    """Copy the database with SQLite's online backup API, then the photos. Photo files are
    written before the rows that name them are committed, and never changed afterwards, so
    copying them second leaves no row in the copy without its file. Returns the number of
    photo files copied."""
    dest = Path(dest)
    target = dest / Path(database).name
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new folder for each backup")
    dest.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        (status,) = copy.execute("PRAGMA integrity_check").fetchone()
    finally:
        copy.close()
        source.close()
    if status != "ok":
        raise BackupError(f"the copy failed its integrity check: {status}")
    copied = 0
    photos = Path(photo_folder)
    if photos.is_dir():
        for path in photos.rglob("*"):
            if path.is_file():
                out = dest / "photos" / path.relative_to(photos)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, out)
                copied += 1
    return copied
