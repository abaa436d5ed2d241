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
from dataclasses import asdict, dataclass, field, fields

KINDS = ("yes_no", "scale", "choice", "number", "duration", "text", "photo")
SCORED_KINDS = ("yes_no", "scale", "choice", "number", "duration")
CATEGORIES = ("basic", "delight")
COMPARISONS = ("<=", ">=", "==")
IF_UNANSWERED = ("not_met", "na")  # what a follow-up left unanswered counts as
MAX_FOLLOW_UP_DAYS = 365

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

# The fields every question has (the last three are yes/no flags), and each kind's own.
QUESTION_FIELDS = ("key", "kind", "text", "standard", "guidance", "points", "category",
                   "critical", "na_allowed", "required", "answer_after_days", "if_unanswered")
# Answered later (a follow-up): on a question, or on a touchpoint for all its questions.
FOLLOW_UP_FIELDS = ("answer_after_days", "if_unanswered")
FLAGS = ("critical", "na_allowed", "required")
KIND_FIELDS = {
    "yes_no": ("expected",), "scale": ("pass_min", "low_label", "high_label"),
    "choice": ("options", "pass_points"), "number": ("target", "compare", "unit"),
    "duration": ("target", "compare"), "text": (), "photo": ("receipt",),
}
assert tuple(KIND_FIELDS) == KINDS

MAX_TEXT = {"name": 120, "text": 300, "standard": 500, "guidance": 1000, "description": 1000}


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
    options: tuple[Option, ...] = ()  # choice
    pass_points: float | None = None
    target: float | None = None  # number, duration
    compare: str | None = None
    unit: str = ""
    receipt: bool = False  # photo
    answer_after_days: int | None = None  # a follow-up, due this many days after the visit
    if_unanswered: str = "not_met"  # a follow-up closed unanswered counts as this

    @property
    def scored(self) -> bool:
        return self.kind in SCORED_KINDS

    @property
    def max_points(self) -> float:
        if not self.scored:
            return 0
        if self.kind == "choice":
            return max(o.points for o in self.options)
        return self.points


@dataclass(frozen=True)
class Touchpoint:
    key: str
    name: str
    weight: float = 1
    description: str = ""
    questions: tuple[Question, ...] = ()


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
            for q in tp["questions"]:
                if q["answer_after_days"] is None:  # as hashed before follow-ups existed
                    del q["answer_after_days"], q["if_unanswered"]
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


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
        if q.kind == "choice":
            fields.pop("points")
            fields["options"] = [{"label": o.label, "points": o.points} for o in q.options]
        if q.kind == "duration":
            fields["compare"] = q.compare
        if q.answer_after_days is None or q.if_unanswered == "not_met":
            fields.pop("if_unanswered")
        return {k: _whole(v) for k, v in fields.items() if v not in (None, "")}

    return {
        "checklist": {"slug": checklist.slug, "name": checklist.name,
                      "description": checklist.description},
        "touchpoints": [{"key": tp.key, "name": tp.name, "weight": _whole(tp.weight),
                         "description": tp.description,
                         "questions": [question(q) for q in tp.questions]}
                        for tp in checklist.touchpoints],
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
    if isinstance(value, list):
        items = ",\n".join("  { " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in item.items())
                           + " }" for item in value)
        return "[\n" + items + "\n]"
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
                                 *FOLLOW_UP_FIELDS})
        questions = data.get("questions")
        if not isinstance(questions, list) or not questions:
            self.fail(f"{where}.questions", "at least one question is required")
        later = self.follow_up(data, where, {})
        parsed = tuple(self.question(q, f"{where}.questions[{i}]", later)
                       for i, q in enumerate(questions))
        self.unique([q.key for q in parsed], f"{where}.questions", "key")
        return Touchpoint(
            key=self.string(data, where, "key", required=True, pattern=KEY),
            name=self.string(data, where, "name", required=True),
            weight=self.number(data, where, "weight", default=1, positive=True),
            description=self.string(data, where, "description"),
            questions=parsed,
        )

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

    def question(self, data, where, inherited: dict | None = None) -> Question:
        if not isinstance(data, dict):
            self.fail(where, "must be a table")
        kind = self.choice(data, where, "kind", KINDS, None)
        self.table(data, where, {*QUESTION_FIELDS, *KIND_FIELDS[kind]})
        scored = kind in SCORED_KINDS
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
        fields.update(getattr(self, f"extra_{kind}")(data, where))
        if kind == "photo" and "answer_after_days" in data:
            self.fail(f"{where}.answer_after_days", "a photo cannot be answered later")
        if kind != "photo":  # a touchpoint answered later still takes its photos on the day
            fields.update(self.follow_up(data, where, inherited or {}))
        return Question(**fields)

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

    def extra_choice(self, data, where):
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
        best = max(o.points for o in options)
        if best <= 0:
            self.fail(f"{where}.options", "at least one option must earn points")
        pass_points = self.number(data, where, "pass_points", default=best, minimum=0)
        if pass_points > best:
            self.fail(f"{where}.pass_points", "is more than any option earns")
        return {"options": tuple(options), "pass_points": pass_points}

    def extra_number(self, data, where):
        if "target" not in data:
            self.fail(f"{where}.target", "is required")
        return {
            "target": self.number(data, where, "target"),
            "compare": self.choice(data, where, "compare", COMPARISONS, None),
            "unit": self.string(data, where, "unit"),
        }

    def extra_duration(self, data, where):
        if "target" not in data:
            self.fail(f"{where}.target", "is required")
        return {
            "target": self.number(data, where, "target", minimum=0),
            "compare": self.choice(data, where, "compare", COMPARISONS, "<="),
            "unit": "seconds",
        }

    def extra_text(self, data, where):
        return {}

    def extra_photo(self, data, where):
        return {"receipt": self.flag(data, where, "receipt", False)}
