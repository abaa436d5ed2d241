"""Checklist logic (docs/checklist-format.md#checklist-logic): the one table of cases,
tests/checklist_logic_cases.json, run through the server's evaluator
(shopper/domain/checklist_logic.py and scoring.py). tests/browser/test_checklist_logic_cases.py
runs the same table through the phone's (static/checklist-logic.js), so the two agree with
each other and with the documented rules.

Below the table: what a broken rule's import error names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shopper.domain.answers import AnswerError, missing_items, parse_answer
from shopper.domain.checklist_format import (
    ChecklistError,
    checklist_from_data,
    load_checklist_file,
)
from shopper.domain.checklist_logic import evidence_needed, visibility
from shopper.domain.scoring import Answer, fails_standard, score_visit

CASES_FILE = Path(__file__).parent / "checklist_logic_cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]
CASE_IDS = [case["name"] for case in CASES]


def checklist_of(case):
    return checklist_from_data(case["checklist"], case["name"])


def answers_of(case) -> dict:
    """The case's answers as the server holds them: (touchpoint, question) -> Answer, a
    multi-choice's picks as a tuple (as answers.parse_answer gives them)."""
    def value(raw):
        return tuple(raw) if isinstance(raw, list) else raw

    return {tuple(key.split(".", 1)): Answer(value(a["value"]), a["na"])
            for key, a in case["answers"].items()}


def assert_matches(found: dict, expect: dict) -> None:
    """What an evaluator made of a case against what the case expects; scores to 0.01."""
    for name in ("hidden", "notes", "photos"):
        assert sorted(found[name]) == expect[name], name
    assert found["skipped"] == expect["skipped"], "skipped"
    assert found["outcomes"] == expect["outcomes"], "outcomes"
    assert found["touchpoint_scores"].keys() == expect["touchpoint_scores"].keys()
    for key, score in expect["touchpoint_scores"].items():
        assert found["touchpoint_scores"][key] == _about(score), f"touchpoint {key}"
    assert found["score"] == _about(expect["score"]), "visit score"


def _about(score):
    return None if score is None else pytest.approx(score, abs=0.01)


def server_evaluation(case) -> dict:
    checklist, answers = checklist_of(case), answers_of(case)
    seen = visibility(checklist, answers)
    evidence = evidence_needed(checklist, answers, fails_standard)
    result = score_visit(checklist, answers)
    return {
        "hidden": [".".join(key) for key in seen.hidden],
        "skipped": seen.skipped,
        "notes": [".".join(key) for key in evidence.notes],
        "photos": [".".join(key) for key in evidence.photos],
        "outcomes": {f"{tp.key}.{r.key}": r.outcome for tp in result.touchpoints
                     for r in tp.questions},
        "score": result.score,
        "touchpoint_scores": {tp.key: tp.score for tp in result.touchpoints},
    }


def test_the_table_has_enough_cases_each_named_once():
    assert len(CASES) >= 40
    assert len(set(CASE_IDS)) == len(CASE_IDS)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_the_server_evaluates_each_case_as_documented(case):
    assert_matches(server_evaluation(case), case["expect"])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_submission_asks_for_what_the_case_calls_for_and_nothing_hidden(case):
    """missing_items (no notes, no photos given): a note and a photo for what the rules
    call for; never an answer, a note or a photo for a question not asked."""
    missing = missing_items(checklist_of(case), answers_of(case), photo_counts={})
    expect = case["expect"]
    keys = {kind: sorted(f"{m.touchpoint}.{m.question}" for m in missing if m.kind == kind)
            for kind in ("answer", "note", "evidence")}
    assert keys["note"] == expect["notes"]
    assert keys["evidence"] == expect["photos"]
    assert not set(keys["answer"]) & set(expect["hidden"])


# --------------------------------------------------------------------------- import errors

FIRST = {"key": "first", "name": "First", "questions": [
    {"key": "ordered", "kind": "yes_no", "text": "Did you order?", "standard": "S."},
    {"key": "rating", "kind": "scale", "text": "Rate it.", "standard": "S."},
    {"key": "how", "kind": "choice", "text": "How?", "standard": "S.",
     "options": [{"label": "Delivered", "points": 1}, {"label": "Collected", "points": 1}]},
]}
SOURCE = "rules.toml"


def rule_error(question: dict | None = None, touchpoint: dict | None = None) -> ChecklistError:
    """The error importing FIRST plus a second touchpoint holding `question` (or being
    `touchpoint`)."""
    second = touchpoint or {"key": "second", "name": "Second", "questions": [
        {"key": "q", "kind": "yes_no", "text": "Q?", "standard": "S.", **(question or {})}]}
    data = {"checklist": {"slug": "rules", "name": "Rules"}, "touchpoints": [FIRST, second]}
    with pytest.raises(ChecklistError) as err:
        checklist_from_data(data, SOURCE)
    assert err.value.source == SOURCE
    return err.value


