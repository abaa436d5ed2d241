"""Comparing branches over published visits: league table, touchpoint heat map, trends,
consistency, weakest standards, golden and dull moments. Each is one function named after
the question it answers, reading the per-visit and per-touchpoint results stored when a
visit was scored (never re-scoring raw answers), returning plain dicts that the pages and
the CSV exports share, so that an export's numbers are the screen's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import repeat

from shopper.domain.comparisons import spread
from shopper.domain.stats import (
    Summary,
    differs,
    interval_fields,
    one_decimal,
    shopper_tendencies,
    tiers,
)
from shopper.store.connection import Database


@dataclass(frozen=True)
class Scope:
    """Which published visits to compare: a date range, optionally one region or checklist."""

    start: date
    end: date
    region: str | None = None
    checklist_id: int | None = None

    def previous(self) -> Scope:
        """The period of the same length just before."""
        days = (self.end - self.start).days + 1
        return Scope(self.start - timedelta(days=days), self.start - timedelta(days=1),
                     self.region, self.checklist_id)

    def where(self, visits: str = "v", branches: str = "b") -> tuple[str, dict]:
        clauses = [f"{visits}.status = 'published'",
                   f"{visits}.visit_date BETWEEN :start AND :end"]
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.region:
            clauses.append(f"{branches}.region = :region")
            params["region"] = self.region
        if self.checklist_id:
            clauses.append(f"{visits}.version_id IN (SELECT id FROM checklist_versions "
                           "WHERE checklist_id = :checklist)")
            params["checklist"] = self.checklist_id
        return " AND ".join(clauses), params

    def where_touchpoints(self, results: str = "vt") -> tuple[str, dict]:
        """The same scope over per-touchpoint results alone (they carry the visit's
        published state, date and branch): no join with the visits table."""
        clauses = [f"{results}.published = 1",
                   f"{results}.visit_date BETWEEN :start AND :end"]
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.region:
            clauses.append(f"{results}.branch_id IN (SELECT id FROM branches "
                           "WHERE region = :region)")
            params["region"] = self.region
        if self.checklist_id:
            clauses.append(f"{results}.touchpoint_id IN (SELECT t.id FROM touchpoints t JOIN "
                           "checklist_versions cv ON cv.id = t.version_id "
                           "WHERE cv.checklist_id = :checklist)")
            params["checklist"] = self.checklist_id
        return " AND ".join(clauses), params


def month_split(scope: Scope) -> tuple[tuple[str, str] | None, list[Scope]]:
    """The months wholly inside the scope (first and last, "YYYY-MM"), which the monthly
    sums answer, and the scopes of the days before and after them, which the visits do."""
    first = scope.start if scope.start.day == 1 else _next_month(scope.start)
    after = _next_month(scope.end)  # the first day after the scope's last month
    last_day = scope.end if after - timedelta(days=1) == scope.end else \
        scope.end.replace(day=1) - timedelta(days=1)
    if first > last_day:
        return None, [scope]
    edges = []
    if scope.start < first:
        edges.append(Scope(scope.start, first - timedelta(days=1), scope.region,
                           scope.checklist_id))
    if last_day < scope.end:
        edges.append(Scope(last_day + timedelta(days=1), scope.end, scope.region,
                           scope.checklist_id))
    return (f"{first:%Y-%m}", f"{last_day:%Y-%m}"), edges


def month_cover(scope: Scope) -> tuple[tuple[str, str] | None, list[Scope], list[Scope]]:
    """Like month_split, for sums that can be taken apart: the months to read from the
    monthly sums, the days to add to them and the days to take away. A first or last
    month mostly inside the scope is read whole, less its days outside the scope, when
    those are fewer than its days inside: a period from the 4th counts 3 days of visits
    rather than 27. Counts come out exact; sums of scores differ in their last bits,
    which one_decimal rounds away."""
    months, edges = month_split(scope)
    if not months:
        return months, edges, []
    first, last = months
    add, take = [], []
    for edge in edges:
        month_start = edge.start.replace(day=1)
        month_end = _next_month(edge.start) - timedelta(days=1)
        outside = Scope(month_start, edge.start - timedelta(days=1), scope.region,
                        scope.checklist_id) if edge.start > month_start else Scope(
            edge.end + timedelta(days=1), month_end, scope.region, scope.checklist_id)
        if (outside.end - outside.start) < (edge.end - edge.start):
            take.append(outside)
            first, last = min(first, f"{month_start:%Y-%m}"), max(last, f"{month_start:%Y-%m}")
        else:
            add.append(edge)
    return (first, last), add, take


def signed_days(scope: Scope) -> tuple[tuple[str, str] | None, list[tuple[Scope, int]]]:
    """month_cover's months, and its days to add (+1) and to take away (-1)."""
    months, add, take = month_cover(scope)
    return months, [(days, 1) for days in add] + [(days, -1) for days in take]


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _sums_where(scope: Scope, months: tuple[str, str], sums: str = "m",
                by_region: bool = False) -> tuple[str, dict]:
    """The scope over monthly sums of whole months, kept by branch or `by_region`."""
    clauses = [f"{sums}.month BETWEEN :first AND :last"]
    params: dict = {"first": months[0], "last": months[1]}
    if scope.region:
        clauses.append(f"{sums}.region = :region" if by_region else
                       f"{sums}.branch_id IN (SELECT id FROM branches WHERE region = :region)")
        params["region"] = scope.region
    if scope.checklist_id:
        clauses.append(f"{sums}.checklist_id = :checklist")
        params["checklist"] = scope.checklist_id
    return " AND ".join(clauses), params


