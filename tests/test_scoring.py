"""The scoring engine (shopper/scoring.py), rule by rule as docs/scoring.md states them.

Each test builds a tiny checklist from TOML text, answers it, and checks what the engine
makes of it. The property-based tests at the bottom answer the real default checklist at
random and check the rules that must hold for every visit.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper.domain.checklist_format import (
    Checklist,
    Question,
    load_checklist_file,
    parse_checklist,
)
from shopper.domain.scoring import (
    MET,
    NA,
    NOT_MET,
    UNANSWERED,
    UNSCORED,
    Answer,
    QuestionResult,
    VisitResult,
    format_seconds,
    score_visit,
)

ROOT = Path(__file__).parent.parent
DEFAULT_CHECKLIST = load_checklist_file(ROOT / "checklists" / "moments-of-truth.toml")

HEAD = '[checklist]\nslug = "test"\nname = "Test checklist"\n'


def checklist(body: str) -> Checklist:
    """A checklist whose touchpoints and questions are `body` (TOML)."""
    return parse_checklist(HEAD + dedent(body), "test.toml")


ONE_QUESTION = """
[[touchpoints]]
key = "tp"
name = "Touchpoint"

[[touchpoints.questions]]
key = "q"
text = "The question?"
standard = "The standard."
"""


def one_question(question: str) -> Checklist:
    """A checklist with one touchpoint "tp" holding one question "q"; `question` adds the
    kind and its fields."""
    return checklist(ONE_QUESTION + dedent(question).strip() + "\n")


def answer_one(question: str, value=None, *, na: bool = False) -> QuestionResult:
    """Score a one-question checklist and return that question's result."""
    result = score_visit(one_question(question), {("tp", "q"): Answer(value, na)})
    return result.question("tp", "q")


def score(cl: Checklist, **answers) -> VisitResult:
    """Score `cl` with answers given as tp__question=value (Answer for N/A)."""
    mapped = {}
    for name, value in answers.items():
        tp, q = name.split("__")
        mapped[(tp, q)] = value if isinstance(value, Answer) else Answer(value)
    return score_visit(cl, mapped)


def touchpoint(result: VisitResult, key: str):
    return next(tp for tp in result.touchpoints if tp.key == key)


# --------------------------------------------------------------------------- yes / no


def test_yes_no_earns_its_points_for_the_expected_answer():
    met = answer_one('kind = "yes_no"\npoints = 2', "yes")
    assert (met.outcome, met.earned, met.possible, met.observed) == (MET, 2, 2, "Yes")

    missed = answer_one('kind = "yes_no"\npoints = 2', "no")
    assert (missed.outcome, missed.earned, missed.possible, missed.observed) == (
        NOT_MET, 0, 2, "No")


def test_yes_no_points_default_to_one():
    assert answer_one('kind = "yes_no"', "yes").possible == 1


def test_yes_no_with_expected_no_is_met_by_no():
    # "Was anyone rude to you?" -- the standard is met when the answer is no.
    question = 'kind = "yes_no"\npoints = 3\nexpected = "no"'
    assert (answer_one(question, "no").outcome, answer_one(question, "no").earned) == (MET, 3)
    assert (answer_one(question, "yes").outcome, answer_one(question, "yes").earned) == (
        NOT_MET, 0)


# --------------------------------------------------------------------------- scale


@pytest.mark.parametrize(
    "value, earned, outcome",
    [(1, 0.0, NOT_MET), (2, 0.5, NOT_MET), (3, 1.0, NOT_MET), (4, 1.5, MET), (5, 2.0, MET)],
)
def test_scale_points_rise_linearly_from_1_to_5_and_pass_min_defaults_to_4(
        value, earned, outcome):
    result = answer_one('kind = "scale"\npoints = 2', value)
    assert result.earned == earned
    assert result.possible == 2
    assert result.outcome == outcome
    assert result.observed == f"{value} of 5 (standard ≥ 4)"


def test_scale_pass_min_sets_the_lowest_answer_that_meets_the_standard():
    question = 'kind = "scale"\npoints = 4\npass_min = 3'
    three = answer_one(question, 3)
    assert (three.outcome, three.earned, three.observed) == (MET, 2.0, "3 of 5 (standard ≥ 3)")
    two = answer_one(question, 2)
    assert (two.outcome, two.earned) == (NOT_MET, 1.0)


