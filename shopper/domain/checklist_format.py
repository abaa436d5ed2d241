"""The checklist file format (TOML, see docs/checklist-format.md) and the checklist model.

Pure: no Flask, no database. `parse_checklist` turns a file's text into a `Checklist`, or
raises `ChecklistError` naming the file and the offending field or line.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace

KINDS = ("yes_no", "scale", "choice", "multi_choice", "number", "duration", "text", "photo")
SCORED_KINDS = ("yes_no", "scale", "choice", "multi_choice", "number", "duration")
CATEGORIES = ("basic", "delight")
COMPARISONS = ("<=", ">=", "==")
IF_UNANSWERED = ("not_met", "na")  # what a follow-up left unanswered counts as
MAX_FOLLOW_UP_DAYS = 365

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

# The fields every question has (the last three are yes/no flags), and each kind's own.
QUESTION_FIELDS = ("key", "kind", "text", "standard", "guidance", "points", "category",
                   "critical", "na_allowed", "required", "answer_after_days", "if_unanswered",
                   "show_if", "require_note_if", "require_photo_if")
# Checklist logic (docs/checklist-format.md#checklist-logic): absent unless given.
RULE_FIELDS = ("show_if", "require_note_if", "require_photo_if")
TOUCHPOINT_RULE_FIELDS = ("show_if", "skip_if", "skip_reason")
RANGE_FIELDS = ("min", "max", "range_message")
# Answered later (a follow-up): on a question, or on a touchpoint for all its questions.
FOLLOW_UP_FIELDS = ("answer_after_days", "if_unanswered")
FLAGS = ("critical", "na_allowed", "required")
KIND_FIELDS = {
    "yes_no": ("expected",), "scale": ("pass_min", "low_label", "high_label"),
    "choice": ("options", "pass_points"), "multi_choice": ("options", "pass_points", "cap"),
    "number": ("target", "compare", "unit", *RANGE_FIELDS),
    "duration": ("target", "compare", *RANGE_FIELDS), "text": (), "photo": ("receipt",),
}
assert tuple(KIND_FIELDS) == KINDS

MAX_TEXT = {"name": 120, "text": 300, "standard": 500, "guidance": 1000, "description": 1000,
            "range_message": 200, "skip_reason": 200}


# Conditions on earlier answers, and the question kinds each operator fits.
OPERATORS = ("equals", "not_equals", "in", "less_than", "greater_than", "includes", "answered")
_VALUED = ("yes_no", "scale", "choice", "number", "duration")
OPERATOR_KINDS = {
    "equals": _VALUED, "not_equals": _VALUED, "in": _VALUED,
    "less_than": ("scale", "number", "duration"), "greater_than": ("scale", "number", "duration"),
    "includes": ("multi_choice",), "answered": tuple(k for k in KINDS if k != "photo"),
}
GATE_KINDS = ("yes_no", "choice")  # "Did you order anything?"


def _named(condition) -> set[str]:
    """Every question a condition (as written) names."""
    if isinstance(condition, list):
        return set().union(*map(_named, condition)) if condition else set()
    if not isinstance(condition, dict):
        return set()
    names = {condition["question"]} if isinstance(condition.get("question"), str) else set()
    return names | _named(condition.get("all", [])) | _named(condition.get("any", []))


class ChecklistError(ValueError):
    """A checklist file that cannot be imported; the message says where and why."""

    def __init__(self, source: str, where: str, problem: str):
        self.source, self.where, self.problem = source, where, problem
        super().__init__(f"{source}: {where}: {problem}" if where else f"{source}: {problem}")


@dataclass(frozen=True)
class Option:
    label: str
    points: float


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    text: str
    standard: str = ""
    guidance: str = ""
    points: float = 1
    category: str = "basic"
    critical: bool = False
    na_allowed: bool = False
    required: bool = True
    expected: str | None = None  # yes_no
    pass_min: int | None = None  # scale
    low_label: str = ""
    high_label: str = ""
    options: tuple[Option, ...] = ()  # choice, multi_choice
    pass_points: float | None = None
    cap: float | None = None  # multi_choice: the most its options can earn together
    target: float | None = None  # number, duration
    compare: str | None = None
    unit: str = ""
    min: float | None = None  # number, duration: the answers a shopper may give
    max: float | None = None
    range_message: str = ""
    receipt: bool = False  # photo
    answer_after_days: int | None = None  # a follow-up, due this many days after the visit
    if_unanswered: str = "not_met"  # a follow-up closed unanswered counts as this
    # Checklist logic: conditions as read (see checklist_logic); "not_met" for a failed answer.
    show_if: dict | None = None
    require_note_if: dict | str | None = None
    require_photo_if: dict | str | None = None
    gate: bool = False  # its touchpoint's skip_if names it: asked first, never scored

    @property
    def scored(self) -> bool:
        return self.kind in SCORED_KINDS and not self.gate

    @property
    def max_points(self) -> float:
        if not self.scored:
            return 0
        if self.kind == "choice":
            return max(o.points for o in self.options)
        if self.kind == "multi_choice":
            return self.cap
        return self.points


@dataclass(frozen=True)
class Touchpoint:
    key: str
    name: str
    weight: float = 1
    description: str = ""
    questions: tuple[Question, ...] = ()
    show_if: dict | None = None  # asked only when this holds
    skip_if: dict | None = None  # its first question (the gate) answered so: did not happen
    skip_reason: str = ""


@dataclass(frozen=True)
class Checklist:
    slug: str
    name: str
    description: str = ""
    touchpoints: tuple[Touchpoint, ...] = field(default_factory=tuple)

    def questions(self):
        """Every (touchpoint, question) pair in journey order."""
        for tp in self.touchpoints:
            for q in tp.questions:
                yield tp, q

    def content_hash(self) -> str:
        """Identifies the content, so re-importing an unchanged file adds no version."""
        data = asdict(self)
        for tp in data["touchpoints"]:
            _drop_absent(tp, TOUCHPOINT_RULE_FIELDS)  # as hashed before checklist logic
            for q in tp["questions"]:
                if q["answer_after_days"] is None:  # as hashed before follow-ups existed
                    del q["answer_after_days"], q["if_unanswered"]
                _drop_absent(q, (*RULE_FIELDS, *RANGE_FIELDS, "cap", "gate"))
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _drop_absent(data: dict, names) -> None:
    for name in names:
        if data[name] in (None, "", False):
            del data[name]


def parse_checklist(text: str, source: str = "<checklist>") -> Checklist:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ChecklistError(source, "", f"not valid TOML: {err}") from None
    return _Reader(source).checklist(data)


def checklist_from_data(data: dict, source: str = "<editor>") -> Checklist:
    """The same checks as a file, for a checklist built in the browser's editor."""
    return _Reader(source).checklist(data)