def _add(totals: dict, key, *values, sign: int = 1) -> None:
    found = totals.setdefault(key, [0] * len(values))
    for i, value in enumerate(values):
        found[i] += sign * (value or 0)


LEAGUE_SORTS = {"rank": "rank", "branch": "name", "region": "region", "visits": "visits",
                "average": "average", "change": "change", "critical": "critical_failures"}


def league_table(db: Database, scope: Scope, sort: str = "rank",
                 descending: bool = False, weakest: bool = True, minimum: int = 3) -> list[dict]:
    """Branches ranked by average score: visits, the average's 90% interval (from
    `minimum` visits up) and tier, change against the previous period of the same length
    and whether it is significant, weakest touchpoint and critical failures. With
    weakest=False the weakest touchpoints are left to `add_weakest_touchpoints` for the
    rows on show: they take most of the time over a year of a large network.

    CROSS JOIN keeps the visits as the outer loop (SQLite's documented way to fix a join
    order), read from the covering index visits_status_date: left to itself the planner
    walked every branch and looked up its visits' rows, three times slower for 90 days."""
    where, params = scope.where()
    rows = list(db.query(
        f"""SELECT b.id, b.code, b.name, b.region, COUNT(*) AS visits,
                   AVG(v.score) AS mean, AVG(v.score * v.score) AS mean_square,
                   SUM(v.critical_failed) AS critical_failures
            FROM visits v CROSS JOIN branches b ON b.id = v.branch_id
            WHERE {where} GROUP BY b.id ORDER BY AVG(v.score) DESC, b.name""", params))
    previous = _summaries(db, scope.previous())
    for rank, row in enumerate(rows, start=1):
        summary = Summary.from_moments(row["visits"], row.pop("mean"), row.pop("mean_square"))
        row.update(rank=rank, average=one_decimal(summary.mean),
                   **interval_fields(summary, minimum))
        row["summary"] = summary
        before = previous.get(row["id"])
        row["change"] = None if before is None else round(
            row["average"] - one_decimal(before.mean), 1)
        row["change_significant"] = None if before is None else differs(
            summary, before, minimum)
    for row, tier in zip(rows, tiers([r["summary"].interval(minimum) for r in rows]),
                         strict=True):
        row["tier"] = tier
        del row["summary"]
    if weakest:
        add_weakest_touchpoints(db, scope, rows)
    key = LEAGUE_SORTS.get(sort, "rank")
    rows.sort(key=lambda r: (r[key] is None, r[key]), reverse=descending)
    return rows


