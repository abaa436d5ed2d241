"""`shopper backup DEST`: a consistent copy of the live database and its photos."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from shopper.db import connect


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
