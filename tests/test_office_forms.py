"""Head office's forms are checked field by field: a refusal names the field as the page
labels it, says what to do instead, answers 422 and saves nothing."""

from __future__ import annotations

from .support import OFFICE, csrf_token, signed_in
from .test_administration import assign
from .test_review import waiting


def test_an_assignment_refusal_names_the_field_as_the_page_does(app, db):
    before = db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0]
    response = assign(signed_in(app, OFFICE), target="all", shopper_id="999",
                      scenario="x" * 2001, min_gap_days="-1")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Shopper: Choose an active shopper." in page
    assert "Scenario for the shopper: Keep the scenario under 2,000 characters." in page
    assert "Not to the same branch within (days): Give a number of days" in page
    assert "shopper id" not in page and "shopper_id:" not in page
    assert db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == before


def test_an_id_too_long_for_the_database_is_a_refusal_not_an_error(app, db):
    response = assign(signed_in(app, OFFICE), target="branch:" + "9" * 20,
                      shopper_id="9" * 20)
    assert response.status_code == 422
    assert "Where: Choose all branches or a region, or give a branch code." in response.get_data(
        as_text=True)


def test_a_branch_list_needs_a_file(app):
    client = signed_in(app, OFFICE)
    response = client.post("/office/branches", data={
        "csrf_token": csrf_token(client, "/office/branches")})
    assert response.status_code == 422
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_a_new_account_refusal_names_the_field(app, db):
    client = signed_in(app, OFFICE)
    response = client.post("/office/people", data={
        "csrf_token": csrf_token(client, "/office/people"), "email": "not-an-address",
        "name": "N", "role": "shopper", "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Email: That is not an email address." in page
    assert "First password: Use 10 to 200 characters." in page
    assert not db.execute("SELECT 1 FROM users WHERE email = 'not-an-address'").fetchone()


def test_a_review_comment_over_the_limit_is_refused_and_the_visit_waits(app, db):
    visit = waiting(db)[0]
    office = signed_in(app, OFFICE)
    token = csrf_token(office, f"/office/review/{visit['uuid']}")
    refused = office.post(f"/office/review/{visit['uuid']}/return",
                          data={"csrf_token": token, "comment": "x" * 2001})
    assert refused.status_code == 422
    assert "Keep the comment under 2,000 characters." in refused.get_data(as_text=True)
    assert db.execute("SELECT status FROM visits WHERE id = ?",
                      [visit["id"]]).fetchone()[0] == "submitted"


def test_a_correction_names_a_question(app, db):
    visit = waiting(db)[0]
    office = signed_in(app, OFFICE)
    token = csrf_token(office, f"/office/review/{visit['uuid']}")
    refused = office.post(f"/office/review/{visit['uuid']}/correct", data={
        "csrf_token": token, "question_id": "1" * 30, "value": "yes", "reason": "typo"})
    assert refused.status_code == 422
    assert "Choose the question to correct." in refused.get_data(as_text=True)
