"""The browser's checklist editor: one form holding a whole checklist, turned into the file
format's tables and back. Structural changes (add, remove, move) are form buttons, so the
editor works as plain HTML; saving goes through the same checks and the same import as a
TOML file, so editor and files stay interchangeable. Pure: no Flask, no database.

Checklist logic (docs/checklist-format.md#checklist-logic) is edited as rows of conditions:
a question picked from those asked before, an operator in words and a value. A rule the
rows cannot show (all / any nested deeper than one level) is kept as it is, in a hidden
field, and edited through TOML."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from shopper.domain.checklist_format import (
    FLAGS,
    KIND_FIELDS,
    KINDS,
    OPERATOR_KINDS,
    OPERATORS,
    QUESTION_FIELDS,
    RULE_FIELDS,
    ChecklistError,
)

COMMON = tuple(name for name in QUESTION_FIELDS if name not in FLAGS + RULE_FIELDS)
NUMBERS = {"points", "weight", "pass_min", "pass_points", "target", "answer_after_days",
           "cap", "min", "max"}
TOUCHPOINT_FIELDS = ("key", "name", "weight", "description", "skip_reason")
QUESTION_RULES = RULE_FIELDS
TOUCHPOINT_RULES = ("show_if", "skip_if")
EVIDENCE_RULES = ("require_note_if", "require_photo_if")
JOINS = ("all", "any")

# The operators as head office reads them; "is not answered" is `answered = false`.
OPERATOR_WORDS = {"equals": "is", "not_equals": "is not", "in": "is one of",
                  "less_than": "is less than", "greater_than": "is more than",
                  "includes": "includes", "answered": "is answered",
                  "not_answered": "is not answered"}
OPERATOR_CHOICES = tuple((op, words, " ".join(OPERATOR_KINDS.get(op, OPERATOR_KINDS["answered"])))
                         for op, words in OPERATOR_WORDS.items())
WITHOUT_VALUE = ("answered", "not_answered")
TESTABLE_KINDS = {kind for kinds in OPERATOR_KINDS.values() for kind in kinds}  # not photo
LABELLED_KINDS = ("yes_no", "choice", "multi_choice")  # whose values are words, not numbers


def _number(raw: str):
    try:
        number = float(raw)
    except ValueError:
        return raw  # reported by the checks as "must be a number"
    return int(number) if number.is_integer() else number


def _value(name: str, raw: str):
    raw = (raw or "").strip()
    if name in NUMBERS and raw:
        return _number(raw)
    return raw


def _options(text: str) -> list[dict]:
    """One option a line: "Warm and welcoming = 2"."""
    options = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        label, _, points = line.rpartition("=")
        if not label:
            label, points = points, "0"
        options.append({"label": label.strip(), "points": _value("points", points)})
    return options


def form_to_data(form) -> dict:
    """The posted form (a MultiDict) as the file format's tables (see
    checklist_format.to_data)."""
    touchpoints, holders = [], []
    for i in _indexes(form, r"tp-(\d+)-key"):
        tp = {name: _value(name, form.get(f"tp-{i}-{name}", "")) for name in TOUCHPOINT_FIELDS}
        tp = {k: v for k, v in tp.items() if v != ""}
        tp["questions"] = []
        holders.append((f"tp-{i}-", tp, TOUCHPOINT_RULES, None))
        for j in _indexes(form, rf"tp-{i}-q-(\d+)-kind"):
            question = _question(form, f"tp-{i}-q-{j}-")
            tp["questions"].append(question)
            own = f"{tp.get('key', '')}.{question.get('key', '')}"
            holders.append((f"tp-{i}-q-{j}-", question, QUESTION_RULES, own))
        touchpoints.append(tp)
    kinds = {f"{tp.get('key', '')}.{q.get('key', '')}": q.get("kind")
             for tp in touchpoints for q in tp["questions"]}
    for prefix, holder, names, own in holders:
        for name in names:
            rule = _rule(form, prefix + name, kinds, own if name in EVIDENCE_RULES else None)
            if rule is not None:
                holder[name] = rule
    head = {name: form.get(name, "").strip() for name in ("slug", "name", "description")}
    return {"checklist": head, "touchpoints": touchpoints}


def _question(form, prefix: str) -> dict:
    kind = form.get(prefix + "kind", "")
    extra = KIND_FIELDS.get(kind, ())
    q = {name: _value(name, form.get(prefix + name, ""))
         for name in COMMON + tuple(n for n in extra if n not in ("options", "receipt"))}
    q.update({flag: form.get(prefix + flag) == "1" for flag in FLAGS})
    if "receipt" in extra:
        q["receipt"] = form.get(prefix + "receipt") == "1"
    if "options" in extra:
        q["options"] = _options(form.get(prefix + "options", ""))
        q.pop("points", None)
    if q.get("answer_after_days", "") == "":  # "if unanswered" is a follow-up's
        q.pop("if_unanswered", None)
    return {k: v for k, v in q.items() if v != ""}


def _indexes(form, pattern: str) -> list[int]:
    found = {int(m[1]) for name in form if (m := re.fullmatch(pattern, name))}
    return sorted(found)


# -- a rule from the form's rows

def _rule(form, name: str, kinds: dict, own: str | None):
    """One rule's fields (name-when, name-join, name-K-question/op/value, name-kept) as the
    file format's value, or None. `own` is set for require_*_if, whose conditions name
    the question itself unless they say otherwise."""
    if f"{name}-kept" in form:
        try:
            return json.loads(form[f"{name}-kept"])
        except (ValueError, RecursionError):
            return form[f"{name}-kept"]  # reported by the checks as "must be a table"
    when = form.get(f"{name}-when")
    if when == "not_met":
        return "not_met"
    if own is not None and when != "condition":
        return None
    rows = [c for k in _indexes(form, rf"{re.escape(name)}-(\d+)-op")
            if (c := _condition(form, f"{name}-{k}-", kinds, own)) is not None]
    if not rows:
        return {} if when == "condition" else None  # {}: "give exactly one of …"
    join = form.get(f"{name}-join", "")
    if len(rows) == 1 and join not in JOINS:
        return rows[0]
    return {join if join in JOINS else "all": rows}


def _condition(form, prefix: str, kinds: dict, own: str | None) -> dict | None:
    question = form.get(prefix + "question", "").strip()
    op = form.get(prefix + "op", "")
    raw = [v.strip() for v in form.getlist(prefix + "value")]
    if own is None and not question and not any(raw):
        return None  # a row left blank
    condition = {"question": question} if question or own is None else {}
    if op in WITHOUT_VALUE:
        condition["answered"] = op == "answered"
    else:
        condition[op] = _operand(kinds.get(question or own), op, raw)
    return condition


def _operand(kind: str | None, op: str, raw: list[str]):
    if op == "in":
        if kind not in LABELLED_KINDS:  # numbers typed in one box: "1, 2"
            raw = [part for text in raw for part in text.split(",")]
        return [_scalar(kind, v.strip()) for v in raw if v.strip()]
    first = raw[0] if raw else ""
    if op in ("less_than", "greater_than"):
        return _number(first)
    return _scalar(kind, first)


def _scalar(kind: str | None, text: str):
    return text if kind in LABELLED_KINDS or not text else _number(text)


# -- a rule as the form's rows

@dataclass(frozen=True)
class Choice:
    """A question a condition may name: "tp.q" ("" for the question itself)."""
    key: str
    label: str
    kind: str
    values: tuple[tuple[str, str], ...] | None  # (value, words) when it has a fixed set


@dataclass(frozen=True)
class Row:
    question: str
    op: str
    value: tuple[str, ...]
    choices: tuple[Choice, ...]
    values: tuple[tuple[str, str], ...] | None  # None: a text box

    @property
    def kind(self) -> str:
        return next((c.kind for c in self.choices if c.key == self.question), "")

    @property
    def multiple(self) -> bool:
        return self.op == "in"

    @property
    def needs_value(self) -> bool:
        return self.op not in WITHOUT_VALUE

    def fits(self, kinds: str) -> bool:
        """Whether an operator (its kinds, space-separated) fits the chosen question."""
        return not self.kind or self.kind in kinds.split()


@dataclass(frozen=True)
class RuleForm:
    name: str  # the fields' prefix: tp-2-q-1-show_if
    rule: str  # show_if, skip_if, require_note_if, require_photo_if
    shown: bool  # false where it cannot apply and is not set
    when: str  # require_*_if: "", "not_met" or "condition"
    join: str  # "", "all" or "any"
    rows: tuple[Row, ...]
    kept: str  # a rule deeper than the rows, as JSON
    described: str  # …and in words
    choices: tuple[Choice, ...]
    legend: str
    gate: str = ""  # skip_if: the first question, in words

    @property
    def active(self) -> bool:
        return bool(self.rows or self.kept or self.when)

    @property
    def summary(self) -> str:
        """What the rule does, in a few words for the folded rules' heading."""
        return SUMMARIES[self.rule]

    def holds(self, field: str | None) -> bool:
        """Whether a form field (say, one an error names) is one of this rule's."""
        return bool(field) and (field == self.name or field.startswith(self.name + "-"))