def _summaries(db, scope: Scope) -> dict[int, Summary]:
    where, params = scope.where()
    return {r[0]: Summary.from_moments(r[1], r[2], r[3]) for r in db.execute(
        f"""SELECT b.id, COUNT(*), AVG(v.score), AVG(v.score * v.score)
            FROM visits v CROSS JOIN branches b ON b.id = v.branch_id
            WHERE {where} GROUP BY b.id""", params)}


def add_weakest_touchpoints(db: Database, scope: Scope, rows: list[dict]) -> list[dict]:
    """Each league row's weakest touchpoint and its score, for these rows only."""
    worst = weakest_touchpoint_by_branch(db, scope, [row["id"] for row in rows])
    for row in rows:
        row["worst_touchpoint"], row["worst_score"] = worst.get(row["id"], (None, None))
    return rows


def _touchpoint_sums(db, scope: Scope, branch_ids: list[int] | None = None) -> dict:
    """Each branch's scored touchpoint results: (branch, key) -> (count, sum of scores,
    sum of squares), for averages and intervals. Whole months from the monthly sums, the
    days around them from the touchpoint results."""
    # ids come from the database: integers, safe to inline
    ids = None if branch_ids is None else ",".join(str(int(b)) for b in branch_ids) or "NULL"

    def only(alias: str) -> str:
        return "" if ids is None else f" AND {alias}.branch_id IN ({ids})"

    sums: dict = {}  # (branch, key) -> [scored, sum, squares]
    months, edges = signed_days(scope)
    if months:
        where, params = _sums_where(scope, months)
        sums = {(branch_id, key): values for branch_id, key, *values in db.execute(
            f"""SELECT m.branch_id, m.touchpoint_key, SUM(m.scored), SUM(m.score_sum),
                       SUM(m.score_squares) FROM monthly_touchpoints m
                WHERE {where}{only("m")} GROUP BY 1, 2""", params)}
    for edge, sign in edges:
        where, params = edge.where_touchpoints()
        for branch_id, key, *values in db.execute(
                f"""SELECT vt.branch_id, vt.touchpoint_key, COUNT(vt.score), SUM(vt.score),
                           SUM(vt.score * vt.score) FROM visit_touchpoints vt
                    WHERE {where}{only("vt")} GROUP BY 2, 1""", params):
            # (grouped by touchpoint first, SQLite reads the covering index of published
            # results; by branch first, it skip-scanned the branch index and its rows)
            _add(sums, (branch_id, key), *values, sign=sign)
    return {found: tuple(values) for found, values in sums.items() if values[0]}


def weakest_touchpoint_by_branch(db, scope: Scope, branch_ids: list[int] | None = None) -> dict:
    names = touchpoint_names(db)
    worst: dict = {}
    for (branch_id, key), (n, total, _) in _touchpoint_sums(db, scope, branch_ids).items():
        current = worst.get(branch_id)
        if current is None or total / n < current[1]:
            worst[branch_id] = (names.get(key, key), total / n)
    return {b: (name, one_decimal(score)) for b, (name, score) in worst.items()}


def touchpoint_names(db: Database) -> dict[str, str]:
    """Touchpoint key -> its name in the newest checklist version that has it."""
    return dict(db.execute("SELECT key, name FROM touchpoints ORDER BY version_id").fetchall())


def touchpoint_order(db: Database) -> list[tuple[str, str]]:
    """(key, name) in journey order, as the newest versions list them."""
    seen: dict[str, tuple[int, str]] = {}
    for key, name, position in db.execute(
            "SELECT key, name, position FROM touchpoints ORDER BY version_id"):
        seen[key] = (position, name)
    return [(k, n) for k, (p, n) in sorted(seen.items(), key=lambda kv: kv[1][0])]


