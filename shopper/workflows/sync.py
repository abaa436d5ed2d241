"""Offline sync: a phone sends a whole visit (by the UUID it made) and each photo (by its
UUID and sha256), as often as it likes, and the server ends up with exactly one visit and
every photo. The rules:

- `put_visit` replaces a draft's answers, moments and photo list with the payload's. The
  same payload twice gives the same result. Once sent, the same payload again answers as
  before; a different one is a conflict (409) and changes nothing.
- Asking to submit while photos are missing leaves the visit "incomplete" and says which;
  it is scored and enters review when the last one arrives (`put_photo`).
- Uniqueness lives in the database (UNIQUE + ON CONFLICT inside one IMMEDIATE
  transaction), so parallel retries from two tabs or two workers still store one visit.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shopper.domain.answers import AnswerError, parse_answer
from shopper.domain.photos import PhotoError, process_photo
from shopper.domain.vocabulary import EDITABLE, MAX_CAPTION, MAX_NOTE, MAX_REASON
from shopper.store import assignments, reports, visits
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
from shopper.workflows import submission


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


def canonical_digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


UUID_FORM = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
SHA256_FORM = re.compile(r"[0-9a-f]{64}")
TIMESTAMP_FORM = re.compile(
    r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)", re.ASCII)
MAX_ID = 2**63 - 1  # SQLite's integers


def parse_uuid(value) -> str:
    """The canonical form of a UUID written as the document says (8-4-4-4-12 hex digits)."""
    if not isinstance(value, str) or not UUID_FORM.fullmatch(value):
        raise SyncError(422, "invalid_uuid", f"{value!r} is not a UUID.")
    return str(uuidlib.UUID(value))


def _id(value) -> int | None:
    """An id as JSON sends it: an integer SQLite can hold (true and 1.0 are not ids)."""
    return value if type(value) is int and 0 < value <= MAX_ID else None


def _number(value) -> float | None:
    if type(value) not in (int, float):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def parse_payload(db: Database, shopper_id: int, payload) -> VisitPayload:
    """Check a visit payload against the shopper's assignment and the checklist version the
    phone used; every problem is reported per field, and nothing is stored if any."""
    if not isinstance(payload, dict):
        raise SyncError(400, "bad_json", "The request body must be a JSON object.")
    errors: dict[str, str] = {}
    assignment = _assignment(db, shopper_id, payload.get("assignment_id"))
    version = _version(db, assignment, payload.get("version_id"))
    parsed = VisitPayload(assignment["id"], version.id, _timestamp(payload, errors),
                          _position(payload.get("position"), errors),
                          submit=_flag(payload, "submit", "submit", errors),
                          digest=canonical_digest(payload))
    questions = version.questions_by_id()
    for i, item in enumerate(_list(payload, "answers", errors)):
        _answer(item, f"answers[{i}]", questions, parsed, errors)
    touchpoint_ids = set(version.touchpoint_ids.values())
    for i, item in enumerate(_list(payload, "touchpoints", errors)):
        _moment(item, f"touchpoints[{i}]", touchpoint_ids, parsed, errors)
    for i, item in enumerate(_list(payload, "photos", errors)):
        _photo(item, f"photos[{i}]", questions, touchpoint_ids, parsed, errors)
    parsed.reply = _text(payload, "reply", MAX_NOTE, "reply", errors)
    if errors:
        raise SyncError(422, "invalid", "Some of the visit could not be accepted.", errors)
    return parsed


def _assignment(db, shopper_id, assignment_id) -> dict:
    row = assignments.assignment_of_shopper(db, _id(assignment_id), shopper_id)
    if row is None:
        raise SyncError(422, "invalid", "Some of the visit could not be accepted.",
                        {"assignment_id": "No such assignment of yours."})
    return row


def _version(db, assignment, version_id) -> StoredVersion:
    checklist_id = checklist_of_version(db, _id(version_id))
    if checklist_id is None or checklist_id != assignment["checklist_id"]:
        raise SyncError(422, "invalid", "Some of the visit could not be accepted.",
                        {"version_id": "Not a version of this assignment's checklist."})
    return load_version(db, version_id)


def _timestamp(payload, errors) -> str:
    """An RFC 3339 time with its offset, stored in UTC to the second."""
    value = payload.get("started_at")
    try:
        if not isinstance(value, str) or not TIMESTAMP_FORM.fullmatch(value):
            raise ValueError
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        errors["started_at"] = "A time such as 2026-11-25T09:30:00Z is required."
        return ""


def _position(value, errors) -> Position:
    if value is None:
        return Position()
    if not isinstance(value, dict) or value.get("status") not in (
            "given", "refused", "unavailable", "not_asked"):
        errors["position"] = "status must be given, refused, unavailable or not_asked."
        return Position()
    if value["status"] != "given":
        return Position(value["status"])
    lat, lon = _number(value.get("latitude")), _number(value.get("longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["position"] = "latitude and longitude must be numbers on the globe."
        return Position()
    accuracy = value.get("accuracy_m")
    if accuracy is not None:
        accuracy = _number(accuracy)
        if accuracy is None or not 0 <= accuracy < float("inf"):
            errors["position.accuracy_m"] = "The accuracy is a distance in metres, or null."
            return Position()
    return Position("given", lat, lon, accuracy)


def _list(payload, name, errors) -> list:
    value = payload.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        errors[name] = "Must be a list of objects."
        return []
    return value


def _flag(item, name, where, errors) -> bool:
    """An optional boolean: absent is false, anything but true or false is refused."""
    value = item.get(name, False)
    if type(value) is not bool:
        errors[where] = "Must be true or false."
        return False
    return value


def _text(item, name, limit, where, errors) -> str:
    """An optional string of at most `limit` characters as sent; stored stripped."""
    value = item.get(name, "")
    if not isinstance(value, str):
        errors[where] = "Must be text."
    elif len(value) > limit:
        errors[where] = f"The {name} is {len(value):,} characters long: keep it under {limit:,}."
    else:
        return value.strip()
    return ""


def _answer(item, where, questions, parsed, errors) -> None:
    question_id = _id(item.get("question_id"))
    q = questions.get(question_id)
    if q is None:
        errors[f"{where}.question_id"] = "That question is not part of this visit's checklist."
        return
    value = item.get("value")
    na = _flag(item, "na", f"{where}.na", errors)
    note = _text(item, "note", MAX_NOTE, f"{where}.note", errors)
    if value is not None and type(value) not in (str, int, float):
        errors[f"{where}.value"] = "Not a valid answer for this question."
        return
    try:
        answer = parse_answer(q, None if value is None else str(value), na)
    except AnswerError as err:
        errors[f"{where}.value"] = str(err)
        return
    parsed.answers[question_id] = (answer, note)


def _moment(item, where, touchpoint_ids, parsed, errors) -> None:
    touchpoint_id = _id(item.get("touchpoint_id"))
    if touchpoint_id not in touchpoint_ids:
        errors[f"{where}.touchpoint_id"] = "That touchpoint is not part of this checklist."
        return
    moment = item.get("moment")
    if moment not in (None, "golden", "dull"):
        errors[f"{where}.moment"] = "Must be golden, dull or null."
        return
    reason = _text(item, "reason", MAX_REASON, f"{where}.reason", errors)
    note = _text(item, "note", MAX_NOTE, f"{where}.note", errors)
    parsed.moments[touchpoint_id] = (moment, reason, note)


def _photo(item, where, questions, touchpoint_ids, parsed, errors) -> None:
    try:
        photo_uuid = parse_uuid(item.get("uuid"))
    except SyncError as err:
        errors[f"{where}.uuid"] = err.message
        return
    sha = item.get("sha256")
    if not isinstance(sha, str) or not SHA256_FORM.fullmatch(sha):
        errors[f"{where}.sha256"] = "The photo's sha256, in lowercase hex, is required."
        return
    qid, tp_id = item.get("question_id"), item.get("touchpoint_id")
    if (qid is None) == (tp_id is None) or (qid is not None and _id(qid) not in questions) or (
            tp_id is not None and _id(tp_id) not in touchpoint_ids):
        errors[where] = "A photo belongs to one question or one touchpoint of this checklist."
        return
    caption = _text(item, "caption", MAX_CAPTION, f"{where}.caption", errors)
    if f"{where}.caption" in errors:
        return
    parsed.photos[photo_uuid] = {"sha256": sha, "question_id": qid, "touchpoint_id": tp_id,
                                 "caption": caption}


def put_visit(db: Database, folder: str, shopper_id: int, visit_uuid: str, payload) -> dict:
    """Create or replace a visit from the phone's payload; returns what the server holds."""
    visit_uuid = parse_uuid(visit_uuid)
    parsed = parse_payload(db, shopper_id, payload)
    with db.atomic():
        visit = visits.visit_by_uuid(db, visit_uuid)
        if visit is None:
            try:
                start_visit(db, uuid=visit_uuid, assignment_id=parsed.assignment_id,
                            shopper_id=shopper_id, started_at=parsed.started_at,
                            position=parsed.position, version_id=parsed.version_id)
            except VisitError as err:
                raise SyncError(409, "conflict", str(err)) from None
            visit = visits.visit_by_uuid(db, visit_uuid)
        if visit["shopper_id"] != shopper_id:
            raise SyncError(404, "not_found", "No such visit.")
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
        if parsed.submit:
            _request_submission(db, visit, parsed, shopper_id)
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
        wanted = parsed.photos.get(photo["uuid"])
        if wanted is None or wanted["sha256"] != photo["sha256"]:
            remove_photo(db, folder, photo)
        else:
            visits.place_photo(db, photo["id"], caption=wanted["caption"],
                               question_id=wanted["question_id"],
                               touchpoint_id=wanted["touchpoint_id"])
    visits.expect_photos(db, visit["id"], parsed.photos, parsed.digest)


