"""Read-only questions the pages ask, each named after the question. Plain dicts out.

Which visit, photo or branch a user may see is decided in permissions.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from shopper.store.connection import Database


def shopper_assignments(db: Database, shopper_id: int) -> list[dict]:
    """Open assignments of one shopper not yet sent, soonest deadline first, with the
    visit in progress if any."""
    return list(db.query(
        """SELECT a.id, a.window_start, a.window_end, a.scenario,
                  b.name AS branch_name, b.code AS branch_code, b.address, b.region,
                  c.name AS checklist_name, b.latitude, b.longitude,
                  (SELECT MAX(id) FROM checklist_versions WHERE checklist_id = a.checklist_id)
                     AS version_id,
                  (SELECT v.uuid FROM visits v WHERE v.assignment_id = a.id
                     AND v.status IN ('draft', 'returned') ORDER BY v.id DESC LIMIT 1)
                     AS draft_uuid
           FROM assignments a
           JOIN branches b ON b.id = a.branch_id
           JOIN checklists c ON c.id = a.checklist_id
           WHERE a.shopper_id = ? AND a.status = 'open'
             AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.assignment_id = a.id
                             AND v.status NOT IN ('draft', 'returned'))
           ORDER BY a.window_end, b.name""",
        [shopper_id],
    ))


def shopper_visits(db: Database, shopper_id: int, limit: int = 20) -> list[dict]:
    """A shopper's own visits, newest first, with where they are in review; a returned
    visit carries head office's latest comment."""
    return list(db.query(
        """SELECT v.uuid, v.status, v.visit_date, v.submitted_at, b.name AS branch_name,
                  (SELECT comment FROM audit_log WHERE visit_id = v.id
                     AND action = 'status:returned' ORDER BY id DESC LIMIT 1) AS returned_comment
           FROM visits v JOIN branches b ON b.id = v.branch_id
           WHERE v.shopper_id = ?
           ORDER BY v.status NOT IN ('draft', 'returned'), v.started_at DESC LIMIT ?""",
        [shopper_id, limit],
    ))


def visit_for_assignment(db: Database, assignment_id: int) -> str | None:
    """The UUID of the assignment's one visit, if it has been started."""
    row = db.execute("SELECT uuid FROM visits WHERE assignment_id = ?", [assignment_id]).fetchone()
    return row[0] if row else None


def returned_comment(db: Database, visit_id: int) -> str | None:
    row = db.execute("SELECT comment FROM audit_log WHERE visit_id = ? AND action = "
                     "'status:returned' ORDER BY id DESC LIMIT 1", [visit_id]).fetchone()
    return row[0] if row else None