def heat_map(db: Database, scope: Scope, minimum: int = 3, intervals: bool = True) -> dict:
    """Branches × touchpoints, average score per cell with its 90% interval (from
    `minimum` visits up), and a roll-up row per region over all its branches' visits.
    With intervals=False the cells stay (visits, mean, mean of squares) for
    `add_cell_intervals` to finish on the rows on show: over 2,000 branches the intervals
    are most of the time a page of 100 does not need."""
    order = touchpoint_order(db)
    branches = {b["id"]: b for b in db.query("SELECT id, code, name, region FROM branches")}
    cells: dict = {}
    regions: dict = {}  # region -> key -> [count, sum, squares]
    for (branch_id, key), (n, total, squares) in _touchpoint_sums(db, scope).items():
        cells.setdefault(branch_id, {})[key] = (n, total / n, squares / n)
        _add(regions.setdefault(branches[branch_id]["region"], {}), key, n, total, squares)
    rows = []
    for region in sorted(regions):
        members = sorted((b for b in cells if branches[b]["region"] == region),
                         key=lambda b: branches[b]["name"])
        rows.append({"region": region, "rollup": True, "cells": {
            k: (n, s / n, sq / n) for k, (n, s, sq) in regions[region].items()}})
        rows += [{**branches[b], "rollup": False, "cells": cells[b]} for b in members]
    if intervals:
        add_cell_intervals(rows, minimum)
    return {"touchpoints": order, "rows": rows}


def add_cell_intervals(rows: list[dict], minimum: int) -> list[dict]:
    """Each heat-map cell of these rows as shown: its score, visits and 90% interval."""
    for row in rows:
        row["cells"] = {key: cell if isinstance(cell, dict) else _cell(
            Summary.from_moments(*cell), minimum) for key, cell in row["cells"].items()}
    return rows


def _cell(summary: Summary, minimum: int) -> dict:
    return {"score": one_decimal(summary.mean), "visits": summary.n,
            **interval_fields(summary, minimum)}


def touchpoint_visits(db: Database, scope: Scope, branch_id: int | None,
                      touchpoint: str | None, *, limit: int = -1,
                      offset: int = 0) -> tuple[list[dict], int]:
    """The published visits behind a heat-map cell (or a league-table row), newest first:
    `limit` of them from `offset` (all with -1), and how many there are in all."""
    where, params = scope.where()
    extra = ""
    if branch_id is not None:
        extra += " AND v.branch_id = :branch"
        params["branch"] = branch_id
    params.update(limit=int(limit), offset=int(offset))
    if touchpoint:
        params["touchpoint"] = touchpoint
        source = f"""FROM visit_touchpoints vt JOIN visits v ON v.id = vt.visit_id
                     JOIN branches b ON b.id = v.branch_id
                     WHERE {where}{extra} AND vt.touchpoint_key = :touchpoint"""
        columns = "vt.score AS touchpoint_score, vt.moment, vt.moment_reason"
    else:
        source = f"FROM visits v JOIN branches b ON b.id = v.branch_id WHERE {where}{extra}"
        columns = "NULL AS touchpoint_score, NULL AS moment, '' AS moment_reason"
    total = db.execute(f"SELECT COUNT(*) {source}", params).fetchone()[0]
    rows = list(db.query(
        f"""SELECT v.uuid, v.visit_date, v.score, v.critical_failed, b.name AS branch_name,
                   {columns} {source}
            ORDER BY v.visit_date DESC, v.id DESC LIMIT :limit OFFSET :offset""", params))
    return rows, total