def _request_submission(db, visit, parsed: VisitPayload, shopper_id: int) -> None:
    try:
        submission.submit(db, visit, actor_id=shopper_id, reply=parsed.reply,
                          photos_listed=parsed.photos)
    except submission.NotReady as err:
        if err.missing:
            raise SyncError(422, "incomplete_answers", "Required answers or photos are missing.",
                            {f"{m.touchpoint}.{m.question}": "required"
                             for m in err.missing}) from None
        raise SyncError(422, "invalid", "Please answer head office's comment.",
                        {"reply": "Required when a visit was returned."}) from None


def put_photo(db: Database, folder: str, shopper_id: int, visit_uuid: str, photo_uuid: str,
              sha256: str, data: bytes) -> dict:
    """Store one photo the visit lists. Identical bytes again: nothing changes. Different
    bytes under the same UUID: refused."""
    visit_uuid, photo_uuid = parse_uuid(visit_uuid), parse_uuid(photo_uuid)
    if not SHA256_FORM.fullmatch(sha256):
        raise SyncError(422, "invalid_sha256", "The X-Content-SHA256 header must be the "
                                               "photo's sha256 in lowercase hex.")
    visit = visits.visit_by_uuid(db, visit_uuid)
    if visit is None or visit["shopper_id"] != shopper_id:
        raise SyncError(404, "not_found", "No such visit: send the visit before its photos.")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise SyncError(422, "sha256_mismatch", "The photo arrived damaged (its sha256 "
                                                "differs): send it again.")
    expected = json.loads(visit["expected_photos"] or "{}").get(photo_uuid)
    held = visits.photo_by_uuid(db, photo_uuid)
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
    }


def shopper_visit_state(db: Database, shopper_id: int, visit_uuid: str) -> dict:
    visit = visits.visit_by_uuid(db, parse_uuid(visit_uuid))
    if visit is None or visit["shopper_id"] != shopper_id:
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
    photos = [{"uuid": r["uuid"], "sha256": r["sha256"], "question_id": r["question_id"],
               "touchpoint_id": r["touchpoint_id"], "caption": r["caption"]}
              for r in reports.visit_photos(db, visit["id"])]
    position = {"status": visit["position_status"]}
    if visit["position_status"] == "given":
        position.update(latitude=visit["latitude"], longitude=visit["longitude"],
                        accuracy_m=visit["position_accuracy_m"])
    return {"assignment_id": visit["assignment_id"], "version_id": visit["version_id"],
            "started_at": visit["started_at"], "position": position, "answers": answers,
            "touchpoints": moments, "photos": photos,
            "submit": visit["status"] not in EDITABLE, "reply": ""}

