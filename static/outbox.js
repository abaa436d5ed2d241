// The outbox: sends the phone's visits and photos when it can, and forgets nothing until
// the server's reply names that exact item (the visit's UUID, each photo's sha256). A page
// that is not the API's JSON (a captive portal, a proxy's error page) confirms nothing.
// Runs in pages and in the service worker (Background Sync).
import { deletePhoto, getVisit, photosOf, putPhoto, updateVisit, visitsOf } from "./store.js";

const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("outbox") : null;

const VISIT_TIMEOUT_MS = 15000;
const PHOTO_TIMEOUT_MS = 15000;
const SLOWEST_BYTES_PER_MS = 25; // a photo gets extra time at 25 KB/s, a weak 3G link

// The server's refusals of a photo's content (domain/photos.py): retaking it is the cure.
// A sha256 mismatch is not among them: the bytes were damaged on the way, so they are
// sent again.
const PHOTO_REFUSALS = new Set(["empty", "not_an_image", "damaged", "too_many_pixels",
  "unsupported_format", "too_costly"]);

class Stop extends Error {
  constructor(kind, message) {
    super(message);
    // "signin": the session has expired; "offline": the phone has no network;
    // "failed": a request went unanswered, stalled or got something that is not our API.
    this.kind = kind;
  }
}

export function announce(state) {
  channel?.postMessage(state); // other tabs and the service worker
  if (typeof dispatchEvent === "function" && typeof CustomEvent === "function" && typeof document !== "undefined") {
    dispatchEvent(new CustomEvent("outbox", { detail: state })); // this page
  }
}

/** The visit's date and times as the shopper entered them (branch-local), once whole. */
export function timingGiven(timing) {
  return Boolean(timing && /^\d{4}-\d{2}-\d{2}$/.test(timing.date || "") &&
    /^\d{2}:\d{2}$/.test(timing.time_in || "") && /^\d{2}:\d{2}$/.test(timing.time_out || ""));
}

