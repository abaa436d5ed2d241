"""Qualification quizzes (rules: domain/quizzes.py): head office saves one after its text
is checked; a shopper's attempt is marked and kept, and a pass opens the jobs that ask for
the quiz (workflows/jobs.py reads store.quizzes.passed_by)."""

from __future__ import annotations

from shopper.domain.quizzes import QuizError, Result, mark, parse
from shopper.store import quizzes
from shopper.store.connection import Database


def save(db: Database, *, name: str, text: str, pass_mark: int, checklist_id: int | None,
         user_id: int, quiz_id: int | None = None) -> int:
    """Keep a quiz whose text is right (QuizError says where it is not)."""
    parse(text)
    if not 1 <= pass_mark <= 100:
        raise QuizError("Give a pass mark from 1 to 100 percent.")
    try:
        return quizzes.save(db, name=name, text=text, pass_mark=pass_mark,
                            checklist_id=checklist_id, user_id=user_id, quiz_id=quiz_id)
    except ValueError as err:
        raise QuizError(str(err)) from None


def attempt(db: Database, quiz: dict, shopper_id: int, chosen: list[int | None]) -> Result:
    """Mark a shopper's answers and keep the attempt, passed or not."""
    result = mark(parse(quiz["text"]), chosen, quiz["pass_mark"])
    quizzes.record_attempt(db, quiz["id"], shopper_id, chosen, result.right, result.asked,
                           result.percent, result.passed)
    return result
