"""Appeals in the database: a branch manager's challenge of one finding of a published
visit, and head office's decision. The one module that writes the appeals table."""

from __future__ import annotations

from shopper.store.connection import Database, now

# An appeal with what the pages show beside it: the standard, its touchpoint, the visit.
_APPEAL = """
    SELECT ap.*, q.text AS question_text, q.standard AS question_standard, q.kind AS kind,
           t.name AS touchpoint_name, v.uuid AS visit_uuid, v.visit_date,
           v.published_at, v.version_id, b.name AS branch_name, b.code AS branch_code,
           maker.name AS made_by_name, decider.name AS decided_by_name,
           a.observed AS observed
    FROM appeals ap
    JOIN questions q ON q.id = ap.question_id
    JOIN touchpoints t ON t.id = q.touchpoint_id
    JOIN visits v ON v.id = ap.visit_id
    JOIN branches b ON b.id = ap.branch_id
    JOIN users maker ON maker.id = ap.made_by
    LEFT JOIN users decider ON decider.id = ap.decided_by
    LEFT JOIN answers a ON a.visit_id = ap.visit_id AND a.question_id = ap.question_id
"""


def add(db: Database, *, visit: dict, question_id: int, made_by: int, reason: str,
        attachment: dict | None = None, at: str | None = None) -> int:
    """Record an appeal (made now, or `at`); `attachment` holds its kind, file names and
    size."""
    attachment = attachment or {}
    return db.execute(
        """INSERT INTO appeals (visit_id, question_id, branch_id, made_by, made_at, reason,
               attachment_kind, attachment_name, attachment_thumb, attachment_bytes)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [visit["id"], question_id, visit["branch_id"], made_by, at or now(), reason,
         attachment.get("kind"), attachment.get("name"), attachment.get("thumb"),
         attachment.get("bytes")]).lastrowid


def decide(db: Database, appeal_id: int, *, outcome: str, comment: str, decided_by: int,
           at: str | None = None) -> bool:
    """Close an open appeal with head office's outcome; False if it was no longer open."""
    return db.execute(
        """UPDATE appeals SET status = ?, decision_comment = ?, decided_by = ?, decided_at = ?
           WHERE id = ? AND status = 'open'""",
        [outcome, comment, decided_by, at or now(), appeal_id]).rowcount == 1


def by_id(db: Database, appeal_id: int) -> dict | None:
    return next(db.query(_APPEAL + " WHERE ap.id = ?", [appeal_id]), None)


def open_for(db: Database, visit_id: int, question_id: int) -> dict | None:
    """The open appeal against this finding of the visit, if there is one."""
    return next(db.query("SELECT * FROM appeals WHERE visit_id = ? AND question_id = ? "
                         "AND status = 'open'", [visit_id, question_id]), None)


def of_visit(db: Database, visit_id: int) -> list[dict]:
    """Every appeal against the visit's findings, oldest first."""
    return list(db.query(_APPEAL + " WHERE ap.visit_id = ? ORDER BY ap.id", [visit_id]))


def waiting(db: Database, limit: int | None = None) -> list[dict]:
    """Appeals waiting for head office's decision, oldest first (the appeals page, and
    head office's daily digest)."""
    return list(db.query(_APPEAL + " WHERE ap.status = 'open' ORDER BY ap.made_at, ap.id"
                         + (" LIMIT ?" if limit else ""), [limit] if limit else []))


def waiting_count(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM appeals WHERE status = 'open'").fetchone()[0]


def recently_decided(db: Database, limit: int = 20) -> list[dict]:
    return list(db.query(_APPEAL + " WHERE ap.status != 'open' "
                         "ORDER BY ap.decided_at DESC, ap.id DESC LIMIT ?", [limit]))


def attachment_file_names(db: Database) -> set[str]:
    """The files in the photo folder that appeals still need."""
    names = set()
    for name, thumb in db.execute("SELECT attachment_name, attachment_thumb FROM appeals "
                                  "WHERE attachment_name IS NOT NULL"):
        names.update(n for n in (name, thumb) if n)
    return names
