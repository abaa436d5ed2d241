"""Offline sync: a phone sends a whole visit (by the UUID it made) and each photo (by its
UUID and sha256), as often as it likes, and the server ends up with exactly one visit and
every photo. The rules:

- `put_visit` replaces a draft's answers, moments and photo list with the payload's. The
  same payload twice gives the same result. Once sent, the same payload again answers as
  before; a different one is a conflict (409) and changes nothing.
- An optional `timing` ({date, time_in, time_out}, branch-local) is checked by the same
  rule as the review page's (workflows/drafts.py); a payload without it keeps what the
  server holds. Submitting needs it, like every required answer.
- Asking to submit while photos are missing leaves the visit "incomplete" and says which;
  it is scored and enters review when the last one arrives (`put_photo`).
- Uniqueness lives in the database (UNIQUE + ON CONFLICT inside one IMMEDIATE
  transaction), so parallel retries from two tabs or two workers still store one visit.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from dataclasses import dataclass, field

from shopper.domain.answers import AnswerError, parse_answer
from shopper.domain.checklist_logic import visibility
from shopper.domain.photos import PhotoError, process_photo
from shopper.domain.scoring import Answer
from shopper.domain.sync_schema import (
    FOLLOW_UP_PAYLOAD,
    SHA256_FORM,
    UUID_FORM,
    NotAnObject,
    payload_errors,
    utc_timestamp,
)
from shopper.domain.visit_timing import DEFAULT_RULES, TimingError, VisitRules, stored_timing
from shopper.domain.vocabulary import EDITABLE
from shopper.store import permissions, reports, visits
from shopper.store.checklists import StoredVersion, checklist_of_version, load_version
from shopper.store.connection import Database
from shopper.store.visits import (
    Position,
    VisitError,
    add_photo,
    record_answers,
    record_moment,
    remove_photo,
    start_visit,
)
from shopper.workflows import drafts, follow_ups, submission


class SyncError(Exception):
    """A refusal with its HTTP status, a machine-readable code and per-field messages."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


@dataclass
class VisitPayload:
    assignment_id: int
    version_id: int
    started_at: str
    position: Position
    answers: dict = field(default_factory=dict)  # question id -> (Answer | None, note)
    moments: dict = field(default_factory=dict)  # touchpoint id -> (moment, reason, note)
    photos: dict = field(default_factory=dict)  # photo uuid -> {sha256, question_id, ...}
    submit: bool = False
    reply: str = ""
    digest: str = ""
    timing: dict | None = None  # as sent: {date, time_in, time_out}


def canonical_digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def parse_uuid(value) -> str:
    """The canonical form of a UUID written as the document says (8-4-4-4-12 hex digits)."""
    if not isinstance(value, str) or not UUID_FORM.fullmatch(value):
        raise SyncError(422, "invalid_uuid", f"{value!r} is not a UUID.")
    return str(uuidlib.UUID(value))


def parse_payload(db: Database, shopper_id: int, payload) -> VisitPayload:
    """Check a visit payload: first its shape against the schema the OpenAPI document
    serves (every problem reported per field), then what no schema can say: the shopper's
    own assignment, that assignment's checklist version, and what each question accepts.
    Nothing is stored if anything is refused."""
    try:
        errors = payload_errors(payload)
    except NotAnObject:
        raise SyncError(400, "bad_json", "The request body must be a JSON object.") from None
    if errors:
        raise SyncError(422, "invalid", "Some of the visit could not be accepted.", errors)
    assignment = _assignment(db, shopper_id, payload["assignment_id"])
    version = _version(db, assignment, payload["version_id"])
    parsed = VisitPayload(assignment["id"], version.id, utc_timestamp(payload["started_at"]),
                          _position(payload.get("position")),
                          submit=payload.get("submit", False),
                          reply=payload.get("reply", "").strip(),
                          digest=canonical_digest(payload), timing=payload.get("timing"))
    questions = version.questions_by_id()
    touchpoint_ids = set(version.touchpoint_ids.values())
    for i, item in enumerate(payload.get("answers", [])):
        _answer(item, f"answers[{i}]", questions, parsed, errors)
    for i, item in enumerate(payload.get("touchpoints", [])):
        _moment(item, f"touchpoints[{i}]", touchpoint_ids, parsed, errors)
    for i, item in enumerate(payload.get("photos", [])):
        _photo(item, f"photos[{i}]", questions, touchpoint_ids, parsed, errors)
    if errors:
        raise SyncError(422, "invalid", "Some of the visit could not be accepted.", errors)
    _drop_unasked(version, parsed)
    return parsed


