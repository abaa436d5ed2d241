"""A visit's scorecard: what the customer should have received and what they did receive,
moment by moment, with the proof; and what the branch will change. Reads the database and
the scoring engine; knows nothing of Flask.

Who may see a scorecard is decided by `scorecard_visit`: head office every visit; a
manager only their own branches' published visits; nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from shopper.domain.scoring import NOT_MET, score_visit
from shopper.store.checklists import load_version
from shopper.store.connection import Database, now
from shopper.store.visits import answers_of, audit

MAX_ACTION = 1000
MAX_OWNER = 120


class ActionError(ValueError):
    """A refused action, with a message per form field."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(fields.values()))
        self.fields = fields


@dataclass
class QuestionRow:
    id: int
    text: str
    standard: str
    kind: str
    outcome: str  # met, not_met, na, unanswered, unscored
    observed: str
    note: str
    critical: bool
    category: str
    photos: list = field(default_factory=list)


@dataclass
class TouchpointRow:
    id: int
    key: str
    name: str
    weight: float
    score: float | None
    critical_failed: bool
    moment: str | None
    moment_reason: str
    note: str
    questions: list[QuestionRow]
    photos: list
    previous: float | None = None
    network: float | None = None

    @property
    def attention(self) -> list[QuestionRow]:
        """Standards not met or not answered, shown first (a missed delight bonus is not
        a gap)."""
        return [q for q in self.questions
                if q.outcome in ("not_met", "unanswered") and q.category != "delight"]

    @property
    def others(self) -> list[QuestionRow]:
        """Everything else, folded away under a count of what was met."""
        attention = {q.id for q in self.attention}
        return [q for q in self.questions if q.id not in attention]

    def count(self, outcome: str) -> int:
        return sum(q.outcome == outcome for q in self.others)


@dataclass
class Scorecard:
    visit: dict
    touchpoints: list[TouchpointRow]
    gaps: list
    critical: list
    worst: TouchpointRow | None
    actions: dict  # question id -> action row
    shopper: dict | None  # head office only
    previous_visit: dict | None


def scorecard_visit(db: Database, user, visit_uuid: str) -> dict | None:
    """The visit with its branch and checklist version, if this user may read its scorecard."""
    visit = visit_row(db, visit_uuid)
    if visit is None or visit["status"] in ("draft", "incomplete"):
        return None
    if user.role == "office":
        return visit
    if user.role != "manager" or visit["status"] != "published":
        return None
    linked = db.execute("SELECT 1 FROM manager_branches WHERE user_id = ? AND branch_id = ?",
                        [user.id, visit["branch_id"]]).fetchone()
    return visit if linked else None


def visit_row(db: Database, visit_uuid: str) -> dict | None:
    """The visit with its branch and checklist version, whoever asks."""
    return next(db.query(
        """SELECT v.*, b.name AS branch_name, b.code AS branch_code, b.region, b.address,
                  cv.name AS checklist_name, cv.version AS checklist_version
           FROM visits v JOIN branches b ON b.id = v.branch_id
           JOIN checklist_versions cv ON cv.id = v.version_id
           WHERE v.uuid = ?""", [visit_uuid]), None)


def build(db: Database, visit: dict, *, with_shopper: bool) -> Scorecard:
    version = load_version(db, visit["version_id"])
    result = score_visit(version.checklist, answers_of(db, visit["id"], version))
    notes = dict(db.execute("SELECT question_id, note FROM answers WHERE visit_id = ?",
                            [visit["id"]]).fetchall())
    moments = {r["touchpoint_id"]: r for r in db.query(
        "SELECT * FROM visit_touchpoints WHERE visit_id = ?", [visit["id"]])}
    photos = list(db.query("SELECT uuid, caption, question_id, touchpoint_id, width, height, "
                           "expired_at, expired_after_days "
                           "FROM photos WHERE visit_id = ? ORDER BY id", [visit["id"]]))
    previous = previous_visit(db, visit)
    previous_scores = _touchpoint_scores(db, previous["id"]) if previous else {}
    network = network_touchpoint_averages(db, visit["visit_date"])
    rows = []
    for tp_def, tp in zip(version.checklist.touchpoints, result.touchpoints, strict=True):
        tp_id = version.touchpoint_ids[tp.key]
        state = moments.get(tp_id, {})
        questions = []
        for q, r in zip(tp_def.questions, tp.questions, strict=True):
            qid = version.question_ids[(tp.key, q.key)]
            questions.append(QuestionRow(
                qid, q.text, q.standard, q.kind, r.outcome, r.observed, notes.get(qid, ""),
                q.critical, q.category, [p for p in photos if p["question_id"] == qid]))
        rows.append(TouchpointRow(
            tp_id, tp.key, tp.name, tp.weight, tp.score, tp.critical_failed,
            state.get("moment"), state.get("moment_reason", ""), state.get("note", ""),
            questions, [p for p in photos if p["touchpoint_id"] == tp_id],
            previous_scores.get(tp.key), network.get(tp.key)))
    scored = [t for t in rows if t.score is not None]
    qids = {(g.touchpoint, g.question): version.question_ids[(g.touchpoint, g.question)]
            for g in result.gaps}
    gaps = [{"gap": g, "question_id": qids[(g.touchpoint, g.question)]} for g in result.gaps]
    return Scorecard(
        visit=visit, touchpoints=rows, gaps=gaps,
        critical=[g for g in gaps if g["gap"].critical],
        worst=min(scored, key=lambda t: t.score) if scored else None,
        actions=actions_of(db, visit["id"]),
        shopper=_shopper(db, visit) if with_shopper else None,
        previous_visit=previous,
    )


