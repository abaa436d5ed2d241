"""Appeals against a finding on a published scorecard (rules: domain/appeals.py). A branch
manager makes one, with a reason and perhaps a photo or a PDF; head office decides it on
the record. Overturning corrects the answer through the review's one audited correction
(review.correct_answer), which rescores the visit, so the league table, heat map, trends
and kept pages change with it. Knows nothing of Flask.

Mail about a decision (to the branch's managers, and to the shopper without saying who
appealed) is queued by `decide`, inside its transaction; head office's daily digest counts
`store.appeals.waiting_count`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from shopper.domain.answers import answer_options, meeting_answer
from shopper.domain.appeals import (
    NOT_ACCEPTED,
    OPEN,
    OUTCOMES,
    OVERTURNED,
    PDF,
    WINDOW_CLOSED,
    AppealError,
    attachment_kind,
    check_document,
    closes_at,
    window_open,
)
from shopper.domain.photos import PhotoError, process_photo
from shopper.store import appeals, audit, photo_files, visits
from shopper.store.checklists import load_version
from shopper.store.connection import Database
from shopper.workflows import mail, review


@dataclass(frozen=True)
class Rules:
    """The configured limits (SHOPPER_APPEAL_WINDOW_DAYS, SHOPPER_APPEAL_DOCUMENT_MAX_BYTES)."""

    window_days: int = 14
    document_max_bytes: int = 5 * 1024 * 1024

    @classmethod
    def from_config(cls, config) -> Rules:
        return cls(config["APPEAL_WINDOW_DAYS"], config["APPEAL_DOCUMENT_MAX_BYTES"])


@dataclass
class VisitAppeals:
    """A visit's appeals as its scorecard shows them."""

    by_question: dict  # question id -> its appeals, oldest first
    window_open: bool
    closes_at: datetime | None

    def open_for(self, question_id: int) -> dict | None:
        return next((a for a in self.by_question.get(question_id, ())
                     if a["status"] == OPEN), None)

    @property
    def all(self) -> list[dict]:
        return sorted((a for found in self.by_question.values() for a in found),
                      key=lambda a: a["id"])


def of_visit(db: Database, visit: dict, rules: Rules, at: datetime | None = None
             ) -> VisitAppeals:
    by_question: dict[int, list] = {}
    for appeal in appeals.of_visit(db, visit["id"]):
        by_question.setdefault(appeal["question_id"], []).append(appeal)
    published = visit.get("published_at") if visit["status"] == "published" else None
    return VisitAppeals(by_question, window_open(published, rules.window_days, at),
                        closes_at(published, rules.window_days) if published else None)


def outcomes_for_shopper(db: Database, visit: dict) -> dict[int, dict]:
    """The decided appeals of a shopper's visit by question (the latest decision of each):
    the outcome and head office's comment, never who appealed nor their reason."""
    return {a["question_id"]: {"status": a["status"], "decided_at": a["decided_at"],
                               "decision_comment": a["decision_comment"]}
            for a in appeals.of_visit(db, visit["id"]) if a["status"] != OPEN}


def appealable_question_ids(db: Database, visit: dict) -> set[int]:
    """The findings an appeal may challenge: the standards the visit did not meet, as
    its scorecard lists them under "Gaps"."""
    version = load_version(db, visit["version_id"])
    return {version.question_ids[(g.touchpoint, g.question)]
            for g in visits.score(db, visit).gaps}


