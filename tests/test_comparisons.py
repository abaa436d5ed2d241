"""Comparing branches: every number on head office's pages (and in their CSV exports)
equals a direct computation over the raw answers, re-scored by the engine here."""

from __future__ import annotations

import csv
import html
import io
import statistics
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from shopper.domain.scoring import score_visit
from shopper.domain.stats import Summary, differs, tiers
from shopper.store import comparisons
from shopper.store.checklists import load_version
from shopper.store.schema import fill_standard_lists
from shopper.store.visits import answers_of

from .support import OFFICE, signed_in


def shown(value: float) -> float:
    """One decimal, halves away from zero, on the decimal value (as the pages show it)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))

TODAY = date.today()
SCOPE = comparisons.Scope(TODAY - timedelta(days=119), TODAY)
SHORT = comparisons.Scope(TODAY - timedelta(days=59), TODAY)  # some branches: 2 visits


@pytest.fixture
def direct(db):
    """Every published visit with its engine result, re-scored from the raw answers."""
    rows = []
    for v in db.query("""SELECT v.*, b.region, b.name AS branch_name FROM visits v
                         JOIN branches b ON b.id = v.branch_id WHERE v.status = 'published'"""):
        version = load_version(db, v["version_id"])
        rows.append((v, score_visit(version.checklist, answers_of(db, v["id"], version))))
    return rows


def in_scope(direct, scope, region=None):
    return [(v, r) for v, r in direct
            if scope.start.isoformat() <= v["visit_date"] <= scope.end.isoformat()
            and (region is None or v["region"] == region)]


def test_league_table_matches_a_direct_computation(db, direct):
    league = comparisons.league_table(db, SCOPE)
    by_branch = defaultdict(list)
    for v, r in in_scope(direct, SCOPE):
        by_branch[v["branch_id"]].append((v, r))
    previous = defaultdict(list)
    for v, r in in_scope(direct, SCOPE.previous()):
        previous[v["branch_id"]].append(r.score)
    assert len(league) == len(by_branch)
    averages = []
    for row in league:
        visits = by_branch[row["id"]]
        average = statistics.mean(r.score for _, r in visits)
        averages.append(average)
        assert row["visits"] == len(visits)
        assert row["average"] == shown(average)
        assert row["critical_failures"] == sum(r.critical_failed for _, r in visits)
        if previous[row["id"]]:
            assert row["change"] == pytest.approx(
                shown(average) - shown(statistics.mean(previous[row["id"]])), abs=0.11)
        per_tp = defaultdict(list)
        for _, r in visits:
            for tp in r.touchpoints:
                if tp.score is not None:
                    per_tp[tp.name].append(tp.score)
        worst = min(per_tp, key=lambda k: statistics.mean(per_tp[k]))
        assert row["worst_score"] == shown(statistics.mean(per_tp[worst]))
    assert averages == sorted(averages, reverse=True)
    assert [r["rank"] for r in league] == list(range(1, len(league) + 1))


def test_league_table_region_filter_and_sorting(db):
    north = comparisons.league_table(db, comparisons.Scope(SCOPE.start, SCOPE.end, "North"))
    assert north and {r["region"] for r in north} == {"North"}
    by_visits = comparisons.league_table(db, SCOPE, sort="visits", descending=True)
    assert [r["visits"] for r in by_visits] == sorted((r["visits"] for r in by_visits),
                                                      reverse=True)


def test_heat_map_cells_and_region_rollups(db, direct):
    heat = comparisons.heat_map(db, SCOPE)
    cells = defaultdict(list)
    regions = defaultdict(list)
    for v, r in in_scope(direct, SCOPE):
        for tp in r.touchpoints:
            if tp.score is not None:
                cells[(v["branch_id"], tp.key)].append(tp.score)
                regions[(v["region"], tp.key)].append(tp.score)
    checked = 0
    for row in heat["rows"]:
        for key, cell in row["cells"].items():
            source = regions[(row["region"], key)] if row["rollup"] else cells[(row["id"], key)]
            assert cell["score"] == shown(statistics.mean(source))
            assert cell["visits"] == len(source)
            checked += 1
    assert checked == len(cells) + len(regions)
    assert [k for k, _ in heat["touchpoints"]] == [
        "reception", "parking", "phone", "service_desk", "delivery", "follow_up"]


def test_trend_consistency_standards_and_moments(db, direct):
    scoped = in_scope(direct, SCOPE)
    trend = comparisons.monthly_trend(db, SCOPE)
    month = trend["months"][-1]
    expected = [r.score for v, r in scoped if v["visit_date"].startswith(month)]
    assert trend["network"][month] == shown(statistics.mean(expected))

    spread = comparisons.consistency(db, SCOPE)
    first = spread["branches"][0]
    scores = [r.score for v, r in scoped if v["branch_id"] == first["id"]]
    assert first["spread"] == pytest.approx(round(statistics.pstdev(scores), 1), abs=0.11)

    standards = comparisons.weakest_standards(db, SCOPE)
    rates = [s["failures"] / s["checked"] for s in standards]
    assert rates == sorted(rates, reverse=True) and len(standards) == 10
    for standard in standards:
        by_branch = defaultdict(list)
        for v, r in scoped:
            for tp in r.touchpoints:
                for q in tp.questions:
                    if (tp.key, q.key) == (standard["touchpoint"], standard["question"]):
                        by_branch[(v["branch_id"], v["branch_name"])].append(q.outcome)
        outcomes = [o for found in by_branch.values() for o in found]
        assert standard["failures"] == outcomes.count("not_met")
        assert standard["checked"] == outcomes.count("not_met") + outcomes.count("met")
        worst_branches = sorted(
            ((found.count("not_met"), name, found.count("not_met") + found.count("met"))
             for (_, name), found in by_branch.items() if "not_met" in found),
            key=lambda fnc: (-fnc[0], fnc[1]))[:3]
        assert [(b["failures"], b["name"], b["checked"]) for b in standard["branches"]] \
            == worst_branches

    found = comparisons.moments(db, SCOPE, "name")
    assert found["reasons"] and all("name" in r["moment_reason"].lower()
                                    for r in found["reasons"])



def query(scope=SCOPE):
    return f"start={scope.start}&end={scope.end}"


@pytest.mark.parametrize("scope", [SCOPE, SHORT])
def test_the_league_export_equals_the_screen(app, db, scope):
    client = signed_in(app, OFFICE)
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/office/export/league.csv?{query(scope)}").get_data(as_text=True))))
    league = comparisons.league_table(db, scope)
    assert [(r["branch_code"], float(r["average"]), int(r["visits"])) for r in rows] == \
        [(r["code"], r["average"], r["visits"]) for r in league]
    page = html.unescape(client.get(f"/office/league?{query(scope)}&show=all").get_data(
        as_text=True))
    assert any(r["ci_low"] for r in rows)
    assert any(not r["ci_low"] for r in rows) == (scope == SHORT)
    for r in rows:
        assert f"{float(r['average']):.0f}%" in page
        if r["ci_low"]:
            low, high = float(r["ci_low"]), float(r["ci_high"])
            assert low <= float(r["average"]) <= high
            assert f"{low:.0f}–{high:.0f}" in page
            assert f'x="{low}"' in page  # the interval drawn behind the bar
        else:
            assert int(r["visits"]) < 3 and r["ci_high"] == "" and r["tier"] == ""
    assert page.count("not enough visits") >= sum(not r["ci_low"] for r in rows)


@pytest.mark.parametrize("scope", [SCOPE, SHORT])
def test_league_intervals_tiers_and_changes_match_the_statistics(db, direct, scope):
    league = comparisons.league_table(db, scope)
    by_branch = defaultdict(list)
    for v, r in in_scope(direct, scope):
        by_branch[v["branch_id"]].append(r.score)
    before = defaultdict(list)
    for v, r in in_scope(direct, scope.previous()):
        before[v["branch_id"]].append(r.score)
    intervals = []
    for row in sorted(league, key=lambda r: r["rank"]):
        summary = Summary.of(by_branch[row["id"]])
        interval = summary.interval()
        intervals.append(interval)
        if interval is None:
            assert row["ci_low"] is row["ci_high"] is None and not row["enough"]
        else:
            assert (row["ci_low"], row["ci_high"]) == (round(max(interval[0], 0), 1),
                                                       round(min(interval[1], 100), 1))
        expected = differs(summary, Summary.of(before[row["id"]])) if before[row["id"]] \
            else None
        assert row["change_significant"] == expected
    assert [r["tier"] for r in sorted(league, key=lambda r: r["rank"])] == tiers(intervals)
    assert len({r["tier"] for r in league} - {None}) > 1


def test_the_minimum_for_an_interval_is_configurable(app, db):
    app.config["MIN_VISITS_FOR_INTERVAL"] = 1000
    client = signed_in(app, OFFICE)
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/office/export/league.csv?{query()}").get_data(as_text=True))))
    assert rows and all(r["ci_low"] == "" for r in rows)
    page = client.get(f"/office/league?{query()}").get_data(as_text=True)
    assert "Below 1000 visits there is none" in page


def test_heat_map_cells_with_few_visits_are_hatched_and_marked(app, db):
    heat = comparisons.heat_map(db, SCOPE)
    unsure = [(row, key) for row in heat["rows"] for key, cell in row["cells"].items()
              if not cell["enough"]]
    sure = [cell for row in heat["rows"] for cell in row["cells"].values() if cell["enough"]]
    assert unsure and sure
    assert all(cell["visits"] < 3 for row, key in unsure for cell in [row["cells"][key]])
    assert all(c["ci_low"] <= c["score"] <= c["ci_high"] for c in sure)
    page = signed_in(app, OFFICE).get(f"/office/heatmap?{query()}&show=all").get_data(
        as_text=True)
    assert page.count('class="num cell cell-unsure"') == len(unsure)
    assert page.count("(not enough visits)") == len(unsure)
    # The key says what the colours and outlines mean, with the configured bands.
    amber, green = app.config["SCORE_BAND_AMBER"], app.config["SCORE_BAND_GREEN"]
    assert f"Under {amber}%, outlined solid" in page
    assert f"{amber}% to under {green}%, outlined dashed" in page
    assert f"{green}% and over." in page


def test_visit_and_answer_exports(app, db, direct):
    client = signed_in(app, OFFICE)
    visits = list(csv.DictReader(io.StringIO(
        client.get(f"/office/export/visits.csv?{query()}").get_data(as_text=True))))
    scoped = in_scope(direct, SCOPE)
    assert len(visits) == len(scoped)
    assert sorted(float(v["score"]) for v in visits) == sorted(r.score for _, r in scoped)
    answers = client.get(f"/office/export/answers.csv?{query()}").get_data(as_text=True)
    expected = sum(len(tp.questions) for _, r in scoped for tp in r.touchpoints)
    assert len(list(csv.DictReader(io.StringIO(answers)))) == expected


def test_a_heat_map_cell_drills_down_to_its_visits(app, db, direct):
    client = signed_in(app, OFFICE)
    branch = db.execute("SELECT id FROM branches WHERE code = 'LDS01'").fetchone()[0]
    page = html.unescape(client.get(f"/office/heatmap?{query()}").get_data(as_text=True))
    link = f"/office/visits?{query()}&touchpoint=parking&branch={branch}"
    assert link in page
    listing = client.get(link).get_data(as_text=True)
    expected = [v for v, r in in_scope(direct, SCOPE) if v["branch_id"] == branch]
    for v in expected:
        assert f"/branch/visits/{v['uuid']}" in listing
    assert listing.count("/branch/visits/") == len(expected)


@pytest.mark.parametrize("args", ["start=yesterday", "start=2026-12-01&end=2026-01-01",
                                  "checklist=abc"])
def test_bad_filters_are_a_clear_400(app, args):
    response = signed_in(app, OFFICE).get(f"/office/league?{args}")
    assert response.status_code == 400


@pytest.mark.parametrize("page", ["league", "heatmap", "trends", "consistency", "standards",
                                  "moments", "visits"])
def test_every_comparison_page_renders(app, page):
    response = signed_in(app, OFFICE).get(f"/office/{page}?{query()}&region=South")
    assert response.status_code == 200
    assert "South" in response.get_data(as_text=True)


def test_each_league_row_drills_down_to_the_branch_and_its_visits(app, db):
    branch = db.execute("SELECT id FROM branches WHERE code = 'LDS01'").fetchone()[0]
    client = signed_in(app, OFFICE)
    page = html.unescape(client.get(f"/office/league?{query()}").get_data(as_text=True))
    assert f'href="/branch/{branch}?{query()}"' in page  # the way back keeps the filters
    assert f'href="/office/visits?{query()}&branch={branch}"' in page
    back = html.unescape(client.get(f"/branch/{branch}?{query()}").get_data(as_text=True))
    assert f'href="/office/league?{query()}"' in back


def test_the_spread_is_the_population_standard_deviation():
    from shopper.domain.comparisons import spread

    scores = [70, 80, 90]
    mean = sum(scores) / 3
    mean_square = sum(s * s for s in scores) / 3
    assert spread(mean, mean_square) == 8.2  # sqrt(200 / 3)
    assert spread(80, 80 * 80 - 1e-9) == 0.0  # rounding never makes it negative


def test_the_backfill_computes_the_standard_lists_score_and_store_keeps(db):
    """The migration (and bulk loads) fill each visit's failed and unchecked standards from
    its answers in SQL; scoring writes them in Python: both the same."""
    def lists():
        return {vid: (set(failed.split(",")) - {""}, set(unchecked.split(",")) - {""})
                for vid, failed, unchecked in db.execute(
                    "SELECT id, failed_standards, unchecked_standards FROM visits "
                    "WHERE scored_at IS NOT NULL")}
    kept = lists()
    assert any(failed for failed, _ in kept.values())
    assert any(unchecked for _, unchecked in kept.values())
    db.execute("UPDATE visits SET failed_standards = '', unchecked_standards = ''")
    fill_standard_lists(db)
    assert lists() == kept
