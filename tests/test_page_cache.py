"""Scorecards, the league table and the heat map are kept per worker process until the
published results behind them change (shopper/page_cache.py). What a reader must never see
is a page older than the data: every change to what those pages show must replace the
database's token, whichever process or command makes it, and nothing else should (a draft
synced from a phone, a sign-in), or the pages would be rebuilt all day for nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from shopper.domain.scoring import Answer
from shopper.store import appeals, comparisons, schema, visits
from shopper.store.checklists import load_version
from shopper.store.connection import connect
from shopper.web import page_cache

from .conftest import copy_seed, make_app
from .support import MANAGER_A, OFFICE, SHOPPER, csrf_token, signed_in


def token(db) -> bytes:
    return schema.data_token(db)


def visit_in(db, code: str, status: str) -> dict:
    return next(db.query(
        "SELECT v.* FROM visits v JOIN branches b ON b.id = v.branch_id "
        "WHERE b.code = ? AND v.status = ? ORDER BY v.visit_date DESC LIMIT 1",
        [code, status]))


def test_every_table_is_tracked_or_named_untracked(db):
    tables = {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    assert set(schema.UNTRACKED_TABLES) <= tables  # no stale names
    triggers = {(r[0], r[1]) for r in db.execute(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")}
    for table in tables - set(schema.UNTRACKED_TABLES):
        for event in ("INSERT", "UPDATE", "DELETE"):
            assert any(t == table and f"AFTER {event}" in sql and "data_generation" in sql
                       for t, sql in triggers), f"{table}: no {event} trigger"


def publish(db, visit_id: int) -> None:
    visits.change_status(db, visit_id, "approved", actor_id=None)
    visits.change_status(db, visit_id, "published", actor_id=None)


def rename_branch(db, _visit_id):
    db.execute("UPDATE branches SET name = name || ' (new)' WHERE code = 'LDS01'")


def correct_published_answer(db, _visit_id):
    published = visit_in(db, "LDS01", "published")
    db.execute("UPDATE answers SET note = 'corrected' WHERE visit_id = ? "
               "AND id = (SELECT MIN(id) FROM answers WHERE visit_id = ?)",
               [published["id"], published["id"]])


def expire_a_published_photo(db, _visit_id):
    db.execute("UPDATE photos SET expired_at = '2026-11-25T00:00:00Z', expired_after_days = 1 "
               "WHERE id = (SELECT p.id FROM photos p JOIN visits v ON v.id = p.visit_id "
               "WHERE v.status = 'published' LIMIT 1)")


def rename_a_shopper(db, _visit_id):
    db.execute("UPDATE users SET name = 'Renamed' WHERE email = ?", [SHOPPER])


def appeal_a_published_finding(db, _visit_id):
    published = visit_in(db, "LDS01", "published")
    failed = db.execute("SELECT question_id FROM answers WHERE visit_id = ? AND "
                        "outcome = 'not_met' AND question_id NOT IN (SELECT question_id "
                        "FROM appeals WHERE visit_id = ? AND status = 'open')",
                        [published["id"]] * 2).fetchone()[0]
    appeals.add(db, visit=published, question_id=failed, made_by=published["shopper_id"],
                reason="The scorecard shows appeals.")


@pytest.mark.parametrize("change", [publish, rename_branch, correct_published_answer,
                                    expire_a_published_photo, rename_a_shopper,
                                    appeal_a_published_finding])
def test_changes_to_published_results_replace_the_token(db, change):
    submitted = visit_in(db, "MAN01", "submitted")
    before = token(db)
    with db.atomic():
        change(db, submitted["id"])
    assert token(db) != before


def edit_a_draft(db, draft_id):
    version = load_version(db, db.execute("SELECT version_id FROM visits WHERE id = ?",
                                          [draft_id]).fetchone()[0])
    first = next(iter(version.question_ids.values()))
    visits.record_answers(db, draft_id, {first: (Answer(True), "a note")})
    visits.remember_position(db, draft_id, 2)


def sign_in_and_fail_one(db, _draft_id):
    db.execute("UPDATE users SET last_login_at = '2026-11-25T09:00:00Z', "
               "session_version = session_version + 1 WHERE email = ?", [SHOPPER])
    db.execute("INSERT INTO login_attempts (at, email, address, succeeded) "
               "VALUES ('2026-11-25T09:00:00Z', ?, '127.0.0.1', 0)", [SHOPPER])


@pytest.mark.parametrize("change", [edit_a_draft, sign_in_and_fail_one])
def test_drafts_and_sign_ins_leave_the_token_alone(db, change):
    draft = next(db.query("SELECT id FROM visits WHERE status = 'draft' LIMIT 1"), None)
    if draft is None:  # the demo has none at this moment: start one
        shopper = db.execute("SELECT id FROM users WHERE email = ?", [SHOPPER]).fetchone()[0]
        assignment = db.execute(
            "SELECT a.id FROM assignments a LEFT JOIN visits v ON v.assignment_id = a.id "
            "WHERE a.shopper_id = ? AND v.id IS NULL LIMIT 1", [shopper]).fetchone()[0]
        draft = {"id": visits.start_visit(db, uuid="d0000000-0000-4000-8000-000000000001",
                                          assignment_id=assignment, shopper_id=shopper)}
    before = token(db)
    with db.atomic():
        change(db, draft["id"])
    assert token(db) == before


def visit_count(page: str, branch: str) -> int:
    row = re.search(rf">{re.escape(branch)}</a>.*?</tr>", page, re.S).group(0)
    return int(re.search(r'<td class="num wide-only"><a [^>]*>(\d+)</a></td>', row).group(1))


def test_a_publication_by_another_worker_shows_at_once(app, db, monkeypatch):
    """Two apps on one database stand for two gunicorn workers, each keeping its pages."""
    other_worker = make_app(app.instance_path)
    office = signed_in(app, OFFICE)
    branch = db.execute("SELECT name FROM branches WHERE code = 'MAN01'").fetchone()[0]
    before = office.get("/office/league").get_data(as_text=True)

    built = []
    league_table = comparisons.league_table
    monkeypatch.setattr(comparisons, "league_table",
                        lambda *a, **k: built.append(1) or league_table(*a, **k))
    assert office.get("/office/league").get_data(as_text=True) == before
    assert built == []  # kept: nothing changed

    submitted = visit_in(db, "MAN01", "submitted")
    other = signed_in(other_worker, OFFICE)
    response = other.post(f"/office/review/{submitted['uuid']}/publish",
                          data={"csrf_token": csrf_token(other, "/office/review")})
    assert response.status_code == 303
    after = office.get("/office/league").get_data(as_text=True)
    assert built == [1]
    assert visit_count(after, branch) == visit_count(before, branch) + 1


def test_an_action_recorded_through_another_worker_shows_on_the_scorecard(app, db):
    other_worker = make_app(app.instance_path)
    visit = visit_in(db, "LDS01", "published")
    failed = db.execute("SELECT question_id FROM answers WHERE visit_id = ? AND outcome = "
                        "'not_met' LIMIT 1", [visit["id"]]).fetchone()
    assert failed, "the demo's latest LDS01 visit has a standard not met"
    path = f"/branch/visits/{visit['uuid']}"
    reader = signed_in(app, MANAGER_A)
    assert "Fix the queue" not in reader.get(path).get_data(as_text=True)
    writer = signed_in(other_worker, MANAGER_A)
    response = writer.post(f"{path}/actions/{failed[0]}", data={
        "csrf_token": csrf_token(writer, path), "description": "Fix the queue",
        "owner": "Sam", "due_date": (date.today() + timedelta(days=7)).isoformat()})
    assert response.status_code == 303
    assert "Fix the queue" in reader.get(path).get_data(as_text=True)


def test_a_scorecard_under_review_is_never_kept(app, db):
    visit = visit_in(db, "MAN01", "submitted")
    office = signed_in(app, OFFICE)
    path = f"/office/review/{visit['uuid']}"
    assert "corrected on the quiet" not in office.get(path).get_data(as_text=True)
    # a change to a visit under review leaves the token as it is...
    db.execute("UPDATE visit_touchpoints SET note = 'corrected on the quiet' "
               "WHERE visit_id = ?", [visit["id"]])
    # ...and still shows at once
    assert "corrected on the quiet" in office.get(path).get_data(as_text=True)


def test_nothing_is_kept_from_inside_a_transaction(app):
    made = []
    with app.app_context():
        database = connect(app.config["DATABASE"])
        try:
            with database.atomic():
                page_cache.remember(database, ("page",), lambda: made.append(1) or "x")
            page_cache.remember(database, ("page",), lambda: made.append(2) or "x")
            page_cache.remember(database, ("page",), lambda: made.append(3) or "x")
        finally:
            database.close()
    assert made == [1, 2]


def test_the_least_recently_used_go_first_past_the_limit():
    kept = page_cache.Pages(max_cost=10)
    kept.put("a", "A", 4)
    kept.put("b", "B", 4)
    assert kept.get("a") == "A"  # a is now the more recently used
    kept.put("c", "C", 4)
    assert kept.get("b") is None and kept.get("a") and kept.get("c")
    kept.put("huge", "H", 11)  # more than the whole limit: not kept, nothing pushed out
    assert kept.get("huge") is None and len(kept) == 2


def test_a_limit_of_0_builds_every_page_every_time(instance, seeded_database, monkeypatch):
    copy_seed(seeded_database, instance)
    office = signed_in(make_app(instance, PAGE_CACHE_BYTES=0), OFFICE)
    built = []
    league_table = comparisons.league_table
    monkeypatch.setattr(comparisons, "league_table",
                        lambda *a, **k: built.append(1) or league_table(*a, **k))
    for _ in range(2):
        assert office.get("/office/league").status_code == 200
    assert built == [1, 1]
