"""Read-only questions the pages ask, each named after the question. Plain dicts out.

Object-level access lives here too: `branch_for_user` returns nothing for a branch the
user may not see, and the views turn that into a 404.
"""

from __future__ import annotations

from .db import Database


def shopper_assignments(db: Database, shopper_id: int) -> list[dict]:
    """Open assignments of one shopper, soonest deadline first, with their draft if any."""
    return list(db.query(
        """SELECT a.id, a.window_start, a.window_end, a.scenario,
                  b.name AS branch_name, b.code AS branch_code, b.address, b.region,
                  c.name AS checklist_name,
                  (SELECT v.uuid FROM visits v WHERE v.assignment_id = a.id
                     AND v.status = 'draft' ORDER BY v.id DESC LIMIT 1) AS draft_uuid
           FROM assignments a
           JOIN branches b ON b.id = a.branch_id
           JOIN checklists c ON c.id = a.checklist_id
           WHERE a.shopper_id = ? AND a.status = 'open'
           ORDER BY a.window_end, b.name""",
        [shopper_id],
    ))


def shopper_visits(db: Database, shopper_id: int, limit: int = 20) -> list[dict]:
    """A shopper's own sent visits, newest first, with where they are in review."""
    return list(db.query(
        """SELECT v.uuid, v.status, v.visit_date, v.submitted_at, b.name AS branch_name
           FROM visits v JOIN branches b ON b.id = v.branch_id
           WHERE v.shopper_id = ? AND v.status != 'draft'
           ORDER BY v.started_at DESC LIMIT ?""",
        [shopper_id, limit],
    ))


def visible_branches(db: Database, user) -> list[dict]:
    """The branches a manager is linked to (every branch for head office), each with its
    latest published score and its average over the last twelve months."""
    where, params = ("", []) if user.role == "office" else (
        "WHERE b.id IN (SELECT branch_id FROM manager_branches WHERE user_id = ?)", [user.id])
    return list(db.query(
        f"""SELECT b.id, b.code, b.name, b.region, b.address,
                   (SELECT score FROM visits WHERE branch_id = b.id AND status = 'published'
                      ORDER BY visit_date DESC, id DESC LIMIT 1) AS latest_score,
                   (SELECT visit_date FROM visits WHERE branch_id = b.id AND status = 'published'
                      ORDER BY visit_date DESC, id DESC LIMIT 1) AS latest_date,
                   (SELECT ROUND(AVG(score), 1) FROM visits WHERE branch_id = b.id
                      AND status = 'published' AND visit_date >= date('now', '-12 months'))
                      AS year_average
            FROM branches b {where} ORDER BY b.region, b.name""",
        params,
    ))


def branch_for_user(db: Database, user, branch_id: int) -> dict | None:
    """The branch if this user may see it; None otherwise (the caller answers 404)."""
    if user.role == "office":
        return next(db.query("SELECT * FROM branches WHERE id = ?", [branch_id]), None)
    if user.role != "manager":
        return None
    return next(db.query(
        """SELECT b.* FROM branches b JOIN manager_branches m ON m.branch_id = b.id
           WHERE b.id = ? AND m.user_id = ?""",
        [branch_id, user.id],
    ), None)


def published_visits(db: Database, branch_id: int, limit: int = 50) -> list[dict]:
    """A branch's published visits, newest first: what its manager may read."""
    return list(db.query(
        """SELECT v.id, v.uuid, v.visit_date, v.score, v.critical_failed, v.acknowledged_at,
                  cv.name AS checklist_name, cv.version AS checklist_version
           FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id
           WHERE v.branch_id = ? AND v.status = 'published'
           ORDER BY v.visit_date DESC, v.id DESC LIMIT ?""",
        [branch_id, limit],
    ))


def touchpoint_averages(db: Database, branch_id: int, start: str, end: str) -> list[dict]:
    """Average score per touchpoint for one branch's published visits in [start, end]."""
    return list(db.query(
        """SELECT t.name, vt.touchpoint_key AS key, ROUND(AVG(vt.score), 1) AS score,
                  COUNT(*) AS visits, MIN(t.position) AS position
           FROM visit_touchpoints vt
           JOIN visits v ON v.id = vt.visit_id
           JOIN touchpoints t ON t.id = vt.touchpoint_id
           WHERE vt.branch_id = ? AND vt.visit_date BETWEEN ? AND ?
             AND v.status = 'published' AND vt.score IS NOT NULL
           GROUP BY vt.touchpoint_key ORDER BY position""",
        [branch_id, start, end],
    ))


def visits_by_status(db: Database) -> dict[str, int]:
    return {row["status"]: row["n"] for row in db.query(
        "SELECT status, COUNT(*) AS n FROM visits GROUP BY status")}


def league_table(db: Database, start: str, end: str, region: str | None = None) -> list[dict]:
    """Branches ranked by average published score for visits dated in [start, end]."""
    region_clause = "AND b.region = :region" if region else ""
    rows = list(db.query(
        f"""SELECT b.id, b.code, b.name, b.region, COUNT(v.id) AS visits,
                   ROUND(AVG(v.score), 1) AS average, SUM(v.critical_failed) AS critical_failures
            FROM branches b
            JOIN visits v ON v.branch_id = b.id AND v.status = 'published'
                 AND v.visit_date BETWEEN :start AND :end
            WHERE 1 = 1 {region_clause}
            GROUP BY b.id ORDER BY average DESC, b.name""",
        {"start": start, "end": end, "region": region},
    ))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def regions(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT region FROM branches ORDER BY region")]
