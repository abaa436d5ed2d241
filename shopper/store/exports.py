"""CSV exports. Every cell a person wrote is guarded against spreadsheet formula injection:
a value starting with = + - @ (or a tab or carriage return) is prefixed with an apostrophe,
so Excel and LibreOffice show it as text instead of running it.

Exports stream: each is an `Export` (its header, its rows straight from the database
cursor, and a count of them), written out by `csv_chunks` a few thousand rows at a time,
so memory does not grow with the size of the export (a year's answers is ~500 MB of CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from shopper.store.comparisons import league_table
from shopper.store.connection import Database

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


CHUNK_ROWS = 500  # about 100 KB of CSV


def csv_chunks(header: list[str], rows: Iterable, chunk_rows: int = CHUNK_ROWS) -> Iterator[str]:
    """The CSV text of `header` and `rows`, `chunk_rows` rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow([safe_cell(v) for v in row])
        if n % chunk_rows == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


@dataclass(frozen=True)
class Export:
    """One export: its columns, its rows (an iterator over the database cursor) and how
    many rows it will have (asked first, for a progress bar and to choose how to serve it)."""

    header: list[str]
    rows: Callable[[], Iterator]
    count: Callable[[], int]

    def chunks(self) -> Iterator[str]:
        return csv_chunks(self.header, self.rows())


BRANCH_ANSWERS = ["visit_date", "visit_id", "branch_code", "checklist", "checklist_version",
                  "visit_score", "visit_critical_failure", "touchpoint", "touchpoint_score",
                  "question", "standard", "outcome", "observed", "points_earned",
                  "points_possible", "note"]


def branch_answers(db: Database, branch_id: int) -> Export:
    """One row per answer of the branch's published visits (tidy: one fact a row). Nothing
    about who the shopper was."""
    return Export(BRANCH_ANSWERS, lambda: db.execute(
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
           ORDER BY v.visit_date, v.id, t.position, q.position""", [branch_id]),
        lambda: db.execute(
            "SELECT COUNT(*) FROM answers a JOIN visits v ON v.id = a.visit_id "
            "WHERE v.branch_id = ? AND v.status = 'published'", [branch_id]).fetchone()[0])


VISITS = ["visit_date", "visit_id", "branch_code", "branch", "region", "checklist",
          "checklist_version", "score", "critical_failure", "acknowledged"]
ANSWERS = ["visit_date", "visit_id", "branch_code", "region", "touchpoint", "question",
           "text", "outcome", "observed", "points_earned", "points_possible", "note"]


def visits(db: Database, scope) -> Export:
    """One row per published visit in the scope, with its score."""
    where, params = scope.where()
    return Export(VISITS, lambda: db.execute(
        f"""SELECT v.visit_date, v.uuid, b.code, b.name, b.region, cv.name, cv.version,
                   v.score, v.critical_failed, v.acknowledged_at IS NOT NULL
            FROM visits v JOIN branches b ON b.id = v.branch_id
            JOIN checklist_versions cv ON cv.id = v.version_id
            WHERE {where} ORDER BY v.visit_date, v.id""", params),
        lambda: db.execute(f"SELECT COUNT(*) FROM visits v JOIN branches b "
                           f"ON b.id = v.branch_id WHERE {where}", params).fetchone()[0])


def answers(db: Database, scope) -> Export:
    """One row per answer of every published visit in the scope (tidy)."""
    where, params = scope.where()
    return Export(ANSWERS, lambda: db.execute(
        f"""SELECT v.visit_date, v.uuid, b.code, b.region, t.key, q.key, q.text,
                   a.outcome, a.observed, a.earned, a.possible, a.note
            FROM answers a JOIN visits v ON v.id = a.visit_id
            JOIN branches b ON b.id = v.branch_id
            JOIN questions q ON q.id = a.question_id JOIN touchpoints t ON t.id = q.touchpoint_id
            WHERE {where} ORDER BY v.visit_date, v.id, t.position, q.position""", params),
        lambda: db.execute(f"SELECT COUNT(*) FROM answers a JOIN visits v "
                           f"ON v.id = a.visit_id JOIN branches b ON b.id = v.branch_id "
                           f"WHERE {where}", params).fetchone()[0])


LEAGUE = ["rank", "branch_code", "branch", "region", "visits", "average", "ci_low",
          "ci_high", "tier", "change", "change_significant", "worst_touchpoint",
          "worst_touchpoint_score", "critical_failures"]


def league(db: Database, scope, minimum: int = 3) -> Export:
    """The league table exactly as the page shows it, with each average's 90% interval
    (empty below `minimum` visits), its tier, and whether the change is significant. A row
    per branch: computed whole (ranks need every branch), a few thousand rows at most."""
    table = league_table(db, scope, minimum=minimum)
    return Export(LEAGUE, lambda: (
        [r["rank"], r["code"], r["name"], r["region"], r["visits"], r["average"], r["ci_low"],
         r["ci_high"], r["tier"], r["change"], _yes_no(r["change_significant"]),
         r["worst_touchpoint"], r["worst_score"], r["critical_failures"]] for r in table),
        lambda: len(table))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"
