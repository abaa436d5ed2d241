// Checklist logic on the phone: which questions a visit asks, given the answers so far,
// which answers need a note or a photo, and how the answers score. The same rules as the
// server's shopper/domain/checklist_logic.py and scoring.py (docs/checklist-format.md,
// docs/scoring.md); both are checked against tests/checklist_logic_cases.json.
//
// `version` is a checklist version as /api/v1/checklist-versions/N gives it; `answerOf(tp,
// q)` returns what the phone holds for a question ({ value, na }), or nothing.

const DID_NOT_APPLY = "Did not apply on this visit";
const NUMERIC = new Set(["scale", "number", "duration"]);

/** An answer's value in the type the rules compare: numbers for scale, number and
 * duration (the phone keeps what was typed), a list for multi-choice. */
export function typedValue(q, value) {
  if (value === null || value === undefined || value === "") return null;
  if (q.kind === "multi_choice") return Array.isArray(value) ? value : null;
  if (NUMERIC.has(q.kind)) {
    const number = Number(String(value).replace(",", "."));
    return Number.isFinite(number) ? number : null;
  }
  return value;
}

/** Given: N/A, or a value ("none of these", an empty list, is a value). */
export function isGiven(answer) {
  return Boolean(answer && (answer.na || (answer.value !== null && answer.value !== undefined && answer.value !== "")));
}

/** Whether a condition holds for the answers asked (a Map of "tp.q" to typed answers). */
export function holds(condition, asked) {
  if (condition.all) return condition.all.every((part) => holds(part, asked));
  if (condition.any) return condition.any.some((part) => holds(part, asked));
  const answer = asked.get(condition.question);
  if ("answered" in condition) return isGiven(answer) === condition.answered;
  if (!isGiven(answer) || answer.na || answer.value === null) return false;
  const { value } = answer;
  if ("equals" in condition) return value === condition.equals;
  if ("not_equals" in condition) return value !== condition.not_equals;
  if ("in" in condition) return condition.in.includes(value);
  if ("includes" in condition) return value.includes(condition.includes);
  if ("less_than" in condition) return value < condition.less_than;
  return value > condition.greater_than;
}

function typedAnswer(q, raw) {
  if (!raw) return undefined;
  return { value: typedValue(q, raw.value), na: Boolean(raw.na) };
}

/**
 * Which questions are asked: `hidden` holds the "tp.q" keys not asked, `skipped` maps a
 * touchpoint's key to the reason it did not apply, `asked` the (typed) answers of the
 * questions asked, which are all that later rules see.
 */
export function visibility(version, answerOf) {
  const hidden = new Set();
  const skipped = new Map();
  const asked = new Map();
  for (const tp of version.touchpoints) {
    const keys = tp.questions.map((q) => `${tp.key}.${q.key}`);
    if (tp.show_if && !holds(tp.show_if, asked)) {
      skipped.set(tp.key, tp.skip_reason || DID_NOT_APPLY);
      keys.forEach((key) => hidden.add(key));
      continue;
    }
    for (const [i, q] of tp.questions.entries()) {
      const answer = typedAnswer(q, answerOf(tp, q));
      if (q.show_if && !holds(q.show_if, asked)) hidden.add(keys[i]);
      else if (answer) asked.set(keys[i], answer);
      if (i === 0 && tp.skip_if && holds(tp.skip_if, asked)) { // the gate
        skipped.set(tp.key, tp.skip_reason || DID_NOT_APPLY);
        keys.slice(1).forEach((key) => hidden.add(key));
        break;
      }
    }
  }
  return { hidden, skipped, asked };
}

function scored(q) {
  return ["yes_no", "scale", "choice", "multi_choice", "number", "duration"].includes(q.kind) && !q.gate;
}

/** What a given answer (not N/A) earns and whether it meets the standard; null when the
 * value is not one the question takes. */
function measure(q, value) {
  switch (q.kind) {
    case "yes_no":
      return value === "yes" || value === "no"
        ? { earned: value === q.expected ? q.points : 0, met: value === q.expected } : null;
    case "scale":
      return Number.isInteger(value) && value >= 1 && value <= 5
        ? { earned: q.points * (value - 1) / 4, met: value >= q.pass_min } : null;
    case "choice": {
      const option = q.options.find((o) => o.label === value);
      return option ? { earned: option.points, met: option.points >= q.pass_points } : null;
    }
    case "multi_choice": {
      const picked = q.options.filter((o) => value.includes(o.label));
      const earned = Math.min(q.cap, picked.reduce((sum, o) => sum + o.points, 0));
      return { earned, met: earned >= q.pass_points };
    }
    case "number":
    case "duration": {
      const met = { "<=": value <= q.target, ">=": value >= q.target, "==": value === q.target }[q.compare];
      return { earned: met ? q.points : 0, met };
    }
    default: return null;
  }
}

