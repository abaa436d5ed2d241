"""Head office reviews visits before branches see them: a queue, oldest first, with
flags; approve and publish, return with a comment, or correct an answer with a reason.
Every step is in the audit log and a correction rescores the visit."""

from __future__ import annotations

import json

import pytest

from shopper.workflows import review

from . import factories
from .support import MAIL_SETTINGS, MANAGER_A, OFFICE, SHOPPER, csrf_token, signed_in


def waiting(db, code=None):
    return list(db.query(
        """SELECT v.* FROM visits v JOIN branches b ON b.id = v.branch_id
           WHERE v.status = 'submitted' AND (? IS NULL OR b.code = ?)
           ORDER BY v.submitted_at""", [code, code]))


def test_the_queue_is_oldest_first_with_flags(app, db):
    page = signed_in(app, OFFICE).get("/office/review").get_data(as_text=True)
    visits = waiting(db)
    assert visits
    positions = [page.index(f"/office/review/{v['uuid']}") for v in visits]
    assert positions == sorted(positions)
    assert "position not asked" in page  # the demo's visits were made without a position


def base_visit(**changes):
    """A visit's queue row: its length comes from the shopper's time in and time out."""
    visit = {"critical_failed": 0, "visit_date": "2026-11-20",
             "arrived_at": "2026-11-20T10:00:00Z", "left_at": "2026-11-20T10:30:00Z",
             "window_start": "2026-11-16", "window_end": "2026-11-27", "receipt_photos": 1,
             "position_status": "given", "position_distance_m": 40, "note_chars": 200}
    return {**visit, **changes}


@pytest.mark.parametrize(("changes", "flag"), [
    ({"critical_failed": 1}, "critical failure"),
    ({"left_at": "2026-11-20T10:05:00Z"}, "short visit (5 min)"),
    ({"left_at": "2026-11-20T12:00:00Z"}, "long visit (120 min)"),
    ({"arrived_at": None, "left_at": None}, "no visit times"),
    ({"visit_date": "2026-11-28"}, "visited outside the window"),
    ({"receipt_photos": 0}, "no proof-of-visit photo"),
    ({"position_status": "refused"}, "position refused"),
    ({"position_distance_m": 2500}, "2.5 km from the branch"),
    ({"note_chars": 3}, "very short notes"),
])
def test_each_flag(changes, flag):
    norm = review.Norms(median_minutes=30)
    assert review.flags(base_visit(), norm) == []
    assert review.flags(base_visit(**changes), norm) == [flag]


def test_publishing_lets_the_branch_read_it(app, db):
    visit = next(db.query("SELECT v.* FROM visits v JOIN branches b ON b.id = v.branch_id "
                          "WHERE b.code = 'LDS01' AND v.status = 'published' LIMIT 1"))
    db.execute("UPDATE visits SET status = 'submitted' WHERE id = ?", [visit["id"]])
    db.execute("UPDATE visit_touchpoints SET published = 0 WHERE visit_id = ?", [visit["id"]])
    manager = signed_in(app, MANAGER_A)
    assert manager.get(f"/branch/visits/{visit['uuid']}").status_code == 404
    office = signed_in(app, OFFICE)
    token = csrf_token(office, f"/office/review/{visit['uuid']}")
    response = office.post(f"/office/review/{visit['uuid']}/publish", data={"csrf_token": token})
    assert response.status_code == 303
    assert manager.get(f"/branch/visits/{visit['uuid']}").status_code == 200
    flags = {r[0] for r in db.execute("SELECT published FROM visit_touchpoints "
                                      "WHERE visit_id = ?", [visit["id"]])}
    assert flags == {1}  # what the head-office reports read
    steps = [r[0] for r in db.execute("SELECT action FROM audit_log WHERE visit_id = ? "
                                      "ORDER BY id DESC LIMIT 2", [visit["id"]])]
    assert steps == ["status:published", "status:approved"]


def test_returning_needs_a_comment_and_the_shopper_sees_it(app, db):
    visit = next(v for v in waiting(db) if v["shopper_id"] == db.execute(
        "SELECT id FROM users WHERE email = ?", [SHOPPER]).fetchone()[0])
    office = signed_in(app, OFFICE)
    token = csrf_token(office, f"/office/review/{visit['uuid']}")
    refused = office.post(f"/office/review/{visit['uuid']}/return",
                          data={"csrf_token": token, "comment": " "})
    assert refused.status_code == 422
    assert "Say what the shopper should change" in refused.get_data(as_text=True)
    office.post(f"/office/review/{visit['uuid']}/return",
                data={"csrf_token": token, "comment": "Which desk served you?"})
    assert db.execute("SELECT status FROM visits WHERE id = ?",
                      [visit["id"]]).fetchone()[0] == "returned"
    home = signed_in(app, SHOPPER).get("/field/").get_data(as_text=True)
    assert "Which desk served you?" in home


