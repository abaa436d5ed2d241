"""The scoring engine: a checklist version plus a visit's answers give touchpoint and visit
scores and the list of gaps (standards not met). Pure: no Flask, no database.

The rules are documented in docs/scoring.md; in short:
- a touchpoint scores points earned / points possible (as a percentage);
- N/A (where allowed) and unanswered questions leave both sides;
- delight questions add bonus points but never points possible, and never exceed 100 %;
- a failed critical question scores its touchpoint 0 and flags the visit;
- a question the checklist's logic did not ask, or a touchpoint it skipped, is N/A;
- the visit score is the weighted mean of its scored touchpoints;
- a follow-up question (answered later) left unanswered is left out while it is open,
  which makes the score provisional; once closed it counts as not met, or N/A where the
  checklist says `if_unanswered = "na"`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shopper.domain.checklist_format import Checklist, Question, Touchpoint
from shopper.domain.checklist_logic import NOT_ASKED, Visibility, visibility

MET, NOT_MET, NA, UNANSWERED, UNSCORED = "met", "not_met", "na", "unanswered", "unscored"


@dataclass(frozen=True)
class Answer:
    """What the shopper recorded: `value` is "yes"/"no", 1–5, an option label, a tuple of
    option labels (multi_choice), a number, seconds, or text; `na` marks "not applicable"."""

    value: object = None
    na: bool = False


@dataclass(frozen=True)
class QuestionResult:
    touchpoint: str
    key: str
    outcome: str
    earned: float = 0
    possible: float = 0
    observed: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome == NOT_MET


@dataclass(frozen=True)
class Gap:
    touchpoint: str
    touchpoint_name: str
    touchpoint_weight: float
    question: str
    text: str
    standard: str
    observed: str
    critical: bool
    points_lost: float


@dataclass(frozen=True)
class TouchpointResult:
    key: str
    name: str
    weight: float
    earned: float
    possible: float
    score: float | None  # percentage 0–100; None when nothing in it was scored
    critical_failed: bool
    questions: tuple[QuestionResult, ...]
    skipped: str = ""  # why the touchpoint did not apply on this visit (checklist logic)


@dataclass(frozen=True)
class VisitResult:
    score: float | None
    critical_failed: bool
    touchpoints: tuple[TouchpointResult, ...]
    gaps: tuple[Gap, ...] = field(default_factory=tuple)
    provisional: bool = False  # a scored follow-up question is still open

    def question(self, touchpoint: str, key: str) -> QuestionResult:
        for tp in self.touchpoints:
            if tp.key == touchpoint:
                for q in tp.questions:
                    if q.key == key:
                        return q
        raise KeyError((touchpoint, key))


def score_visit(checklist: Checklist, answers: dict[tuple[str, str], Answer],
                closed: frozenset | set = frozenset()) -> VisitResult:
    """`answers` maps (touchpoint key, question key) to the shopper's Answer; `closed`
    holds the keys of follow-up questions whose answering window has closed."""
    seen = visibility(checklist, answers)
    touchpoints = tuple(_score_touchpoint(tp, answers, closed, seen)
                        for tp in checklist.touchpoints)
    scored = [tp for tp in touchpoints if tp.score is not None]
    total_weight = sum(tp.weight for tp in scored)
    score = (
        round(sum(tp.score * tp.weight for tp in scored) / total_weight, 2)
        if total_weight
        else None
    )
    return VisitResult(
        score=score,
        critical_failed=any(tp.critical_failed for tp in touchpoints),
        touchpoints=touchpoints,
        gaps=_gaps(checklist, touchpoints),
        provisional=any(r.observed == FOLLOW_UP_OPEN for tp in touchpoints
                        for r in tp.questions),
    )


def _score_touchpoint(tp: Touchpoint, answers, closed, seen: Visibility) -> TouchpointResult:
    results = tuple(
        QuestionResult(tp.key, q.key, NA, observed=seen.skipped.get(tp.key, NOT_ASKED))
        if (tp.key, q.key) in seen.hidden
        else score_question(tp.key, q, answers.get((tp.key, q.key)), (tp.key, q.key) in closed)
        for q in tp.questions)
    critical_failed = any(
        q.critical and r.failed for q, r in zip(tp.questions, results, strict=True))
    possible = sum(r.possible for r in results)
    earned = sum(r.earned for r in results)
    if critical_failed:
        score = 0.0
    elif possible > 0:
        score = round(min(100.0, 100.0 * earned / possible), 2)
    else:
        score = None
    return TouchpointResult(tp.key, tp.name, tp.weight, earned, possible, score,
                            critical_failed, results, seen.skipped.get(tp.key, ""))


FOLLOW_UP_OPEN = "Follow-up: not answered yet"
FOLLOW_UP_CLOSED = "Follow-up not answered by its closing date"


def score_question(touchpoint: str, q: Question, answer: Answer | None,
                   closed: bool = False) -> QuestionResult:
    unanswered = answer is None or (not answer.na and answer.value in (None, ""))
    if q.scored and q.answer_after_days is not None and unanswered:
        return _follow_up_unanswered(touchpoint, q, closed)
    if not q.scored:
        observed = _text_observed(answer)
        if q.gate and q.kind == "yes_no":  # "Did you order anything?": Yes or No
            observed = observed.capitalize()
        return QuestionResult(touchpoint, q.key, UNSCORED, observed=observed)
    if answer is not None and answer.na:
        if not q.na_allowed:
            raise ValueError(f"{touchpoint}.{q.key} does not allow N/A")
        return QuestionResult(touchpoint, q.key, NA, observed="Not applicable")
    if answer is None or answer.value is None or answer.value == "":
        return QuestionResult(touchpoint, q.key, UNANSWERED, observed="Not answered")
    earned, met, observed = _MEASURES[q.kind](q, answer.value)
    possible = q.max_points if q.category == "basic" else 0
    return QuestionResult(touchpoint, q.key, MET if met else NOT_MET, earned, possible, observed)


def _follow_up_unanswered(touchpoint: str, q: Question, closed: bool) -> QuestionResult:
    """Open: left out, like an unanswered question. Closed: not met, or N/A."""
    if not closed:
        return QuestionResult(touchpoint, q.key, UNANSWERED, observed=FOLLOW_UP_OPEN)
    if q.if_unanswered == NA:
        return QuestionResult(touchpoint, q.key, NA, observed=f"{FOLLOW_UP_CLOSED} (N/A)")
    possible = q.max_points if q.category == "basic" else 0
    return QuestionResult(touchpoint, q.key, NOT_MET, 0, possible, FOLLOW_UP_CLOSED)


def _yes_no(q: Question, value):
    if value not in ("yes", "no"):
        raise ValueError(f"{q.key}: expected yes or no, got {value!r}")
    met = value == q.expected
    return (q.points if met else 0), met, value.capitalize()


def _scale(q: Question, value):
    if isinstance(value, bool) or value not in (1, 2, 3, 4, 5):
        raise ValueError(f"{q.key}: expected 1 to 5, got {value!r}")
    value = int(value)
    observed = f"{value} of 5 (standard ≥ {q.pass_min})"
    return q.points * (value - 1) / 4, value >= q.pass_min, observed


def _choice(q: Question, value):
    for option in q.options:
        if option.label == value:
            met = option.points >= q.pass_points
            observed = f"{option.label} ({_num(option.points)} of {_num(q.max_points)} points)"
            return option.points, met, observed
    raise ValueError(f"{q.key}: {value!r} is not one of the options")


def _multi_choice(q: Question, value):
    points = {o.label: o.points for o in q.options}
    if not isinstance(value, (list, tuple)) or any(v not in points for v in value):
        raise ValueError(f"{q.key}: {value!r} is not a list of the options")
    earned = min(q.cap, sum(points[v] for v in set(value)))
    picked = ", ".join(o.label for o in q.options if o.label in value) or "None of these"
    return earned, earned >= q.pass_points, f"{picked} ({_num(earned)} of {_num(q.cap)} points)"


def _measured(q: Question, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{q.key}: expected a number, got {value!r}")
    met = {"<=": value <= q.target, ">=": value >= q.target, "==": value == q.target}[q.compare]
    sign = _SIGNS[q.compare]
    if q.kind == "duration":
        observed = f"{format_seconds(value)} (standard {sign} {format_seconds(q.target)})"
    else:
        unit = f" {q.unit}" if q.unit else ""
        observed = f"{_num(value)}{unit} (standard {sign} {_num(q.target)})"
    return (q.points if met else 0), met, observed


_SIGNS = {"<=": "≤", ">=": "≥", "==": "="}

_MEASURES = {"yes_no": _yes_no, "scale": _scale, "choice": _choice,
             "multi_choice": _multi_choice, "number": _measured, "duration": _measured}


def fails_standard(q: Question, answer: Answer) -> bool:
    """Whether a given answer (not N/A) misses the question's standard."""
    return not _MEASURES[q.kind](q, answer.value)[1] if q.scored else False


def _text_observed(answer: Answer | None) -> str:
    if answer is None or answer.value in (None, ""):
        return ""
    return str(answer.value)


def _gaps(checklist: Checklist, touchpoints) -> tuple[Gap, ...]:
    gaps = []
    for tp_def, tp in zip(checklist.touchpoints, touchpoints, strict=True):
        for q, r in zip(tp_def.questions, tp.questions, strict=True):
            if r.failed and q.category == "basic":
                gaps.append(Gap(tp.key, tp.name, tp.weight, q.key, q.text, q.standard,
                                r.observed, q.critical, q.max_points - r.earned))
    gaps.sort(key=lambda g: (not g.critical, -g.touchpoint_weight, -g.points_lost))
    return tuple(gaps)


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    minutes, secs = divmod(seconds, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"


def _num(value: float) -> str:
    """A number as people write it: 1,234,567 or 2.5, never 1.23457e+06."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")
