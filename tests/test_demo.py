"""The demo data set gives every screen something real to show, and loading it twice
changes nothing."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest

from shopper.domain.scoring import score_visit
from shopper.store import accounts
from shopper.store.checklists import load_version
from shopper.store.visits import answers_of
from shopper.workflows import demo, jobs, payments, submission
from shopper.workflows.mail import MailSettings

from .support import FAST_HASH

TABLES = ("users", "branches", "manager_branches", "checklists", "checklist_versions",
          "questions", "assignments", "visits", "answers", "visit_touchpoints", "audit_log",
          "photos", "branch_actions", "mail_outbox")


def table_counts(db):
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_loading_twice_changes_nothing(app, db):
    before = table_counts(db)
    summary = demo.seed(db, FAST_HASH, app.config["PHOTO_FOLDER"],
                        mail_settings=MailSettings.from_config(app.config))
    assert "nothing changed" in summary
    assert table_counts(db) == before


@pytest.mark.slow  # loads the whole demo data set, seconds of work
def test_demo_command_names_the_accounts(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for email in ("shopper@demo.test", "manager@demo.test", "office@demo.test"):
        assert email in result.output
    assert "demo-password" in result.output


def test_branches_regions_and_accounts(db):
    assert db.execute("SELECT COUNT(*) FROM branches").fetchone()[0] >= 12
    assert db.execute("SELECT COUNT(DISTINCT region) FROM branches").fetchone()[0] >= 3
    roles = dict(db.execute("SELECT email, role FROM users").fetchall())
    assert roles["shopper@demo.test"] == "shopper"
    assert roles["manager@demo.test"] == "manager"
    assert roles["office@demo.test"] == "office"
    linked = db.execute("""SELECT b.code FROM manager_branches m JOIN users u ON u.id = m.user_id
                           JOIN branches b ON b.id = m.branch_id
                           WHERE u.email = 'manager@demo.test'""").fetchall()
    assert linked == [("LDS01",)]


def test_six_months_of_published_visits_of_varied_quality(db):
    oldest = db.execute("SELECT MIN(visit_date) FROM visits WHERE status = 'published'"
                        ).fetchone()[0]
    assert date.fromisoformat(oldest) <= date.today() - timedelta(days=183)
    averages = [r[0] for r in db.execute(
        "SELECT AVG(score) FROM visits WHERE status = 'published' GROUP BY branch_id")]
    assert len(averages) >= 12
    assert max(averages) - min(averages) > 15
    assert statistics.pstdev(averages) > 5
    assert db.execute("SELECT COUNT(*) FROM visits WHERE critical_failed = 1").fetchone()[0] > 0
    moments = dict(db.execute(
        "SELECT moment, COUNT(*) FROM visit_touchpoints WHERE moment IS NOT NULL GROUP BY 1"))
    assert moments.get("golden", 0) > 0 and moments.get("dull", 0) > 0
    assert db.execute("SELECT COUNT(*) FROM visits WHERE status = 'submitted'").fetchone()[0] > 0


def test_stored_scores_are_the_engines(db):
    """What the pages read (stored results) equals what the engine says for the answers."""
    for visit in db.query("SELECT id, version_id, score, critical_failed FROM visits"):
        version = load_version(db, visit["version_id"])
        result = score_visit(version.checklist, answers_of(db, visit["id"], version))
        assert visit["score"] == result.score
        assert visit["critical_failed"] == int(result.critical_failed)
        stored = dict(db.execute(
            "SELECT touchpoint_key, score FROM visit_touchpoints WHERE visit_id = ?",
            [visit["id"]]).fetchall())
        assert stored == {tp.key: tp.score for tp in result.touchpoints}


def test_loading_again_keeps_head_offices_checklist_changes(app, db):
    from shopper.domain.checklist_format import parse_checklist
    from shopper.store.checklists import import_checklist
    text = demo.DEFAULT_CHECKLIST.read_text().replace("within 30 seconds", "within 20 seconds")
    import_checklist(db, parse_checklist(text), text)
    versions = db.execute("SELECT COUNT(*) FROM checklist_versions").fetchone()[0]
    demo.seed(db, FAST_HASH, app.config["PHOTO_FOLDER"],
              mail_settings=MailSettings.from_config(app.config))
    assert db.execute("SELECT COUNT(*) FROM checklist_versions").fetchone()[0] == versions


def test_every_demo_visit_has_its_receipt_on_disk(app, db):
    from pathlib import Path
    missing = db.execute("""SELECT COUNT(*) FROM visits v WHERE NOT EXISTS (
        SELECT 1 FROM photos p JOIN questions q ON q.id = p.question_id
        WHERE p.visit_id = v.id AND q.key = 'receipt_photo')""").fetchone()[0]
    assert missing == 0
    for name, thumb in db.execute("SELECT stored_name, thumb_name FROM photos LIMIT 20"):
        assert (Path(app.config["PHOTO_FOLDER"]) / name).exists()
        assert (Path(app.config["PHOTO_FOLDER"]) / thumb).exists()


def test_every_sent_demo_visit_is_complete_as_the_checklists_rules_ask(db):
    """What a shopper could not have sent (a note or photo an answer calls for, missing)
    is not in the demo either: a returned demo visit can be sent again as it is."""
    sent = list(db.query("SELECT * FROM visits WHERE status != 'draft'"))
    assert sent
    incomplete = {v["uuid"]: submission.missing(db, v) for v in sent}
    assert {uuid: m for uuid, m in incomplete.items() if m} == {}


def test_the_demo_leaves_messages_waiting_and_the_manager_actions_in_hand(db):
    """`shopper send-mail` right after `shopper demo` shows mail at once: the manager hears
    of a newly published scorecard (a critical failure, or the scorecard itself), the
    shopper of new visits, head office of what waits; and the manager's branch has actions
    overdue, due tomorrow, due later and done."""
    waiting = list(db.query("SELECT kind, recipient, subject, text_body FROM mail_outbox "
                            "WHERE status = 'waiting'"))
    to_manager = [m for m in waiting if m["recipient"] == "manager@demo.test"]
    assert any(m["kind"] in ("scorecard_published", "critical_failure") for m in to_manager)
    assert {"assignment_new", "office_digest", "action_reminder"} <= {m["kind"] for m in waiting}
    for message in to_manager:
        assert "Sam Field" not in message["text_body"]
        assert "shopper@demo.test" not in message["text_body"]
    today = date.today().isoformat()
    actions = list(db.query("SELECT due_date, status FROM branch_actions"))
    assert any(a["status"] == "open" and a["due_date"] < today for a in actions)
    assert any(a["status"] == "open" and a["due_date"] > today for a in actions)
    assert any(a["status"] == "done" for a in actions)


def test_the_manager_has_appealed_with_each_outcome(db):
    """An appeal overturned (the visit rescored, with a photo), one upheld and one waiting
    for head office; the decisions were mailed, and head office's digest counts the one
    waiting."""
    appeals = {a["status"]: a for a in db.query(
        "SELECT ap.*, v.score FROM appeals ap JOIN visits v ON v.id = ap.visit_id")}
    assert set(appeals) == {"open", "upheld", "overturned"}
    assert appeals["overturned"]["attachment_kind"] == "photo"
    corrected = db.execute("SELECT COUNT(*) FROM audit_log WHERE action = "
                           "'answer_corrected'").fetchone()[0]
    assert corrected >= 1
    kinds = [m["kind"] for m in db.query("SELECT kind FROM mail_outbox")]
    assert kinds.count("appeal_decided") == 2 and kinds.count("finding_reviewed") == 2
    [digest] = db.query("SELECT text_body FROM mail_outbox WHERE kind = 'office_digest'")
    assert "1 appeal against a finding waiting for a decision" in digest["text_body"]


def test_the_job_board_quiz_ratings_and_months_of_pay(app, db):
    """Open jobs in two regions (one asking for the quiz), shoppers' ratings with reasons,
    and months of payable lines: last month's approved for the bank, older ones paid."""
    open_jobs = list(db.query("SELECT b.region, j.qualification_id FROM jobs j JOIN "
                              "branches b ON b.id = j.branch_id WHERE j.status = 'open'"))
    assert len({j["region"] for j in open_jobs}) == 2
    assert any(j["qualification_id"] for j in open_jobs)
    ratings = [jobs.rating_of(db, user_id) for user_id in (
        accounts.user_id_of_email(db, "shopper@demo.test"),
        accounts.user_id_of_email(db, "jo.shopper@demo.test"))]
    assert all(r.value is not None for r in ratings)
    assert any(r.reasons for r in ratings)  # a returned visit, an overturned finding
    today = date.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).isoformat()[:7]
    exported = "".join(payments.month_csv(db, last_month)).splitlines()
    assert len(exported) > 1 and exported[1].count(",25.00,") >= 1
    statuses = {r[0] for r in db.execute("SELECT status FROM payable_lines")}
    assert {"paid", "approved"} <= statuses
