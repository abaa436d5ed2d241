"""Mail: the one module that writes the mail_outbox, mail_preferences and
mail_digest_items tables, and the reads that say who a message goes to and what it tells."""

from __future__ import annotations

from shopper.domain.messages import Message
from shopper.store.connection import Database


def queue(db: Database, *, kind: str, user_id: int | None, recipient: str, message: Message,
          message_id: str, at: str, unsubscribe_url: str | None = None,
          dedupe_key: str | None = None) -> int | None:
    """Write a message to the outbox, due at once. Call it inside the `db.atomic()` block
    of the event it tells about, so that the two commit or roll back together. A message
    whose `dedupe_key` is already in the outbox is not written again (None)."""
    cursor = db.execute(
        """INSERT INTO mail_outbox (kind, user_id, recipient, subject, text_body, html_body,
               message_id, created_at, next_attempt_at, unsubscribe_url, dedupe_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING""",
        [kind, user_id, recipient, message.subject, message.text, message.html, message_id,
         at, at, unsubscribe_url, dedupe_key])
    return cursor.lastrowid if cursor.rowcount else None


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
        """SELECT u.id, u.name, u.email, u.role FROM users u
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


# --- preferences --------------------------------------------------------------------

def choices_of(db: Database, user_id: int) -> dict[str, str]:
    """The kinds a user has chosen for, and how; kinds not here take their default."""
    return {r["kind"]: r["choice"] for r in db.query(
        "SELECT kind, choice FROM mail_preferences WHERE user_id = ?", [user_id])}


def set_choices(db: Database, user_id: int, choices: dict[str, str], at: str) -> None:
    with db.atomic():
        for kind, choice in choices.items():
            db.execute(
                """INSERT INTO mail_preferences (user_id, kind, choice, updated_at)
                   VALUES (?, ?, ?, ?) ON CONFLICT (user_id, kind) DO UPDATE SET
                   choice = excluded.choice, updated_at = excluded.updated_at""",
                [user_id, kind, choice, at])


def recipient(db: Database, user_id: int) -> dict | None:
    """An active account mail can go to: id, name, email, role."""
    return next(db.query("SELECT id, name, email, role FROM users WHERE id = ? AND active = 1",
                         [user_id]), None)


def active_users(db: Database, role: str) -> list[dict]:
    return list(db.query("SELECT id, name, email, role FROM users WHERE role = ? "
                         "AND active = 1 ORDER BY id", [role]))


# --- digests ------------------------------------------------------------------------

def add_digest_item(db: Database, user_id: int, kind: str, text: str, url: str,
                    at: str) -> None:
    db.execute("INSERT INTO mail_digest_items (user_id, kind, text, url, created_at) "
               "VALUES (?, ?, ?, ?, ?)", [user_id, kind, text, url, at])


def waiting_digest_items(db: Database, kind: str) -> list[dict]:
    """Items not yet in a digest, per user in the order they came."""
    return list(db.query(
        "SELECT * FROM mail_digest_items WHERE kind = ? AND outbox_id IS NULL "
        "ORDER BY user_id, id", [kind]))


def mark_digested(db: Database, item_ids: list[int], outbox_id: int) -> None:
    db.execute(f"UPDATE mail_digest_items SET outbox_id = ? WHERE id IN "
               f"({', '.join('?' * len(item_ids))})", [outbox_id, *item_ids])


# --- what reminders and digests tell ------------------------------------------------

def critical_standards(db: Database, visit_id: int) -> list[str]:
    """The critical standards a visit did not meet, in checklist order."""
    return [r["text"] for r in db.query(
        """SELECT q.text FROM answers a JOIN questions q ON q.id = a.question_id
           JOIN touchpoints t ON t.id = q.touchpoint_id
           WHERE a.visit_id = ? AND a.outcome = 'not_met' AND q.critical = 1
           ORDER BY t.position, q.position""", [visit_id])]


def visit_summary(db: Database, visit_id: int) -> dict:
    """A published visit as a digest line tells it: branch, date, score."""
    return next(db.query(
        """SELECT v.uuid, v.visit_date, v.score, v.critical_failed, b.name AS branch_name
           FROM visits v JOIN branches b ON b.id = v.branch_id WHERE v.id = ?""",
        [visit_id]))


def actions_to_remind(db: Database, today: str, tomorrow: str) -> list[dict]:
    """Open actions due tomorrow or already overdue, each with the managers to tell."""
    return list(db.query(
        """SELECT a.id, a.description, a.due_date, a.branch_id, b.name AS branch_name,
                  q.text AS standard, u.id AS user_id, u.email
           FROM branch_actions a JOIN branches b ON b.id = a.branch_id
           JOIN questions q ON q.id = a.question_id
           JOIN manager_branches m ON m.branch_id = a.branch_id
           JOIN users u ON u.id = m.user_id AND u.role = 'manager' AND u.active = 1
           WHERE a.status = 'open' AND (a.due_date = ? OR a.due_date < ?)
           ORDER BY a.due_date, a.id, u.id""", [tomorrow, today]))


def windows_closing(db: Database, last_day: str) -> list[dict]:
    """Open assignments whose window ends on `last_day` with nothing sent for them yet."""
    return list(db.query(
        """SELECT a.id, a.window_end, b.name AS branch_name, u.id AS user_id, u.email
           FROM assignments a JOIN branches b ON b.id = a.branch_id
           JOIN users u ON u.id = a.shopper_id AND u.active = 1
           WHERE a.status = 'open' AND a.window_end = ? AND NOT EXISTS (
               SELECT 1 FROM visits v WHERE v.assignment_id = a.id
               AND v.status NOT IN ('draft', 'returned', 'incomplete'))
           ORDER BY a.id""", [last_day]))


def assignments_by_id(db: Database, ids: list[int]) -> list[dict]:
    return list(db.query(
        f"""SELECT a.id, a.shopper_id, a.window_start, a.window_end, b.name AS branch_name
            FROM assignments a JOIN branches b ON b.id = a.branch_id
            WHERE a.id IN ({', '.join('?' * len(ids))}) ORDER BY a.window_end, b.name""",
        ids))


def waiting_for_review_count(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM visits WHERE status IN ('submitted', 'on_hold')"
                      ).fetchone()[0]


def critical_failures_sent_since(db: Database, since: str) -> list[dict]:
    """Visits sent for review since `since` that failed a critical standard."""
    return list(db.query(
        """SELECT v.uuid, v.visit_date, b.name AS branch_name FROM visits v
           JOIN branches b ON b.id = v.branch_id
           WHERE v.critical_failed = 1 AND v.submitted_at >= ?
             AND v.status IN ('submitted', 'on_hold', 'approved', 'published')
           ORDER BY v.submitted_at""", [since]))
