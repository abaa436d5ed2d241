"""Importing checklists with `shopper import-checklist`: versions, immutability, and
broken files refused with a message that says where, importing nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from shopper.store.connection import connect

DEFAULT = Path(__file__).resolve().parent.parent / "checklists" / "moments-of-truth.toml"


def counts(app):
    db = connect(app.config["DATABASE"])
    try:
        return tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("checklists", "checklist_versions", "touchpoints", "questions"))
    finally:
        db.close()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_import_creates_version_one_then_nothing_for_the_same_file(empty_app):
    first = run(empty_app, "import-checklist", str(DEFAULT))
    assert first.exit_code == 0, first.output
    assert "as version 1 (6 touchpoints, 38 questions)" in first.output
    assert counts(empty_app) == (1, 1, 6, 38)
    again = run(empty_app, "import-checklist", str(DEFAULT))
    assert again.exit_code == 0
    assert "unchanged: still version 1" in again.output
    assert counts(empty_app) == (1, 1, 6, 38)


def test_a_changed_file_becomes_a_new_version_and_visits_keep_theirs(app, tmp_path):
    db = connect(app.config["DATABASE"])
    old_version = db.execute("SELECT MAX(id) FROM checklist_versions").fetchone()[0]
    visits_before = db.execute("SELECT COUNT(*) FROM visits WHERE version_id = ?",
                               [old_version]).fetchone()[0]
    assert visits_before > 100
    changed = tmp_path / "changed.toml"
    changed.write_text(DEFAULT.read_text().replace(
        "Were you greeted within 30 seconds of coming in?",
        "Were you greeted within 20 seconds of coming in?"))
    result = run(app, "import-checklist", str(changed))
    assert result.exit_code == 0, result.output
    assert "as version 2" in result.output
    new_version = db.execute("SELECT MAX(id) FROM checklist_versions").fetchone()[0]
    assert new_version != old_version
    assert db.execute("SELECT COUNT(*) FROM visits WHERE version_id = ?",
                      [old_version]).fetchone()[0] == visits_before
    texts = [r[0] for r in db.execute(
        "SELECT text FROM questions WHERE key = 'greeted_within_30s' ORDER BY version_id")]
    assert texts == ["Were you greeted within 30 seconds of coming in?",
                     "Were you greeted within 20 seconds of coming in?"]
    db.close()


def test_a_version_with_visits_cannot_be_edited_in_place(db):
    version = db.execute("SELECT version_id FROM visits LIMIT 1").fetchone()[0]
    for sql in ("UPDATE questions SET text = 'changed' WHERE version_id = ?",
                "DELETE FROM touchpoints WHERE version_id = ?",
                "UPDATE checklist_versions SET name = 'changed' WHERE id = ?"):
        with pytest.raises(sqlite3.IntegrityError, match="has visits"):
            db.execute(sql, [version])


BROKEN = [
    ("[checklist]\nslug = 'x'\nname = \n", "line 3"),
    (DEFAULT.read_text().replace('kind = "scale"', 'kind = "stars"', 1),
     "touchpoints[0].questions[4].kind: must be one of"),
    (DEFAULT.read_text().replace("weight = 3", "weight = 0", 1),
     "touchpoints[0].weight: must be greater than 0"),
    (DEFAULT.read_text().replace('key = "parking"', 'key = "reception"'),
     "touchpoints[1].key: 'reception' is used twice"),
    (DEFAULT.read_text().replace("target = 3\n", "", 1),
     "touchpoints[2].questions[1].target: is required"),
]


@pytest.mark.parametrize(("text", "where"), BROKEN)
def test_a_broken_file_is_refused_with_a_clear_message_and_imports_nothing(
        empty_app, tmp_path, text, where):
    run(empty_app, "import-checklist", str(DEFAULT))
    before = counts(empty_app)
    broken = tmp_path / "broken.toml"
    broken.write_text(text)
    result = run(empty_app, "import-checklist", str(broken))
    assert result.exit_code == 1
    assert str(broken) in result.output
    assert where in result.output
    assert "Traceback" not in result.output
    assert counts(empty_app) == before


def test_a_missing_file_is_a_clear_error(empty_app, tmp_path):
    result = run(empty_app, "import-checklist", str(tmp_path / "nope.toml"))
    assert result.exit_code != 0
    assert "nope.toml" in result.output
    assert counts(empty_app) == (0, 0, 0, 0)