# --------------------------------------------------------------------------- choice

CHOICE = """
kind = "choice"
options = [
  { label = "Warm", points = 2 },
  { label = "Flat", points = 1 },
  { label = "None", points = 0 },
]
"""


def test_choice_earns_the_chosen_options_points_out_of_the_best_options():
    warm = answer_one(CHOICE, "Warm")
    assert (warm.outcome, warm.earned, warm.possible, warm.observed) == (
        MET, 2, 2, "Warm (2 of 2 points)")
    flat = answer_one(CHOICE, "Flat")
    # Without pass_points only the best option meets the standard.
    assert (flat.outcome, flat.earned, flat.possible, flat.observed) == (
        NOT_MET, 1, 2, "Flat (1 of 2 points)")
    none = answer_one(CHOICE, "None")
    assert (none.outcome, none.earned) == (NOT_MET, 0)


def test_choice_pass_points_lets_a_lesser_option_meet_the_standard():
    question = CHOICE + "pass_points = 1\n"
    flat = answer_one(question, "Flat")
    assert (flat.outcome, flat.earned, flat.possible) == (MET, 1, 2)
    assert answer_one(question, "None").outcome == NOT_MET


def test_choice_ignores_points_its_maximum_is_the_best_option():
    result = answer_one(CHOICE + "points = 10\n", "Warm")
    assert (result.earned, result.possible) == (2, 2)


# --------------------------------------------------------------------------- number


@pytest.mark.parametrize(
    "compare, sign, target, value, met",
    [
        ("<=", "≤", 3, 3, True),
        ("<=", "≤", 3, 4, False),
        (">=", "≥", 5, 5, True),
        (">=", "≥", 5, 4, False),
        ("==", "=", 0, 0, True),
        ("==", "=", 0, 1, False),
    ],
)
def test_number_earns_its_points_only_when_the_target_is_met(compare, sign, target, value, met):
    result = answer_one(
        f'kind = "number"\npoints = 2\ntarget = {target}\ncompare = "{compare}"', value)
    assert result.outcome == (MET if met else NOT_MET)
    assert result.earned == (2 if met else 0)
    assert result.possible == 2
    assert result.observed == f"{value} (standard {sign} {target})"


def test_number_observed_names_the_unit():
    result = answer_one('kind = "number"\ntarget = 3\ncompare = "<="\nunit = "rings"', 6)
    assert result.observed == "6 rings (standard ≤ 3)"
    assert result.outcome == NOT_MET


def test_number_accepts_fractions():
    result = answer_one('kind = "number"\ntarget = 3\ncompare = "<="\nunit = "km"', 2.5)
    assert (result.outcome, result.observed) == (MET, "2.5 km (standard ≤ 3)")


# --------------------------------------------------------------------------- duration


def test_duration_is_seconds_compared_with_the_target_at_most_by_default():
    question = 'kind = "duration"\npoints = 2\ntarget = 120'
    slow = answer_one(question, 185)
    assert (slow.outcome, slow.earned, slow.possible) == (NOT_MET, 0, 2)
    assert slow.observed == "3 min 05 s (standard ≤ 2 min)"
    on_time = answer_one(question, 120)
    assert (on_time.outcome, on_time.earned, on_time.observed) == (
        MET, 2, "2 min (standard ≤ 2 min)")
    quick = answer_one(question, 45)
    assert (quick.outcome, quick.observed) == (MET, "45 s (standard ≤ 2 min)")


def test_duration_can_require_at_least_the_target():
    question = 'kind = "duration"\ntarget = 300\ncompare = ">="'
    assert answer_one(question, 299).observed == "4 min 59 s (standard ≥ 5 min)"
    assert answer_one(question, 299).outcome == NOT_MET
    assert answer_one(question, 310).outcome == MET


@pytest.mark.parametrize(
    "seconds, words",
    [(0, "0 s"), (59, "59 s"), (60, "1 min"), (61, "1 min 01 s"), (185.4, "3 min 05 s"),
     (3600, "60 min")],
)
def test_format_seconds(seconds, words):
    assert format_seconds(seconds) == words


# --------------------------------------------------------------------------- text, photo

