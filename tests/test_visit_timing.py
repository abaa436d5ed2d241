"""Shoppers fill in after leaving the branch: they give the visit's date, time in and time
out in the branch's local time, checked against daylight saving, the assignment's window
and the clock; head office's flags and every scorecard read those times, never the time
the form was filled in, and never UTC."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from shopper.domain.checklist_format import parse_checklist
from shopper.domain.visit_timing import parse_timing
from shopper.store import visits
from shopper.store.checklists import import_checklist
from shopper.workflows import review

from . import factories
from .conftest import make_app
from .support import OFFICE, OTHER_SHOPPER, SHOPPER, csrf_token, signed_in

VISIT = "7a0c1e2d-3b4f-4a5b-8c6d-7e8f9a0b1c2d"


@pytest.fixture
def cast(small_db):
    """SHOPPER's assignment to a London branch for the whole of 2026 (the tiny checklist:
    two yes/no questions, no photo), OTHER_SHOPPER and OFFICE."""
    return factories.field_cast(small_db, window=("2026-01-01", "2026-12-31"))


class Phone:
    def __init__(self, client, cast):
        self.client, self.cast = client, cast
        self.token = client.get("/api/v1/session").json["csrf_token"]

    def put(self, timing=None, submit=False, visit=VISIT):
        version = self.cast["version"]
        payload = {"assignment_id": self.cast["assignment_id"], "version_id": version.id,
                   "started_at": "2026-11-30T18:00:00Z",
                   "answers": [{"question_id": qid, "value": "yes"}
                               for qid in version.question_ids.values()],
                   "submit": submit}
        if timing is not None:
            payload["timing"] = timing
        return self.client.put(f"/api/v1/visits/{visit}", json=payload,
                               headers={"X-CSRFToken": self.token})


@pytest.fixture
def phone(empty_app, cast):
    return Phone(signed_in(empty_app, SHOPPER), cast)


def stored(db):
    return visits.visit_by_uuid(db, VISIT)


def test_a_time_the_clocks_skipped_is_refused_in_words(phone, small_db):
    """Europe/London, Sunday 29 March 2026: 01:00 became 02:00."""
    reply = phone.put({"date": "2026-03-29", "time_in": "01:30", "time_out": "02:40"})
    assert reply.status_code == 422
    message = reply.json["error"]["fields"]["timing.time_in"]
    assert "clocks went forward" in message and "01:30" in message
    assert stored(small_db) is None  # nothing kept of a refused payload


def test_times_across_the_spring_change_count_the_real_duration(phone, small_db):
    reply = phone.put({"date": "2026-03-29", "time_in": "00:30", "time_out": "02:30"})
    assert reply.status_code == 200
    assert reply.json["visit"]["timing"] == {"date": "2026-03-29", "time_in": "00:30",
                                             "time_out": "02:30"}
    visit = stored(small_db)
    assert (visit["arrived_at"], visit["left_at"]) == ("2026-03-29T00:30:00Z",
                                                       "2026-03-29T01:30:00Z")  # an hour
    assert visit["visit_date"] == "2026-03-29" and visit["time_zone"] == "Europe/London"


def test_a_time_that_happened_twice_is_the_first(phone, small_db):
    """Europe/London, Sunday 25 October 2026: 01:00-01:59 came twice (BST, then GMT)."""
    reply = phone.put({"date": "2026-10-25", "time_in": "00:30", "time_out": "01:30"})
    assert reply.status_code == 200
    visit = stored(small_db)
    assert visit["arrived_at"] == "2026-10-24T23:30:00Z"  # 00:30 BST
    assert visit["left_at"] == "2026-10-25T00:30:00Z"  # the first 01:30: BST
    phone.put({"date": "2026-10-25", "time_in": "01:30", "time_out": "01:45"})
    assert stored(small_db)["arrived_at"] == "2026-10-25T00:30:00Z"


@pytest.mark.parametrize(("timing", "field", "words"), [
    ({"date": "2025-12-31", "time_in": "10:00", "time_out": "10:30"}, "timing.date",
     "between 1 Jan 2026 and 31 Dec 2026"),
    ({"date": "2026-11-20", "time_in": "10:30", "time_out": "10:00"}, "timing.time_out",
     "past midnight"),
    ({"date": "2026-11-20", "time_in": "23:30", "time_out": "00:15"}, "timing.time_out",
     "past midnight"),
    ({"date": "2026-11-20", "time_in": "25:00", "time_out": "10:00"}, "timing.time_in",
     "hours and minutes"),
    ({"date": "2026-02-30", "time_in": "10:00", "time_out": "10:30"}, "timing.date",
     "date of your visit"),
    ({"date": "20/11/2026", "time_in": "10:00", "time_out": "10:30"}, "timing.date",
     "such as 2026-11-24"),
])
def test_timing_the_rule_refuses_is_a_clear_422(phone, small_db, timing, field, words):
    reply = phone.put(timing)
    assert reply.status_code == 422
    assert words in reply.json["error"]["fields"][field]


def test_a_visit_in_the_future_at_the_branch_is_refused(phone, small_db):
    tomorrow = factories.visit_timing(days_ago=-1)
    reply = phone.put(tomorrow)
    assert reply.status_code == 422
    assert "later than now" in reply.json["error"]["fields"]["timing.date"]


def test_sending_needs_the_visit_times_and_keeps_what_was_saved(phone, small_db):
    assert phone.put().status_code == 200  # an old phone: no timing, a draft
    refused = phone.put(submit=True)
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "incomplete_answers"
    assert refused.json["error"]["fields"] == {"timing": "required"}
    assert stored(small_db)["status"] == "draft"
    assert visits.answer_count(small_db, stored(small_db)["id"]) == 2  # nothing lost
    sent = phone.put(factories.visit_timing(), submit=True)
    assert sent.status_code == 200 and sent.json["visit"]["status"] == "submitted"


def test_a_payload_without_timing_keeps_the_timing_held(phone, small_db):
    phone.put({"date": "2026-11-20", "time_in": "10:00", "time_out": "10:30"})
    reply = phone.put()
    assert reply.json["visit"]["timing"]["time_in"] == "10:00"


# The no-JavaScript path: the review page's form.

def review_page(client):
    return client.get(f"/field/visits/{VISIT}/review")


def post_times(client, **timing):
    token = csrf_token(client, f"/field/visits/{VISIT}/review")
    return client.post(f"/field/visits/{VISIT}/timing", data={"csrf_token": token, **timing})


def test_the_review_page_asks_for_the_times_prefilled_with_the_branch_day(empty_app, phone,
                                                                         small_db):
    small_db.execute("UPDATE branches SET time_zone = 'America/Los_Angeles'")
    phone.put()
    page = review_page(phone.client).get_data(as_text=True)
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date().isoformat()
    assert f'type="date" name="date" value="{today}"' in page
    assert 'type="time" name="time_in" value=""' in page
    assert 'type="time" name="time_out" value=""' in page
    assert "Visit date and times" in page and "America/Los_Angeles" in page


def test_times_given_on_the_page_follow_the_same_rule(phone, small_db):
    phone.put()
    refused = post_times(phone.client, date="2026-03-29", time_in="01:15", time_out="02:30")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "clocks went forward" in page and 'value="01:15"' in page  # what was typed stays
    assert stored(small_db)["time_in"] is None
    saved = post_times(phone.client, date="2026-11-20", time_in="10:05", time_out="10:40")
    assert saved.status_code == 303
    visit = stored(small_db)
    assert (visit["visit_date"], visit["time_in"], visit["time_out"]) == (
        "2026-11-20", "10:05", "10:40")
    token = csrf_token(phone.client, f"/field/visits/{VISIT}/review")
    sent = phone.client.post(f"/field/visits/{VISIT}/submit", data={"csrf_token": token})
    assert sent.status_code == 303 and stored(small_db)["status"] == "submitted"


def test_the_page_refuses_to_send_without_times(phone, small_db):
    phone.put()
    token = csrf_token(phone.client, f"/field/visits/{VISIT}/review")
    response = phone.client.post(f"/field/visits/{VISIT}/submit", data={"csrf_token": token},
                                 follow_redirects=True)
    assert "date, time in and time out first" in response.get_data(
        as_text=True)
    assert stored(small_db)["status"] == "draft"


def test_another_shoppers_visit_times_are_not_found(empty_app, phone):
    phone.put()
    other = signed_in(empty_app, OTHER_SHOPPER)
    token = csrf_token(other, "/field/")
    response = other.post(f"/field/visits/{VISIT}/timing", data={
        "csrf_token": token, "date": "2026-11-20", "time_in": "10:00", "time_out": "10:30"})
    assert response.status_code == 404


def test_a_sent_visits_times_are_locked(phone, small_db):
    phone.put(factories.visit_timing(), submit=True)
    response = post_times(phone.client, date="2026-11-20", time_in="09:00", time_out="09:30")
    assert response.status_code == 303
    assert stored(small_db)["time_in"] == "10:00"


# What head office and the branch read.

def a_sent_visit(db, cast, timing, started=("2026-11-20T18:00:00Z", "2026-11-20T18:01:00Z")):
    """A visit filled in one minute (in the car, after leaving), with the shopper's
    `timing`, sent for review."""
    version = cast["version"]
    assignment_id = factories.an_assignment(db, branch_id=1, shopper_id=cast["shopper_id"],
                                            checklist_id=version.checklist_id,
                                            created_by=cast["office_id"])
    visit = factories.a_visit(db, assignment_id=assignment_id, shopper_id=cast["shopper_id"],
                              version=version, answers=factories.MET_AND_MISSED)
    db.execute("UPDATE visits SET started_at = ?, ended_at = ? WHERE id = ?",
               [*started, visit["id"]])
    day, time_in, time_out = timing
    visits.set_timing(db, visit["id"], parse_timing(
        {"date": day, "time_in": time_in, "time_out": time_out}, zone="Europe/London",
        window=(None, None)))
    visits.change_status(db, visit["id"], "submitted", actor_id=cast["shopper_id"])
    return visits.visit_by_id(db, visit["id"])


def test_flags_measure_time_in_to_time_out_not_the_form(small_db, cast):
    usual = [a_sent_visit(small_db, cast, (f"2026-11-2{i}", "10:00", "10:40"))
             for i in range(3)]
    short = a_sent_visit(small_db, cast, ("2026-11-24", "11:00", "11:05"))
    queue = {row["id"]: row["flags"] for row in review.queue(small_db)}
    for visit in usual:  # filled in within a minute, yet 40 minutes at the branch
        assert not any("short visit" in f for f in queue[visit["id"]])
    assert "short visit (5 min)" in queue[short["id"]]
    assert "position not asked" in queue[short["id"]]  # the geo check-in flag stays


def test_scorecards_show_the_branch_clock_with_its_zone(empty_app, small_db, cast):
    winter = a_sent_visit(small_db, cast, ("2026-11-20", "10:05", "10:40"))
    summer = a_sent_visit(small_db, cast, ("2026-07-14", "10:05", "10:40"))
    office = signed_in(empty_app, OFFICE)
    page = office.get(f"/office/review/{winter['uuid']}").get_data(as_text=True)
    assert "20 Nov 2026, 10:05–10:40 GMT" in page and "UTC" not in page
    page = office.get(f"/office/review/{summer['uuid']}").get_data(as_text=True)
    assert "14 Jul 2026, 10:05–10:40 BST" in page  # 09:05Z to 09:40Z, read in London


def test_a_branch_list_sets_time_zones_and_names_a_bad_one(empty_app, small_db):
    factories.a_person(small_db, OFFICE, "office")
    office = signed_in(empty_app, OFFICE)

    def upload(text):
        token = csrf_token(office, "/office/branches")
        return office.post("/office/branches", data={
            "csrf_token": token, "file": (io.BytesIO(text.encode()), "branches.csv")})

    bad = upload("code,name,region,time_zone\nDUB01,Dublin,Ireland,Europe/Dublin\n"
                 "MRS01,Mars,Space,Mars/Olympus\n")
    assert bad.status_code == 422
    assert "row 3" in bad.get_data(as_text=True) and "Mars/Olympus" in bad.get_data(
        as_text=True)
    assert small_db.execute("SELECT COUNT(*) FROM branches").fetchone()[0] == 0
    good = upload("code,name,region,time_zone\nDUB01,Dublin,Ireland,Europe/Dublin\n"
                  "LDS01,Leeds,North,\n")
    assert good.status_code == 303
    zones = dict(small_db.execute("SELECT code, time_zone FROM branches").fetchall())
    assert zones == {"DUB01": "Europe/Dublin", "LDS01": None}  # None: the default zone
    assert "Europe/London (default)" in office.get("/office/branches").get_data(as_text=True)


def test_a_wrong_default_zone_stops_the_app_at_start(instance):
    with pytest.raises(ValueError, match="not a time zone"):
        make_app(instance, DEFAULT_TIME_ZONE="Europe/Atlantis")


def test_an_unchanged_old_checklist_keeps_its_hash(small_db):
    """Checklists from before follow-ups existed keep their content hash (the one the code
    before this change gave the tiny checklist), so re-importing one adds no version."""
    checklist = parse_checklist(factories.TINY_CHECKLIST)
    assert checklist.content_hash() == (
        "b6e0bd79acc6a518ce8cdcf23551e100184aabaaf14aa1501acb42bf3361a262")
    first = import_checklist(small_db, checklist, factories.TINY_CHECKLIST)
    again = import_checklist(small_db, checklist, factories.TINY_CHECKLIST)
    assert again == (first[0], first[1], False)
