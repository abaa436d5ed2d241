"""Fixtures: an app on a temporary instance folder holding the demo data (built once per
session, copied per test), a client, and sign-in helpers for every role; an empty app for
tests that build their few rows with tests/factories.py; and which tests are `slow`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jinja2
import pytest

from shopper import create_app
from shopper.store import accounts
from shopper.store.connection import connect
from shopper.workflows import demo
from shopper.workflows.mail import MailSettings

from . import factories
from .support import DEACTIVATED, FAST_HASH, MANAGER_B, PASSWORD, AuthActions

# `pytest -m "not slow"` runs the quick core; a plain `pytest` (CI) runs everything. Slow
# are: every test in tests/browser/ (chromium), every test using one of these fixtures
# (a real server process), and the few marked `slow` where they are written (the
# benchmark smoke runs, the CLI's subprocess runs).
BROWSER_TESTS = Path(__file__).parent / "browser"
SERVER_FIXTURES = {"server_instance"}  # the instance a ServerProcess or GunicornServer serves


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS) or SERVER_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once a session, not once per test's app (which was a third of
    the quick tests' time). Every test's app has the same Jinja settings and filters (plain
    functions), so one compilation serves them all; Jinja checks each entry against its
    template's source, so an edited template is compiled afresh."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def make_app(instance, **overrides):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                      "PASSWORD_HASH_METHOD": FAST_HASH, **overrides})
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory):
    """The demo data plus a manager of another branch and a deactivated user."""
    instance = tmp_path_factory.mktemp("seed")
    app = make_app(instance)
    db = connect(app.config["DATABASE"])
    demo.seed(db, FAST_HASH, app.config["PHOTO_FOLDER"],
              mail_settings=MailSettings.from_config(app.config))
    accounts.create_user(db, email=MANAGER_B, name="Bea Manager", role="manager",
                         password=PASSWORD, method=FAST_HASH, branch_codes=("MAN01",))
    gone = accounts.create_user(db, email=DEACTIVATED, name="Gone Away", role="shopper",
                                password=PASSWORD, method=FAST_HASH)
    db.execute("UPDATE users SET active = 0 WHERE id = ?", [gone])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return instance


@pytest.fixture
def instance(tmp_path):
    path = tmp_path / "instance"
    path.mkdir()
    return path


def copy_seed(seed, instance) -> None:
    """The seeded database and its photo files, into a test's own instance folder.

    The photos are hard links, not copies (a fifth of the time of a test on the demo
    data): the app writes a photo file once, exclusively, and then only reads or deletes
    it. A test that damages a seeded photo must delete it and write a new file, never
    write into it, or it changes the seed for every later test."""
    shutil.copy(seed / "shopper.sqlite3", instance / "shopper.sqlite3")
    shutil.copytree(seed / "photos", instance / "photos", dirs_exist_ok=True,
                    copy_function=link_or_copy)


def link_or_copy(source, target):
    if os.path.lexists(target):  # seeded twice: replace the name, never write through it
        os.unlink(target)
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


@pytest.fixture
def server_instance(instance, seeded_database):
    """The demo instance for a server in a process of its own (which reads the tests'
    fast password hash from the instance's config.py)."""
    copy_seed(seeded_database, instance)
    (instance / "config.py").write_text(f"PASSWORD_HASH_METHOD = {FAST_HASH!r}\n")
    return instance


@pytest.fixture
def app(instance, seeded_database):
    copy_seed(seeded_database, instance)
    return make_app(instance)


@pytest.fixture
def empty_app(instance):
    """An app whose database has the schema and nothing else (but what the test's
    factories add: see small_db)."""
    return make_app(instance)


@pytest.fixture
def small_db(empty_app):
    """The empty app's database, for a test that builds the few rows it needs with
    tests/factories.py instead of copying the whole demo data set."""
    database = connect(empty_app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def one_visit(small_db):
    """The row of one submitted visit, and nothing else in the empty app's database but
    the people around it (factories.one_visit)."""
    return factories.one_visit(small_db)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def auth(client):
    return AuthActions(client)
