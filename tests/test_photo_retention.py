"""Photo housekeeping: `shopper clean-photos` deletes files no photo row names (left by
uploads that never committed) without touching uploads in progress; `shopper expire-photos`
deletes the photos of visits older than PHOTO_RETENTION_DAYS, logs it, and scorecards then
say the photo was removed instead of showing a broken image."""

from __future__ import annotations

import io
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from shopper.domain.photos import process_photo
from shopper.store import photo_files
from shopper.store.visits import add_photo
from shopper.workflows import photo_retention
from shopper.workflows.photo_retention import PhotoFile, orphans, retention_cutoff

from .support import MANAGER_A, OFFICE, SHOPPER, signed_in

HOUR = 3600
DAYS = 100
REMOVED = f"Photo removed after {DAYS} days (retention)"


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def _orphan(folder: str, age_seconds: float, data: bytes = b"never committed") -> Path:
    path = Path(folder) / photo_files.write(folder, data, "")
    _age(path, age_seconds)
    return path


def _files(folder: str) -> set[Path]:
    return {p for p in Path(folder).rglob("*") if p.is_file() or p.is_symlink()}


def _stored(db, where: str = "1", params=()) -> list[dict]:
    return list(db.query(
        f"""SELECT p.*, v.visit_date, v.uuid AS visit_uuid, v.branch_id, v.status
            FROM photos p JOIN visits v ON v.id = p.visit_id WHERE {where}""", params))


@pytest.fixture
def folder(app):
    """The photo folder, every file in it written two hours ago (the seeded photos were
    written moments ago, and would be inside any grace period)."""
    folder = app.config["PHOTO_FOLDER"]
    for path in _files(folder):
        _age(path, 2 * HOUR)
    return folder


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


# clean-photos


def test_clean_photos_removes_old_orphans_and_spares_uploads_in_progress(app, db, folder):
    old = _orphan(folder, 2 * HOUR, b"x" * 1000)
    half_hour = _orphan(folder, 30 * 60)
    in_progress = _orphan(folder, 5)
    referenced = _files(folder) - {old, half_hour, in_progress}
    assert len(referenced) == 2 * db.execute(  # a display copy and a thumbnail each
        "SELECT (SELECT COUNT(*) FROM photos) + (SELECT COUNT(*) FROM appeals WHERE "
        "attachment_kind = 'photo') + (SELECT COUNT(*) FROM branch_actions WHERE "
        "photo_uuid IS NOT NULL)").fetchone()[0]

    assert "Removed 1 orphaned photo file(s) (1,000 bytes)." in run(app, "clean-photos")
    assert _files(folder) == referenced | {half_hour, in_progress}

    assert "Removed 1 orphaned" in run(app, "clean-photos", "--older-than", "10")
    assert _files(folder) == referenced | {in_progress}


def test_clean_photos_removes_the_files_of_an_upload_whose_transaction_rolled_back(
        app, db, folder):
    visit_id = db.execute("SELECT id FROM visits LIMIT 1").fetchone()[0]
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(image, "JPEG")
    before = _files(folder)
    with pytest.raises(RuntimeError), db.atomic():
        add_photo(db, folder, visit_id=visit_id, photo_uuid="0b7f4a3e-8a55-4a7c-9d0e-3f1f2a6b9c01",
                  processed=process_photo(image.getvalue()))
        raise RuntimeError("the process died before the commit")
    left = _files(folder) - before
    assert len(left) == 2  # display copy and thumbnail, no row
    for path in left:
        _age(path, 2 * HOUR)

    assert "Removed 2 orphaned photo file(s)" in run(app, "clean-photos")
    assert _files(folder) == before


def test_clean_photos_dry_run_lists_and_deletes_nothing(app, folder):
    old = _orphan(folder, 2 * HOUR, b"y" * 250)
    before = _files(folder)

    output = run(app, "clean-photos", "--dry-run")
    name = old.relative_to(folder).as_posix()
    assert f"{name} (250 bytes)" in output
    assert "Would remove 1 orphaned photo file(s) (250 bytes); nothing deleted" in output
    assert _files(folder) == before