/** Whether an answer meets the question's standard: true, false, or null (unscored, not
 * applicable, not answered). */
export function meetsStandard(q, raw) {
  const answer = typedAnswer(q, raw);
  if (!scored(q) || !isGiven(answer) || answer.na || answer.value === null) return null;
  return measure(q, answer.value)?.met ?? null;
}

/** The notes and photos the answers call for ("tp.q" keys): `require_note_if` and
 * `require_photo_if`, on asked questions answered other than N/A. `seen`: the answers'
 * visibility, when the caller has it already. */
export function evidenceNeeded(version, answerOf, seen = visibility(version, answerOf)) {
  const { asked } = seen;
  const notes = new Set();
  const photos = new Set();
  for (const tp of version.touchpoints) {
    for (const q of tp.questions) {
      const key = `${tp.key}.${q.key}`;
      const answer = asked.get(key);
      if (!isGiven(answer) || answer.na) continue;
      for (const [rule, found] of [[q.require_note_if, notes], [q.require_photo_if, photos]]) {
        if (!rule) continue;
        const wanted = rule === "not_met" ? meetsStandard(q, answer) === false : holds(rule, asked);
        if (wanted) found.add(key);
      }
    }
  }
  return { notes, photos };
}

const round2 = (x) => Math.round(x * 100) / 100;

/**
 * The visit's score as the server computes it (docs/scoring.md), for the answers on the
 * phone: `outcomes` maps "tp.q" to met, not_met, na, unanswered or unscored; a follow-up
 * not answered yet is unanswered.
 */
export function scoreVisit(version, answerOf) {
  const { hidden, skipped } = visibility(version, answerOf);
  const outcomes = {};
  const touchpoints = version.touchpoints.map((tp) => {
    let earned = 0;
    let possible = 0;
    let criticalFailed = false;
    for (const q of tp.questions) {
      const key = `${tp.key}.${q.key}`;
      const answer = typedAnswer(q, answerOf(tp, q));
      let outcome;
      if (hidden.has(key)) outcome = "na";
      else if (!scored(q)) outcome = "unscored";
      else if (answer?.na) outcome = "na";
      else if (!isGiven(answer) || answer.value === null) outcome = "unanswered";
      else {
        const result = measure(q, answer.value);
        if (!result) outcome = "unanswered";
        else {
          outcome = result.met ? "met" : "not_met";
          earned += result.earned;
          if (q.category === "basic") possible += q.max_points;
          if (q.critical && !result.met) criticalFailed = true;
        }
      }
      outcomes[key] = outcome;
    }
    let score = null;
    if (criticalFailed) score = 0;
    else if (possible > 0) score = round2(Math.min(100, 100 * earned / possible));
    return { key: tp.key, weight: tp.weight, score, criticalFailed, skipped: skipped.get(tp.key) || "" };
  });
  const counted = touchpoints.filter((tp) => tp.score !== null);
  const weight = counted.reduce((sum, tp) => sum + tp.weight, 0);
  const score = weight ? round2(counted.reduce((sum, tp) => sum + tp.score * tp.weight, 0) / weight) : null;
  return { score, criticalFailed: touchpoints.some((tp) => tp.criticalFailed), touchpoints, outcomes };
}

function plainNumber(value) {
  return String(Number(value.toFixed(6)));
}

/** Why a number or duration answer is outside the question's min and max, or "" (the
 * server's answers.range_text says the same). */
export function rangeProblem(q, raw) {
  if (!["number", "duration"].includes(q.kind) || (q.min == null && q.max == null)) return "";
  const value = typedValue(q, raw);
  if (value === null || ((q.min == null || value >= q.min) && (q.max == null || value <= q.max))) return "";
  if (q.range_message) return q.range_message;
  const unit = q.kind === "duration" ? " seconds" : (q.unit ? ` ${q.unit}` : "");
  if (q.min != null && q.max != null) return `Enter a value from ${plainNumber(q.min)} to ${plainNumber(q.max)}${unit}.`;
  return q.min != null ? `Enter at least ${plainNumber(q.min)}${unit}.` : `Enter at most ${plainNumber(q.max)}${unit}.`;
}
