"""Signing in and out, as each kind of user experiences it."""

from __future__ import annotations

import re

import pytest
from werkzeug.security import check_password_hash

from shopper.config import DEFAULTS
from shopper.store import accounts

from .support import MANAGER_A, OFFICE, OTHER_SHOPPER, SHOPPER, csrf_token

HOMES = [(SHOPPER, "/field/", "My assignments"),
         (MANAGER_A, "/branch/", "Leeds Briggate"),
         (OFFICE, "/office/", "League table")]


@pytest.mark.parametrize(("email", "home", "text"), HOMES)
def test_each_demo_account_lands_on_its_home(client, auth, email, home, text):
    response = auth.login(email)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    page = client.get(home).get_data(as_text=True)
    assert text in page
    assert "Sign out" in page


def test_shopper_home_shows_only_their_own_assignments(client, auth):
    auth.login(SHOPPER)
    page = client.get("/field/").get_data(as_text=True)
    assert page.count('class="card assignment"') == 3
    assert "Leeds Briggate" in page and "Scenario" in page
    auth.logout()
    auth.login(OTHER_SHOPPER)
    page = client.get("/field/").get_data(as_text=True)
    assert 'class="card assignment"' not in page
    assert "No assignments right now" in page


def test_unknown_email_and_wrong_password_get_the_same_answer(client, auth):
    unknown = auth.login("nobody@demo.test")
    wrong = auth.login(SHOPPER, password="not-the-password")
    assert unknown.status_code == wrong.status_code == 401

    def message(r):
        return re.search(r'class="flash flash-error"[^>]*>([^<]*)<', r.get_data(as_text=True))[1]

    assert message(unknown) == message(wrong) == \
        "That email and password do not match an active account."


def test_deactivated_account_cannot_sign_in(client, auth, db):
    db.execute("UPDATE users SET active = 0 WHERE email = ?", [SHOPPER])
    response = auth.login(SHOPPER)
    assert response.status_code == 401
    assert client.get("/field/").status_code == 302


def test_deactivation_ends_an_existing_session_at_the_next_request(client, auth, db):
    auth.login(SHOPPER)
    assert client.get("/field/").status_code == 200
    db.execute("UPDATE users SET active = 0 WHERE email = ?", [SHOPPER])
    response = client.get("/field/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(app, client, auth, db):
    auth.login(SHOPPER)
    user_id = db.execute("SELECT id FROM users WHERE email = ?", [SHOPPER]).fetchone()[0]
    accounts.set_password(db, user_id, "a-brand-new-password", app.config["PASSWORD_HASH_METHOD"])
    assert client.get("/field/").status_code == 302
    assert auth.login(SHOPPER, "a-brand-new-password").status_code == 302


def test_sign_in_starts_a_fresh_session(client, auth):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(SHOPPER)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"email": SHOPPER, "password": "demo-password"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.get("/field/").status_code == 302


def test_logout_needs_csrf_and_signs_out(client, auth):
    auth.login(SHOPPER)
    assert client.post("/logout").status_code == 400
    assert client.get("/field/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/field/").status_code == 302


def test_next_goes_back_to_the_page_asked_for_but_never_off_site(client):
    response = client.get("/office/")
    assert response.headers["Location"].startswith("/login?next=/office/")
    for target, expected in (("/office/", "/office/"), ("https://evil.example/", "/office/"),
                             ("//evil.example/x", "/office/")):
        token = csrf_token(client)
        r = client.post(f"/login?next={target}", data={"email": OFFICE,
                        "password": "demo-password", "csrf_token": token})
        assert r.headers["Location"] == expected
        client.post("/logout", data={"csrf_token": csrf_token(client, "/office/")})


def test_empty_form_is_a_clear_400(client):
    response = client.post("/login", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def test_passwords_are_hashed_at_owasp_strength_by_default(empty_app):
    method = DEFAULTS["PASSWORD_HASH_METHOD"]
    assert empty_app.config["PASSWORD_HASH_METHOD"] != method  # tests use a cheap hash
    name, n, r, p = method.split(":")
    assert name == "scrypt" and int(n) >= 2**17 and int(r) >= 8 and int(p) >= 1
    from shopper.store.connection import connect
    db = connect(empty_app.config["DATABASE"])
    user_id = accounts.create_user(db, email="new@demo.test", name="New", role="office",
                                   password="long-enough-pw", method=method)
    stored = db.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()[0]
    assert stored.startswith("scrypt:131072:8:1$")
    assert "long-enough-pw" not in stored
    assert check_password_hash(stored, "long-enough-pw")


def test_a_route_without_a_policy_is_refused(empty_app):
    empty_app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert empty_app.test_client().get("/forgotten").status_code == 403