export function payloadOf(visit) {
  // Answers to questions the rules no longer ask stay on the phone (the shopper may change
  // the answer that hid them) but are not part of the visit (visit.hidden: the screens').
  const hidden = new Set((visit.hidden || []).map(String));
  const answers = Object.entries(visit.answers || {})
    .filter(([id, a]) => !hidden.has(id) && (a.na || (a.value ?? "") !== "" || a.note))
    .map(([id, a]) => ({ question_id: Number(id),
      value: a.na || a.invalid || a.value === "" ? null : a.value ?? null,
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
    ...(timingGiven(visit.timing) ? { timing: visit.timing } : {}),
  };
}

/** What still has to reach the server: each visit changed since its last confirmation,
 * and each photo the server has neither confirmed nor refused. */
export async function pending(owner) {
  const work = [];
  for (const visit of await visitsOf(owner)) {
    if (visit.problem || visit.done) continue; // refused (shown to the shopper), or delivered
    const confirmed = new Set((visit.confirmed?.photos || []).map((p) => `${p.uuid}:${p.sha256}`));
    const photos = (await photosOf(visit.uuid)).filter((p) => visit.photoMeta?.[p.uuid] &&
      !visit.refused?.[p.uuid] && !confirmed.has(`${p.uuid}:${p.sha256}`));
    const visitDirty = (visit.changedAt || 0) > (visit.sentAt || 0);
    if (visitDirty || photos.length) work.push({ visit, photos, visitDirty });
  }
  return work;
}

const size = (work) => work.reduce((n, w) => n + (w.visitDirty ? 1 : 0) + w.photos.length, 0);

export async function countPending(owner) {
  return size(await pending(owner));
}

/** Whether a visit still holds a photo the server refused (not yet retaken). */
export function holdsRefusedPhoto(visit) {
  return Object.keys(visit.refused || {}).some((uuid) => visit.photoMeta?.[uuid]);
}

/** Visits the shopper must act on: refused by the server, or holding a refused photo. */
export async function needingAttention(owner) {
  return (await visitsOf(owner)).filter((v) => !v.done && (v.problem || holdsRefusedPhoto(v)));
}

async function replyOf(response) {
  if (!(response.headers.get("Content-Type") || "").includes("application/json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

const inFlight = new Set();

/** Give up on the requests under way: the network changed (back online, or gone), so a
 * stalled one will not recover; the outbox starts again at once. */
export function abandon() {
  for (const controller of inFlight) controller.abort();
}

/** fetch, given up after `timeoutMs`: a stalled connection must not hold the outbox. */
async function request(url, init, timeoutMs) {
  const controller = new AbortController();
  inFlight.add(controller);
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      credentials: "same-origin", cache: "no-store", ...init, signal: controller.signal });
    return { response, reply: await replyOf(response) };
  } catch {
    if (navigator.onLine === false) throw new Stop("offline", "no signal");
    if (controller.signal.aborted) throw new Stop("failed", "the connection stalled");
    throw new Stop("failed", "no connection to the server");
  } finally {
    clearTimeout(timer);
    inFlight.delete(controller);
  }
}

// The CSRF token, asked for once (kept for the tab's next pages too) and again only when
// the server refuses it (expired, or a new session): not a request before every send.
const kept = typeof sessionStorage === "object" ? sessionStorage : null; // none in the worker
let token = kept?.getItem("csrf") || null;

function remember(value) {
  token = value;
  if (value) kept?.setItem("csrf", value);
  else kept?.removeItem("csrf");
}

async function session(owner) {
  const { response, reply } = await request("/api/v1/session", {}, VISIT_TIMEOUT_MS);
  if (response.status === 401 || (reply?.user && reply.user.id !== owner)) {
    throw new Stop("signin", "Sign in again to send"); // expired, or someone else signed in
  }
  if (!response.ok || !reply?.csrf_token) throw new Stop("failed", "the server did not answer");
  return reply.csrf_token;
}

async function send(owner, url, init, timeoutMs) {
  for (let attempt = 1; ; attempt++) {
    if (!token || attempt > 1) remember(await session(owner));
    const exchange = await request(url, {
      ...init, headers: { ...init.headers, "X-CSRFToken": token } }, timeoutMs);
    const { response, reply } = exchange;
    if (response.status === 401) throw new Stop("signin", "Sign in again to send");
    if (response.status === 400 && reply?.error?.code === "bad_request" && attempt === 1) {
      remember(null); // refused (expired, or signed in again since): once more with a new one
      continue;
    }
    return exchange;
  }
}

async function sendVisit(owner, visit) {
  const sentChange = visit.changedAt || 0;
  const body = JSON.stringify(payloadOf(visit));
  if (body === visit.sentBody) { // the server confirmed exactly this: nothing to send
    return updateVisit(visit.uuid, (latest) => { latest.sentAt = Math.max(latest.sentAt || 0, sentChange); });
  }
  const { response, reply } = await send(owner, `/api/v1/visits/${visit.uuid}`, {
    method: "PUT", headers: { "Content-Type": "application/json" }, body,
  }, VISIT_TIMEOUT_MS);
  if (response.ok && reply?.visit?.uuid === visit.uuid) {
    return updateVisit(visit.uuid, (latest) => {
      latest.confirmed = reply.visit;
      latest.sentAt = sentChange; // a change made while sending is sent next time
      latest.sentBody = body;
    });
  }
  if (response.status === 409 && reply?.error?.code === "already_sent") {
    await letGo(visit.uuid, reply.error.message);
    return null;
  }
  if ([409, 422].includes(response.status) && reply?.error) {
    await updateVisit(visit.uuid, (latest) => {
      latest.problem = { status: response.status, ...reply.error };
      // Refused, so not accepted: the shopper can change the visit and submit again.
      if (response.status === 422) latest.submit = false;
    });
    return null;
  }
  throw new Stop("failed", reply?.error?.message || "the server did not confirm the visit");
}

async function sendPhoto(owner, visit, photo) {
  const { response, reply } = await send(owner, `/api/v1/visits/${visit.uuid}/photos/${photo.uuid}`, {
    method: "PUT",
    headers: { "Content-Type": "image/jpeg", "X-Content-SHA256": photo.sha256 },
    body: photo.blob,
  }, PHOTO_TIMEOUT_MS + photo.blob.size / SLOWEST_BYTES_PER_MS);
  const held = reply?.visit?.photos?.some((p) => p.uuid === photo.uuid && p.sha256 === photo.sha256);
  if (response.ok && reply?.visit?.uuid === visit.uuid && held) {
    const latest = await updateVisit(visit.uuid, (stored) => { stored.confirmed = reply.visit; });
    photo.sentAt = Date.now();
    await putPhoto(photo);
    return latest;
  }
  const code = reply?.error?.code;
  if (response.status === 422 && PHOTO_REFUSALS.has(code)) {
    return updateVisit(visit.uuid, (latest) => {
      latest.refused = { ...latest.refused, [photo.uuid]: { code, message: reply.error.message } };
    });
  }
  if (response.status === 409 && code === "already_sent") {
    await letGo(visit.uuid, reply.error.message);
    return null;
  }
  if (response.status === 409 && reply?.error) {
    await updateVisit(visit.uuid, (latest) => {
      latest.problem = { status: response.status, ...reply.error };
    });
    return null;
  }
  throw new Stop("failed", reply?.error?.message || "the server did not confirm the photo");
}

/** The server already holds this visit as sent for review (an earlier submit whose reply
 * was lost): what it holds is what head office sees, so the phone lets go of its copy. */
async function letGo(uuid, message) {
  for (const photo of await photosOf(uuid)) await deletePhoto(photo.uuid);
  await updateVisit(uuid, (stored) => {
    Object.assign(stored, { done: true, submit: true, problem: null, refused: {},
      notice: message || "This visit had already been sent for review." });
  });
}

/** Once the server holds a sent visit with every photo, the phone can let go of the
 * photos' bytes; the visit record stays, marked done, until the server lists it. */
async function tidy(visit) {
  const state = visit?.confirmed;
  if (!visit || visit.done || !visit.submit || !state || ["draft", "incomplete", "returned"].includes(state.status)) return;
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
  const total = size(work);
  const attention = (await needingAttention(owner)).length;
  if (!total) {
    announce({ state: "idle", waiting: 0, attention });
    return { ok: true, waiting: 0, attention, used: false };
  }
  let sent = 0;
  announce({ state: "sending", sent, total });
  try {
    for (const { visit, photos, visitDirty } of work) {
      let current = visit;
      if (visitDirty) {
        current = await sendVisit(owner, visit);
        announce({ state: "sending", sent: ++sent, total });
        if (!current) continue;
      }
      const held = new Set((current.confirmed?.photos || []).map((p) => `${p.uuid}:${p.sha256}`));
      for (const photo of photos.filter((p) => !held.has(`${p.uuid}:${p.sha256}`))) {
        current = await sendPhoto(owner, current, photo);
        announce({ state: "sending", sent: ++sent, total });
        if (!current) break; // refused as a whole, or let go: its other photos wait no more
      }
      await tidy(await getVisit(visit.uuid));
    }
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const waiting = await countPending(owner);
    const state = { state: error.kind, waiting, attention, message: error.message };
    announce(state);
    return { ...state, ok: false, kind: error.kind, used: true };
  }
  // Changes made while sending wait for the next round: that is not a failure.
  const waiting = await countPending(owner);
  const after = { state: "idle", waiting, attention: (await needingAttention(owner)).length };
  announce(after);
  return { ...after, ok: true, used: true };
}

/** Send everything pending for this user; one sender at a time across tabs and the
 * service worker. */
export async function flush(owner) {
  if (navigator.locks) return navigator.locks.request("outbox", () => flushOnce(owner));
  return flushOnce(owner);
}
