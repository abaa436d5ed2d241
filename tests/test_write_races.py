"""Writes that depend on a visit's status check it inside their write transaction: ten
parallel "Send" taps record one submission, and a shopper's late save or submit never
moves a visit head office has published (the scorecard stays readable)."""

from __future__ import annotations

import threading

import pytest

from shopper.domain.answers import TouchpointEntry
from shopper.store import visits
from shopper.workflows import drafts, review, submission

from .support import MAIL_SETTINGS, OFFICE, SHOPPER, csrf_token, signed_in
from .test_shopper_visit import VISIT_UUID, complete, start, visit_row


def parallel(requests) -> list:
    """Run each request function in its own thread, all released at once."""
    gate, results = threading.Barrier(len(requests)), [None] * len(requests)

    def run(i, request):
        gate.wait()
        results[i] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def submissions(db) -> int:
    return db.execute("SELECT COUNT(*) FROM audit_log WHERE visit_id = ? AND "
                      "action = 'status:submitted'", [visit_row(db)["id"]]).fetchone()[0]


def test_ten_parallel_sends_record_one_submission(app, db):
    shopper = signed_in(app, SHOPPER)
    start(shopper, db)
    complete(shopper, db)
    clients = [signed_in(app, SHOPPER) for _ in range(10)]
    tokens = [csrf_token(c, f"/field/visits/{VISIT_UUID}/review") for c in clients]
    replies = parallel([
        (lambda c=c, t=t: c.post(f"/field/visits/{VISIT_UUID}/submit",
                                 data={"csrf_token": t}, follow_redirects=True))
        for c, t in zip(clients, tokens, strict=True)])
    assert all(r.status_code == 200 for r in replies)
    assert sum("sent for review. Thank you" in r.get_data(as_text=True) for r in replies) == 1
    assert sum("can no longer be changed" in r.get_data(as_text=True) for r in replies) == 9
    assert submissions(db) == 1 and visit_row(db)["status"] == "submitted"


def test_a_late_save_or_send_never_moves_a_published_visit_back(app, db):
    shopper = signed_in(app, SHOPPER)
    start(shopper, db)
    complete(shopper, db)
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/review")
    shopper.post(f"/field/visits/{VISIT_UUID}/submit", data={"csrf_token": token})
    office_id = db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    review.publish(db, visit_row(db), office_id, mail_settings=MAIL_SETTINGS)
    stale = {**visit_row(db), "status": "draft"}  # what a page read before publication
    with pytest.raises(visits.VisitLocked):
        submission.submit(db, stale, actor_id=stale["shopper_id"])
    with pytest.raises(visits.VisitLocked):
        drafts.save_touchpoint(db, stale["id"], 1, TouchpointEntry(answers={}, captions={}))
    with pytest.raises(visits.VisitLocked):
        drafts.remove_photo(db, "/nonexistent", stale["id"],
                            {"id": -1, "stored_name": "", "thumb_name": ""})
    assert visit_row(db)["status"] == "published" and submissions(db) == 1
    office = signed_in(app, OFFICE)
    assert office.get(f"/branch/visits/{VISIT_UUID}").status_code == 200
