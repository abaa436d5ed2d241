"""The mystery shopper's pages (mobile first): assignments, one screen per touchpoint,
photos, review and submit. Every page works as a plain HTML form; the scripts add
autosave, the stopwatch and in-browser photo downscaling on top."""

from __future__ import annotations

import contextlib
import json
import math
import re
import uuid as uuidlib

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from shopper.domain.answers import AnswerError, check_length, parse_touchpoint_form
from shopper.domain.checklist_logic import visibility
from shopper.domain.photos import PhotoError, process_photo
from shopper.domain.visit_timing import TimingError, local_today, stored_timing
from shopper.domain.vocabulary import EDITABLE, MAX_CAPTION, MAX_NOTE
from shopper.store import audit, connection, permissions, reports, visits
from shopper.store.checklists import load_version
from shopper.web.access import allow, wants_json
from shopper.web.db import get_db
from shopper.web.errors import json_error
from shopper.web.field import bp
from shopper.web.pages import kept_on_the_phone
from shopper.web.rules import visit_rules
from shopper.web.touchpoint_screen import SHELL_VISIT, empty_screen
from shopper.workflows import appeals, drafts, follow_ups, scorecards, submission


def own_visit(visit_uuid: str) -> dict:
    visit = permissions.visit_for_shopper(get_db(), current_user, visit_uuid)
    if visit is None:
        abort(404)
    return visit


def editable(visit: dict) -> None:
    """Refuse at once a change to a visit that has been sent. The change itself checks
    again inside its write transaction (workflows/drafts.py), where a race is caught."""
    if visit["status"] not in EDITABLE:
        raise visits.VisitLocked()


@bp.errorhandler(visits.VisitLocked)
def locked(err: visits.VisitLocked):
    """A change to a sent visit: 409 for the page's scripts, the review screen for a form."""
    if wants_json():
        return json_error(409, "visit_locked", str(err))
    flash(str(err), "error")
    return redirect(url_for("field.review", visit_uuid=request.view_args["visit_uuid"]), 303)


@bp.route("/")
@allow("shopper")
def home():
    db = get_db()
    return render_template(
        "field/home.html",
        assignments=reports.shopper_assignments(db, current_user.id),
        visits=reports.shopper_visits(db, current_user.id),
        follow_ups=reports.open_follow_ups(db, current_user.id, connection.now()),
    )


@bp.route("/assignments/<int:assignment_id>/start", methods=["POST"])
@allow("shopper")
def start(assignment_id: int):
    """Start the assignment's visit; starting again (a double tap, a second tab) opens the
    one visit the assignment has."""
    db = get_db()
    if permissions.assignment_for_shopper(db, current_user, assignment_id) is None:
        abort(404)
    try:
        visit_uuid = str(uuidlib.UUID(request.form.get("uuid") or str(uuidlib.uuid4())))
        position = _position(request.form)
    except ValueError:
        abort(400)
    if reports.visit_for_assignment(db, assignment_id) is None:
        with contextlib.suppress(visits.VisitError):  # started in parallel: open that one
            visits.start_visit(db, uuid=visit_uuid, assignment_id=assignment_id,
                               shopper_id=current_user.id, position=position)
    existing = reports.visit_for_assignment(db, assignment_id)
    if existing is None:  # the visit id sent belongs to another visit
        abort(409, "That visit id is already in use. Go back to your assignments and "
                   "start the visit again.")
    return redirect(url_for("field.resume", visit_uuid=existing), 303)