def monthly_trend(db: Database, scope: Scope) -> dict:
    """Network and region average per month, and each touchpoint's network average: whole
    months from the monthly sums, the days around them from the visits."""
    months, edges = month_split(scope)
    by_region: dict = {}  # (month, region) -> [visits, scored, score sum]
    by_touchpoint: dict = {}  # (month, key) -> [scored, score sum]
    if months:
        where, params = _sums_where(scope, months)
        for month, region, visits, scored, total in db.execute(
                f"""SELECT m.month, b.region, SUM(m.visits), SUM(m.scored), SUM(m.score_sum)
                    FROM monthly_visits m JOIN branches b ON b.id = m.branch_id
                    WHERE {where} GROUP BY 1, 2""", params):
            _add(by_region, (month, region), visits, scored, total)
        for month, key, scored, total in db.execute(
                f"""SELECT m.month, m.touchpoint_key, SUM(m.scored), SUM(m.score_sum)
                    FROM monthly_touchpoints m WHERE {where} GROUP BY 1, 2""", params):
            _add(by_touchpoint, (month, key), scored, total)
    for edge in edges:
        where, params = edge.where()
        for month, region, visits, scored, total in db.execute(
                f"""SELECT substr(v.visit_date, 1, 7), b.region, COUNT(*), COUNT(v.score),
                           SUM(v.score)
                    FROM visits v JOIN branches b ON b.id = v.branch_id WHERE {where}
                    GROUP BY 1, 2""", params):
            _add(by_region, (month, region), visits, scored, total)
        tp_where, tp_params = edge.where_touchpoints()
        for month, key, scored, total in db.execute(
                f"""SELECT substr(vt.visit_date, 1, 7), vt.touchpoint_key, COUNT(vt.score),
                           SUM(vt.score)
                    FROM visit_touchpoints vt WHERE {tp_where} GROUP BY 1, 2""", tp_params):
            _add(by_touchpoint, (month, key), scored, total)
    network: dict = {}
    regions: dict = {}
    for (month, region), (visits, scored, total) in by_region.items():
        if visits:
            _add(network, month, scored, total)
            regions.setdefault(region, {})[month] = _average(scored, total)
    touchpoints: dict = {}
    for (month, key), (scored, total) in sorted(by_touchpoint.items()):
        if scored:
            touchpoints.setdefault(key, {})[month] = _average(scored, total)
    return {"months": sorted(network),
            "network": {m: _average(*network[m]) for m in sorted(network)},
            "regions": {r: dict(sorted(v.items())) for r, v in sorted(regions.items())},
            "touchpoints": touchpoints}


def _average(scored: int, total: float) -> float | None:
    return one_decimal(total / scored) if scored else None


def consistency(db: Database, scope: Scope) -> dict:
    """How much scores vary (population standard deviation): per branch over its visits,
    and per touchpoint over every visit. One bad moment can undo good ones. Whole months
    from the monthly sums, the days around them from the visits (signed_days)."""
    months, edges = signed_days(scope)
    per_branch: dict = {}  # branch -> [visits, scored, sum, squares]
    per_touchpoint: dict = {}  # key -> [scored, sum, squares]
    if months:
        where, params = _sums_where(scope, months)
        for row in db.execute(
                f"""SELECT m.branch_id, SUM(m.visits), SUM(m.scored), SUM(m.score_sum),
                           SUM(m.score_squares) FROM monthly_visits m WHERE {where}
                    GROUP BY 1""", params):
            _add(per_branch, row[0], *row[1:])
        for row in db.execute(
                f"""SELECT m.touchpoint_key, SUM(m.scored), SUM(m.score_sum),
                           SUM(m.score_squares) FROM monthly_touchpoints m WHERE {where}
                    GROUP BY m.month, 1""", params):  # in the key's order: no sorting
            _add(per_touchpoint, row[0], *row[1:])
    for edge, sign in edges:
        where, params = edge.where()
        for row in db.execute(
                f"""SELECT v.branch_id, COUNT(*), COUNT(v.score), SUM(v.score),
                           SUM(v.score * v.score)
                    FROM visits v JOIN branches b ON b.id = v.branch_id WHERE {where}
                    GROUP BY 1""", params):
            _add(per_branch, row[0], *row[1:], sign=sign)
        tp_where, tp_params = edge.where_touchpoints()
        for row in db.execute(
                f"""SELECT vt.touchpoint_key, COUNT(vt.score), SUM(vt.score),
                           SUM(vt.score * vt.score)
                    FROM visit_touchpoints vt WHERE {tp_where} GROUP BY 1""", tp_params):
            _add(per_touchpoint, row[0], *row[1:], sign=sign)
    known = {r["id"]: r for r in db.query("SELECT id, name, region FROM branches")}
    branches = [
        {**known[branch_id], "visits": visits, "average": one_decimal(total / scored),
         "spread": spread(total / scored, squares / scored)}
        for branch_id, (visits, scored, total, squares) in per_branch.items() if scored]
    names = touchpoint_names(db)
    touchpoints = [
        {"key": key, "name": names.get(key, key), "visits": scored,
         "average": one_decimal(total / scored),
         "spread": spread(total / scored, squares / scored)}
        for key, (scored, total, squares) in per_touchpoint.items() if scored]
    branches.sort(key=lambda r: -r["spread"])
    touchpoints.sort(key=lambda r: -r["spread"])
    return {"branches": branches, "touchpoints": touchpoints}


