"""Fixtures: an app on a temporary instance folder holding the demo data (built once per
session, copied per test), a client, and sign-in helpers for every role."""

from __future__ import annotations

import shutil

import pytest

from shopper import create_app
from shopper.store import accounts
from shopper.store.connection import connect
from shopper.workflows import demo

from .support import DEACTIVATED, FAST_HASH, MANAGER_B, PASSWORD, AuthActions


def make_app(instance, **overrides):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                       "PASSWORD_HASH_METHOD": FAST_HASH, **overrides})


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory):
    """The demo data plus a manager of another branch and a deactivated user."""
    instance = tmp_path_factory.mktemp("seed")
    app = make_app(instance)
    db = connect(app.config["DATABASE"])
    demo.seed(db, FAST_HASH, app.config["PHOTO_FOLDER"])
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
    """The seeded database and its photo files, into a test's own instance folder."""
    shutil.copy(seed / "shopper.sqlite3", instance / "shopper.sqlite3")
    shutil.copytree(seed / "photos", instance / "photos", dirs_exist_ok=True)


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
    """An app whose database has the schema and nothing else."""
    return make_app(instance)


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
