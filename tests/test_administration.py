"""Head office administers branches (CSV import, all or nothing), people (roles, branches,
deactivation) and assignments (one branch, a region or all, never the same shopper to the
same branch within N days; overdue ones visible)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from .support import MANAGER_A, OFFICE, AuthActions, csrf_token, signed_in

GOOD = """code,name,region,address,latitude,longitude
LDS01,Leeds Briggate (moved),North,1 New Road,53.80,-1.54
HUL01,Hull Whitefriargate,North,5 Whitefriargate,53.744,-0.333
"""



def upload(client, text):
    token = csrf_token(client, "/office/branches")
    return client.post("/office/branches", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), "branches.csv")})


def test_a_branch_list_adds_and_updates(app, db):
    response = upload(signed_in(app, OFFICE), GOOD)
    assert response.status_code == 303
    rows = dict(db.execute("SELECT code, name FROM branches WHERE code IN ('LDS01', 'HUL01')"))
    assert rows == {"LDS01": "Leeds Briggate (moved)", "HUL01": "Hull Whitefriargate"}


@pytest.mark.parametrize(("text", "message"), [
    ("code,name\nX1,Somewhere\n", "missing column(s): region"),
    ("code,name,region\nbad code!,A,North\n", "row 2: code must be letters"),
    ("code,name,region\nA1,A,North\nA1,B,North\n", "row 3: code A1 is also on row 2"),
    ("code,name,region\nA1,,North\n", "row 2: name is required"),
    ("code,name,region,latitude,longitude\nA1,A,North,95,1\n", "latitude must be a number"),
    ("code,name,region,latitude,longitude\nA1,A,North,50,\n", "both latitude and longitude"),
])
def test_a_wrong_row_imports_nothing_and_says_where(app, db, text, message):
    before = db.execute("SELECT COUNT(*) FROM branches").fetchone()[0]
    response = upload(signed_in(app, OFFICE), text)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert db.execute("SELECT COUNT(*) FROM branches").fetchone()[0] == before


def test_deactivating_someone_ends_their_session(app, db):
    manager = app.test_client()
    AuthActions(manager).login(MANAGER_A)
    assert manager.get("/branch/").status_code == 200
    client = signed_in(app, OFFICE)
    user_id = db.execute("SELECT id FROM users WHERE email = ?", [MANAGER_A]).fetchone()[0]
    token = csrf_token(client, "/office/people")
    client.post(f"/office/people/{user_id}", data={"csrf_token": token, "active": "0"})
    assert manager.get("/branch/").status_code == 302
    assert AuthActions(manager).login(MANAGER_A).status_code == 401
    client.post(f"/office/people/{user_id}", data={"csrf_token": token, "active": "1"})
    assert AuthActions(manager).login(MANAGER_A).status_code == 302


def test_an_account_with_branches_and_clear_refusals(app, db):
    client = signed_in(app, OFFICE)
    token = csrf_token(client, "/office/people")
    ok = client.post("/office/people", data={
        "csrf_token": token, "email": "new.manager@demo.test", "name": "New Manager",
        "role": "manager", "branches": "LDS01, YRK01", "password": "long-enough-pw"})
    assert ok.status_code == 303
    codes = [r[0] for r in db.execute(
        """SELECT b.code FROM manager_branches m JOIN branches b ON b.id = m.branch_id
           JOIN users u ON u.id = m.user_id WHERE u.email = 'new.manager@demo.test'
           ORDER BY b.code""")]
    assert codes == ["LDS01", "YRK01"]
    again = client.post("/office/people", data={
        "csrf_token": token, "email": "new.manager@demo.test", "role": "manager",
        "password": "long-enough-pw"})
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


def assign(client, **fields):
    token = csrf_token(client, "/office/assignments")
    start = date.today() + timedelta(days=3)
    form = {"csrf_token": token, "checklist_id": "1", "window_start": start.isoformat(),
            "window_end": (start + timedelta(days=7)).isoformat(), "min_gap_days": "30",
            "scenario": "Ask about savings accounts.", **fields}
    return client.post("/office/assignments", data=form, follow_redirects=True)


def test_assigning_a_region_and_the_same_branch_rule(app, db):
    from shopper.store import accounts

    from .support import FAST_HASH
    client = signed_in(app, OFFICE)
    jo = str(accounts.create_user(db, email="new.shopper@demo.test", name="New Shopper",
                                  role="shopper", password="long-enough-pw", method=FAST_HASH))
    north = db.execute("SELECT COUNT(*) FROM branches WHERE region = 'North'").fetchone()[0]
    first = assign(client, target="region:Scotland", shopper_id=jo)
    assert "2 assignment(s) created." in first.get_data(as_text=True)
    again = assign(client, target="region:Scotland", shopper_id=jo)
    page = again.get_data(as_text=True)
    assert "0 assignment(s) created." in page and "Edinburgh Princes Street" in page
    later = assign(client, target="region:North", shopper_id=jo, min_gap_days="0")
    assert f"{north} assignment(s) created." in later.get_data(as_text=True)


@pytest.mark.parametrize(("fields", "message"), [
    ({"target": "", "shopper_id": "2"}, "Choose all branches or a region, or give a branch code."),
    ({"target": "all", "shopper_id": "999"}, "Choose an active shopper."),
    ({"target": "all", "shopper_id": "2", "window_start": "soon"}, "Give the window"),
    ({"target": "all", "shopper_id": "2", "window_start": "2030-01-10",
      "window_end": "2030-01-01"}, "ends before it starts"),
])
def test_assignment_form_refusals(app, db, fields, message):
    before = db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0]
    response = assign(signed_in(app, OFFICE), **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == before


def test_overdue_assignments_are_visible_and_can_be_cancelled(app, db):
    a = db.execute("SELECT id FROM assignments WHERE status = 'open' LIMIT 1").fetchone()[0]
    db.execute("UPDATE assignments SET window_start = '2026-01-01', window_end = '2026-01-10' "
               "WHERE id = ?", [a])
    client = signed_in(app, OFFICE)
    page = client.get("/office/assignments").get_data(as_text=True)
    assert "overdue" in page
    token = csrf_token(client, "/office/assignments")
    client.post(f"/office/assignments/{a}/cancel", data={"csrf_token": token})
    assert db.execute("SELECT status FROM assignments WHERE id = ?",
                      [a]).fetchone()[0] == "cancelled"


def test_changing_a_role_ends_the_session_and_drops_branch_links(app, db):
    manager = app.test_client()
    AuthActions(manager).login(MANAGER_A)
    client = signed_in(app, OFFICE)
    user_id = db.execute("SELECT id FROM users WHERE email = ?", [MANAGER_A]).fetchone()[0]
    token = csrf_token(client, "/office/people")
    client.post(f"/office/people/{user_id}", data={"csrf_token": token, "role": "shopper"})
    assert manager.get("/branch/").status_code == 302
    assert db.execute("SELECT role FROM users WHERE id = ?", [user_id]).fetchone()[0] == "shopper"
    assert db.execute("SELECT COUNT(*) FROM manager_branches WHERE user_id = ?",
                      [user_id]).fetchone()[0] == 0
    AuthActions(manager).login(MANAGER_A)
    assert manager.get("/field/").status_code == 200


@pytest.mark.parametrize("path", ["/office/people", "/office/assignments"])
def test_each_rows_buttons_say_whose_row_they_act_on(app, db, path):
    """A screen reader's list of buttons tells the rows apart: "Deactivate Jo Shopper",
    not twenty "Deactivate"s."""
    import html
    import re

    page = signed_in(app, OFFICE).get(path).get_data(as_text=True)
    table = page[page.index("<tbody>"):]
    names = [html.unescape(re.sub(r"<[^>]+>", "", b)).strip()
             for b in re.findall(r"<button[^>]*>(.*?)</button>", table, re.S)]
    assert len(names) >= 2
    assert len(set(names)) == len(names), names
