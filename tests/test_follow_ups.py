"""Follow-up questions, answered later: the visit is sent on the day, the question waits on
the shopper's home ("Follow-up due 7 Dec"), is answered on its own page or through the sync
API, leaves the score provisional while open, and counts as not met (or N/A) once closed;
head office publishes before then only by saying so."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shopper.domain.checklist_format import ChecklistError, parse_checklist, to_toml
from shopper.domain.follow_ups import short_day
from shopper.domain.scoring import NA, NOT_MET, Answer, score_visit
from shopper.store import visits
from shopper.workflows import follow_ups

from . import factories
from .support import MANAGER_A, OFFICE, OTHER_SHOPPER, SHOPPER, csrf_token, signed_in

VISIT = "1b2c3d4e-5f60-4a71-8b92-a3b4c5d6e7f8"

CHECKLIST = """\
[checklist]
slug = "with-follow-up"
name = "With a follow-up"

[[touchpoints]]
key = "reception"
name = "Reception"
weight = 3

[[touchpoints.questions]]
key = "greeted"
kind = "yes_no"
text = "Were you greeted?"
standard = "Every visitor is greeted."

[[touchpoints]]
key = "follow_up"
name = "Follow-up"
answer_after_days = 7

[[touchpoints.questions]]
key = "called_back"
kind = "yes_no"
text = "Were you called back within a week, as promised?"
standard = "A promised call-back is made on time."
"""


@pytest.fixture
def cast(small_db):
    return factories.field_cast(small_db, CHECKLIST)


def qid(cast, tp, q):
    return cast["version"].question_ids[(tp, q)]


class Phone:
    def __init__(self, client, cast):
        self.client, self.cast = client, cast
        self.token = client.get("/api/v1/session").json["csrf_token"]

    def send(self, timing):
        """The visit sent on the day: reception answered, the follow-up not."""
        return self.client.put(f"/api/v1/visits/{VISIT}", headers={"X-CSRFToken": self.token},
                               json={"assignment_id": self.cast["assignment_id"],
                                     "version_id": self.cast["version"].id,
                                     "started_at": "2026-11-30T18:00:00Z", "submit": True,
                                     "answers": [{"question_id": qid(self.cast, "reception",
                                                                     "greeted"),
                                                  "value": "yes"}],
                                     "timing": timing})

    def follow_up(self, answers, visit=VISIT):
        return self.client.put(f"/api/v1/visits/{visit}/follow-ups", json={"answers": answers},
                               headers={"X-CSRFToken": self.token})


@pytest.fixture
def phone(empty_app, cast):
    return Phone(signed_in(empty_app, SHOPPER), cast)


@pytest.fixture
def sent(phone):
    """Sent yesterday's visit: its follow-up is due in six days."""
    reply = phone.send(factories.visit_timing())
    assert reply.status_code == 200, reply.json
    return reply.json["visit"]


def row(db):
    return visits.visit_by_uuid(db, VISIT)


def audit_actions(db):
    return [r[0] for r in db.execute("SELECT action FROM audit_log WHERE visit_id = ? "
                                     "ORDER BY id", [row(db)["id"]])]


def test_the_visit_is_sent_on_the_day_with_a_provisional_score(sent, small_db, cast):
    assert sent["status"] == "submitted"
    due = (date.fromisoformat(factories.visit_timing()["date"]) + timedelta(days=7))
    # the end of the due date plus 3 days' grace, at the branch (midnight, London time)
    closes = datetime.combine(due + timedelta(days=4), time(0), ZoneInfo("Europe/London")
                              ).astimezone(UTC)
    assert sent["follow_ups"] == [{
        "question_id": qid(cast, "follow_up", "called_back"), "due_date": due.isoformat(),
        "closes_at": f"{closes:%Y-%m-%dT%H:%M:%SZ}",
        "answered": False, "open": True}]
    assert row(small_db)["score"] == 100  # reception only, for now


def test_the_shoppers_home_lists_open_follow_ups(phone, sent, cast):
    page = phone.client.get("/field/").get_data(as_text=True)
    due = date.fromisoformat(sent["follow_ups"][0]["due_date"])
    assert f"Follow-up due {due.day} {due:%b}" in page
    assert f"/field/visits/{VISIT}/follow-ups" in page
    assert "Were you called back within a week" in page