WHERE = "touchpoints[1].questions[0]"
BROKEN_RULES = {
    "a later question": (
        {"show_if": {"question": "second.q", "equals": "yes"}},
        f"{WHERE}.show_if.question", "'second.q' is a later question"),
    "an unknown question": (
        {"show_if": {"question": "first.orderd", "equals": "yes"}},
        f"{WHERE}.show_if.question", "'first.orderd' is not a question of this checklist"),
    "an unknown key in a condition": (
        {"show_if": {"question": "first.ordered", "equals": "yes", "colour": "red"}},
        f"{WHERE}.show_if.colour", "unknown field"),
    "an operator that does not fit a yes_no": (
        {"show_if": {"question": "first.ordered", "less_than": 3}},
        f"{WHERE}.show_if.less_than",
        "does not fit a yes_no question (ordered); use equals, not_equals, in, answered"),
    "includes on a choice": (
        {"show_if": {"question": "first.how", "includes": "Delivered"}},
        f"{WHERE}.show_if.includes", "does not fit a choice question (how)"),
    "equals maybe on a yes_no": (
        {"show_if": {"question": "first.ordered", "equals": "maybe"}},
        f"{WHERE}.show_if.equals", 'must be "yes" or "no"'),
    "an option that a choice does not have": (
        {"show_if": {"question": "first.how", "equals": "Posted"}},
        f"{WHERE}.show_if.equals", "'Posted' is not one of the options of how"),
    "6 on a scale": (
        {"show_if": {"question": "first.rating", "in": [4, 6]}},
        f"{WHERE}.show_if.in[1]", "must be a whole number from 1 to 5"),
    "a nested part without an operator": (
        {"require_note_if": {"any": [{"equals": "no"}, {"question": "first.ordered"}]}},
        f"{WHERE}.require_note_if.any[1]", "give exactly one of"),
}


@pytest.mark.parametrize("question, where, problem", BROKEN_RULES.values(),
                         ids=BROKEN_RULES.keys())
def test_a_broken_rule_names_the_field(question, where, problem):
    err = rule_error(question)
    assert err.where == where
    assert problem in err.problem


def test_skip_if_must_name_the_touchpoints_first_question():
    second = {"key": "second", "name": "Second",
              "skip_if": {"question": "first.ordered", "equals": "no"},
              "questions": [{"key": "came", "kind": "yes_no", "text": "Came?"},
                            {"key": "q", "kind": "yes_no", "text": "Q?", "standard": "S."}]}
    err = rule_error(touchpoint=second)
    assert err.where == "touchpoints[1].skip_if"
    assert err.problem == ("must name this touchpoint's first question, 'second.came': its "
                           "answer decides whether the touchpoint happened")


def test_the_rules_of_the_error_cases_are_otherwise_valid():
    # Guards the table above: a fitting rule on the same base imports.
    data = {"checklist": {"slug": "rules", "name": "Rules"}, "touchpoints": [FIRST, {
        "key": "second", "name": "Second",
        "skip_if": {"question": "second.came", "equals": "no"},
        "questions": [
            {"key": "came", "kind": "yes_no", "text": "Came?"},
            {"key": "q", "kind": "yes_no", "text": "Q?", "standard": "S.",
             "show_if": {"question": "first.rating", "in": [4, 5]},
             "require_note_if": {"any": [{"equals": "no"},
                                         {"question": "first.how", "equals": "Collected"}]}},
        ]}]}
    checklist = checklist_from_data(data, SOURCE)
    assert checklist.touchpoints[1].questions[0].gate


@pytest.mark.parametrize(("raw", "picked"), [
    ('["Opening hours", "A current offer"]', ("A current offer", "Opening hours")),
    ("A current offer; Opening hours", ("A current offer", "Opening hours")),
    ("[]", ()), ("None of these", ()),
])
def test_a_multi_choice_answer_is_read_as_sent_or_as_typed(raw, picked):
    """The phone sends a list; head office correcting an answer types labels and ";"."""
    checklist = load_checklist_file(Path(__file__).parents[1] / "checklists"
                                    / "moments-of-truth.toml")
    question = next(q for _, q in checklist.questions() if q.kind == "multi_choice")
    assert parse_answer(question, raw).value == picked
    with pytest.raises(AnswerError, match="Choose from the options shown"):
        parse_answer(question, "Free biscuits")
