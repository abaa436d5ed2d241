"""Against a real server on 127.0.0.1: parallel duplicate sends store one visit and one of
each photo, and a server killed after committing but before replying loses nothing when
the phone retries."""

from __future__ import annotations

import hashlib
import threading

import pytest

from shopper.store.checklists import load_version
from shopper.store.connection import connect

from .live_server import Phone, ServerProcess
from .support import SHOPPER
from .test_sync_api import PHOTO, VISIT, full_payload, jpeg, receipt


@pytest.fixture
def server(server_instance):
    process = ServerProcess(server_instance).start()
    yield process
    process.stop()


def prepared(instance):
    db = connect(instance / "shopper.sqlite3")
    assignment = next(db.query(
        """SELECT a.id, (SELECT MAX(id) FROM checklist_versions) AS version_id
           FROM assignments a JOIN branches b ON b.id = a.branch_id JOIN users u
             ON u.id = a.shopper_id
           WHERE b.code = 'LDS01' AND u.email = ? AND a.status = 'open'""", [SHOPPER]))
    version = load_version(db, assignment["version_id"])
    return db, assignment, version


def test_parallel_duplicates_store_one_visit_and_one_photo(server, server_instance):
    db, assignment, version = prepared(server_instance)
    data = jpeg()
    payload = full_payload(assignment, version, [receipt(version, data)], submit=True)
    phones = [Phone(server.base).sign_in(SHOPPER) for _ in range(4)]
    results, barrier = [], threading.Barrier(len(phones))

    def send(phone):
        barrier.wait()
        results.append(phone.put_json(f"/api/v1/visits/{VISIT}", payload))
        results.append(phone.put_photo(f"/api/v1/visits/{VISIT}/photos/{PHOTO}", data,
                                       hashlib.sha256(data).hexdigest()))

    threads = [threading.Thread(target=send, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [status for status, _ in results] == [200] * 8, results
    assert db.execute("SELECT COUNT(*) FROM visits WHERE uuid = ?", [VISIT]).fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM photos WHERE uuid = ?", [PHOTO]).fetchone()[0] == 1
    assert db.execute("SELECT status FROM visits WHERE uuid = ?",
                      [VISIT]).fetchone()[0] == "submitted"
    assert db.execute("SELECT COUNT(*) FROM audit_log a JOIN visits v ON v.id = a.visit_id "
                      "WHERE v.uuid = ? AND a.action = 'status:submitted'",
                      [VISIT]).fetchone()[0] == 1
    db.close()


@pytest.mark.parametrize("crash_on", ["PUT /api/v1/visits/", "PUT /api/v1/visits/{v}/photos/"])
def test_a_crash_between_commit_and_reply_then_a_retry_stores_everything_once(
        server_instance, tmp_path, crash_on):
    db, assignment, version = prepared(server_instance)
    data = jpeg()
    payload = full_payload(assignment, version, [receipt(version, data)], submit=True)
    marker = tmp_path / "crashed"
    rule = crash_on.format(v=VISIT)
    server = ServerProcess(server_instance, {"CRASH_ONCE_AFTER": f"{rule}|{marker}"}).start()
    try:
        phone = Phone(server.base).sign_in(SHOPPER)
        visit_path = f"/api/v1/visits/{VISIT}"
        photo_path = f"{visit_path}/photos/{PHOTO}"
        sha = hashlib.sha256(data).hexdigest()
        sent = {"visit": False, "photo": False}
        for _attempt in range(3):  # the phone's outbox: retry until each item is confirmed
            try:
                if not sent["visit"]:
                    status, _ = phone.put_json(visit_path, payload)
                    sent["visit"] = status == 200
                if not sent["photo"]:
                    status, _ = phone.put_photo(photo_path, data, sha)
                    sent["photo"] = status == 200
            except OSError:  # the connection died with the server
                server.process.wait(timeout=10)
                server.stop()
                server = ServerProcess(server_instance).start()  # restarted, on a new port
                phone = Phone(server.base).sign_in(SHOPPER)
        assert marker.exists(), "the server never crashed: the test proved nothing"
        assert sent == {"visit": True, "photo": True}
        status, body = phone.get_json(visit_path)
        assert body["visit"]["status"] == "submitted" and body["visit"]["missing_photos"] == []
    finally:
        server.stop()
    assert db.execute("SELECT COUNT(*) FROM visits WHERE uuid = ?", [VISIT]).fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM photos WHERE uuid = ?", [PHOTO]).fetchone()[0] == 1
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
