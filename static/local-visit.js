// A visit kept on the phone: the touchpoint screens and the review read and write the
// phone's store first (so they work with no signal) and leave sending to the outbox.
import { kick } from "./app.js";
import { downscale } from "./camera.js";
import { newId } from "./ids.js";
import { deletePhoto, getVisit, photosOf, putPhoto, putVisit, updateVisit } from "./store.js";
import { stopwatch } from "./stopwatch.js";

const owner = Number(document.querySelector("meta[name=user-id]")?.content);
const SAVE_PAUSE_MS = 400;

export function shellUrl(versionId, position, uuid) {
  return `/field/shell/${versionId}/${position}#${uuid}`;
}

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
      { value: a.value === null ? "" : String(a.value), na: a.na, note: a.note }])),
    moments: Object.fromEntries(payload.touchpoints.map((m) => [m.touchpoint_id,
      { moment: m.moment || "", reason: m.reason, note: m.note }])),
    photoMeta: Object.fromEntries(payload.photos.map((p) => [p.uuid,
      { sha256: p.sha256, questionId: p.question_id, touchpointId: p.touchpoint_id, caption: p.caption }])),
    submit: payload.submit, reply: "", changedAt: 0, sentAt: 0,
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

function touchpointScreen(form) {
  const tpId = Number(form.dataset.touchpoint);
  const versionId = Number(form.dataset.version);
  const position = Number(form.dataset.position);
  const count = Number(form.dataset.count);
  const status = form.querySelector("[data-save-state]");
  let visit = null;
  let timer = null;
  let saves = 0;

  const field = (name) => form.querySelectorAll(`[name="${CSS.escape(name)}"]`);
  const questionIds = [...form.querySelectorAll("[data-question-id]")]
    .filter((s) => s.dataset.kind !== "photo").map((s) => s.dataset.questionId);

  function fill() {
    for (const id of questionIds) {
      const a = visit.answers[id] || {};
      const current = a.na ? "na" : String(a.value ?? "");
      for (const input of field(`q-${id}`)) {
        if (input.type === "radio") input.checked = input.value === current;
        else input.value = a.na ? "" : a.value ?? "";
      }
      for (const box of field(`q-${id}-na`)) box.checked = Boolean(a.na);
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
      const checked = [...field(`q-${id}`)].find((i) => i.type === "radio" && i.checked);
      const typed = [...field(`q-${id}`)].find((i) => i.type !== "radio");
      const naBox = field(`q-${id}-na`)[0];
      const na = checked?.value === "na" || Boolean(naBox?.checked);
      const value = na ? "" : (checked ? checked.value : typed?.value.trim() ?? "");
      const note = field(`note-${id}`)[0]?.value.trim() || "";
      if (value === "" && !na && !note) delete visit.answers[id];
      else visit.answers[id] = { value, na, note };
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
    read();
    const { answers, moments, photoMeta } = visit; // what this screen owns
    visit = (await updateVisit(visit.uuid, (stored) => Object.assign(stored, {
      answers, moments, photoMeta, changedAt: Date.now(), problem: null, resumeAt: position,
    }))) || visit;
    if (mine === saves && !timer) { // only the latest save may say everything is saved
      status.textContent = "Saved on this phone";
      status.dataset.kind = "ok";
    }
    kick();
  }

  function later() {
    clearTimeout(timer);
    status.textContent = "Editing…";
    status.dataset.kind = "";
    timer = setTimeout(save, SAVE_PAUSE_MS);
  }

  async function thumbs() {
    const blobs = new Map((await photosOf(visit.uuid)).map((p) => [p.uuid, p.blob]));
    for (const picker of form.querySelectorAll("[data-photos]")) {
      const list = picker.querySelector(".thumbs");
      list.replaceChildren();
      const key = picker.dataset.targetName === "question_id" ? "questionId" : "touchpointId";
      for (const [uuid, meta] of Object.entries(visit.photoMeta)) {
        if (String(meta[key]) !== picker.dataset.targetId) continue;
        const src = blobs.has(uuid) ? URL.createObjectURL(blobs.get(uuid)) : `/photos/${uuid}/thumb`;
        list.append(thumb(uuid, meta.caption, src));
      }
    }
  }

  function thumb(uuid, caption, src) {
    const li = Object.assign(document.createElement("li"), { className: "thumb" });
    li.dataset.photo = uuid;
    const img = Object.assign(document.createElement("img"), { src, alt: caption || "Photo", width: 80, height: 80 });
    const input = Object.assign(document.createElement("input"), {
      type: "text", name: `caption-${uuid}`, value: caption || "", maxLength: 200, placeholder: "Caption (optional)" });
    input.setAttribute("aria-label", "Caption");
    const remove = Object.assign(document.createElement("button"), { type: "button", className: "button button-quiet", textContent: "Remove" });
    remove.addEventListener("click", async () => {
      delete visit.photoMeta[uuid];
      await deletePhoto(uuid);
      li.remove();
      await save();
    });
    li.append(img, input, remove);
    return li;
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
      picker.querySelector(".thumbs").append(thumb(uuid, "", URL.createObjectURL(blob)));
    }
  }

  function target(go) {
    if (go === "review" || (go === "next" && position === count)) return `/field/shell/${versionId}/review#${visit.uuid}`;
    let next = position;
    if (go === "prev") next = Math.max(1, position - 1);
    else if (go === "next") next = position + 1;
    else if (/^\d+$/.test(go)) next = Number(go);
    return shellUrl(versionId, next, visit.uuid);
  }

  return async function start(uuid, options) {
    visit = await localVisit(uuid, options);
    if (!visit) {
      status.textContent = "This visit is not saved on this phone.";
      status.dataset.kind = "error";
      return;
    }
    for (const el of document.querySelectorAll("[data-branch-name]")) el.textContent = visit.branchName;
    if (visit.submit && visit.done) {
      form.querySelector("fieldset").disabled = true;
    }
    fill();
    await thumbs();
    for (const root of form.querySelectorAll("[data-stopwatch]")) stopwatch(root);
    form.addEventListener("change", (event) => {
      if (event.target.type === "file") {
        const picker = event.target.closest("[data-photos]");
        const files = [...event.target.files];
        event.target.value = "";
        addPhotos(picker, files);
      } else {
        save();
      }
    });
    form.addEventListener("input", (event) => {
      if (!["file", "radio", "checkbox"].includes(event.target.type)) later();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await save();
      location.href = target(event.submitter?.value || "next");
    });
    addEventListener("pagehide", () => { if (timer) save(); });
    if (visit.resumeAt !== position) {
      visit = (await updateVisit(visit.uuid, (stored) => { stored.resumeAt = position; })) || visit;
    }
  };
}