LEGENDS = {"show_if": "Ask only when", "skip_if": "Skip the rest of this touchpoint when",
           "require_note_if": "Require a note", "require_photo_if": "Require a photo"}
SUMMARIES = {"show_if": "asked only when a condition holds",
             "skip_if": "skipped by its first question's answer",
             "require_note_if": "may need a note", "require_photo_if": "may need a photo"}


def _values(kind: str, q: dict) -> tuple[tuple[str, str], ...] | None:
    if kind == "yes_no":
        return (("yes", "Yes"), ("no", "No"))
    if kind == "scale":
        ends = {1: q.get("low_label", ""), 5: q.get("high_label", "")}
        return tuple((str(n), f"{n} · {ends[n]}" if ends.get(n) else str(n)) for n in range(1, 6))
    if kind in ("choice", "multi_choice"):
        return tuple((o["label"], o["label"]) for o in q.get("options", ())
                     if isinstance(o, dict) and o.get("label"))
    return None


def _choices(data: dict) -> list[tuple[int, int, Choice]]:
    """Every question a rule may name, in journey order, with its position."""
    found = []
    for i, tp in enumerate(data["touchpoints"]):
        for j, q in enumerate(tp["questions"]):
            if tp.get("key") and q.get("key") and q.get("kind") in TESTABLE_KINDS:
                label = f"{tp.get('name') or tp['key']} · {q.get('text') or q['key']}"
                kind = q.get("kind", "")
                found.append((i, j, Choice(f"{tp['key']}.{q['key']}", label, kind,
                                           _values(kind, q))))
    return found


