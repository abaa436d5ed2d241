"""What a branch will change for each standard a visit did not meet, and what it did: the
one module that writes the branch_actions table (an action's photo included)."""

from __future__ import annotations

from shopper.domain.photos import ProcessedPhoto
from shopper.store import photo_files
from shopper.store.connection import Database, now


def of_visit(db: Database, visit_id: int) -> dict:
    """The visit's actions keyed by question id."""
    return {r["question_id"]: r for r in db.query(
        "SELECT * FROM branch_actions WHERE visit_id = ?", [visit_id])}


def of_branch(db: Database, branch_id: int) -> list[dict]:
    """Every action on the branch's published visits, with the standard it answers, its
    touchpoint and the visit (date and id, for a link to its scorecard)."""
    return list(db.query(
        """SELECT a.*, v.uuid AS visit_uuid, v.visit_date, q.text AS question_text,
                  q.standard, t.key AS touchpoint_key, t.name AS touchpoint_name
           FROM branch_actions a
           JOIN visits v ON v.id = a.visit_id
           JOIN questions q ON q.id = a.question_id
           JOIN touchpoints t ON t.id = q.touchpoint_id
           WHERE a.branch_id = ? AND v.status = 'published'
           ORDER BY a.due_date, a.id""", [branch_id]))


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


def complete(db: Database, folder: str, action_id: int, note: str,
             photo: tuple[str, ProcessedPhoto] | None = None) -> int:
    """Mark an action done with what was done and, if given, a photo (its id and its
    processed copies); returns its visit's id. A new photo replaces the one before, whose
    files go once that is committed; the new files are written before the row names them
    and removed again if the row is not written."""
    stamp = now()
    row = next(db.query("SELECT * FROM branch_actions WHERE id = ?", [action_id]))
    db.execute("UPDATE branch_actions SET status = 'done', done_at = ?, done_note = ?, "
               "updated_at = ? WHERE id = ?", [stamp, note, stamp, action_id])
    if photo is not None:
        _attach_photo(db, folder, row, *photo)
    return row["visit_id"]


def _attach_photo(db: Database, folder: str, row: dict, photo_uuid: str,
                  processed: ProcessedPhoto) -> None:
    display = photo_files.write(folder, processed.display, "")
    thumb = photo_files.write(folder, processed.thumbnail, "-t")
    try:
        db.execute("UPDATE branch_actions SET photo_uuid = ?, photo_name = ?, "
                   "photo_thumb_name = ? WHERE id = ?", [photo_uuid, display, thumb, row["id"]])
    except BaseException:
        photo_files.remove(folder, display, thumb)
        raise
    if row["photo_uuid"]:
        db.after_commit(lambda: photo_files.remove(folder, row["photo_name"],
                                                   row["photo_thumb_name"]))


def photo_by_uuid(db: Database, photo_uuid: str) -> dict | None:
    """The action whose photo this is, with its visit's status (for the permission check)."""
    return next(db.query(
        """SELECT a.*, v.status AS visit_status FROM branch_actions a
           JOIN visits v ON v.id = a.visit_id WHERE a.photo_uuid = ?""", [photo_uuid]), None)


def photo_file_names(db: Database) -> set[str]:
    """The files in the photo folder that actions' photos need."""
    names = set()
    for display, thumb in db.execute("SELECT photo_name, photo_thumb_name FROM branch_actions "
                                     "WHERE photo_uuid IS NOT NULL"):
        names.update((display, thumb))
    return names
