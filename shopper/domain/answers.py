"""What a shopper may record for each question, and what a visit still lacks before it
can be submitted. Pure: no Flask, no database.

Form values arrive as text; `parse_answer` turns one into the `Answer` the scoring engine
takes, or raises `AnswerError` with a sentence for the shopper.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from shopper.domain.checklist_format import Checklist, Question
from shopper.domain.scoring import Answer
from shopper.domain.vocabulary import MAX_CAPTION, MAX_NOTE, MAX_REASON, MAX_TEXT_ANSWER

NA = "na"
KEEP = object()  # a field that was rejected: keep what was saved before
MAX_DURATION = 24 * 60 * 60
MAX_NUMBER = 1_000_000
_QUESTION_FIELD = re.compile(r"(?:q|note)-(\d+)(?:-na)?")


class AnswerError(ValueError):
    pass


def parse_answer(q: Question, raw: str | None, na: bool = False) -> Answer | None:
    """The answer for form text `raw`; None when the shopper has not answered."""
    raw = (raw or "").strip()
    if na or raw == NA:
        if not q.na_allowed:
            raise AnswerError("“Not applicable” is not an option for this question.")
        return Answer(na=True)
    if raw == "":
        return None
    return Answer(_PARSERS[q.kind](q, raw))


def _yes_no(q, raw):
    if raw not in ("yes", "no"):
        raise AnswerError("Choose yes or no.")
    return raw


def _scale(q, raw):
    if raw not in ("1", "2", "3", "4", "5"):
        raise AnswerError("Choose a score from 1 to 5.")
    return int(raw)


def _choice(q, raw):
    if raw not in {o.label for o in q.options}:
        raise AnswerError("Choose one of the options shown.")
    return raw


def _number(q, raw, upper=MAX_NUMBER, what="a number"):
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise AnswerError(f"Enter {what}.") from None
    if not math.isfinite(value) or value < 0 or value > upper:
        raise AnswerError(f"Enter {what} from 0 to {upper:,}.")
    return int(value) if value.is_integer() else value


def _duration(q, raw):
    return _number(q, raw, MAX_DURATION, "a time in seconds")


def _text(q, raw):
    if len(raw) > MAX_TEXT_ANSWER:
        raise AnswerError(f"Keep this under {MAX_TEXT_ANSWER:,} characters.")
    return raw


def _photo(q, raw):
    raise AnswerError("Add photos with the camera button.")


_PARSERS = {"yes_no": _yes_no, "scale": _scale, "choice": _choice, "number": _number,
            "duration": _duration, "text": _text, "photo": _photo}


def check_length(text: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise AnswerError(f"The {what} is {len(text):,} characters long: keep it under "
                          f"{limit:,}.")
    return text


@dataclass(frozen=True)
class Missing:
    """Something that blocks submission: a required answer or photo not given, or the
    visit's date and times."""

    touchpoint: str
    touchpoint_name: str
    position: int  # the touchpoint's place in the journey, from 1 (0: the visit itself)
    question: str
    text: str
    kind: str  # "answer", "photo" or "timing"


# The visit's date, time in and time out, not given yet (the API names it `timing`).
TIMING_MISSING = Missing("", "Visit", 0, "timing", "Visit date and times", "timing")


def missing_items(checklist: Checklist, answers: dict[tuple[str, str], Answer],
                  photo_counts: dict[tuple[str, str], int],
                  timing_given: bool = True) -> list[Missing]:
    """The visit's timing if not given, then every required question without an answer
    and every required photo not taken, in journey order. Follow-up questions (answered
    later) are never required on the day."""
    found = [] if timing_given else [TIMING_MISSING]
    for position, tp in enumerate(checklist.touchpoints, start=1):
        for q in tp.questions:
            if not q.required or q.answer_after_days is not None:
                continue
            if q.kind == "photo":
                if photo_counts.get((tp.key, q.key), 0) == 0:
                    found.append(Missing(tp.key, tp.name, position, q.key, q.text, "photo"))
                continue
            answer = answers.get((tp.key, q.key))
            if answer is None or (answer.value in (None, "") and not answer.na):
                found.append(Missing(tp.key, tp.name, position, q.key, q.text, "answer"))
    return found


@dataclass
class TouchpointEntry:
    """One touchpoint screen's form, parsed: what is valid is kept, what is not is
    reported per field (so a rejected answer never costs the others)."""

    answers: dict  # question id -> (Answer | None, note, or None to keep the saved note)
    moment: object = None  # "golden", "dull", None, or KEEP when rejected
    reason: object = ""
    note: object = ""
    captions: dict = None  # photo uuid -> caption
    errors: dict = None  # form field name -> message


def parse_touchpoint_form(questions: list[tuple[int, Question]], form) -> TouchpointEntry:
    """`questions` are (question id, Question) of the touchpoint; `form` a mapping of the
    posted fields (q-ID, q-ID-na, note-ID, moment, reason, tp-note, caption-UUID)."""
    entry = TouchpointEntry(answers={}, captions={}, errors={})
    for qid, q in questions:
        if q.kind == "photo":
            continue
        field = f"q-{qid}"
        try:
            note = check_length(form.get(f"note-{qid}", ""), MAX_NOTE, "note")
        except AnswerError as err:
            entry.errors[f"note-{qid}"] = str(err)
            note = None  # keep the note saved before
        try:
            answer = parse_answer(q, form.get(field), form.get(f"{field}-na") == "1")
        except AnswerError as err:
            entry.errors[field] = str(err)
            continue
        entry.answers[qid] = (answer, note)
    moment = form.get("moment", "") or None
    if moment not in (None, "golden", "dull"):
        entry.errors["moment"] = "Choose golden, dull or neither."
        entry.moment = KEEP
    else:
        entry.moment = moment
    for name, limit, what, attr in (("reason", MAX_REASON, "reason", "reason"),
                                    ("tp-note", MAX_NOTE, "note", "note")):
        try:
            setattr(entry, attr, check_length(form.get(name, ""), limit, what))
        except AnswerError as err:
            entry.errors[name] = str(err)
            setattr(entry, attr, KEEP)
    known = {str(qid) for qid, _ in questions}
    for name in form:
        match = _QUESTION_FIELD.fullmatch(name)
        if match and match[1] not in known:
            entry.errors[name] = "That question is not part of this visit's checklist."
        if name.startswith("caption-"):
            try:
                entry.captions[name[8:]] = check_length(form.get(name), MAX_CAPTION, "caption")
            except AnswerError as err:
                entry.errors[name] = str(err)
    return entry