MIXED = """
[[touchpoints]]
key = "desk"
name = "Desk"

[[touchpoints.questions]]
key = "asked"
kind = "yes_no"
text = "Asked?"
standard = "Needs are asked."
points = 2

[[touchpoints.questions]]
key = "name"
kind = "text"
text = "Who served you?"

[[touchpoints.questions]]
key = "receipt"
kind = "photo"
text = "Photo of the receipt."
receipt = true
"""


def test_text_and_photo_are_recorded_but_never_scored():
    result = score(checklist(MIXED), desk__asked="no", desk__name="Sam", desk__receipt="r.jpg")
    name = result.question("desk", "name")
    assert (name.outcome, name.earned, name.possible, name.observed) == (UNSCORED, 0, 0, "Sam")
    assert result.question("desk", "receipt").outcome == UNSCORED
    desk = touchpoint(result, "desk")
    assert (desk.earned, desk.possible, desk.score) == (0, 2, 0.0)
    assert [g.question for g in result.gaps] == ["asked"]


# --------------------------------------------------------------------------- N/A, unanswered

TWO_QUESTIONS = """
[[touchpoints]]
key = "tp"
name = "Touchpoint"

[[touchpoints.questions]]
key = "first"
kind = "yes_no"
text = "First?"
standard = "First standard."
points = 2

[[touchpoints.questions]]
key = "second"
kind = "yes_no"
text = "Second?"
standard = "Second standard."
points = 2
na_allowed = true
required = false
"""


def test_na_removes_the_question_from_earned_and_possible():
    cl = checklist(TWO_QUESTIONS)
    answered = score(cl, tp__first="yes", tp__second="no")
    assert (touchpoint(answered, "tp").earned, touchpoint(answered, "tp").possible) == (2, 4)
    assert answered.score == 50.0

    na = score(cl, tp__first="yes", tp__second=Answer(na=True))
    second = na.question("tp", "second")
    assert (second.outcome, second.earned, second.possible, second.observed) == (
        NA, 0, 0, "Not applicable")
    assert (touchpoint(na, "tp").earned, touchpoint(na, "tp").possible) == (2, 2)
    assert na.score == 100.0
    assert na.gaps == ()


def test_na_on_a_question_that_does_not_allow_it_is_refused():
    with pytest.raises(ValueError, match=r"tp\.first does not allow N/A"):
        score(checklist(TWO_QUESTIONS), tp__first=Answer(na=True), tp__second="yes")


@pytest.mark.parametrize("missing", [None, Answer(None), Answer("")])
def test_an_unanswered_question_leaves_both_sides(missing):
    answers = {("tp", "first"): Answer("no")}
    if missing is not None:
        answers[("tp", "second")] = missing
    result = score_visit(checklist(TWO_QUESTIONS), answers)
    second = result.question("tp", "second")
    assert (second.outcome, second.earned, second.possible, second.observed) == (
        UNANSWERED, 0, 0, "Not answered")
    assert (touchpoint(result, "tp").possible, result.score) == (2, 0.0)
    assert [g.question for g in result.gaps] == ["first"]


# --------------------------------------------------------------------------- critical

CRITICAL = """
[[touchpoints]]
key = "phone"
name = "Phone"
weight = 1

[[touchpoints.questions]]
key = "answered"
kind = "yes_no"
text = "Was the call answered?"
standard = "Every call is answered."
points = 3
critical = true
na_allowed = true

[[touchpoints.questions]]
key = "polite"
kind = "scale"
text = "How polite?"
standard = "Callers are treated politely."
points = 4

[[touchpoints]]
key = "desk"
name = "Desk"
weight = 1

[[touchpoints.questions]]
key = "asked"
kind = "yes_no"
text = "Asked?"
standard = "Needs are asked."
"""


def test_a_failed_critical_question_scores_its_touchpoint_zero_and_flags_the_visit():
    result = score(checklist(CRITICAL), phone__answered="no", phone__polite=5, desk__asked="yes")
    phone, desk = touchpoint(result, "phone"), touchpoint(result, "desk")
    # The polite 5 of 5 is worth 4 of 7 points, but the critical failure overrides it.
    assert (phone.earned, phone.possible) == (4, 7)
    assert phone.score == 0.0
    assert phone.critical_failed is True
    # Other touchpoints keep their own score.
    assert desk.score == 100.0
    assert desk.critical_failed is False
    assert result.critical_failed is True
    assert result.score == 50.0
    assert [(g.question, g.critical, g.points_lost) for g in result.gaps] == [
        ("answered", True, 3)]