def to_data(checklist: Checklist) -> dict:
    """The checklist as the file format's tables (what `checklist_from_data` reads)."""
    def question(q: Question) -> dict:
        fields = {name: getattr(q, name) for name in QUESTION_FIELDS + KIND_FIELDS[q.kind]}
        if q.kind in ("choice", "multi_choice"):
            fields.pop("points")
            fields["options"] = [{"label": o.label, "points": o.points} for o in q.options]
        if q.kind == "duration":
            fields["compare"] = q.compare
        if q.answer_after_days is None or q.if_unanswered == "not_met":
            fields.pop("if_unanswered")
        return {k: _whole(v) for k, v in fields.items() if v not in (None, "")}

    def touchpoint(tp: Touchpoint) -> dict:
        rules = {name: getattr(tp, name) for name in TOUCHPOINT_RULE_FIELDS}
        return {"key": tp.key, "name": tp.name, "weight": _whole(tp.weight),
                "description": tp.description,
                **{k: v for k, v in rules.items() if v not in (None, "")},
                "questions": [question(q) for q in tp.questions]}

    return {
        "checklist": {"slug": checklist.slug, "name": checklist.name,
                      "description": checklist.description},
        "touchpoints": [touchpoint(tp) for tp in checklist.touchpoints],
    }