def _drop_unasked(version: StoredVersion, parsed: VisitPayload) -> None:
    """Answers to questions the checklist's logic does not ask, given the payload's other
    answers, are not stored: the phone keeps them, in case the shopper changes the answer
    that hid them, but they are no part of the visit (docs/sync.md)."""
    keys = {qid: key for key, qid in version.question_ids.items()}
    given = {keys[qid]: answer for qid, (answer, _) in parsed.answers.items() if answer}
    hidden = visibility(version.checklist, given).hidden
    for qid in [qid for qid in parsed.answers if keys[qid] in hidden]:
        del parsed.answers[qid]


def _assignment(db, shopper_id, assignment_id) -> dict:
    row = permissions.sync_assignment(db, shopper_id, assignment_id)
    if row is None:
        raise SyncError(422, "invalid", "Some of the visit could not be accepted.",
                        {"assignment_id": "No such assignment of yours."})
    return row


def _version(db, assignment, version_id) -> StoredVersion:
    checklist_id = checklist_of_version(db, version_id)
    if checklist_id is None or checklist_id != assignment["checklist_id"]:
        raise SyncError(422, "invalid", "Some of the visit could not be accepted.",
                        {"version_id": "Not a version of this assignment's checklist."})
    return load_version(db, version_id)


def _position(value) -> Position:
    if value is None:
        return Position()
    if value["status"] != "given":
        return Position(value["status"])
    accuracy = value.get("accuracy_m")
    return Position("given", float(value["latitude"]), float(value["longitude"]),
                    None if accuracy is None else float(accuracy))


def _answer(item, where, questions, parsed, errors) -> None:
    q = questions.get(item["question_id"])
    if q is None:
        errors[f"{where}.question_id"] = "That question is not part of this visit's checklist."
        return
    value = item.get("value")
    try:
        raw = json.dumps(value) if isinstance(value, list) else value
        raw = None if raw is None else str(raw)
        answer = parse_answer(q, raw, item.get("na", False))
    except AnswerError as err:
        errors[f"{where}.value"] = str(err)
        return
    parsed.answers[item["question_id"]] = (answer, item.get("note", "").strip())


def _moment(item, where, touchpoint_ids, parsed, errors) -> None:
    touchpoint_id = item["touchpoint_id"]
    if touchpoint_id not in touchpoint_ids:
        errors[f"{where}.touchpoint_id"] = "That touchpoint is not part of this checklist."
        return
    parsed.moments[touchpoint_id] = (item.get("moment"), item.get("reason", "").strip(),
                                     item.get("note", "").strip())


def _photo(item, where, questions, touchpoint_ids, parsed, errors) -> None:
    qid, tp_id = item.get("question_id"), item.get("touchpoint_id")
    if (qid is None) == (tp_id is None) or (qid is not None and qid not in questions) or (
            tp_id is not None and tp_id not in touchpoint_ids):
        errors[where] = "A photo belongs to one question or one touchpoint of this checklist."
        return
    parsed.photos[str(uuidlib.UUID(item["uuid"]))] = {
        "sha256": item["sha256"], "question_id": qid, "touchpoint_id": tp_id,
        "caption": item.get("caption", "").strip()}


def put_visit(db: Database, folder: str, shopper_id: int, visit_uuid: str, payload,
              rules: VisitRules = DEFAULT_RULES) -> dict:
    """Create or replace a visit from the phone's payload; returns what the server holds."""
    visit_uuid = parse_uuid(visit_uuid)
    parsed = parse_payload(db, shopper_id, payload)
    with db.atomic():
        visit = permissions.sync_visit(db, shopper_id, visit_uuid)
        if visit is None:  # a new visit, unless the id is somebody else's
            if visits.visit_by_uuid(db, visit_uuid) is not None:
                raise SyncError(404, "not_found", "No such visit.")
            try:
                start_visit(db, uuid=visit_uuid, assignment_id=parsed.assignment_id,
                            shopper_id=shopper_id, started_at=parsed.started_at,
                            position=parsed.position, version_id=parsed.version_id)
            except VisitError as err:
                raise SyncError(409, "conflict", str(err)) from None
            visit = visits.visit_by_uuid(db, visit_uuid)
        if visit["status"] not in EDITABLE + ("incomplete",):
            if visit["content_hash"] == parsed.digest:
                return visit_state(db, visit_uuid)
            raise SyncError(409, "already_sent",
                            "This visit has been sent for review and can no longer be changed.")
        if visit["assignment_id"] != parsed.assignment_id:
            raise SyncError(409, "conflict", "This visit belongs to another assignment.")
        if visit["version_id"] != parsed.version_id:
            raise SyncError(409, "conflict", "This visit was started with another checklist "
                                             "version.")
        _replace(db, folder, visit, parsed)
        if parsed.timing is not None:
            _record_timing(db, visit, parsed.timing, rules)
        if parsed.submit:
            _request_submission(db, visit, parsed, shopper_id, rules)
    return visit_state(db, visit_uuid)