def make(db: Database, folder: str, visit: dict, question_id: int, reason: str,
         actor_id: int, *, attachment: bytes = b"", rules: Rules = Rules(),
         at: datetime | None = None) -> int:
    """Record a manager's appeal against one finding (the caller has checked that it is a
    finding of a visit they may read). Refused with a message while another appeal of the
    same finding waits, once the window has closed, or with a file that is neither a photo
    nor a PDF. A file is written before its row commits and removed if the row is not."""
    reason = (reason or "").strip()
    if not reason:
        raise AppealError("Say why the finding is wrong.")
    if visit["status"] != "published" or not window_open(visit["published_at"],
                                                         rules.window_days, at):
        raise AppealError(WINDOW_CLOSED.format(days=rules.window_days))
    if appeals.open_for(db, visit["id"], question_id):
        raise AppealError(_ALREADY_WAITING)
    stored = _store_attachment(folder, attachment, rules)
    try:
        with db.atomic():
            if appeals.open_for(db, visit["id"], question_id):
                raise AppealError(_ALREADY_WAITING)
            appeal_id = appeals.add(db, visit=visit, question_id=question_id,
                                    made_by=actor_id, reason=reason, attachment=stored,
                                    at=_stamp(at))
            audit.record(db, visit["id"], actor_id, "appeal_made", comment=reason,
                         after={"appeal_id": appeal_id, "question_id": question_id})
    except BaseException:
        if stored:
            photo_files.remove(folder, *(n for n in (stored["name"], stored["thumb"]) if n))
        raise
    return appeal_id


_ALREADY_WAITING = "This finding already has an appeal waiting for head office's decision."


def _store_attachment(folder: str, data: bytes, rules: Rules) -> dict | None:
    kind = attachment_kind(data)
    if kind is None:
        return None
    if kind == PDF:
        name = photo_files.write(folder, check_document(data, rules.document_max_bytes), "",
                                 ".pdf")
        return {"kind": PDF, "name": name, "thumb": None, "bytes": len(data)}
    try:
        photo = process_photo(data)
    except PhotoError as err:
        raise AppealError(NOT_ACCEPTED if err.code in ("not_an_image", "unsupported_format")
                          else err.message) from None
    name = photo_files.write(folder, photo.display, "")
    try:
        thumb = photo_files.write(folder, photo.thumbnail, "-t")
    except BaseException:
        photo_files.remove(folder, name)
        raise
    return {"kind": "photo", "name": name, "thumb": thumb, "bytes": len(data)}


def corrected_answer_choices(db: Database, appeal: dict) -> dict:
    """What head office may set the answer to when it overturns: a list to pick from (or
    None: typed), the answer offered first (one that meets the standard), and whether
    "not applicable" is allowed."""
    question = load_version(db, appeal["version_id"]).questions_by_id()[appeal["question_id"]]
    return {"options": answer_options(question), "default": meeting_answer(question),
            "na_allowed": question.na_allowed}


def decide(db: Database, appeal: dict, actor_id: int, outcome: str, comment: str, *,
           mail_settings: mail.MailSettings, value: str = "", na: bool = False,
           at: datetime | None = None) -> None:
    """Head office's decision, every write in one transaction with the mail that tells
    the branch's managers and the shopper. Upheld: the finding stands. Overturned: the
    answer becomes `value` (or N/A) by the review's audited correction, and the visit is
    rescored."""
    comment = (comment or "").strip()
    if outcome not in OUTCOMES:
        raise AppealError("Choose whether the finding stands or is overturned.")
    if not comment:
        raise AppealError("Say why: the branch manager and the shopper read it.")
    visit = visits.visit_by_id(db, appeal["visit_id"])
    with db.atomic():
        if not appeals.decide(db, appeal["id"], outcome=outcome, comment=comment,
                              decided_by=actor_id, at=_stamp(at)):
            raise AppealError("This appeal has been decided already.")
        if outcome == OVERTURNED:
            try:
                review.correct_answer(db, visit, appeal["question_id"], value, na,
                                      f"Appeal overturned: {comment}", actor_id,
                                      appeal_id=appeal["id"])
            except review.ReviewError as err:
                raise AppealError(str(err)) from None
        audit.record(db, visit["id"], actor_id, f"appeal_{outcome}", comment=comment,
                     after={"appeal_id": appeal["id"], "question_id": appeal["question_id"]})
        mail.appeal_decided(db, mail_settings, appeals.by_id(db, appeal["id"]))


def _stamp(at: datetime | None) -> str | None:
    """`at` as the database keeps instants (None: now)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else None
