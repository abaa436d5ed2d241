"""Sessions live in signed cookies (Flask's own): a forged or expired cookie signs nobody
in, signing out ends every copy, and a page's form token is accepted later in the same
session, however long the page stayed open."""

from __future__ import annotations

import time
from datetime import timedelta

from .conftest import copy_seed, make_app
from .support import CSRF, OFFICE, SHOPPER, csrf_token, signed_in


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_changed_by_one_character_is_refused(app):
    client = signed_in(app, SHOPPER)
    assert client.get("/field/").status_code == 200
    genuine = session_cookie(client)
    i = len(genuine) // 2
    forged = genuine[:i] + ("A" if genuine[i] != "A" else "B") + genuine[i + 1:]
    other = app.test_client()
    other.set_cookie("session", forged)
    assert other.get("/field/").status_code == 302  # to the sign-in page
    other.set_cookie("session", genuine)
    assert other.get("/field/").status_code == 200


def test_a_cookie_expires_with_the_session_lifetime(instance, seeded_database, monkeypatch):
    copy_seed(seeded_database, instance)
    app = make_app(instance, PERMANENT_SESSION_LIFETIME=timedelta(hours=1))
    client = signed_in(app, SHOPPER)
    assert client.get("/field/").status_code == 200
    later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)  # itsdangerous reads time.time
    assert client.get("/field/").status_code == 302


def test_signing_out_ends_a_session_copied_elsewhere(app):
    client = signed_in(app, SHOPPER)
    assert client.get("/field/").status_code == 200
    copy = app.test_client()
    copy.set_cookie("session", session_cookie(client))
    assert copy.get("/field/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/field/")})
    assert copy.get("/field/").status_code == 302  # the session version moved on


def test_a_flashed_message_shows_once(app):
    client = signed_in(app, OFFICE)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/office/")})
    first = client.get("/login").get_data(as_text=True)
    assert "You are signed out." in first
    assert "You are signed out." not in client.get("/login").get_data(as_text=True)


def test_a_page_kept_for_offline_just_after_signing_out_leaves_the_message(app):
    """The home page's screens are still being kept (a fetch by the service worker) when
    the shopper taps Sign out: that fetch is refused, not sent to the sign-in page."""
    client = signed_in(app, SHOPPER)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/field/")})
    kept = client.get("/field/shell/1/1", headers={"Sec-Fetch-Mode": "cors"})
    assert kept.status_code == 401
    assert "You are signed out." in client.get("/login").get_data(as_text=True)
    opened = client.get("/field/", headers={"Sec-Fetch-Mode": "navigate"})
    assert opened.status_code == 302 and "/login" in opened.headers["Location"]


def test_a_form_token_from_an_old_page_is_accepted_in_its_session_only(app, monkeypatch):
    """A page opened in the field may be sent hours later: its token still works, in the
    session it was made for and no other."""
    client = signed_in(app, OFFICE)
    old = CSRF.search(client.get("/office/").get_data(as_text=True)).group(1)
    later = time.time() + 8 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert CSRF.search(client.get("/office/league").get_data(as_text=True)).group(1)
    other = signed_in(app, OFFICE)
    refused = other.post("/logout", data={"csrf_token": old})
    assert refused.status_code == 400
    assert client.post("/logout", data={"csrf_token": old}).status_code == 302


def test_keep_me_signed_in_outlives_the_browser_until_sign_out(app):
    """Ticked (as the sign-in page offers it), the session cookie carries an expiry 30
    days out, so closing the browser or swiping the app away keeps the shopper signed in;
    unticked, it ends with the browser. Signing out ends both at once."""
    kept, session_only = app.test_client(), app.test_client()
    for client, keep in ((kept, {"keep": "y"}), (session_only, {})):
        token = csrf_token(client, "/login")
        client.post("/login", data={"email": SHOPPER, "password": "demo-password",
                                    "csrf_token": token, **keep})
    cookie = kept.get_cookie("session")
    assert cookie.expires is not None
    days = (cookie.expires.timestamp() - time.time()) / 86400
    assert 29 < days <= 30
    assert session_only.get_cookie("session").expires is None
    assert kept.get("/field/").status_code == 200
    assert kept.get("/field/").headers.get("Set-Cookie") is None  # set at sign-in only
    kept.post("/logout", data={"csrf_token": csrf_token(kept, "/field/")})
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    assert copy.get("/field/").status_code == 302


def test_the_sign_in_page_offers_to_keep_the_phone_signed_in(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Keep me signed in on this phone" in page
    assert 'name="keep"' in page and "checked" in page
