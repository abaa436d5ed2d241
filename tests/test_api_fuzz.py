"""Fuzz the sync API with schemathesis against the app's own /api/openapi.json: for every
operation, a bounded and reproducible run of generated requests (valid and invalid) must
never answer 5xx, and every answer must be what the document says (status code, content
type, body schema, headers), signed in as a shopper and signed out. The regression tests
below pin each defect the fuzzer found, independent of Hypothesis's luck."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core import NotSet
from schemathesis.transport.serialization import serialize_binary

from shopper.domain.sync_schema import ID
from shopper.store.connection import connect

from .conftest import make_app
from .support import SHOPPER, signed_in

CONFIG = {
    "seed": 20261125,
    # derandomized, no example database: CI and every laptop run the same requests
    "generation": {"max-examples": 30, "deterministic": True, "database": "none"},
    "operations": [{
        # Schema-valid is not the same as acceptable: a visit names the shopper's own
        # assignment and questions, and a photo's bytes must be a photo. The API refuses
        # those with 422 and per-field messages, as the document says; any other refusal of
        # schema-valid data (400, 5xx, ...) still fails positive_data_acceptance.
        "include-method": "PUT",
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 422]}},
    }],
}


def load_schema():
    """The document as the app serves it. Loaded once at import from a throwaway app
    (schemathesis.pytest.from_fixture does not run on pytest 9: it reads the removed
    `Node._nodeid`), then each test sends its requests to its own fresh app."""
    with tempfile.TemporaryDirectory() as folder:
        loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", make_app(Path(folder)),
                                                config=schemathesis.Config.from_dict(CONFIG))
    loaded.app = None  # no request may reach the throwaway app
    return loaded


schema = load_schema()


class Phone:
    """A shopper's signed-in client with its CSRF token, and the real ids that generated
    requests are pointed at (see `ground`)."""

    def __init__(self, app):
        self.client = signed_in(app, SHOPPER)
        self.token = self.client.get("/api/v1/session").json["csrf_token"]
        assignments = self.client.get("/api/v1/assignments").json["assignments"]
        self.assignments = [(a["id"], a["version_id"]) for a in assignments]
        self.questions, self.touchpoints = {}, {}
        for _, version_id in self.assignments:
            version = self.client.get(f"/api/v1/checklist-versions/{version_id}").json["version"]
            self.touchpoints[version_id] = [tp["id"] for tp in version["touchpoints"]]
            self.questions[version_id] = [q["id"] for tp in version["touchpoints"]
                                          for q in tp["questions"]]
        db = connect(app.config["DATABASE"])
        try:  # one of the shopper's visits in each status the demo data has
            self.visits = [row[0] for row in db.execute(
                "SELECT MIN(v.uuid) FROM visits v JOIN users u ON u.id = v.shopper_id "
                "WHERE u.email = ? GROUP BY v.status ORDER BY v.status", [SHOPPER])]
        finally:
            db.close()

    def put_visit(self, visit_uuid, payload):
        return self.client.put(f"/api/v1/visits/{visit_uuid}", json=payload,
                               headers={"X-CSRFToken": self.token})


@pytest.fixture
def phone(app):
    return Phone(app)


def _index(value) -> bool:
    """An id the document allows (ids out of its range stay as generated: invalid data)."""
    return type(value) is int and ID["minimum"] <= value <= ID["maximum"]


def _pick(items: list, value: int):
    return items[value % len(items)]


def _slot(text: str, slots: int) -> int:
    """A stable choice among `slots` drawn from a generated value."""
    return int(hashlib.sha256(str(text).encode()).hexdigest(), 16) % slots


def ground(case, phone: Phone) -> None:
    """Point generated ids at real ones, so that the fuzzer reaches the answer, moment and
    photo rules instead of stopping at "no such assignment" every time: an integer id in
    the document's range becomes one of the shopper's own (ids out of range and wrong
    types stay as generated), and a visit UUID becomes, now and then, one of the shopper's
    visits (one of each status). Some photo uploads are first listed by a draft visit with
    their sha256, so that their bytes reach photo decoding."""
    if case.operation.path.endswith("{photo_uuid}"):
        _ground_photo(case, phone)
        return
    visit_uuid = (case.path_parameters or {}).get("visit_uuid")
    if visit_uuid is not None:
        slot = _slot(f"{visit_uuid}|{case.body!r}", len(phone.visits) + 2)
        if slot < len(phone.visits):
            case.path_parameters["visit_uuid"] = phone.visits[slot]
    if case.method == "PUT" and isinstance(case.body, dict):
        _ground_visit(case.body, phone)


def _ground_visit(body: dict, phone: Phone) -> None:
    assignment_id, version_id = body.get("assignment_id"), body.get("version_id")
    if _index(assignment_id):
        body["assignment_id"], own_version = _pick(phone.assignments, assignment_id)
        if _index(version_id):
            body["version_id"] = own_version
    version_id = body.get("version_id")
    if not (_index(version_id) and version_id in phone.questions):
        version_id = phone.assignments[0][1]
    for name, key, ids in (("answers", "question_id", phone.questions[version_id]),
                           ("touchpoints", "touchpoint_id", phone.touchpoints[version_id]),
                           ("photos", "question_id", phone.questions[version_id]),
                           ("photos", "touchpoint_id", phone.touchpoints[version_id])):
        items = body.get(name)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and _index(item.get(key)):
                item[key] = _pick(ids, item[key])


LISTING_VISIT = "0b5ad2f4-1c3e-4b6a-9d7e-5f4a3b2c1d0e"


def _ground_photo(case, phone: Phone) -> None:
    if isinstance(case.body, NotSet):
        return
    data = serialize_binary(case.body)  # the bytes as sent
    slot = _slot(f"{case.path_parameters}|{data!r}", len(phone.visits) + 2)
    if 0 < slot <= len(phone.visits):
        case.path_parameters["visit_uuid"] = phone.visits[slot - 1]
    if slot != 0:
        return
    sha = hashlib.sha256(data).hexdigest()
    assignment_id, version_id = phone.assignments[0]
    listed = phone.put_visit(LISTING_VISIT, {
        "assignment_id": assignment_id, "version_id": version_id,
        "started_at": "2026-11-25T09:30:00Z",
        "photos": [{"uuid": case.path_parameters["photo_uuid"], "sha256": sha,
                    "touchpoint_id": phone.touchpoints[version_id][0]}]})
    if listed.status_code != 200:  # the photo's UUID is not one: keep the case as it is
        return
    case.path_parameters["visit_uuid"] = LISTING_VISIT
    header = (case.headers or {}).get("X-Content-SHA256")
    if isinstance(header, str) and re.fullmatch(r"[0-9a-f]{64}", header):  # invalid ones stay
        case.headers["X-Content-SHA256"] = sha


# Each operation gets a fresh app (and phone); its examples share them, and whatever state
# one example leaves is fair game for the next: hence function-scoped fixtures are fine.
ONE_APP_PER_OPERATION = settings(deadline=None,
                                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.slow  # generated requests; the pinned regressions below stay quick
@schema.parametrize()
@ONE_APP_PER_OPERATION
def test_the_api_answers_a_shopper_as_documented(case, app, phone):
    ground(case, phone)
    # Every default check, none excluded: not_a_server_error, status_code_conformance,
    # content_type_conformance, response_schema_conformance, response_headers_conformance,
    # positive_data_acceptance, negative_data_rejection, missing_required_header,
    # unsupported_method (405 with Allow), ...
    case.call_and_validate(app=app, session=phone.client, headers={"X-CSRFToken": phone.token})


@pytest.mark.slow  # generated requests; the pinned regressions below stay quick
@schema.parametrize()
@ONE_APP_PER_OPERATION
def test_the_api_answers_401_when_signed_out(case, app):
    response = case.call_and_validate(app=app)
    if case.operation.path.startswith("/api/v1/"):
        # 404/405: no such route (a path id that is not a number, a method it lacks)
        assert response.status_code in (401, 404, 405)
        if response.status_code == 401:
            assert response.json()["error"]["code"] == "unauthorized"


# What the fuzzer found, pinned with plain requests.

VISIT = "5c1e7a9d-2b4f-4c8e-9a6d-3f2e1b0c9d8a"
PHOTO = "7d2f8b0e-3c5a-4d9f-8b7e-4a3f2c1d0e9b"


def draft(phone: Phone, **changes) -> dict:
    assignment_id, version_id = phone.assignments[0]
    return {"assignment_id": assignment_id, "version_id": version_id,
            "started_at": "2026-11-25T09:30:00Z", **changes}


def visits_stored(app, visit_uuid=VISIT) -> int:
    db = connect(app.config["DATABASE"])
    try:
        return db.execute("SELECT COUNT(*) FROM visits WHERE uuid = ?", [visit_uuid]).fetchone()[0]
    finally:
        db.close()


def test_ids_that_are_not_integers_are_422_not_500(app, phone):
    response = phone.put_visit(VISIT, draft(
        phone, answers=[{"question_id": {}}], touchpoints=[{"touchpoint_id": []}],
        photos=[{"uuid": PHOTO, "sha256": "0" * 64, "question_id": {"id": 1}}]))
    assert response.status_code == 422
    assert {"answers[0].question_id", "touchpoints[0].touchpoint_id",
            "photos[0].question_id"} <= response.json["error"]["fields"].keys()
    assert visits_stored(app) == 0


@pytest.mark.parametrize(("changes", "field"), [
    ({"assignment_id": 2**64}, "assignment_id"),
    ({"position": {"status": "given", "latitude": 10**400, "longitude": 0}},
     "position.latitude"),
], ids=["assignment_id", "latitude"])
def test_numbers_too_large_for_the_server_are_422_not_500(app, phone, changes, field):
    response = phone.put_visit(VISIT, draft(phone, **changes))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert visits_stored(app) == 0


INVALID = [  # (what the payload says, the field the shopper is told about)
    ({"started_at": "2026-99-99T99:99:99Z"}, "started_at"),
    ({"started_at": "2026-11-25 and some words"}, "started_at"),
    ({"submit": "yes"}, "submit"),
    ({"reply": 7}, "reply"),
    ({"position": {"status": "given", "latitude": "53.8", "longitude": -1.5}},
     "position.latitude"),
    ({"position": {"status": "given", "latitude": 53.8, "longitude": -1.5, "accuracy_m": -5}},
     "position.accuracy_m"),
    ({"answers": [{"question_id": True, "value": "yes"}]}, "answers[0].question_id"),
    ({"answers": [{"question_id": "QUESTION", "value": None, "na": "yes"}]}, "answers[0].na"),
    ({"answers": [{"question_id": "QUESTION", "value": None, "note": 5}]}, "answers[0].note"),
    ({"touchpoints": [{"touchpoint_id": "TOUCHPOINT", "moment": ""}]}, "touchpoints[0].moment"),
    ({"touchpoints": [{"touchpoint_id": "TOUCHPOINT", "reason": {}}]}, "touchpoints[0].reason"),
    ({"photos": [{"uuid": PHOTO.replace("-", ""), "sha256": "0" * 64,
                  "touchpoint_id": "TOUCHPOINT"}]}, "photos[0].uuid"),
]


@pytest.mark.parametrize(("changes", "field"), INVALID,
                         ids=[f"{field}-{i}" for i, (_, field) in enumerate(INVALID)])
def test_what_the_document_calls_invalid_is_refused_not_stored(app, phone, changes, field):
    """These were stored as something else (a string of `{}`, a false `submit`, a start
    time of month 99) instead of being refused as the document says."""
    _, version_id = phone.assignments[0]
    real = {"QUESTION": phone.questions[version_id][0],
            "TOUCHPOINT": phone.touchpoints[version_id][0]}
    for items in changes.values():
        for item in items if isinstance(items, list) else ():
            for key, value in item.items():
                item[key] = real.get(value, value) if isinstance(value, str) else value
    response = phone.put_visit(VISIT, draft(phone, **changes))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert visits_stored(app) == 0


def test_a_start_time_with_an_offset_is_stored_in_utc(phone):
    response = phone.put_visit(VISIT, draft(phone, started_at="2026-11-25T10:30:00+01:00"))
    assert response.status_code == 200
    visit = phone.client.get(f"/api/v1/visits/{VISIT}").json["visit"]
    assert visit["payload"]["started_at"] == "2026-11-25T09:30:00Z"


def test_a_visit_sent_again_for_another_assignment_is_a_conflict(phone):
    first, second = phone.assignments[0][0], phone.assignments[1][0]
    assert phone.put_visit(VISIT, draft(phone, assignment_id=first)).status_code == 200
    response = phone.put_visit(VISIT, draft(phone, assignment_id=second))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    visit = phone.client.get(f"/api/v1/visits/{VISIT}").json["visit"]
    assert visit["payload"]["assignment_id"] == first


def test_a_second_visit_for_one_assignment_is_a_conflict_not_a_500(app, phone):
    """One visit per assignment: another visit id for the same assignment is refused."""
    assert phone.put_visit(VISIT, draft(phone)).status_code == 200
    other = "0b6f3c2a-9d8e-4f1a-8c7b-6e5d4c3b2a19"
    response = phone.put_visit(other, draft(phone))
    assert response.status_code == 409
    assert "already has a visit" in response.json["error"]["message"]
    assert visits_stored(app, other) == 0


def test_a_photo_without_its_csrf_token_is_a_documented_400(client, phone):
    response = phone.client.put(f"/api/v1/visits/{VISIT}/photos/{PHOTO}", data=b"jpeg",
                                content_type="image/jpeg",
                                headers={"X-Content-SHA256": hashlib.sha256(b"jpeg").hexdigest()})
    assert response.status_code == 400
    assert "expired" in response.json["error"]["message"]
    document = client.get("/api/openapi.json").json
    operation = document["paths"]["/api/v1/visits/{visit_uuid}/photos/{photo_uuid}"]["put"]
    assert "400" in operation["responses"]


def test_a_photo_sha256_header_must_be_lowercase_hex(phone):
    data = b"not really a photo"
    sha = hashlib.sha256(data).hexdigest()
    version_id = phone.assignments[0][1]
    phone.put_visit(VISIT, draft(phone, photos=[{
        "uuid": PHOTO, "sha256": sha, "touchpoint_id": phone.touchpoints[version_id][0]}]))
    for header in (sha.upper(), "", "not-a-sha256"):
        response = phone.client.put(f"/api/v1/visits/{VISIT}/photos/{PHOTO}", data=data,
                                    content_type="image/jpeg",
                                    headers={"X-CSRFToken": phone.token,
                                             "X-Content-SHA256": header})
        assert response.status_code == 422
        assert response.json["error"]["code"] == "invalid_sha256"


def test_a_method_the_api_lacks_is_405_naming_the_ones_it_has(phone):
    response = phone.client.delete("/api/v1/session", headers={"X-CSRFToken": phone.token})
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "GET" in {m.strip() for m in response.headers.get("Allow", "").split(",")}
