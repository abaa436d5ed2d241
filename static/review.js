// The review screen of a visit on the phone: every touchpoint's answers (fails marked),
// moments, notes and photos, what is still missing (each linked to its question), and
// Submit. After Submit it says one thing: "Sent", or "Saved on this phone: sent when
// there is signal". A submitted visit opens here read-only.
import { flashNext, kick, plural, sendAll } from "./app.js";
import { isLocked, localVisit } from "./local-visit.js";
import { meetsStandard } from "./checklist-logic.js";
import {
  answerText, loadVersion, logicOf, missingItems, refusedPhotos, shellUrl, touchpointProgress,
} from "./progress.js";
import { getVisit, updateVisit } from "./store.js";

const owner = Number(document.querySelector("meta[name=user-id]")?.content);
const SUBMIT_WAIT_MS = 8000;

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** One touchpoint as the shopper will want to check it before sending: the questions
 * the rules asked, and why the touchpoint was skipped if it was. */
function touchpointCard(tp, visit, uuid, { hidden, skipped }) {
  const card = element("section", "card review-touchpoint");
  const progress = touchpointProgress(tp, visit, hidden);
  const head = element("div", "review-touchpoint-head");
  const title = element("h2");
  title.append(Object.assign(element("a", "", `${tp.position}. ${tp.name}`), {
    href: shellUrl(visit.versionId, tp.position, uuid) }));
  const photos = Object.values(visit.photoMeta || {}).filter((p) => p.touchpointId === tp.id ||
    tp.questions.some((q) => q.id === p.questionId)).length;
  head.append(title, element("span", `muted small step-${progress.state}-text`,
    `${progress.answered} of ${progress.total} answered · ${plural(photos, "photo")}`));
  card.append(head);
  if (skipped.has(tp.key)) card.append(element("p", "muted small", `Skipped: ${skipped.get(tp.key)}`));
  const moment = visit.moments?.[tp.id];
  if (moment?.moment) {
    const p = element("p", `moment-line moment-${moment.moment}`);
    p.append(element("span", `tag tag-${moment.moment}`, moment.moment === "golden" ? "Golden" : "Dull"));
    if (moment.reason) p.append(" ", moment.reason);
    card.append(p);
  }
  const answers = element("dl", "review-answers");
  for (const q of tp.questions) {
    if (q.kind === "photo" || hidden.has(`${tp.key}.${q.key}`)) continue;
    const answer = visit.answers?.[q.id];
    const met = meetsStandard(q, answer);
    const row = element("div", `review-answer${met === false ? " review-fail" : ""}`);
    const value = element("dd", met === null && !answer ? "review-unanswered" : "", answerText(q, answer));
    if (met === false) value.append(" ", element("span", "tag tag-fail", "misses the standard"));
    row.append(element("dt", "", q.text), value);
    if (answer?.note) row.append(element("dd", "review-note", `Note: ${answer.note}`));
    answers.append(row);
  }
  card.append(answers);
  if (moment?.note) card.append(element("p", "review-note", `Notes: ${moment.note}`));
  return card;
}

function missingList(root, version, visit, uuid) {
  const missing = missingItems(version, visit);
  const refused = refusedPhotos(version, visit);
  const box = root.querySelector("[data-missing]");
  const items = [
    ...refused.map((r) => ({ tp: r.tp, text: "A photo to take again", tag: "photo refused",
      focus: r.questionId ? `q${r.questionId}` : "moment" })),
    ...missing.map((m) => (m.kind === "timing"
      ? { href: "#timing", name: "When", text: "The visit's date, time in and time out", tag: "not given" }
      : { tp: m.tp, text: m.q.text, tag: m.kind, focus: `q${m.q.id}` })),
  ];
  box.hidden = items.length === 0;
  if (!items.length) {
    box.querySelector("ul").replaceChildren();
    return false;
  }
  box.querySelector("[data-missing-count]").textContent = items.length;
  box.querySelector("ul").replaceChildren(...items.map((item) => {
    const a = Object.assign(element("a"), {
      href: item.href || shellUrl(visit.versionId, item.tp.position, uuid, item.focus) });
    a.append(element("strong", "", `${item.name || item.tp.name}:`), " ", element("span", "", item.text), " ",
      element("span", "tag", item.tag));
    const li = element("li");
    li.append(a);
    return li;
  }));
  return true;
}

/** The visit's date, time in and time out, in the branch's local time: the shopper fills
 * in after leaving, so the form's own clock says nothing about when the visit was. */