def test_a_met_critical_question_leaves_the_touchpoint_scored_normally():
    result = score(checklist(CRITICAL), phone__answered="yes", phone__polite=3, desk__asked="yes")
    phone = touchpoint(result, "phone")
    assert (phone.earned, phone.possible, phone.score) == (5, 7, 71.43)
    assert phone.critical_failed is False
    assert result.critical_failed is False


@pytest.mark.parametrize("answer", [None, Answer(na=True)])
def test_a_critical_question_not_answered_or_na_is_not_a_failure(answer):
    answers = {("phone", "polite"): Answer(5), ("desk", "asked"): Answer("yes")}
    if answer is not None:
        answers[("phone", "answered")] = answer
    result = score_visit(checklist(CRITICAL), answers)
    assert touchpoint(result, "phone").score == 100.0
    assert result.critical_failed is False


# --------------------------------------------------------------------------- the visit

WORKED_EXAMPLE = """
[[touchpoints]]
key = "reception"
name = "Reception"
weight = 3

[[touchpoints.questions]]
key = "greeted_within_30s"
kind = "yes_no"
text = "Were you greeted within 30 seconds?"
standard = "Every visitor is greeted within 30 seconds."
points = 2

[[touchpoints.questions]]
key = "wait_to_be_served"
kind = "duration"
text = "How long did you wait to be served?"
standard = "No visitor waits more than two minutes."
points = 2
target = 120

[[touchpoints.questions]]
key = "offered_drink"
kind = "yes_no"
text = "Were you offered a drink?"
standard = "Waiting visitors are offered a drink."
category = "delight"

[[touchpoints]]
key = "phone"
name = "Phone"
weight = 1

[[touchpoints.questions]]
key = "call_answered"
kind = "yes_no"
text = "Did a person answer your call?"
standard = "Every call is answered by a person."
points = 3
critical = true
"""


def test_the_worked_example_in_docs_scoring_md():
    result = score(
        checklist(WORKED_EXAMPLE),
        reception__greeted_within_30s="yes",
        reception__wait_to_be_served=185,
        reception__offered_drink="yes",
        phone__call_answered="no",
    )
    reception, phone = touchpoint(result, "reception"), touchpoint(result, "phone")
    assert (reception.earned, reception.possible, reception.score) == (3, 4, 75.0)
    assert (phone.score, phone.critical_failed) == (0.0, True)
    # (75 x 3 + 0 x 1) / 4
    assert result.score == 56.25
    assert result.critical_failed is True
    # The critical gap comes first although its touchpoint is the lighter one.
    assert [(g.touchpoint, g.question) for g in result.gaps] == [
        ("phone", "call_answered"), ("reception", "wait_to_be_served")]
    wait = result.gaps[1]
    assert wait.observed == "3 min 05 s (standard ≤ 2 min)"
    assert (wait.touchpoint_name, wait.touchpoint_weight, wait.points_lost) == ("Reception", 3, 2)
    assert wait.text == "How long did you wait to be served?"
    assert wait.standard == "No visitor waits more than two minutes."
    assert wait.critical is False


def test_the_visit_score_is_weighted_by_touchpoint_weight():
    result = score(
        checklist(WORKED_EXAMPLE),
        reception__greeted_within_30s="yes",
        reception__wait_to_be_served=100,
        phone__call_answered="yes",
    )
    assert touchpoint(result, "reception").score == 100.0
    assert touchpoint(result, "phone").score == 100.0
    assert result.score == 100.0

    half = score(
        checklist(WORKED_EXAMPLE),
        reception__greeted_within_30s="no",
        reception__wait_to_be_served=100,
        phone__call_answered="yes",
    )
    # Reception 50 % with weight 3, phone 100 % with weight 1: (150 + 100) / 4.
    assert half.score == 62.5


def test_a_touchpoint_with_nothing_scored_has_no_score_and_no_part_in_the_visit_score():
    cl = checklist(TWO_QUESTIONS.replace('key = "tp"', 'key = "light"') + dedent("""
        [[touchpoints]]
        key = "heavy"
        name = "Heavy"
        weight = 5

        [[touchpoints.questions]]
        key = "maybe"
        kind = "yes_no"
        text = "Maybe?"
        standard = "Maybe standard."
        na_allowed = true

        [[touchpoints.questions]]
        key = "notes"
        kind = "text"
        text = "Notes"
        """))
    result = score(cl, light__first="yes", light__second="no",
                   heavy__maybe=Answer(na=True), heavy__notes="Fine")
    heavy = touchpoint(result, "heavy")
    assert (heavy.earned, heavy.possible, heavy.score) == (0, 0, None)
    # 50 % for "light" alone, not 50 x 1 / 6.
    assert result.score == 50.0


