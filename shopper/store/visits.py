"""Visits in the database: starting one from an assignment, recording what the shopper
saw, and scoring it into the per-touchpoint rows that scorecards and reports read."""

from __future__ import annotations

import json
import uuid as uuidlib
from dataclasses import dataclass

from shopper.domain.answers import KEEP
from shopper.domain.geo import distance_m
from shopper.domain.photos import ProcessedPhoto
from shopper.domain.scoring import Answer, VisitResult, score_visit
from shopper.domain.visit_timing import Timing, utc_text
from shopper.domain.vocabulary import TRANSITIONS
from shopper.store import audit, follow_ups, photo_files
from shopper.store.checklists import StoredVersion, latest_version_id, load_version
from shopper.store.connection import Database, now


class VisitError(ValueError):
    pass


class VisitLocked(VisitError):
    """The visit has been sent for review: the shopper can no longer change it."""

    def __init__(self):
        super().__init__("This visit has been sent for review and can no longer be changed.")


def require_status(db: Database, visit_id: int, allowed: tuple[str, ...]) -> str:
    """The visit's status as this transaction sees it, or VisitLocked if it is not one of
    `allowed`. Called inside the write transaction of a change that depends on the status,
    so a change racing a submission or a publication is refused, never written."""
    status = status_of(db, visit_id)
    if status not in allowed:
        raise VisitLocked()
    return status


@dataclass(frozen=True)
class Position:
    """Where the phone said it was when the visit started (proof of visit)."""

    status: str = "not_asked"  # given, refused, unavailable, not_asked
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None


def start_visit(db: Database, *, uuid: str, assignment_id: int, shopper_id: int,
                started_at: str | None = None, position: Position = Position(),
                version_id: int | None = None) -> int:
    """Create the visit for an assignment, pinned to the checklist version the phone showed
    (by default the latest). The same UUID twice gives the same visit."""
    started_at = started_at or now()
    assignment = next(db.query(
        "SELECT a.*, b.latitude AS b_lat, b.longitude AS b_lon FROM assignments a "
        "JOIN branches b ON b.id = a.branch_id WHERE a.id = ?", [assignment_id]), None)
    if assignment is None or assignment["shopper_id"] != shopper_id:
        raise VisitError("no such assignment")
    distance = None
    if position.status == "given" and assignment["b_lat"] is not None:
        distance = round(distance_m(position.latitude, position.longitude,
                                    assignment["b_lat"], assignment["b_lon"]), 1)
    version_id = version_id or latest_version_id(db, assignment["checklist_id"])
    with db.atomic():
        if db.execute("SELECT 1 FROM visits WHERE assignment_id = ? AND uuid != ?",
                      [assignment_id, uuid]).fetchone():
            raise VisitError("this assignment already has a visit")
        db.execute(
            """INSERT INTO visits (uuid, assignment_id, shopper_id, branch_id, version_id,
                   visit_date, started_at, updated_at, position_status, latitude, longitude,
                   position_accuracy_m, position_distance_m)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO NOTHING""",
            [uuid, assignment_id, shopper_id, assignment["branch_id"], version_id,
             started_at[:10], started_at, started_at, position.status, position.latitude,
             position.longitude, position.accuracy_m, distance],
        )
        row = db.execute("SELECT id, shopper_id, assignment_id FROM visits WHERE uuid = ?",
                         [uuid]).fetchone()
    if row[1] != shopper_id or row[2] != assignment_id:
        raise VisitError("that visit id is taken")
    return row[0]


def record_answers(db: Database, visit_id: int,
                   answers: dict[int, tuple[Answer | None, str]]) -> None:
    """Store answers keyed by question id, each with the shopper's note (None keeps the
    saved note). An answer of None with no note clears what was there."""
    stamp = now()
    with db.atomic():
        for question_id, (answer, note) in answers.items():
            if note is None:
                row = db.execute("SELECT note FROM answers WHERE visit_id = ? AND question_id = ?",
                                 [visit_id, question_id]).fetchone()
                note = row[0] if row else ""
            if answer is None and not note:
                db.execute("DELETE FROM answers WHERE visit_id = ? AND question_id = ?",
                           [visit_id, question_id])
                continue
            answer = answer or Answer()
            db.execute(
                """INSERT INTO answers (visit_id, question_id, value, na, note, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (visit_id, question_id) DO UPDATE SET value = excluded.value,
                       na = excluded.na, note = excluded.note, updated_at = excluded.updated_at""",
                [visit_id, question_id, None if answer.value is None else json.dumps(answer.value),
                 int(answer.na), note, stamp],
            )


