"""The database connection, configured for safe concurrent writes.

Every write transaction begins IMMEDIATE (it takes the write lock up front, so two
writers queue on busy_timeout instead of failing half-way with "database is locked"),
and multi-step writes go through `db.atomic()` so a failure leaves nothing half-written.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlite_utils

from shopper.store.schema import migrations

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


def now() -> str:
    """The current time as stored everywhere: UTC ISO 8601, seconds precision."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ping(db: Database) -> None:
    """A query that fails if the database cannot be read (the health check)."""
    db.execute("SELECT 1").fetchone()


def backup_to(database: str, to) -> str:
    """Copy the live database into the file `to` with SQLite's online backup; returns the
    copy's integrity check ("ok" when sound)."""
    source = sqlite3.connect(database, timeout=10)
    copy = sqlite3.connect(to)
    try:
        source.backup(copy)
        return copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
