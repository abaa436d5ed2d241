"""Login throttling: repeated failed sign-ins for one account, or from one address, are
refused for a while with a message saying how long, the same whether or not the email
has an account, and counted in the database so every worker process agrees."""

from __future__ import annotations

import re
import threading
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest

from shopper.store import accounts, throttle
from shopper.store.connection import connect

from .conftest import copy_seed, make_app
from .live_server import Phone, ServerProcess
from .support import CSRF, OFFICE, PASSWORD, SHOPPER, AuthActions, csrf_token

WRONG = "not-the-password"
NO_MATCH = "That email and password do not match an active account."
ATTACKER, ELSEWHERE = "203.0.113.7", "198.51.100.20"


class Clock:
    """Stands in for throttle.utc_now, so a test walks through the window without sleeping."""

    def __init__(self):
        self.now = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "utc_now", clock)
    return clock


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client, email, password):
    return AuthActions(client).login(email, password)


def alert(response) -> str:
    return re.search(r'role="alert">([^<]*)<', response.get_data(as_text=True))[1]


def fail(client, email, times):
    for _ in range(times):
        assert attempt(client, email, WRONG).status_code == 401


def test_an_account_is_locked_after_five_failures_even_for_the_right_password(
        client, clock, db):
    fail(client, SHOPPER, 5)
    locked = attempt(client, SHOPPER, PASSWORD)  # the right password
    assert locked.status_code == 429
    assert alert(locked) == "Too many failed sign-ins. Try again in about 15 minutes."
    assert locked.headers["Retry-After"] == "900"
    page = locked.get_data(as_text=True)
    assert page.index('role="alert"') < page.index("<form")
    assert f'value="{SHOPPER}"' in page  # the email stays typed in
    assert client.get("/field/").status_code == 302  # not signed in
    rows = db.execute("SELECT email, address, succeeded, refused FROM login_attempts "
                      "ORDER BY id").fetchall()
    assert rows == [(SHOPPER, "127.0.0.1", 0, 0)] * 5 + [(SHOPPER, "127.0.0.1", 0, 1)]


def test_case_and_spaces_do_not_make_another_account(client, clock):
    for spelling in ("Shopper@Demo.test", " SHOPPER@demo.test", "shopper@DEMO.TEST ",
                     "shopper@demo.test", "sHoPpEr@demo.test"):
        assert attempt(client, spelling, WRONG).status_code == 401
    assert attempt(client, SHOPPER, PASSWORD).status_code == 429


def test_an_unknown_email_is_locked_out_exactly_like_a_known_one(client, clock):
    unknown = "nobody@demo.test"

    def seen(response, email):
        """What a visitor sees, with the typed email and the form's token set aside."""
        body = CSRF.sub("csrf", response.get_data(as_text=True)).replace(email, "EMAIL")
        return response.status_code, response.headers.get("Retry-After"), body

    for email in (SHOPPER, unknown):
        fail(client, email, 4)
    answers = {email: [seen(attempt(client, email, WRONG), email) for _ in range(2)]
               for email in (SHOPPER, unknown)}
    assert answers[SHOPPER] == answers[unknown]
    (last_failure, _, _), (locked, retry, _) = answers[unknown]
    assert (last_failure, locked, retry) == (401, 429, "900")


def test_a_burst_of_bad_guesses_from_one_address_does_not_stop_another_account(app, clock):
    """Thirty bad passwords for random emails from one address (everyone behind a proxy
    may share it) leave a correct password for another account working."""
    attacker = client_at(app, ATTACKER)
    for n in range(30):
        assert attempt(attacker, f"guess{n}@demo.test", WRONG).status_code == 401
    assert attempt(attacker, OFFICE, PASSWORD).status_code == 302  # never failed from here


def test_a_suspect_address_gets_one_guess_per_account_per_window(app, clock):
    attacker = client_at(app, ATTACKER)
    for n in range(30):
        assert attempt(attacker, f"guess{n}@demo.test", WRONG).status_code == 401
    locked = attempt(attacker, "guess0@demo.test", WRONG)  # an email it has failed against
    assert locked.status_code == 429
    assert alert(locked) == "Too many failed sign-ins. Try again in about 15 minutes."
    assert attempt(attacker, SHOPPER, WRONG).status_code == 401  # its one guess
    assert attempt(attacker, SHOPPER, PASSWORD).status_code == 429  # then none
    # The same account from another address is checked: its own count is at one.
    assert attempt(client_at(app, ELSEWHERE), SHOPPER, PASSWORD).status_code == 302
    clock.advance(minutes=15, seconds=1)  # the burst leaves the window
    assert attempt(attacker, "guess0@demo.test", WRONG).status_code == 401


