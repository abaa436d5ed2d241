"""The database is configured for concurrent writers, migrates idempotently, and never
leaves a multi-step write half done."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from shopper.store.connection import connect
from shopper.store.schema import migrations


def test_connection_settings(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_init_db_twice_changes_nothing(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and "0 migration(s) applied" in first.output  # done at start-up
    db = connect(empty_app.config["DATABASE"])
    schema = db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    applied = [m.name for m in migrations.applied(db)]
    assert applied == [m.name for m in migrations._migrations]
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0
    assert db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    assert [m.name for m in migrations.applied(db)] == applied


def test_a_failing_multi_step_write_leaves_nothing(db):
    before = db.execute("SELECT COUNT(*) FROM branches").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError), db.atomic():
        db["branches"].insert({"code": "NEW01", "name": "New", "region": "North"})
        db["branches"].insert({"code": "NEW01", "name": "Duplicate", "region": "North"})
    assert db.execute("SELECT COUNT(*) FROM branches").fetchone()[0] == before


def test_write_transactions_take_the_write_lock_up_front(app):
    """BEGIN IMMEDIATE: a second writer waits for the first instead of failing later."""
    first, second = connect(app.config["DATABASE"]), connect(app.config["DATABASE"])
    second.conn.execute("PRAGMA busy_timeout = 0")
    with first.atomic():
        first.execute("SELECT 1").fetchone()  # no write yet, but the lock is already held
        with pytest.raises(sqlite3.OperationalError, match="locked"), second.atomic():
            pass
    first.close()
    second.close()


def test_concurrent_writers_queue_rather_than_fail(app):
    errors = []

    def write(n):
        db = connect(app.config["DATABASE"])
        try:
            for i in range(20):
                with db.atomic():
                    db["branches"].insert({"code": f"T{n}-{i}", "name": "x", "region": "Test"})
        except Exception as err:  # collected and asserted below
            errors.append(err)
        finally:
            db.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM branches WHERE region = 'Test'").fetchone()[0] == 80
    db.close()


def test_foreign_keys_are_enforced(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO manager_branches (user_id, branch_id) VALUES (99999, 99999)")


def test_visit_uuid_is_unique(db):
    row = dict(db.execute("SELECT * FROM visits LIMIT 1").fetchone() and
               next(db.query("SELECT * FROM visits LIMIT 1")))
    row.pop("id")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db["visits"].insert(row)
