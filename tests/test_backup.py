"""`shopper backup DEST`: a consistent copy of the live database and its photos."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

from shopper.store.connection import connect


def test_backup_copies_database_and_photos_while_writes_run(app, tmp_path):
    photo = Path(app.config["PHOTO_FOLDER"]) / "zz" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    db = connect(app.config["DATABASE"])
    acknowledged = db.execute("SELECT COUNT(*) FROM visits").fetchone()[0]
    stop = threading.Event()

    def keep_writing():
        writer = connect(app.config["DATABASE"])
        n = 0
        while not stop.is_set():
            n += 1
            with writer.atomic():
                writer["branches"].insert({"code": f"W{n}", "name": "x", "region": "Busy"})
        writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    files = [p for p in Path(app.config["PHOTO_FOLDER"]).rglob("*") if p.is_file()]
    assert f"{len(files)} photo file(s)" in result.output
    copy = sqlite3.connect(tmp_path / "backup" / "shopper.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM visits").fetchone()[0] == acknowledged
    copy.close()
    assert (tmp_path / "backup" / "photos" / "zz" / "photo.jpg").read_bytes() == \
        photo.read_bytes()
    db.close()


def test_backup_never_overwrites_an_earlier_one(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    again = runner.invoke(args=["backup", str(tmp_path / "b")])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_a_photo_deleted_while_the_backup_runs_is_skipped(app, tmp_path, monkeypatch):
    """A draft's photo replaced (or an expired one removed) between listing the photo
    folder and copying the file: the backup completes with every other photo."""
    folder = Path(app.config["PHOTO_FOLDER"])
    doomed = folder / "zz" / "replaced.jpg"
    doomed.parent.mkdir(parents=True)
    doomed.write_bytes(b"\xff\xd8 old photo")
    kept = [p for p in folder.rglob("*") if p.is_file() and p != doomed]
    copy = shutil.copy2

    def deleted_just_before_copying(src, dst):
        if Path(src) == doomed:
            doomed.unlink()
        return copy(src, dst)

    monkeypatch.setattr("shopper.workflows.backup.shutil.copy2", deleted_just_before_copying)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert f"{len(kept)} photo file(s)" in result.output
    assert not (tmp_path / "backup" / "photos" / "zz" / "replaced.jpg").exists()
    for photo in kept:
        assert (tmp_path / "backup" / "photos" / photo.relative_to(folder)).is_file()


def test_an_interrupted_backup_leaves_no_database_that_looks_complete(app, tmp_path,
                                                                      monkeypatch):
    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("shopper.workflows.backup.shutil.copy2", disk_full)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code != 0
    assert not (tmp_path / "backup" / "shopper.sqlite3").exists()
    monkeypatch.undo()
    again = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert again.exit_code == 0, again.output
    copy = sqlite3.connect(tmp_path / "backup" / "shopper.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