def rows_of(rule) -> tuple[str, list[dict]] | None:
    """(join, conditions) when the form's rows can show the rule; None when it is deeper."""
    if isinstance(rule, dict) and len(rule) == 1 and next(iter(rule)) in JOINS:
        join, parts = next(iter(rule.items()))
        if isinstance(parts, list) and parts and all(map(_simple, parts)):
            return join, parts
        return None
    return ("", [rule]) if _simple(rule) else None


def _simple(condition) -> bool:
    if not isinstance(condition, dict) or not set(condition) <= {"question", *OPERATORS}:
        return False
    ops = [op for op in OPERATORS if op in condition]
    if not ops:
        return True
    value = condition[ops[0]]
    if ops[0] == "answered":
        return len(ops) == 1 and isinstance(value, bool)
    scalars = value if ops[0] == "in" and isinstance(value, list) else [value]
    return len(ops) == 1 and all(isinstance(v, (str, int, float)) for v in scalars)


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row(condition: dict, choices: tuple[Choice, ...], own: str | None) -> Row:
    ops = [op for op in OPERATORS if op in condition]
    op = ops[0] if ops else ""
    raw = condition[op] if op else ""
    if op == "answered":
        op, raw = ("answered" if raw else "not_answered"), []
    question = condition.get("question", "")
    if own is not None and question == own:
        question = ""  # "this question"
    if question and question not in (c.key for c in choices):
        choices += (Choice(question, f"{question} (not an earlier question)", "", None),)
    value = tuple(_shown(v) for v in (raw if isinstance(raw, list) else [raw]))
    values = next((c.values for c in choices if c.key == question), None)
    if values is not None:  # a value no longer among them stays, to be reported
        values += tuple((v, v) for v in value if v and v not in dict(values))
        value = tuple(v for v in value if v)
    elif len(value) > 1:
        value = (", ".join(value),)
    return Row(question, op, value, choices, values)


def describe(rule, labels: dict[str, str]) -> str:
    """A rule in words: 'any of (Phone · Answered? is yes; Phone · Rings is less than 4)'."""
    if isinstance(rule, dict) and len(rule) == 1 and next(iter(rule)) in JOINS:
        join, parts = next(iter(rule.items()))
        if isinstance(parts, list):
            return f"{join} of ({'; '.join(describe(p, labels) for p in parts)})"
    if isinstance(rule, dict):
        ops = [op for op in OPERATORS if op in rule]
        question = labels.get(rule.get("question", ""), rule.get("question", "this question"))
        if len(ops) == 1:
            op, value = ops[0], rule[ops[0]]
            if op == "answered":
                return f"{question} {OPERATOR_WORDS['answered' if value else 'not_answered']}"
            shown = ", ".join(map(_shown, value)) if isinstance(value, list) else _shown(value)
            return f"{question} {OPERATOR_WORDS[op]} {shown}"
    return json.dumps(rule)


