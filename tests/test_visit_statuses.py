"""A visit moves only along its review path: the steps are defined once
(domain/vocabulary.py) and the store refuses any other, leaving the visit as it was."""

from __future__ import annotations

import pytest

from shopper.domain.vocabulary import EDITABLE, IN_REVIEW, TRANSITIONS, VISIT_STATUSES
from shopper.store import visits
from shopper.store.schema import migrations


def test_every_status_has_its_next_steps_and_nothing_leaves_published():
    assert set(TRANSITIONS) == set(VISIT_STATUSES)
    assert all(set(after) <= set(VISIT_STATUSES) for after in TRANSITIONS.values())
    assert TRANSITIONS["published"] == set()
    assert set(EDITABLE) | set(IN_REVIEW) <= set(VISIT_STATUSES)


def test_the_database_accepts_exactly_the_statuses_of_the_vocabulary(db):
    table_sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'visits'").fetchone()[0]
    for status in VISIT_STATUSES:
        assert f"'{status}'" in table_sql
    assert migrations.applied(db)


@pytest.mark.parametrize("before,after", [("published", "draft"), ("published", "submitted"),
                                          ("submitted", "published"), ("draft", "approved")])
def test_a_step_off_the_path_is_refused_and_changes_nothing(db, before, after):
    visit = next(db.query("SELECT id FROM visits WHERE status = ? LIMIT 1", [before]), None)
    if visit is None:  # the demo has no visit in this status: make one
        visit = next(db.query("SELECT id FROM visits WHERE status = 'submitted' LIMIT 1"))
        db.execute("UPDATE visits SET status = ? WHERE id = ?", [before, visit["id"]])
    history = db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    with pytest.raises(visits.VisitError, match=f"is {before} and cannot become {after}"):
        visits.change_status(db, visit["id"], after, actor_id=None)
    assert visits.status_of(db, visit["id"]) == before
    assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == history
