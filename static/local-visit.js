// A visit kept on the phone: each touchpoint screen reads and writes the phone's store
// first (so it works with no signal) and leaves sending to the outbox. The screen owns the
// answers it shows; the outbox owns what the server confirmed (store.js updateVisit).
import { flashNext, kick } from "./app.js";
import { downscale } from "./camera.js";
import { counter } from "./counter.js";
import { newId } from "./ids.js";
import { applyLogic, passedOver, readControls, tidyControls, writeControls } from "./logic-view.js";
import { answerOf, loadVersion, logicOf, shellUrl, touchpointProgress } from "./progress.js";
import { deletePhoto, getVisit, photosOf, putPhoto, putVisit, updateVisit } from "./store.js";
import { stopwatch } from "./stopwatch.js";

const owner = Number(document.querySelector("meta[name=user-id]")?.content);
const SAVE_PAUSE_MS = 400;
const PHOTO_PROBLEMS = {
  empty: "This photo is empty: take it again.",
  damaged: "This photo is damaged: take it again.",
  not_an_image: "This file is not a photo we can use: take the photo again.",
  unsupported_format: "This kind of image can't be used: take the photo with the camera.",
  too_many_pixels: "This photo is too large to send: take it again with the camera.",
  too_costly: "This photo is too large to send: take it again with the camera.",
};

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Take over a visit the server holds (begun without these scripts, or returned by head
 * office), with everything in it, so that nothing it did not show is dropped. */
async function adopt(uuid, branchName) {
  const response = await fetch(`/api/v1/visits/${uuid}`, { credentials: "same-origin" }).catch(() => null);
  const reply = response?.ok ? await response.json().catch(() => null) : null;
  const payload = reply?.visit?.payload;
  if (!payload) return null;
  const visit = {
    uuid, owner, assignmentId: payload.assignment_id, versionId: payload.version_id,
    branchName, startedAt: payload.started_at, position: payload.position,
    answers: Object.fromEntries(payload.answers.map((a) => [a.question_id,
      { value: a.value === null ? "" : Array.isArray(a.value) ? a.value : String(a.value), na: a.na, note: a.note }])),
    moments: Object.fromEntries(payload.touchpoints.map((m) => [m.touchpoint_id,
      { moment: m.moment || "", reason: m.reason, note: m.note }])),
    photoMeta: Object.fromEntries(payload.photos.map((p) => [p.uuid,
      { sha256: p.sha256, questionId: p.question_id, touchpointId: p.touchpoint_id, caption: p.caption }])),
    timing: payload.timing || null, submit: payload.submit, reply: "", changedAt: 0, sentAt: 0,
    confirmed: { ...reply.visit, payload: undefined }, resumeAt: 1,
  };
  await putVisit(visit);
  return visit;
}

export async function localVisit(uuid, { serverPage = false, branchName = "" } = {}) {
  let visit = await getVisit(uuid);
  const returnedAgain = visit?.done && serverPage;
  if ((!visit || returnedAgain) && navigator.onLine !== false) visit = await adopt(uuid, branchName);
  return visit && visit.owner === owner ? visit : null;
}

/** A visit on the phone is locked once its submit may have reached the server; a refusal
 * (422) unlocks it again, since nothing was accepted. */
export function isLocked(visit) {
  return Boolean(visit.submit || visit.done);
}

/** Typing is journalled synchronously (localStorage), so that text typed just before a
 * reload or a close is kept even when the page's last IndexedDB save cannot finish. */
const journal = {
  key: (uuid) => `typing:${uuid}`,
  write(uuid, fields) {
    try {
      localStorage.setItem(this.key(uuid), JSON.stringify({ at: Date.now(), ...fields }));
    } catch { /* storage full: the regular save still runs */ }
  },
  read(uuid) {
    try {
      return JSON.parse(localStorage.getItem(this.key(uuid)) || "null");
    } catch {
      return null;
    }
  },
  clear(uuid) {
    localStorage.removeItem(this.key(uuid));
  },
};

