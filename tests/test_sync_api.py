"""The sync API: idempotent by UUID and sha256, conflicts refused, incomplete visits wait
for their photos, every reply says what the server holds, and the document is true."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from PIL import Image

from shopper.store.checklists import load_version

from .factories import an_assignment, visit_timing
from .support import OFFICE, OTHER_SHOPPER, SHOPPER, AuthActions

VISIT = "3f1d2c4b-5a69-4e7d-8c9b-0a1b2c3d4e5f"
PHOTO = "9e8d7c6b-5a49-4382-9170-a1b2c3d4e5f6"


def jpeg(color="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "JPEG")
    return out.getvalue()


class Api:
    """A signed-in phone talking to the sync API."""

    def __init__(self, client):
        self.client = client
        self.token = client.get("/api/v1/session").json["csrf_token"]

    def put(self, uuid, payload, token=True):
        headers = {"X-CSRFToken": self.token} if token else {}
        return self.client.put(f"/api/v1/visits/{uuid}", json=payload, headers=headers)

    def photo(self, uuid, photo_uuid, data, sha=None):
        return self.client.put(f"/api/v1/visits/{uuid}/photos/{photo_uuid}", data=data,
                               content_type="image/jpeg", headers={
                                   "X-CSRFToken": self.token,
                                   "X-Content-SHA256": sha or hashlib.sha256(data).hexdigest()})


@pytest.fixture
def api(client):
    AuthActions(client).login(SHOPPER)
    return Api(client)


@pytest.fixture
def assignment(api):
    return next(a for a in api.client.get("/api/v1/assignments").json["assignments"]
                if a["branch_code"] == "LDS01")


@pytest.fixture
def version(db, assignment):
    return load_version(db, assignment["version_id"])


def full_payload(assignment, version, photos=(), submit=False) -> dict:
    """Every question answered so that every standard is met."""
    answers = []
    for tp, q in version.checklist.questions():
        value = {"yes_no": q.expected, "scale": 5, "number": q.target, "duration": q.target,
                 "text": "Priya", "choice": max(q.options, key=lambda o: o.points).label
                 if q.options else None,
                 "multi_choice": [o.label for o in q.options]}.get(q.kind)
        if q.kind != "photo":
            answers.append({"question_id": version.question_ids[(tp.key, q.key)],
                            "value": value, "na": False, "note": ""})
    return {"assignment_id": assignment["id"], "version_id": version.id,
            "started_at": "2026-11-25T09:30:00Z",
            "position": {"status": "given", "latitude": 53.798, "longitude": -1.542,
                         "accuracy_m": 10},
            "answers": answers,
            "touchpoints": [{"touchpoint_id": version.touchpoint_ids["reception"],
                             "moment": "golden", "reason": "Greeted by name", "note": ""}],
            "photos": list(photos), "submit": submit, "timing": visit_timing()}


def receipt(version, data, photo_uuid=PHOTO) -> dict:
    return {"uuid": photo_uuid, "sha256": hashlib.sha256(data).hexdigest(),
            "question_id": version.question_ids[("service_desk", "receipt_photo")],
            "touchpoint_id": None, "caption": "Receipt"}


def visit_count(db) -> int:
    return db.execute("SELECT COUNT(*) FROM visits WHERE uuid = ?", [VISIT]).fetchone()[0]


def test_the_document_describes_exactly_the_registered_api_routes(app, client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item}
    registered = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            registered |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == registered


def test_the_same_payload_twice_stores_one_visit(api, db, assignment, version):
    payload = full_payload(assignment, version)
    first, second = api.put(VISIT, payload), api.put(VISIT, payload)
    assert first.status_code == second.status_code == 200
    assert first.json == second.json
    assert first.json["visit"]["status"] == "draft"
    assert first.json["visit"]["answers"] == len(payload["answers"])
    assert visit_count(db) == 1
    visit = next(db.query("SELECT * FROM visits WHERE uuid = ?", [VISIT]))
    assert visit["position_status"] == "given" and visit["started_at"] == "2026-11-25T09:30:00Z"


def test_a_draft_is_replaced_by_the_latest_payload(api, db, assignment, version):
    payload = full_payload(assignment, version)
    api.put(VISIT, payload)
    payload["answers"] = payload["answers"][:3]
    assert api.put(VISIT, payload).json["visit"]["answers"] == 3


def test_submitting_without_its_photos_waits_incomplete_then_completes(api, db, assignment,
                                                                       version):
    data = jpeg()
    reply = api.put(VISIT, full_payload(assignment, version, [receipt(version, data)],
                                        submit=True))
    assert reply.status_code == 200
    assert reply.json["visit"]["status"] == "incomplete"
    assert reply.json["visit"]["missing_photos"] == [PHOTO]
    assert db.execute("SELECT score FROM visits WHERE uuid = ?", [VISIT]).fetchone()[0] is None
    photo = api.photo(VISIT, PHOTO, data)
    assert photo.status_code == 200
    state = photo.json["visit"]
    assert state["status"] == "submitted" and state["missing_photos"] == []
    assert state["photos"] == [{"uuid": PHOTO, "sha256": hashlib.sha256(data).hexdigest()}]
    assert db.execute("SELECT score FROM visits WHERE uuid = ?", [VISIT]).fetchone()[0] == 100


def test_a_photo_repeated_is_a_no_op_and_different_bytes_are_refused(api, db, assignment,
                                                                     version):
    data = jpeg()
    api.put(VISIT, full_payload(assignment, version, [receipt(version, data)]))
    assert api.photo(VISIT, PHOTO, data).status_code == 200
    again = api.photo(VISIT, PHOTO, data)
    assert again.status_code == 200
    assert db.execute("SELECT COUNT(*) FROM photos WHERE uuid = ?", [PHOTO]).fetchone()[0] == 1
    other = api.photo(VISIT, PHOTO, jpeg("blue"))
    assert other.status_code == 409
    assert other.json["error"]["code"] == "photo_conflict"


def test_a_photo_id_is_looked_up_within_its_visit_only(app, api, db, assignment, version):
    """Sending a photo under another visit's photo id is answered exactly as under a fresh
    id: nobody learns which ids exist, and the other visit's photo is untouched."""
    mine = jpeg("red")
    api.put(VISIT, full_payload(assignment, version, [receipt(version, mine)]))
    assert api.photo(VISIT, PHOTO, mine).status_code == 200

    ids = {email: db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[0]
           for email in (OTHER_SHOPPER, OFFICE)}
    branch = db.execute("SELECT id FROM branches WHERE code = 'LDS01'").fetchone()[0]
    for _ in range(2):
        given = an_assignment(db, branch_id=branch, shopper_id=ids[OTHER_SHOPPER],
                              checklist_id=version.checklist_id, created_by=ids[OFFICE])
        db.execute("UPDATE assignments SET (window_start, window_end) = (SELECT "
                   "window_start, window_end FROM assignments WHERE id = ?) WHERE id = ?",
                   [assignment["id"], given])
    other = app.test_client()
    AuthActions(other).login(OTHER_SHOPPER)
    other_api = Api(other)
    theirs = other.get("/api/v1/assignments").json["assignments"]
    fresh = "0b0c0d0e-1f20-4a3b-8c4d-5e6f70819203"
    answers = {}
    for given, visit, photo in ((theirs[0], "aaaaaaaa-0000-4000-8000-000000000001", PHOTO),
                                (theirs[1], "aaaaaaaa-0000-4000-8000-000000000002", fresh)):
        data = jpeg("blue")
        listed = other_api.put(visit, full_payload(given, version,
                                                   [receipt(version, data, photo)]))
        sent = other_api.photo(visit, photo, data)
        answers[photo] = (listed.status_code, sent.status_code,
                          [p["uuid"] == photo for p in sent.json["visit"]["photos"]])
    assert answers[PHOTO] == answers[fresh] == (200, 200, [True])
    # The first shopper's photo is still theirs, under its own name.
    assert db.execute("SELECT v.uuid FROM photos p JOIN visits v ON v.id = p.visit_id "
                      "WHERE p.uuid = ?", [PHOTO]).fetchone()[0] == VISIT
    shown = api.client.get(f"/photos/{PHOTO}/thumb")
    assert shown.status_code == 200