def _whole(value):
    """3.0 -> 3: numbers as people write them (stored weights come back as floats)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, dict):  # a rule: an inline table
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
        return "[\n" + ",\n".join("  " + _toml_value(item) for item in value) + "\n]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


def to_toml(checklist: Checklist) -> str:
    """The checklist in the file format (docs/checklist-format.md): editor and files stay
    interchangeable, and parse_checklist(to_toml(c)) == c."""
    data = to_data(checklist)
    lines = ["[checklist]"] + [f"{k} = {_toml_value(v)}" for k, v in data["checklist"].items()]
    for tp in data["touchpoints"]:
        lines += ["", "[[touchpoints]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in tp.items() if k != "questions"]
        for q in tp["questions"]:
            lines += ["", "[[touchpoints.questions]]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in q.items()]
    return "\n".join(lines) + "\n"


def diff(old: Checklist, new: Checklist) -> list[str]:
    """What changed from one version to the next, in sentences head office can read."""
    changes = []
    if (old.name, old.description) != (new.name, new.description):
        changes.append("Renamed or redescribed the checklist")
    before = {tp.key: tp for tp in old.touchpoints}
    after = {tp.key: tp for tp in new.touchpoints}
    changes += [f"Added touchpoint {after[k].name}" for k in after if k not in before]
    changes += [f"Removed touchpoint {before[k].name}" for k in before if k not in after]
    if [k for k in before if k in after] != [k for k in after if k in before]:
        changes.append("Changed the order of the touchpoints")
    for key in (k for k in after if k in before):
        old_tp, new_tp = before[key], after[key]
        for field_name in ("name", "weight", "description"):
            if getattr(old_tp, field_name) != getattr(new_tp, field_name):
                changes.append(f"{new_tp.name}: changed {field_name}")
        old_q = {q.key: q for q in old_tp.questions}
        new_q = {q.key: q for q in new_tp.questions}
        changes += [f"{new_tp.name}: added “{new_q[k].text}”" for k in new_q if k not in old_q]
        changes += [f"{new_tp.name}: removed “{old_q[k].text}”" for k in old_q if k not in new_q]
        for k in (k for k in new_q if k in old_q):
            changed = [f.name for f in fields(Question)
                       if getattr(old_q[k], f.name) != getattr(new_q[k], f.name)]
            if changed:
                changes.append(f"{new_tp.name}: “{new_q[k].text}”: changed "
                               f"{', '.join(c.replace('_', ' ') for c in changed)}")
    return changes


def load_checklist_file(path) -> Checklist:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ChecklistError(str(path), "", f"cannot read the file ({err})") from None
    return parse_checklist(text, str(path))


class _Reader:
    """Validates the parsed TOML field by field, naming each path on error."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, problem: str):
        raise ChecklistError(self.source, where, problem)

    def table(self, data, where: str, allowed: set[str]) -> dict:
        if not isinstance(data, dict):
            self.fail(where, "must be a table")
        unknown = sorted(set(data) - allowed)
        if unknown:
            self.fail(f"{where}.{unknown[0]}" if where else unknown[0], "unknown field")
        return data

    def string(self, data, where, name, *, required=False, pattern=None, default=""):
        value = data.get(name, None)
        path = f"{where}.{name}"
        if value is None:
            if required:
                self.fail(path, "is required")
            return default
        if not isinstance(value, str):
            self.fail(path, "must be a string")
        value = value.strip()
        if required and not value:
            self.fail(path, "must not be empty")
        if pattern is not None and not pattern.match(value):
            self.fail(path, f"{value!r} is not allowed here (use {pattern.pattern})")
        limit = MAX_TEXT.get(name, 200)
        if len(value) > limit:
            self.fail(path, f"is longer than {limit} characters")
        return value

    def number(self, data, where, name, *, default=None, minimum=None, positive=False):
        value = data.get(name, default)
        path = f"{where}.{name}"
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, "must be a number")
        if not math.isfinite(value):
            self.fail(path, "must be a finite number")
        if positive and value <= 0:
            self.fail(path, "must be greater than 0")
        if minimum is not None and value < minimum:
            self.fail(path, f"must be at least {minimum}")
        return value

    def flag(self, data, where, name, default):
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.fail(f"{where}.{name}", "must be true or false")
        return value

    def choice(self, data, where, name, allowed, default):
        value = data.get(name, default)
        if value not in allowed:
            self.fail(f"{where}.{name}", f"must be one of {', '.join(map(str, allowed))}")
        return value

    def checklist(self, data: dict) -> Checklist:
        self.table(data, "", {"checklist", "touchpoints"})
        if "checklist" not in data:
            self.fail("checklist", "the [checklist] table is required")
        head = self.table(data["checklist"], "checklist", {"slug", "name", "description"})
        touchpoints = data.get("touchpoints")
        if not isinstance(touchpoints, list) or not touchpoints:
            self.fail("touchpoints", "at least one [[touchpoints]] entry is required")
        self.known: dict[str, Question] = {}  # "touchpoint.question" asked so far
        self.all_keys = {f"{tp.get('key')}.{q.get('key')}" for tp in touchpoints
                         if isinstance(tp, dict) for q in tp.get("questions") or []
                         if isinstance(q, dict)}
        parsed = tuple(self.touchpoint(tp, f"touchpoints[{i}]") for i, tp in enumerate(touchpoints))
        self.unique([tp.key for tp in parsed], "touchpoints", "key")
        return Checklist(
            slug=self.string(head, "checklist", "slug", required=True, pattern=SLUG),
            name=self.string(head, "checklist", "name", required=True),
            description=self.string(head, "checklist", "description"),
            touchpoints=parsed,
        )

    def unique(self, keys, where, what):
        seen = set()
        for i, key in enumerate(keys):
            if key in seen:
                self.fail(f"{where}[{i}].{what}", f"{key!r} is used twice")
            seen.add(key)

    def touchpoint(self, data, where) -> Touchpoint:
        self.table(data, where, {"key", "name", "weight", "description", "questions",
                                 *FOLLOW_UP_FIELDS, *TOUCHPOINT_RULE_FIELDS})
        questions = data.get("questions")
        if not isinstance(questions, list) or not questions:
            self.fail(f"{where}.questions", "at least one question is required")
        key = self.string(data, where, "key", required=True, pattern=KEY)
        show_if = self.rule(data, where, "show_if")  # on earlier touchpoints only
        later = self.follow_up(data, where, {})
        gate_key = self.gate_key(data, where, key, questions[0])
        parsed = []
        for i, q in enumerate(questions):
            path = f"{where}.questions[{i}]"
            question = self.question(q, path, later, tp_key=key, gate=i == 0 and bool(gate_key))
            parsed.append(question)
            if i == 0 and "skip_if" in data:
                skip_if = self.rule(data, where, "skip_if")
        self.unique([q.key for q in parsed], f"{where}.questions", "key")
        skip_reason = self.string(data, where, "skip_reason")
        if skip_reason and "skip_if" not in data and show_if is None:
            self.fail(f"{where}.skip_reason", "applies only with skip_if or show_if")
        return Touchpoint(
            key=key,
            name=self.string(data, where, "name", required=True),
            weight=self.number(data, where, "weight", default=1, positive=True),
            description=self.string(data, where, "description"),
            questions=tuple(parsed),
            show_if=show_if,
            skip_if=skip_if if "skip_if" in data else None,
            skip_reason=skip_reason,
        )

    def gate_key(self, data, where, tp_key, first) -> str | None:
        """The first question's full key, when skip_if names it (which it must)."""
        if "skip_if" not in data:
            return None
        gate = f"{tp_key}.{first.get('key') if isinstance(first, dict) else ''}"
        if gate not in _named(data["skip_if"]):
            self.fail(f"{where}.skip_if", f"must name this touchpoint's first question, {gate!r}: "
                      "its answer decides whether the touchpoint happened")
        return gate

    # -- checklist logic: conditions on earlier answers (docs/checklist-format.md)

    def rule(self, data, where, name, own: str | None = None):
        """A condition (or, for require_*_if, "not_met"), checked against what is known."""
        if name not in data:
            return None
        value = data[name]
        if own is not None and value == "not_met":
            return value
        return self.condition(value, f"{where}.{name}", own)

    def condition(self, data, where, own: str | None = None, depth: int = 0) -> dict:
        if not isinstance(data, dict):
            self.fail(where, 'must be a table such as { question = "phone.answered", '
                      'equals = "yes" }' + (' or "not_met"' if own else ""))
        if depth > 5:
            self.fail(where, "is nested too deeply (at most 5 levels of all / any)")
        joins = [j for j in ("all", "any") if j in data]
        if joins:
            self.table(data, where, {joins[0]})
            parts = data[joins[0]]
            if not isinstance(parts, list) or not parts:
                self.fail(f"{where}.{joins[0]}", "must be a list of at least one condition")
            return {joins[0]: [self.condition(part, f"{where}.{joins[0]}[{i}]", own, depth + 1)
                               for i, part in enumerate(parts)]}
        self.table(data, where, {"question", *OPERATORS})
        name = data.get("question", own)
        if not isinstance(name, str) or not name:
            self.fail(f"{where}.question", 'is required: name an earlier question as '
                      '"touchpoint.question"')
        question = self.known.get(name)
        if question is None:
            problem = ("is a later question: a rule may only look at answers given before it"
                       if name in self.all_keys else "is not a question of this checklist "
                       '(name it "touchpoint.question")')
            self.fail(f"{where}.question", f"{name!r} {problem}")
        ops = [op for op in OPERATORS if op in data]
        if len(ops) != 1:
            self.fail(where, f"give exactly one of {', '.join(OPERATORS)}")
        op = ops[0]
        return {"question": name, op: self.operand(question, op, data[op], f"{where}.{op}")}

    def operand(self, q: Question, op: str, value, where):
        if q.kind not in OPERATOR_KINDS[op]:
            fits = [o for o in OPERATORS if q.kind in OPERATOR_KINDS[o]]
            self.fail(where, f"does not fit a {q.kind} question ({q.key}); use "
                      f"{', '.join(fits)}")
        if op == "answered":
            if not isinstance(value, bool):
                self.fail(where, "must be true or false")
            return value
        if op == "in":
            if not isinstance(value, list) or not value:
                self.fail(where, "must be a list of at least one value")
            return [self.value_of(q, v, f"{where}[{i}]") for i, v in enumerate(value)]
        if op in ("less_than", "greater_than"):
            return self.value_of(q, value, where, numeric=True)
        return self.value_of(q, value, where)

    def value_of(self, q: Question, value, where, numeric=False):
        if q.kind == "yes_no" and not numeric:
            if value not in ("yes", "no"):
                self.fail(where, 'must be "yes" or "no"')
        elif q.kind in ("choice", "multi_choice") and not numeric:
            if value not in [o.label for o in q.options]:
                self.fail(where, f"{value!r} is not one of the options of {q.key}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, "must be a number")
        elif q.kind == "scale" and not numeric and value not in (1, 2, 3, 4, 5):
            self.fail(where, "must be a whole number from 1 to 5")
        return _whole(value) if isinstance(value, float) else value

    def follow_up(self, data, where, inherited: dict) -> dict:
        """answer_after_days and if_unanswered, given here or inherited from the touchpoint."""
        days = self.number(data, where, "answer_after_days",
                           default=inherited.get("answer_after_days"), minimum=1)
        if days is not None and (days != int(days) or days > MAX_FOLLOW_UP_DAYS):
            self.fail(f"{where}.answer_after_days",
                      f"must be a whole number of days from 1 to {MAX_FOLLOW_UP_DAYS}")
        if_unanswered = self.choice(data, where, "if_unanswered", IF_UNANSWERED,
                                    inherited.get("if_unanswered", "not_met"))
        if days is None and "if_unanswered" in data:
            self.fail(f"{where}.if_unanswered", "applies only with answer_after_days")
        if days is None:
            return {}
        return {"answer_after_days": int(days), "if_unanswered": if_unanswered}

    def question(self, data, where, inherited: dict | None = None, tp_key: str = "",
                 gate: bool = False) -> Question:
        if not isinstance(data, dict):
            self.fail(where, "must be a table")
        kind = self.choice(data, where, "kind", KINDS, None)
        self.table(data, where, {*QUESTION_FIELDS, *KIND_FIELDS[kind]})
        scored = kind in SCORED_KINDS and not gate
        if gate and kind not in GATE_KINDS:
            self.fail(f"{where}.kind", f"a touchpoint's gate question must be one of "
                      f"{', '.join(GATE_KINDS)}")
        category = self.choice(data, where, "category", CATEGORIES, "basic")
        critical = self.flag(data, where, "critical", False)
        if critical and not scored:
            self.fail(f"{where}.critical",
                      f"a {kind} question is not scored, so cannot be critical")
        if critical and category == "delight":
            self.fail(f"{where}.critical", "a delight question cannot be critical")
        fields = dict(
            key=self.string(data, where, "key", required=True, pattern=KEY),
            kind=kind,
            text=self.string(data, where, "text", required=True),
            standard=self.string(data, where, "standard", required=scored),
            guidance=self.string(data, where, "guidance"),
            points=self.number(data, where, "points", default=1, positive=True),
            category=category,
            critical=critical,
            na_allowed=self.flag(data, where, "na_allowed", False),
            required=self.flag(data, where, "required", kind not in ("text", "photo")),
        )
        if critical and gate:
            self.fail(f"{where}.critical", "the gate question is not scored, so cannot be critical")
        fields.update(getattr(self, f"extra_{kind}")(data, where))
        if kind == "photo" and "answer_after_days" in data:
            self.fail(f"{where}.answer_after_days", "a photo cannot be answered later")
        if kind != "photo":  # a touchpoint answered later still takes its photos on the day
            fields.update(self.follow_up(data, where, inherited or {}))
        if gate and "show_if" in data:
            self.fail(f"{where}.show_if", "the gate question is always asked")
        fields["show_if"] = self.rule(data, where, "show_if")
        question = Question(**fields, gate=gate)
        own = f"{tp_key}.{question.key}"
        self.known[own] = question
        evidence = {}
        for name in ("require_note_if", "require_photo_if"):
            if name in data and kind in ("text", "photo"):
                self.fail(f"{where}.{name}", f"does not fit a {kind} question")
            evidence[name] = self.rule(data, where, name, own=own)
            if evidence[name] == "not_met" and not question.scored:
                self.fail(f"{where}.{name}", "an unscored question cannot fail its standard")
        return replace(question, **evidence)

    def extra_yes_no(self, data, where):
        return {"expected": self.choice(data, where, "expected", ("yes", "no"), "yes")}

    def extra_scale(self, data, where):
        pass_min = self.number(data, where, "pass_min", default=4)
        if pass_min not in (1, 2, 3, 4, 5):
            self.fail(f"{where}.pass_min", "must be a whole number from 1 to 5")
        return {
            "pass_min": int(pass_min),
            "low_label": self.string(data, where, "low_label"),
            "high_label": self.string(data, where, "high_label"),
        }

    def options(self, data, where) -> tuple[Option, ...]:
        raw = data.get("options")
        if not isinstance(raw, list) or len(raw) < 2:
            self.fail(f"{where}.options", "at least two options are required")
        options = []
        for i, opt in enumerate(raw):
            path = f"{where}.options[{i}]"
            self.table(opt, path, {"label", "points"})
            options.append(Option(
                label=self.string(opt, path, "label", required=True),
                points=self.number(opt, path, "points", default=0, minimum=0),
            ))
        self.unique([o.label for o in options], f"{where}.options", "label")
        if max(o.points for o in options) <= 0:
            self.fail(f"{where}.options", "at least one option must earn points")
        return tuple(options)

    def extra_choice(self, data, where):
        options = self.options(data, where)
        best = max(o.points for o in options)
        pass_points = self.number(data, where, "pass_points", default=best, minimum=0)
        if pass_points > best:
            self.fail(f"{where}.pass_points", "is more than any option earns")
        return {"options": options, "pass_points": pass_points}

    def extra_multi_choice(self, data, where):
        options = self.options(data, where)
        total = sum(o.points for o in options)
        cap = self.number(data, where, "cap", default=total, positive=True)
        if cap > total:
            self.fail(f"{where}.cap",
                      f"is more than all the options earn together ({_whole(total)})")
        pass_points = self.number(data, where, "pass_points", default=cap, minimum=0)
        if pass_points > cap:
            self.fail(f"{where}.pass_points", "is more than the cap")
        return {"options": options, "pass_points": pass_points, "cap": cap}

    def answer_range(self, data, where, floor=None):
        low = self.number(data, where, "min", minimum=floor)
        high = self.number(data, where, "max", minimum=floor)
        if low is not None and high is not None and low > high:
            self.fail(f"{where}.max", "must not be less than min")
        message = self.string(data, where, "range_message")
        if message and low is None and high is None:
            self.fail(f"{where}.range_message", "applies only with min or max")
        return {"min": low, "max": high, "range_message": message}

    def extra_number(self, data, where):
        if "target" not in data:
            self.fail(f"{where}.target", "is required")
        return {
            "target": self.number(data, where, "target"),
            "compare": self.choice(data, where, "compare", COMPARISONS, None),
            "unit": self.string(data, where, "unit"),
            **self.answer_range(data, where),
        }

    def extra_duration(self, data, where):
        if "target" not in data:
            self.fail(f"{where}.target", "is required")
        return {
            "target": self.number(data, where, "target", minimum=0),
            "compare": self.choice(data, where, "compare", COMPARISONS, "<="),
            "unit": "seconds",
            **self.answer_range(data, where, floor=0),
        }

    def extra_text(self, data, where):
        return {}

    def extra_photo(self, data, where):
        return {"receipt": self.flag(data, where, "receipt", False)}
