// A touchpoint screen following the checklist's rules (checklist-logic.js): questions the
// answers do not ask are hidden, a skipped touchpoint says why, and an answer that needs a
// note or a photo says so where they are given. Used by the shopper's screen
// (local-visit.js) and head office's preview (preview.js).
import { evidenceNeeded, rangeProblem, visibility } from "./checklist-logic.js";

/** The answer a screen's controls hold for a question: { value, na } or undefined. A
 * multi-choice is a list of labels ([] for "None of these"); nothing ticked or typed is
 * no answer. */
export function readControls(form, q) {
  const inputs = [...form.querySelectorAll(`[name="q-${q.id}"]`)];
  const na = Boolean(form.querySelector(`[name="q-${q.id}-na"]`)?.checked);
  let value = "";
  if (q.kind === "multi_choice") {
    const picked = inputs.filter((i) => i.checked).map((i) => i.value);
    value = picked.includes("none") ? [] : (picked.length ? picked : "");
  } else {
    const checked = inputs.find((i) => i.type === "radio" && i.checked);
    const typed = inputs.find((i) => i.type !== "radio");
    value = checked ? checked.value : typed?.value.trim() ?? "";
  }
  if (na) return { value: "", na: true };
  if (value === "") return undefined;
  const problem = rangeProblem(q, value);
  return problem ? { value, na: false, invalid: problem } : { value, na: false };
}

/** Show a question's answer ({ value, na }; {} for none) in the screen's controls: the
 * way back of readControls. */
export function writeControls(form, id, answer) {
  const current = answer.na ? "" : String(answer.value ?? "");
  const picked = answer.na || !Array.isArray(answer.value) ? null : answer.value;
  for (const input of form.querySelectorAll(`[name="q-${id}"]`)) {
    if (input.type === "radio") input.checked = input.value === current;
    else if (input.type === "checkbox") {
      input.checked = Boolean(picked) && (input.value === "none" ? !picked.length : picked.includes(input.value));
    } else input.value = answer.na ? "" : answer.value ?? "";
  }
  const na = form.querySelector(`[name="q-${id}-na"]`);
  if (na) na.checked = Boolean(answer.na);
}

/** Keep the answers of one question consistent as the shopper taps: N/A clears the answer
 * and an answer clears N/A; "None of these" and the options exclude each other. */
export function tidyControls(form, target) {
  const match = /^q-(\d+)(-na)?$/.exec(target.name || "");
  if (!match || !target.checked && target.type !== "text") return;
  const [, id, isNa] = match;
  if (isNa) {
    for (const input of form.querySelectorAll(`[name="q-${id}"]`)) {
      if (input.type === "radio" || input.type === "checkbox") input.checked = false;
      else input.value = "";
    }
    return;
  }
  const na = form.querySelector(`[name="q-${id}-na"]`);
  if (na && (target.checked || target.value)) na.checked = false;
  if (target.type === "checkbox") {
    for (const box of form.querySelectorAll(`[name="q-${id}"]`)) {
      if (box !== target && (target.value === "none" || box.value === "none")) box.checked = false;
    }
  }
}

/** Show what the rules ask on this screen, for the answers `answerOf(tp, q)` gives
 * (across the whole visit). Returns the visibility: { hidden, skipped, asked }. */
export function applyLogic(form, version, position, answerOf) {
  const seen = visibility(version, answerOf);
  const evidence = evidenceNeeded(version, answerOf, seen);
  const tp = version.touchpoints[position - 1];
  for (const q of tp.questions) {
    const section = form.querySelector(`#q${q.id}`);
    if (!section) continue;
    const key = `${tp.key}.${q.key}`;
    section.hidden = seen.hidden.has(key);
    const note = section.querySelector("[data-evidence-note]");
    if (note) {
      note.hidden = !evidence.notes.has(key);
      if (!note.hidden) section.querySelector("details.note").open = true;
    }
    const photo = section.querySelector("[data-evidence-photo]");
    if (photo) photo.hidden = !evidence.photos.has(key) && !photo.querySelector(".thumb");
    const range = section.querySelector("[data-range-error]");
    if (range) {
      const problem = readControls(form, q)?.invalid || "";
      range.textContent = problem;
      range.hidden = !problem;
    }
  }
  const notice = form.querySelector("[data-skipped]");
  if (notice) {
    const reason = seen.skipped.get(tp.key);
    notice.hidden = !reason;
    notice.querySelector("[data-skip-reason]").textContent = reason || "";
  }
  return seen;
}

/** Whether the rules skip a whole touchpoint (its show_if): the journey goes past it. */
export function passedOver(tp, seen) {
  return tp.questions.every((q) => seen.hidden.has(`${tp.key}.${q.key}`));
}