def test_a_photo_damaged_in_transit_is_refused(api, assignment, version):
    data = jpeg()
    api.put(VISIT, full_payload(assignment, version, [receipt(version, data)]))
    damaged = api.photo(VISIT, PHOTO, data[:-100], sha=hashlib.sha256(data).hexdigest())
    assert damaged.status_code == 422
    assert damaged.json["error"]["code"] == "sha256_mismatch"


def test_a_photo_the_visit_does_not_list_is_refused(api, assignment, version):
    api.put(VISIT, full_payload(assignment, version))
    response = api.photo(VISIT, PHOTO, jpeg())
    assert response.status_code == 409
    assert response.json["error"]["code"] == "unknown_photo"


def test_a_sent_visit_answers_the_same_payload_and_refuses_a_different_one(api, db,
                                                                           assignment, version):
    data = jpeg()
    payload = full_payload(assignment, version, [receipt(version, data)], submit=True)
    api.put(VISIT, payload)
    api.photo(VISIT, PHOTO, data)
    again = api.put(VISIT, payload)
    assert again.status_code == 200 and again.json["visit"]["status"] == "submitted"
    changed = dict(payload, answers=payload["answers"][:-1])
    refused = api.put(VISIT, changed)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "already_sent"
    assert db.execute("SELECT COUNT(*) FROM answers a JOIN visits v ON v.id = a.visit_id "
                      "WHERE v.uuid = ? AND a.value IS NOT NULL", [VISIT]).fetchone()[0] == \
        len(payload["answers"])