def test_a_visit_with_nothing_scored_has_no_score():
    result = score(checklist(MIXED), desk__name="Sam")
    assert touchpoint(result, "desk").score is None
    assert result.score is None
    assert result.critical_failed is False
    assert result.gaps == ()


def test_only_text_and_photos_means_no_score():
    cl = checklist("""
        [[touchpoints]]
        key = "notes"
        name = "Notes"

        [[touchpoints.questions]]
        key = "comment"
        kind = "text"
        text = "Anything else?"

        [[touchpoints.questions]]
        key = "photo"
        kind = "photo"
        text = "A photo."
        """)
    result = score(cl, notes__comment="Lovely", notes__photo="p.jpg")
    assert touchpoint(result, "notes").score is None
    assert result.score is None


# --------------------------------------------------------------------------- delight

DELIGHT = """
[[touchpoints]]
key = "tp"
name = "Touchpoint"

[[touchpoints.questions]]
key = "basic_a"
kind = "yes_no"
text = "A?"
standard = "A."
points = 2

[[touchpoints.questions]]
key = "basic_b"
kind = "yes_no"
text = "B?"
standard = "B."
points = 2

[[touchpoints.questions]]
key = "extra"
kind = "yes_no"
text = "Something extra?"
standard = "An extra touch."
points = 1
category = "delight"
"""


def test_delight_points_are_a_bonus_on_the_earned_side_only():
    result = score(checklist(DELIGHT), tp__basic_a="yes", tp__basic_b="no", tp__extra="yes")
    extra = result.question("tp", "extra")
    assert (extra.outcome, extra.earned, extra.possible) == (MET, 1, 0)
    tp = touchpoint(result, "tp")
    # 2 + 1 earned of 4 possible: the delight lifts a touchpoint that missed a standard.
    assert (tp.earned, tp.possible, tp.score) == (3, 4, 75.0)


def test_delight_never_lifts_a_touchpoint_above_100():
    result = score(checklist(DELIGHT), tp__basic_a="yes", tp__basic_b="yes", tp__extra="yes")
    tp = touchpoint(result, "tp")
    assert (tp.earned, tp.possible) == (5, 4)
    assert tp.score == 100.0
    assert result.score == 100.0


def test_a_missed_delight_item_costs_nothing_and_is_not_a_gap():
    result = score(checklist(DELIGHT), tp__basic_a="yes", tp__basic_b="yes", tp__extra="no")
    assert result.question("tp", "extra").outcome == NOT_MET
    assert touchpoint(result, "tp").score == 100.0
    assert result.gaps == ()


def test_delight_alone_scores_nothing():
    result = score(checklist(DELIGHT), tp__extra="yes")
    assert touchpoint(result, "tp").score is None
    assert result.score is None


# --------------------------------------------------------------------------- gaps

GAPS = """
[[touchpoints]]
key = "light"
name = "Light"
weight = 1

[[touchpoints.questions]]
key = "small"
kind = "yes_no"
text = "Small?"
standard = "Small standard."
points = 1

[[touchpoints.questions]]
key = "must"
kind = "yes_no"
text = "Must?"
standard = "Must standard."
points = 1
critical = true

[[touchpoints]]
key = "heavy"
name = "Heavy"
weight = 4

[[touchpoints.questions]]
key = "minor"
kind = "yes_no"
text = "Minor?"
standard = "Minor standard."
points = 1

[[touchpoints.questions]]
key = "rating"
kind = "scale"
text = "Rating?"
standard = "Rating standard."
points = 8

[[touchpoints.questions]]
key = "fine"
kind = "yes_no"
text = "Fine?"
standard = "Fine standard."
points = 5

[[touchpoints.questions]]
key = "bonus"
kind = "yes_no"
text = "Bonus?"
standard = "Bonus standard."
category = "delight"

[[touchpoints]]
key = "medium"
name = "Medium"
weight = 2

[[touchpoints.questions]]
key = "big"
kind = "number"
text = "How many?"
standard = "At most two."
points = 10
target = 2
compare = "<="
"""


