// The shopper's home: start visits on the phone (id made here, position asked, never
// required), continue the ones kept here and say what each still needs, list the visits
// submitted on this phone at once (sent, or waiting for signal), and save the
// screens of every assigned checklist so that they open with no signal.
import { kick, plural, storageRefused } from "./app.js";
import { newId } from "./ids.js";
import { keepScreens, pagesCache } from "./offline-cache.js";
import { holdsRefusedPhoto } from "./outbox.js";
import { loadVersion, missingItems, refusedPhotos, shellUrl } from "./progress.js";
import { putVisit, visitsOf } from "./store.js";

const owner = Number(document.querySelector("meta[name=user-id]")?.content);
// Read before anything waits: the worker may take control later, without having seen this page.
const servedByWorker = Boolean(navigator.serviceWorker?.controller);
const ASK_TIMEOUT_MS = 10000;

function locate() {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) {
      resolve({ status: "unavailable" });
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ status: "given", latitude: pos.coords.latitude,
        longitude: pos.coords.longitude, accuracy_m: pos.coords.accuracy }),
      (err) => resolve({ status: err.code === err.PERMISSION_DENIED ? "refused" : "unavailable" }),
      { enableHighAccuracy: true, timeout: ASK_TIMEOUT_MS, maximumAge: 60000 },
    );
  });
}

function continueLink(visit) {
  return Object.assign(document.createElement("a"), {
    className: "button button-primary button-block",
    href: shellUrl(visit.versionId, visit.resumeAt || 1, visit.uuid),
    textContent: "Continue visit",
  });
}

/** What a draft on this phone still needs, in a line. */
async function draftNeeds(visit) {
  if (visit.problem) return [`Not accepted: ${visit.problem.message}`, true];
  const version = await loadVersion(visit.versionId);
  if (!version) return ["Saved on this phone", false];
  const refused = refusedPhotos(version, visit).length;
  const missing = missingItems(version, visit).length;
  const needs = [];
  if (refused) needs.push(`${plural(refused, "photo")} to take again`);
  if (missing) needs.push(`${plural(missing, "required item")} left`);
  return [needs.length ? `Saved on this phone · ${needs.join(" · ")}` : "Saved on this phone · ready to submit", refused > 0];
}

/** A submitted visit as the phone knows it: sent, waiting for signal, or needing the shopper. */
function sentState(visit) {
  if (visit.problem) return [`Not accepted: ${visit.problem.message}`, "needs you", "tag-returned"];
  if (holdsRefusedPhoto(visit)) return ["A photo could not be used: take it again", "needs you", "tag-returned"];
  if (visit.done) return [visit.notice || "Sent for review", "Sent", "tag-submitted"];
  return ["Saved on this phone: sent when there is signal", "waiting to send", ""];
}

function listSent(visits) {
  const list = document.querySelector("[data-local-visits]");
  const onServer = new Set([...document.querySelectorAll("[data-server-visit]")].map((li) => li.dataset.serverVisit));
  const shown = visits.filter((v) => v.submit).filter((v) => {
    const [, , tagClass] = sentState(v);
    const row = document.querySelector(`[data-server-visit="${CSS.escape(v.uuid)}"]`);
    if (row && tagClass === "tag-returned") row.hidden = true; // the phone knows more
    return !onServer.has(v.uuid) || tagClass === "tag-returned";
  });
  list.replaceChildren(...shown.map((v) => {
    const [text, tag, tagClass] = sentState(v);
    const li = Object.assign(document.createElement("li"), { className: "row" });
    li.dataset.localVisit = v.uuid;
    const name = Object.assign(document.createElement("a"), {
      href: `/field/shell/${v.versionId}/review#${v.uuid}`, className: "row-main" });
    name.innerHTML = "<strong></strong><br><span class='muted small'></span>";
    name.querySelector("strong").textContent = v.branchName;
    name.querySelector("span").textContent = text;
    li.append(name, Object.assign(document.createElement("span"), { className: `tag ${tagClass}`, textContent: tag }));
    return li;
  }));
  list.hidden = shown.length === 0;
  if (shown.length) document.querySelector("[data-no-sent]")?.remove();
}

async function startVisit(card, button) {
  button.disabled = true;
  button.textContent = "Starting…";
  const visit = {
    uuid: newId(), owner, assignmentId: Number(card.dataset.assignment),
    versionId: Number(card.dataset.version), branchName: card.dataset.branch,
    startedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"), position: await locate(),
    answers: {}, moments: {}, photoMeta: {}, submit: false, reply: "",
    changedAt: Date.now(), sentAt: 0, resumeAt: 1,
  };
  await putVisit(visit);
  const kept = await navigator.storage?.persist?.().catch(() => false);
  if (!kept) storageRefused();
  location.href = shellUrl(visit.versionId, 1, visit.uuid);
}

/** Keep this page and the screens of every assigned version on the phone, through the
 * service worker when there is one: it carries on when the shopper moves on at once. */
async function keepForOffline(versionIds) {
  if (!navigator.onLine || !("caches" in self)) return;
  const user = String(owner);
  const release = document.querySelector("meta[name=release]")?.content;
  // This page too, unless the service worker served it (it keeps every page it serves).
  // A page can be controlled without the worker having seen it: the answer to the sign-in
  // form (a POST, which the worker leaves alone) redirects here. So look, too.
  const home = !servedByWorker || !(await (await pagesCache(user)).match("/field/"));
  const job = { user, versionIds, release, home };
  const worker = await workerReady();
  const done = worker ? await new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = (event) => resolve(event.data.kept);
    worker.postMessage({ type: "keep", job }, [port2]);
  }) : await keepScreens(job);
  if (done) document.documentElement.dataset.offlineReady = "1";
}

/** The active service worker, whether or not it controls this page yet; null without one. */
async function workerReady() {
  if (!navigator.serviceWorker?.getRegistration) return null;
  if (!(await navigator.serviceWorker.getRegistration())) return null;
  return (await navigator.serviceWorker.ready).active;
}

async function main() {
  if (!owner) return;
  const visits = await visitsOf(owner);
  const byAssignment = new Map(visits.map((v) => [v.assignmentId, v]));
  const versions = new Set();
  for (const card of document.querySelectorAll("[data-assignment]")) {
    versions.add(Number(card.dataset.version));
    const local = byAssignment.get(Number(card.dataset.assignment));
    const form = card.querySelector("form[data-start-visit]");
    if (local?.submit) {
      card.hidden = true; // sent (or waiting to be): listed below
    } else if (local) {
      (form || card.querySelector("a.button")).replaceWith(continueLink(local));
      draftNeeds(local).then(([text, urgent]) => {
        const line = Object.assign(document.createElement("p"), {
          className: `draft-needs small ${urgent ? "error" : "muted"}`, textContent: text });
        line.dataset.draftNeeds = "";
        card.querySelector("a.button").before(line);
      });
    } else if (form) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        startVisit(card, form.querySelector("button"));
      });
    }
  }
  listSent(visits);
  addEventListener("outbox", async () => listSent(await visitsOf(owner)));
  kick();
  keepForOffline([...versions]);
}

main();
