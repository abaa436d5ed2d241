"""The browser's checklist editor: one form holding a whole checklist, turned into the file
format's tables and back. Structural changes (add, remove, move) are form buttons, so the
editor works as plain HTML; saving goes through the same checks and the same import as a
TOML file, so editor and files stay interchangeable. Pure: no Flask, no database."""

from __future__ import annotations

import re

from shopper.domain.checklist_format import (
    COMPARISONS,
    FLAGS,
    IF_UNANSWERED,
    KIND_FIELDS,
    KINDS,
    QUESTION_FIELDS,
    ChecklistError,
)

COMMON = tuple(name for name in QUESTION_FIELDS if name not in FLAGS)
NUMBERS = {"points", "weight", "pass_min", "pass_points", "target", "answer_after_days"}


def _value(name: str, raw: str):
    raw = (raw or "").strip()
    if name in NUMBERS and raw:
        try:
            number = float(raw)
        except ValueError:
            return raw  # reported by the checks as "must be a number"
        return int(number) if number.is_integer() else number
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
    """The posted form as the file format's tables (see checklist_format.to_data)."""
    touchpoints = []
    for i in _indexes(form, r"tp-(\d+)-key"):
        tp = {name: _value(name, form.get(f"tp-{i}-{name}", ""))
              for name in ("key", "name", "weight", "description")}
        tp = {k: v for k, v in tp.items() if v != ""}
        questions = []
        for j in _indexes(form, rf"tp-{i}-q-(\d+)-kind"):
            prefix = f"tp-{i}-q-{j}-"
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
            questions.append({k: v for k, v in q.items() if v != ""})
        tp["questions"] = questions
        touchpoints.append(tp)
    head = {name: form.get(name, "").strip() for name in ("slug", "name", "description")}
    return {"checklist": head, "touchpoints": touchpoints}


def _indexes(form, pattern: str) -> list[int]:
    found = {int(m[1]) for name in form if (m := re.fullmatch(pattern, name))}
    return sorted(found)


BLANK_QUESTION = {"key": "", "kind": "yes_no", "text": "", "standard": "", "guidance": "",
                  "points": 1, "category": "basic", "critical": False, "na_allowed": False,
                  "required": True, "expected": "yes"}


def apply(data: dict, op: str) -> dict:
    """A structural change asked for by an editor button: add-tp, add-q-I, del-tp-I,
    del-q-I-J, up-tp-I, down-tp-I, up-q-I-J, down-q-I-J. Anything else changes nothing."""
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
    return data


def _move(items: list, index: int, step: int) -> None:
    other = index + step
    if 0 <= index < len(items) and 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]


def field_of(error: ChecklistError) -> str:
    """The editor's form field for a checks' error path: touchpoints[0].questions[1].kind
    -> tp-0-q-1-kind."""
    where = re.sub(r"touchpoints\[(\d+)\]", r"tp-\1", error.where)
    where = re.sub(r"\.questions\[(\d+)\]", r"-q-\1", where)
    where = re.sub(r"\.options\[\d+\]", "-options", where)
    return where.replace("checklist.", "").replace(".", "-")


def options_text(options) -> str:
    return "\n".join(f"{o['label']} = {o['points']:g}" for o in options or [])


CHOICES = {"kind": KINDS, "category": ("basic", "delight"), "expected": ("yes", "no"),
           "compare": COMPARISONS, "if_unanswered": IF_UNANSWERED}