def test_invalid_answers_are_422_with_fields_and_store_nothing(api, db, assignment, version):
    payload = full_payload(assignment, version)
    payload["answers"][0]["value"] = "maybe"
    payload["answers"].append({"question_id": 999999, "value": "yes"})
    response = api.put(VISIT, payload)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert fields["answers[0].value"] == "Choose yes or no."
    assert "not part of this visit" in fields[f"answers[{len(payload['answers']) - 1}]"
                                              ".question_id"]
    assert visit_count(db) == 0


def test_submitting_with_required_answers_missing_is_422(api, db, assignment, version):
    payload = full_payload(assignment, version, submit=True)
    payload["answers"] = payload["answers"][1:]
    response = api.put(VISIT, payload)
    assert response.status_code == 422
    assert "reception.greeted_within_30s" in response.json["error"]["fields"]
    assert "service_desk.receipt_photo" in response.json["error"]["fields"]
    assert db.execute("SELECT status FROM visits WHERE uuid = ?", [VISIT]).fetchone() is None


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"assignment_id": "x"}'])
def test_malformed_bodies_are_clear_4xx(api, body):
    response = api.client.put(f"/api/v1/visits/{VISIT}", data=body,
                              content_type="application/json",
                              headers={"X-CSRFToken": api.token})
    assert response.status_code in (400, 422)
    assert response.json["error"]["message"]


@pytest.mark.parametrize("path", [f"/api/v1/visits/{VISIT}", f"/api/v1/visits/{VISIT}/follow-ups"])
@pytest.mark.parametrize("depth", [17, 975, 100_000])
def test_deeply_nested_json_is_400_bad_json(api, db, path, depth):
    """A thousand `[` would exhaust the JSON parser's stack: a clear 400, nothing kept."""
    body = b"[" * depth + b"]" * depth
    response = api.client.put(path, data=body, content_type="application/json",
                              headers={"X-CSRFToken": api.token})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_json"
    assert "nested at most 16 deep" in response.json["error"]["message"]
    assert visit_count(db) == 0


