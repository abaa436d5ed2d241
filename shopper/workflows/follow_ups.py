"""Follow-up questions, answered after the visit was sent (the rule: domain/follow_ups.py
and docs/scoring.md). One rule for the shopper's page and the sync API:

- sending a visit schedules its follow-ups (`schedule`);
- its shopper answers them, and only them, while they are open (`answer`), whatever head
  office has done with the visit meanwhile; the visit is rescored, and each answer is kept
  in the audit log, so a published scorecard changes on the record;
- one that closes unanswered is counted as the checklist says (`settle`, run by
  `shopper close-follow-ups` and whenever a scorecard is opened).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from shopper.domain.follow_ups import closes_at, due_date, is_follow_up
from shopper.domain.scoring import Answer
from shopper.domain.visit_timing import VisitRules, utc_text
from shopper.store import audit, visits
from shopper.store import follow_ups as store
from shopper.store.checklists import load_version
from shopper.store.connection import Database

# Sent, and not handed back to the shopper: follow-ups are answered on their own.
SENT = ("incomplete", "submitted", "on_hold", "approved", "published")


class FollowUpError(ValueError):
    """A refusal with its HTTP status, a code, and messages by question id."""

    def __init__(self, status: int, code: str, message: str,
                 questions: dict[int, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.questions = questions or {}


def _at(now: datetime | None) -> str:
    return utc_text(now or datetime.now(UTC))


def schedule(db: Database, visit: dict, rules: VisitRules) -> None:
    """Due dates and closing times of the visit's follow-ups, from its date and zone; those
    already answered on the day count as answered."""
    version = load_version(db, visit["version_id"])
    day = date.fromisoformat(visit["visit_date"])
    zone = visit["time_zone"] or rules.default_zone
    rows = []
    for tp, q in version.checklist.questions():
        if is_follow_up(q):
            due = due_date(day, q)
            rows.append((version.question_ids[(tp.key, q.key)], due.isoformat(),
                         utc_text(closes_at(due, zone, rules.grace_days))))
    if not rows:
        return
    store.schedule(db, visit["id"], rows)
    answered = set(visits.answers_of(db, visit["id"], version).keys())
    by_id = {qid: key for key, qid in version.question_ids.items()}
    ids = [qid for qid, _, _ in rows]
    store.mark_answered(db, visit["id"], [q for q in ids if by_id[q] in answered], _at(None))
    store.mark_answered(db, visit["id"], [q for q in ids if by_id[q] not in answered], None)


def answer(db: Database, visit_id: int, shopper_id: int,
           answers: dict[int, tuple[Answer, str]], now: datetime | None = None) -> int:
    """Store the shopper's answers to open follow-ups of their sent visit and rescore it;
    returns how many changed (the same answers again change nothing). Ownership, status
    and each question's window are checked inside the write transaction."""
    at = _at(now)
    with db.atomic():
        visit = visits.visit_by_id(db, visit_id)
        if visit["shopper_id"] != shopper_id:
            raise FollowUpError(404, "not_found", "No such visit.")
        if visit["status"] not in SENT:
            raise FollowUpError(409, "not_sent", "This visit is with you: answer its questions "
                                                 "on the visit itself, then send it.")
        scheduled = store.of_visit(db, visit_id)
        refused = {}
        for qid in answers:
            row = scheduled.get(qid)
            if row is None:
                refused[qid] = "This is not a follow-up question of this visit."
            elif row["closes_at"] <= at:
                refused[qid] = "This follow-up has closed: it can no longer be answered."
        if refused:
            raise FollowUpError(422, "invalid", "Some answers could not be accepted.", refused)
        before = {qid: visits.answer_row(db, visit_id, qid) for qid in answers}
        changed = {qid: (a, note) for qid, (a, note) in answers.items()
                   if _as_stored(a, note) != _row(before[qid])}
        if not changed:
            return 0
        visits.record_answers(db, visit_id, changed)
        store.mark_answered(db, visit_id, changed.keys(), at)
        visits.score_and_store(db, visit_id, at)
        audit.record(db, visit_id, shopper_id, "follow_up_answered", at=at,
                     before={str(q): _plain(before[q]) for q in changed},
                     after={str(q): {"value": a.value, "na": a.na}
                            for q, (a, _) in changed.items()})
    return len(changed)


def _as_stored(answer: Answer, note: str) -> tuple:
    return (None if answer.value is None else json.dumps(answer.value), int(answer.na), note)


def _row(row: dict | None) -> tuple | None:
    return None if row is None else (row["value"], row["na"], row["note"])


def _plain(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"value": None if row["value"] is None else json.loads(row["value"]),
            "na": bool(row["na"])}


def settle(db: Database, now: datetime | None = None, visit_id: int | None = None) -> int:
    """Count the follow-ups that closed unanswered (all, or one visit's): each such visit is
    rescored, on the record. Returns how many visits changed."""
    at = _at(now)
    closing = store.closing_unanswered(db, at)
    if visit_id is not None:
        closing = {visit_id: closing[visit_id]} if visit_id in closing else {}
    for vid, question_ids in closing.items():
        with db.atomic():
            store.mark_closed(db, vid, question_ids, at)
            visits.score_and_store(db, vid, at)
            audit.record(db, vid, None, "follow_up_closed", at=at,
                         after={"question_ids": question_ids})
    return len(closing)


def open_of_visit(db: Database, visit_id: int, now: datetime | None = None,
                  answered_too: bool = False) -> list[dict]:
    """The visit's follow-ups still open and unanswered (or answered but still open to
    change, `answered_too`), soonest due first."""
    return store.open_of_visit(db, visit_id, _at(now), answered_too)


def state_of(db: Database, visit_id: int, now: datetime | None = None) -> list[dict]:
    """Each follow-up of the visit as the API reports it."""
    at = _at(now)
    return [{"question_id": qid, "due_date": r["due_date"], "closes_at": r["closes_at"],
             "answered": r["answered_at"] is not None, "open": r["closes_at"] > at}
            for qid, r in store.of_visit(db, visit_id).items()]
