"""Mail waiting to be sent: the one module that writes the mail_outbox table, and the
reads that say who a message goes to."""

from __future__ import annotations

from shopper.domain.messages import Message
from shopper.store.connection import Database


def queue(db: Database, *, kind: str, user_id: int | None, recipient: str, message: Message,
          message_id: str, at: str) -> int:
    """Write a message to the outbox, due at once. Call it inside the `db.atomic()` block
    of the event it tells about, so that the two commit or roll back together."""
    cursor = db.execute(
        """INSERT INTO mail_outbox (kind, user_id, recipient, subject, text_body, html_body,
               message_id, created_at, next_attempt_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [kind, user_id, recipient, message.subject, message.text, message.html, message_id,
         at, at])
    return cursor.lastrowid


def due(db: Database, at: str) -> list[dict]:
    """Waiting messages whose next attempt is due at `at`, oldest first."""
    return list(db.query(
        "SELECT * FROM mail_outbox WHERE status = 'waiting' AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id", [at]))


def mark_sent(db: Database, message_id: int, at: str) -> None:
    db.execute("UPDATE mail_outbox SET status = 'sent', sent_at = ?, next_attempt_at = NULL, "
               "attempts = attempts + 1, last_error = NULL WHERE id = ?", [at, message_id])


def mark_attempt_failed(db: Database, message_id: int, error: str,
                        next_attempt_at: str | None) -> None:
    """Count a failed attempt; with no next attempt the message is given up (failed)."""
    db.execute("UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, "
               "next_attempt_at = ?, status = CASE WHEN ? IS NULL THEN 'failed' "
               "ELSE 'waiting' END WHERE id = ?",
               [error, next_attempt_at, next_attempt_at, message_id])


def branch_managers(db: Database, branch_id: int) -> list[dict]:
    """The active managers of a branch, who hear of its scorecards."""
    return list(db.query(
        """SELECT u.id, u.name, u.email FROM users u
           JOIN manager_branches m ON m.user_id = u.id
           WHERE m.branch_id = ? AND u.role = 'manager' AND u.active = 1 ORDER BY u.id""",
        [branch_id]))


def visit_branch_and_shopper(db: Database, visit_id: int) -> dict:
    """What a message about a visit needs: its uuid, branch name and shopper's account."""
    return next(db.query(
        """SELECT v.uuid, v.branch_id, b.name AS branch_name, v.shopper_id, u.name AS shopper_name,
                  u.email AS shopper_email, u.active AS shopper_active
           FROM visits v JOIN branches b ON b.id = v.branch_id
           JOIN users u ON u.id = v.shopper_id WHERE v.id = ?""", [visit_id]))
