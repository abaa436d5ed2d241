"""Two shoppers tap "Take this visit" at the same moment, each served by a different
gunicorn worker process writing the one SQLite file: one gets the visit, the other is
told kindly that someone was quicker, and only one assignment exists (issue 18)."""

from __future__ import annotations

import re
import threading
import urllib.parse
from datetime import date, timedelta

import pytest

from shopper.domain.money import parse as money
from shopper.store.connection import connect
from shopper.workflows import jobs

from .live_server import GunicornServer, Phone
from .support import OFFICE, OTHER_SHOPPER, SHOPPER

ROUNDS = 6


@pytest.fixture
def gunicorn(server_instance, tmp_path):
    server = GunicornServer(server_instance, log=tmp_path / "gunicorn.log",
                            env={"SHOPPER_NO_REPEAT_DAYS": "0", "SHOPPER_MAX_OPEN_JOBS": "50",
                                 "SHOPPER_MAX_VISITS_PER_DAY": "50"})
    yield server.start()
    server.stop()


def published(instance) -> list[int]:
    db = connect(instance / "shopper.sqlite3")
    try:
        office = db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
        branch = db.execute("SELECT id FROM branches WHERE code = 'MAN01'").fetchone()[0]
        today = date.today()
        return [jobs.publish(db, jobs.Wave(
            [branch], 1, today, today + timedelta(days=10), "Ask about savings.",
            money("20", "GBP"), money("0", "GBP")), office)[0] for _ in range(ROUNDS)]
    finally:
        db.close()


def take(phone: Phone, job_id: int, gate: threading.Barrier, results: dict, who: str):
    _, page = phone.request("GET", f"/field/jobs/{job_id}")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode({"csrf_token": token}).encode()
    gate.wait()
    results[who] = phone.request("POST", f"/field/jobs/{job_id}/take", form,
                                 {"Content-Type": "application/x-www-form-urlencoded"})


def test_two_shoppers_tapping_at_once_on_two_workers_one_gets_it(server_instance, gunicorn):
    job_ids = published(server_instance)
    phones = {SHOPPER: Phone(gunicorn.base).sign_in(SHOPPER),
              OTHER_SHOPPER: Phone(gunicorn.base).sign_in(OTHER_SHOPPER)}
    for job_id in job_ids:
        gate, results = threading.Barrier(2), {}
        threads = [threading.Thread(target=take, args=(phone, job_id, gate, results, who))
                   for who, phone in phones.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        statuses = sorted(status for status, _ in results.values())
        assert statuses == [200, 409], results  # 200: redirected to their new visit
        winner, loser = sorted(results.values(), key=lambda r: r[0])
        assert b"is yours" in winner[1]
        assert b"Someone else took this visit a moment before you" in loser[1]
        assert b"Ask about savings." not in loser[1]  # the scenario stays with the winner
    db = connect(server_instance / "shopper.sqlite3")
    taken = db.execute(f"SELECT COUNT(*), COUNT(DISTINCT assignment_id) FROM jobs WHERE id IN "
                       f"({','.join('?' * len(job_ids))})", job_ids).fetchone()
    made = db.execute("SELECT COUNT(*) FROM assignments a JOIN jobs j ON j.assignment_id = "
                      f"a.id WHERE j.id IN ({','.join('?' * len(job_ids))})", job_ids).fetchone()
    db.close()
    assert tuple(taken) == (ROUNDS, ROUNDS) and made[0] == ROUNDS
    assert "Traceback" not in gunicorn.log_text()
