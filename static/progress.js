// How far a visit on the phone has got, read from the phone's own copy and its checklist
// version: what each touchpoint has answered, what is still required, and which answers
// miss their standard (the server's scoring, domain/scoring.py, has the final word).
import { evidenceNeeded, visibility } from "./checklist-logic.js";
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
  return Boolean(a && !a.invalid && (a.na || (a.value ?? "") !== ""));
}

/** What the phone holds for a question, as the checklist logic reads it (a value outside
 * the question's range is not an answer). */
export function answerOf(visit) {
  return (tp, q) => {
    const a = visit.answers?.[q.id];
    return a && !a.invalid ? a : undefined;
  };
}

/** Which questions the visit asks (checklist-logic.js visibility) for its answers. */
export function logicOf(version, visit) {
  return visibility(version, answerOf(visit));
}

/** A touchpoint's progress over the questions the rules ask: "done" once each has an
 * answer, "empty" before the first one, "skipped" when none is asked. Photo questions
 * count once they hold a photo. */
export function touchpointProgress(tp, visit, hidden = new Set()) {
  const asked = tp.questions.filter((q) => !hidden.has(`${tp.key}.${q.key}`));
  const answered = asked.filter((q) => isAnswered(q, visit)).length;
  // A follow-up (answered later) never holds the visit back: it is asked after sending.
  const requiredLeft = asked.filter((q) => q.required && !q.answer_after_days && !isAnswered(q, visit));
  let state = answered === asked.length ? "done" : (answered ? "partial" : "empty");
  if (!asked.length) state = "skipped";
  return { answered, total: asked.length, requiredLeft, state };
}

/** The visit's date, time in and time out, then required answers and photos not yet
 * given, and the notes and photos answers call for, in journey order (the server checks
 * too). */
export function missingItems(version, visit) {
  const timing = timingGiven(visit.timing) ? [] : [{ tp: null, q: null, kind: "timing" }];
  const seen = logicOf(version, visit);
  const { hidden } = seen;
  const evidence = evidenceNeeded(version, answerOf(visit), seen);
  return timing.concat(version.touchpoints.flatMap((tp) => {
    const left = touchpointProgress(tp, visit, hidden).requiredLeft
      .map((q) => ({ tp, q, kind: q.kind === "photo" ? "photo needed" : "not answered" }));
    for (const q of tp.questions) {
      const key = `${tp.key}.${q.key}`;
      if (evidence.notes.has(key) && !visit.answers?.[q.id]?.note) left.push({ tp, q, kind: "note needed" });
      if (evidence.photos.has(key) && !photosFor(visit, q).length) left.push({ tp, q, kind: "photo needed" });
    }
    return left;
  }));
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

function clock(seconds) {
  const s = Math.round(Number(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** An answer as the shopper would say it. */
export function answerText(q, answer) {
  if (!answer || answer.invalid) return "Not answered";
  if (answer.na) return "Not applicable";
  const value = answer.value ?? "";
  if (value === "") return "Not answered";
  if (q.kind === "yes_no") return value === "yes" ? "Yes" : "No";
  if (q.kind === "scale") return `${value} of 5`;
  if (q.kind === "duration") return clock(value);
  if (q.kind === "number" && q.unit) return `${value} ${q.unit}`;
  if (q.kind === "multi_choice") return Array.isArray(value) && value.length ? value.join(", ") : "None of these";
  return String(value);
}
