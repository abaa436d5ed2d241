"""Qualification quizzes: head office writes a short multiple-choice quiz with a pass mark;
a shopper who passes it once may take the jobs that ask for it. Pure: no Flask, no
database.

A quiz is written as plain text, one question after another:

    Q: What do you do if staff recognise you as a mystery shopper?
    - Carry on as if nothing happened
    * Finish politely, leave, and tell head office
    - Ask them not to tell anyone

A line starting "Q:" is a question; each "-" is a wrong option, each "*" the right one
(exactly one per question). Blank lines don't matter.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_QUESTIONS = 30
MAX_OPTIONS = 8
MAX_TEXT = 500


class QuizError(ValueError):
    """A quiz text, or an attempt, that cannot be taken; the message says where."""


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[str, ...]
    correct: int  # the index of the right option


def parse(text: str) -> list[Question]:
    """The questions of a quiz text, or QuizError naming the line that is wrong."""
    questions: list[tuple[int, str, list[tuple[str, bool]]]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line[:2].upper() == "Q:":
            questions.append((number, _text(line[2:], number), []))
        elif line[0] in "-*":
            if not questions:
                raise QuizError(f"Line {number}: an option comes before any question "
                                "(start a question with “Q:”).")
            questions[-1][2].append((_text(line[1:], number), line[0] == "*"))
        else:
            raise QuizError(f"Line {number}: start it with “Q:” for a question, “-” for a "
                            "wrong option or “*” for the right one.")
    if not questions:
        raise QuizError("Write at least one question, starting with “Q:”.")
    if len(questions) > MAX_QUESTIONS:
        raise QuizError(f"Keep the quiz to {MAX_QUESTIONS} questions.")
    found = []
    for number, question, options in questions:
        right = [i for i, (_, correct) in enumerate(options) if correct]
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise QuizError(f"Line {number}: give the question 2 to {MAX_OPTIONS} options.")
        if len(right) != 1:
            raise QuizError(f"Line {number}: mark exactly one option right, with “*”.")
        found.append(Question(question, tuple(o for o, _ in options), right[0]))
    return found


def _text(value: str, number: int) -> str:
    value = value.strip()
    if not value:
        raise QuizError(f"Line {number}: it has no text.")
    if len(value) > MAX_TEXT:
        raise QuizError(f"Line {number}: keep it under {MAX_TEXT} characters.")
    return value


def as_text(questions: list[Question]) -> str:
    """A quiz written back as its text (for editing it again)."""
    return "\n\n".join(
        f"Q: {q.text}\n" + "\n".join(("* " if i == q.correct else "- ") + option
                                    for i, option in enumerate(q.options))
        for q in questions) + "\n"


@dataclass(frozen=True)
class Result:
    right: int
    asked: int
    percent: int
    passed: bool


def mark(questions: list[Question], chosen: list[int | None], pass_mark: int) -> Result:
    """An attempt's result: `chosen` holds the option picked for each question (None for
    none, which counts as wrong). Passed at `pass_mark` percent or more."""
    if len(chosen) != len(questions):
        raise QuizError("Answer the quiz as it is now: it changed while you had it open.")
    right = sum(1 for q, c in zip(questions, chosen, strict=True) if c == q.correct)
    percent = right * 100 // len(questions)
    return Result(right, len(questions), percent, percent >= pass_mark)
