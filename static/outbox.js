// The outbox: sends the phone's visits and photos when it can, and forgets nothing until
// the server's reply names that exact item (the visit's UUID, each photo's sha256). A page
// that is not the API's JSON (a captive portal, a proxy's error page) confirms nothing.
// Runs in pages and in the service worker (Background Sync).
import { deletePhoto, getVisit, photosOf, putPhoto, updateVisit, visitsOf } from "./store.js";

const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("outbox") : null;

class Stop extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // "signin": the session has expired; "offline": no usable reply
  }
}

export function announce(state) {
  channel?.postMessage(state); // other tabs and the service worker
  if (typeof dispatchEvent === "function" && typeof CustomEvent === "function" && typeof document !== "undefined") {
    dispatchEvent(new CustomEvent("outbox", { detail: state })); // this page
  }
}

export function payloadOf(visit) {
  const answers = Object.entries(visit.answers || {})
    .filter(([, a]) => a.na || (a.value ?? "") !== "" || a.note)
    .map(([id, a]) => ({ question_id: Number(id), value: a.na || a.value === "" ? null : a.value ?? null,
      na: Boolean(a.na), note: a.note || "" }));
  const touchpoints = Object.entries(visit.moments || {})
    .map(([id, m]) => ({ touchpoint_id: Number(id), moment: m.moment || null,
      reason: m.reason || "", note: m.note || "" }));
  const photos = Object.entries(visit.photoMeta || {})
    .map(([uuid, p]) => ({ uuid, sha256: p.sha256, question_id: p.questionId ?? null,
      touchpoint_id: p.touchpointId ?? null, caption: p.caption || "" }));
  return {
    assignment_id: visit.assignmentId, version_id: visit.versionId, started_at: visit.startedAt,
    position: visit.position || { status: "not_asked" }, answers, touchpoints, photos,
    submit: Boolean(visit.submit), reply: visit.reply || "",
  };
}

/** What still has to reach the server: each visit changed since its last confirmation,
 * and each photo the server has not confirmed. */
export async function pending(owner) {
  const work = [];
  for (const visit of await visitsOf(owner)) {
    if (visit.problem) continue; // refused by the server: shown to the shopper, kept
    const confirmed = new Set((visit.confirmed?.photos || []).map((p) => `${p.uuid}:${p.sha256}`));
    const photos = (await photosOf(visit.uuid)).filter(
      (p) => visit.photoMeta?.[p.uuid] && !confirmed.has(`${p.uuid}:${p.sha256}`));
    const visitDirty = (visit.changedAt || 0) > (visit.sentAt || 0);
    if (visitDirty || photos.length) work.push({ visit, photos, visitDirty });
  }
  return work;
}

export async function countPending(owner) {
  return (await pending(owner)).reduce((n, w) => n + (w.visitDirty ? 1 : 0) + w.photos.length, 0);
}

async function replyOf(response) {
  if (!(response.headers.get("Content-Type") || "").includes("application/json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

async function session(owner) {
  let response;
  try {
    response = await fetch("/api/v1/session", { credentials: "same-origin", cache: "no-store" });
  } catch {
    throw new Stop("offline", "No connection");
  }
  const reply = await replyOf(response);
  if (response.status === 401 || (reply?.user && reply.user.id !== owner)) {
    throw new Stop("signin", "Sign in again to send"); // expired, or someone else signed in
  }
  if (!response.ok || !reply?.csrf_token) throw new Stop("offline", "The server did not answer");
  return reply.csrf_token;
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", cache: "no-store", ...init });
  } catch {
    throw new Stop("offline", "No connection");
  }
  const reply = await replyOf(response);
  if (response.status === 401) throw new Stop("signin", "Sign in again to send");
  return { response, reply };
}

async function sendVisit(visit, token) {
  const sentChange = visit.changedAt || 0;
  const { response, reply } = await send(`/api/v1/visits/${visit.uuid}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify(payloadOf(visit)),
  });
  if (response.ok && reply?.visit?.uuid === visit.uuid) {
    return updateVisit(visit.uuid, (latest) => {
      latest.confirmed = reply.visit;
      latest.sentAt = sentChange; // a change made while sending is sent next time
    });
  }
  if ([409, 422].includes(response.status) && reply?.error) {
    await updateVisit(visit.uuid, (latest) => {
      latest.problem = { status: response.status, ...reply.error };
    });
    return null;
  }
  throw new Stop("offline", reply?.error?.message || "The server did not confirm the visit");
}

async function sendPhoto(visit, photo, token) {
  const { response, reply } = await send(`/api/v1/visits/${visit.uuid}/photos/${photo.uuid}`, {
    method: "PUT",
    headers: { "Content-Type": "image/jpeg", "X-CSRFToken": token, "X-Content-SHA256": photo.sha256 },
    body: photo.blob,
  });
  const held = reply?.visit?.photos?.some((p) => p.uuid === photo.uuid && p.sha256 === photo.sha256);
  if (response.ok && reply?.visit?.uuid === visit.uuid && held) {
    const latest = await updateVisit(visit.uuid, (stored) => { stored.confirmed = reply.visit; });
    photo.sentAt = Date.now();
    await putPhoto(photo);
    return latest;
  }
  if ([409, 422].includes(response.status) && reply?.error) {
    await updateVisit(visit.uuid, (latest) => {
      latest.problem = { status: response.status, ...reply.error };
    });
    return null;
  }
  throw new Stop("offline", reply?.error?.message || "The server did not confirm the photo");
}

/** Once the server holds a sent visit with every photo, the phone can let go of the
 * photos' bytes; the visit record stays, marked done, until the server lists it. */
async function tidy(visit) {
  const state = visit.confirmed;
  if (!visit.submit || !state || state.status === "draft" || state.status === "incomplete") return;
  if ((visit.changedAt || 0) > (visit.sentAt || 0)) return;
  for (const photo of await photosOf(visit.uuid)) {
    if (state.photos.some((p) => p.uuid === photo.uuid && p.sha256 === photo.sha256)) {
      await deletePhoto(photo.uuid);
    }
  }
  await updateVisit(visit.uuid, (stored) => { stored.done = true; });
}

async function flushOnce(owner) {
  const work = await pending(owner);
  const total = work.reduce((n, w) => n + (w.visitDirty ? 1 : 0) + w.photos.length, 0);
  if (!total) {
    announce({ state: "idle", waiting: 0 });
    return { ok: true, waiting: 0 };
  }
  let sent = 0;
  announce({ state: "sending", sent, total });
  try {
    const token = await session(owner);
    for (const { visit, photos, visitDirty } of work) {
      let current = visit;
      if (visitDirty) {
        current = await sendVisit(visit, token);
        announce({ state: "sending", sent: ++sent, total });
        if (!current) continue;
      }
      for (const photo of photos) {
        current = (await sendPhoto(current, photo, token)) || current;
        announce({ state: "sending", sent: ++sent, total });
      }
      await tidy(await getVisit(visit.uuid));
    }
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const waiting = await countPending(owner);
    announce({ state: error.kind === "signin" ? "signin" : "failed", waiting, message: error.message });
    return { ok: false, waiting, kind: error.kind };
  }
  const waiting = await countPending(owner);
  announce({ state: waiting ? "failed" : "idle", waiting });
  return { ok: waiting === 0, waiting };
}

/** Send everything pending for this user; one sender at a time across tabs and the
 * service worker. */
export async function flush(owner) {
  if (navigator.locks) return navigator.locks.request("outbox", () => flushOnce(owner));
  return flushOnce(owner);
}
