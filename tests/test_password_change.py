"""Anyone signed in can change their own password: the old one must be given, the new one
twice and long enough; afterwards the old password and every other session stop working,
while the device that changed it stays signed in."""

from __future__ import annotations

import pytest

from .support import MANAGER_A, OFFICE, PASSWORD, SHOPPER, AuthActions, csrf_token, signed_in

NEW = "a-new-password-42"


def change(client, current=PASSWORD, new=NEW, repeat=NEW):
    token = csrf_token(client, "/account/password")
    return client.post("/account/password", data={
        "csrf_token": token, "current": current, "new": new, "repeat": repeat})


@pytest.mark.parametrize("email,home", [(SHOPPER, "/field/"), (MANAGER_A, "/branch/"),
                                        (OFFICE, "/office/")])
def test_a_new_password_replaces_the_old_one_everywhere_else(app, email, home):
    here, elsewhere = signed_in(app, email), signed_in(app, email)
    assert "Change your password" in here.get(home).get_data(as_text=True)
    response = change(here)
    assert response.status_code == 303 and response.headers["Location"].endswith(home)
    assert "Password changed" in here.get(home).get_data(as_text=True)  # still signed in
    assert elsewhere.get(home).status_code == 302  # the other session ended
    fresh = app.test_client()
    assert AuthActions(fresh).login(email, PASSWORD).status_code == 401
    assert AuthActions(fresh).login(email, NEW).status_code == 302


@pytest.mark.parametrize("current,new,repeat,message", [
    ("not-my-password", NEW, NEW, "That is not your current password."),
    (PASSWORD, "short", "short", "Use 10 to 200 characters."),
    (PASSWORD, NEW, NEW + "x", "The two new passwords differ."),
])
def test_a_refused_change_says_why_and_changes_nothing(app, current, new, repeat, message):
    client = signed_in(app, SHOPPER)
    response = change(client, current, new, repeat)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert AuthActions(app.test_client()).login(SHOPPER, PASSWORD).status_code == 302


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_guessing_the_current_password_is_throttled_like_signing_in(app):
    client = signed_in(app, SHOPPER)
    for _ in range(5):  # LOGIN_MAX_FAILURES_PER_ACCOUNT
        assert change(client, current="a-wrong-guess").status_code == 422
    refused = change(client)  # even the right password now waits
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    assert AuthActions(app.test_client()).login(SHOPPER, NEW).status_code != 302
