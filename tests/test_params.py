"""Query parameters are parsed one way (shopper/web/params.py): a value out of range is a
400 with the filters shown again and the one at fault marked, never a 500 (issue 19)."""

from __future__ import annotations

import re

import pytest

from .support import CSRF, OFFICE, signed_in

TWENTY_DIGITS = "9" * 20


@pytest.fixture
def office(app):
    return signed_in(app, OFFICE)


def marked(response) -> tuple[str, str]:
    """The parameter the 400 page marks, and its message."""
    page = response.get_data(as_text=True)
    name = re.search(r'<input name="([^"]+)" value="[^"]*" maxlength="200" aria-invalid', page)
    message = re.search(r'role="alert">([^<]+)<', page)
    return name[1], message[1]


@pytest.mark.parametrize("path", ["/office/league", "/office/export/league.csv",
                                  "/office/heatmap", "/office/export/answers.csv"])
def test_dates_in_year_one_are_a_clear_400(office, path):
    response = office.get(f"{path}?start=0001-01-01&end=0001-01-10")
    assert response.status_code == 400
    assert marked(response) == ("start", "Choose a date between 2000 and 2099.")
    assert 'value="0001-01-10"' in response.get_data(as_text=True)  # kept to correct


@pytest.mark.parametrize("path, name", [
    (f"/office/visits?branch={TWENTY_DIGITS}", "branch"),
    (f"/office/league?checklist={TWENTY_DIGITS}", "checklist"),
    (f"/office/export/answers.csv?checklist={TWENTY_DIGITS}", "checklist"),
    ("/office/league?checklist=-3", "checklist"),
    ("/office/visits?branch=１２", "branch"),  # digits, but not ASCII ones
])
def test_ids_beyond_sqlite_are_a_clear_400(office, path, name):
    response = office.get(path)
    assert response.status_code == 400
    assert marked(response)[0] == name


def test_a_page_number_or_choice_out_of_the_list_is_a_400(office):
    assert marked(office.get("/office/league?page=0"))[0] == "page"
    assert marked(office.get("/office/league?page=" + TWENTY_DIGITS))[0] == "page"
    assert marked(office.get("/office/jobs?status=everything"))[0] == "status"
    assert marked(office.get("/office/payments.csv?month=2026-13x"))[0] == "month"


def test_a_script_asking_for_json_gets_the_json_error(office):
    response = office.get("/office/league?start=0001-01-01",
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_parameter"
    assert response.json["error"]["fields"] == {"start": "Choose a date between 2000 and 2099."}


def test_the_corrected_form_gives_the_page(office):
    bad = office.get("/office/league?start=0001-01-01&end=2026-11-30")
    assert bad.status_code == 400
    assert office.get("/office/league?start=2026-09-01&end=2026-11-30").status_code == 200


def test_an_assignment_to_a_branch_id_beyond_sqlite_is_refused_with_a_message(office):
    token = CSRF.search(office.get("/office/assignments").get_data(as_text=True))[1]
    response = office.post("/office/assignments", data={
        "csrf_token": token, "target": f"branch:{TWENTY_DIGITS}", "shopper_id": "1",
        "checklist_id": "1", "window_start": "2026-12-01", "window_end": "2026-12-10"})
    assert 400 <= response.status_code < 500
    assert "Choose all branches or a region, or give a branch code." in response.get_data(
        as_text=True)
