"""A visit's scorecard: what the customer should have received and what they did receive,
moment by moment, with the proof; and what the branch will change. Reads the database and
the scoring engine; knows nothing of Flask.

Who may see a scorecard is decided by `permissions.scorecard_visit`.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field

from shopper.domain.photos import process_photo
from shopper.domain.scoring import NOT_MET
from shopper.store import accounts, actions, audit, reports, visits
from shopper.store.checklists import load_version
from shopper.store.connection import Database
from shopper.workflows import follow_ups


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
    skipped: str = ""  # why the checklist's rules skipped it on this visit

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
    follow_ups: list = field(default_factory=list)  # still open: the score is provisional


def build(db: Database, visit: dict, *, with_shopper: bool) -> Scorecard:
    version = load_version(db, visit["version_id"])
    result = visits.score(db, visit)
    notes = reports.answer_notes(db, visit["id"])
    moments = reports.touchpoint_rows(db, visit["id"])
    photos = reports.scorecard_photos(db, visit["id"])
    previous = reports.previous_visit(db, visit)
    previous_scores = reports.touchpoint_scores(db, previous["id"]) if previous else {}
    network = reports.network_touchpoint_averages(db, visit["visit_date"])
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
            previous_scores.get(tp.key), network.get(tp.key), tp.skipped))
    scored = [t for t in rows if t.score is not None]
    qids = {(g.touchpoint, g.question): version.question_ids[(g.touchpoint, g.question)]
            for g in result.gaps}
    gaps = [{"gap": g, "question_id": qids[(g.touchpoint, g.question)]} for g in result.gaps]
    return Scorecard(
        visit=visit, touchpoints=rows, gaps=gaps,
        critical=[g for g in gaps if g["gap"].critical],
        worst=min(scored, key=lambda t: t.score) if scored else None,
        actions=actions.of_visit(db, visit["id"]),
        shopper=accounts.name_and_email(db, visit["shopper_id"]) if with_shopper else None,
        previous_visit=previous,
        follow_ups=follow_ups.open_of_visit(db, visit["id"]) if result.provisional else [],
    )


def acknowledge(db: Database, visit: dict, user_id: int) -> None:
    if visit["acknowledged_at"]:
        return
    visits.acknowledge(db, visit["id"], user_id)


def failed_question_ids(db: Database, visit: dict) -> set[int]:
    """Questions whose standard this visit did not meet: the ones an action may answer."""
    version = load_version(db, visit["version_id"])
    result = visits.score(db, visit)
    return {version.question_ids[(tp.key, q.key)] for tp in result.touchpoints
            for q in tp.questions if q.outcome == NOT_MET}


def record_action(db: Database, visit: dict, question_id: int, action: dict,
                  user_id: int) -> None:
    """One action per failed standard of a visit; recording it again updates it."""
    with db.atomic():
        actions.record(db, visit, question_id, action, user_id)
        audit.record(db, visit["id"], user_id, "action_recorded", after=action)


def complete_action(db: Database, folder: str, action_id: int, note: str, user_id: int,
                    photo: bytes | None = None) -> None:
    """Mark an action done with what was done and, optionally, a photo of it (the upload's
    bytes). A photo that is not one we accept raises PhotoError before anything is kept."""
    processed = (str(uuidlib.uuid4()), process_photo(photo)) if photo is not None else None
    with db.atomic():
        visit_id = actions.complete(db, folder, action_id, note, processed)
        audit.record(db, visit_id, user_id, "action_done", comment=note,
                     after={"photo": processed[0]} if processed else None)