def test_a_payload_nested_as_deep_as_allowed_is_judged_on_its_shape(api):
    body = {"assignment_id": {"a": [[[[[[[[[[[[[[1]]]]]]]]]]]]]]}}  # 16 deep
    response = api.put(VISIT, body)
    assert response.status_code == 422
    assert "assignment_id" in response.json["error"]["fields"]


def test_not_a_uuid_is_422(api, assignment, version):
    response = api.put("not-a-uuid", full_payload(assignment, version))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_uuid"


def test_an_expired_session_is_401_json_and_the_phone_keeps_its_item(client):
    response = client.put(f"/api/v1/visits/{VISIT}", json={})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_a_missing_csrf_token_is_refused(api, assignment, version):
    response = api.put(VISIT, full_payload(assignment, version), token=False)
    assert response.status_code == 400
    assert "expired" in response.json["error"]["message"]


def test_another_shoppers_visit_is_not_found(app, api, assignment, version):
    api.put(VISIT, full_payload(assignment, version))
    other = app.test_client()
    AuthActions(other).login(OTHER_SHOPPER)
    other_api = Api(other)
    assert other.get(f"/api/v1/visits/{VISIT}").status_code == 404
    assert other_api.put(VISIT, full_payload(assignment, version)).status_code == 422
    assert other_api.photo(VISIT, PHOTO, jpeg()).status_code == 404


def test_a_too_large_photo_is_413(instance, seeded_database, assignment, version):
    from .conftest import copy_seed, make_app
    copy_seed(seeded_database, instance)
    small = make_app(instance, MAX_CONTENT_LENGTH=10_000)
    client = small.test_client()
    AuthActions(client).login(SHOPPER)
    api = Api(client)
    data = jpeg() + b"\0" * 20_000
    api.put(VISIT, full_payload(assignment, version, [receipt(version, data)]))
    response = api.photo(VISIT, PHOTO, data)
    assert response.status_code == 413
    assert response.json["error"]["message"] == "That upload is too large."


def test_the_checklist_version_for_offline_use(api, version):
    body = api.client.get(f"/api/v1/checklist-versions/{version.id}").json["version"]
    assert [t["key"] for t in body["touchpoints"]] == [
        "reception", "parking", "phone", "service_desk", "delivery", "follow_up"]
    first = body["touchpoints"][0]["questions"][0]
    assert first["id"] == version.question_ids[("reception", first["key"])]
    assert {"text", "standard", "guidance", "kind", "na_allowed", "required"} <= first.keys()