def test_a_correction_needs_a_reason_is_audited_and_rescores(app, db):
    visit = waiting(db)[0]
    question = db.execute(
        """SELECT a.question_id FROM answers a JOIN questions q ON q.id = a.question_id
           WHERE a.visit_id = ? AND q.kind = 'yes_no' AND a.outcome = 'met'
             AND q.category = 'basic' ORDER BY q.id LIMIT 1""", [visit["id"]]).fetchone()[0]
    expected = db.execute("SELECT json_extract(settings, '$.expected') FROM questions "
                          "WHERE id = ?", [question]).fetchone()[0]
    wrong = "no" if expected == "yes" else "yes"
    office = signed_in(app, OFFICE)
    token = csrf_token(office, f"/office/review/{visit['uuid']}")
    url = f"/office/review/{visit['uuid']}/correct"
    no_reason = office.post(url, data={"csrf_token": token, "question_id": str(question),
                                       "value": wrong, "reason": ""})
    assert no_reason.status_code == 422
    assert "Give a reason" in no_reason.get_data(as_text=True)
    bad_value = office.post(url, data={"csrf_token": token, "question_id": str(question),
                                       "value": "maybe", "reason": "Checked the recording"})
    assert bad_value.status_code == 422 and "Choose yes or no." in bad_value.get_data(True)
    office.post(url, data={"csrf_token": token, "question_id": str(question), "value": wrong,
                           "reason": "Checked the recording"})
    after = next(db.query("SELECT score FROM visits WHERE id = ?", [visit["id"]]))
    assert after["score"] < visit["score"]
    log = next(db.query("SELECT * FROM audit_log WHERE visit_id = ? AND action = "
                        "'answer_corrected'", [visit["id"]]))
    assert log["comment"] == "Checked the recording"
    assert json.loads(log["before"])["value"] == expected
    assert json.loads(log["after"])["value"] == wrong
    assert log["actor_id"] == db.execute("SELECT id FROM users WHERE email = ?",
                                         [OFFICE]).fetchone()[0]


def test_a_published_visit_is_not_reviewed_again(empty_app, small_db):
    visit = factories.one_visit(small_db, status="published")
    office = signed_in(empty_app, OFFICE)
    token = csrf_token(office, f"/office/review/{visit['uuid']}")
    response = office.post(f"/office/review/{visit['uuid']}/publish",
                           data={"csrf_token": token})
    assert response.status_code == 422
    assert "not waiting for review" in response.get_data(as_text=True)


@pytest.mark.parametrize("step", ["hold", "return", "correct", "publish"])
def test_a_visit_another_reviewer_just_published_is_not_changed(small_db, one_visit, step):
    """Two reviewers open the same visit; the first publishes it. The second's step, made
    on the page they still have open, is refused and changes nothing."""
    db, visit = small_db, one_visit  # the visit as the second reviewer's request read it
    office = db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    review.publish(db, visit, office, mail_settings=MAIL_SETTINGS)
    history = db.execute("SELECT COUNT(*) FROM audit_log WHERE visit_id = ?",
                         [visit["id"]]).fetchone()[0]
    answers = list(db.query("SELECT * FROM answers WHERE visit_id = ?", [visit["id"]]))
    question = answers[0]["question_id"]
    with pytest.raises(review.ReviewError, match="not waiting for review"):
        {"hold": lambda: review.hold(db, visit, office, "wait"),
         "return": lambda: review.return_to_shopper(db, visit, office, "redo",
                                                    mail_settings=MAIL_SETTINGS),
         "correct": lambda: review.correct_answer(db, visit, question, "no", False, "typo",
                                                  office),
         "publish": lambda: review.publish(db, visit, office, mail_settings=MAIL_SETTINGS)}[step]()
    assert db.execute("SELECT status FROM visits WHERE id = ?",
                      [visit["id"]]).fetchone()[0] == "published"
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE visit_id = ?",
                      [visit["id"]]).fetchone()[0] == history
    assert list(db.query("SELECT * FROM answers WHERE visit_id = ?", [visit["id"]])) == answers