def _position(form) -> visits.Position:
    status = form.get("position_status") or "not_asked"
    if status not in ("given", "refused", "unavailable", "not_asked"):
        raise ValueError(status)
    if status != "given":
        return visits.Position(status)
    lat, lon = float(form["latitude"]), float(form["longitude"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("position out of range")
    return visits.Position(status, lat, lon, accuracy_m(form.get("accuracy")))


def accuracy_m(value) -> float | None:
    """The phone's stated accuracy in metres, or None when it is missing or nonsense."""
    try:
        accuracy = float(value)
    except (TypeError, ValueError):
        return None
    return accuracy if math.isfinite(accuracy) and 0 <= accuracy < 1e7 else None


@bp.route("/visits/<visit_uuid>")
@allow("shopper")
def resume(visit_uuid: str):
    """Back into a visit where the shopper left it (or its summary once sent)."""
    visit = own_visit(visit_uuid)
    if visit["status"] not in EDITABLE:
        return redirect(url_for("field.review", visit_uuid=visit_uuid))
    return redirect(url_for("field.touchpoint", visit_uuid=visit_uuid,
                            position=visit["resume_position"]))


@bp.route("/visits/<visit_uuid>/touchpoints/<int:position>", methods=["GET", "POST"])
@allow("shopper")
def touchpoint(visit_uuid: str, position: int):
    db = get_db()
    visit = own_visit(visit_uuid)
    version = load_version(db, visit["version_id"])
    touchpoints = version.checklist.touchpoints
    if not 1 <= position <= len(touchpoints):
        abort(404)
    tp = touchpoints[position - 1]
    tp_id = version.touchpoint_ids[tp.key]
    if visit["status"] in EDITABLE and visit["resume_position"] != position:
        visits.remember_position(db, visit["id"], position)
    questions = [(version.question_ids[(tp.key, q.key)], q) for q in tp.questions]
    errors, posted = {}, None
    if request.method == "POST":
        editable(visit)
        entry = parse_touchpoint_form(questions, request.form)
        drafts.save_touchpoint(db, visit["id"], tp_id, entry)
        errors = dict(entry.errors)
        errors.update(_attached_photos(db, visit, tp_id, questions))
        if wants_json():
            return jsonify(saved=True, errors=errors), (422 if errors else 200)
        if not errors:
            return redirect(_next_url(visit_uuid, position, len(touchpoints)), 303)
        posted = request.form
    stored = reports.touchpoint_answers(db, visit["id"], tp_id)
    tp_state = reports.visit_touchpoint_row(db, visit["id"], tp_id) or {
        "moment": None, "moment_reason": "", "note": ""}
    if posted is not None:  # show what was typed, valid or not, beside the messages
        tp_state = {"moment": posted.get("moment"), "moment_reason": posted.get("reason", ""),
                    "note": posted.get("tp-note", "")}
    seen = visibility(version.checklist, visits.answers_of(db, visit["id"], version))
    return render_template(
        "field/touchpoint.html", visit=visit, version=version, tp=tp, tp_id=tp_id,
        position=position, questions=questions, errors=errors, tp_state=tp_state,
        stray_errors=[m for f, m in errors.items() if f not in _fields_on_screen(questions)],
        hidden={qid for qid, q in questions if (tp.key, q.key) in seen.hidden},
        skipped_reason=seen.skipped.get(tp.key, ""),
        values={qid: _shown_value(qid, q, stored.get(qid), posted) for qid, q in questions},
        photos=reports.visit_photos(db, visit["id"]),
        locked=visit["status"] not in EDITABLE,
    ), (422 if errors else 200)


def _fields_on_screen(questions) -> set[str]:
    fields = {"moment", "reason", "tp-note", "photo-tp"}
    for qid, _ in questions:
        fields |= {f"q-{qid}", f"q-{qid}-na", f"note-{qid}", f"photo-{qid}"}
    return fields


def _shown_value(qid: int, q, row: dict | None, posted) -> dict:
    if posted is not None:
        raw = posted.get(f"q-{qid}", "")
        if q.kind == "multi_choice":
            picked = posted.getlist(f"q-{qid}")
            raw = [] if "none" in picked else [p for p in picked if p != "na"] or ""
        return {"value": None if raw in ("", "na") else raw,
                "na": raw == "na" or posted.get(f"q-{qid}-na") == "1",
                "note": posted.get(f"note-{qid}", "")}
    if row is None:
        return {"value": None, "na": False, "note": ""}
    return {"value": None if row["value"] is None else json.loads(row["value"]),
            "na": bool(row["na"]), "note": row["note"]}


def _attached_photos(db, visit: dict, tp_id: int, questions) -> dict:
    """Photos sent with the form itself (when the page's script did not upload them)."""
    errors = {}
    targets = [(f"photo-{qid}", qid, None) for qid, q in questions] + [("photo-tp", None, tp_id)]
    for field, question_id, touchpoint_id in targets:
        for upload in request.files.getlist(field):
            if not upload.filename:
                continue
            try:
                _store_photo(db, visit, upload.read(), str(uuidlib.uuid4()), question_id,
                             touchpoint_id, "")
            except PhotoError as err:
                errors[field] = f"{upload.filename}: {err.message}"
    return errors


def _store_photo(db, visit, data, photo_uuid, question_id, touchpoint_id, caption) -> dict:
    return drafts.add_photo(db, current_app.config["PHOTO_FOLDER"], visit["id"], photo_uuid,
                            process_photo(data), question_id=question_id,
                            touchpoint_id=touchpoint_id, caption=caption)


def _next_url(visit_uuid: str, position: int, count: int) -> str:
    go = request.form.get("go", "next")
    if go == "review" or (go == "next" and position == count):
        return url_for("field.review", visit_uuid=visit_uuid)
    if go == "prev":
        position = max(1, position - 1)
    elif go == "next":
        position += 1
    elif re.fullmatch(r"[1-9][0-9]{0,2}", go) and int(go) <= count:
        position = int(go)
    return url_for("field.touchpoint", visit_uuid=visit_uuid, position=position)


def _shell_version(version_id: int):
    db = get_db()
    if not permissions.version_visible_to(db, current_user, version_id):
        abort(404)
    return load_version(db, version_id)


@bp.route("/shell/<int:version_id>/<int:position>")
@allow("shopper")
def shell(version_id: int, position: int):
    """A touchpoint screen with no visit in it: the phone caches one per screen of each
    assigned checklist version and fills it from its own store, with or without signal."""
    return kept_on_the_phone(empty_screen(_shell_version(version_id), position, SHELL_VISIT))


@bp.route("/shell/<int:version_id>/review")
@allow("shopper")
def shell_review(version_id: int):
    """The review screen the phone fills from its own store."""
    return kept_on_the_phone(render_template("field/local_review.html",
                                             version=_shell_version(version_id)))


@bp.route("/visits/<visit_uuid>/photos", methods=["POST"])
@allow("shopper")
def upload_photo(visit_uuid: str):
    """One photo from the page's script (already downscaled in the browser): JSON out."""
    db = get_db()
    visit = own_visit(visit_uuid)
    editable(visit)
    version = load_version(db, visit["version_id"])
    upload = request.files.get("photo")
    try:
        photo_uuid = _photo_uuid(request.form.get("uuid", ""))
        question_id, touchpoint_id = _photo_target(version, request.form)
        caption = check_length(request.form.get("caption", ""), MAX_CAPTION, "caption")
        if upload is None:
            raise PhotoError("empty", "No photo was attached.")
        photo = _store_photo(db, visit, upload.read(), photo_uuid, question_id,
                             touchpoint_id, caption)
    except PhotoError as err:
        return json_error(422, err.code, err.message)
    except visits.VisitLocked:
        raise  # sent meanwhile: 409, as for every change to a sent visit
    except (AnswerError, visits.VisitError) as err:
        return json_error(422, "invalid", str(err))
    return jsonify(photo=photo_json(photo)), 201


def _photo_uuid(value: str) -> str:
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        raise AnswerError("This photo has no valid id: please add it again.") from None


def _photo_target(version, form) -> tuple[int | None, int | None]:
    """The question or touchpoint a photo belongs to; either must be in the visit's version."""
    by_text = {str(qid): qid for qid in version.question_ids.values()}
    if form.get("question_id"):
        if form["question_id"] not in by_text:
            raise AnswerError("That question is not part of this visit's checklist.")
        return by_text[form["question_id"]], None
    touchpoints = {str(tp): tp for tp in version.touchpoint_ids.values()}
    if form.get("touchpoint_id") not in touchpoints:
        raise AnswerError("That touchpoint is not part of this visit's checklist.")
    return None, touchpoints[form["touchpoint_id"]]


def photo_json(photo: dict) -> dict:
    return {
        "uuid": photo["uuid"], "sha256": photo["sha256"], "caption": photo["caption"],
        "question_id": photo["question_id"], "touchpoint_id": photo["touchpoint_id"],
        "width": photo["width"], "height": photo["height"],
        "thumb_url": url_for("photos.show", photo_uuid=photo["uuid"], size="thumb"),
        "display_url": url_for("photos.show", photo_uuid=photo["uuid"], size="display"),
        "delete_url": url_for("field.delete_photo", visit_uuid=request.view_args["visit_uuid"],
                              photo_uuid=photo["uuid"]),
    }


@bp.route("/visits/<visit_uuid>/photos/<photo_uuid>/delete", methods=["POST"])
@allow("shopper")
def delete_photo(visit_uuid: str, photo_uuid: str):
    db = get_db()
    visit = own_visit(visit_uuid)
    editable(visit)
    photo = visits.photo_by_uuid(db, photo_uuid)
    if photo is None or photo["visit_id"] != visit["id"]:
        abort(404)
    drafts.remove_photo(db, current_app.config["PHOTO_FOLDER"], visit["id"], photo)
    if wants_json():
        return jsonify(deleted=photo_uuid)
    return redirect(request.referrer or url_for("field.review", visit_uuid=visit_uuid), 303)


@bp.route("/visits/<visit_uuid>/review")
@allow("shopper")
def review(visit_uuid: str):
    return _review_page(own_visit(visit_uuid))


def _review_page(visit: dict, timing_errors: dict | None = None, posted=None):
    db = get_db()
    version = load_version(db, visit["version_id"])
    zone = visit_rules().zone_of(reports.assignment_setting(db, visit["assignment_id"])
                                 ["time_zone"])
    shown = posted or stored_timing(visit) or {
        "date": local_today(zone).isoformat(), "time_in": "", "time_out": ""}
    return render_template(
        "field/review.html", visit=visit, version=version,
        missing=submission.missing(db, visit),
        answered=visits.answered_by_touchpoint(db, visit["id"], version),
        photo_count=len(reports.visit_photos(db, visit["id"])),
        returned_comment=reports.returned_comment(db, visit["id"]),
        locked=visit["status"] not in EDITABLE, timing=shown, zone=zone,
        timing_errors=timing_errors or {},
        follow_ups=follow_ups.open_of_visit(db, visit["id"]),
        sent=_sent_visit(db, visit) if visit["status"] not in EDITABLE else None,
    ), (422 if timing_errors else 200)


def _sent_visit(db, visit: dict) -> dict:
    """A sent visit as its shopper reads it back: the scorecard's touchpoints (answers in
    words, moments, notes, photos), what head office wrote when it returned the visit (its
    other notes are its own), and the outcome of any appeal against a finding."""
    comments = [entry for entry in reversed(audit.history(db, visit["id"]))
                if entry["comment"] and entry["action"] == "status:returned"]
    return {"touchpoints": scorecards.build(db, visit, with_shopper=False).touchpoints,
            "comments": comments, "appeals": appeals.outcomes_for_shopper(db, visit)}


@bp.route("/visits/<visit_uuid>/timing", methods=["POST"])
@allow("shopper")
def timing(visit_uuid: str):
    """The visit's date, time in and time out, as the shopper enters them after leaving."""
    db = get_db()
    visit = own_visit(visit_uuid)
    editable(visit)
    posted = {name: request.form.get(name, "").strip()
              for name in ("date", "time_in", "time_out")}
    try:
        entered = drafts.check_timing(db, visit["assignment_id"], posted, visit_rules())
    except TimingError as err:
        return _review_page(visit, err.fields, posted)
    drafts.save_timing(db, visit["id"], entered)
    flash("Visit date and times saved.", "info")
    return redirect(url_for("field.review", visit_uuid=visit_uuid) + "#timing", 303)


@bp.route("/visits/<visit_uuid>/submit", methods=["POST"])
@allow("shopper")
def submit(visit_uuid: str):
    db = get_db()
    visit = own_visit(visit_uuid)
    editable(visit)
    try:
        reply = check_length(request.form.get("reply", ""), MAX_NOTE, "reply")
        submission.submit(db, visit, actor_id=current_user.id, reply=reply,
                          rules=visit_rules())
    except submission.NotReady as err:
        flash(_not_ready(err), "error")
        return redirect(url_for("field.review", visit_uuid=visit_uuid), 303)
    except AnswerError as err:
        flash(str(err), "error")
        return redirect(url_for("field.review", visit_uuid=visit_uuid), 303)
    flash(f"Visit to {visit['branch_name']} sent for review. Thank you!", "info")
    return redirect(url_for("field.home"), 303)


@bp.route("/visits/<visit_uuid>/follow-ups", methods=["GET", "POST"])
@allow("shopper")
def follow_ups_page(visit_uuid: str):
    """The follow-up questions of a sent visit, answered days later (a plain form)."""
    db = get_db()
    visit = own_visit(visit_uuid)
    follow_ups.settle(db, visit_id=visit["id"])
    version = load_version(db, visit["version_id"])
    by_id = version.questions_by_id()
    waiting = follow_ups.open_of_visit(db, visit["id"], answered_too=True)
    questions = [(row["question_id"], by_id[row["question_id"]]) for row in waiting]
    errors, posted = {}, None
    if request.method == "POST" and questions:
        entry = parse_touchpoint_form(questions, request.form)
        errors = dict(entry.errors)
        given = {qid: a for qid, a in entry.answers.items() if a[0] is not None}
        if not errors and given:
            try:
                follow_ups.answer(db, visit["id"], current_user.id, given)
            except follow_ups.FollowUpError as err:
                if err.status == 404:
                    abort(404)
                errors = {f"q-{qid}": message for qid, message in err.questions.items()} or {
                    "form": err.message}
        if not errors:
            flash("Thank you: your follow-up answers are saved." if given else
                  "Nothing to save: choose an answer first.", "info" if given else "error")
            return redirect(url_for("field.follow_ups_page", visit_uuid=visit_uuid), 303)
        posted = request.form
    stored = reports.answers_by_question(db, visit["id"])
    return render_template(
        "field/follow_ups.html", visit=visit, questions=questions, errors=errors,
        due={row["question_id"]: row["due_date"] for row in waiting},
        values={qid: _shown_value(qid, q, stored.get(qid), posted) for qid, q in questions},
    ), (422 if errors else 200)


def _not_ready(err: submission.NotReady) -> str:
    if not err.missing:
        return "Please answer head office's comment before sending the visit again."
    if all(m.kind == "timing" for m in err.missing):
        return "Enter the visit's date, time in and time out first: see below."
    return ("Some required answers, or the notes and photos an answer needs, are missing: "
            "see the list below.")