def _rule_form(name: str, rule_name: str, rule, choices: tuple[Choice, ...], own=None,
               can_apply=True, gate="", legend="") -> RuleForm:
    when = "" if rule is None else "not_met" if rule == "not_met" else "condition"
    if own is None and when == "not_met":
        when = "condition"  # "not_met" only fits require_*_if: kept, to be reported
    shape = rows_of(rule) if when == "condition" else ("", [])
    kept = described = ""
    if shape is None:
        labels = {c.key: c.label for c in choices}
        kept, described, shape = json.dumps(rule), describe(rule, labels), ("", [])
    join, conditions = shape
    rows = tuple(_row(c, choices, own) for c in conditions)
    return RuleForm(name, rule_name, can_apply or rule is not None, when, join, rows, kept,
                    described, choices, legend or LEGENDS[rule_name], gate)


def rule_forms(data: dict) -> dict[str, RuleForm]:
    """Every rule of the checklist as the editor shows it, by its fields' prefix."""
    everything = _choices(data)
    forms = {}
    for i, tp in enumerate(data["touchpoints"]):
        before = tuple(c for ti, _, c in everything if ti < i)
        first = next((c for ti, qj, c in everything if (ti, qj) == (i, 0)), None)
        forms[f"tp-{i}-show_if"] = _rule_form(f"tp-{i}-show_if", "show_if", tp.get("show_if"),
                                              before, can_apply=bool(before),
                                              legend="Ask this touchpoint only when")
        forms[f"tp-{i}-skip_if"] = _rule_form(
            f"tp-{i}-skip_if", "skip_if", tp.get("skip_if"), before + ((first,) if first else ()),
            gate=first.label if first else "")
        for j, q in enumerate(tp["questions"]):
            prefix = f"tp-{i}-q-{j}-"
            earlier = tuple(c for ti, qj, c in everything if (ti, qj) < (i, j))
            gate = j == 0 and tp.get("skip_if") is not None
            forms[prefix + "show_if"] = _rule_form(prefix + "show_if", "show_if",
                                                   q.get("show_if"), earlier,
                                                   can_apply=bool(earlier) and not gate)
            own = f"{tp.get('key', '')}.{q.get('key', '')}"
            itself = Choice("", "This question", q.get("kind", ""),
                            _values(q.get("kind", ""), q))
            for name in EVIDENCE_RULES:
                forms[prefix + name] = _rule_form(
                    prefix + name, name, q.get(name), (itself, *earlier), own=own,
                    can_apply=q.get("kind") not in ("text", "photo"))
    return forms


# -- structural changes: the editor's buttons

BLANK_QUESTION = {"key": "", "kind": "yes_no", "text": "", "standard": "", "guidance": "",
                  "points": 1, "category": "basic", "critical": False, "na_allowed": False,
                  "required": True, "expected": "yes"}
SLOT = r"tp-(\d+)(?:-q-(\d+))?-(show_if|skip_if|require_note_if|require_photo_if)"


def apply(data: dict, op: str) -> dict:
    """A structural change asked for by an editor button: add-tp, add-q-I, del-tp-I,
    del-q-I-J, up-tp-I, down-tp-I, up-q-I-J, down-q-I-J; for a rule (SLOT: tp-I-show_if,
    tp-I-q-J-require_note_if, …) add-cond-SLOT, del-cond-SLOT-K and clear-SLOT. Anything
    else changes nothing."""
    tps = data["touchpoints"]
    if op == "add-tp":
        tps.append({"key": "", "name": "", "weight": 1, "description": "",
                    "questions": [dict(BLANK_QUESTION)]})
    elif (m := re.fullmatch(r"add-q-(\d+)", op)) and int(m[1]) < len(tps):
        tps[int(m[1])]["questions"].append(dict(BLANK_QUESTION))
    elif (m := re.fullmatch(r"del-tp-(\d+)", op)) and int(m[1]) < len(tps):
        del tps[int(m[1])]
    elif m := re.fullmatch(r"del-q-(\d+)-(\d+)", op):
        i, j = int(m[1]), int(m[2])
        if i < len(tps) and j < len(tps[i]["questions"]):
            del tps[i]["questions"][j]
    elif m := re.fullmatch(r"(up|down)-tp-(\d+)", op):
        _move(tps, int(m[2]), -1 if m[1] == "up" else 1)
    elif (m := re.fullmatch(r"(up|down)-q-(\d+)-(\d+)", op)) and int(m[2]) < len(tps):
        _move(tps[int(m[2])]["questions"], int(m[3]), -1 if m[1] == "up" else 1)
    elif m := re.fullmatch(rf"(add-cond|clear)-{SLOT}", op):
        _change_rule(tps, m, None)
    elif m := re.fullmatch(rf"(del-cond)-{SLOT}-(\d+)", op):
        _change_rule(tps, m, int(m[5]))
    return data