def branch_scores(db: Database, scope: Scope, branch_ids: list[int]) -> dict[int, list[float]]:
    """Every published visit's score in scope at these branches, by branch: the dots of a
    strip plot."""
    where, params = scope.where()
    scores: dict[int, list[float]] = {branch_id: [] for branch_id in branch_ids}
    for branch_id, score in db.execute(
            f"""SELECT v.branch_id, v.score FROM visits v JOIN branches b ON b.id = v.branch_id
                WHERE {where} AND v.score IS NOT NULL
                  AND v.branch_id IN ({",".join(str(int(b)) for b in branch_ids) or "NULL"})
                ORDER BY v.score""", params):
        scores.setdefault(branch_id, []).append(score)
    return scores


def shopper_calibration(db: Database, scope: Scope, minimum: int = 3) -> list[dict]:
    """Each shopper's scoring tendency over the visits in scope (stats.shopper_tendencies):
    how far their scores sit from other shoppers' at the same branches, with a 90%
    interval; harshest first. SQL sums each shopper's visits to each branch, read from a
    covering index (m023)."""
    where, params = scope.where()
    groups = db.execute(
        f"""SELECT v.shopper_id, v.branch_id, COUNT(*), SUM(v.score), SUM(v.score * v.score)
            FROM visits v JOIN branches b ON b.id = v.branch_id
            WHERE {where} AND v.score IS NOT NULL GROUP BY 2, 1""", params).fetchall()
    found = shopper_tendencies(groups, minimum)
    names = dict(db.execute("SELECT id, name FROM users").fetchall())
    return sorted(({"id": who, "name": names.get(who, "?"), **row} for who, row in found.items()),
                  key=lambda r: (r["tendency"], r["name"]))


def appeal_counts(db: Database, scope: Scope, limit: int = 10) -> dict:
    """Appeals against the findings of the visits in scope, per branch (which branches
    challenge most) and per shopper (whose findings are overturned most): how many were
    made, and how many overturned; the `limit` with most appeals of each, and how many
    branches and shoppers there are in all (`branches_total`, `shoppers_total`)."""
    where, params = scope.where()
    counts = {}
    for who, key, name in (("branches", "b.id", "b.name"), ("shoppers", "u.id", "u.name")):
        # Appeals outer (a few thousand), not the period's visits (CROSS JOIN fixes it).
        source = f"""FROM appeals ap CROSS JOIN visits v ON v.id = ap.visit_id
                     JOIN branches b ON b.id = v.branch_id JOIN users u ON u.id = v.shopper_id
                     WHERE {where}"""
        counts[who] = list(db.query(
            f"""SELECT {key}, {name}, COUNT(*) AS made,
                       SUM(ap.status = 'overturned') AS overturned,
                       SUM(ap.status = 'open') AS waiting {source}
                GROUP BY 1 ORDER BY made DESC, overturned DESC, 2 LIMIT {int(limit)}""",
            params))
        counts[f"{who}_total"] = db.execute(
            f"SELECT COUNT(DISTINCT {key}) {source}", params).fetchone()[0]
    return counts


