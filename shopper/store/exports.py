"""CSV exports. Every cell a person wrote is guarded against spreadsheet formula injection:
a value starting with = + - @ (or a tab or carriage return) is prefixed with an apostrophe,
so Excel and LibreOffice show it as text instead of running it."""

from __future__ import annotations

import csv
import io

from shopper.store.comparisons import league_table
from shopper.store.connection import Database

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def to_csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


BRANCH_ANSWERS = ["visit_date", "visit_id", "branch_code", "checklist", "checklist_version",
                  "visit_score", "visit_critical_failure", "touchpoint", "touchpoint_score",
                  "question", "standard", "outcome", "observed", "points_earned",
                  "points_possible", "note"]


def branch_answers(db: Database, branch_id: int) -> str:
    """One row per answer of the branch's published visits (tidy: one fact a row). Nothing
    about who the shopper was."""
    rows = db.execute(
        """SELECT v.visit_date, v.uuid, b.code, cv.name, cv.version, v.score,
                  v.critical_failed, t.name, vt.score, q.text, q.standard, a.outcome,
                  a.observed, a.earned, a.possible, a.note
           FROM answers a
           JOIN visits v ON v.id = a.visit_id
           JOIN branches b ON b.id = v.branch_id
           JOIN checklist_versions cv ON cv.id = v.version_id
           JOIN questions q ON q.id = a.question_id
           JOIN touchpoints t ON t.id = q.touchpoint_id
           LEFT JOIN visit_touchpoints vt ON vt.visit_id = v.id AND vt.touchpoint_id = t.id
           WHERE v.branch_id = ? AND v.status = 'published'
           ORDER BY v.visit_date, v.id, t.position, q.position""", [branch_id])
    return to_csv(BRANCH_ANSWERS, rows)


def visits(db: Database, scope) -> str:
    """One row per published visit in the scope, with its score."""
    where, params = scope.where()
    rows = db.execute(
        f"""SELECT v.visit_date, v.uuid, b.code, b.name, b.region, cv.name, cv.version,
                   v.score, v.critical_failed, v.acknowledged_at IS NOT NULL
            FROM visits v JOIN branches b ON b.id = v.branch_id
            JOIN checklist_versions cv ON cv.id = v.version_id
            WHERE {where} ORDER BY v.visit_date, v.id""", params)
    return to_csv(["visit_date", "visit_id", "branch_code", "branch", "region", "checklist",
                   "checklist_version", "score", "critical_failure", "acknowledged"], rows)


def answers(db: Database, scope) -> str:
    """One row per answer of every published visit in the scope (tidy)."""
    where, params = scope.where()
    rows = db.execute(
        f"""SELECT v.visit_date, v.uuid, b.code, b.region, t.key, q.key, q.text,
                   a.outcome, a.observed, a.earned, a.possible, a.note
            FROM answers a JOIN visits v ON v.id = a.visit_id
            JOIN branches b ON b.id = v.branch_id
            JOIN questions q ON q.id = a.question_id JOIN touchpoints t ON t.id = q.touchpoint_id
            WHERE {where} ORDER BY v.visit_date, v.id, t.position, q.position""", params)
    return to_csv(["visit_date", "visit_id", "branch_code", "region", "touchpoint", "question",
                   "text", "outcome", "observed", "points_earned", "points_possible", "note"],
                  rows)


def league(db: Database, scope, minimum: int = 3) -> str:
    """The league table exactly as the page shows it, with each average's 90% interval
    (empty below `minimum` visits), its tier, and whether the change is significant."""
    return to_csv(["rank", "branch_code", "branch", "region", "visits", "average", "ci_low",
                   "ci_high", "tier", "change", "change_significant", "worst_touchpoint",
                   "worst_touchpoint_score", "critical_failures"],
                  ([r["rank"], r["code"], r["name"], r["region"], r["visits"], r["average"],
                    r["ci_low"], r["ci_high"], r["tier"], r["change"],
                    _yes_no(r["change_significant"]), r["worst_touchpoint"], r["worst_score"],
                    r["critical_failures"]]
                   for r in league_table(db, scope, minimum=minimum)))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"