def _replace(db, folder, visit, parsed: VisitPayload) -> None:
    """Make the stored draft equal to the payload: answers, moments and photo list."""
    existing = visits.answered_question_ids(db, visit["id"])
    cleared = {qid: (None, "") for qid in existing - parsed.answers.keys()}
    record_answers(db, visit["id"], {**cleared, **parsed.answers})
    visits.clear_moments(db, visit["id"])
    for tp_id, (moment, reason, note) in parsed.moments.items():
        record_moment(db, visit["id"], tp_id, moment, reason, note)
    for photo in reports.visit_photos(db, visit["id"]):
        wanted = parsed.photos.get(photo["client_uuid"])
        if wanted is None or wanted["sha256"] != photo["sha256"]:
            remove_photo(db, folder, photo)
        else:
            visits.place_photo(db, photo["id"], caption=wanted["caption"],
                               question_id=wanted["question_id"],
                               touchpoint_id=wanted["touchpoint_id"])
    visits.expect_photos(db, visit["id"], parsed.photos, parsed.digest)


def _record_timing(db, visit, raw: dict, rules: VisitRules) -> None:
    try:
        timing = drafts.check_timing(db, visit["assignment_id"], raw, rules)
    except TimingError as err:
        raise SyncError(422, "invalid", "The visit's date and times could not be accepted.",
                        {f"timing.{name}": message for name, message in err.fields.items()}
                        ) from None
    visits.set_timing(db, visit["id"], timing)


def _request_submission(db, visit, parsed: VisitPayload, shopper_id: int,
                        rules: VisitRules) -> None:
    try:
        submission.submit(db, visit, actor_id=shopper_id, reply=parsed.reply,
                          photos_listed=parsed.photos, rules=rules)
    except submission.NotReady as err:
        if err.missing:
            raise SyncError(422, "incomplete_answers", "The visit's date and times, required "
                            "answers or photos are missing.",
                            {missing_key(m): MISSING_MESSAGES[m.kind] for m in err.missing}
                            ) from None
        raise SyncError(422, "invalid", "Please answer head office's comment.",
                        {"reply": "Required when a visit was returned."}) from None


MISSING_MESSAGES = {"timing": "required", "answer": "required", "photo": "required",
                    "note": "A note is required with this answer.",
                    "evidence": "A photo is required with this answer."}


def missing_key(m) -> str:
    """How the API names a missing item: `timing`, `touchpoint.question`, or for the
    evidence an answer calls for `touchpoint.question.note` / `touchpoint.question.photo`."""
    if m.kind == "timing":
        return "timing"
    suffix = {"note": ".note", "evidence": ".photo"}.get(m.kind, "")
    return f"{m.touchpoint}.{m.question}{suffix}"


def put_photo(db: Database, folder: str, shopper_id: int, visit_uuid: str, photo_uuid: str,
              sha256: str, data: bytes) -> dict:
    """Store one photo the visit lists. Identical bytes again: nothing changes. Different
    bytes under the same UUID: refused."""
    visit_uuid, photo_uuid = parse_uuid(visit_uuid), parse_uuid(photo_uuid)
    if not SHA256_FORM.fullmatch(sha256):
        raise SyncError(422, "invalid_sha256", "The X-Content-SHA256 header must be the "
                                               "photo's sha256 in lowercase hex.")
    visit = permissions.sync_visit(db, shopper_id, visit_uuid)
    if visit is None:
        raise SyncError(404, "not_found", "No such visit: send the visit before its photos.")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise SyncError(422, "sha256_mismatch", "The photo arrived damaged (its sha256 "
                                                "differs): send it again.")
    expected = json.loads(visit["expected_photos"] or "{}").get(photo_uuid)
    held = visits.photo_in_visit(db, visit["id"], photo_uuid)
    if held is not None:
        if held["sha256"] != actual:
            raise SyncError(409, "photo_conflict", "A different photo was already sent under "
                                                   "this id.")
        return visit_state(db, visit_uuid)
    if expected is None or expected["sha256"] != actual:
        raise SyncError(409, "unknown_photo", "The visit does not list this photo: send the "
                                              "visit again first.")
    if visit["status"] not in EDITABLE + ("incomplete",):
        raise SyncError(409, "already_sent", "This visit has been sent for review.")
    try:
        processed = process_photo(data)
    except PhotoError as err:
        raise SyncError(422, err.code, err.message) from None
    with db.atomic():
        try:
            add_photo(db, folder, visit_id=visit["id"], photo_uuid=photo_uuid,
                      processed=processed, question_id=expected["question_id"],
                      touchpoint_id=expected["touchpoint_id"], caption=expected["caption"])
        except VisitError as err:
            raise SyncError(409, "photo_conflict", str(err)) from None
        submission.finish_if_complete(db, visit["id"], shopper_id)
    return visit_state(db, visit_uuid)


