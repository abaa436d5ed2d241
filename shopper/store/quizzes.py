"""Qualification quizzes and shoppers' attempts at them. The one module that writes the
quizzes and quiz_attempts tables."""

from __future__ import annotations

import json

from shopper.store.connection import Database, now


def save(db: Database, *, name: str, text: str, pass_mark: int, checklist_id: int | None,
         user_id: int, quiz_id: int | None = None) -> int:
    """Add a quiz, or change one (`quiz_id`); a name already taken raises ValueError."""
    row = {"name": name, "text": text, "pass_mark": pass_mark, "checklist_id": checklist_id,
           "created_by": user_id, "updated_at": now()}
    taken = db.execute("SELECT id FROM quizzes WHERE name = ? COLLATE NOCASE AND id IS NOT ?",
                       [name, quiz_id]).fetchone()
    if taken:
        raise ValueError(f"A quiz is called “{name}” already: choose another name.")
    if quiz_id is None:
        return db["quizzes"].insert(row).last_pk
    db["quizzes"].update(quiz_id, {k: v for k, v in row.items() if k != "created_by"})
    return quiz_id


def by_id(db: Database, quiz_id: int) -> dict | None:
    return next(db.query(
        """SELECT q.*, c.name AS checklist_name FROM quizzes q
           LEFT JOIN checklists c ON c.id = q.checklist_id WHERE q.id = ?""", [quiz_id]), None)


def id_of_name(db: Database, name: str) -> int | None:
    row = db.execute("SELECT id FROM quizzes WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def all_quizzes(db: Database) -> list[dict]:
    """Every quiz with how many shoppers have passed it and how many attempts were made."""
    return list(db.query(
        """SELECT q.id, q.name, q.pass_mark, c.name AS checklist_name,
                  (SELECT COUNT(DISTINCT shopper_id) FROM quiz_attempts a
                   WHERE a.quiz_id = q.id AND a.passed = 1) AS passed,
                  (SELECT COUNT(*) FROM quiz_attempts a WHERE a.quiz_id = q.id) AS attempts
           FROM quizzes q LEFT JOIN checklists c ON c.id = q.checklist_id ORDER BY q.name"""))


def record_attempt(db: Database, quiz_id: int, shopper_id: int, chosen: list[int | None],
                   right: int, asked: int, percent: int, passed: bool) -> int:
    return db["quiz_attempts"].insert({
        "quiz_id": quiz_id, "shopper_id": shopper_id, "at": now(), "right_answers": right,
        "asked": asked, "percent": percent, "passed": int(passed),
        "answers": json.dumps(chosen)}).last_pk


def passed_by(db: Database, shopper_id: int) -> set[int]:
    """The quizzes the shopper has passed (once is enough)."""
    return {row[0] for row in db.execute(
        "SELECT DISTINCT quiz_id FROM quiz_attempts WHERE shopper_id = ? AND passed = 1",
        [shopper_id])}


def attempts(db: Database, quiz_id: int, shopper_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM quiz_attempts WHERE quiz_id = ? AND shopper_id = ? "
                         "ORDER BY id DESC", [quiz_id, shopper_id]))
