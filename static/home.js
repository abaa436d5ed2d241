// The shopper's home: start visits on the phone (id made here, position asked, never
// required), continue the ones kept here, list what waits to be sent, and save the
// screens of every assigned checklist so that they open with no signal.
import { kick } from "./app.js";
import { newId } from "./ids.js";
import { shellUrl } from "./local-visit.js";
import { pagesCache, rememberUser } from "./offline-cache.js";
import { putVisit, visitsOf } from "./store.js";

const owner = Number(document.querySelector("meta[name=user-id]")?.content);
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
  navigator.storage?.persist?.();
  location.href = shellUrl(visit.versionId, 1, visit.uuid);
}

function listQueued(visits) {
  const list = document.querySelector("[data-local-visits]");
  const waiting = visits.filter((v) => v.submit && !v.done);
  list.replaceChildren(...waiting.map((v) => {
    const li = Object.assign(document.createElement("li"), { className: "row" });
    const name = document.createElement("span");
    name.innerHTML = "<strong></strong><br><span class='muted small'></span>";
    name.querySelector("strong").textContent = v.branchName;
    name.querySelector("span").textContent = v.problem
      ? `Not accepted: ${v.problem.message}` : "Saved on this phone";
    const tag = Object.assign(document.createElement("span"), {
      className: `tag ${v.problem ? "tag-returned" : ""}`, textContent: v.problem ? "needs you" : "waiting to send" });
    li.append(name, tag);
    return li;
  }));
  list.hidden = waiting.length === 0;
  if (waiting.length) document.querySelector("[data-no-sent]")?.remove();
}

/** Keep this page, the checklist and the screens of every assigned version on the phone,
 * so that a visit can start and finish with no signal. */
async function keepForOffline(versionIds) {
  if (!navigator.onLine || !("caches" in self)) return;
  await rememberUser(String(owner));
  const cache = await pagesCache(owner);
  // This page too: the service worker may have taken control after it was loaded, so
  // it cannot be counted on to have kept it.
  const urls = ["/field/"];
  for (const id of versionIds) {
    const url = `/api/v1/checklist-versions/${id}`;
    const response = await fetch(url, { credentials: "same-origin" }).catch(() => null);
    if (!response?.ok) return;
    let version;
    try {
      ({ version } = await response.clone().json());
    } catch {
      return; // not the checklist (a captive portal's page): keep nothing
    }
    await cache.put(url, response); // kept as fetched, not fetched twice
    urls.push(`/field/shell/${id}/review`);
    for (const tp of version.touchpoints) urls.push(`/field/shell/${id}/${tp.position}`);
  }
  try {
    await cache.addAll(urls);
  } catch {
    return; // tried again at the next visit to this page
  }
  document.documentElement.dataset.offlineReady = "1";
}

async function main() {
  if (!owner) return;
  const flash = sessionStorage.getItem("flash");
  if (flash) {
    sessionStorage.removeItem("flash");
    const p = Object.assign(document.createElement("p"), { className: "flash flash-info", textContent: flash });
    p.setAttribute("role", "status");
    document.querySelector("main").prepend(p);
  }
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
    } else if (form) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        startVisit(card, form.querySelector("button"));
      });
    }
  }
  listQueued(visits);
  addEventListener("outbox", async () => listQueued(await visitsOf(owner)));
  kick();
  keepForOffline([...versions]);
}

main();
