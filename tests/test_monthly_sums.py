"""The monthly sums behind trends, consistency, moments and weakest standards (issue 20)
stay equal to the published results they sum, through every kind of change, and the
reports built on them equal the same reports counted from the visits, whatever the
period's first and last days."""

from __future__ import annotations

from datetime import date

import pytest

from shopper.store import comparisons
from shopper.store.comparisons import Scope, month_cover, month_split

# Periods aligned with months, not aligned, nearly whole months at both ends, within one
# month, and by region and checklist: the days around whole months added and taken away.
PERIODS = [
    Scope(date(2026, 5, 1), date(2026, 10, 31)),
    Scope(date(2026, 5, 17), date(2026, 11, 12)),
    Scope(date(2026, 5, 4), date(2026, 10, 28)),  # May and October less a few days
    Scope(date(2026, 6, 3), date(2026, 6, 25)),
    Scope(date(2026, 4, 9), date(2026, 11, 30), region="North"),
    Scope(date(2026, 4, 3), date(2026, 11, 30), region="North"),
    Scope(date(2026, 4, 9), date(2026, 11, 30), checklist_id=1),
    Scope(date(2026, 4, 3), date(2026, 11, 30), checklist_id=1),
]

SUMS = {
    "monthly_visits": """
        SELECT substr(v.visit_date, 1, 7), v.branch_id, cv.checklist_id, COUNT(*),
               COUNT(v.score), ROUND(COALESCE(SUM(v.score), 0), 6),
               ROUND(COALESCE(SUM(v.score * v.score), 0), 4)
        FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id
        WHERE v.status = 'published' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
    "monthly_touchpoints": """
        SELECT substr(vt.visit_date, 1, 7), vt.touchpoint_key, vt.branch_id, cv.checklist_id,
               COUNT(*), COUNT(vt.score), ROUND(COALESCE(SUM(vt.score), 0), 6),
               ROUND(COALESCE(SUM(vt.score * vt.score), 0), 4),
               COALESCE(SUM(vt.moment = 'golden'), 0), COALESCE(SUM(vt.moment = 'dull'), 0)
        FROM visit_touchpoints vt JOIN touchpoints t ON t.id = vt.touchpoint_id
        JOIN checklist_versions cv ON cv.id = t.version_id
        WHERE vt.published = 1 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""",
    "monthly_versions": """
        SELECT substr(v.visit_date, 1, 7), v.version_id, v.branch_id, cv.checklist_id,
               COUNT(*)
        FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id
        WHERE v.status = 'published' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
    "monthly_standards": """
        SELECT substr(v.visit_date, 1, 7), q.id, v.branch_id, cv.checklist_id,
               SUM(instr(',' || v.failed_standards || ',', ',' || q.id || ',') > 0),
               SUM(instr(',' || v.unchecked_standards || ',', ',' || q.id || ',') > 0)
        FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id
        JOIN questions q ON instr(',' || v.failed_standards || ',' || v.unchecked_standards
                                  || ',', ',' || q.id || ',') > 0
        WHERE v.status = 'published' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
    "monthly_region_standards": """
        SELECT substr(v.visit_date, 1, 7), q.id, b.region, cv.checklist_id,
               SUM(instr(',' || v.failed_standards || ',', ',' || q.id || ',') > 0),
               SUM(instr(',' || v.unchecked_standards || ',', ',' || q.id || ',') > 0)
        FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id
        JOIN branches b ON b.id = v.branch_id
        JOIN questions q ON instr(',' || v.failed_standards || ',' || v.unchecked_standards
                                  || ',', ',' || q.id || ',') > 0
        WHERE v.status = 'published' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""",
}
KEPT = {
    "monthly_visits": """
        SELECT month, branch_id, checklist_id, visits, scored, ROUND(score_sum, 6),
               ROUND(score_squares, 4) FROM monthly_visits WHERE visits > 0
        ORDER BY 1, 2, 3""",
    "monthly_touchpoints": """
        SELECT month, touchpoint_key, branch_id, checklist_id, results, scored,
               ROUND(score_sum, 6), ROUND(score_squares, 4), golden, dull
        FROM monthly_touchpoints WHERE results > 0 ORDER BY 1, 2, 3, 4""",
    "monthly_versions": """
        SELECT month, version_id, branch_id, checklist_id, visits FROM monthly_versions
        WHERE visits > 0 ORDER BY 1, 2, 3""",
    "monthly_standards": """
        SELECT month, question_id, branch_id, checklist_id, failed, unchecked
        FROM monthly_standards WHERE failed > 0 OR unchecked > 0 ORDER BY 1, 2, 3""",
    "monthly_region_standards": """
        SELECT month, question_id, region, checklist_id, failed, unchecked
        FROM monthly_region_standards WHERE failed > 0 OR unchecked > 0
        ORDER BY 1, 2, 3, 4""",
}


def assert_sums_hold(db):
    for table in SUMS:
        assert db.execute(KEPT[table]).fetchall() == db.execute(SUMS[table]).fetchall(), table


def test_the_sums_follow_every_change_to_published_results(db):
    assert_sums_hold(db)
    visit = db.execute("SELECT id, visit_date FROM visits WHERE status = 'published' "
                       "ORDER BY id LIMIT 1").fetchone()
    db.execute("UPDATE visits SET score = score - 7 WHERE id = ?", [visit[0]])  # rescored
    db.execute("UPDATE visit_touchpoints SET moment = 'dull', score = 12.5 "
               "WHERE visit_id = ? AND touchpoint_key = 'reception'", [visit[0]])
    failed, unchecked = db.execute("SELECT failed_standards, unchecked_standards "
                                   "FROM visits WHERE id = ?", [visit[0]]).fetchone()
    assert failed or unchecked, "the visit has standards to move between its lists"
    db.execute("UPDATE visits SET failed_standards = ?, unchecked_standards = ? WHERE id = ?",
               [unchecked, failed, visit[0]])  # rescored after a correction
    db.execute("UPDATE visits SET visit_date = '2026-02-27' WHERE id = ?", [visit[0]])
    db.execute("UPDATE visit_touchpoints SET visit_date = '2026-02-27' WHERE visit_id = ?",
               [visit[0]])
    assert_sums_hold(db)
    other = db.execute("SELECT id FROM visits WHERE status = 'published' ORDER BY id DESC "
                       "LIMIT 1").fetchone()[0]
    db.execute("UPDATE visit_touchpoints SET published = 0 WHERE visit_id = ?", [other])
    db.execute("UPDATE visits SET status = 'approved' WHERE id = ?", [other])  # withdrawn
    assert_sums_hold(db)
    moved = db.execute("SELECT MAX(id) FROM branches").fetchone()[0]
    db.execute("UPDATE visits SET status = 'published', branch_id = ? WHERE id = ?",
               [moved, other])  # published again, filed under another branch
    db.execute("UPDATE visits SET branch_id = (SELECT branch_id FROM visit_touchpoints "
               "WHERE visit_id = ?) WHERE id = ?", [other, other])
    db.execute("PRAGMA foreign_keys = OFF")  # a visit deleted, say by hand: its rows stay
    db.execute("DELETE FROM visits WHERE id = ?", [visit[0]])
    db.execute("PRAGMA foreign_keys = ON")
    assert_sums_hold(db)
    db.execute("UPDATE visits SET status = 'published' WHERE id = ?", [other])
    db.execute("UPDATE visit_touchpoints SET published = 1 WHERE visit_id = ?", [other])
    assert_sums_hold(db)
    db.execute("UPDATE branches SET region = 'Islands' WHERE id = (SELECT branch_id "
               "FROM visits WHERE id = ?)", [other])  # a branch moves region
    assert_sums_hold(db)


@pytest.mark.parametrize("start, end, months, edges", [
    (date(2026, 1, 1), date(2026, 3, 31), ("2026-01", "2026-03"), []),
    (date(2026, 1, 15), date(2026, 3, 31), ("2026-02", "2026-03"),
     [(date(2026, 1, 15), date(2026, 1, 31))]),
    (date(2026, 1, 15), date(2026, 3, 2), ("2026-02", "2026-02"),
     [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 2))]),
    (date(2026, 2, 3), date(2026, 2, 20), None, [(date(2026, 2, 3), date(2026, 2, 20))]),
    (date(2024, 2, 1), date(2024, 2, 29), ("2024-02", "2024-02"), []),  # a leap February
    (date(2025, 12, 2), date(2026, 12, 1), ("2026-01", "2026-11"),
     [(date(2025, 12, 2), date(2025, 12, 31)), (date(2026, 12, 1), date(2026, 12, 1))]),
])
def test_a_period_splits_into_whole_months_and_the_days_around_them(start, end, months,
                                                                     edges):
    found_months, found_edges = month_split(Scope(start, end))
    assert found_months == months
    assert [(e.start, e.end) for e in found_edges] == edges


@pytest.mark.parametrize("start, end, months, add, take", [
    (date(2026, 1, 1), date(2026, 3, 31), ("2026-01", "2026-03"), [], []),
    (date(2026, 1, 4), date(2026, 3, 29), ("2026-01", "2026-03"), [],
     [(date(2026, 1, 1), date(2026, 1, 3)), (date(2026, 3, 30), date(2026, 3, 31))]),
    (date(2026, 1, 20), date(2026, 3, 2), ("2026-02", "2026-02"),
     [(date(2026, 1, 20), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 2))], []),
    (date(2026, 1, 17), date(2026, 3, 16), ("2026-02", "2026-03"),  # 15 in, 16 out: add
     [(date(2026, 1, 17), date(2026, 1, 31))], [(date(2026, 3, 17), date(2026, 3, 31))]),
    (date(2026, 2, 3), date(2026, 2, 20), None, [(date(2026, 2, 3), date(2026, 2, 20))], []),
])
def test_counts_take_a_nearly_whole_month_less_the_days_outside(start, end, months, add,
                                                                  take):
    found_months, found_add, found_take = month_cover(Scope(start, end, "North"))
    assert found_months == months
    assert [(e.start, e.end) for e in found_add] == add
    assert [(e.start, e.end, e.region) for e in found_take] == [(*t, "North") for t in take]


def counted_from_the_visits(db, scope):
    """The reports' figures as they were counted before the sums: straight from the
    published visits and touchpoint results (SQLite's ROUND rounds halves away from zero,
    as the pages do)."""
    where, params = scope.where()
    network = dict(db.execute(
        f"""SELECT substr(v.visit_date, 1, 7), ROUND(AVG(v.score), 1) FROM visits v
            JOIN branches b ON b.id = v.branch_id WHERE {where} GROUP BY 1""", params))
    branches = {r[0]: (r[1], r[2]) for r in db.execute(
        f"""SELECT b.id, COUNT(*), ROUND(AVG(v.score), 1) FROM visits v
            JOIN branches b ON b.id = v.branch_id WHERE {where} GROUP BY b.id""", params)}
    tp_where, tp_params = scope.where_touchpoints()
    shares = {r[0]: (r[1], r[2] or 0, r[3] or 0) for r in db.execute(
        f"""SELECT vt.touchpoint_key, COUNT(*), SUM(vt.moment = 'golden'),
                   SUM(vt.moment = 'dull') FROM visit_touchpoints vt WHERE {tp_where}
            GROUP BY 1""", tp_params)}
    cells = {(r[0], r[1]): (r[2], r[3]) for r in db.execute(
        f"""SELECT vt.branch_id, vt.touchpoint_key, COUNT(vt.score), ROUND(AVG(vt.score), 1)
            FROM visit_touchpoints vt WHERE {tp_where} AND vt.score IS NOT NULL
            GROUP BY 1, 2""", tp_params)}
    return network, branches, shares, cells


@pytest.mark.parametrize("scope", PERIODS)
def test_the_reports_equal_the_same_reports_counted_from_the_visits(db, scope):
    network, branches, shares, cells = counted_from_the_visits(db, scope)
    assert network, "the demo has published visits in this period"
    assert comparisons.monthly_trend(db, scope)["network"] == network
    spread = comparisons.consistency(db, scope)["branches"]
    assert {r["id"]: (r["visits"], r["average"]) for r in spread} == branches
    moments = comparisons.moments(db, scope)["shares"]
    assert {r["key"]: (r["total"], r["golden"], r["dull"]) for r in moments} == shares
    heat = comparisons.heat_map(db, scope)
    assert {(row["id"], key): (cell["visits"], cell["score"]) for row in heat["rows"]
            if not row["rollup"] for key, cell in row["cells"].items()} == cells


@pytest.mark.parametrize("scope", PERIODS)
def test_weakest_standards_equal_the_same_counted_from_every_visit(db, scope, monkeypatch):
    from_sums = comparisons.weakest_standards(db, scope)
    assert from_sums and all(s["branches"] for s in from_sums)
    monkeypatch.setattr(comparisons, "month_split", lambda scope: (None, [scope]))
    assert comparisons.weakest_standards(db, scope) == from_sums


@pytest.mark.parametrize("migration, tables", [
    ("m022_monthly_sums", ("monthly_visits", "monthly_touchpoints")),
    ("m024_monthly_standards", ("monthly_versions", "monthly_standards",
                                "monthly_region_standards")),
])
def test_the_migration_fills_the_sums_from_results_already_published(db, migration, tables):
    """Sums emptied, then filled as the migration fills them: the same as kept."""
    from shopper.store import schema
    kept = {table: db.execute(KEPT[table]).fetchall() for table in tables}
    triggers = [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'") if name.startswith(tables)]
    assert triggers
    db.executescript("".join(f"DROP TRIGGER {t};" for t in triggers)
                     + "".join(f"DROP TABLE {t};" for t in tables))
    getattr(schema, migration)(db)
    assert {table: db.execute(KEPT[table]).fetchall() for table in tables} == kept
