"""The shopper's job board on the web: the open visits, a visit's details (the scenario
only once it is theirs), taking and applying for a chosen day, the reasons a shopper may
not, the kind word to the one who was a moment too late, and giving a visit back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shopper.domain.money import parse
from shopper.store import jobs as job_rows
from shopper.workflows import jobs

from . import factories
from .support import MANAGER_A, OFFICE, OTHER_SHOPPER, SHOPPER, csrf_token, signed_in

SCENARIO = "Ask about a car loan for a second-hand car."


@pytest.fixture
def board(small_db) -> dict:
    """Two open jobs, Leeds (take it) and York (apply), over the next fortnight."""
    version = factories.a_checklist(small_db)
    ids = {"leeds": factories.a_branch(small_db, "LDS01", "Leeds Briggate"),
           "york": factories.a_branch(small_db, "YRK01", "York Stonegate", region="Yorkshire")}
    shopper = factories.a_shopper(small_db, SHOPPER)
    other = factories.a_shopper(small_db, OTHER_SHOPPER)
    factories.a_person(small_db, MANAGER_A, "manager", branch_codes=("LDS01",))
    office = factories.a_person(small_db, OFFICE, "office")
    today = date.today()
    made = {}
    for name, mode in (("leeds", "self"), ("york", "apply")):
        [made[name]] = jobs.publish(small_db, jobs.Wave(
            branch_ids=[ids[name]], checklist_id=version.checklist_id,
            window_start=today, window_end=today + timedelta(days=14), scenario=SCENARIO,
            fee=parse("25.00", "GBP"), expense_cap=parse("8.50", "GBP"), mode=mode),
            office)
    return {**made, "shopper": shopper, "other": other, "today": today}


def take(client, job_id, day=None):
    data = {"csrf_token": csrf_token(client, f"/field/jobs/{job_id}")}
    if day is not None:
        data["day"] = day
    return client.post(f"/field/jobs/{job_id}/take", data=data)


def test_the_board_lists_open_visits_with_pay_but_never_the_scenario(empty_app, board):
    page = signed_in(empty_app, SHOPPER).get("/field/jobs").get_data(as_text=True)
    assert "Leeds Briggate" in page and "York Stonegate" in page
    assert "£25.00" in page and "expenses up to £8.50" in page
    assert "You can take this visit." in page and "You can apply for this visit." in page
    assert SCENARIO not in page
    detail = signed_in(empty_app, SHOPPER).get(f"/field/jobs/{board['leeds']}")
    assert detail.status_code == 200
    assert SCENARIO not in detail.get_data(as_text=True)
    assert "The scenario shows here once the visit is yours." in detail.get_data(as_text=True)


def test_filters_and_order_come_from_the_query_string(empty_app, board):
    client = signed_in(empty_app, SHOPPER)
    page = client.get("/field/jobs?region=Yorkshire").get_data(as_text=True)
    assert "York Stonegate" in page and "Leeds Briggate" not in page
    assert client.get("/field/jobs?sort=sideways").status_code == 400


def test_taking_a_visit_shows_its_scenario_and_puts_it_on_the_shoppers_list(empty_app, board):
    client = signed_in(empty_app, SHOPPER)
    day = (board["today"] + timedelta(days=3)).isoformat()
    response = take(client, board["leeds"], day)
    assert response.status_code == 303
    again = take(client, board["leeds"], day)  # a double tap: no second visit, no alarm
    assert again.status_code == 303 and again.location.endswith(f"/field/jobs/{board['leeds']}")
    page = client.get(f"/field/jobs/{board['leeds']}").get_data(as_text=True)
    assert SCENARIO in page and "You plan to go on" in page
    assert "Leeds Briggate" in client.get("/field/").get_data(as_text=True)
    # Gone from everyone else's board, and its page no longer exists for them.
    other = signed_in(empty_app, OTHER_SHOPPER)
    assert "Leeds Briggate" not in other.get("/field/jobs").get_data(as_text=True)
    assert other.get(f"/field/jobs/{board['leeds']}").status_code == 404


def test_the_shopper_a_moment_too_late_is_told_kindly(empty_app, small_db, board):
    late = signed_in(empty_app, OTHER_SHOPPER)
    token = csrf_token(late, f"/field/jobs/{board['leeds']}")  # the page open on their phone
    assert take(signed_in(empty_app, SHOPPER), board["leeds"]).status_code == 303
    response = late.post(f"/field/jobs/{board['leeds']}/take", data={"csrf_token": token})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else took this visit a moment before you" in page
    assert SCENARIO not in page
    assert small_db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == 1


def test_a_day_outside_the_window_and_a_rule_failed_are_refused_with_reasons(
        empty_app, small_db, board):
    empty_app.config["MAX_OPEN_JOBS"] = 1
    client = signed_in(empty_app, SHOPPER)
    outside = (board["today"] + timedelta(days=30)).isoformat()
    refused = take(client, board["leeds"], outside)
    assert refused.status_code == 422
    assert "Choose a day from" in refused.get_data(as_text=True)
    typo = take(client, board["leeds"], "next tuesday")
    assert typo.status_code == 422 and "Give a date such as" in typo.get_data(as_text=True)
    assert take(client, board["leeds"]).status_code == 303
    board_page = client.get("/field/jobs").get_data(as_text=True)
    assert "Not for you now: You have 1 visit to make already" in board_page
    capped = take(client, board["york"])
    assert capped.status_code == 422
    assert "the most at once" in capped.get_data(as_text=True)
    assert job_rows.applications_of_job(small_db, board["york"]) == []


def test_applying_waits_for_head_office(empty_app, small_db, board):
    client = signed_in(empty_app, SHOPPER)
    assert take(client, board["york"]).status_code == 303
    page = client.get(f"/field/jobs/{board['york']}").get_data(as_text=True)
    assert "You have applied" in page and SCENARIO not in page
    [application] = job_rows.applications_of_job(small_db, board["york"])
    assert (application["shopper_id"], application["status"]) == (board["shopper"], "waiting")


def test_giving_a_visit_back_needs_a_reason_and_reopens_it(empty_app, small_db, board):
    client = signed_in(empty_app, SHOPPER)
    take(client, board["leeds"], (board["today"] + timedelta(days=5)).isoformat())
    path = f"/field/jobs/{board['leeds']}/give-back"
    token = csrf_token(client, f"/field/jobs/{board['leeds']}")
    refused = client.post(path, data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422
    assert "Say why you cannot make this visit" in refused.get_data(as_text=True)
    given = client.post(path, data={"csrf_token": token, "reason": "My car broke down."})
    assert given.status_code == 303
    assert [j["id"] for j in job_rows.open_jobs(small_db, board["today"])] == [
        board["leeds"], board["york"]]


def test_the_board_is_the_shoppers_alone(empty_app, board):
    for who in (MANAGER_A, OFFICE):
        assert signed_in(empty_app, who).get("/field/jobs").status_code == 403


def test_a_home_area_sorts_by_distance_and_rules_out_branches_too_far(empty_app, small_db,
                                                                     board):
    small_db.execute("UPDATE branches SET latitude = 53.7977, longitude = -1.5418 "
                     "WHERE code = 'LDS01'")
    small_db.execute("UPDATE branches SET latitude = 53.9596, longitude = -1.0847 "
                     "WHERE code = 'YRK01'")
    client = signed_in(empty_app, SHOPPER)
    token = csrf_token(client, "/field/home-area")
    refused = client.post("/field/home-area", data={
        "csrf_token": token, "home_area": "York", "latitude": "", "longitude": "",
        "max_distance_km": "20"})
    assert refused.status_code == 422
    assert "Say where home is first" in refused.get_data(as_text=True)
    saved = client.post("/field/home-area", data={
        "csrf_token": token, "home_area": "York", "latitude": "53.9600",
        "longitude": "-1.0870", "max_distance_km": "20"})
    assert saved.status_code == 303
    page = client.get("/field/jobs?sort=distance").get_data(as_text=True)
    assert page.index("York Stonegate") < page.index("Leeds Briggate")
    assert "Leeds Briggate is 3" in page and "more than your 20 km" in page
    assert 'value="York"' in client.get("/field/home-area").get_data(as_text=True)