def test_the_document_serves_the_schema_the_server_validates_against(client):
    from shopper.domain.sync_schema import VISIT_PAYLOAD
    document = client.get("/api/openapi.json").json
    put = document["paths"]["/api/v1/visits/{visit_uuid}"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"] == VISIT_PAYLOAD
    assert document["components"]["schemas"]["VisitPayload"] == VISIT_PAYLOAD


def test_every_shape_error_is_reported_per_field_in_sentences(api, db, assignment, version):
    payload = full_payload(assignment, version)
    payload["started_at"] = "2026-02-30T09:30:00Z"
    payload["position"] = {"status": "given", "latitude": 91, "longitude": "west",
                           "accuracy_m": -1}
    payload["answers"][0]["note"] = "x" * 2100
    payload["answers"][1]["na"] = "yes"
    payload["answers"][2]["question_id"] = 1.0
    payload["touchpoints"][0]["moment"] = "shiny"
    payload["photos"] = [{"uuid": PHOTO.replace("-", ""), "sha256": "0" * 64 + "\n",
                          "touchpoint_id": True}, {"caption": 7}]
    payload["submit"] = "yes"
    response = api.put(VISIT, payload)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert response.json["error"]["fields"] == {
        "started_at": "A time such as 2026-11-25T09:30:00Z is required.",
        "position.latitude": "Must be from -90 to 90.",
        "position.longitude": "Must be a number.",
        "position.accuracy_m": "Must be 0 or more.",
        "answers[0].note": "The note is 2,100 characters long: keep it under 2,000.",
        "answers[1].na": "Must be true or false.",
        "answers[2].question_id": "Must be a whole number.",
        "touchpoints[0].moment": "Must be golden, dull or null.",
        "photos[0].uuid": "A UUID such as 3f1d2c4b-5a69-4e7d-8c9b-0a1b2c3d4e5f is required.",
        "photos[0].sha256": "The photo's sha256, in lowercase hex, is required.",
        "photos[0].touchpoint_id": "Must be a whole number or null.",
        "photos[1].uuid": "A UUID such as 3f1d2c4b-5a69-4e7d-8c9b-0a1b2c3d4e5f is required.",
        "photos[1].sha256": "The photo's sha256, in lowercase hex, is required.",
        "photos[1].caption": "Must be text.",
        "submit": "Must be true or false.",
    }
    assert visit_count(db) == 0


@pytest.mark.parametrize("value", [True, 1.0, 0, -1, 2**63, 10**400],
                         ids=["true", "float", "zero", "negative", "beyond-sqlite", "huge"])
def test_an_id_is_a_whole_number_sqlite_can_hold(api, db, assignment, version, value):
    payload = full_payload(assignment, version)
    payload["touchpoints"][0]["touchpoint_id"] = value
    response = api.put(VISIT, payload)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["touchpoints[0].touchpoint_id"]
    assert visit_count(db) == 0


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_numbers_json_does_not_have_are_refused(api, db, assignment, version, number):
    """Python's json reads NaN and Infinity; JSON Schema's bounds do not catch NaN."""
    body = json.dumps(full_payload(assignment, version)).replace('"accuracy_m": 10',
                                                                 f'"accuracy_m": {number}')
    response = api.client.put(f"/api/v1/visits/{VISIT}", data=body,
                              content_type="application/json",
                              headers={"X-CSRFToken": api.token})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"position.accuracy_m": "Must be a number or null."}
    assert visit_count(db) == 0


def test_a_missing_field_is_named(api, db, assignment, version):
    payload = full_payload(assignment, version)
    del payload["started_at"]
    payload["position"] = {"status": "given", "latitude": 53.8}
    payload["answers"][0].pop("question_id")
    response = api.put(VISIT, payload)
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "started_at": "A time such as 2026-11-25T09:30:00Z is required.",
        "position.longitude": "Required.",
        "answers[0].question_id": "Required."}


# Checklist logic (docs/sync.md#checklist-logic): the server enforces the rules.

def answer(payload, version, key, value=None, na=False, note=""):
    """Set one answer of the payload ("touchpoint.question")."""
    qid = version.question_ids[tuple(key.split("."))]
    payload["answers"] = [a for a in payload["answers"] if a["question_id"] != qid]
    payload["answers"].append({"question_id": qid, "value": value, "na": na, "note": note})


def stored(db, version, key):
    qid = version.question_ids[tuple(key.split("."))]
    return next(db.query("SELECT a.value, a.na, a.note FROM answers a "
                         "JOIN visits v ON v.id = a.visit_id WHERE v.uuid = ? AND "
                         "a.question_id = ? AND (a.value IS NOT NULL OR a.na = 1 OR a.note != '')",
                         [VISIT, qid]), None)


def test_an_answer_to_a_hidden_question_is_not_stored(api, db, assignment, version):
    payload = full_payload(assignment, version)
    answer(payload, version, "phone.call_answered", "no")
    answer(payload, version, "phone.rings_before_answer", 2, note="two rings")
    reply = api.put(VISIT, payload)
    assert reply.status_code == 200
    assert stored(db, version, "phone.call_answered")["value"] == '"no"'
    assert stored(db, version, "phone.rings_before_answer") is None
    answer(payload, version, "phone.call_answered", "yes")  # asked again: kept
    api.put(VISIT, payload)
    assert stored(db, version, "phone.rings_before_answer")["value"] == "2"