/** Required answers and photos not yet given, in journey order (the server checks too). */
export function missingItems(version, visit) {
  const missing = [];
  for (const tp of version.touchpoints) {
    for (const q of tp.questions) {
      if (!q.required) continue;
      if (q.kind === "photo") {
        const has = Object.values(visit.photoMeta).some((p) => p.questionId === q.id);
        if (!has) missing.push({ tp, q, kind: "photo needed" });
      } else {
        const a = visit.answers[q.id];
        if (!a || (!a.na && (a.value ?? "") === "")) missing.push({ tp, q, kind: "not answered" });
      }
    }
  }
  return missing;
}

async function reviewScreen(root) {
  const uuid = location.hash.slice(1);
  let visit = await localVisit(uuid);
  const versionId = Number(root.dataset.version);
  const response = await fetch(`/api/v1/checklist-versions/${versionId}`, { credentials: "same-origin" }).catch(() => null);
  const version = response?.ok ? (await response.json()).version : null;
  if (!visit || !version) {
    root.querySelector("[data-review-state]").textContent = "This visit is not saved on this phone.";
    return;
  }
  for (const el of document.querySelectorAll("[data-branch-name]")) el.textContent = visit.branchName;
  const list = root.querySelector("[data-touchpoints]");
  version.touchpoints.forEach((tp) => {
    const asked = tp.questions.filter((q) => q.kind !== "photo");
    const answered = asked.filter((q) => visit.answers[q.id]).length;
    const li = Object.assign(document.createElement("li"), { className: "row" });
    const link = Object.assign(document.createElement("a"), {
      href: shellUrl(versionId, tp.position, uuid), textContent: `${tp.position}. ${tp.name}` });
    const count = Object.assign(document.createElement("span"), {
      className: "muted small", textContent: `${answered}/${asked.length} answered` });
    li.append(link, count);
    list.append(li);
  });
  const missing = missingItems(version, visit);
  const missingBox = root.querySelector("[data-missing]");
  const submitBox = root.querySelector("[data-submit]");
  if (visit.submit) {
    root.querySelector("[data-review-state]").textContent =
      visit.done ? "Sent for review." : "Sent from this phone as soon as there is signal.";
    return;
  }
  if (missing.length) {
    missingBox.hidden = false;
    missingBox.querySelector("[data-missing-count]").textContent = missing.length;
    const ul = missingBox.querySelector("ul");
    for (const m of missing) {
      const a = Object.assign(document.createElement("a"), { href: `${shellUrl(versionId, tp(m), uuid)}` });
      a.innerHTML = "<strong></strong> <span></span> <span class='tag'></span>";
      a.querySelector("strong").textContent = `${m.tp.name}:`;
      a.querySelector("span").textContent = m.q.text;
      a.querySelector(".tag").textContent = m.kind;
      const li = document.createElement("li");
      li.append(a);
      ul.append(li);
    }
    return;
  }
  submitBox.hidden = false;
  const reply = submitBox.querySelector("[data-reply]");
  if (visit.confirmed?.status === "returned") reply.hidden = false;
  submitBox.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = reply.querySelector("textarea").value.trim();
    if (!reply.hidden && !text) {
      reply.querySelector("textarea").setCustomValidity("Please answer head office's comment.");
      reply.querySelector("textarea").reportValidity();
      return;
    }
    visit = (await updateVisit(visit.uuid, (stored) => Object.assign(stored, {
      submit: true, reply: text, changedAt: Date.now(), problem: null,
    }))) || visit;
    sessionStorage.setItem("flash", `Visit to ${visit.branchName} saved on this phone: it is sent for review as soon as there is signal.`);
    kick();
    location.href = "/field/";
  });

  function tp(m) {
    return m.tp.position;
  }
}

const form = document.querySelector("form[data-touchpoint]");
const review = document.querySelector("[data-local-review]");
if (form && !form.querySelector("fieldset[disabled]")) {
  const uuid = form.dataset.visit || location.hash.slice(1);
  touchpointScreen(form)(uuid, { serverPage: Boolean(form.dataset.visit), branchName: form.dataset.branch });
} else if (review) {
  reviewScreen(review);
}
