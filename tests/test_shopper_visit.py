"""A mystery shopper's visit, through the pages: start, answer touchpoint by touchpoint,
photos, review, submit; and every refusal a clear 4xx that loses nothing already saved."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from shopper.domain.scoring import score_visit
from shopper.store.checklists import load_version
from shopper.store.visits import answers_of, change_status

from .factories import visit_timing
from .support import MANAGER_A, OFFICE, OTHER_SHOPPER, SHOPPER, AuthActions, csrf_token

VISIT_UUID = "0b8c9a52-4a8e-4d3c-9a55-5b8f2b3c1d01"
JSON = {"Accept": "application/json"}


def jpeg_bytes(size=(640, 480), color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def assignment_id(db, code="LDS01"):
    return db.execute(
        """SELECT a.id FROM assignments a JOIN branches b ON b.id = a.branch_id
           JOIN users u ON u.id = a.shopper_id
           WHERE b.code = ? AND u.email = ? AND a.status = 'open'""",
        [code, SHOPPER]).fetchone()[0]


def start(client, db, **fields):
    token = csrf_token(client, "/field/")
    return client.post(f"/field/assignments/{assignment_id(db)}/start",
                       data={"csrf_token": token, "uuid": VISIT_UUID, **fields})


def visit_photo_count(db) -> int:
    return db.execute("SELECT COUNT(*) FROM photos p JOIN visits v ON v.id = p.visit_id "
                      "WHERE v.uuid = ?", [VISIT_UUID]).fetchone()[0]


def photo_files(app) -> int:
    return sum(1 for _ in Path(app.config["PHOTO_FOLDER"]).rglob("*.jpg"))


def visit_row(db):
    return next(db.query("SELECT * FROM visits WHERE uuid = ?", [VISIT_UUID]))


def version_of(db):
    return load_version(db, visit_row(db)["version_id"])


def qid(version, tp, key):
    return version.question_ids[(tp, key)]


def post_touchpoint(client, position, data, headers=None, path=None):
    url = path or f"/field/visits/{VISIT_UUID}/touchpoints/{position}"
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, **data}, headers=headers or {})


def best_answers(version, position) -> dict:
    """Form fields meeting every standard of the touchpoint at `position`."""
    tp = version.checklist.touchpoints[position - 1]
    form = {}
    for q in tp.questions:
        field = f"q-{version.question_ids[(tp.key, q.key)]}"
        if q.kind == "yes_no":
            form[field] = q.expected
        elif q.kind == "scale":
            form[field] = "5"
        elif q.kind == "choice":
            form[field] = max(q.options, key=lambda o: o.points).label
        elif q.kind == "multi_choice":
            form[field] = [o.label for o in q.options]
        elif q.kind in ("number", "duration"):
            form[field] = str(int(q.target))
        elif q.kind == "text":
            form[field] = "Priya"
    return form


def upload(client, version, tp, key, data=None, photo_uuid=None):
    token = csrf_token(client, f"/field/visits/{VISIT_UUID}/touchpoints/1")
    return client.post(f"/field/visits/{VISIT_UUID}/photos", headers=JSON, data={
        "csrf_token": token, "uuid": photo_uuid or "7d0f5e38-7a4c-4f3a-8d8e-1f2a3b4c5d6e",
        "question_id": str(qid(version, tp, key)),
        "photo": (io.BytesIO(data or jpeg_bytes()), "IMG_0001.jpg")})


def complete(client, db):
    version = version_of(db)
    for position in range(1, len(version.checklist.touchpoints) + 1):
        response = post_touchpoint(client, position, best_answers(version, position))
        assert response.status_code == 303, response.get_data(as_text=True)
    assert upload(client, version, "service_desk", "receipt_photo").status_code == 201
    give_times(client)
    return version


def give_times(client, **timing):
    """The visit's date and times, on the review page's form (the no-JavaScript path)."""
    token = csrf_token(client, f"/field/visits/{VISIT_UUID}/review")
    return client.post(f"/field/visits/{VISIT_UUID}/timing",
                       data={"csrf_token": token, **(timing or visit_timing())})


@pytest.fixture
def shopper(client, db):
    AuthActions(client).login(SHOPPER)
    return client


def test_starting_a_visit_records_when_and_where(shopper, db):
    response = start(shopper, db, position_status="given", latitude="53.7980",
                     longitude="-1.5420", accuracy="12")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/field/visits/{VISIT_UUID}")
    visit = visit_row(db)
    assert visit["status"] == "draft" and visit["started_at"]
    assert visit["position_status"] == "given"
    assert visit["position_accuracy_m"] == 12
    assert 20 < visit["position_distance_m"] < 60  # a few doors from Leeds Briggate
    page = shopper.get("/field/").get_data(as_text=True)
    assert "Continue visit" in page


def test_refusing_the_position_is_recorded_and_never_blocks(shopper, db):
    assert start(shopper, db, position_status="refused").status_code == 303
    assert visit_row(db)["position_status"] == "refused"
    assert visit_row(db)["position_distance_m"] is None


def test_starting_twice_gives_one_visit(shopper, db):
    start(shopper, db)
    again = start(shopper, db, uuid="1e4b0a3c-0000-4000-8000-000000000000")
    assert again.headers["Location"].endswith(f"/field/visits/{VISIT_UUID}")
    assert db.execute("SELECT COUNT(*) FROM visits WHERE assignment_id = ?",
                      [assignment_id(db)]).fetchone()[0] == 1


def test_a_visit_id_already_in_use_is_refused_for_another_assignment(shopper, db):
    start(shopper, db)
    other = db.execute(
        """SELECT a.id FROM assignments a JOIN users u ON u.id = a.shopper_id
           WHERE u.email = ? AND a.status = 'open' AND a.id != ?
             AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.assignment_id = a.id)""",
        [SHOPPER, assignment_id(db)]).fetchone()[0]
    token = csrf_token(shopper, "/field/")
    response = shopper.post(f"/field/assignments/{other}/start",
                            data={"csrf_token": token, "uuid": VISIT_UUID})
    assert response.status_code == 409
    assert "already in use" in response.get_data(as_text=True)
    assert db.execute("SELECT assignment_id FROM visits WHERE uuid = ?",
                      [VISIT_UUID]).fetchone()[0] == assignment_id(db)


def test_a_missing_position_field_gets_the_plain_message(shopper, db):
    response = start(shopper, db, position_status="given")
    assert response.status_code == 400
    assert "The request could not be understood." in response.get_data(as_text=True)


def test_coming_back_resumes_at_the_touchpoint_left(shopper, db):
    start(shopper, db)
    shopper.get(f"/field/visits/{VISIT_UUID}/touchpoints/4")
    home = shopper.get("/field/").get_data(as_text=True)
    assert f'href="/field/visits/{VISIT_UUID}"' in home
    response = shopper.get(f"/field/visits/{VISIT_UUID}")
    assert response.headers["Location"].endswith(f"/field/visits/{VISIT_UUID}/touchpoints/4")


def test_touchpoint_screen_shows_progress_and_controls(shopper, db):
    start(shopper, db)
    page = shopper.get(f"/field/visits/{VISIT_UUID}/touchpoints/2").get_data(as_text=True)
    assert re.search(r"<strong>Parking</strong> 2/6", page)
    assert 'capture="environment"' in page
    assert "Guidance" in page
    page = shopper.get(f"/field/visits/{VISIT_UUID}/touchpoints/3").get_data(as_text=True)
    assert 'inputmode="decimal"' in page  # rings before answer: a numeric keypad
    assert "data-stopwatch" in page  # hold time
    assert shopper.get(f"/field/visits/{VISIT_UUID}/touchpoints/7").status_code == 404


def test_answers_are_saved_and_shown_again(shopper, db):
    start(shopper, db)
    version = version_of(db)
    greeted = qid(version, "reception", "greeted_within_30s")
    wait = qid(version, "reception", "wait_to_be_served")
    response = post_touchpoint(shopper, 1, {
        f"q-{greeted}": "yes", f"q-{wait}": "95", f"note-{greeted}": "Within ten seconds",
        "moment": "golden", "reason": "Greeted by name", "tp-note": "Busy morning",
        "go": "next"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/touchpoints/2")
    answers = answers_of(db, visit_row(db)["id"], version)
    assert answers[("reception", "greeted_within_30s")].value == "yes"
    assert answers[("reception", "wait_to_be_served")].value == 95
    page = shopper.get(f"/field/visits/{VISIT_UUID}/touchpoints/1").get_data(as_text=True)
    assert re.search(rf'name="q-{greeted}" value="yes" checked', page)
    assert "Within ten seconds" in page and "Greeted by name" in page and "Busy morning" in page
    assert "01:35" in page  # the stopwatch shows the saved wait


def test_autosave_answers_json_and_reports_bad_fields_without_losing_good_ones(shopper, db):
    start(shopper, db)
    version = version_of(db)
    greeted = qid(version, "reception", "greeted_within_30s")
    looks = qid(version, "reception", "staff_appearance")
    response = post_touchpoint(shopper, 1, {f"q-{greeted}": "yes", f"q-{looks}": "7"},
                               headers=JSON)
    assert response.status_code == 422
    assert response.json == {"saved": True,
                             "errors": {f"q-{looks}": "Choose a score from 1 to 5."}}
    answers = answers_of(db, visit_row(db)["id"], version)
    assert answers[("reception", "greeted_within_30s")].value == "yes"
    assert ("reception", "staff_appearance") not in answers


@pytest.mark.parametrize(("field", "value", "message"), [
    ("note", "x" * 2001, "keep it under 2,000"),
    ("reason", "x" * 201, "keep it under 200"),
    ("na", "na", "“Not applicable” is not an option"),
    ("foreign", "yes", "is not part of this visit"),
    ("rings", "-3", "Enter a number from 0"),
    ("rings", "lots", "Enter a number."),
])
def test_bad_input_is_a_clear_422_in_the_page(shopper, db, field, value, message):
    start(shopper, db)
    version = version_of(db)
    greeted = qid(version, "reception", "greeted_within_30s")
    form = {
        "note": {f"q-{greeted}": "yes", f"note-{greeted}": value},
        "reason": {f"q-{greeted}": "yes", "reason": value},
        "na": {f"q-{greeted}": value},
        "foreign": {f"q-{greeted}": "yes", f"q-{qid(version, 'phone', 'call_answered')}": value},
        "rings": {f"q-{qid(version, 'phone', 'rings_before_answer')}": value},
    }[field]
    response = post_touchpoint(shopper, 3 if field == "rings" else 1, form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "Some answers were not saved" in page
    if field not in ("na", "rings"):
        answers = answers_of(db, visit_row(db)["id"], version)
        assert answers[("reception", "greeted_within_30s")].value == "yes"


def test_photo_upload_thumbnail_and_who_may_see_it(app, shopper, db):
    start(shopper, db)
    version = version_of(db)
    response = upload(shopper, version, "parking", "car_park_photo")
    assert response.status_code == 201
    photo = response.json["photo"]
    assert photo["width"] == 640 and photo["height"] == 480
    thumb = shopper.get(photo["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert "no-store" in thumb.headers["Cache-Control"]
    assert Image.open(io.BytesIO(thumb.data)).size == (400, 300)
    stored = next(db.query("SELECT * FROM photos WHERE uuid = ?", [photo["uuid"]]))
    assert "IMG_0001" not in stored["stored_name"]
    assert Path(app.config["PHOTO_FOLDER"], stored["stored_name"]).exists()
    for email, status in ((OTHER_SHOPPER, 404), (MANAGER_A, 404), (OFFICE, 200)):
        other = app.test_client()
        AuthActions(other).login(email)
        assert other.get(photo["display_url"]).status_code == status, email


def test_a_repeated_photo_is_stored_once_and_different_bytes_are_refused(shopper, db):
    start(shopper, db)
    version = version_of(db)
    data = jpeg_bytes()
    first = upload(shopper, version, "parking", "car_park_photo", data)
    again = upload(shopper, version, "parking", "car_park_photo", data)
    assert first.status_code == again.status_code == 201
    assert first.json["photo"]["sha256"] == again.json["photo"]["sha256"]
    assert visit_photo_count(db) == 1
    other = upload(shopper, version, "parking", "car_park_photo", jpeg_bytes(color=(0, 0, 255)))
    assert other.status_code == 422
    assert "different photo" in other.json["error"]["message"]


def test_a_file_that_is_not_a_photo_is_refused_clearly(shopper, db):
    start(shopper, db)
    response = upload(shopper, version_of(db), "parking", "car_park_photo",
                      b"<!doctype html><html><body>not a photo</body></html>")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "not_an_image"
    assert visit_photo_count(db) == 0


def test_an_oversized_upload_is_413_and_saved_answers_stay(instance, seeded_database):
    from .conftest import copy_seed, make_app
    copy_seed(seeded_database, instance)
    app = make_app(instance, MAX_CONTENT_LENGTH=200_000)
    client = app.test_client()
    AuthActions(client).login(SHOPPER)
    from shopper.store.connection import connect
    db = connect(app.config["DATABASE"])
    start(client, db)
    version = version_of(db)
    greeted = qid(version, "reception", "greeted_within_30s")
    post_touchpoint(client, 1, {f"q-{greeted}": "yes"}, headers=JSON)
    big = upload(client, version, "parking", "car_park_photo", b"\xff\xd8" + b"0" * 300_000)
    assert big.status_code == 413
    assert big.json["error"]["message"] == "That upload is too large."
    assert answers_of(db, visit_row(db)["id"], version)[
        ("reception", "greeted_within_30s")].value == "yes"
    db.close()


def test_a_photo_sent_with_the_plain_form_is_kept(shopper, db):
    start(shopper, db)
    version = version_of(db)
    field = f"photo-{qid(version, 'parking', 'car_park_photo')}"
    response = post_touchpoint(shopper, 2, {field: (io.BytesIO(jpeg_bytes()), "car.jpg"),
                                            "go": "next"})
    assert response.status_code == 303
    assert visit_photo_count(db) == 1


def test_removing_a_photo(app, shopper, db):
    start(shopper, db)
    files_before = photo_files(app)
    photo = upload(shopper, version_of(db), "parking", "car_park_photo").json["photo"]
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/touchpoints/2")
    assert shopper.post(photo["delete_url"], data={"csrf_token": token},
                        headers=JSON).status_code == 200
    assert visit_photo_count(db) == 0
    assert shopper.get(photo["thumb_url"]).status_code == 404
    assert photo_files(app) == files_before


def test_review_lists_what_is_missing_and_blocks_submission(shopper, db):
    start(shopper, db)
    page = shopper.get(f"/field/visits/{VISIT_UUID}/review").get_data(as_text=True)
    assert "Still to do before you can submit" in page
    assert "Were you greeted within 30 seconds" in page
    assert "photo needed" in page
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/review")
    response = shopper.post(f"/field/visits/{VISIT_UUID}/submit", data={"csrf_token": token},
                            follow_redirects=True)
    assert ("Some required answers, or the notes and photos an answer needs, are missing"
            in response.get_data(as_text=True))
    assert visit_row(db)["status"] == "draft"


def test_submitting_scores_the_visit_and_locks_it(shopper, db):
    start(shopper, db)
    version = complete(shopper, db)
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/review")
    response = shopper.post(f"/field/visits/{VISIT_UUID}/submit", data={"csrf_token": token},
                            follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "sent for review" in page
    assert "waiting for review" in page
    visit = visit_row(db)
    assert visit["status"] == "submitted" and visit["ended_at"] and visit["submitted_at"]
    expected = score_visit(version.checklist, answers_of(db, visit["id"], version))
    assert visit["score"] == expected.score == 100
    assert f"/field/assignments/{assignment_id(db)}/start" not in \
        shopper.get("/field/").get_data(as_text=True)
    greeted = qid(version, "reception", "greeted_within_30s")
    locked = post_touchpoint(shopper, 1, {f"q-{greeted}": "no"}, headers=JSON,
                             path=f"/field/visits/{VISIT_UUID}/touchpoints/1")
    assert locked.status_code == 409
    assert answers_of(db, visit["id"], version)[("reception", "greeted_within_30s")].value == "yes"


def sent_and_returned(shopper, db, comment: str) -> str:
    """A visit started, completed and sent, then returned by head office; a form token."""
    start(shopper, db)
    complete(shopper, db)
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/review")
    shopper.post(f"/field/visits/{VISIT_UUID}/submit", data={"csrf_token": token})
    office = db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    change_status(db, visit_row(db)["id"], "returned", actor_id=office, comment=comment)
    return token


def test_a_returned_visit_is_answered_and_sent_again(shopper, db):
    token = sent_and_returned(shopper, db, "Please add the time you waited at reception.")
    home = shopper.get("/field/").get_data(as_text=True)
    assert "Returned to you" in home and "Please add the time you waited" in home
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/review")
    refused = shopper.post(f"/field/visits/{VISIT_UUID}/submit", data={"csrf_token": token},
                           follow_redirects=True)
    assert "answer head office" in refused.get_data(as_text=True)
    assert visit_row(db)["status"] == "returned"
    shopper.post(f"/field/visits/{VISIT_UUID}/submit",
                 data={"csrf_token": token, "reply": "Added: 95 seconds."})
    assert visit_row(db)["status"] == "submitted"
    reply = db.execute("SELECT comment FROM audit_log WHERE action = 'shopper_replied'"
                       ).fetchone()[0]
    assert reply == "Added: 95 seconds."


def test_a_sent_visit_opens_read_only_with_its_answers_photos_and_comments(shopper, db):
    """From the home page's sent visits: what was answered, each touchpoint's photos, and
    what head office wrote when it returned the visit; nothing to change."""
    token = sent_and_returned(shopper, db, "Please add the time you waited at reception.")
    shopper.post(f"/field/visits/{VISIT_UUID}/submit",
                 data={"csrf_token": token, "reply": "Added: 95 seconds."})
    home = shopper.get("/field/").get_data(as_text=True)
    assert f'href="/field/visits/{VISIT_UUID}/review"' in home
    page = shopper.get(f"/field/visits/{VISIT_UUID}/review").get_data(as_text=True)
    assert "Your sent visit" in page and "Submit visit" not in page
    assert "Were you greeted within 30 seconds of coming in?" in page
    assert "<dd>Yes</dd>" in page
    assert "Head office's comments" in page
    assert "Please add the time you waited at reception." in page
    photo = db.execute("SELECT p.uuid FROM photos p JOIN visits v ON v.id = p.visit_id "
                       "WHERE v.uuid = ?", [VISIT_UUID]).fetchone()[0]
    assert f"/photos/{photo}/thumb" in page


def test_another_shoppers_visit_is_not_found(app, shopper, db):
    start(shopper, db)
    version = version_of(db)
    other = app.test_client()
    AuthActions(other).login(OTHER_SHOPPER)
    for path in (f"/field/visits/{VISIT_UUID}/touchpoints/1", f"/field/visits/{VISIT_UUID}/review"):
        assert other.get(path).status_code == 404
    token = csrf_token(other, "/field/")
    response = other.post(f"/field/visits/{VISIT_UUID}/touchpoints/1", headers=JSON, data={
        "csrf_token": token, f"q-{qid(version, 'reception', 'greeted_within_30s')}": "no"})
    assert response.status_code == 404
    assert other.post(f"/field/assignments/{assignment_id(db)}/start",
                      data={"csrf_token": token}).status_code == 404


def test_stored_answer_values_are_json(db, shopper):
    start(shopper, db)
    version = version_of(db)
    rings = qid(version, "phone", "rings_before_answer")
    post_touchpoint(shopper, 3, {f"q-{rings}": "2"})
    raw = db.execute("SELECT value FROM answers WHERE question_id = ?", [rings]).fetchone()[0]
    assert json.loads(raw) == 2


def test_starting_a_sent_assignment_again_opens_the_sent_visit(shopper, db):
    start(shopper, db)
    complete(shopper, db)
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/review")
    shopper.post(f"/field/visits/{VISIT_UUID}/submit", data={"csrf_token": token})
    again = start(shopper, db, uuid="1e4b0a3c-0000-4000-8000-000000000000")
    assert again.headers["Location"].endswith(f"/field/visits/{VISIT_UUID}")
    assert db.execute("SELECT COUNT(*) FROM visits WHERE assignment_id = ?",
                      [assignment_id(db)]).fetchone()[0] == 1


def test_a_rejected_moment_reason_or_note_keeps_what_was_saved(shopper, db):
    start(shopper, db)
    post_touchpoint(shopper, 1, {"moment": "golden", "reason": "Greeted by name",
                                 "tp-note": "Lovely staff"})
    for bad in ({"moment": "shiny"}, {"reason": "x" * 201}, {"tp-note": "x" * 2001}):
        form = {"moment": "golden", "reason": "Greeted by name", "tp-note": "Lovely staff", **bad}
        assert post_touchpoint(shopper, 1, form).status_code == 422
    row = next(db.query("SELECT moment, moment_reason, note FROM visit_touchpoints "
                        "WHERE visit_id = ? AND touchpoint_key = 'reception'",
                        [visit_row(db)["id"]]))
    assert row == {"moment": "golden", "moment_reason": "Greeted by name",
                   "note": "Lovely staff"}


@pytest.mark.parametrize("form", [{"go": "²"}, {"go": "9" * 5000}, {"q-" + "1" * 5000: "yes"}])
def test_odd_form_fields_never_cause_a_500(shopper, db, form):
    start(shopper, db)
    response = post_touchpoint(shopper, 1, form)
    assert response.status_code in (303, 422)


def test_a_huge_id_in_a_url_is_not_found(shopper, db):
    token = csrf_token(shopper, "/field/")
    response = shopper.post("/field/assignments/99999999999999999999999/start",
                            data={"csrf_token": token})
    assert response.status_code == 404


def test_nonsense_position_accuracy_is_not_stored(shopper, db):
    start(shopper, db, position_status="given", latitude="53.798", longitude="-1.542",
          accuracy="inf")
    assert visit_row(db)["position_accuracy_m"] is None
    assert visit_row(db)["position_distance_m"] is not None


@pytest.mark.parametrize("data", [b"h", b"hi", b"abc"])
def test_a_few_bytes_are_not_a_photo(shopper, db, data):
    start(shopper, db)
    response = upload(shopper, version_of(db), "parking", "car_park_photo", data)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "not_an_image"


@pytest.mark.parametrize(("fields", "message"), [
    ({"uuid": ""}, "This photo has no valid id"),
    ({"question_id": "1.5"}, "not part of this visit's checklist"),
    ({"question_id": "9" * 5000}, "not part of this visit's checklist"),
])
def test_photo_refusals_are_sentences(shopper, db, fields, message):
    start(shopper, db)
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/touchpoints/1")
    form = {"csrf_token": token, "uuid": "7d0f5e38-7a4c-4f3a-8d8e-1f2a3b4c5d6e",
            "question_id": str(qid(version_of(db), "parking", "car_park_photo")),
            "photo": (io.BytesIO(jpeg_bytes()), "a.jpg"), **fields}
    response = shopper.post(f"/field/visits/{VISIT_UUID}/photos", headers=JSON, data=form)
    assert response.status_code == 422
    assert message in response.json["error"]["message"]


def test_the_same_photo_sent_in_parallel_is_stored_once(app, db):
    import threading
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        AuthActions(c).login(SHOPPER)
    start(clients[0], db)
    version = version_of(db)
    data = jpeg_bytes()
    files_before = photo_files(app)
    statuses = []
    barrier = threading.Barrier(len(clients))

    def send(c):
        barrier.wait()
        statuses.append(upload(c, version, "parking", "car_park_photo", data).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 4
    assert visit_photo_count(db) == 1
    assert photo_files(app) == files_before + 2  # a display copy and a thumbnail: no orphans


def test_review_counts_answers_not_rows(shopper, db):
    start(shopper, db)
    complete(shopper, db)
    page = shopper.get(f"/field/visits/{VISIT_UUID}/review").get_data(as_text=True)
    counts = re.findall(r"(\d+)/(\d+) answered", page)
    assert counts and all(int(a) == int(b) for a, b in counts)


def test_on_the_page_a_missing_note_blocks_submission_and_is_named(shopper, db):
    """The no-JavaScript path: the touchpoint form, the review page and Submit."""
    start(shopper, db)
    version = complete(shopper, db)
    form = best_answers(version, 4)
    pressured = version.question_ids[("service_desk", "pressured_to_buy")]
    form[f"q-{pressured}"] = "yes"
    assert post_touchpoint(shopper, 4, form).status_code == 303
    page = shopper.get(f"/field/visits/{VISIT_UUID}/review").get_data(as_text=True)
    assert "A note on: Did you feel pressured to buy or sign there and then?" in page
    assert "note needed" in page
    token = csrf_token(shopper, f"/field/visits/{VISIT_UUID}/review")
    refused = shopper.post(f"/field/visits/{VISIT_UUID}/submit", data={"csrf_token": token},
                          follow_redirects=True)
    assert "the notes and photos an answer needs, are missing" in refused.get_data(as_text=True)
    form[f"note-{pressured}"] = "Told the offer ends today."
    assert post_touchpoint(shopper, 4, form).status_code == 303
    sent = shopper.post(f"/field/visits/{VISIT_UUID}/submit", data={"csrf_token": token})
    assert sent.status_code == 303
    assert next(db.query("SELECT status FROM visits WHERE uuid = ?", [VISIT_UUID]))[
        "status"] == "submitted"