def weakest_standards(db: Database, scope: Scope, limit: int = 10) -> list[dict]:
    """The standards most often not met across the network, each with the branches where
    it fails most. Questions are matched across checklist versions by touchpoint and key.

    A standard is checked on a visit when its checklist version has it and the visit did
    not leave it unchecked. Whole months are counted from the monthly sums (m024): the
    region sums rank the standards, then the branch sums are read only for the few shown.
    The days around them are counted from each visit's short lists of failed and
    unchecked standards (visits.score_and_store)."""
    questions = {qid: (tp, key, text, standard, version)
                 for qid, tp, key, text, standard, version in db.execute(
                     """SELECT q.id, t.key, q.key, q.text, q.standard, t.version_id
                        FROM questions q JOIN touchpoints t ON t.id = q.touchpoint_id
                        WHERE q.category = 'basic'""")}
    months, edges = signed_days(scope)
    days = _standard_counts_by_day(db, edges)
    network = _standards_by(questions, *_standard_counts(db, scope, months, days))
    failing = sorted((e for e in network.values() if e["failures"] > 0),
                     key=lambda e: (-e["failures"] / e["checked"], -e["failures"],
                                    e["touchpoint"], e["question"]))[:limit]
    shown = {(e["touchpoint"], e["question"]) for e in failing}
    shown_questions = {qid: q for qid, q in questions.items() if (q[0], q[1]) in shown}
    by_branch = _standards_by(shown_questions, *_standard_counts(
        db, scope, months, days, list(shown_questions)), per_branch=True)
    names = touchpoint_names(db)
    branch_names = dict(db.execute("SELECT id, name FROM branches").fetchall())
    for entry in failing:
        entry["touchpoint_name"] = names.get(entry["touchpoint"], entry["touchpoint"])
        entry["rate"] = round(100 * entry["failures"] / entry["checked"], 1)
        branches = by_branch[(entry["touchpoint"], entry["question"])]["by_branch"]
        worst = sorted(((f, c, b) for b, (f, c) in branches.items() if f > 0),
                       key=lambda fcb: (-fcb[0], branch_names[fcb[2]]))[:3]
        entry["branches"] = [{"id": b, "name": branch_names[b], "failures": f, "checked": c,
                              "rate": round(100 * f / c, 1)} for f, c, b in worst]
    return failing


def _standards_by(questions: dict, visits_of: Counter, failed: Counter, unchecked: Counter,
                  per_branch: bool = False) -> dict[tuple[str, str], dict]:
    """Failures and checks per standard (touchpoint, key), and per branch if asked, from
    counts keyed by (version or question id, branch id or None). The loop runs once per
    version, branch and question, so it keeps to plain lookups."""
    by_version: dict[int, list] = {}
    for qid, (tp, key, *_, version_id) in questions.items():
        by_version.setdefault(version_id, []).append((qid, (tp, key)))
    found: dict[tuple[str, str], list] = {}  # -> [failures, checked, question ids, branches]
    failed_of, unchecked_of = failed.get, unchecked.get
    for (version_id, branch_id), seen in visits_of.items():
        for qid, standard in by_version.get(version_id, ()):
            checked = seen - unchecked_of((qid, branch_id), 0)
            if checked <= 0:
                continue
            failures = failed_of((qid, branch_id), 0)
            totals = found.get(standard)
            if totals is None:
                totals = found[standard] = [0, 0, set(), {}]
            totals[0] += failures
            totals[1] += checked
            totals[2].add(qid)
            if per_branch:
                counts = totals[3].setdefault(branch_id, [0, 0])
                counts[0] += failures
                counts[1] += checked
    return {(tp, key): {
        "touchpoint": tp, "question": key,
        "text": max(questions[qid][2] for qid in qids),
        "standard": max(questions[qid][3] for qid in qids),
        "failures": failures, "checked": checked, **({"by_branch": branches} if per_branch else {})}
        for (tp, key), (failures, checked, qids, branches) in found.items()}


def _standard_counts_by_day(db: Database, edges: list[tuple[Scope, int]]) -> tuple[
        Counter, Counter, Counter]:
    """The days to add less the days to take away (signed_days), from the visits' lists:
    visits per (checklist version, branch), failures and unchecked per (question id,
    branch)."""
    visits_of: Counter = Counter()
    failed: Counter = Counter()
    unchecked: Counter = Counter()
    for days, sign in edges:
        where, params = days.where()
        for version_id, branch_id, failures, skipped in db.execute(
                f"""SELECT v.version_id, v.branch_id, v.failed_standards,
                           v.unchecked_standards
                    FROM visits v JOIN branches b ON b.id = v.branch_id WHERE {where}""",
                params):
            visits_of[(version_id, branch_id)] += sign
            for counter, listed in ((failed, failures), (unchecked, skipped)):
                if listed:
                    keys = zip(map(int, listed.split(",")), repeat(branch_id))
                    (counter.update if sign > 0 else counter.subtract)(keys)
    return visits_of, failed, unchecked


