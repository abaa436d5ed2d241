"""The database connection, configured for safe concurrent writes.

Each thread of each worker process keeps one connection to the app's database and lends
it to one request at a time: opening a connection costs a schema parse, and closing the
last one checkpoints the WAL, which together were a large share of a small page's time.
A request never hands an open transaction to the next (the teardown rolls it back).

Every write transaction begins IMMEDIATE (it takes the write lock up front, so two
writers queue on busy_timeout instead of failing half-way with "database is locked"),
and multi-step writes go through `db.atomic()` so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import click
import sqlite_utils
from flask import current_app, g
from flask.cli import with_appcontext

from .schema import migrations

BUSY_TIMEOUT_MS = 10_000


class Database(sqlite_utils.Database):
    @contextmanager
    def atomic(self):
        """As sqlite-utils' atomic(), but the outermost transaction is BEGIN IMMEDIATE."""
        pending = self._after_commit
        if self.conn.in_transaction:
            registered = len(pending)
            try:
                with super().atomic():
                    yield self
            except BaseException:
                del pending[registered:]  # rolled back to the savepoint
                raise
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            pending.clear()
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            pending.clear()
            self.rollback()
            raise
        actions, pending[:] = list(pending), []
        for action in actions:
            action()

    def after_commit(self, action) -> None:
        """Run `action` once the `atomic()` block under way commits (at once if there is
        none); forget it if the block rolls back. For what a rollback cannot undo, such as
        deleting a photo's files: done inside the transaction, a rollback would bring the
        row back without them."""
        if self.conn.in_transaction:
            self._after_commit.append(action)
        else:
            action()

    @property
    def _after_commit(self) -> list:
        return self.__dict__.setdefault("_pending_after_commit", [])


def connect(path) -> Database:
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level="IMMEDIATE"
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return Database(conn)


def migrate(db: Database) -> None:
    """Apply pending migrations; under one write lock so that several workers starting
    at once apply each migration exactly once."""
    with db.atomic():
        migrations.apply(db)


def get_db() -> Database:
    if "db" not in g:
        g.db = _thread_connection(current_app)
    return g.db


def _thread_connection(app) -> Database:
    """This thread's connection for this app (a forked worker opens its own: the process
    id is part of the key)."""
    pool = app.extensions.setdefault("db_connections", threading.local())
    key = (os.getpid(), app.config["DATABASE"])
    if getattr(pool, "key", None) != key:
        pool.db, pool.key = connect(app.config["DATABASE"]), key
    return pool.db


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db._after_commit.clear()  # only a commit runs them; none may wait for another request
        if db.conn.in_transaction:
            db.conn.rollback()  # something left a transaction open: the next starts clean


def now() -> str:
    """The current time as stored everywhere: UTC ISO 8601, seconds precision."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database, or bring it up to date (safe to run again)."""
    db = get_db()
    before = len(migrations.applied(db))
    migrate(db)
    applied = len(migrations.applied(db)) - before
    click.echo(f"Database ready at {current_app.config['DATABASE']} "
               f"({applied} migration(s) applied).")


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    db = connect(app.config["DATABASE"])
    try:
        migrate(db)
    finally:
        db.close()