def _move(items: list, index: int, step: int) -> None:
    other = index + step
    if 0 <= index < len(items) and 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]


def _change_rule(tps: list, m: re.Match, remove: int | None) -> None:
    i, j, name = int(m[2]), m[3], m[4]
    if i >= len(tps) or (j is not None and int(j) >= len(tps[i]["questions"])):
        return
    holder = tps[i] if j is None else tps[i]["questions"][int(j)]
    rule = holder.get(name)
    if m[1] == "clear":
        holder.pop(name, None)
        return
    shape = ("", []) if rule in (None, "not_met", {}) else rows_of(rule)  # {}: none yet
    if shape is None:
        return  # a deeper rule is edited through TOML
    join, rows = shape
    if remove is not None:
        rows = [c for k, c in enumerate(rows) if k != remove]
        join = join if len(rows) > 1 else ""
    else:
        rows = [*rows, _blank_condition(tps[i], name)]
    if not rows:
        holder.pop(name, None)
    else:
        holder[name] = rows[0] if len(rows) == 1 and not join else {join or "all": rows}


def _blank_condition(tp: dict, name: str) -> dict:
    if name in EVIDENCE_RULES:
        return {}  # about the question itself
    if name == "skip_if" and tp["questions"]:
        return {"question": f"{tp.get('key', '')}.{tp['questions'][0].get('key', '')}"}
    return {"question": ""}


def focus_of(op: str, data: dict) -> str | None:
    """The field to put the cursor in (and scroll to) after an editor button's change."""
    tps = data["touchpoints"]
    if op == "add-tp" and tps:
        return f"tp-{len(tps) - 1}-key"
    if (m := re.fullmatch(r"add-q-(\d+)", op)) and int(m[1]) < len(tps):
        return f"tp-{m[1]}-q-{len(tps[int(m[1])]['questions']) - 1}-key"
    if m := re.fullmatch(rf"add-cond-({SLOT})", op):
        rule = rule_forms(data).get(m[1])
        return f"{m[1]}-{len(rule.rows) - 1}-question" if rule and rule.rows else None
    if m := re.fullmatch(rf"(?:del-cond|clear)-({SLOT})(?:-\d+)?", op):
        return f"{m[1]}-add"
    if m := re.fullmatch(rf"values-({SLOT}-\d+)", op):
        return f"{m[1]}-op"
    return _move_button(op, data)


def _move_button(op: str, data: dict) -> str | None:
    """After a move, the moved item's button for the same way (tp-1-up, tp-0-q-3-down), or
    the other way's once it reached the end: pressing again moves it on."""
    item = moved_item(op, data)
    if item is None:
        return None
    tps = data["touchpoints"]
    index, *inner = (int(n) for n in re.findall(r"\d+", item))
    items = tps if not inner else tps[index]["questions"]
    at = index if not inner else inner[0]
    way = op.split("-")[0]
    end = at == 0 if way == "up" else at == len(items) - 1
    return f"{item}-{('down' if way == 'up' else 'up') if end and len(items) > 1 else way}"


def moved_item(op: str, data: dict) -> str | None:
    """After a move up or down, the moved touchpoint's or question's id where it now is
    (tp-2, tp-0-q-3), so the page keeps the keyboard's place on it."""
    tps = data["touchpoints"]
    if m := re.fullmatch(r"(up|down)-tp-(\d+)", op):
        i = _moved_to(int(m[2]), m[1], len(tps))
        return f"tp-{i}"
    if (m := re.fullmatch(r"(up|down)-q-(\d+)-(\d+)", op)) and int(m[2]) < len(tps):
        j = _moved_to(int(m[3]), m[1], len(tps[int(m[2])]["questions"]))
        return f"tp-{m[2]}-q-{j}"
    return None


