"""Checklist logic: which questions a visit asks, given the answers so far, and which
answers need a note or a photo as evidence. Pure: no Flask, no database.

The rules are read by checklist_format (docs/checklist-format.md#checklist-logic). The
browser has the same evaluator in static/checklist-logic.js; both are checked against the
one table of cases in tests/checklist_logic_cases.json, so that the phone (offline) and
the server always agree.

- A question whose `show_if` does not hold is hidden; so is every question of a touchpoint
  whose `show_if` does not hold, or whose gate question's answer meets `skip_if` (then the
  touchpoint is skipped, with its reason; the gate question itself stays asked).
- A hidden question counts as unanswered for every later rule, whatever the phone kept.
- A condition on an answer holds only when the answer is given: `answered = false` is the
  one test an unanswered (or hidden) question passes. N/A is an answer, but not a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shopper.domain.checklist_format import Checklist, Question

DID_NOT_APPLY = "Did not apply on this visit"
NOT_ASKED = "Not asked: did not apply"

Key = tuple[str, str]  # (touchpoint key, question key)


@dataclass(frozen=True)
class Visibility:
    hidden: frozenset  # keys of the questions not asked
    skipped: dict  # touchpoint key -> the reason it did not apply
    asked: dict  # the answers of the questions asked (what later rules see)


def visibility(checklist: Checklist, answers: dict) -> Visibility:
    """`answers` maps (touchpoint key, question key) to an Answer (value, na)."""
    hidden, skipped, asked = set(), {}, {}
    for tp in checklist.touchpoints:
        if tp.show_if is not None and not holds(tp.show_if, asked):
            skipped[tp.key] = tp.skip_reason or DID_NOT_APPLY
            hidden.update((tp.key, q.key) for q in tp.questions)
            continue
        for i, q in enumerate(tp.questions):
            key = (tp.key, q.key)
            if q.show_if is not None and not holds(q.show_if, asked):
                hidden.add(key)
            elif key in answers:
                asked[key] = answers[key]
            if i == 0 and tp.skip_if is not None and holds(tp.skip_if, asked):  # the gate
                skipped[tp.key] = tp.skip_reason or DID_NOT_APPLY
                hidden.update((tp.key, later.key) for later in tp.questions[1:])
                break
    return Visibility(frozenset(hidden), skipped, asked)


def is_given(answer) -> bool:
    """An answer is given when it is N/A or has a value (an empty multi-choice, "none of
    these", is a value)."""
    return answer is not None and (answer.na or answer.value not in (None, ""))


def holds(condition: dict, asked: dict) -> bool:
    """Whether a condition (as checklist_format reads it) holds for the answers asked."""
    if "all" in condition:
        return all(holds(part, asked) for part in condition["all"])
    if "any" in condition:
        return any(holds(part, asked) for part in condition["any"])
    answer = asked.get(tuple(condition["question"].split(".", 1)))
    if "answered" in condition:
        return is_given(answer) == condition["answered"]
    if not is_given(answer) or answer.na:
        return False
    value = answer.value
    if "equals" in condition:
        return value == condition["equals"]
    if "not_equals" in condition:
        return value != condition["not_equals"]
    if "in" in condition:
        return value in condition["in"]
    if "includes" in condition:
        return condition["includes"] in value
    if "less_than" in condition:
        return value < condition["less_than"]
    return value > condition["greater_than"]


@dataclass(frozen=True)
class Evidence:
    notes: frozenset  # keys of the questions whose answer needs a note
    photos: frozenset  # keys of the questions whose answer needs a photo


def evidence_needed(checklist: Checklist, answers: dict,
                    failed: Callable[[Question, object], bool],
                    seen: Visibility | None = None) -> Evidence:
    """The notes and photos the answers given call for (`require_note_if`,
    `require_photo_if`): "not_met" asks for them when `failed(question, answer)`, a
    condition when it holds. Only asked questions with an answer other than N/A count.
    `seen` is the answers' visibility, when the caller has it already."""
    seen = seen or visibility(checklist, answers)
    needed = {"require_note_if": set(), "require_photo_if": set()}
    for tp in checklist.touchpoints:
        for q in tp.questions:
            key = (tp.key, q.key)
            answer = seen.asked.get(key)
            if not is_given(answer) or answer.na:
                continue
            for name, found in needed.items():
                rule = getattr(q, name)
                if rule == "not_met":
                    wanted = failed(q, answer)
                else:
                    wanted = rule is not None and holds(rule, seen.asked)
                if wanted:
                    found.add(key)
    return Evidence(frozenset(needed["require_note_if"]), frozenset(needed["require_photo_if"]))
