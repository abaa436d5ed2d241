"""Follow-up questions of sent visits (see domain/follow_ups.py): when each is due and
closes, and whether it was answered or closed unanswered. The one module that writes the
follow_ups table."""

from __future__ import annotations

from shopper.store.connection import Database


def schedule(db: Database, visit_id: int, rows: list[tuple[int, str, str]]) -> None:
    """(question id, due date, closes at) for each follow-up of a visit being sent; sending
    again (a returned visit) moves the dates and keeps what was answered."""
    db.conn.executemany(
        """INSERT INTO follow_ups (visit_id, question_id, due_date, closes_at)
           VALUES (?, ?, ?, ?) ON CONFLICT (visit_id, question_id) DO UPDATE SET
               due_date = excluded.due_date, closes_at = excluded.closes_at,
               closed_at = NULL""",
        [(visit_id, qid, due, closes) for qid, due, closes in rows])


def mark_answered(db: Database, visit_id: int, question_ids, at: str | None) -> None:
    """Answered at `at` (None: not answered, e.g. an answer taken back before sending)."""
    db.conn.executemany(
        "UPDATE follow_ups SET answered_at = ? WHERE visit_id = ? AND question_id = ?",
        [(at, visit_id, qid) for qid in question_ids])


def mark_closed(db: Database, visit_id: int, question_ids, at: str) -> None:
    db.conn.executemany(
        "UPDATE follow_ups SET closed_at = ? WHERE visit_id = ? AND question_id = ?",
        [(at, visit_id, qid) for qid in question_ids])


def of_visit(db: Database, visit_id: int) -> dict[int, dict]:
    """The visit's follow-ups by question id."""
    return {r["question_id"]: r for r in db.query(
        "SELECT * FROM follow_ups WHERE visit_id = ? ORDER BY due_date, question_id",
        [visit_id])}


def closed_question_ids(db: Database, visit_id: int, at: str) -> set[int]:
    """The visit's follow-ups whose answering window has closed by `at`."""
    return {r[0] for r in db.execute(
        "SELECT question_id FROM follow_ups WHERE visit_id = ? AND closes_at <= ?",
        [visit_id, at])}


def open_of_visit(db: Database, visit_id: int, at: str, answered_too: bool = False
                  ) -> list[dict]:
    """The visit's follow-ups still open at `at` and not answered (or, `answered_too`,
    answered but still open to change), soonest due first."""
    return list(db.query(
        """SELECT f.*, q.text FROM follow_ups f JOIN questions q ON q.id = f.question_id
           WHERE f.visit_id = ? AND (? OR f.answered_at IS NULL) AND f.closes_at > ?
           ORDER BY f.due_date, q.touchpoint_id, q.position""",
        [visit_id, int(answered_too), at]))


def closing_unanswered(db: Database, at: str) -> dict[int, list[int]]:
    """Follow-ups that closed unanswered by `at` and were not yet counted so: visit id ->
    question ids."""
    found: dict[int, list[int]] = {}
    for visit_id, question_id in db.execute(
            "SELECT visit_id, question_id FROM follow_ups WHERE answered_at IS NULL "
            "AND closed_at IS NULL AND closes_at <= ? ORDER BY visit_id", [at]):
        found.setdefault(visit_id, []).append(question_id)
    return found