def visit_photos(db: Database, visit_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM photos WHERE visit_id = ? ORDER BY id", [visit_id]))


def touchpoint_answers(db: Database, visit_id: int, touchpoint_id: int) -> dict[int, dict]:
    """What a touchpoint screen shows of its answers (value, N/A, note), keyed by question id."""
    return {r[0]: {"value": r[1], "na": r[2], "note": r[3]} for r in db.execute(
        "SELECT a.question_id, a.value, a.na, a.note FROM answers a "
        "JOIN questions q ON q.id = a.question_id "
        "WHERE a.visit_id = ? AND q.touchpoint_id = ?", [visit_id, touchpoint_id])}


def answers_by_question(db: Database, visit_id: int) -> dict[int, dict]:
    """Every stored answer of a visit (value, N/A, note), keyed by question id."""
    return {r[0]: {"value": r[1], "na": r[2], "note": r[3]} for r in db.execute(
        "SELECT question_id, value, na, note FROM answers WHERE visit_id = ?", [visit_id])}


def visit_touchpoint_row(db: Database, visit_id: int, touchpoint_id: int) -> dict | None:
    """The shopper's moment and note for one touchpoint of a visit, if any yet."""
    return next(db.query("SELECT * FROM visit_touchpoints WHERE visit_id = ? "
                         "AND touchpoint_id = ?", [visit_id, touchpoint_id]), None)


def published_visits(db: Database, branch_id: int, limit: int = 50, *,
                     unacknowledged: bool = False) -> list[dict]:
    """A branch's published visits, newest first: what its manager may read (only those
    not yet acknowledged, if asked)."""
    waiting = "AND v.acknowledged_at IS NULL" if unacknowledged else ""
    return list(db.query(
        f"""SELECT v.id, v.uuid, v.visit_date, v.score, v.critical_failed, v.acknowledged_at,
                  cv.name AS checklist_name, cv.version AS checklist_version
           FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id
           WHERE v.branch_id = ? AND v.status = 'published' {waiting}
           ORDER BY v.visit_date DESC, v.id DESC LIMIT ?""",
        [branch_id, limit],
    ))


def unacknowledged_count(db: Database, branch_id: int) -> int:
    """The branch's published scorecards its manager has not yet acknowledged."""
    return db.execute("SELECT COUNT(*) FROM visits WHERE branch_id = ? AND status = "
                      "'published' AND acknowledged_at IS NULL", [branch_id]).fetchone()[0]


def touchpoint_averages(db: Database, branch_id: int, start: str, end: str) -> list[dict]:
    """Average score per touchpoint for one branch's published visits in [start, end]."""
    return list(db.query(
        """SELECT t.name, vt.touchpoint_key AS key, ROUND(AVG(vt.score), 1) AS score,
                  COUNT(*) AS visits, MIN(t.position) AS position
           FROM visit_touchpoints vt
           JOIN touchpoints t ON t.id = vt.touchpoint_id
           WHERE vt.branch_id = ? AND vt.visit_date BETWEEN ? AND ?
             AND vt.published = 1 AND vt.score IS NOT NULL
           GROUP BY vt.touchpoint_key ORDER BY position""",
        [branch_id, start, end],
    ))


def monthly_scores(db: Database, branch_id: int, months: int, today: date) -> list[dict]:
    """The branch's average published score for each of the last `months` calendar months
    (None for a month without visits), oldest first."""
    firsts = []
    year, month = today.year, today.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    averages = dict(db.execute(
        """SELECT substr(visit_date, 1, 7), AVG(score) FROM visits
           WHERE branch_id = ? AND status = 'published' AND visit_date >= ?
           GROUP BY 1""", [branch_id, firsts[0].isoformat()]).fetchall())
    return [{"month": f, "score": None if averages.get(f.isoformat()[:7]) is None
             else round(averages[f.isoformat()[:7]], 1)} for f in firsts]


def touchpoint_changes(db: Database, branch_id: int, today: date, days: int = 90) -> list[dict]:
    """Each touchpoint's average over the last `days`, and its change from the `days` before."""
    end, mid = today, today - timedelta(days=days)
    start = mid - timedelta(days=days)
    before = {r["key"]: r["score"] for r in touchpoint_averages(
        db, branch_id, start.isoformat(), (mid - timedelta(days=1)).isoformat())}
    rows = touchpoint_averages(db, branch_id, mid.isoformat(), end.isoformat())
    for row in rows:
        previous = before.get(row["key"])
        row["change"] = None if previous is None else round(row["score"] - previous, 1)
    return rows


def follow_up_counts(db: Database, today: date) -> dict[str, int]:
    """How branches are acting on their scorecards: published visits not yet acknowledged,
    actions open, and actions past their due date."""
    return {
        "unacknowledged": db.execute("SELECT COUNT(*) FROM visits WHERE status = 'published' "
                                     "AND acknowledged_at IS NULL").fetchone()[0],
        "open_actions": db.execute("SELECT COUNT(*) FROM branch_actions WHERE status = 'open'"
                                   ).fetchone()[0],
        "overdue_actions": db.execute("SELECT COUNT(*) FROM branch_actions WHERE status = "
                                      "'open' AND due_date < ?", [today.isoformat()]).fetchone()[0],
    }


def visits_by_status(db: Database) -> dict[str, int]:
    return {row["status"]: row["n"] for row in db.query(
        "SELECT status, COUNT(*) AS n FROM visits GROUP BY status")}


def visit_row(db: Database, visit_uuid: str) -> dict | None:
    """The visit with its branch and checklist version, whoever asks."""
    return next(db.query(
        """SELECT v.*, b.name AS branch_name, b.code AS branch_code, b.region, b.address,
                  cv.name AS checklist_name, cv.version AS checklist_version
           FROM visits v JOIN branches b ON b.id = v.branch_id
           JOIN checklist_versions cv ON cv.id = v.version_id
           WHERE v.uuid = ?""", [visit_uuid]), None)


def answer_notes(db: Database, visit_id: int) -> dict[int, str]:
    """The shopper's note on each question, by question id."""
    return dict(db.execute("SELECT question_id, note FROM answers WHERE visit_id = ?",
                           [visit_id]).fetchall())


def touchpoint_rows(db: Database, visit_id: int) -> dict[int, dict]:
    """Each touchpoint's stored result, moment and note, by touchpoint id."""
    return {r["touchpoint_id"]: r for r in db.query(
        "SELECT * FROM visit_touchpoints WHERE visit_id = ?", [visit_id])}


def scorecard_photos(db: Database, visit_id: int) -> list[dict]:
    return list(db.query("SELECT uuid, caption, question_id, touchpoint_id, width, height, "
                         "expired_at, expired_after_days "
                         "FROM photos WHERE visit_id = ? ORDER BY id", [visit_id]))


def previous_visit(db: Database, visit: dict) -> dict | None:
    """The branch's published visit before this one."""
    return next(db.query(
        """SELECT id, uuid, visit_date, score FROM visits
           WHERE branch_id = ? AND status = 'published' AND id != ?
             AND (visit_date < ? OR (visit_date = ? AND id < ?))
           ORDER BY visit_date DESC, id DESC LIMIT 1""",
        [visit["branch_id"], visit["id"], visit["visit_date"], visit["visit_date"], visit["id"]]),
        None)


def touchpoint_scores(db: Database, visit_id: int) -> dict:
    return dict(db.execute("SELECT touchpoint_key, score FROM visit_touchpoints "
                           "WHERE visit_id = ?", [visit_id]).fetchall())


def network_touchpoint_averages(db: Database, around: str, days: int = 90) -> dict:
    """Average touchpoint scores over every branch's published visits in the `days` before
    (and including) the date `around`."""
    end = date.fromisoformat(around)
    start = end - timedelta(days=days)
    return {r[0]: round(r[1], 1) for r in db.execute(
        """SELECT touchpoint_key, AVG(score) FROM visit_touchpoints
           WHERE published = 1 AND visit_date BETWEEN ? AND ? AND score IS NOT NULL
           GROUP BY touchpoint_key""", [start.isoformat(), end.isoformat()])}


def sent_visit_minutes(db: Database) -> list[float]:
    """How long each visit sent for review took, in minutes, from the shopper's time in to
    time out (never the time spent filling in the form)."""
    return [r[0] for r in db.execute(
        """SELECT (julianday(left_at) - julianday(arrived_at)) * 1440 FROM visits
           WHERE left_at IS NOT NULL AND status IN ('submitted', 'on_hold', 'approved',
                                                     'published')""")]


def waiting_for_review(db: Database, visit_id: int | None = None, *, status: str = "",
                       region: str = "", branch_code: str = "",
                       sent_from: str = "", sent_to: str = "") -> list[dict]:
    """Visits waiting for review, oldest first (or just one of them), with what a reviewer's
    flags need: proof-of-visit photos and how much the shopper wrote. Optionally only one
    status, region or branch (by code), or those sent between two dates (YYYY-MM-DD)."""
    return list(db.query(
        """SELECT v.*, b.name AS branch_name, b.region, u.name AS shopper_name,
                  a.window_start, a.window_end,
                  (SELECT COUNT(*) FROM photos p JOIN questions q ON q.id = p.question_id
                     WHERE p.visit_id = v.id AND q.kind = 'photo'
                       AND json_extract(q.settings, '$.receipt') = 1) AS receipt_photos,
                  (SELECT COALESCE(SUM(LENGTH(note)), 0) FROM answers WHERE visit_id = v.id)
                  + (SELECT COALESCE(SUM(LENGTH(note) + LENGTH(moment_reason)), 0)
                       FROM visit_touchpoints WHERE visit_id = v.id) AS note_chars
           FROM visits v JOIN branches b ON b.id = v.branch_id
           JOIN users u ON u.id = v.shopper_id
           LEFT JOIN assignments a ON a.id = v.assignment_id
           WHERE v.status IN ('submitted', 'on_hold') AND (:visit IS NULL OR v.id = :visit)
             AND (:status = '' OR v.status = :status)
             AND (:region = '' OR b.region = :region)
             AND (:branch = '' OR b.code = :branch COLLATE NOCASE)
             AND (:sent_from = '' OR v.submitted_at >= :sent_from)
             AND (:sent_to = '' OR substr(v.submitted_at, 1, 10) <= :sent_to)
           ORDER BY v.submitted_at, v.id""",
        {"visit": visit_id, "status": status, "region": region, "branch": branch_code,
         "sent_from": sent_from, "sent_to": sent_to}))


def open_follow_ups(db: Database, shopper_id: int, at: str) -> list[dict]:
    """A shopper's follow-up questions still open at `at`, soonest due first, with the
    branch and the question."""
    return list(db.query(
        """SELECT f.question_id, f.due_date, f.closes_at, q.text, v.uuid AS visit_uuid,
                  v.visit_date, b.name AS branch_name
           FROM follow_ups f JOIN visits v ON v.id = f.visit_id
           JOIN branches b ON b.id = v.branch_id JOIN questions q ON q.id = f.question_id
           WHERE v.shopper_id = ? AND f.answered_at IS NULL AND f.closes_at > ?
             AND v.status NOT IN ('draft', 'returned')
           ORDER BY f.due_date, v.id, q.touchpoint_id, q.position""", [shopper_id, at]))


def assignment_setting(db: Database, assignment_id: int | None) -> dict:
    """Where and when an assignment's visit is to be made: the branch's time zone (None:
    the configured default) and the window's first and last dates."""
    return next(db.query(
        """SELECT b.time_zone, a.window_start, a.window_end FROM assignments a
           JOIN branches b ON b.id = a.branch_id WHERE a.id = ?""", [assignment_id]),
        {"time_zone": None, "window_start": None, "window_end": None})
