"""What a branch will change for each standard a visit did not meet: the one module that
writes the branch_actions table."""

from __future__ import annotations

from shopper.store.connection import Database, now


def of_visit(db: Database, visit_id: int) -> dict:
    """The visit's actions keyed by question id."""
    return {r["question_id"]: r for r in db.query(
        "SELECT * FROM branch_actions WHERE visit_id = ?", [visit_id])}


def record(db: Database, visit: dict, question_id: int, action: dict, user_id: int) -> None:
    """One action per failed standard of a visit; recording it again updates it."""
    stamp = now()
    db.execute(
        """INSERT INTO branch_actions (visit_id, branch_id, question_id, description, owner,
               due_date, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (visit_id, question_id) DO UPDATE SET
               description = excluded.description, owner = excluded.owner,
               due_date = excluded.due_date, updated_at = excluded.updated_at""",
        [visit["id"], visit["branch_id"], question_id, action["description"],
         action["owner"], action["due_date"], user_id, stamp, stamp])


def complete(db: Database, action_id: int, note: str) -> int:
    """Mark an action done with what was done; returns its visit's id."""
    stamp = now()
    row = db.execute("SELECT visit_id FROM branch_actions WHERE id = ?", [action_id]).fetchone()
    db.execute("UPDATE branch_actions SET status = 'done', done_at = ?, done_note = ?, "
               "updated_at = ? WHERE id = ?", [stamp, note, stamp, action_id])
    return row[0]