def test_behind_a_proxy_each_client_address_counts_on_its_own(instance, seeded_database,
                                                               clock):
    copy_seed(seeded_database, instance)
    app = make_app(instance, TRUSTED_PROXIES=1, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    attacker, other = app.test_client(), app.test_client()
    attacker.environ_base["HTTP_X_FORWARDED_FOR"] = ATTACKER
    other.environ_base["HTTP_X_FORWARDED_FOR"] = ELSEWHERE
    for n in range(3):
        assert attempt(attacker, f"guess{n}@demo.test", WRONG).status_code == 401
    assert attempt(attacker, "guess1@demo.test", WRONG).status_code == 429
    assert attempt(other, "guess1@demo.test", WRONG).status_code == 401


def test_the_lockout_ends_when_the_failures_leave_the_window(client, clock):
    fail(client, SHOPPER, 5)
    clock.advance(minutes=5)
    assert alert(attempt(client, SHOPPER, PASSWORD)) == \
        "Too many failed sign-ins. Try again in about 10 minutes."
    for _ in range(9):  # retrying while locked out does not make the wait longer
        clock.advance(minutes=1)
        assert attempt(client, SHOPPER, PASSWORD).status_code == 429
    assert alert(attempt(client, SHOPPER, PASSWORD)) == \
        "Too many failed sign-ins. Try again in about 1 minute."
    clock.advance(minutes=1, seconds=1)
    assert attempt(client, SHOPPER, PASSWORD).status_code == 302


def test_failures_spread_over_time_count_only_inside_the_window(client, clock):
    for _ in range(4):  # at 0, 5, 10 and 15 minutes
        fail(client, SHOPPER, 1)
        clock.advance(minutes=5)
    fail(client, SHOPPER, 3)  # at 20 minutes: with the ones at 10 and 15, five in the window
    locked = attempt(client, SHOPPER, PASSWORD)
    assert locked.status_code == 429
    # Under five again when the failure at 10 minutes leaves the window, at 25.
    assert alert(locked) == "Too many failed sign-ins. Try again in about 5 minutes."


def test_signing_in_resets_the_account_but_not_the_address(instance, seeded_database,
                                                           clock):
    copy_seed(seeded_database, instance)
    app = make_app(instance, LOGIN_MAX_FAILURES_PER_ADDRESS=9)
    client = app.test_client()
    fail(client, SHOPPER, 4)
    assert attempt(client, SHOPPER, PASSWORD).status_code == 302
    AuthActions(client).logout()
    fail(client, SHOPPER, 4)  # four more, all checked: the count began again at the sign-in
    fail(client, OFFICE, 1)
    # The address still counts all nine failures, the sign-in between them notwithstanding.
    assert attempt(client, OFFICE, PASSWORD).status_code == 429


def test_the_owner_waits_out_an_attack_from_elsewhere_then_signs_in(app, clock):
    owner, attacker = client_at(app, ELSEWHERE), client_at(app, ATTACKER)
    fail(attacker, OFFICE, 5)
    assert attempt(owner, OFFICE, PASSWORD).status_code == 429
    clock.advance(minutes=15, seconds=1)
    assert attempt(owner, OFFICE, PASSWORD).status_code == 302
    fail(attacker, OFFICE, 5)  # the owner's sign-in gave the attacker five guesses, no more
    assert attempt(attacker, OFFICE, WRONG).status_code == 429


def test_two_app_instances_on_one_database_share_the_count(instance, seeded_database,
                                                           clock):
    copy_seed(seeded_database, instance)
    first, second = make_app(instance).test_client(), make_app(instance).test_client()
    fail(first, SHOPPER, 3)
    fail(second, SHOPPER, 2)
    assert attempt(first, SHOPPER, PASSWORD).status_code == 429
    assert attempt(second, SHOPPER, PASSWORD).status_code == 429


def try_password(base, email, password, start: threading.Barrier) -> int:
    """One sign-in from a phone of its own, posted when every other phone is ready."""
    phone = Phone(base)
    _, page = phone.request("GET", "/login")
    token = CSRF.search(page.decode())[1]
    form = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": token}).encode()
    start.wait()
    status, _ = phone.request("POST", "/login", form,
                              {"Content-Type": "application/x-www-form-urlencoded"})
    return status


def test_parallel_guesses_at_two_server_processes_check_five_passwords_at_most(
        server_instance):
    db = connect(server_instance / "shopper.sqlite3")
    # A slow hash for this account widens the gap between counting and checking.
    user_id = db.execute("SELECT id FROM users WHERE email = ?", [SHOPPER]).fetchone()[0]
    accounts.set_password(db, user_id, PASSWORD, "pbkdf2:sha256:300000")
    servers = [ServerProcess(server_instance).start(), ServerProcess(server_instance).start()]
    try:
        guesses = 16
        start, statuses = threading.Barrier(guesses, timeout=30), []
        threads = [threading.Thread(target=lambda base=servers[n % 2].base, n=n: statuses.append(
            try_password(base, SHOPPER, f"guess-{n}", start))) for n in range(guesses)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(statuses) == [401] * 5 + [429] * (guesses - 5)
        counted = db.execute("SELECT count(*) FROM login_attempts WHERE refused = 0"
                             ).fetchone()[0]
        assert counted == 5
    finally:
        for server in servers:
            server.stop()
        db.close()


def test_a_client_asking_for_json_gets_json(client, clock):
    def post(password):
        return client.post("/login", data={"email": SHOPPER, "password": password,
                                           "csrf_token": csrf_token(client)},
                           headers={"Accept": "application/json"})

    for _ in range(5):
        wrong = post(WRONG)
        assert wrong.status_code == 401
        assert wrong.json == {"error": {"code": "unauthorized", "message": NO_MATCH}}
    locked = post(PASSWORD)
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "900"
    assert locked.json == {"error": {
        "code": "too_many_requests",
        "message": "Too many failed sign-ins. Try again in about 15 minutes."}}


def test_attempts_older_than_a_day_are_pruned(client, clock, db):
    fail(client, SHOPPER, 2)
    clock.advance(hours=12)
    fail(client, OFFICE, 1)
    clock.advance(hours=12, seconds=1)
    assert attempt(client, SHOPPER, PASSWORD).status_code == 302
    rows = db.execute("SELECT email, succeeded FROM login_attempts ORDER BY id").fetchall()
    assert rows == [(OFFICE, 0), (SHOPPER, 1)]
