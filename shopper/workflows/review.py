"""Head office's review before release: the queue (oldest first, with flags that help a
reviewer), publishing, returning a visit to its shopper, and correcting an answer. Every
step is kept in the audit log (who, when, before, after); a correction rescores the visit.
Only published visits reach branch managers."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import datetime

from shopper.domain.answers import AnswerError, parse_answer
from shopper.domain.follow_ups import short_day
from shopper.domain.vocabulary import IN_REVIEW
from shopper.store import audit, reports, visits
from shopper.store.checklists import load_version
from shopper.store.connection import Database
from shopper.store.visits import change_status, record_answers, score_and_store
from shopper.workflows import follow_ups, mail, payments
from shopper.workflows.mail import MailSettings

FAR_FROM_BRANCH_M = 500
PUBLISHED = ("published",)
SHORT_NOTES_CHARS = 40


class ReviewError(ValueError):
    pass


@dataclass(frozen=True)
class Norms:
    """What a usual visit looks like, to flag the unusual ones."""

    median_minutes: float | None


def norms(db: Database) -> Norms:
    minutes = reports.sent_visit_minutes(db)
    return Norms(statistics.median(minutes) if minutes else None)


def flags(visit: dict, norm: Norms) -> list[str]:
    """Reasons for a reviewer to look twice. Pure: `visit` carries the queue's columns."""
    found = []
    if visit["critical_failed"]:
        found.append("critical failure")
    minutes = _minutes(visit)
    if minutes is None:
        found.append("no visit times")
    elif norm.median_minutes:
        if minutes < norm.median_minutes / 2:
            found.append(f"short visit ({minutes:.0f} min)")
        elif minutes > norm.median_minutes * 2:
            found.append(f"long visit ({minutes:.0f} min)")
    if visit["window_start"] and visit["arrived_at"] and not (
            visit["window_start"] <= visit["visit_date"] <= visit["window_end"]):
        found.append("visited outside the window")
    if visit["receipt_photos"] == 0:
        found.append("no proof-of-visit photo")
    if visit["position_status"] != "given":
        found.append(f"position {visit['position_status'].replace('_', ' ')}")
    elif (visit["position_distance_m"] or 0) > FAR_FROM_BRANCH_M:
        found.append(f"{visit['position_distance_m'] / 1000:.1f} km from the branch")
    if visit["note_chars"] < SHORT_NOTES_CHARS:
        found.append("very short notes")
    return found


