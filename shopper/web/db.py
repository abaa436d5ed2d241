"""The request's database connection.

Each thread of each worker process keeps one connection to the app's database and lends
it to one request at a time: opening a connection costs a schema parse, and closing the
last one checkpoints the WAL, which together were a large share of a small page's time.
A request never hands an open transaction to the next (the teardown rolls it back).
"""

from __future__ import annotations

import os
import threading

import click
from flask import current_app, g
from flask.cli import with_appcontext

from shopper.store.connection import Database, connect, migrate
from shopper.store.schema import migrations
from shopper.workflows import export_jobs


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
        export_jobs.fail_interrupted(db)  # a restart ends the exports under way
    finally:
        db.close()
