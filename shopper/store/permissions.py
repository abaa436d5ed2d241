"""Object-level permissions, decided here and nowhere else: which visit, photo, branch,
assignment, checklist version and action a signed-in user may see. Each answers None (or
False) for anything the user may not see, and every page and API call turns that into
404, so nobody learns that it exists.

- A shopper: their own assignments and visits, and the photos and checklist versions of
  those.
- A branch manager: their own branches, and those branches' published visits (their
  scorecards, photos, actions and appeals, and the photos of what was done about the
  actions). Never a visit under review, never another branch.
- Head office: everything except a visit still on a phone (draft or incomplete) as a
  scorecard.
"""

from __future__ import annotations

from shopper.domain.vocabulary import ON_THE_PHONE
from shopper.store import actions, appeals, reports, visits
from shopper.store.connection import Database


def visit_for_shopper(db: Database, user, visit_uuid: str) -> dict | None:
    """The shopper's own visit with its branch; None for anybody else's (answer 404)."""
    return next(db.query(
        """SELECT v.*, b.name AS branch_name, b.address AS branch_address,
                  a.scenario AS scenario
           FROM visits v JOIN branches b ON b.id = v.branch_id
           LEFT JOIN assignments a ON a.id = v.assignment_id
           WHERE v.uuid = ? AND v.shopper_id = ?""",
        [visit_uuid, user.id],
    ), None)


def sync_visit(db: Database, shopper_id: int, visit_uuid: str) -> dict | None:
    """The visit row with this id if it is this shopper's (what the sync API may touch)."""
    visit = visits.visit_by_uuid(db, visit_uuid)
    return visit if visit is not None and visit["shopper_id"] == shopper_id else None


def sync_assignment(db: Database, shopper_id: int, assignment_id: int | None) -> dict | None:
    """The assignment if it is this shopper's, whatever its status (a phone may still send
    a visit it started before the assignment closed)."""
    return next(db.query("SELECT * FROM assignments WHERE id = ? AND shopper_id = ?",
                         [assignment_id, shopper_id]), None)


def assignment_for_shopper(db: Database, user, assignment_id: int) -> dict | None:
    return next(db.query(
        "SELECT * FROM assignments WHERE id = ? AND shopper_id = ? AND status = 'open'",
        [assignment_id, user.id]), None)


def version_visible_to(db: Database, user, version_id: int) -> bool:
    """Head office sees every checklist version; a shopper those of their assignments."""
    if user.role == "office":
        return db.execute("SELECT 1 FROM checklist_versions WHERE id = ?",
                          [version_id]).fetchone() is not None
    return db.execute(
        """SELECT 1 FROM checklist_versions v JOIN assignments a
             ON a.checklist_id = v.checklist_id AND a.shopper_id = ?
           WHERE v.id = ? LIMIT 1""", [user.id, version_id]).fetchone() is not None


def photo_for_user(db: Database, user, photo_uuid: str) -> dict | None:
    """A photo the user may see: a shopper their own visits' photos; head office all; a
    manager only those of their branches' published visits."""
    row = next(db.query(
        """SELECT p.*, v.shopper_id, v.branch_id, v.status AS visit_status
           FROM photos p JOIN visits v ON v.id = p.visit_id WHERE p.uuid = ?""",
        [photo_uuid]), None)
    if row is None:
        return None
    if user.role == "office":
        return row
    if user.role == "shopper":
        return row if row["shopper_id"] == user.id else None
    if row["visit_status"] != "published":
        return None
    return row if branch_for_user(db, user, row["branch_id"]) else None


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


def scorecard_visit(db: Database, user, visit_uuid: str) -> dict | None:
    """The visit with its branch and checklist version, if this user may read its scorecard."""
    visit = reports.visit_row(db, visit_uuid)
    if visit is None or visit["status"] in ON_THE_PHONE:
        return None
    if user.role == "office":
        return visit
    if user.role != "manager" or visit["status"] != "published":
        return None
    linked = db.execute("SELECT 1 FROM manager_branches WHERE user_id = ? AND branch_id = ?",
                        [user.id, visit["branch_id"]]).fetchone()
    return visit if linked else None


def action_for_user(db: Database, user, action_id: int) -> dict | None:
    """An action of one of the manager's branches (404 for anything else)."""
    return next(db.query(
        """SELECT a.*, v.uuid AS visit_uuid FROM branch_actions a
           JOIN visits v ON v.id = a.visit_id
           JOIN manager_branches m ON m.branch_id = a.branch_id AND m.user_id = ?
           WHERE a.id = ? AND v.status = 'published'""", [user.id, action_id]), None)


def action_photo_for_user(db: Database, user, photo_uuid: str) -> dict | None:
    """The action whose photo this is, if the user may see its branch: head office, or a
    manager of the branch while the visit is published (never a shopper)."""
    row = actions.photo_by_uuid(db, photo_uuid)
    if row is None or (user.role != "office" and row["visit_status"] != "published"):
        return None
    return row if branch_for_user(db, user, row["branch_id"]) else None


def appeal_for_user(db: Database, user, appeal_id: int) -> dict | None:
    """An appeal (and its attachment): head office sees every one; a manager those of
    their branches' published visits; a shopper none (they learn only the outcome, on
    their own visit, never who appealed)."""
    appeal = appeals.by_id(db, appeal_id)
    if appeal is None or user.role == "shopper":
        return None
    if user.role == "office":
        return appeal
    visit = scorecard_visit(db, user, appeal["visit_uuid"])
    return appeal if visit is not None else None