def test_clean_photos_never_touches_anything_outside_the_folder(app, folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "precious.jpg"
    target.write_bytes(b"not the app's")
    free = next(f"{n:02x}" for n in range(256) if not (Path(folder) / f"{n:02x}").exists())
    hidden = outside / f"{free}{'0' * 30}.jpg"  # named like a photo, in a linked folder
    hidden.write_bytes(b"nor this")
    linked_folder = Path(folder) / free
    linked_folder.symlink_to(outside, target_is_directory=True)
    linked_file = Path(folder) / "ef" / f"ef{'1' * 30}.jpg"
    linked_file.parent.mkdir(exist_ok=True)
    linked_file.symlink_to(target)
    stranger = Path(folder) / "notes.txt"  # not named the way the app names photos
    stranger.write_text("kept")
    sibling = Path(folder).parent / f"{'2' * 32}.jpg"
    sibling.write_bytes(b"beside the folder")
    for path in (target, hidden, linked_file, stranger, sibling):
        _age(path, 2 * HOUR)
    before = _files(folder)

    assert "Removed 0 orphaned photo file(s) (0 bytes)." in run(app, "clean-photos")
    assert _files(folder) == before
    assert linked_file.is_symlink() and linked_folder.is_symlink()
    assert target.read_bytes() == b"not the app's" and hidden.exists() and sibling.exists()


def test_orphans_are_unreferenced_old_files_named_like_photos():
    now = 1_000_000.0
    files = [PhotoFile(f"ab/ab{'0' * 30}.jpg", 10, now - 2 * HOUR),  # orphan
             PhotoFile(f"ab/ab{'1' * 30}-t.jpg", 10, now - 2 * HOUR),  # orphan thumbnail
             PhotoFile(f"ab/ab{'2' * 30}.jpg", 10, now - 2 * HOUR),  # has a row
             PhotoFile(f"ab/ab{'3' * 30}.jpg", 10, now - 60),  # upload in progress
             PhotoFile(f"ab/cd{'4' * 30}.jpg", 10, now - 2 * HOUR),  # wrong folder
             PhotoFile("ab/readme.txt", 10, now - 2 * HOUR)]
    found = orphans(files, {f"ab/ab{'2' * 30}.jpg"}, now=now, grace_seconds=HOUR)
    assert [f.name for f in found] == [f"ab/ab{'0' * 30}.jpg", f"ab/ab{'1' * 30}-t.jpg"]


# expire-photos


def test_expire_photos_with_retention_off_deletes_nothing(app, db, folder):
    assert app.config["PHOTO_RETENTION_DAYS"] is None
    before = _files(folder)
    output = run(app, "expire-photos")
    assert "Photo retention is off" in output
    assert _files(folder) == before
    assert db.execute("SELECT COUNT(*) FROM photos WHERE expired_at IS NOT NULL"
                      ).fetchone()[0] == 0


def test_expire_photos_refuses_a_nonsense_retention(app):
    app.config["PHOTO_RETENTION_DAYS"] = "ninety"
    result = app.test_cli_runner().invoke(args=["expire-photos"])
    assert result.exit_code == 1
    assert "PHOTO_RETENTION_DAYS must be a whole number of days" in result.output


@pytest.fixture
def retention(app, db):
    """Retention on; one visit dated exactly on the cutoff (kept) and one the day before
    (expired), so the boundary is tested whatever the demo data's dates are."""
    app.config["PHOTO_RETENTION_DAYS"] = DAYS
    cutoff = retention_cutoff(datetime.now(UTC).date(), DAYS)
    first, second = [r[0] for r in db.execute(
        "SELECT DISTINCT visit_id FROM photos ORDER BY visit_id LIMIT 2")]
    with db.atomic():
        db.execute("UPDATE visits SET visit_date = ? WHERE id = ?", [cutoff.isoformat(), first])
        db.execute("UPDATE visits SET visit_date = ? WHERE id = ?",
                   [(cutoff - timedelta(days=1)).isoformat(), second])
    return cutoff


def test_expire_photos_removes_exactly_the_photos_of_visits_older_than_retention(
        app, db, folder, retention, caplog):
    cutoff = retention
    old = _stored(db, "v.visit_date < ?", [cutoff.isoformat()])
    kept = _stored(db, "v.visit_date >= ?", [cutoff.isoformat()])
    assert old and kept
    old_visits = {p["visit_id"] for p in old}
    caplog.set_level(logging.INFO, logger="shopper")

    output = run(app, "expire-photos")

    assert (f"Expired {len(old)} photo(s) of {len(old_visits)} visit(s) dated before "
            f"{cutoff.isoformat()} (retention {DAYS} days): removed {2 * len(old)} file(s)"
            ) in output
    now = {p["id"]: p for p in _stored(db)}
    for photo in old:
        assert now[photo["id"]]["expired_at"]
        assert now[photo["id"]]["expired_after_days"] == DAYS
        for name in (photo["stored_name"], photo["thumb_name"]):
            assert not (Path(folder) / name).exists()
    for photo in kept:
        assert now[photo["id"]]["expired_at"] is None
        for name in (photo["stored_name"], photo["thumb_name"]):
            assert (Path(folder) / name).exists()

    lines = [r.getMessage() for r in caplog.records if r.name.startswith("shopper")]
    assert any(f"retention {DAYS} days, visits dated before {cutoff.isoformat()}: "
               f"{len(old)} photo(s) of {len(old_visits)} visit(s) expired" in line
               for line in lines), lines
    audited = dict(db.execute("SELECT visit_id, comment FROM audit_log "
                              "WHERE action = 'photos_expired'").fetchall())
    assert set(audited) == old_visits
    assert all(f"removed after {DAYS} days (retention)" in c for c in audited.values())

    assert "Expired 0 photo(s)" in run(app, "expire-photos")  # nothing twice
    assert "Removed 0 orphaned" in run(app, "clean-photos")  # an expired row keeps no file


def test_expire_photos_dry_run_changes_nothing(app, db, folder, retention):
    old = _stored(db, "v.visit_date < ?", [retention.isoformat()])
    before = _files(folder)
    output = run(app, "expire-photos", "--dry-run")
    assert f"Would expire {len(old)} photo(s)" in output
    assert f"visit {old[0]['visit_uuid']}" in output
    assert _files(folder) == before
    assert db.execute("SELECT COUNT(*) FROM photos WHERE expired_at IS NOT NULL"
                      ).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'photos_expired'"
                      ).fetchone()[0] == 0


