"""The audit log: every step of a visit's life, who took it, when, and what changed. The one
module that writes the audit_log table."""

from __future__ import annotations

import json

from shopper.store.connection import Database, now


def record(db: Database, visit_id: int, actor_id: int | None, action: str, *,
           before=None, after=None, comment: str = "", at: str | None = None) -> None:
    db["audit_log"].insert({
        "at": at or now(), "actor_id": actor_id, "action": action, "visit_id": visit_id,
        "entity": "visit", "entity_id": visit_id,
        "before": None if before is None else json.dumps(before),
        "after": None if after is None else json.dumps(after), "comment": comment,
    })


def history(db: Database, visit_id: int) -> list[dict]:
    """The visit's audit log, newest first, with who did each step."""
    return list(db.query(
        """SELECT a.*, u.name AS actor_name FROM audit_log a
           LEFT JOIN users u ON u.id = a.actor_id
           WHERE a.visit_id = ? ORDER BY a.id DESC""", [visit_id]))