function timingCard(root, visit, onChange) {
  const card = root.querySelector("[data-timing]");
  const inputs = Object.fromEntries(["date", "time_in", "time_out"].map((name) =>
    [name, card.querySelector(`[name=${name}]`)]));
  const error = card.querySelector("[data-timing-error]");
  const given = visit.timing || {};
  const started = visit.startedAt ? new Date(visit.startedAt) : new Date();
  const day = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  inputs.date.value = given.date || day(started);
  inputs.date.max = day(new Date());
  inputs.time_in.value = given.time_in || "";
  inputs.time_out.value = given.time_out || "";
  const fields = visit.problem?.fields || {};
  const said = ["date", "time_in", "time_out"].map((name) => fields[`timing.${name}`]).filter(Boolean);
  function check() {
    const { time_in: tin, time_out: tout } = inputs;
    if (tin.value && tout.value && tout.value <= tin.value) {
      return "Time out must be after time in (a visit never runs past midnight).";
    }
    return "";
  }
  function show(message) {
    error.textContent = message;
    error.hidden = !message;
  }
  show(said.join(" "));
  if (isLocked(visit)) {
    for (const input of Object.values(inputs)) input.disabled = true;
    return;
  }
  suggestTimes(card, inputs, started);
  card.addEventListener("change", async () => {
    const problem = check();
    show(problem);
    const timing = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value]));
    await updateVisit(visit.uuid, (stored) => {
      if (JSON.stringify(stored.timing || {}) === JSON.stringify(timing)) return;
      Object.assign(stored, { timing, changedAt: Date.now(), problem: null });
    });
    visit.timing = timing;
    if (!problem) onChange();
  });
}

/** Filled in on the spot (started today on this phone): one tap takes the phone's own
 * times, from the start of the visit on the phone until now. */
function suggestTimes(card, inputs, started) {
  const now = new Date();
  if (inputs.time_in.value || inputs.time_out.value || started.toDateString() !== now.toDateString()) return;
  const hhmm = (d) => `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  const [from, to] = [hhmm(started), hhmm(now)];
  if (to <= from) return;
  const use = Object.assign(document.createElement("button"), {
    type: "button", className: "button button-block", textContent: `Today, ${from}–${to}, as timed on this phone` });
  use.dataset.suggestTimes = "";
  use.addEventListener("click", () => {
    inputs.time_in.value = from;
    inputs.time_out.value = to;
    use.remove();
    card.dispatchEvent(new Event("change"));
  });
  card.querySelector(".timing-fields").before(use);
}

function stateText(visit) {
  if (visit.notice) return visit.notice;
  if (visit.done) return "Sent: head office reviews it next.";
  if (visit.submit) return "Saved on this phone: sent when there is signal.";
  if (visit.problem) return `Not accepted: ${visit.problem.message}`;
  return "";
}

async function submitted(uuid) {
  const waited = await Promise.race([
    sendAll().then(() => true).catch(() => false),
    new Promise((resolve) => { setTimeout(() => resolve(false), SUBMIT_WAIT_MS); }),
  ]);
  const visit = await getVisit(uuid);
  if (waited && visit?.done) return `Sent: your visit to ${visit.branchName} is with head office for review.`;
  if (visit?.problem) return `Your visit to ${visit.branchName} was not accepted: ${visit.problem.message}`;
  return `Saved on this phone: your visit to ${visit.branchName} is sent when there is signal.`;
}

async function reviewScreen(root) {
  const uuid = location.hash.slice(1);
  const [visit, version] = await Promise.all([localVisit(uuid), loadVersion(Number(root.dataset.version))]);
  const state = root.querySelector("[data-review-state]");
  if (!visit || !version) {
    state.textContent = "This visit is not saved on this phone.";
    state.hidden = false;
    return;
  }
  for (const el of document.querySelectorAll("[data-branch-name]")) el.textContent = visit.branchName;
  root.querySelector("[data-touchpoints]").replaceChildren(
    ...version.touchpoints.map((tp) => touchpointCard(tp, visit, uuid, logicOf(version, visit))));
  state.textContent = stateText(visit);
  state.hidden = !state.textContent;
  const submitBox = root.querySelector("[data-submit]");
  function ready() {
    const blocked = missingList(root, version, visit, uuid);
    submitBox.hidden = blocked || isLocked(visit);
  }
  timingCard(root, visit, () => { ready(); kick(); });
  ready();
  if (isLocked(visit)) return;
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
    const button = submitBox.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = "Sending…";
    await updateVisit(uuid, (stored) => Object.assign(stored, {
      submit: true, reply: text, changedAt: Date.now(), problem: null,
    }));
    flashNext(await submitted(uuid));
    location.href = "/field/";
  });
}

const root = document.querySelector("[data-local-review]");
if (root) reviewScreen(root);
