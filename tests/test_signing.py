"""Each worker checks a session cookie's signature once and signs a session's form token
once (shopper/signing.py). Keeping them must never let through what the checks refused."""

from __future__ import annotations

import time
from datetime import timedelta

from shopper.web import signing

from .conftest import copy_seed, make_app
from .support import CSRF, OFFICE, SHOPPER, csrf_token, signed_in


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_kept_cookie_changed_by_one_character_is_refused(app):
    client = signed_in(app, SHOPPER)
    assert client.get("/field/").status_code == 200  # its signature checked and kept
    genuine = session_cookie(client)
    i = len(genuine) // 2
    forged = genuine[:i] + ("A" if genuine[i] != "A" else "B") + genuine[i + 1:]
    other = app.test_client()
    other.set_cookie("session", forged)
    assert other.get("/field/").status_code == 302  # to the sign-in page
    other.set_cookie("session", genuine)
    assert other.get("/field/").status_code == 200


def test_a_kept_cookie_expires_with_the_session_lifetime(instance, seeded_database,
                                                          monkeypatch):
    copy_seed(seeded_database, instance)
    app = make_app(instance, PERMANENT_SESSION_LIFETIME=timedelta(hours=1))
    client = signed_in(app, SHOPPER)
    assert client.get("/field/").status_code == 200
    later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/field/").status_code == 302


def test_signing_out_ends_a_kept_session_copied_elsewhere(app):
    client = signed_in(app, SHOPPER)
    assert client.get("/field/").status_code == 200
    copy = app.test_client()
    copy.set_cookie("session", session_cookie(client))
    assert copy.get("/field/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/field/")})
    assert copy.get("/field/").status_code == 302  # the session version moved on


def test_a_flashed_message_shows_once(app):
    """A session holding a list (the flashed messages) is never kept: the request that
    shows the messages empties that list."""
    client = signed_in(app, OFFICE)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/office/")})
    first = client.get("/login").get_data(as_text=True)
    assert "You are signed out." in first
    assert "You are signed out." not in client.get("/login").get_data(as_text=True)


def test_one_form_token_per_session_and_it_is_accepted(app, monkeypatch):
    client = signed_in(app, OFFICE)
    tokens = set()
    for seconds, path in enumerate(("/office/", "/office/league", "/office/review")):
        later = time.time() + 5 * seconds  # itsdangerous puts the time in each signature
        monkeypatch.setattr(time, "time", lambda later=later: later)
        tokens.add(CSRF.search(client.get(path).get_data(as_text=True)).group(1))
    assert len(tokens) == 1
    other = signed_in(app, OFFICE)
    assert csrf_token(other, "/office/") not in tokens  # each session its own
    response = client.post("/logout", data={"csrf_token": tokens.pop()})
    assert response.status_code == 302


def test_tokens_that_expire_are_signed_every_time(instance, seeded_database, monkeypatch):
    copy_seed(seeded_database, instance)
    app = make_app(instance, WTF_CSRF_TIME_LIMIT=3600)
    client = signed_in(app, OFFICE)
    first = csrf_token(client, "/office/")
    later = time.time() + 5
    monkeypatch.setattr(time, "time", lambda: later)  # itsdangerous reads time.time
    assert csrf_token(client, "/office/") != first
    assert not app.extensions.get("signed_form_tokens")
    assert signing.KEPT > 0


def test_a_page_rendered_after_its_session_was_cleared_still_has_a_token(app):
    """A view may clear the session after the form token was made (signing out does, before
    its redirect): the page must still render, with a token, not fail."""
    from flask import render_template_string, session

    with app.test_request_context("/"):
        first = signing.csrf_token()
        session.clear()
        page = render_template_string("{{ csrf_token() }}")
    assert page == first
