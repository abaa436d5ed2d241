"""The monthly sums behind trends, consistency and moments (issue 20) stay equal to the
published results they sum, through every kind of change, and the reports built on them
equal the same reports counted from the visits, whatever the period's first and last days."""

from __future__ import annotations

from datetime import date

import pytest

from shopper.store import comparisons
from shopper.store.comparisons import Scope, month_split

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
    db.execute("UPDATE visits SET visit_date = '2026-02-27' WHERE id = ?", [visit[0]])
    db.execute("UPDATE visit_touchpoints SET visit_date = '2026-02-27' WHERE visit_id = ?",
               [visit[0]])
    assert_sums_hold(db)
    other = db.execute("SELECT id FROM visits WHERE status = 'published' ORDER BY id DESC "
                       "LIMIT 1").fetchone()[0]
    db.execute("UPDATE visit_touchpoints SET published = 0 WHERE visit_id = ?", [other])
    db.execute("UPDATE visits SET status = 'approved' WHERE id = ?", [other])  # withdrawn
    assert_sums_hold(db)
    db.execute("UPDATE visits SET status = 'published' WHERE id = ?", [other])
    db.execute("UPDATE visit_touchpoints SET published = 1 WHERE visit_id = ?", [other])
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


def counted_from_the_visits(db, scope):
    """The three reports' figures as they were counted before the sums: straight from
    the published visits and touchpoint results."""
    where, params = scope.where()
    network = dict(db.execute(
        f"""SELECT substr(v.visit_date, 1, 7), ROUND(AVG(v.score), 1) FROM visits v
            JOIN branches b ON b.id = v.branch_id WHERE {where} GROUP BY 1""", params))
    branches = {r[0]: (r[1], round(r[2], 1)) for r in db.execute(
        f"""SELECT b.id, COUNT(*), AVG(v.score) FROM visits v
            JOIN branches b ON b.id = v.branch_id WHERE {where} GROUP BY b.id""", params)}
    tp_where, tp_params = scope.where_touchpoints()
    shares = {r[0]: (r[1], r[2] or 0, r[3] or 0) for r in db.execute(
        f"""SELECT vt.touchpoint_key, COUNT(*), SUM(vt.moment = 'golden'),
                   SUM(vt.moment = 'dull') FROM visit_touchpoints vt WHERE {tp_where}
            GROUP BY 1""", tp_params)}
    return network, branches, shares


@pytest.mark.parametrize("scope", [
    Scope(date(2026, 5, 1), date(2026, 10, 31)),
    Scope(date(2026, 5, 17), date(2026, 11, 12)),
    Scope(date(2026, 6, 3), date(2026, 6, 25)),
    Scope(date(2026, 4, 9), date(2026, 11, 30), region="North"),
    Scope(date(2026, 4, 9), date(2026, 11, 30), checklist_id=1),
])
def test_the_reports_equal_the_same_reports_counted_from_the_visits(db, scope):
    network, branches, shares = counted_from_the_visits(db, scope)
    assert network, "the demo has published visits in this period"
    assert comparisons.monthly_trend(db, scope)["network"] == network
    spread = comparisons.consistency(db, scope)["branches"]
    assert {r["id"]: (r["visits"], r["average"]) for r in spread} == branches
    moments = comparisons.moments(db, scope)["shares"]
    assert {r["key"]: (r["total"], r["golden"], r["dull"]) for r in moments} == shares


def test_the_migration_fills_the_sums_from_results_already_published(db):
    """Sums emptied, then filled as the migration fills them: the same as kept."""
    from shopper.store.schema import m022_monthly_sums
    kept = {table: db.execute(KEPT[table]).fetchall() for table in KEPT}
    db.executescript("DROP TABLE monthly_visits; DROP TABLE monthly_touchpoints;"
                     + "".join(f"DROP TRIGGER {t}_{w};" for t in KEPT
                               for w in ("add", "remove", "change")))
    m022_monthly_sums(db)
    assert {table: db.execute(KEPT[table]).fetchall() for table in KEPT} == kept
