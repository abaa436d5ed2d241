"""Reliability against the app as production serves it (gunicorn, two worker processes
writing one SQLite file, on 127.0.0.1):

- phones submitting visits and photos in parallel while head office reads its reports:
  nothing lost, nothing stored twice, no "database is locked", no server error;
- the whole server killed (SIGKILL, master and workers) at random moments while a phone
  streams visits: after each restart the database is intact and holds everything a reply
  confirmed, and the phone's retries complete the rest exactly once;
- `shopper backup` taken while visits arrive restores to a database that is intact, holds
  every visit confirmed before the backup began, with its photos, and serves its scorecard.

Randomness (photo colours, kill moments) comes from a seed printed with any failure;
RELIABILITY_SEED=<seed> repeats a run.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from shopper.store.checklists import load_version
from shopper.store.connection import connect, now

from .conftest import make_app
from .live_server import (
    GunicornServer,
    Outbox,
    OutgoingVisit,
    Phone,
    office_in_own_process,
    phone_in_own_process,
)
from .support import OFFICE, OTHER_SHOPPER, SHOPPER, AuthActions, signed_in
from .test_sync_api import PHOTO, VISIT, Api, full_payload, jpeg, receipt

REPORT_PAGES = ["/office/", "/office/league", "/office/heatmap", "/office/trends",
                "/office/consistency", "/office/standards", "/office/moments",
                "/office/review", "/office/export/league.csv"]


@pytest.fixture
def rng():
    seed = int(os.environ.get("RELIABILITY_SEED") or random.SystemRandom().randrange(10**6))
    print(f"RELIABILITY_SEED={seed}")  # pytest shows it with any failure
    return random.Random(seed)


@pytest.fixture
def gunicorn(server_instance, tmp_path):
    server = GunicornServer(server_instance, log=tmp_path / "gunicorn.log")
    yield server
    server.stop()


def new_visits(instance: Path, email: str, count: int,
               rng: random.Random) -> list[OutgoingVisit]:
    """`count` visits ready to send, each on a new open assignment of `email` and with one
    or two small photos; every required answer is given, so each scores and enters review
    once its photos are in."""
    db = connect(instance / "shopper.sqlite3")
    shopper_id = db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[0]
    checklist_id, version_id = db.execute(
        "SELECT checklist_id, MAX(id) FROM checklist_versions GROUP BY checklist_id "
        "ORDER BY checklist_id LIMIT 1").fetchone()
    version = load_version(db, version_id)
    branches = [r[0] for r in db.execute("SELECT id FROM branches WHERE active = 1")]
    visits = []
    with db.atomic():
        for i in range(count):
            assignment_id = db["assignments"].insert({
                "branch_id": branches[i % len(branches)], "shopper_id": shopper_id,
                "checklist_id": checklist_id,
                "window_start": (date.today() - timedelta(days=2)).isoformat(),  # timing: yesterday
                "window_end": (date.today() + timedelta(days=30)).isoformat(),
                "status": "open", "created_at": now()}).last_pk
            photos = {new_uuid(rng): jpeg(random_colour(rng))
                      for _ in range(rng.choice((1, 2)))}
            listed = [receipt(version, data, photo_uuid) for photo_uuid, data in photos.items()]
            if len(listed) == 2:  # the second one shows the entrance
                listed[1].update(question_id=None, caption="Entrance",
                                 touchpoint_id=version.touchpoint_ids["reception"])
            payload = full_payload({"id": assignment_id}, version, listed, submit=True)
            visits.append(OutgoingVisit(new_uuid(rng), payload, photos))
    db.close()
    return visits


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def random_colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(256), rng.randrange(256), rng.randrange(256)


def assert_stored_exactly_once(instance: Path, visits: list[OutgoingVisit]) -> None:
    """Each visit once, submitted and scored, with every answer and each of its photos
    once (files on disk too), and one audit entry for entering review."""
    db = sqlite3.connect(instance / "shopper.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for visit in visits:
        rows = db.execute("SELECT id, status, score FROM visits WHERE uuid = ?",
                          [visit.uuid]).fetchall()
        assert len(rows) == 1, f"visit {visit.uuid}: {len(rows)} rows"
        visit_id, status, score = rows[0]
        assert status == "submitted" and score is not None, (visit.uuid, status, score)
        answers = db.execute("SELECT COUNT(*) FROM answers WHERE visit_id = ? AND value "
                             "IS NOT NULL", [visit_id]).fetchone()[0]
        assert answers == len(visit.payload["answers"]), visit.uuid
        entered_review = db.execute("SELECT COUNT(*) FROM audit_log WHERE visit_id = ? AND "
                                    "action = 'status:submitted'", [visit_id]).fetchone()[0]
        assert entered_review == 1, visit.uuid
        photos = db.execute("SELECT uuid, stored_name, thumb_name FROM photos "
                            "WHERE visit_id = ?", [visit_id]).fetchall()
        assert sorted(p[0] for p in photos) == sorted(visit.photos), visit.uuid
        for _, display, thumb in photos:
            assert (instance / "photos" / display).is_file()
            assert (instance / "photos" / thumb).is_file()
    db.close()


def tracebacks(server: GunicornServer) -> str:
    """The server's tracebacks, for a failure's message."""
    return "\n".join(re.findall(r"^Traceback.*?^\S.*?$", server.log_text(),
                                 re.MULTILINE | re.DOTALL)) or "(no traceback in the log)"


def assert_clean_log(server: GunicornServer) -> None:
    log = server.log_text()
    assert "Traceback" not in log, tracebacks(server)
    assert "database is locked" not in log, log[-3000:]
    assert "WORKER TIMEOUT" not in log, log[-3000:]
    statuses = re.findall(r'"[A-Z]+ \S+ HTTP/[\d.]+" (\d{3}) ', log)
    assert statuses, "the access log recorded no request"
    assert not [s for s in statuses if s.startswith("5")], log[-3000:]


def test_parallel_phones_and_head_office_reports_lose_and_duplicate_nothing(
        server_instance, gunicorn, rng):
    phones = [(SHOPPER if i % 2 == 0 else OTHER_SHOPPER) for i in range(4)]
    sends = [new_visits(server_instance, email, 8, rng) for email in phones]
    before = count_rows(server_instance)
    gunicorn.start()
    context = multiprocessing.get_context("spawn")
    results, stop = context.Queue(), context.Event()
    office = context.Process(target=office_in_own_process,
                             args=(gunicorn.base, OFFICE, REPORT_PAGES, stop, results))
    writers = [context.Process(target=phone_in_own_process,
                               args=(gunicorn.base, email, visits, results))
               for email, visits in zip(phones, sends, strict=True)]
    office.start()
    for writer in writers:
        writer.start()
    try:
        outcomes = [results.get(timeout=90) for _ in writers]
        stop.set()
        outcomes.append(results.get(timeout=60))
    finally:
        stop.set()
        for process in [office, *writers]:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    gunicorn.stop()

    problems = [p for outcome in outcomes for p in outcome["problems"]]
    assert problems == [], tracebacks(gunicorn)
    office_replies = next(o["replies"] for o in outcomes if o["who"] == OFFICE)
    assert len(office_replies) > len(REPORT_PAGES), "head office never read during the writes"
    all_visits = [v for visits in sends for v in visits]
    confirmed = {item for outcome in outcomes for item in outcome["confirmed"]}
    assert confirmed == {("visit", v.uuid) for v in all_visits} | {
        ("photo", p) for v in all_visits for p in v.photos}
    assert_stored_exactly_once(server_instance, all_visits)
    after = count_rows(server_instance)
    assert after["visits"] == before["visits"] + len(all_visits)
    assert after["photos"] == before["photos"] + sum(len(v.photos) for v in all_visits)
    assert_clean_log(gunicorn)


def count_rows(instance: Path) -> dict:
    db = sqlite3.connect(instance / "shopper.sqlite3")
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("visits", "photos")}
    db.close()
    return counts


def test_a_server_killed_at_random_moments_keeps_what_it_confirmed_and_the_rest_arrives_once(
        server_instance, gunicorn, rng):
    visits = new_visits(server_instance, SHOPPER, 300, rng)
    gunicorn.start()
    outbox = Outbox(Phone(gunicorn.base).sign_in(SHOPPER), patience=30)
    sent, failed, kills_over = [], [], threading.Event()

    def stream():  # the phone's outbox, emptied while the server keeps dying
        try:
            for visit in visits:
                if kills_over.is_set():
                    return
                sent.append(visit)
                outbox.send(visit)
        except BaseException as err:  # reported below, with the seed
            failed.append(err)

    phone = threading.Thread(target=stream, daemon=True)
    phone.start()
    crashes = []
    # Random moments in the stream (after a random number of confirmations, then a random
    # fraction of a request), so the kills land mid-stream however fast the server is.
    for threshold in sorted(rng.sample(range(5, 400), rng.randint(3, 5))):
        deadline = time.monotonic() + 60
        while len(outbox.confirmed) < threshold and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))
        assert phone.is_alive(), f"the phone stopped sending: {failed}"
        gunicorn.kill()
        confirmed = list(outbox.confirmed)  # everything a reply named before the kill
        crashes.append(len(confirmed))
        assert_holds(server_instance, confirmed)
        gunicorn.start()
    kills_over.set()
    phone.join(timeout=60)
    gunicorn.stop()

    assert not failed and not phone.is_alive(), failed
    assert set(outbox.confirmed) == {("visit", v.uuid) for v in sent} | {
        ("photo", p) for v in sent for p in v.photos}
    assert_holds(server_instance, outbox.confirmed)
    assert_stored_exactly_once(server_instance, sent)
    assert not [s for _, _, s in outbox.replies if s != 200], outbox.replies
    assert_clean_log(gunicorn)
    print(f"{len(crashes)} kills after {crashes} confirmations; {len(sent)} visits sent; "
          f"attempts without a reply: {sorted(set(outbox.lost))}")


def assert_holds(instance: Path, confirmed: list[tuple[str, str]]) -> None:
    """With the server down: the database passes its integrity check and holds every visit
    and photo (with its files) that a reply confirmed."""
    db = sqlite3.connect(instance / "shopper.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        visits = {r[0] for r in db.execute("SELECT uuid FROM visits")}
        photos = {r[0]: r[1:] for r in db.execute(
            "SELECT uuid, stored_name, thumb_name FROM photos")}
    finally:
        db.close()
    assert [u for kind, u in confirmed if kind == "visit" and u not in visits] == []
    assert [u for kind, u in confirmed if kind == "photo" and u not in photos] == []
    for kind, photo_uuid in confirmed:
        if kind == "photo":
            assert all((instance / "photos" / name).is_file() for name in photos[photo_uuid])


def test_a_backup_taken_while_visits_arrive_restores_every_visit_confirmed_before_it(
        server_instance, gunicorn, rng, tmp_path):
    visits = new_visits(server_instance, SHOPPER, 80, rng)
    gunicorn.start()
    outbox = Outbox(Phone(gunicorn.base).sign_in(SHOPPER))
    stop, failed = threading.Event(), []

    def stream():
        try:
            for visit in visits:
                if stop.is_set():
                    return
                outbox.send(visit)
        except BaseException as err:  # reported below, with the seed
            failed.append(err)

    phone = threading.Thread(target=stream, daemon=True)
    phone.start()
    deadline = time.monotonic() + 30
    while len(complete(visits, outbox.confirmed)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    before = list(outbox.confirmed)
    made = subprocess.run(
        [Path(sys.executable).parent / "shopper", "backup", str(tmp_path / "backup")],
        env={**os.environ, "SHOPPER_INSTANCE_PATH": str(server_instance)},
        capture_output=True, text=True, timeout=60)
    during = len(outbox.confirmed) - len(before)
    stop.set()
    phone.join(timeout=30)
    gunicorn.stop()
    assert made.returncode == 0 and not failed, (made.stdout, made.stderr, failed)
    assert during > 0, "no visit arrived while the backup ran: the drill proved nothing"
    assert_clean_log(gunicorn)

    restored = tmp_path / "restored"  # a fresh instance holding nothing but the backup
    shutil.copytree(tmp_path / "backup", restored)
    assert_holds(restored, before)
    db = sqlite3.connect(restored / "shopper.sqlite3")
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    ours = {p for v in visits for p in v.photos}
    copied = [r for r in db.execute("SELECT uuid, stored_name, thumb_name FROM photos")
              if r[0] in ours]  # those confirmed during the backup too, if in the copy
    db.close()
    assert [r for r in copied if not all((restored / "photos" / n).is_file() for n in r[1:])
            ] == [], "a photo row in the backup without its file"
    whole = complete(visits, before)
    assert whole, "no visit was confirmed before the backup"
    assert_stored_exactly_once(restored, whole)

    office = signed_in(make_app(restored), OFFICE)
    for visit in whole:
        page = office.get(f"/branch/visits/{visit.uuid}")
        assert page.status_code == 200
        assert re.search(r'class="big-score[^"]*">100<small>%', page.get_data(as_text=True))
        for photo_uuid in visit.photos:
            photo = office.get(f"/photos/{photo_uuid}/display")
            assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    print(f"{len(whole)} visits confirmed before the backup, {during} confirmations during it")


def complete(visits: list[OutgoingVisit], confirmed: list) -> list[OutgoingVisit]:
    """The visits whose every item a reply named: submitted, in review."""
    named = set(confirmed)
    return [v for v in visits if ("visit", v.uuid) in named
            and all(("photo", p) in named for p in v.photos)]


def test_a_refused_submission_keeps_the_photos_the_server_already_held(client, db):
    """KNOWN DEFECT, FAILS until fixed outside this file (reported to the lead): a 422
    stores nothing (docs/sync.md), yet the photo files of a photo the refused payload no
    longer listed are deleted. sync._replace calls visits.remove_photo, which unlinks the
    files inside the transaction; the 422 rolls the row back but not the unlink. The phone,
    seeing the photo still listed with its sha256, forgets its bytes: the photo is lost.
    Fix: delete the files only after the transaction commits; in visits.remove_photo,
    `db.after_commit(lambda: photo_files.remove(folder, ...))` (shopper/db.py)."""
    AuthActions(client).login(SHOPPER)
    api = Api(client)
    assignment = next(a for a in client.get("/api/v1/assignments").json["assignments"]
                      if a["branch_code"] == "LDS01")
    version = load_version(db, assignment["version_id"])
    data = jpeg()
    assert api.put(VISIT, full_payload(assignment, version, [receipt(version, data)])
                   ).status_code == 200
    assert api.photo(VISIT, PHOTO, data).status_code == 200
    without_photo = full_payload(assignment, version, [], submit=True)
    without_photo["answers"] = without_photo["answers"][:2]  # required answers missing
    refused = api.put(VISIT, without_photo)
    assert refused.status_code == 422
    held = client.get(f"/api/v1/visits/{VISIT}").json["visit"]["photos"]
    assert held == [{"uuid": PHOTO, "sha256": hashlib.sha256(data).hexdigest()}]
    photo = client.get(f"/photos/{PHOTO}/display")
    assert photo.status_code == 200, "the server lists the photo but lost its file"