def record_moment(db: Database, visit_id: int, touchpoint_id: int, moment: str | None,
                  reason: str | None = "", note: str | None = "") -> None:
    """Store a touchpoint's golden/dull moment, its reason and note; KEEP for any of them
    leaves what was saved before (a rejected field never wipes a good one)."""
    visit = visit_by_id(db, visit_id)
    if KEEP in (moment, reason, note):
        saved = next(db.query("SELECT moment, moment_reason, note FROM visit_touchpoints "
                              "WHERE visit_id = ? AND touchpoint_id = ?",
                              [visit_id, touchpoint_id]), {"moment": None,
                                                           "moment_reason": "", "note": ""})
        moment = saved["moment"] if moment is KEEP else moment
        reason = saved["moment_reason"] if reason is KEEP else reason
        note = saved["note"] if note is KEEP else note
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


def answered_by_touchpoint(db: Database, visit_id: int, version: StoredVersion) -> dict:
    """How many questions of each touchpoint have an answer (given, or N/A)."""
    answered = {r[0] for r in db.execute(
        "SELECT question_id FROM answers WHERE visit_id = ? AND (value IS NOT NULL OR na = 1)",
        [visit_id])}
    return {tp.key: sum(1 for q in tp.questions
                        if version.question_ids[(tp.key, q.key)] in answered)
            for tp in version.checklist.touchpoints}


def remember_position(db: Database, visit_id: int, position: int) -> None:
    db.execute("UPDATE visits SET resume_position = ? WHERE id = ?", [position, visit_id])


def answers_of(db: Database, visit_id: int, version: StoredVersion) -> dict:
    """The visit's answers keyed as the scoring engine wants them: (touchpoint, question)."""
    by_id = {qid: key for key, qid in version.question_ids.items()}
    return {
        by_id[row["question_id"]]: Answer(
            None if row["value"] is None else json.loads(row["value"]), bool(row["na"]))
        for row in db.query("SELECT question_id, value, na FROM answers WHERE visit_id = ?",
                            [visit_id])
    }


def notes_of(db: Database, visit_id: int, version: StoredVersion) -> dict:
    """The shopper's note on each question, keyed (touchpoint, question)."""
    by_id = {qid: key for key, qid in version.question_ids.items()}
    return {by_id[qid]: note for qid, note in db.execute(
        "SELECT question_id, note FROM answers WHERE visit_id = ? AND note != ''", [visit_id])
        if qid in by_id}


def score(db: Database, visit: dict, at: str | None = None) -> VisitResult:
    """The engine's result for the visit as stored, with its follow-ups closed by `at`."""
    version = load_version(db, visit["version_id"])
    by_id = {qid: key for key, qid in version.question_ids.items()}
    closed = {by_id[qid] for qid in follow_ups.closed_question_ids(db, visit["id"], at or now())
              if qid in by_id}
    return score_visit(version.checklist, answers_of(db, visit["id"], version), closed)


