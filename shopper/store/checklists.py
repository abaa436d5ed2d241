"""Checklist versions in the database: importing a file as a new version, and loading a
version back as the `Checklist` model that the scoring engine and the pages use."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

from shopper.domain.checklist_format import (
    TOUCHPOINT_RULE_FIELDS,
    Checklist,
    Option,
    Question,
    Touchpoint,
)
from shopper.store.connection import Database, now

_COMMON = {"key", "kind", "text", "standard", "guidance", "category", "critical",
           "na_allowed", "required"}
_SETTINGS = {f.name for f in fields(Question)} - _COMMON


@dataclass(frozen=True)
class StoredVersion:
    id: int
    checklist_id: int
    version: int
    checklist: Checklist
    touchpoint_ids: dict[str, int]
    question_ids: dict[tuple[str, str], int]

    def questions_by_id(self) -> dict:
        """Question id -> Question, for answers that arrive by id."""
        return {self.question_ids[(tp.key, q.key)]: q for tp, q in self.checklist.questions()}


def import_checklist(db: Database, checklist: Checklist, source: str,
                     created_by: int | None = None) -> tuple[int, int, bool]:
    """Store `checklist` as the next version of its slug, unless its latest version has the
    same content. Returns (version id, version number, whether a version was created)."""
    digest = checklist.content_hash()
    with db.atomic():
        db.execute(
            "INSERT INTO checklists (slug, name, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (slug) DO UPDATE SET name = excluded.name",
            [checklist.slug, checklist.name, now()],
        )
        checklist_id = db.execute(
            "SELECT id FROM checklists WHERE slug = ?", [checklist.slug]
        ).fetchone()[0]
        latest = latest_version_row(db, checklist_id)
        if latest and latest["content_hash"] == digest:
            return latest["id"], latest["version"], False
        number = (latest["version"] + 1) if latest else 1
        version_id = db["checklist_versions"].insert({
            "checklist_id": checklist_id, "version": number, "name": checklist.name,
            "description": checklist.description, "content_hash": digest,
            "source": source, "created_at": now(), "created_by": created_by,
        }).last_pk
        _insert_touchpoints(db, version_id, checklist)
    return version_id, number, True


def _insert_touchpoints(db: Database, version_id: int, checklist: Checklist) -> None:
    for t_pos, tp in enumerate(checklist.touchpoints, start=1):
        tp_id = db["touchpoints"].insert({
            "version_id": version_id, "position": t_pos, "key": tp.key, "name": tp.name,
            "weight": tp.weight, "description": tp.description,
            "rules": json.dumps({name: getattr(tp, name) for name in TOUCHPOINT_RULE_FIELDS}),
        }).last_pk
        db["questions"].insert_all(
            {
                "version_id": version_id, "touchpoint_id": tp_id, "position": q_pos,
                **{name: getattr(q, name) for name in _COMMON},
                "max_points": q.max_points,
                "settings": json.dumps({name: _plain(getattr(q, name)) for name in _SETTINGS}),
            }
            for q_pos, q in enumerate(tp.questions, start=1)
        )


def _plain(value):
    if isinstance(value, tuple):
        return [asdict(v) for v in value]
    return value


def latest_version_row(db: Database, checklist_id: int) -> dict | None:
    return next(db.query(
        "SELECT * FROM checklist_versions WHERE checklist_id = ? ORDER BY version DESC LIMIT 1",
        [checklist_id],
    ), None)


def latest_version_id(db: Database, checklist_id: int) -> int | None:
    row = latest_version_row(db, checklist_id)
    return row["id"] if row else None


def load_version(db: Database, version_id: int) -> StoredVersion:
    """A checklist version as the engine and the pages use it. Versions are never changed
    once written (the app only inserts them), so each connection keeps those it has read,
    but only when read outside a transaction: a version inserted by a transaction that then
    rolls back must not be remembered under an id SQLite may give to the next one."""
    cache = db.__dict__.setdefault("_checklist_versions", {})
    if version_id in cache:
        return cache[version_id]
    version = _read_version(db, version_id)
    if not db.conn.in_transaction:
        cache[version_id] = version
    return version


def _read_version(db: Database, version_id: int) -> StoredVersion:
    head = next(db.query(
        "SELECT v.*, c.slug FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id "
        "WHERE v.id = ?", [version_id]
    ), None)
    if head is None:
        raise LookupError(f"no checklist version {version_id}")
    questions: dict[int, list[tuple[int, Question]]] = {}
    for row in db.query("SELECT * FROM questions WHERE version_id = ? ORDER BY position",
                        [version_id]):
        questions.setdefault(row["touchpoint_id"], []).append((row["id"], _question(row)))
    touchpoints, tp_ids, q_ids = [], {}, {}
    for row in db.query("SELECT * FROM touchpoints WHERE version_id = ? ORDER BY position",
                        [version_id]):
        qs = questions.get(row["id"], [])
        touchpoints.append(Touchpoint(row["key"], row["name"], row["weight"], row["description"],
                                      tuple(q for _, q in qs), **json.loads(row["rules"])))
        tp_ids[row["key"]] = row["id"]
        q_ids.update({(row["key"], q.key): qid for qid, q in qs})
    checklist = Checklist(head["slug"], head["name"], head["description"], tuple(touchpoints))
    return StoredVersion(version_id, head["checklist_id"], head["version"], checklist,
                         tp_ids, q_ids)


def _question(row: dict) -> Question:
    settings = json.loads(row["settings"])
    settings["options"] = tuple(Option(**o) for o in settings.get("options", ()))
    common = {name: row[name] for name in _COMMON}
    for flag in ("critical", "na_allowed", "required"):
        common[flag] = bool(common[flag])
    return Question(**common, **settings)


def checklist_summaries(db: Database) -> list[dict]:
    """Every checklist with its latest version and how many visits used it."""
    return list(db.query(
        """SELECT c.id, c.slug, c.name, MAX(v.version) AS latest, COUNT(DISTINCT v.id) AS versions,
                  (SELECT MAX(id) FROM checklist_versions WHERE checklist_id = c.id)
                     AS latest_id,
                  (SELECT COUNT(*) FROM visits WHERE version_id IN
                     (SELECT id FROM checklist_versions WHERE checklist_id = c.id)) AS visits
           FROM checklists c JOIN checklist_versions v ON v.checklist_id = c.id
           GROUP BY c.id ORDER BY c.name"""))


def versions_of(db: Database, checklist_id: int) -> list[dict]:
    """A checklist's versions, newest first, with who made them and their visits."""
    return list(db.query(
        """SELECT v.id, v.version, v.name, v.created_at, u.name AS created_by_name,
                  (SELECT COUNT(*) FROM visits WHERE version_id = v.id) AS visits
           FROM checklist_versions v LEFT JOIN users u ON u.id = v.created_by
           WHERE v.checklist_id = ? ORDER BY v.version DESC""", [checklist_id]))


def checklist_names(db: Database) -> list[dict]:
    """Every checklist's id and name, for choosing one."""
    return list(db.query("SELECT id, name FROM checklists ORDER BY name"))


def checklist_id_of_slug(db: Database, slug: str) -> int | None:
    row = db.execute("SELECT id FROM checklists WHERE slug = ?", [slug]).fetchone()
    return row[0] if row else None


def checklist_of_version(db: Database, version_id: int | None) -> int | None:
    """The id of the checklist a version belongs to; None for no such version."""
    row = db.execute("SELECT checklist_id FROM checklist_versions WHERE id = ?",
                     [version_id]).fetchone()
    return row[0] if row else None