def _standard_counts(db: Database, scope: Scope, months: tuple[str, str] | None,
                     days: tuple[Counter, Counter, Counter],
                     question_ids: list[int] | None = None) -> tuple[Counter, Counter,
                                                                     Counter]:
    """The scope's visits per checklist version, failures and unchecked per question:
    whole months from the sums, plus the counts of the days around them. Over the
    network (keyed by id and None), or per branch for `question_ids` only."""
    per_branch = question_ids is not None
    visits_of: Counter = Counter()
    failed: Counter = Counter()
    unchecked: Counter = Counter()
    if months:
        # One row per key, so the counters are built whole (per branch, thousands of rows).
        branch = "m.branch_id" if per_branch else "NULL"
        where, params = _sums_where(scope, months)
        visits_of.update({(version_id, branch_id): seen for version_id, branch_id, seen in
                          db.execute(f"""SELECT m.version_id, {branch}, SUM(m.visits)
                                         FROM monthly_versions m WHERE {where}
                                         GROUP BY 1, 2""", params)})
        if per_branch:  # only the few questions shown
            where += f" AND m.question_id IN ({','.join(map(str, question_ids)) or 'NULL'})"
            table = "monthly_standards"
        else:
            where, params = _sums_where(scope, months, by_region=True)
            table = "monthly_region_standards"
        rows = db.execute(f"""SELECT m.question_id, {branch}, SUM(m.failed), SUM(m.unchecked)
                              FROM {table} m WHERE {where} GROUP BY 1, 2""", params).fetchall()
        failed.update({(qid, branch_id): n for qid, branch_id, n, _ in rows})
        unchecked.update({(qid, branch_id): n for qid, branch_id, _, n in rows})
    wanted = set(question_ids or ())
    for counted, into in zip(days, (visits_of, failed, unchecked), strict=True):
        for (key, branch_id), n in counted.items():
            if not per_branch:
                into[(key, None)] += n
            elif into is visits_of or key in wanted:
                into[(key, branch_id)] += n
    return visits_of, failed, unchecked


def moments(db: Database, scope: Scope, search: str = "", limit: int = 50) -> dict:
    """Share of golden and dull moments per touchpoint, and the shoppers' reasons
    (optionally only those containing `search`)."""
    months, edges = signed_days(scope)
    counts: dict = {}  # key -> [results, golden, dull]
    if months:
        where, params = _sums_where(scope, months)
        for row in db.execute(
                f"""SELECT m.touchpoint_key, SUM(m.results), SUM(m.golden), SUM(m.dull)
                    FROM monthly_touchpoints m WHERE {where}
                    GROUP BY m.month, 1""", params):  # in the key's order: no sorting
            _add(counts, row[0], *row[1:])
    for edge, sign in edges:
        where, params = edge.where_touchpoints()
        for row in db.execute(
                f"""SELECT vt.touchpoint_key, COUNT(*), SUM(vt.moment = 'golden'),
                           SUM(vt.moment = 'dull')
                    FROM visit_touchpoints vt WHERE {where} GROUP BY 1""", params):
            _add(counts, row[0], *row[1:], sign=sign)
    names = touchpoint_names(db)
    shares = [
        {"key": key, "total": total, "golden": golden, "dull": dull,
         "name": names.get(key, key), "golden_share": round(100 * golden / total, 1),
         "dull_share": round(100 * dull / total, 1)}
        for key, (total, golden, dull) in counts.items() if total]
    order = {k: i for i, (k, _) in enumerate(touchpoint_order(db))}
    shares.sort(key=lambda r: order.get(r["key"], 99))
    where, params = scope.where_touchpoints()
    params["search"] = f"%{search.strip()}%"
    reasons = list(db.query(
        f"""SELECT v.uuid, vt.visit_date, b.name AS branch_name, vt.touchpoint_key AS key,
                   vt.moment, vt.moment_reason
            FROM visit_touchpoints vt JOIN visits v ON v.id = vt.visit_id
            JOIN branches b ON b.id = vt.branch_id
            WHERE {where} AND vt.moment IS NOT NULL AND vt.moment_reason != ''
              AND vt.moment_reason LIKE :search
            ORDER BY vt.visit_date DESC LIMIT {int(limit)}""", params))
    for r in reasons:
        r["name"] = names.get(r["key"], r["key"])
    return {"shares": shares, "reasons": reasons}