def test_files_left_by_a_crash_after_the_commit_are_removed_by_clean_photos(
        app, db, folder, retention, monkeypatch):
    old = _stored(db, "v.visit_date < ?", [retention.isoformat()])

    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(photo_retention, "_delete", crash)
    assert app.test_cli_runner().invoke(args=["expire-photos"]).exit_code != 0
    monkeypatch.undo()
    assert db.execute("SELECT COUNT(*) FROM photos WHERE expired_at IS NOT NULL"
                      ).fetchone()[0] == len(old)  # the rows were committed first
    assert all((Path(folder) / p["stored_name"]).exists() for p in old)

    assert f"Removed {2 * len(old)} orphaned photo file(s)" in run(app, "clean-photos")
    assert not any((Path(folder) / p["thumb_name"]).exists() for p in old)


def test_scorecards_say_an_expired_photo_was_removed_and_its_url_answers_410(
        app, db, retention):
    run(app, "expire-photos")
    photo = _stored(db, "p.expired_at IS NOT NULL AND v.status = 'published' "
                        "AND v.branch_id = (SELECT id FROM branches WHERE code = 'LDS01')")[0]
    manager = signed_in(app, MANAGER_A)

    page = manager.get(f"/branch/visits/{photo['visit_uuid']}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert REMOVED in body
    assert f"/photos/{photo['uuid']}/" not in body
    for size in ("thumb", "display"):
        gone = manager.get(f"/photos/{photo['uuid']}/{size}")
        assert gone.status_code == 410
        assert f"removed {DAYS} days after the visit" in gone.get_data(as_text=True)

    office = signed_in(app, OFFICE)
    review = office.get(f"/office/review/{photo['visit_uuid']}")
    assert review.status_code == 200
    assert REMOVED in review.get_data(as_text=True)
    assert "photos expired" in review.get_data(as_text=True)  # in the visit's history
    start = (retention - timedelta(days=60)).isoformat()
    export = office.get(f"/office/export/answers.csv?start={start}")
    assert export.status_code == 200


def test_shoppers_see_the_placeholder_for_their_own_expired_photos(app, db, retention):
    run(app, "expire-photos")
    photo = _stored(db, "p.expired_at IS NOT NULL AND v.shopper_id = "
                        "(SELECT id FROM users WHERE email = ?)", [SHOPPER])[0]
    position = db.execute(
        "SELECT t.position FROM touchpoints t JOIN questions q ON q.touchpoint_id = t.id "
        "WHERE q.id = ?", [photo["question_id"]]).fetchone()[0]
    shopper = signed_in(app, SHOPPER)
    page = shopper.get(f"/field/visits/{photo['visit_uuid']}/touchpoints/{position}")
    assert page.status_code == 200
    assert REMOVED in page.get_data(as_text=True)
    assert shopper.get(f"/photos/{photo['uuid']}/thumb").status_code == 410
