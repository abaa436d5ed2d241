"""Head office's job board: publishing a wave from one form (money typed as people type
it, refused when it can't be exact), the list of jobs and who took them, approving one
applicant, withdrawing a job."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shopper.store import jobs as job_rows
from shopper.workflows import jobs

from . import factories
from .support import MANAGER_A, OFFICE, OTHER_SHOPPER, SHOPPER, csrf_token, signed_in


@pytest.fixture
def cast(small_db) -> dict:
    version = factories.a_checklist(small_db)
    for code, name, region in (("LDS01", "Leeds Briggate", "North"),
                               ("YRK01", "York Stonegate", "North"),
                               ("BHM01", "Birmingham New Street", "Midlands")):
        factories.a_branch(small_db, code, name, region)
    return {"checklist_id": version.checklist_id,
            "shopper": factories.a_shopper(small_db, SHOPPER),
            "other": factories.a_shopper(small_db, OTHER_SHOPPER),
            "manager": factories.a_person(small_db, MANAGER_A, "manager", ("LDS01",)),
            "office": factories.a_person(small_db, OFFICE, "office")}


def publish(client, **fields):
    today = date.today()
    data = {"csrf_token": csrf_token(client, "/office/jobs"), "target": "region:North",
            "checklist_id": "1", "window_start": today.isoformat(),
            "window_end": (today + timedelta(days=14)).isoformat(), "currency": "GBP",
            "fee": "25.50", "expense_cap": "£8", "mode": "apply", "min_rating": "",
            "name": "December, North", "scenario": "Ask about a mortgage.", **fields}
    return client.post("/office/jobs", data=data)


def test_a_region_wave_is_one_job_per_branch_with_exact_money(empty_app, small_db, cast):
    office = signed_in(empty_app, OFFICE)
    response = publish(office)
    assert response.status_code == 303
    rows = job_rows.listing(small_db)
    assert sorted((r["branch_name"], r["fee_minor"], r["expense_cap_minor"], r["mode"])
                  for r in rows) == [("Leeds Briggate", 2550, 800, "apply"),
                                     ("York Stonegate", 2550, 800, "apply")]
    page = office.get("/office/jobs").get_data(as_text=True)
    assert "£25.50" in page and "+ up to £8.00" in page and "December, North" in page


@pytest.mark.parametrize(("fields", "says"), [
    ({"fee": "25.505"}, "2 digits after the point"),
    ({"fee": "lots"}, "Type an amount such as 12.50."),
    ({"target": ""}, "Choose all branches or a region, or give a branch code."),
    ({"target": "", "branch_code": "NOPE1"}, "No active branch has the code NOPE1."),
    ({"min_rating": "11"}, "Give a rating from 1 to 10"),
    ({"currency": "XYZ"}, "Not a valid choice"),
])
def test_a_wrong_field_publishes_nothing_and_says_why(empty_app, small_db, cast, fields, says):
    response = publish(signed_in(empty_app, OFFICE), **fields)
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert job_rows.listing(small_db) == []


def test_head_office_approves_one_applicant_and_sees_who_took_it(empty_app, small_db, cast):
    office = signed_in(empty_app, OFFICE)
    publish(office, target="region:Midlands")
    [job] = job_rows.listing(small_db)
    today = date.today()
    mine = jobs.apply(small_db, job["id"], cast["shopper"], None, today, jobs.Limits())
    jobs.apply(small_db, job["id"], cast["other"], None, today, jobs.Limits())
    page = office.get(f"/office/jobs/{job['id']}").get_data(as_text=True)
    assert "Applications (2)" in page and "Ask about a mortgage." in page
    token = csrf_token(office, f"/office/jobs/{job['id']}")
    approved = office.post(f"/office/jobs/{job['id']}/applications/{mine}/approve",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "Approved: the visit to Birmingham New Street is the shopper" in approved.get_data(
        as_text=True)
    listing = office.get("/office/jobs?status=taken").get_data(as_text=True)
    assert "Taken by shopper" in listing
    assert office.get("/office/jobs?status=lost").status_code == 400


def test_withdrawing_takes_an_open_job_off_the_shoppers_board(empty_app, small_db, cast):
    office = signed_in(empty_app, OFFICE)
    publish(office, target="region:Midlands", mode="self")
    [job] = job_rows.listing(small_db)
    token = csrf_token(office, f"/office/jobs/{job['id']}")
    office.post(f"/office/jobs/{job['id']}/withdraw", data={"csrf_token": token})
    assert job_rows.by_id(small_db, job["id"])["status"] == "withdrawn"
    shopper = signed_in(empty_app, SHOPPER)
    assert "Birmingham" not in shopper.get("/field/jobs").get_data(as_text=True)
    assert shopper.get(f"/field/jobs/{job['id']}").status_code == 404


def test_a_manager_sees_nothing_of_the_job_board(empty_app, small_db, cast):
    """Jobs name shoppers: the branch's manager never reaches them (issue 18, privacy)."""
    publish(signed_in(empty_app, OFFICE), branch_code="lds01", mode="self")  # any case
    [job] = job_rows.listing(small_db)
    manager = signed_in(empty_app, MANAGER_A)
    for path in ("/office/jobs", f"/office/jobs/{job['id']}", "/field/jobs",
                 f"/field/jobs/{job['id']}"):
        assert manager.get(path).status_code == 403