def _minutes(visit: dict) -> float | None:
    """The visit's length from the shopper's time in to time out (the geo check-in and
    the form's own times say when the checklist was filled in, not the visit)."""
    if not visit["arrived_at"] or not visit["left_at"]:
        return None
    start = datetime.fromisoformat(visit["arrived_at"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(visit["left_at"].replace("Z", "+00:00"))
    return (end - start).total_seconds() / 60


# The kinds of flag a reviewer may list alone: each a test of one flag's words.
FLAG_KINDS = {
    "any": ("Any flag", lambda flag: True),
    "critical": ("Critical failure", lambda flag: flag == "critical failure"),
    "times": ("Visit times missing or odd", lambda flag: flag == "no visit times"
              or flag.startswith(("short visit", "long visit"))),
    "window": ("Outside the window", lambda flag: flag == "visited outside the window"),
    "photo": ("No proof-of-visit photo", lambda flag: flag == "no proof-of-visit photo"),
    "position": ("Position missing or far", lambda flag: flag.startswith("position ")
                 or flag.endswith("from the branch")),
    "notes": ("Very short notes", lambda flag: flag == "very short notes"),
}


def queue(db: Database, visit_id: int | None = None, flag: str = "", **where) -> list[dict]:
    """Visits waiting for review, oldest first, each with its flags (or just one of them);
    `where` narrows it as reports.waiting_for_review says, `flag` to one kind of flag."""
    rows = reports.waiting_for_review(db, visit_id, **where)
    norm = norms(db)
    for row in rows:
        row["flags"] = flags(row, norm)
    if flag:
        wanted = FLAG_KINDS[flag][1]
        rows = [row for row in rows if any(wanted(f) for f in row["flags"])]
    return rows


def _in_review(visit: dict) -> None:
    _require_status(visit["status"])


def _status_still(db: Database, visit: dict, allowed: tuple[str, ...] = IN_REVIEW) -> None:
    """The same check inside the write transaction, on the visit as it is now: another
    reviewer may have published or returned it since this request read it."""
    _require_status(visits.status_of(db, visit["id"]), allowed)


def _require_status(status: str | None, allowed: tuple[str, ...] = IN_REVIEW) -> None:
    if status not in allowed:
        raise ReviewError("This visit is not waiting for review." if allowed == IN_REVIEW
                          else "This visit is not published.")


def publish(db: Database, visit: dict, actor_id: int, *, mail_settings: MailSettings,
            with_open_follow_ups: bool = False, now: datetime | None = None) -> None:
    """Approve and publish: the branch's manager can now read the scorecard, and is told by
    mail, and the shopper's payable line is written (both in the same transaction). A
    visit with follow-up questions still open is published only when head office says so
    (`with_open_follow_ups`); its scorecard then changes as they are answered or close."""
    _in_review(visit)
    with db.atomic():
        _status_still(db, visit)
        waiting = follow_ups.open_of_visit(db, visit["id"], now)
        if waiting and not with_open_follow_ups:
            raise ReviewError(f"{open_follow_ups_sentence(waiting)}: to publish now, tick "
                              "“Publish now” (the scorecard updates when they are answered).")
        change_status(db, visit["id"], "approved", actor_id=actor_id)
        change_status(db, visit["id"], "published", actor_id=actor_id,
                      comment=f"{open_follow_ups_sentence(waiting)}; published now"
                      if waiting else "")
        mail.scorecard_published(db, mail_settings, visit["id"])
        payments.line_for_published(db, visit)


def open_follow_ups_sentence(waiting: list[dict]) -> str:
    """"2 follow-up questions are still open, due 7 Dec"."""
    dues = sorted({row["due_date"] for row in waiting})
    days = " and ".join(short_day(d) for d in dues)
    if len(waiting) == 1:
        return f"1 follow-up question is still open, due {days}"
    return f"{len(waiting)} follow-up questions are still open, due {days}"


def hold(db: Database, visit: dict, actor_id: int, comment: str) -> None:
    _in_review(visit)
    comment = _comment(comment)
    with db.atomic():
        _status_still(db, visit)
        change_status(db, visit["id"], "on_hold", actor_id=actor_id, comment=comment)


def return_to_shopper(db: Database, visit: dict, actor_id: int, comment: str, *,
                      mail_settings: MailSettings) -> None:
    """Send back with a comment the shopper sees (on the visit, and by mail) and answers
    before sending it again."""
    _in_review(visit)
    comment = _comment(comment)
    if not comment:
        raise ReviewError("Say what the shopper should change or explain.")
    with db.atomic():
        _status_still(db, visit)
        change_status(db, visit["id"], "returned", actor_id=actor_id, comment=comment)
        mail.visit_returned(db, mail_settings, visit["id"], comment)


def _comment(text: str) -> str:
    """A comment or reason as the reviewer typed it (its length is the form's to check)."""
    return (text or "").strip()


def correct_answer(db: Database, visit: dict, question_id: int, raw: str, na: bool,
                   reason: str, actor_id: int, *, appeal_id: int | None = None) -> None:
    """Change one answer, with a reason; kept in the audit log with before and after, and
    the visit rescored. A visit in review may be corrected; a published one only when head
    office overturns an appeal against that finding (`appeal_id`: workflows/appeals.decide
    calls this inside its own transaction), and then every page built from published
    results changes with it."""
    allowed = PUBLISHED if appeal_id is not None else IN_REVIEW
    _require_status(visit["status"], allowed)
    reason = _comment(reason)
    if not reason:
        raise ReviewError("Give a reason for the correction.")
    version = load_version(db, visit["version_id"])
    question = version.questions_by_id().get(question_id)
    if question is None or question.kind == "photo":
        raise ReviewError("That question cannot be corrected here.")
    try:
        answer = parse_answer(question, raw, na)
    except AnswerError as err:
        raise ReviewError(str(err)) from None
    before = visits.answer_row(db, visit["id"], question_id)
    after = {"question_id": question_id, "value": None if answer is None else answer.value,
             "na": bool(answer and answer.na)}
    if appeal_id is not None:
        after["appeal_id"] = appeal_id
    with db.atomic():
        _status_still(db, visit, allowed)
        record_answers(db, visit["id"], {question_id: (answer, None)})
        score_and_store(db, visit["id"])
        audit.record(db, visit["id"], actor_id, "answer_corrected",
              before={"question_id": question_id,
                      "value": None if not before or before["value"] is None
                      else json.loads(before["value"]),
                      "na": bool(before and before["na"])},
              after=after, comment=reason)
