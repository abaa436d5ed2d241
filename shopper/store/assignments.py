"""Assignments: one, or a whole region at once, never sending a shopper to the same branch
twice within N days. The one module that writes the assignments table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shopper.store.connection import Database, now


@dataclass(frozen=True)
class AssignmentRequest:
    branch_ids: list[int]
    shopper_id: int
    checklist_id: int
    window_start: date
    window_end: date
    scenario: str
    min_gap_days: int


def create_assignments(db: Database, request: AssignmentRequest,
                       created_by: int) -> tuple[list[int], list[str]]:
    """Create one assignment per branch, skipping a branch the shopper has been (or will
    be) sent to within `min_gap_days` of this window. Returns (the new assignments' ids,
    skipped branches)."""
    created, skipped = [], []
    gap = timedelta(days=request.min_gap_days)
    with db.atomic():
        for branch_id in request.branch_ids:
            clash = db.execute(
                """SELECT b.name FROM assignments a JOIN branches b ON b.id = a.branch_id
                   WHERE a.branch_id = ? AND a.shopper_id = ? AND a.status != 'cancelled'
                     AND a.window_end >= ? AND a.window_start <= ? LIMIT 1""",
                [branch_id, request.shopper_id,
                 (request.window_start - gap).isoformat(),
                 (request.window_end + gap).isoformat()]).fetchone()
            if clash:
                skipped.append(clash[0])
                continue
            created.append(db["assignments"].insert({
                "branch_id": branch_id, "shopper_id": request.shopper_id,
                "checklist_id": request.checklist_id,
                "window_start": request.window_start.isoformat(),
                "window_end": request.window_end.isoformat(), "scenario": request.scenario,
                "status": "open", "created_by": created_by, "created_at": now()}).last_pk)
    return created, skipped


def assignments_overview(db: Database, today: date, *, region: str = "",
                         branch_code: str = "", due_from: str = "", due_to: str = "",
                         overdue_only: bool = False, limit: int = -1,
                         offset: int = 0) -> tuple[list[dict], int]:
    """Open assignments with nothing sent yet, overdue first (window over), then by
    deadline; optionally one region's or branch's (by code), those due between two dates
    (YYYY-MM-DD), or the overdue only: `limit` of them from `offset` (-1: all), and how
    many in all."""
    where = """a.status = 'open' AND NOT EXISTS (
                   SELECT 1 FROM visits v WHERE v.assignment_id = a.id
                   AND v.status NOT IN ('draft', 'returned', 'incomplete'))
               AND (:region = '' OR b.region = :region)
               AND (:branch = '' OR b.code = :branch COLLATE NOCASE)
               AND (:due_from = '' OR a.window_end >= :due_from)
               AND (:due_to = '' OR a.window_end <= :due_to)
               AND (:overdue = 0 OR a.window_end < :today)"""
    args = {"region": region, "branch": branch_code, "due_from": due_from, "due_to": due_to,
            "overdue": int(overdue_only), "today": today.isoformat(), "limit": limit,
            "offset": offset}
    total = db.execute(f"SELECT COUNT(*) FROM assignments a JOIN branches b "
                       f"ON b.id = a.branch_id WHERE {where}", args).fetchone()[0]
    rows = list(db.query(
        f"""SELECT a.*, b.name AS branch_name, b.region, u.name AS shopper_name,
                  c.name AS checklist_name,
                  (SELECT v.status FROM visits v WHERE v.assignment_id = a.id) AS visit_status,
                  a.window_end < :today AS overdue
           FROM assignments a JOIN branches b ON b.id = a.branch_id
           JOIN users u ON u.id = a.shopper_id JOIN checklists c ON c.id = a.checklist_id
           WHERE {where}
           ORDER BY a.window_end < :today DESC, a.window_end, b.name
           LIMIT :limit OFFSET :offset""", args))
    for row in rows:
        row["overdue"] = bool(row["overdue"])
    return rows, total


def overdue_count(db: Database, today: date) -> int:
    return assignments_overview(db, today, overdue_only=True, limit=0)[1]


def cancel_assignment(db: Database, assignment_id: int) -> bool:
    """Cancel an open assignment whose visit has not been started."""
    return db.execute(
        """UPDATE assignments SET status = 'cancelled' WHERE id = ? AND status = 'open'
           AND NOT EXISTS (SELECT 1 FROM visits WHERE assignment_id = ?)""",
        [assignment_id, assignment_id]).rowcount == 1


def by_id(db: Database, assignment_id: int) -> dict | None:
    return next(db.query("SELECT * FROM assignments WHERE id = ?", [assignment_id]), None)


def add_assignment(db: Database, row: dict) -> int:
    """Store one assignment as given (the demo data set's history)."""
    return db["assignments"].insert(row).last_pk


def has_open_assignment(db: Database, shopper_id: int) -> bool:
    return db.execute("SELECT 1 FROM assignments WHERE shopper_id = ? AND status = 'open'",
                      [shopper_id]).fetchone() is not None