def score_and_store(db: Database, visit_id: int, at: str | None = None) -> VisitResult:
    """Score the visit with the engine and write the results beside the answers, so that
    scorecards and head-office reports read them instead of re-scoring."""
    visit = visit_by_id(db, visit_id)
    version = load_version(db, visit["version_id"])
    result = score(db, visit, at)
    stamp = now()
    with db.atomic():
        for tp in result.touchpoints:
            tp_id = version.touchpoint_ids[tp.key]
            db.execute(
                """INSERT INTO visit_touchpoints (visit_id, touchpoint_id, touchpoint_key,
                       branch_id, visit_date, weight, earned, possible, score, critical_failed,
                       updated_at, published)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (visit_id, touchpoint_id) DO UPDATE SET weight = excluded.weight,
                       earned = excluded.earned, possible = excluded.possible,
                       score = excluded.score, critical_failed = excluded.critical_failed,
                       updated_at = excluded.updated_at""",
                [visit_id, tp_id, tp.key, visit["branch_id"], visit["visit_date"], tp.weight,
                 tp.earned, tp.possible, tp.score, int(tp.critical_failed), stamp,
                 int(visit["status"] == "published")],
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
        failed, unchecked = standard_lists(version, result)
        db.execute(
            "UPDATE visits SET score = ?, critical_failed = ?, scored_at = ?, updated_at = ?, "
            "failed_standards = ?, unchecked_standards = ? WHERE id = ?",
            [result.score, int(result.critical_failed), stamp, stamp, failed, unchecked,
             visit_id],
        )
    return result


def standard_lists(version: StoredVersion, result: VisitResult) -> tuple[str, str]:
    """The visit's basic standards not met, and those of its checklist neither met nor not
    met, as comma-separated question ids: what weakest standards counts."""
    outcomes = {version.question_ids[(tp.key, q.key)]: q.outcome
                for tp in result.touchpoints for q in tp.questions}
    basic = [version.question_ids[(tp.key, q.key)] for tp, q in version.checklist.questions()
             if q.category == "basic"]
    failed = [qid for qid in basic if outcomes.get(qid) == "not_met"]
    unchecked = [qid for qid in basic if outcomes.get(qid) not in ("met", "not_met")]
    return ",".join(map(str, failed)), ",".join(map(str, unchecked))


def change_status(db: Database, visit_id: int, status: str, *, actor_id: int | None,
                  comment: str = "", at: str | None = None) -> None:
    """Move a visit along its review path, keeping the step in the audit log."""
    at = at or now()
    with db.atomic():
        before = visit_by_id(db, visit_id)["status"]
        if status not in TRANSITIONS[before]:
            raise VisitError(f"the visit is {before} and cannot become {status}")
        extra = {"submitted": ", submitted_at = :at, ended_at = COALESCE(ended_at, :at)",
                 "published": ", published_at = :at"}.get(status, "")
        db.execute(f"UPDATE visits SET status = :status, updated_at = :at{extra} WHERE id = :id",
                   {"status": status, "at": at, "id": visit_id})
        db.execute("UPDATE visit_touchpoints SET published = ? WHERE visit_id = ?",
                   [int(status == "published"), visit_id])
        audit.record(db, visit_id, actor_id, f"status:{status}", before={"status": before},
               after={"status": status}, comment=comment, at=at)


def add_photo(db: Database, folder: str, *, visit_id: int, photo_uuid: str,
              processed: ProcessedPhoto, question_id: int | None = None,
              touchpoint_id: int | None = None, caption: str = "") -> dict:
    """Store a processed photo under the name the phone gave it (`photo_uuid`, unique
    within the visit). The same name with the same bytes again is a no-op; with different
    bytes it is refused. Files are written before the row is committed, so a committed
    row always has its files."""
    existing = photo_in_visit(db, visit_id, photo_uuid)
    if existing is not None:
        if existing["sha256"] != processed.sha256:
            raise VisitError("a different photo was already sent under this id")
        return existing
    display = photo_files.write(folder, processed.display, "")
    thumb = photo_files.write(folder, processed.thumbnail, "-t")
    try:
        inserted = 0
        for name in (photo_uuid, str(uuidlib.uuid4())):  # another visit's name: a fresh one
            inserted = db.execute(
                """INSERT INTO photos (uuid, client_uuid, visit_id, question_id, touchpoint_id,
                       caption, sha256, upload_bytes, stored_name, thumb_name, width, height,
                       display_bytes, process_ms, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                [name, photo_uuid, visit_id, question_id, touchpoint_id, caption,
                 processed.sha256, processed.upload_bytes, display, thumb, processed.width,
                 processed.height, len(processed.display), processed.process_ms,
                 now()]).rowcount
            if inserted or photo_in_visit(db, visit_id, photo_uuid) is not None:
                break
    except BaseException:
        photo_files.remove(folder, display, thumb)
        raise
    if not inserted:  # a parallel retry stored it first
        photo_files.remove(folder, display, thumb)
        return add_photo(db, folder, visit_id=visit_id, photo_uuid=photo_uuid,
                         processed=processed)
    return photo_in_visit(db, visit_id, photo_uuid)


def photo_in_visit(db: Database, visit_id: int, photo_uuid: str) -> dict | None:
    """The visit's photo the phone named `photo_uuid`."""
    return next(db.query("SELECT * FROM photos WHERE visit_id = ? AND client_uuid = ?",
                         [visit_id, photo_uuid]), None)


def photo_by_uuid(db: Database, photo_uuid: str) -> dict | None:
    return next(db.query("SELECT * FROM photos WHERE uuid = ?", [photo_uuid]), None)


def remove_photo(db: Database, folder: str, photo: dict) -> None:
    """Forget a photo; its files go only once that is committed (a refused submission
    rolls the row back, and must find its files still there)."""
    db.execute("DELETE FROM photos WHERE id = ?", [photo["id"]])
    db.after_commit(lambda: photo_files.remove(folder, photo["stored_name"],
                                               photo["thumb_name"]))


def set_caption(db: Database, photo_id: int, caption: str) -> None:
    db.execute("UPDATE photos SET caption = ? WHERE id = ?", [caption, photo_id])


def photo_counts(db: Database, visit_id: int, version: StoredVersion) -> dict:
    """Photos per (touchpoint, question) key, for the completeness check."""
    by_id = {qid: key for key, qid in version.question_ids.items()}
    return {by_id[qid]: n for qid, n in db.execute(
        "SELECT question_id, COUNT(*) FROM photos WHERE visit_id = ? AND question_id IS NOT NULL "
        "GROUP BY question_id", [visit_id]) if qid in by_id}


def visit_by_id(db: Database, visit_id: int) -> dict:
    row = next(db.query("SELECT * FROM visits WHERE id = ?", [visit_id]), None)
    if row is None:
        raise VisitError("no such visit")
    return row


def set_timing(db: Database, visit_id: int, timing: Timing) -> None:
    """The visit's date, time in and time out as the shopper entered them (branch-local,
    with the zone used) and the UTC instants they stand for; the date is the visit's."""
    day = timing.day.isoformat()
    db.execute(
        """UPDATE visits SET visit_date = ?, time_zone = ?, time_in = ?, time_out = ?,
               arrived_at = ?, left_at = ?, updated_at = ? WHERE id = ?""",
        [day, timing.zone, f"{timing.time_in:%H:%M}", f"{timing.time_out:%H:%M}",
         utc_text(timing.arrived_at), utc_text(timing.left_at), now(), visit_id])
    db.execute("UPDATE visit_touchpoints SET visit_date = ? WHERE visit_id = ?",
               [day, visit_id])


def set_ended_at(db: Database, visit_id: int, ended_at: str) -> None:
    db.execute("UPDATE visits SET ended_at = ? WHERE id = ?", [ended_at, visit_id])


def acknowledge(db: Database, visit_id: int, user_id: int) -> None:
    """The branch has read the scorecard (kept in the audit log)."""
    with db.atomic():
        db.execute("UPDATE visits SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                   [now(), user_id, visit_id])
        audit.record(db, visit_id, user_id, "acknowledged")


def clear_moments(db: Database, visit_id: int) -> None:
    """Forget every touchpoint's moment, reason and note (a phone's payload then says
    them all again)."""
    db.execute("UPDATE visit_touchpoints SET moment = NULL, moment_reason = '', note = '' "
               "WHERE visit_id = ?", [visit_id])


def place_photo(db: Database, photo_id: int, *, caption: str, question_id: int | None,
                touchpoint_id: int | None) -> None:
    """Set what a photo shows and where it belongs."""
    db.execute("UPDATE photos SET caption = ?, question_id = ?, touchpoint_id = ? "
               "WHERE id = ?", [caption, question_id, touchpoint_id, photo_id])


def expect_photos(db: Database, visit_id: int, photos: dict, content_hash: str) -> None:
    """The photos a phone's payload lists (uuid -> sha256, target, caption), and the hash
    of that payload."""
    db.execute("UPDATE visits SET expected_photos = ?, content_hash = ? WHERE id = ?",
               [json.dumps(photos, sort_keys=True), content_hash, visit_id])


def mark_photos_expired(db: Database, photo_ids: list[int], days: int, at: str) -> None:
    """These photos' files are gone under the retention policy: the rows stay to say so."""
    db.conn.executemany(
        "UPDATE photos SET expired_at = ?, expired_after_days = ? WHERE id = ?",
        [(at, days, photo_id) for photo_id in photo_ids])


def status_of(db: Database, visit_id: int) -> str | None:
    """The visit's status as stored now (inside a transaction: as this one sees it)."""
    row = db.execute("SELECT status FROM visits WHERE id = ?", [visit_id]).fetchone()
    return row[0] if row else None


def answer_row(db: Database, visit_id: int, question_id: int) -> dict | None:
    """One stored answer: its value (JSON), N/A flag and note."""
    return next(db.query("SELECT value, na, note FROM answers WHERE visit_id = ? AND "
                         "question_id = ?", [visit_id, question_id]), None)


def live_photos(db: Database) -> list[dict]:
    """Every photo whose files are still kept, with its visit's id, uuid and date."""
    return list(db.query(
        """SELECT p.id, p.uuid, p.visit_id, p.stored_name, p.thumb_name, p.expired_at,
                  v.uuid AS visit_uuid, v.visit_date
           FROM photos p JOIN visits v ON v.id = p.visit_id
           WHERE p.expired_at IS NULL ORDER BY p.visit_id, p.id"""))


def photo_file_names(db: Database) -> set[str]:
    """The file names that photo rows still need (an expired photo needs none)."""
    names = set()
    for stored, thumb in db.execute(
            "SELECT stored_name, thumb_name FROM photos WHERE expired_at IS NULL"):
        names.update((stored, thumb))
    return names


def visit_by_uuid(db: Database, visit_uuid: str) -> dict | None:
    return next(db.query("SELECT * FROM visits WHERE uuid = ?", [visit_uuid]), None)


def answered_question_ids(db: Database, visit_id: int) -> set[int]:
    """Questions with a stored row: an answer, an N/A or a note."""
    return {r[0] for r in db.execute("SELECT question_id FROM answers WHERE visit_id = ?",
                                     [visit_id])}


def answer_count(db: Database, visit_id: int) -> int:
    """Answers held, given or N/A."""
    return db.execute("SELECT COUNT(*) FROM answers WHERE visit_id = ? AND "
                      "(value IS NOT NULL OR na = 1)", [visit_id]).fetchone()[0]


def answers_with_content(db: Database, visit_id: int) -> list[dict]:
    """Stored answers that hold something (a value, N/A or a note), by question id."""
    return list(db.query("SELECT * FROM answers WHERE visit_id = ? AND "
                         "(value IS NOT NULL OR na = 1 OR note != '') ORDER BY question_id",
                         [visit_id]))


def photo_hashes(db: Database, visit_id: int) -> list[dict]:
    """Each photo held for the visit: the phone's name for it and its sha256, in the order
    they arrived."""
    return [{"uuid": r[0], "sha256": r[1]} for r in db.execute(
        "SELECT client_uuid, sha256 FROM photos WHERE visit_id = ? ORDER BY id", [visit_id])]


def sent_of_branch(db: Database, branch_id: int) -> list[dict]:
    """A branch's visits in review or published, newest first."""
    return list(db.query(
        "SELECT * FROM visits WHERE branch_id = ? AND status IN ('submitted', 'on_hold', "
        "'approved', 'published') ORDER BY visit_date DESC, id DESC", [branch_id]))
