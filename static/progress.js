// How far a visit on the phone has got, read from the phone's own copy and its checklist
// version: what each touchpoint has answered, what is still required, and which answers
// miss their standard (the server's scoring, domain/scoring.py, has the final word).
import { timingGiven } from "./outbox.js";

export function shellUrl(versionId, position, uuid, focus = "") {
  return `/field/shell/${versionId}/${position}${focus ? `?focus=${focus}` : ""}#${uuid}`;
}

/** The checklist version as the phone renders it offline (the service worker keeps it). */
export async function loadVersion(versionId) {
  const response = await fetch(`/api/v1/checklist-versions/${versionId}`, { credentials: "same-origin" })
    .catch(() => null);
  if (!response?.ok) return null;
  try {
    return (await response.json()).version;
  } catch {
    return null; // not our API (a captive portal's page)
  }
}

function photosFor(visit, q) {
  return Object.entries(visit.photoMeta || {})
    .filter(([uuid, p]) => p.questionId === q.id && !visit.refused?.[uuid]);
}

export function isAnswered(q, visit) {
  if (q.kind === "photo") return photosFor(visit, q).length > 0;
  const a = visit.answers?.[q.id];
  return Boolean(a && (a.na || (a.value ?? "") !== ""));
}

/** A touchpoint's progress: "done" once every question has an answer, "empty" before the
 * first one. Photo questions count once they hold a photo. */
export function touchpointProgress(tp, visit) {
  const answered = tp.questions.filter((q) => isAnswered(q, visit)).length;
  // A follow-up (answered later) never holds the visit back: it is asked after sending.
  const requiredLeft = tp.questions.filter((q) => q.required && !q.answer_after_days && !isAnswered(q, visit));
  const state = answered === tp.questions.length ? "done" : (answered ? "partial" : "empty");
  return { answered, total: tp.questions.length, requiredLeft, state };
}

/** The visit's date, time in and time out, then required answers and photos not yet
 * given, in journey order (the server checks too). */
export function missingItems(version, visit) {
  const timing = timingGiven(visit.timing) ? [] : [{ tp: null, q: null, kind: "timing" }];
  return timing.concat(version.touchpoints.flatMap((tp) => touchpointProgress(tp, visit).requiredLeft
    .map((q) => ({ tp, q, kind: q.kind === "photo" ? "photo needed" : "not answered" }))));
}

/** Photos the server refused, with where they belong. */
export function refusedPhotos(version, visit) {
  const where = new Map();
  for (const tp of version.touchpoints) {
    where.set(`t${tp.id}`, tp);
    for (const q of tp.questions) where.set(`q${q.id}`, tp);
  }
  return Object.entries(visit.refused || {}).filter(([uuid]) => visit.photoMeta?.[uuid])
    .map(([uuid, why]) => {
      const meta = visit.photoMeta[uuid];
      const key = meta.questionId ? `q${meta.questionId}` : `t${meta.touchpointId}`;
      return { uuid, why, tp: where.get(key), questionId: meta.questionId };
    });
}

/** Whether an answer meets the question's standard: true, false, or null (unscored,
 * not applicable or not answered). */
export function meetsStandard(q, answer) {
  if (!answer || answer.na || (answer.value ?? "") === "") return null;
  const value = answer.value;
  const number = Number(value);
  switch (q.kind) {
    case "yes_no": return value === q.expected;
    case "scale": return number >= q.pass_min;
    case "choice": {
      const option = q.options.find((o) => o.label === value);
      return option ? option.points >= q.pass_points : null;
    }
    case "number":
    case "duration":
      if (!Number.isFinite(number)) return null;
      return { "<=": number <= q.target, ">=": number >= q.target, "==": number === q.target }[q.compare] ?? null;
    default: return null;
  }
}

function clock(seconds) {
  const s = Math.round(Number(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** An answer as the shopper would say it. */
export function answerText(q, answer) {
  if (!answer) return "Not answered";
  if (answer.na) return "Not applicable";
  const value = answer.value ?? "";
  if (value === "") return "Not answered";
  if (q.kind === "yes_no") return value === "yes" ? "Yes" : "No";
  if (q.kind === "scale") return `${value} of 5`;
  if (q.kind === "duration") return clock(value);
  if (q.kind === "number" && q.unit) return `${value} ${q.unit}`;
  return String(value);
}