def test_gaps_are_the_basic_standards_not_met_critical_first_then_heavier_then_costlier():
    result = score(
        checklist(GAPS),
        light__small="no",
        light__must="no",
        heavy__minor="no",
        heavy__rating=3,
        heavy__fine="yes",
        heavy__bonus="no",
        medium__big=5,
    )
    assert [(g.touchpoint, g.question, g.critical, g.points_lost) for g in result.gaps] == [
        ("light", "must", True, 1),  # critical, although in the lightest touchpoint
        ("heavy", "rating", False, 4),  # weight 4; 3 of 5 earns 4 of 8, loses 4
        ("heavy", "minor", False, 1),  # weight 4, loses less
        ("medium", "big", False, 10),  # weight 2: after weight 4 whatever the points
        ("light", "small", False, 1),
    ]
    # Met standards and missed delight items are not gaps.
    assert {g.question for g in result.gaps}.isdisjoint({"fine", "bonus"})
    assert result.gaps[1].observed == "3 of 5 (standard ≥ 4)"
    assert result.gaps[3].observed == "5 (standard ≤ 2)"


def test_no_gaps_when_every_standard_is_met():
    result = score(checklist(GAPS), light__small="yes", light__must="yes", heavy__minor="yes",
                   heavy__rating=4, heavy__fine="yes", heavy__bonus="no", medium__big=2)
    assert result.gaps == ()
    assert result.critical_failed is False


# --------------------------------------------------------------------------- invalid answers


@pytest.mark.parametrize(
    "question, value, message",
    [
        ('kind = "scale"', 7, "expected 1 to 5, got 7"),
        ('kind = "scale"', 0, "expected 1 to 5, got 0"),
        ('kind = "scale"', 3.5, "expected 1 to 5, got 3.5"),
        ('kind = "scale"', "4", "expected 1 to 5, got '4'"),
        ('kind = "scale"', True, "expected 1 to 5, got True"),
        (CHOICE, "Lukewarm", "'Lukewarm' is not one of the options"),
        (CHOICE, "warm", "'warm' is not one of the options"),
        ('kind = "yes_no"', "maybe", "expected yes or no, got 'maybe'"),
        ('kind = "yes_no"', "Yes", "expected yes or no, got 'Yes'"),
        ('kind = "yes_no"', True, "expected yes or no, got True"),
        ('kind = "number"\ntarget = 3\ncompare = "<="', "three", "expected a number, got 'three'"),
        ('kind = "number"\ntarget = 3\ncompare = "<="', "3", "expected a number, got '3'"),
        ('kind = "number"\ntarget = 3\ncompare = "<="', True, "expected a number, got True"),
        ('kind = "duration"\ntarget = 120', "2 min", "expected a number, got '2 min'"),
    ],
)
def test_an_answer_the_question_cannot_take_is_refused(question, value, message):
    with pytest.raises(ValueError) as err:
        answer_one(question, value)
    assert str(err.value) == f"q: {message}"


def test_a_whole_float_is_a_valid_scale_answer():
    assert answer_one('kind = "scale"\npoints = 4', 4.0).earned == 3.0


# --------------------------------------------------------------------------- properties
#
# Random visits to the real default checklist.

SCORED = [(tp, q) for tp, q in DEFAULT_CHECKLIST.questions() if q.scored]
BASIC = [(tp, q) for tp, q in SCORED if q.category == "basic"]
NA_ALLOWED = [(tp, q) for tp, q in SCORED if q.na_allowed]


def looked_at(condition: dict | None) -> set[str]:
    """The "touchpoint.question" keys a show_if or skip_if names."""
    if condition is None:
        return set()
    parts = condition.get("all") or condition.get("any")
    if parts:
        return set().union(*map(looked_at, parts))
    return {condition["question"]}


# Questions whose answer decides whether others are asked (docs/checklist-format.md).
RULED_BY = set().union(*(looked_at(rule) for tp in DEFAULT_CHECKLIST.touchpoints
                         for rule in (tp.show_if, tp.skip_if, *(q.show_if for q in tp.questions))))