function touchpointScreen(form) {
  const tpId = Number(form.dataset.touchpoint);
  const versionId = Number(form.dataset.version);
  const position = Number(form.dataset.position);
  const count = Number(form.dataset.count);
  const status = form.querySelector("[data-save-state]");
  let visit = null;
  let version = null;
  let timer = null;
  let saves = 0;

  const field = (name) => form.querySelectorAll(`[name="${CSS.escape(name)}"]`);
  const questionIds = [...form.querySelectorAll("[data-question-id]")]
    .filter((s) => s.dataset.kind !== "photo").map((s) => s.dataset.questionId);
  const owned = (v) => ({ answers: v.answers, moments: v.moments, photoMeta: v.photoMeta });
  // The question as the rules know it; before the version is read, what the screen says.
  const questionOf = (id) => version?.touchpoints[position - 1].questions.find((q) => String(q.id) === id)
    || { id: Number(id), kind: form.querySelector(`#q${id}`).dataset.kind };

  function fill() {
    for (const id of questionIds) {
      const a = visit.answers[id] || {};
      writeControls(form, id, a);
      for (const note of field(`note-${id}`)) {
        note.value = a.note || "";
        if (a.note) note.closest("details").open = true;
      }
    }
    const m = visit.moments[tpId] || {};
    for (const input of field("moment")) input.checked = input.value === (m.moment || "");
    field("reason")[0].value = m.reason || "";
    field("tp-note")[0].value = m.note || "";
  }

  function read() {
    for (const id of questionIds) {
      const answer = readControls(form, questionOf(id)) || { value: "", na: false };
      const note = field(`note-${id}`)[0]?.value.trim() || "";
      if (answer.value === "" && !answer.na && !note) delete visit.answers[id];
      else visit.answers[id] = { ...answer, note };
    }
    visit.moments[tpId] = {
      moment: [...field("moment")].find((i) => i.checked)?.value || "",
      reason: field("reason")[0].value.trim(),
      note: field("tp-note")[0].value.trim(),
    };
    for (const input of form.querySelectorAll("input[name^=caption-]")) {
      const meta = visit.photoMeta[input.name.slice(8)];
      if (meta) meta.caption = input.value.trim();
    }
  }

  async function save() {
    clearTimeout(timer);
    timer = null;
    const mine = ++saves;
    if (!isLocked(visit)) read();
    const mineNow = owned(visit);
    const hidden = follow();
    const changed = await updateVisit(visit.uuid, (stored) => {
      if (JSON.stringify(owned(stored)) === JSON.stringify(mineNow)) return; // unchanged: not sent again
      Object.assign(stored, mineNow, { changedAt: Date.now(), problem: null, resumeAt: position },
        hidden ? { hidden } : {});
    });
    visit = changed || visit;
    journal.clear(visit.uuid);
    if (mine === saves && !timer) { // only the latest save may say everything is saved
      status.textContent = "Saved on this phone";
      status.dataset.kind = "ok";
    }
    showProgress();
    kick();
  }

  function later() {
    clearTimeout(timer);
    status.textContent = "Editing…";
    status.dataset.kind = "";
    read();
    journal.write(visit.uuid, owned(visit));
    timer = setTimeout(save, SAVE_PAUSE_MS);
  }

  /** Show what the checklist's rules ask for the answers on the phone (whole visit);
   * returns the ids of the questions not asked, which are kept but not sent. */
  function follow() {
    if (!version) return null;
    const seen = applyLogic(form, version, position, answerOf(visit));
    return version.touchpoints.flatMap((tp) => tp.questions
      .filter((q) => seen.hidden.has(`${tp.key}.${q.key}`)).map((q) => q.id));
  }

  /** "4 of 6 answered" here, and each touchpoint's chip: done, partly done, not started,
   * or skipped by the rules. */
  function showProgress() {
    if (!version) return;
    const { hidden } = logicOf(version, visit);
    const tp = version.touchpoints[position - 1];
    const here = touchpointProgress(tp, visit, hidden);
    const counter = form.querySelector("[data-answered]");
    if (counter) counter.textContent = here.state === "skipped" ? "Skipped" : `${here.answered} of ${here.total} answered`;
    const words = { done: "done", partial: "partly done", empty: "not started", skipped: "skipped" };
    for (const chip of form.querySelectorAll("nav.steps [name=go]")) {
      const other = version.touchpoints[Number(chip.value) - 1];
      if (!other) continue;
      const { state } = touchpointProgress(other, visit, hidden);
      chip.classList.remove("step-done", "step-partial", "step-empty", "step-skipped");
      chip.classList.add(`step-${state}`);
      chip.setAttribute("aria-label", `${other.position}. ${other.name}: ${words[state]}`);
    }
  }

  async function thumbs() {
    const blobs = new Map((await photosOf(visit.uuid)).map((p) => [p.uuid, p.blob]));
    for (const picker of form.querySelectorAll("[data-photos]")) {
      const key = picker.dataset.targetName === "question_id" ? "questionId" : "touchpointId";
      const shown = Object.entries(visit.photoMeta)
        .filter(([, meta]) => String(meta[key]) === picker.dataset.targetId)
        .map(([uuid, meta]) => thumb(picker, uuid, meta.caption,
          blobs.has(uuid) ? URL.createObjectURL(blobs.get(uuid)) : `/photos/${uuid}/thumb`));
      picker.querySelector(".thumbs").replaceChildren(...shown); // whole, never two lists merged
    }
  }

  function thumb(picker, uuid, caption, src) {
    const li = Object.assign(document.createElement("li"), { className: "thumb" });
    li.dataset.photo = uuid;
    const img = Object.assign(document.createElement("img"), { src, alt: caption || "Photo", width: 80, height: 80 });
    const input = Object.assign(document.createElement("input"), {
      type: "text", name: `caption-${uuid}`, value: caption || "", maxLength: 200, placeholder: "Caption (optional)" });
    input.setAttribute("aria-label", "Caption");
    const remove = Object.assign(document.createElement("button"), { type: "button", className: "button button-quiet", textContent: "Remove" });
    remove.addEventListener("click", async () => {
      await dropPhoto(uuid);
      li.remove();
      await save();
    });
    li.append(img, input, remove);
    const refused = visit.refused?.[uuid];
    if (refused) {
      li.classList.add("thumb-refused");
      const why = Object.assign(document.createElement("p"), {
        className: "error thumb-problem", textContent: PHOTO_PROBLEMS[refused.code] || `${refused.message} Take it again.` });
      why.setAttribute("role", "alert");
      li.append(why, retake(picker, uuid));
    }
    return li;
  }

  /** A refused photo is replaced by a new one on the same question (even in a visit
   * already submitted: the server waits for its photos). */
  function retake(picker, uuid) {
    const label = Object.assign(document.createElement("label"), { className: "button button-primary photo-button" });
    const input = Object.assign(document.createElement("input"), { type: "file", accept: "image/*" });
    input.setAttribute("capture", "environment");
    input.dataset.retake = uuid;
    label.append(input, Object.assign(document.createElement("span"), { textContent: "Retake photo" }));
    input.addEventListener("change", async (event) => {
      event.stopPropagation();
      const files = [...input.files];
      if (!files.length) return;
      await dropPhoto(uuid);
      await addPhotos(picker, files);
      await thumbs();
    });
    return label;
  }

  /** Take a photo out of the visit here; the next save() tells the store (and the server). */
  async function dropPhoto(uuid) {
    delete visit.photoMeta[uuid];
    if (visit.refused) delete visit.refused[uuid];
    await deletePhoto(uuid);
    await updateVisit(visit.uuid, (stored) => { if (stored.refused) delete stored.refused[uuid]; });
  }

  async function addPhotos(picker, files) {
    for (const file of files) {
      const blob = await downscale(file);
      const uuid = newId();
      const sha = await sha256(blob);
      await putPhoto({ uuid, visitUuid: visit.uuid, owner, blob, sha256: sha, createdAt: Date.now() });
      const target = Number(picker.dataset.targetId);
      visit.photoMeta[uuid] = picker.dataset.targetName === "question_id"
        ? { sha256: sha, questionId: target, touchpointId: null, caption: "" }
        : { sha256: sha, questionId: null, touchpointId: target, caption: "" };
      await save(); // kept on the phone before it is shown as taken
      picker.querySelector(".thumbs").append(thumb(picker, uuid, "", URL.createObjectURL(blob)));
    }
  }

  /** Where a button leads; Next and Back go past touchpoints the rules skip whole. */
  function target(go) {
    const review = `/field/shell/${versionId}/review#${visit.uuid}`;
    if (go === "review") return review;
    if (/^\d+$/.test(go)) return shellUrl(versionId, Number(go), visit.uuid);
    const seen = version && logicOf(version, visit);
    const step = go === "prev" ? -1 : 1;
    let next = position + step;
    while (seen && next >= 1 && next <= count && passedOver(version.touchpoints[next - 1], seen)) next += step;
    if (next > count) return review;
    return shellUrl(versionId, Math.max(1, next), visit.uuid);
  }

  /** Moving on past an unanswered required question is allowed; the shopper is told so
   * once per touchpoint, on the next screen. */
  async function remindOnce(go) {
    if (!version || go !== "next" || isLocked(visit)) return;
    const tp = version.touchpoints[position - 1];
    const left = touchpointProgress(tp, visit, logicOf(version, visit).hidden).requiredLeft.length;
    if (!left || (visit.reminded || []).includes(tp.id)) return;
    await updateVisit(visit.uuid, (stored) => { stored.reminded = [...(stored.reminded || []), tp.id]; });
    flashNext(`${tp.name}: ${left} required question${left === 1 ? " is" : "s are"} still unanswered. ` +
      "You can come back to it: the review lists what is left.");
  }

  /** Opened from the review's list of what is missing: to that question, highlighted. */
  function focusAsked() {
    const asked = new URLSearchParams(location.search).get("focus");
    const section = asked && document.getElementById(asked);
    if (!section) return;
    section.classList.add("question-focus");
    section.scrollIntoView({ block: "center" });
    section.querySelector("input:not([type=hidden]), textarea, select, button")?.focus({ preventScroll: true });
  }

  /** The outbox records the server's refusals in the store: show them as they come. */
  async function refusalsChanged() {
    const stored = await getVisit(visit.uuid);
    if (!stored || JSON.stringify(stored.refused || {}) === JSON.stringify(visit.refused || {})) return;
    visit.refused = stored.refused;
    await thumbs();
    showProgress();
  }

  function lock() {
    const fieldset = form.querySelector("fieldset");
    for (const control of fieldset.querySelectorAll("input, textarea, select, button")) {
      if (!control.closest(".thumb-refused")) control.disabled = true;
    }
    const note = Object.assign(document.createElement("p"), { className: "flash flash-info" });
    note.dataset.lockedNote = "";
    note.textContent = visit.done
      ? "This visit has been sent for review: you can read it but no longer change it."
      : "This visit is submitted: it is sent when there is signal, and can no longer be changed.";
    fieldset.before(note);
  }

  return async function start(uuid, options) {
    visit = await localVisit(uuid, options);
    if (!visit) {
      status.textContent = "This visit is not saved on this phone.";
      status.dataset.kind = "error";
      return;
    }
    const typed = journal.read(visit.uuid);
    if (typed && typed.at > (visit.changedAt || 0) && !isLocked(visit)) {
      visit = (await updateVisit(visit.uuid, (stored) => Object.assign(stored, {
        answers: typed.answers, moments: typed.moments, photoMeta: { ...stored.photoMeta, ...typed.photoMeta },
        changedAt: typed.at, problem: null,
      }))) || visit;
      journal.clear(visit.uuid);
    }
    for (const el of document.querySelectorAll("[data-branch-name]")) el.textContent = visit.branchName;
    fill(); // and listen at once, before any wait: a tap made after this is never lost
    for (const root of form.querySelectorAll("[data-stopwatch]")) stopwatch(root);
    for (const show of [...form.querySelectorAll("[data-counter]")].map(counter)) show();
    if (isLocked(visit)) lock();
    form.addEventListener("change", (event) => {
      if (event.target.dataset.retake) return;
      if (event.target.type === "file") {
        const picker = event.target.closest("[data-photos]");
        const files = [...event.target.files];
        event.target.value = "";
        addPhotos(picker, files);
      } else {
        tidyControls(form, event.target);
        read();
        journal.write(visit.uuid, owned(visit)); // kept even if the page closes at once
        follow();
        save();
      }
    });
    form.addEventListener("input", (event) => {
      if (["file", "radio", "checkbox"].includes(event.target.type)) return;
      tidyControls(form, event.target);
      later();
      follow();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const go = event.submitter?.value || "next";
      await save();
      await remindOnce(go);
      location.href = target(go);
    });
    addEventListener("pagehide", () => { if (timer) save(); });
    await thumbs();
    if (visit.resumeAt !== position) {
      visit = (await updateVisit(visit.uuid, (stored) => { stored.resumeAt = position; })) || visit;
    }
    addEventListener("outbox", refusalsChanged); // the worker's too (app.js passes them on)
    version = await loadVersion(versionId); // kept on the phone: no signal needed
    follow();
    focusAsked();
    showProgress();
  };
}

const form = document.querySelector("form[data-touchpoint]");
if (form && !form.querySelector("fieldset[disabled]")) {
  const uuid = form.dataset.visit || location.hash.slice(1);
  touchpointScreen(form)(uuid, { serverPage: Boolean(form.dataset.visit), branchName: form.dataset.branch });
}
