"""CSV exports. Every cell a person wrote is guarded against spreadsheet formula injection:
a value starting with = + - @ (or a tab or carriage return) is prefixed with an apostrophe,
so Excel and LibreOffice show it as text instead of running it."""

from __future__ import annotations

import csv
import io

from .db import Database

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