def test_a_follow_up_answered_later_on_the_page_updates_the_score(phone, sent, small_db, cast):
    page = phone.client.get(f"/field/visits/{VISIT}/follow-ups")
    assert page.status_code == 200
    assert "Were you called back" in page.get_data(as_text=True)
    assert "Were you greeted" not in page.get_data(as_text=True)  # only the follow-ups
    token = csrf_token(phone.client, f"/field/visits/{VISIT}/follow-ups")
    called = qid(cast, "follow_up", "called_back")
    response = phone.client.post(f"/field/visits/{VISIT}/follow-ups",
                                 data={"csrf_token": token, f"q-{called}": "no"})
    assert response.status_code == 303
    assert row(small_db)["score"] == 75  # (100 × 3 + 0 × 1) ÷ 4
    assert "follow_up_answered" in audit_actions(small_db)
    home = phone.client.get("/field/").get_data(as_text=True)
    assert "Follow-up due" not in home


def test_a_bad_answer_on_the_page_is_a_message_not_a_500(phone, sent, small_db, cast):
    token = csrf_token(phone.client, f"/field/visits/{VISIT}/follow-ups")
    called = qid(cast, "follow_up", "called_back")
    response = phone.client.post(f"/field/visits/{VISIT}/follow-ups",
                                 data={"csrf_token": token, f"q-{called}": "maybe"})
    assert response.status_code == 422
    assert "Choose yes or no" in response.get_data(as_text=True)
    assert row(small_db)["score"] == 100


def test_a_follow_up_answered_through_the_api_is_idempotent(phone, sent, small_db, cast):
    called = qid(cast, "follow_up", "called_back")
    answer = [{"question_id": called, "value": "yes", "na": False, "note": "Day 3"}]
    first = phone.follow_up(answer)
    assert first.status_code == 200
    assert first.json["visit"]["follow_ups"][0]["answered"] is True
    assert row(small_db)["score"] == 100
    again = phone.follow_up(answer)
    assert again.status_code == 200 and again.json == first.json
    assert audit_actions(small_db).count("follow_up_answered") == 1


@pytest.mark.parametrize(("answers", "field", "words"), [
    ([{"question_id": 1, "value": "yes"}], "answers[0].question_id", "not a follow-up"),
    ([{"question_id": "follow", "value": "yes"}], "answers[0].question_id", "whole number"),
    ([], "answers", "at least 1"),
])
def test_api_refusals_name_the_field(phone, sent, answers, field, words):
    reply = phone.follow_up(answers)
    assert reply.status_code == 422
    assert words in reply.json["error"]["fields"][field]


def test_only_the_visits_own_shopper_may_answer(empty_app, sent, cast, small_db):
    other = signed_in(empty_app, OTHER_SHOPPER)
    assert other.get(f"/field/visits/{VISIT}/follow-ups").status_code == 404
    token = other.get("/api/v1/session").json["csrf_token"]
    reply = other.put(f"/api/v1/visits/{VISIT}/follow-ups", headers={"X-CSRFToken": token},
                      json={"answers": [{"question_id": qid(cast, "follow_up", "called_back"),
                                         "value": "no"}]})
    assert reply.status_code == 404
    assert row(small_db)["score"] == 100


def test_a_draft_has_no_follow_ups_to_answer_yet(phone, cast):
    phone.client.put(f"/api/v1/visits/{VISIT}", headers={"X-CSRFToken": phone.token},
                     json={"assignment_id": cast["assignment_id"],
                           "version_id": cast["version"].id,
                           "started_at": "2026-11-30T18:00:00Z"})
    reply = phone.follow_up([{"question_id": qid(cast, "follow_up", "called_back"),
                              "value": "no"}])
    assert reply.status_code == 409 and reply.json["error"]["code"] == "not_sent"


def test_a_closed_follow_up_counts_as_not_met_and_can_no_longer_be_answered(
        phone, sent, small_db, cast):
    later = datetime.now(UTC) + timedelta(days=30)
    assert follow_ups.settle(small_db, now=later) == 1
    assert row(small_db)["score"] == 75
    assert "follow_up_closed" in audit_actions(small_db)
    with pytest.raises(follow_ups.FollowUpError, match="Some answers"):
        follow_ups.answer(small_db, row(small_db)["id"], row(small_db)["shopper_id"],
                          {qid(cast, "follow_up", "called_back"): (Answer("yes"), "")},
                          now=later)


