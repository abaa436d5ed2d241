"""Visits in the database: starting one from an assignment, recording what the shopper
saw, and scoring it into the per-touchpoint rows that scorecards and reports read."""

from __future__ import annotations

import json

from .checklist_store import StoredVersion, latest_version_id, load_version
from .db import Database, now
from .scoring import Answer, VisitResult, score_visit


class VisitError(ValueError):
    pass


def start_visit(db: Database, *, uuid: str, assignment_id: int, shopper_id: int,
                started_at: str | None = None) -> int:
    """Create the visit for an assignment, pinned to the checklist's latest version."""
    started_at = started_at or now()
    assignment = next(db.query("SELECT * FROM assignments WHERE id = ?", [assignment_id]), None)
    if assignment is None or assignment["shopper_id"] != shopper_id:
        raise VisitError("no such assignment")
    version_id = latest_version_id(db, assignment["checklist_id"])
    with db.atomic():
        db.execute(
            """INSERT INTO visits (uuid, assignment_id, shopper_id, branch_id, version_id,
                   visit_date, started_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO NOTHING""",
            [uuid, assignment_id, shopper_id, assignment["branch_id"], version_id,
             started_at[:10], started_at, started_at],
        )
        return db.execute("SELECT id FROM visits WHERE uuid = ?", [uuid]).fetchone()[0]


def record_answers(db: Database, visit_id: int, answers: dict[int, tuple[Answer, str]]) -> None:
    """Store answers keyed by question id, each with the shopper's note."""
    stamp = now()
    with db.atomic():
        for question_id, (answer, note) in answers.items():
            db.execute(
                """INSERT INTO answers (visit_id, question_id, value, na, note, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (visit_id, question_id) DO UPDATE SET value = excluded.value,
                       na = excluded.na, note = excluded.note, updated_at = excluded.updated_at""",
                [visit_id, question_id, None if answer.value is None else json.dumps(answer.value),
                 int(answer.na), note, stamp],
            )


def record_moment(db: Database, visit_id: int, touchpoint_id: int, moment: str | None,
                  reason: str = "", note: str = "") -> None:
    visit = _visit(db, visit_id)
    db.execute(
        """INSERT INTO visit_touchpoints (visit_id, touchpoint_id, touchpoint_key, branch_id,
               visit_date, moment, moment_reason, note, weight, updated_at)
           SELECT ?, id, key, ?, ?, ?, ?, ?, weight, ? FROM touchpoints WHERE id = ?
           ON CONFLICT (visit_id, touchpoint_id) DO UPDATE SET moment = excluded.moment,
               moment_reason = excluded.moment_reason, note = excluded.note,
               updated_at = excluded.updated_at""",
        [visit_id, visit["branch_id"], visit["visit_date"], moment, reason, note, now(),
         touchpoint_id],
    )


def answers_of(db: Database, visit_id: int, version: StoredVersion) -> dict:
    """The visit's answers keyed as the scoring engine wants them: (touchpoint, question)."""
    by_id = {qid: key for key, qid in version.question_ids.items()}
    return {
        by_id[row["question_id"]]: Answer(
            None if row["value"] is None else json.loads(row["value"]), bool(row["na"]))
        for row in db.query("SELECT question_id, value, na FROM answers WHERE visit_id = ?",
                            [visit_id])
    }


def score_and_store(db: Database, visit_id: int) -> VisitResult:
    """Score the visit with the engine and write the results beside the answers, so that
    scorecards and head-office reports read them instead of re-scoring."""
    visit = _visit(db, visit_id)
    version = load_version(db, visit["version_id"])
    result = score_visit(version.checklist, answers_of(db, visit_id, version))
    stamp = now()
    with db.atomic():
        for tp in result.touchpoints:
            tp_id = version.touchpoint_ids[tp.key]
            db.execute(
                """INSERT INTO visit_touchpoints (visit_id, touchpoint_id, touchpoint_key,
                       branch_id, visit_date, weight, earned, possible, score, critical_failed,
                       updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (visit_id, touchpoint_id) DO UPDATE SET weight = excluded.weight,
                       earned = excluded.earned, possible = excluded.possible,
                       score = excluded.score, critical_failed = excluded.critical_failed,
                       updated_at = excluded.updated_at""",
                [visit_id, tp_id, tp.key, visit["branch_id"], visit["visit_date"], tp.weight,
                 tp.earned, tp.possible, tp.score, int(tp.critical_failed), stamp],
            )
            for q in tp.questions:
                db.execute(
                    """INSERT INTO answers (visit_id, question_id, outcome, earned, possible,
                           observed, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (visit_id, question_id) DO UPDATE SET
                           outcome = excluded.outcome, earned = excluded.earned,
                           possible = excluded.possible, observed = excluded.observed""",
                    [visit_id, version.question_ids[(tp.key, q.key)], q.outcome, q.earned,
                     q.possible, q.observed, stamp],
                )
        db.execute(
            "UPDATE visits SET score = ?, critical_failed = ?, scored_at = ?, updated_at = ? "
            "WHERE id = ?",
            [result.score, int(result.critical_failed), stamp, stamp, visit_id],
        )
    return result


def change_status(db: Database, visit_id: int, status: str, *, actor_id: int | None,
                  comment: str = "", at: str | None = None) -> None:
    """Move a visit along its review path, keeping the step in the audit log."""
    at = at or now()
    with db.atomic():
        before = _visit(db, visit_id)["status"]
        extra = {"submitted": ", submitted_at = :at, ended_at = COALESCE(ended_at, :at)",
                 "published": ", published_at = :at"}.get(status, "")
        db.execute(f"UPDATE visits SET status = :status, updated_at = :at{extra} WHERE id = :id",
                   {"status": status, "at": at, "id": visit_id})
        db["audit_log"].insert({
            "at": at, "actor_id": actor_id, "action": f"status:{status}", "visit_id": visit_id,
            "entity": "visit", "entity_id": visit_id, "before": json.dumps({"status": before}),
            "after": json.dumps({"status": status}), "comment": comment,
        })


def _visit(db: Database, visit_id: int) -> dict:
    row = next(db.query("SELECT * FROM visits WHERE id = ?", [visit_id]), None)
    if row is None:
        raise VisitError("no such visit")
    return row
