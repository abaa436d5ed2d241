"""How the app is served for real: request limits, HTTPS-only cookies, the reverse proxy's
headers trusted only when configured, and the production server's settings."""

from __future__ import annotations

import io
import os
import runpy
import uuid

import pytest

from shopper import create_app
from shopper.config import PROJECT_ROOT

from .conftest import copy_seed, make_app
from .support import OFFICE, PASSWORD, SHOPPER, AuthActions, csrf_token, signed_in


def login_form(client) -> dict:
    return {"csrf_token": csrf_token(client, "/login"), "email": OFFICE, "password": PASSWORD}


def test_too_many_form_fields_are_refused_clearly(client):
    """Counted in multipart forms (a file makes the test client send one); urlencoded
    forms are bounded by their size below."""
    form = login_form(client) | {f"f{i}": "x" for i in range(6000)}
    form["photo"] = (io.BytesIO(b"x"), "x.jpg")
    response = client.post("/login", data=form)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_too_much_form_text_is_refused_clearly(client):
    form = login_form(client) | {"note": "x" * (2 * 1024 * 1024)}
    response = client.post("/login", data=form)
    assert response.status_code == 413


def phone_put(app, body: bytes, content_type: str):
    phone = signed_in(app, SHOPPER)
    token = phone.get("/api/v1/session").json["csrf_token"]
    return phone.put(f"/api/v1/visits/{uuid.uuid4()}", data=body, content_type=content_type,
                     headers={"X-CSRFToken": token})


def test_a_phones_json_may_be_larger_than_a_form_but_not_than_an_upload(app):
    """A visit of a long checklist with every note at its longest is over a megabyte of
    JSON: it must never be refused for its size below MAX_CONTENT_LENGTH."""
    large = phone_put(app, b"{" + b" " * (2 * 1024 * 1024) + b"}", "application/json")
    assert large.status_code != 413
    too_large = phone_put(app, b"{" + b" " * (17 * 1024 * 1024) + b"}", "application/json")
    assert too_large.status_code == 413
    assert too_large.get_json()["error"]["code"] == "request_entity_too_large"


def test_an_upload_over_the_size_limit_is_refused(app):
    response = phone_put(app, b"x" * (17 * 1024 * 1024), "multipart/form-data; boundary=b")
    assert response.status_code == 413


def test_an_upload_may_be_larger_than_a_form(app):
    """A photo's raw bytes are not a form: 2 MB passes the size check (and is then
    refused for what it is, not for its size)."""
    response = phone_put(app, b"x" * (2 * 1024 * 1024), "image/jpeg")
    assert response.status_code != 413


def test_an_overlong_name_or_email_is_refused_with_a_message(app):
    office = signed_in(app, OFFICE)
    token = csrf_token(office, "/office/people")
    response = office.post("/office/people", data={
        "csrf_token": token, "email": "long@demo.test", "name": "N" * 5000, "role": "shopper",
        "password": "a-good-long-password"})
    assert response.status_code == 422
    assert "under 120 characters" in response.get_data(as_text=True)


def session_cookie_header(app) -> str:
    client = app.test_client()
    response = AuthActions(client).login(OFFICE, PASSWORD)
    return "; ".join(v for k, v in response.headers.items() if k == "Set-Cookie"
                     and v.startswith("session="))


def test_cookies_are_https_only_unless_turned_off_for_local_http(instance, seeded_database):
    copy_seed(seeded_database, instance)
    cookie = session_cookie_header(make_app(instance))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in session_cookie_header(make_app(instance, SECURE_COOKIES=False))


def test_the_proxys_headers_count_only_when_a_proxy_is_configured(instance):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    direct = make_app(instance).test_client().get("/login", headers=forwarded)
    assert "Strict-Transport-Security" not in direct.headers
    proxied = make_app(instance, TRUSTED_PROXIES=1).test_client().get("/login",
                                                                     headers=forwarded)
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPPER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SHOPPER_SECURE_COOKIES", "false")
    monkeypatch.setenv("SHOPPER_TRUSTED_PROXIES", "1")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    assert app.config["TRUSTED_PROXIES"] == 1


@pytest.mark.parametrize("workers", [None, "3"])
def test_gunicorn_runs_one_worker_per_core_on_localhost(monkeypatch, workers):
    monkeypatch.delenv("SHOPPER_BIND", raising=False)
    if workers:
        monkeypatch.setenv("SHOPPER_WORKERS", workers)
    else:
        monkeypatch.delenv("SHOPPER_WORKERS", raising=False)
    conf = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    assert conf["workers"] == (int(workers) if workers else os.cpu_count())
    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["wsgi_app"] == "shopper:create_app()"