def test_a_visit_entered_after_its_follow_up_closed_scores_it_at_once(phone, small_db):
    old = {"date": "2026-10-01", "time_in": "10:00", "time_out": "10:30"}
    reply = phone.send(old)
    assert reply.json["visit"]["follow_ups"][0]["open"] is False
    assert row(small_db)["score"] == 75
    late = phone.follow_up([{"question_id": reply.json["visit"]["follow_ups"][0]
                             ["question_id"], "value": "yes"}])
    assert late.status_code == 422
    assert "closed" in late.json["error"]["fields"]["answers[0].question_id"]


def test_publishing_with_open_follow_ups_needs_a_yes(empty_app, phone, sent, small_db, cast):
    office = signed_in(empty_app, OFFICE)
    page = office.get(f"/office/review/{VISIT}").get_data(as_text=True)
    due = short_day(sent["follow_ups"][0]["due_date"])
    assert f"1 follow-up question is still open, due {due}" in page
    assert "Provisional score" in page
    token = csrf_token(office, f"/office/review/{VISIT}")
    refused = office.post(f"/office/review/{VISIT}/publish", data={"csrf_token": token})
    assert refused.status_code == 422 and "Publish now" in refused.get_data(as_text=True)
    assert row(small_db)["status"] == "submitted"
    published = office.post(f"/office/review/{VISIT}/publish",
                            data={"csrf_token": token, "with_open_follow_ups": "y"})
    assert published.status_code == 303 and row(small_db)["status"] == "published"
    manager = signed_in(empty_app, MANAGER_A)
    assert "Provisional score" in manager.get(f"/branch/visits/{VISIT}").get_data(
        as_text=True)
    phone.follow_up([{"question_id": qid(cast, "follow_up", "called_back"), "value": "no"}])
    card = manager.get(f"/branch/visits/{VISIT}").get_data(as_text=True)
    assert row(small_db)["score"] == 75 and "Provisional score" not in card
    assert audit_actions(small_db)[-1] == "follow_up_answered"


# The checklist format and the scoring rule, without a database.

def test_a_touchpoint_marks_its_questions_and_the_file_round_trips():
    checklist = parse_checklist(CHECKLIST.replace('answer_after_days = 7',
                                                  'answer_after_days = 7\nif_unanswered = "na"'))
    called = checklist.touchpoints[1].questions[0]
    assert (called.answer_after_days, called.if_unanswered) == (7, "na")
    assert checklist.touchpoints[0].questions[0].answer_after_days is None
    assert parse_checklist(to_toml(checklist)) == checklist


@pytest.mark.parametrize(("change", "where"), [
    (("answer_after_days = 7", "answer_after_days = 0"),
     "touchpoints[1].answer_after_days: must be at least 1"),
    (("answer_after_days = 7", "answer_after_days = 2.5"),
     "touchpoints[1].answer_after_days: must be a whole number of days"),
    (("answer_after_days = 7", 'if_unanswered = "na"'),
     "touchpoints[1].if_unanswered: applies only with answer_after_days"),
    (("answer_after_days = 7", 'answer_after_days = 7\nif_unanswered = "skip"'),
     "touchpoints[1].if_unanswered: must be one of not_met, na"),
])
def test_format_errors_name_the_field(change, where):
    with pytest.raises(ChecklistError, match=where.replace("[", r"\[").replace("]", r"\]")):
        parse_checklist(CHECKLIST.replace(*change))


@pytest.mark.parametrize(("if_unanswered", "outcome", "score"), [
    ("not_met", NOT_MET, 75), ("na", NA, 100)])
def test_scoring_open_then_closed(if_unanswered, outcome, score):
    checklist = parse_checklist(CHECKLIST.replace(
        "answer_after_days = 7", f'answer_after_days = 7\nif_unanswered = "{if_unanswered}"'))
    answers = {("reception", "greeted"): Answer("yes")}
    still_open = score_visit(checklist, answers)
    assert still_open.provisional and still_open.score == 100
    closed = score_visit(checklist, answers, {("follow_up", "called_back")})
    assert not closed.provisional and closed.score == score
    assert closed.question("follow_up", "called_back").outcome == outcome
    answered = score_visit(checklist, {**answers, ("follow_up", "called_back"): Answer("yes")})
    assert not answered.provisional and answered.score == 100
