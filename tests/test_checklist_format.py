"""The checklist file format (shopper/checklist_format.py, docs/checklist-format.md): the
default checklist, the content hash, and the message every broken file gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopper.domain.checklist_format import (
    KINDS,
    ChecklistError,
    load_checklist_file,
    parse_checklist,
)

ROOT = Path(__file__).parent.parent
DEFAULT_FILE = ROOT / "checklists" / "moments-of-truth.toml"
SOURCE = "broken.toml"

HEAD = """\
[checklist]
slug = "test"
name = "Test checklist"
"""

FIRST_TOUCHPOINT = """
[[touchpoints]]
key = "reception"
name = "Reception"
weight = 2

[[touchpoints.questions]]
key = "greeted"
kind = "yes_no"
text = "Were you greeted?"
standard = "Every visitor is greeted."
"""


def with_question(question: str) -> str:
    """A valid checklist plus `question` as touchpoints[0].questions[1]."""
    return HEAD + FIRST_TOUCHPOINT + "\n[[touchpoints.questions]]\n" + question


def with_touchpoint(touchpoint: str) -> str:
    """A valid checklist plus `touchpoint` (fields first) as touchpoints[1]."""
    return HEAD + FIRST_TOUCHPOINT + "\n[[touchpoints]]\n" + touchpoint


VALID = with_question("""\
key = "waited"
kind = "duration"
text = "How long did you wait?"
standard = "Nobody waits more than two minutes."
target = 120
""")


def parse_error(text: str) -> ChecklistError:
    with pytest.raises(ChecklistError) as err:
        parse_checklist(text, SOURCE)
    return err.value


# --------------------------------------------------------------------------- default checklist


@pytest.fixture(scope="module")
def default():
    return load_checklist_file(DEFAULT_FILE)


def test_the_default_checklist_parses(default):
    assert default.slug == "moments-of-truth"
    assert default.name == "Moments of Truth"
    assert [tp.key for tp in default.touchpoints] == [
        "reception", "parking", "phone", "service_desk", "delivery", "follow_up"]
    assert [tp.weight for tp in default.touchpoints] == [3, 1, 3, 4, 2, 2]
    questions = list(default.questions())
    assert 25 <= len(questions) <= 40
    assert {q.kind for _, q in questions} == set(KINDS)
    for tp in default.touchpoints:
        assert tp.questions, tp.key
        assert any(q.scored for q in tp.questions), tp.key


def test_the_default_checklist_gets_the_documented_defaults(default):
    questions = {(tp.key, q.key): q for tp, q in default.questions()}
    greeting = questions[("reception", "greeting_style")]
    assert (greeting.max_points, greeting.pass_points) == (2, 2)  # best option
    appearance = questions[("reception", "staff_appearance")]
    assert (appearance.pass_min, appearance.points) == (4, 2)
    drink = questions[("reception", "offered_drink")]
    assert (drink.category, drink.points, drink.expected) == ("delight", 1, "yes")
    assert questions[("parking", "safety_hazard")].expected == "no"
    assert questions[("reception", "greeted_within_30s")].required is True
    assert questions[("service_desk", "staff_name")].required is False  # text
    assert questions[("parking", "car_park_photo")].required is False
    receipt = questions[("service_desk", "receipt_photo")]
    assert (receipt.required, receipt.receipt) == (True, True)
    critical = sorted(key for key, q in questions.items() if q.critical)
    assert critical == [("delivery", "damaged_handed_over"), ("parking", "safety_hazard"),
                        ("phone", "call_answered"), ("service_desk", "pressured_to_buy"),
                        ("service_desk", "rude_or_hostile")]


def test_defaults_for_a_minimal_question():
    checklist = parse_checklist(VALID, SOURCE)
    reception = checklist.touchpoints[0]
    greeted, waited = reception.questions
    assert (greeted.points, greeted.category, greeted.critical, greeted.na_allowed,
            greeted.required, greeted.expected) == (1, "basic", False, False, True, "yes")
    assert (waited.target, waited.compare, waited.unit) == (120, "<=", "seconds")
    assert checklist.description == ""


def test_strings_are_stripped():
    checklist = parse_checklist(VALID.replace('name = "Reception"', 'name = "  Reception "'))
    assert checklist.touchpoints[0].name == "Reception"


# --------------------------------------------------------------------------- content hash


def test_content_hash_is_stable_for_the_same_text():
    first = parse_checklist(VALID).content_hash()
    assert first == parse_checklist(VALID).content_hash()
    assert len(first) == 64 and int(first, 16) >= 0


def test_content_hash_ignores_comments_and_layout():
    reformatted = "# A comment\n" + VALID.replace("weight = 2", "weight   =   2  # heavy")
    assert parse_checklist(reformatted).content_hash() == parse_checklist(VALID).content_hash()


@pytest.mark.parametrize(
    "old, new",
    [
        ('text = "Were you greeted?"', 'text = "Were you greeted warmly?"'),
        ("weight = 2", "weight = 3"),
        ('name = "Test checklist"', 'name = "Test list"'),
        ("target = 120", "target = 90"),
    ],
)
def test_content_hash_changes_when_the_content_changes(old, new):
    assert old in VALID
    changed = VALID.replace(old, new)
    assert parse_checklist(changed).content_hash() != parse_checklist(VALID).content_hash()


def test_the_default_checklist_hash_is_the_hash_of_its_text(default):
    assert default.content_hash() == parse_checklist(
        DEFAULT_FILE.read_text(encoding="utf-8")).content_hash()


# --------------------------------------------------------------------------- broken files

LONG = "x" * 301

BROKEN = {
    "missing checklist table": (
        FIRST_TOUCHPOINT,
        "checklist", "the [checklist] table is required"),
    "missing slug": (
        VALID.replace('slug = "test"\n', ""),
        "checklist.slug", "is required"),
    "slug with capitals and spaces": (
        VALID.replace('slug = "test"', 'slug = "Moments Of Truth"'),
        "checklist.slug", "'Moments Of Truth' is not allowed here"),
    "slug with an underscore": (
        VALID.replace('slug = "test"', 'slug = "moments_of_truth"'),
        "checklist.slug", "'moments_of_truth' is not allowed here"),
    "unknown top-level table": (
        VALID + "\n[extras]\ncolour = 1\n",
        "extras", "unknown field"),
    "unknown checklist field": (
        VALID.replace('name = "Test checklist"', 'name = "T"\nversion = 2'),
        "checklist.version", "unknown field"),
    "unknown question field": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\nstandard = "S."\ncolour = "red"\n'),
        "touchpoints[0].questions[1].colour", "unknown field"),
    "field of another kind": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\nstandard = "S."\nunit = "m"\n'),
        "touchpoints[0].questions[1].unit", "unknown field"),
    "unknown kind": (
        with_question('key = "q"\nkind = "rating"\ntext = "Q?"\nstandard = "S."\n'),
        "touchpoints[0].questions[1].kind",
        "must be one of yes_no, scale, choice, multi_choice, number, duration, text, photo"),
    "missing kind": (
        with_question('key = "q"\ntext = "Q?"\nstandard = "S."\n'),
        "touchpoints[0].questions[1].kind", "must be one of"),
    "duplicate touchpoint key": (
        with_touchpoint('key = "reception"\nname = "Again"\n\n[[touchpoints.questions]]\n'
                        'key = "q"\nkind = "text"\ntext = "Q?"\n'),
        "touchpoints[1].key", "'reception' is used twice"),
    "duplicate question key": (
        with_question('key = "greeted"\nkind = "text"\ntext = "Q?"\n'),
        "touchpoints[0].questions[1].key", "'greeted' is used twice"),
    "bad question key": (
        with_question('key = "Greeted-Again"\nkind = "text"\ntext = "Q?"\n'),
        "touchpoints[0].questions[1].key", "'Greeted-Again' is not allowed here"),
    "missing standard on a scored question": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\n'),
        "touchpoints[0].questions[1].standard", "is required"),
    "empty text": (
        with_question('key = "q"\nkind = "text"\ntext = "   "\n'),
        "touchpoints[0].questions[1].text", "must not be empty"),
    "touchpoint without questions": (
        with_touchpoint('key = "empty"\nname = "Empty"\n'),
        "touchpoints[1].questions", "at least one question is required"),
    "no touchpoints": (
        HEAD,
        "touchpoints", "at least one [[touchpoints]] entry is required"),
    "choice with one option": (
        with_question('key = "q"\nkind = "choice"\ntext = "Q?"\nstandard = "S."\n'
                      'options = [{ label = "Only", points = 1 }]\n'),
        "touchpoints[0].questions[1].options", "at least two options are required"),
    "choice with no option earning points": (
        with_question('key = "q"\nkind = "choice"\ntext = "Q?"\nstandard = "S."\n'
                      'options = [{ label = "A", points = 0 }, { label = "B" }]\n'),
        "touchpoints[0].questions[1].options", "at least one option must earn points"),
    "choice with the same label twice": (
        with_question('key = "q"\nkind = "choice"\ntext = "Q?"\nstandard = "S."\n'
                      'options = [{ label = "A", points = 1 }, { label = "A", points = 2 }]\n'),
        "touchpoints[0].questions[1].options[1].label", "'A' is used twice"),
    "choice option with negative points": (
        with_question('key = "q"\nkind = "choice"\ntext = "Q?"\nstandard = "S."\n'
                      'options = [{ label = "A", points = 1 }, { label = "B", points = -1 }]\n'),
        "touchpoints[0].questions[1].options[1].points", "must be at least 0"),
    "pass_points above the best option": (
        with_question('key = "q"\nkind = "choice"\ntext = "Q?"\nstandard = "S."\n'
                      'options = [{ label = "A", points = 2 }, { label = "B", points = 1 }]\n'
                      'pass_points = 3\n'),
        "touchpoints[0].questions[1].pass_points", "is more than any option earns"),
    "number without target": (
        with_question('key = "q"\nkind = "number"\ntext = "Q?"\nstandard = "S."\n'
                      'compare = "<="\n'),
        "touchpoints[0].questions[1].target", "is required"),
    "duration without target": (
        with_question('key = "q"\nkind = "duration"\ntext = "Q?"\nstandard = "S."\n'),
        "touchpoints[0].questions[1].target", "is required"),
    "bad compare": (
        with_question('key = "q"\nkind = "number"\ntext = "Q?"\nstandard = "S."\n'
                      'target = 3\ncompare = "<"\n'),
        "touchpoints[0].questions[1].compare", "must be one of <=, >=, =="),
    "number without compare": (
        with_question('key = "q"\nkind = "number"\ntext = "Q?"\nstandard = "S."\n'
                      'target = 3\n'),
        "touchpoints[0].questions[1].compare", "must be one of <=, >=, =="),
    "negative duration target": (
        with_question('key = "q"\nkind = "duration"\ntext = "Q?"\nstandard = "S."\n'
                      'target = -1\n'),
        "touchpoints[0].questions[1].target", "must be at least 0"),
    "scale pass_min 7": (
        with_question('key = "q"\nkind = "scale"\ntext = "Q?"\nstandard = "S."\npass_min = 7\n'),
        "touchpoints[0].questions[1].pass_min", "must be a whole number from 1 to 5"),
    "scale pass_min 3.5": (
        with_question('key = "q"\nkind = "scale"\ntext = "Q?"\nstandard = "S."\n'
                      'pass_min = 3.5\n'),
        "touchpoints[0].questions[1].pass_min", "must be a whole number from 1 to 5"),
    "expected maybe": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\nstandard = "S."\n'
                      'expected = "maybe"\n'),
        "touchpoints[0].questions[1].expected", "must be one of yes, no"),
    "unknown category": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\nstandard = "S."\n'
                      'category = "bonus"\n'),
        "touchpoints[0].questions[1].category", "must be one of basic, delight"),
    "weight 0": (
        VALID.replace("weight = 2", "weight = 0"),
        "touchpoints[0].weight", "must be greater than 0"),
    "negative weight": (
        VALID.replace("weight = 2", "weight = -1.5"),
        "touchpoints[0].weight", "must be greater than 0"),
    "points 0": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\nstandard = "S."\npoints = 0\n'),
        "touchpoints[0].questions[1].points", "must be greater than 0"),
    "boolean weight": (
        VALID.replace("weight = 2", "weight = true"),
        "touchpoints[0].weight", "must be a number"),
    "boolean points": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\nstandard = "S."\n'
                      'points = true\n'),
        "touchpoints[0].questions[1].points", "must be a number"),
    "string target": (
        with_question('key = "q"\nkind = "number"\ntext = "Q?"\nstandard = "S."\n'
                      'target = "3"\ncompare = "<="\n'),
        "touchpoints[0].questions[1].target", "must be a number"),
    "string flag": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\nstandard = "S."\n'
                      'na_allowed = "yes"\n'),
        "touchpoints[0].questions[1].na_allowed", "must be true or false"),
    "number where a string is expected": (
        with_question('key = "q"\nkind = "yes_no"\ntext = 42\nstandard = "S."\n'),
        "touchpoints[0].questions[1].text", "must be a string"),
    "critical text question": (
        with_question('key = "q"\nkind = "text"\ntext = "Q?"\ncritical = true\n'),
        "touchpoints[0].questions[1].critical",
        "a text question is not scored, so cannot be critical"),
    "critical photo question": (
        with_question('key = "q"\nkind = "photo"\ntext = "Q?"\ncritical = true\n'),
        "touchpoints[0].questions[1].critical",
        "a photo question is not scored, so cannot be critical"),
    "critical delight question": (
        with_question('key = "q"\nkind = "yes_no"\ntext = "Q?"\nstandard = "S."\n'
                      'category = "delight"\ncritical = true\n'),
        "touchpoints[0].questions[1].critical", "a delight question cannot be critical"),
    "question text over 300 characters": (
        with_question(f'key = "q"\nkind = "text"\ntext = "{LONG}"\n'),
        "touchpoints[0].questions[1].text", "is longer than 300 characters"),
    "touchpoint name over 120 characters": (
        VALID.replace('name = "Reception"', f'name = "{"R" * 121}"'),
        "touchpoints[0].name", "is longer than 120 characters"),
    "option label over 200 characters": (
        with_question('key = "q"\nkind = "choice"\ntext = "Q?"\nstandard = "S."\n'
                      f'options = [{{ label = "{"a" * 201}", points = 1 }}, {{ label = "B" }}]\n'),
        "touchpoints[0].questions[1].options[0].label", "is longer than 200 characters"),
    "question that is not a table": (
        HEAD + '[[touchpoints]]\nkey = "t"\nname = "T"\nquestions = ["q"]\n',
        "touchpoints[0].questions[0]", "must be a table"),
}


@pytest.mark.parametrize("text, where, problem", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_names_the_file_and_the_field(text, where, problem):
    err = parse_error(text)
    assert err.source == SOURCE
    assert err.where == where
    assert problem in err.problem
    assert str(err).startswith(f"{SOURCE}: {where}: {problem}")


def test_the_bases_of_the_broken_cases_are_valid():
    # Guards the table above: the base it is built from is itself valid.
    parse_checklist(VALID, SOURCE)
    parse_checklist(with_touchpoint('key = "desk"\nname = "Desk"\n\n[[touchpoints.questions]]\n'
                                    'key = "q"\nkind = "text"\ntext = "Q?"\n'), SOURCE)
    parse_checklist(with_question(f'key = "q"\nkind = "text"\ntext = "{"x" * 300}"\n'), SOURCE)


def test_a_toml_syntax_error_names_the_file_and_the_line():
    text = HEAD + "\n[[touchpoints]]\nkey = reception\n"
    err = parse_error(text)
    assert err.source == SOURCE
    assert err.where == ""
    assert str(err).startswith(f"{SOURCE}: not valid TOML: ")
    assert "line 6" in str(err)


def test_a_checklist_error_is_a_value_error():
    assert issubclass(ChecklistError, ValueError)


@pytest.mark.parametrize("weight", ["nan", "inf"])
def test_a_weight_that_is_not_a_finite_positive_number_is_refused(weight):
    # TOML allows nan and inf; a checklist must not: a nan weight makes every visit score
    # nan, and an inf weight makes it nan too (inf / inf).
    err = parse_error(VALID.replace("weight = 2", f"weight = {weight}"))
    assert err.where == "touchpoints[0].weight"


# --------------------------------------------------------------------------- reading files


def test_loading_a_file_names_it_in_errors(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(VALID.replace("weight = 2", "weight = 0"), encoding="utf-8")
    with pytest.raises(ChecklistError) as err:
        load_checklist_file(path)
    assert str(err.value) == f"{path}: touchpoints[0].weight: must be greater than 0"


def test_loading_a_missing_file(tmp_path):
    path = tmp_path / "missing.toml"
    with pytest.raises(ChecklistError) as err:
        load_checklist_file(path)
    assert err.value.source == str(path)
    assert str(err.value).startswith(f"{path}: cannot read the file (")
    assert "No such file" in str(err.value)


def test_loading_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(VALID.replace("Test checklist", "Café").encode("latin-1"))
    with pytest.raises(ChecklistError) as err:
        load_checklist_file(path)
    assert err.value.source == str(path)
    assert str(err.value).startswith(f"{path}: cannot read the file (")
    assert "utf-8" in str(err.value)


def test_loading_a_good_file(tmp_path):
    path = tmp_path / "good.toml"
    path.write_text(VALID, encoding="utf-8")
    assert load_checklist_file(path) == parse_checklist(VALID)
    assert load_checklist_file(str(path)).slug == "test"
