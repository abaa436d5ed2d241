"""A touchpoint screen with no answers in it, as the shopper's phone keeps it for offline
use and as head office previews a checklist version."""

from __future__ import annotations

from flask import abort, render_template

SHELL_VISIT = {"uuid": "00000000-0000-0000-0000-000000000000", "branch_name": "",
               "status": "draft", "started_at": "", "submitted_at": None}



def empty_screen(version, position: int, visit: dict, **extra):
    """A checklist version's touchpoint screen with no answers in it (shells, previews)."""
    touchpoints = version.checklist.touchpoints
    if not 1 <= position <= len(touchpoints):
        abort(404)
    tp = touchpoints[position - 1]
    questions = [(version.question_ids[(tp.key, q.key)], q) for q in tp.questions]
    return render_template(
        "field/touchpoint.html", visit=visit, version=version, tp=tp,
        tp_id=version.touchpoint_ids[tp.key], position=position, questions=questions,
        errors={}, stray_errors=[], tp_state={"moment": None, "moment_reason": "", "note": ""},
        values={qid: {"value": None, "na": False, "note": ""} for qid, _ in questions},
        photos=[], locked=False, shell=True, **extra)