def picks(q: Question, keep) -> st.SearchStrategy:
    """Lists of a multi-choice question's options whose points, capped, pass `keep`."""
    points = {o.label: o.points for o in q.options}
    return st.lists(st.sampled_from(list(points)), unique=True).filter(
        lambda picked: keep(min(q.cap, sum(points[p] for p in picked))))


def met_values(q: Question) -> st.SearchStrategy:
    """Answers that meet the standard."""
    if q.kind == "multi_choice":
        return picks(q, lambda earned: earned >= q.pass_points)
    if q.kind == "yes_no":
        return st.just(q.expected)
    if q.kind == "scale":
        return st.integers(q.pass_min, 5)
    if q.kind == "choice":
        return st.sampled_from([o.label for o in q.options if o.points >= q.pass_points])
    target = int(q.target)
    return {
        "<=": st.integers(max(0, target - 600), target),
        ">=": st.integers(target, target + 600),
        "==": st.just(target),
    }[q.compare]


def best_values(q: Question) -> st.SearchStrategy:
    """Answers that earn the question's full points."""
    if q.kind == "scale":
        return st.just(5)
    if q.kind == "choice":
        return st.sampled_from([o.label for o in q.options if o.points == q.max_points])
    if q.kind == "multi_choice":
        return picks(q, lambda earned: earned == q.cap)
    return met_values(q)


def unmet_values(q: Question) -> st.SearchStrategy:
    """Answers that miss the standard."""
    if q.kind == "multi_choice":
        return picks(q, lambda earned: earned < q.pass_points)
    if q.kind == "yes_no":
        return st.just("no" if q.expected == "yes" else "yes")
    if q.kind == "scale":
        return st.integers(1, q.pass_min - 1)
    if q.kind == "choice":
        return st.sampled_from([o.label for o in q.options if o.points < q.pass_points])
    target = int(q.target)
    return {
        "<=": st.integers(target + 1, target + 600),
        ">=": st.integers(max(0, target - 600), target - 1),
        "==": st.integers(target + 1, target + 600),
    }[q.compare]


def can_miss(q: Question) -> bool:
    """Whether some answer misses the standard (not so for a scale with pass_min 1)."""
    if q.kind == "scale":
        return q.pass_min > 1
    if q.kind == "choice":
        return any(o.points < q.pass_points for o in q.options)
    if q.kind == "multi_choice":
        return q.pass_points > 0
    return True


def any_answer(q: Question) -> st.SearchStrategy:
    """What a shopper could record, including nothing (None) and N/A where allowed."""
    if q.gate:  # "Did you order anything?"
        return st.one_of(st.none(), st.sampled_from([Answer("yes"), Answer("no")]))
    if not q.scored:
        return st.one_of(st.none(), st.builds(Answer, st.text(max_size=20)))
    values = [met_values(q)]
    if can_miss(q):
        values.append(unmet_values(q))
    choices = [st.none(), st.builds(Answer, st.one_of(*values))]
    if q.na_allowed:
        choices.append(st.just(Answer(na=True)))
    return st.one_of(*choices)


# Built once: a strategy built afresh at every draw is validated afresh too, which made
# each example of a whole visit cost tens of milliseconds.
ANY_ANSWERS = [(tp, q, any_answer(q)) for tp, q in DEFAULT_CHECKLIST.questions()]


@st.composite
def visits(draw) -> dict:
    answers = {}
    for tp, q, answers_to_q in ANY_ANSWERS:
        answer = draw(answers_to_q)
        if answer is not None:
            answers[(tp.key, q.key)] = answer
    return answers


def weighted_mean(result: VisitResult) -> float | None:
    scored = [tp for tp in result.touchpoints if tp.score is not None]
    if not scored:
        return None
    return sum(tp.score * tp.weight for tp in scored) / sum(tp.weight for tp in scored)


PROPERTY = settings(max_examples=50, deadline=None, database=None)


def test_the_default_checklist_offers_what_the_properties_need():
    assert len(BASIC) >= 20
    assert len(NA_ALLOWED) >= 10
    assert any(q.critical for _, q in BASIC)


@PROPERTY
@given(visits())
def test_scores_are_none_or_percentages(answers):
    result = score_visit(DEFAULT_CHECKLIST, answers)
    for tp in result.touchpoints:
        assert tp.score is None or 0 <= tp.score <= 100
    assert result.score is None or 0 <= result.score <= 100