def test_a_skipped_touchpoint_needs_none_of_its_answers_to_be_sent(api, db, assignment, version):
    payload = full_payload(assignment, version, [receipt(version, jpeg())], submit=True)
    delivery = {version.question_ids[("delivery", q.key)]
                for q in version.checklist.touchpoints[4].questions}
    payload["answers"] = [a for a in payload["answers"] if a["question_id"] not in delivery]
    answer(payload, version, "delivery.ordered", "no")
    reply = api.put(VISIT, payload)
    assert reply.status_code == 200, reply.json
    api.photo(VISIT, payload["photos"][0]["uuid"], jpeg())
    visit = next(db.query("SELECT status, score FROM visits WHERE uuid = ?", [VISIT]))
    assert visit["status"] == "submitted"
    delivery_score = next(db.query(
        "SELECT vt.score FROM visit_touchpoints vt JOIN visits v ON v.id = vt.visit_id "
        "WHERE v.uuid = ? AND vt.touchpoint_key = 'delivery'", [VISIT]))["score"]
    assert delivery_score is None


def test_a_failed_standard_without_its_evidence_is_refused_naming_the_question(
        api, db, assignment, version):
    payload = full_payload(assignment, version, [receipt(version, jpeg())], submit=True)
    answer(payload, version, "service_desk.pressured_to_buy", "yes")
    answer(payload, version, "delivery.damaged_handed_over", "yes", note="Scratched door")
    reply = api.put(VISIT, payload)
    assert reply.status_code == 422
    assert reply.json["error"]["code"] == "incomplete_answers"
    assert reply.json["error"]["fields"] == {
        "service_desk.pressured_to_buy.note": "A note is required with this answer.",
        "delivery.damaged_handed_over.photo": "A photo is required with this answer."}
    assert list(db.query("SELECT id FROM visits WHERE uuid = ?", [VISIT])) == []  # none of it
    answer(payload, version, "service_desk.pressured_to_buy", "yes", note="Offer ends today")
    damage = {"uuid": "0b5a4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "sha256": receipt(
        version, jpeg("blue"))["sha256"], "caption": "Scratch",
        "question_id": version.question_ids[("delivery", "damaged_handed_over")],
        "touchpoint_id": None}
    payload["photos"].append(damage)
    assert api.put(VISIT, payload).status_code == 200


def test_a_number_out_of_range_is_refused_with_the_checklists_message(api, assignment, version):
    payload = full_payload(assignment, version)
    answer(payload, version, "phone.rings_before_answer", 45)
    reply = api.put(VISIT, payload)
    assert reply.status_code == 422
    fields = reply.json["error"]["fields"]
    assert list(fields.values()) == [
        "Count up to 30 rings; a call not answered by then was not answered."]


def test_multi_choice_answers_are_lists_of_the_options(api, db, assignment, version):
    payload = full_payload(assignment, version)
    answer(payload, version, "service_desk.extras_mentioned", ["A current offer", "Opening hours"])
    assert api.put(VISIT, payload).status_code == 200
    assert stored(db, version, "service_desk.extras_mentioned")["value"] == \
        '["A current offer", "Opening hours"]'
    answer(payload, version, "service_desk.extras_mentioned", [])
    assert api.put(VISIT, payload).status_code == 200
    assert stored(db, version, "service_desk.extras_mentioned")["value"] == "[]"
    answer(payload, version, "service_desk.extras_mentioned", ["Free biscuits"])
    reply = api.put(VISIT, payload)
    assert reply.status_code == 422
    assert "Choose from the options shown" in str(reply.json["error"]["fields"])
