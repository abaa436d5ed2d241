"""The phone's checklist logic (static/checklist-logic.js) on the one table of cases,
tests/checklist_logic_cases.json, that the server's evaluator passes too
(tests/test_checklist_logic_cases.py): each case's checklist goes to the page in the shape
/api/v1/checklist-versions/N serves it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from shopper.web.api.views import version_json

from ..conftest import make_app
from ..test_checklist_logic_cases import CASE_IDS, CASES, assert_matches, checklist_of
from .conftest import DESKTOP, LiveServer

pytestmark = pytest.mark.browser

EVALUATE = """async ({ version, answers }) => {
  const logic = await import("/static/checklist-logic.js");
  const answerOf = (tp, q) => answers[`${tp.key}.${q.key}`];
  const seen = logic.visibility(version, answerOf);
  const evidence = logic.evidenceNeeded(version, answerOf);
  const result = logic.scoreVisit(version, answerOf);
  return {
    hidden: [...seen.hidden],
    skipped: Object.fromEntries(seen.skipped),
    notes: [...evidence.notes],
    photos: [...evidence.photos],
    outcomes: result.outcomes,
    score: result.score,
    touchpoint_scores: Object.fromEntries(result.touchpoints.map((tp) => [tp.key, tp.score])),
  };
}"""


def version_of(case) -> dict:
    """The case's checklist as the sync API serves a version of it (ids made up)."""
    checklist = checklist_of(case)
    keys = [(tp.key, q.key) for tp, q in checklist.questions()]
    version = SimpleNamespace(
        id=1, checklist_id=1, version=1, checklist=checklist,
        question_ids={key: i for i, key in enumerate(keys, start=1)},
        touchpoint_ids={tp.key: i for i, tp in enumerate(checklist.touchpoints, start=1)})
    return json.loads(json.dumps(version_json(version)))


@pytest.fixture(scope="module")
def logic_page(browser, tmp_path_factory):
    """One page of the app for every case: the module is imported once, and each case is
    a function call. (The app is empty: the page only needs the static files.)"""
    server = LiveServer(make_app(tmp_path_factory.mktemp("logic"))).start()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{server.url}/login")
    yield page
    context.close()
    server.stop()


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_the_phone_evaluates_each_case_as_documented(logic_page, case):
    found = logic_page.evaluate(EVALUATE, {"version": version_of(case),
                                           "answers": case["answers"]})
    assert_matches(found, case["expect"])


def as_typed(answers: dict) -> dict:
    """The answers as a phone keeps them before sending: numbers as the text typed."""
    def typed(value):
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        return str(value) if numeric else value

    return {key: {**a, "value": typed(a["value"])} for key, a in answers.items()}


TYPED = [case for case in CASES if as_typed(case["answers"]) != case["answers"]]


@pytest.mark.parametrize("case", TYPED, ids=[case["name"] for case in TYPED])
def test_numbers_kept_as_typed_text_evaluate_the_same(logic_page, case):
    found = logic_page.evaluate(EVALUATE, {"version": version_of(case),
                                           "answers": as_typed(case["answers"])})
    assert_matches(found, case["expect"])