def visit_state(db: Database, visit_uuid: str) -> dict:
    """What the server holds for a visit: the phone reconciles against this."""
    visit = visits.visit_by_uuid(db, visit_uuid)
    return {
        "uuid": visit["uuid"], "status": visit["status"],
        "answers": visits.answer_count(db, visit["id"]),
        "photos": visits.photo_hashes(db, visit["id"]),
        "missing_photos": submission.photos_on_their_way(db, visit),
        "content_sha256": visit["content_hash"],
        "timing": stored_timing(visit),
        "follow_ups": follow_ups.state_of(db, visit["id"]),
    }


def shopper_visit_state(db: Database, shopper_id: int, visit_uuid: str) -> dict:
    visit = permissions.sync_visit(db, shopper_id, parse_uuid(visit_uuid))
    if visit is None:
        raise SyncError(404, "not_found", "No such visit.")
    return {**visit_state(db, visit["uuid"]), "payload": visit_payload(db, visit)}


def visit_payload(db: Database, visit: dict) -> dict:
    """The visit as a phone would send it: lets a phone take over a visit begun elsewhere
    (or without the offline scripts) without dropping what it did not see."""
    answers = [{"question_id": r["question_id"],
                "value": None if r["value"] is None else json.loads(r["value"]),
                "na": bool(r["na"]), "note": r["note"]}
               for r in visits.answers_with_content(db, visit["id"])]
    moments = [{"touchpoint_id": r["touchpoint_id"], "moment": r["moment"],
                "reason": r["moment_reason"], "note": r["note"]}
               for r in reports.touchpoint_rows(db, visit["id"]).values()]
    photos = [{"uuid": r["client_uuid"], "sha256": r["sha256"], "question_id": r["question_id"],
               "touchpoint_id": r["touchpoint_id"], "caption": r["caption"]}
              for r in reports.visit_photos(db, visit["id"])]
    position = {"status": visit["position_status"]}
    if visit["position_status"] == "given":
        position.update(latitude=visit["latitude"], longitude=visit["longitude"],
                        accuracy_m=visit["position_accuracy_m"])
    payload = {"assignment_id": visit["assignment_id"], "version_id": visit["version_id"],
               "started_at": visit["started_at"], "position": position, "answers": answers,
               "touchpoints": moments, "photos": photos,
               "submit": visit["status"] not in EDITABLE, "reply": ""}
    if stored_timing(visit) is not None:
        payload["timing"] = stored_timing(visit)
    return payload


def put_follow_ups(db: Database, shopper_id: int, visit_uuid: str, payload) -> dict:
    """Answers to a sent visit's open follow-up questions (idempotent: the same answers
    again change nothing); returns what the server holds."""
    visit = permissions.sync_visit(db, shopper_id, parse_uuid(visit_uuid))
    if visit is None:
        raise SyncError(404, "not_found", "No such visit.")
    try:
        errors = payload_errors(payload, FOLLOW_UP_PAYLOAD)
    except NotAnObject:
        raise SyncError(400, "bad_json", "The request body must be a JSON object.") from None
    if errors:
        raise SyncError(422, "invalid", "Some answers could not be accepted.", errors)
    questions = load_version(db, visit["version_id"]).questions_by_id()
    answers, where = {}, {}
    for i, item in enumerate(payload["answers"]):
        parsed = VisitPayload(0, 0, "", Position())
        _answer(item, f"answers[{i}]", questions, parsed, errors)
        for qid, (answer, note) in parsed.answers.items():
            if answer is None:
                errors[f"answers[{i}].value"] = "Choose an answer, or N/A where it is allowed."
            answers[qid], where[qid] = (answer or Answer(), note), f"answers[{i}].question_id"
    if errors:
        raise SyncError(422, "invalid", "Some answers could not be accepted.", errors)
    try:
        follow_ups.answer(db, visit["id"], shopper_id, answers)
    except follow_ups.FollowUpError as err:
        raise SyncError(err.status, err.code, err.message,
                        {where[qid]: message for qid, message in err.questions.items()}
                        ) from None
    return visit_state(db, visit["uuid"])