@PROPERTY
@given(visits())
def test_the_visit_score_is_the_weighted_mean_of_scored_touchpoints(answers):
    result = score_visit(DEFAULT_CHECKLIST, answers)
    expected = weighted_mean(result)
    if expected is None:
        assert result.score is None
    else:
        assert result.score == pytest.approx(expected, abs=0.005 + 1e-9)  # rounded to 0.01


@PROPERTY
@given(visits())
def test_gaps_are_exactly_the_basic_failures_in_order(answers):
    result = score_visit(DEFAULT_CHECKLIST, answers)
    failures = {
        (tp.key, q.key)
        for tp_def, tp in zip(DEFAULT_CHECKLIST.touchpoints, result.touchpoints, strict=True)
        for q, r in zip(tp_def.questions, tp.questions, strict=True)
        if q.category == "basic" and r.outcome == NOT_MET
    }
    assert {(g.touchpoint, g.question) for g in result.gaps} == failures
    assert len(result.gaps) == len(failures)
    order = [(not g.critical, -g.touchpoint_weight, -g.points_lost) for g in result.gaps]
    assert order == sorted(order)
    assert result.critical_failed == any(g.critical for g in result.gaps)


@PROPERTY
@given(st.data())
def test_best_answers_everywhere_score_100_with_no_gaps(data):
    answers = {}
    for tp, q in SCORED:
        # N/A where allowed must not spoil a perfect visit either.
        if q.na_allowed and data.draw(st.booleans()):
            answers[(tp.key, q.key)] = Answer(na=True)
        else:
            answers[(tp.key, q.key)] = Answer(data.draw(best_values(q)))
    result = score_visit(DEFAULT_CHECKLIST, answers)
    assert result.score == 100.0
    assert result.gaps == ()
    assert result.critical_failed is False
    for tp in result.touchpoints:
        assert tp.score in (100.0, None)


def test_best_answers_without_na_score_every_touchpoint_100():
    answers = {}
    for tp, q in SCORED:
        if q.kind == "yes_no":
            value = q.expected
        elif q.kind == "scale":
            value = 5
        elif q.kind == "choice":
            value = max(q.options, key=lambda o: o.points).label
        elif q.kind == "multi_choice":
            value = [o.label for o in q.options]
        else:
            value = q.target
        answers[(tp.key, q.key)] = Answer(value)
    result = score_visit(DEFAULT_CHECKLIST, answers)
    assert [tp.score for tp in result.touchpoints] == [100.0] * 6
    assert result.score == 100.0
    assert result.gaps == ()


@PROPERTY
@given(visits(), st.data())
def test_missing_one_more_basic_standard_never_raises_a_score(answers, data):
    """Not for a question a rule looks at: missing it may hide a later question, and with it
    a gap (which can raise a score)."""
    before = score_visit(DEFAULT_CHECKLIST, answers)
    met_now = [(tp, q) for tp, q in BASIC
               if can_miss(q) and before.question(tp.key, q.key).outcome == MET
               and f"{tp.key}.{q.key}" not in RULED_BY]
    if not met_now:
        return
    tp, q = data.draw(st.sampled_from(met_now))
    worse = dict(answers)
    worse[(tp.key, q.key)] = Answer(data.draw(unmet_values(q)))
    after = score_visit(DEFAULT_CHECKLIST, worse)

    assert after.question(tp.key, q.key).outcome == NOT_MET
    assert (tp.key, q.key) in {(g.touchpoint, g.question) for g in after.gaps}
    assert len(after.gaps) == len(before.gaps) + 1
    assert after.score <= before.score
    for old, new in zip(before.touchpoints, after.touchpoints, strict=True):
        assert (old.score is None) == (new.score is None)
        if old.score is not None:
            assert new.score <= old.score
    if q.critical:
        assert after.critical_failed is True
        assert touchpoint(after, tp.key).score == 0.0


@PROPERTY
@given(visits(), st.data())
def test_an_na_answer_is_never_a_gap(answers, data):
    tp, q = data.draw(st.sampled_from(NA_ALLOWED))
    answers = {**answers, (tp.key, q.key): Answer(na=True)}
    result = score_visit(DEFAULT_CHECKLIST, answers)
    assert (tp.key, q.key) not in {(g.touchpoint, g.question) for g in result.gaps}
    r = result.question(tp.key, q.key)
    assert (r.outcome, r.earned, r.possible) == (NA, 0, 0)