def _moved_to(index: int, way: str, count: int) -> int:
    """Where apply() put the item: one step, unless it was already at that end."""
    other = index + (-1 if way == "up" else 1)
    return other if 0 <= index < count and 0 <= other < count else index


def opens(prefix: str, *fields: str | None) -> bool:
    """Whether a folded touchpoint (prefix tp-0-) or question (tp-0-q-1-) shows its fields:
    when the cursor or an error is in one of them. Its own move buttons sit outside the fold,
    so a move leaves it folded."""
    return any(f and f.startswith(prefix) and f not in (prefix + "up", prefix + "down")
               for f in fields)


def move_announcement(op: str, data: dict) -> str:
    """What a screen reader hears after a move: "Moved “Reception” to 2 of 9"."""
    place = moved_item(op, data)
    if place is None:
        return ""
    tps = data["touchpoints"]
    parts = [int(n) for n in re.findall(r"\d+", place)]
    if len(parts) == 1:
        items, index = tps, parts[0]
        words = tps[index].get("name") or tps[index].get("key") or "the touchpoint"
    else:
        items, index = tps[parts[0]]["questions"], parts[1]
        words = items[index].get("text") or items[index].get("key") or "the question"
    return f"Moved “{words}” to {index + 1} of {len(items)}."


# -- errors

def field_of(error: ChecklistError, data: dict | None = None) -> str:
    """The editor's form field for a checks' error path: touchpoints[0].questions[1].kind
    -> tp-0-q-1-kind; …show_if.all[1].question -> …-show_if-1-question."""
    where = re.sub(r"touchpoints\[(\d+)\]", r"tp-\1", error.where)
    where = re.sub(r"\.questions\[(\d+)\]", r"-q-\1", where)
    where = re.sub(r"\.options\[\d+\]", "-options", where)
    if m := re.fullmatch(r"(tp-\d+(?:-q-\d+)?)\.(show_if|skip_if|require_note_if|"
                         r"require_photo_if)(.*)", where):
        slot = f"{m[1]}-{m[2]}"
        part = re.fullmatch(r"(?:\.(?:all|any)\[(\d+)\])?\.(\w+)(?:\[\d+\])?", m[3])
        rule = rule_forms(data).get(slot) if data is not None else None
        if part is None or part[2] in JOINS or (rule is not None and rule.kept):
            return slot
        field = {"question": "question", "answered": "op"}.get(part[2], "value")
        return f"{slot}-{part[1] or 0}-{field}"
    return where.replace("checklist.", "").replace(".", "-")


def options_text(options) -> str:
    return "\n".join(f"{o['label']} = {_shown(o['points'])}" for o in options or [])


# A question's kind as head office reads it, wherever a kind is shown: the file format's
# names (yes_no, duration) stay in TOML.
KIND_NAMES = {"yes_no": "Yes / No", "scale": "Scale 1–5",
              "choice": "One of several options", "multi_choice": "Any of several options",
              "number": "Number", "duration": "Stopwatch", "text": "Text",
              "photo": "Photo"}
assert tuple(KIND_NAMES) == KINDS


def kind_name(kind: str) -> str:
    """A kind's human name; an unknown kind (a form typed by hand) as it is."""
    return KIND_NAMES.get(kind, kind)


def touchpoint_summary(tp: dict) -> str:
    """A folded touchpoint's line: "Reception — 6 questions"."""
    count = len(tp.get("questions", ()))
    name = tp.get("name") or tp.get("key") or "New touchpoint"
    return f"{name} — {count} question{'' if count == 1 else 's'}"


def question_summary(q: dict) -> str:
    """A folded question's line: its text and its kind."""
    return f"{q.get('text') or q.get('key') or 'New question'} — {kind_name(q.get('kind', ''))}"


# The select lists' values and the words shown for them.
CHOICES = {
    "kind": tuple(KIND_NAMES.items()),
    "category": (("basic", "Basic"), ("delight", "Delight")),
    "expected": (("yes", "Yes"), ("no", "No")),
    "compare": (("<=", "At most the target"), (">=", "At least the target"),
                ("==", "Exactly the target")),
    "if_unanswered": (("not_met", "Not met"), ("na", "N/A")),
    "when": (("", "Never"), ("not_met", "When the answer misses the standard"),
             ("condition", "When these conditions hold")),
    "join": (("all", "all of these conditions"), ("any", "any of these conditions")),
}
