"""What a shopper may record for each question, and what a visit still lacks before it
can be submitted. Pure: no Flask, no database.

Form values arrive as text; `parse_answer` turns one into the `Answer` the scoring engine
takes, or raises `AnswerError` with a sentence for the shopper.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from shopper.domain.checklist_format import Checklist, Question
from shopper.domain.checklist_logic import evidence_needed, visibility
from shopper.domain.scoring import Answer, fails_standard
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


def _multi_choice(q, raw):
    """A JSON list of option labels (an empty list is "none of these"), or as a person
    types them: labels separated by ";"."""
    if raw.lower() in ("none", "none of these"):
        return ()
    try:
        picked = json.loads(raw) if raw.startswith("[") else [
            label.strip() for label in raw.split(";") if label.strip()]
    except ValueError:
        picked = None
    labels = [o.label for o in q.options]
    if not isinstance(picked, list) or any(p not in labels for p in picked):
        raise AnswerError("Choose from the options shown, or “None of these”.")
    return tuple(label for label in labels if label in picked)


def _number(q, raw, upper=MAX_NUMBER, what="a number"):
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise AnswerError(f"Enter {what}.") from None
    if not math.isfinite(value) or value < 0 or value > upper:
        raise AnswerError(f"Enter {what} from 0 to {upper:,}.")
    value = int(value) if value.is_integer() else value
    if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
        raise AnswerError(q.range_message or range_text(q))
    return value


def range_text(q: Question) -> str:
    """What a number or duration question accepts, when its checklist sets min or max."""
    unit = " seconds" if q.kind == "duration" else (f" {q.unit}" if q.unit else "")
    low, high = (f"{v:g}" if v is not None else None for v in (q.min, q.max))
    if low is not None and high is not None:
        return f"Enter a value from {low} to {high}{unit}."
    return f"Enter at least {low}{unit}." if low is not None else f"Enter at most {high}{unit}."


def _duration(q, raw):
    return _number(q, raw, MAX_DURATION, "a time in seconds")


def _text(q, raw):
    if len(raw) > MAX_TEXT_ANSWER:
        raise AnswerError(f"Keep this under {MAX_TEXT_ANSWER:,} characters.")
    return raw


def _photo(q, raw):
    raise AnswerError("Add photos with the camera button.")


_PARSERS = {"yes_no": _yes_no, "scale": _scale, "choice": _choice,
            "multi_choice": _multi_choice, "number": _number, "duration": _duration,
            "text": _text, "photo": _photo}


def meeting_answer(q: Question) -> str:
    """An answer, as a person types it, that meets the question's standard: what head
    office is offered when it overturns an appeal against a finding. The best option of
    a choice, every option of a multi-choice that earns points, the target of a measure."""
    if q.kind == "yes_no":
        return q.expected or "yes"
    if q.kind == "scale":
        return str(q.pass_min)
    if q.kind == "choice":
        return max(q.options, key=lambda o: o.points).label
    if q.kind == "multi_choice":
        return "; ".join(o.label for o in q.options if o.points > 0)
    if q.kind in ("number", "duration"):
        return f"{q.target:g}"
    return ""


def answer_options(q: Question) -> list[str] | None:
    """The answers to pick from, for a question with a short list of them (None: typed)."""
    if q.kind == "yes_no":
        return ["yes", "no"]
    if q.kind == "scale":
        return ["1", "2", "3", "4", "5"]
    if q.kind == "choice":
        return [o.label for o in q.options]
    return None


def check_length(text: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise AnswerError(f"The {what} is {len(text):,} characters long: keep it under "
                          f"{limit:,}.")
    return text


@dataclass(frozen=True)
class Missing:
    """Something that blocks submission: a required answer or photo not given, a note or
    photo an answer calls for (checklist logic), or the visit's date and times."""

    touchpoint: str
    touchpoint_name: str
    position: int  # the touchpoint's place in the journey, from 1 (0: the visit itself)
    question: str
    text: str
    kind: str  # "answer", "photo", "note", "evidence" (a photo an answer needs) or "timing"


# The visit's date, time in and time out, not given yet (the API names it `timing`).
TIMING_MISSING = Missing("", "Visit", 0, "timing", "Visit date and times", "timing")


def missing_items(checklist: Checklist, answers: dict[tuple[str, str], Answer],
                  photo_counts: dict[tuple[str, str], int],
                  timing_given: bool = True,
                  notes: dict[tuple[str, str], str] | None = None) -> list[Missing]:
    """The visit's timing if not given, then, in journey order, every required question
    asked without an answer, every required photo not taken, and every note or photo an
    answer calls for. Follow-up questions (answered later) are never required on the day;
    questions the checklist's logic did not ask never are."""
    found = [] if timing_given else [TIMING_MISSING]
    seen = visibility(checklist, answers)
    evidence = evidence_needed(checklist, answers, fails_standard, seen)
    notes = notes or {}
    for position, tp in enumerate(checklist.touchpoints, start=1):
        for q in tp.questions:
            key = (tp.key, q.key)
            if key in seen.hidden:
                continue
            where = (tp.key, tp.name, position, q.key)
            if q.kind == "photo":
                if q.required and photo_counts.get(key, 0) == 0:
                    found.append(Missing(*where, q.text, "photo"))
                continue
            answer = answers.get(key)
            if (q.required and q.answer_after_days is None
                    and (answer is None or (answer.value in (None, "") and not answer.na))):
                found.append(Missing(*where, q.text, "answer"))
            if key in evidence.notes and not (notes.get(key) or "").strip():
                found.append(Missing(*where, f"A note on: {q.text}", "note"))
            if key in evidence.photos and photo_counts.get(key, 0) == 0:
                found.append(Missing(*where, f"A photo for: {q.text}", "evidence"))
    return found


NONE_OF_THESE = "none"  # the form value of a multi-choice's "None of these" box


def _picked(form, field) -> str | None:
    """A multi-choice's ticked boxes as parse_answer reads them; None when none is ticked."""
    picked = [v for v in form.getlist(field) if v != NA]
    if not picked:
        return NA if NA in form.getlist(field) else None
    return json.dumps([] if NONE_OF_THESE in picked else picked)


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
            raw = _picked(form, field) if q.kind == "multi_choice" else form.get(field)
            answer = parse_answer(q, raw, form.get(f"{field}-na") == "1")
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