def _shopper(db, visit) -> dict:
    return next(db.query("SELECT name, email FROM users WHERE id = ?", [visit["shopper_id"]]))


def previous_visit(db: Database, visit: dict) -> dict | None:
    """The branch's published visit before this one."""
    return next(db.query(
        """SELECT id, uuid, visit_date, score FROM visits
           WHERE branch_id = ? AND status = 'published' AND id != ?
             AND (visit_date < ? OR (visit_date = ? AND id < ?))
           ORDER BY visit_date DESC, id DESC LIMIT 1""",
        [visit["branch_id"], visit["id"], visit["visit_date"], visit["visit_date"], visit["id"]]),
        None)


def _touchpoint_scores(db, visit_id) -> dict:
    return dict(db.execute("SELECT touchpoint_key, score FROM visit_touchpoints "
                           "WHERE visit_id = ?", [visit_id]).fetchall())


def network_touchpoint_averages(db: Database, around: str, days: int = 90) -> dict:
    """Average touchpoint scores over every branch's published visits in the `days` before
    (and including) the date `around`."""
    end = date.fromisoformat(around)
    start = end - timedelta(days=days)
    return {r[0]: round(r[1], 1) for r in db.execute(
        """SELECT touchpoint_key, AVG(score) FROM visit_touchpoints
           WHERE published = 1 AND visit_date BETWEEN ? AND ? AND score IS NOT NULL
           GROUP BY touchpoint_key""", [start.isoformat(), end.isoformat()])}


def actions_of(db: Database, visit_id: int) -> dict:
    return {r["question_id"]: r for r in db.query(
        "SELECT * FROM branch_actions WHERE visit_id = ?", [visit_id])}


def acknowledge(db: Database, visit: dict, user_id: int) -> None:
    if visit["acknowledged_at"]:
        return
    with db.atomic():
        db.execute("UPDATE visits SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                   [now(), user_id, visit["id"]])
        audit(db, visit["id"], user_id, "acknowledged")


def failed_question_ids(db: Database, visit: dict) -> set[int]:
    """Questions whose standard this visit did not meet: the ones an action may answer."""
    version = load_version(db, visit["version_id"])
    result = score_visit(version.checklist, answers_of(db, visit["id"], version))
    return {version.question_ids[(tp.key, q.key)] for tp in result.touchpoints
            for q in tp.questions if q.outcome == NOT_MET}


def parse_action(form, today: date) -> dict:
    """Check an action form (what will change, who, by when) and say what is wrong."""
    errors = {}
    description = (form.get("description") or "").strip()
    owner = (form.get("owner") or "").strip()
    if not description:
        errors["description"] = "Say what will change."
    elif len(description) > MAX_ACTION:
        errors["description"] = f"Keep it under {MAX_ACTION:,} characters."
    if not owner:
        errors["owner"] = "Say who will do it."
    elif len(owner) > MAX_OWNER:
        errors["owner"] = f"Keep the name under {MAX_OWNER} characters."
    due_text = (form.get("due_date") or "").strip()
    try:
        due = date.fromisoformat(due_text)
    except ValueError:
        errors["due_date"] = "Give the date it will be done by, e.g. 2026-12-31."
    else:
        if due < today:
            errors["due_date"] = "The due date cannot be in the past."
        elif due > today + timedelta(days=366):
            errors["due_date"] = "Choose a date within the next year."
    if errors:
        raise ActionError(errors)
    return {"description": description, "owner": owner, "due_date": due.isoformat()}


def record_action(db: Database, visit: dict, question_id: int, action: dict,
                  user_id: int) -> None:
    """One action per failed standard of a visit; recording it again updates it."""
    stamp = now()
    with db.atomic():
        db.execute(
            """INSERT INTO branch_actions (visit_id, branch_id, question_id, description, owner,
                   due_date, created_by, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (visit_id, question_id) DO UPDATE SET
                   description = excluded.description, owner = excluded.owner,
                   due_date = excluded.due_date, updated_at = excluded.updated_at""",
            [visit["id"], visit["branch_id"], question_id, action["description"],
             action["owner"], action["due_date"], user_id, stamp, stamp])
        audit(db, visit["id"], user_id, "action_recorded", after=action)


def complete_action(db: Database, action_id: int, note: str, user_id: int) -> None:
    note = (note or "").strip()
    if len(note) > MAX_ACTION:
        raise ActionError({"done_note": f"Keep it under {MAX_ACTION:,} characters."})
    if not note:
        raise ActionError({"done_note": "Say what was done."})
    stamp = now()
    with db.atomic():
        row = db.execute("SELECT visit_id FROM branch_actions WHERE id = ?",
                         [action_id]).fetchone()
        db.execute("UPDATE branch_actions SET status = 'done', done_at = ?, done_note = ?, "
                   "updated_at = ? WHERE id = ?", [stamp, note, stamp, action_id])
        audit(db, row[0], user_id, "action_done", comment=note)


def action_for_user(db: Database, user, action_id: int) -> dict | None:
    """An action of one of the manager's branches (404 for anything else)."""
    return next(db.query(
        """SELECT a.*, v.uuid AS visit_uuid FROM branch_actions a
           JOIN visits v ON v.id = a.visit_id
           JOIN manager_branches m ON m.branch_id = a.branch_id AND m.user_id = ?
           WHERE a.id = ? AND v.status = 'published'""", [user.id, action_id]), None)
