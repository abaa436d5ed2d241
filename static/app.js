// On every page: install the service worker, keep the outbox moving and say plainly how
// it stands ("All sent", "Sending 2 of 5", "Offline: 3 items will be sent when there is
// signal", and "Not sent" only after a real failure, with when it tries again).
import { abandon, countPending, flush, needingAttention } from "./outbox.js";
import { visitsOf } from "./store.js";

const owner = Number(document.querySelector("meta[name=user-id]")?.content) || null;
const FIRST_RETRY_MS = 5000;
const LAST_RETRY_MS = 5 * 60 * 1000;
const STALE_MS = 3 * 24 * 60 * 60 * 1000;
// A burst of taps goes out together: the first change waits for a quiet moment, and the
// outbox starts at most once every few seconds (across this phone's pages).
const QUIET_MS = 1500;
const GAP_MS = 5000;
const LAST_START = "outbox:last-start";
const NOTICE = "storage-notice";
let installPrompt = null;
let retryMs = FIRST_RETRY_MS;
let retryTimer = null;
let retryAt = 0;
let soon = null;

if ("serviceWorker" in navigator) {
  // updateViaCache: the browser's cache may answer its update checks (see /sw.js's max-age).
  navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/", updateViaCache: "all" })
    .catch(() => {});
}

// The office menu on a phone (a <details>) closes on Escape, back to its button, as a
// menu does.
document.addEventListener("keydown", (event) => {
  const menu = event.key === "Escape" && document.querySelector("details.navmenu[open]");
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary").focus();
});

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function describe(state) {
  const items = plural(state.waiting || 0, "item");
  if (state.state === "sending") return [`Sending ${Math.min(state.sent + 1, state.total)} of ${state.total}`, "busy"];
  if (state.state === "signin") return [`${items} waiting: sign in again to send`, "error"];
  if (state.state === "offline") {
    return [state.waiting ? `Offline: ${items} will be sent when there is signal` : "Offline: nothing waiting to send", ""];
  }
  if (state.state === "failed") {
    const wait = retryAt - Date.now();
    const when = wait > 0 ? `trying again in ${Math.ceil(wait / 1000)} s` : "trying again shortly";
    return [`Not sent: ${state.message}. ${items} waiting, ${when}`, "error"];
  }
  if (state.attention) return [`${plural(state.attention, "visit")} need${state.attention === 1 ? "s" : ""} you: see My visits`, "error"];
  if (state.waiting) return [`${items} to send`, "busy"];
  return ["All sent", "ok"];
}

function show(state) {
  const [text, kind] = describe(state);
  for (const el of document.querySelectorAll("[data-outbox-status]")) {
    el.textContent = text;
    el.dataset.kind = kind;
    el.hidden = false;
    if (state.state === "signin") {
      const link = Object.assign(document.createElement("a"), {
        href: `/login?next=${encodeURIComponent(location.pathname)}`, textContent: "Sign in" });
      el.append(" ", link);
    }
  }
}

async function staleWarning() {
  const box = document.querySelector("[data-storage-warning]");
  if (!box || !owner) return;
  const visits = await visitsOf(owner);
  const unsent = visits.filter((v) => !v.done && (v.changedAt || 0) > (v.sentAt || 0));
  const stale = unsent.some((v) => Date.now() - (v.changedAt || 0) > STALE_MS);
  box.textContent = stale
    ? "Some visits on this phone have not been sent for over three days. Find signal and open the app." : "";
  box.hidden = !stale;
}

/** Send soon: changes made in a burst (a row of taps, typing) go out together. */
export function kick() {
  if (!owner) return;
  if (navigator.onLine === false) { // nothing to try: say what waits, at once
    countPending(owner).then((waiting) => show({ state: "offline", waiting }));
    return;
  }
  if (soon) return; // already due: it takes this change with it
  const last = Number(localStorage.getItem(LAST_START) || 0);
  soon = setTimeout(sendNow, Math.max(QUIET_MS, last + GAP_MS - Date.now()));
}

/**
 * Send what waits, from the service worker when it controls the page: its requests
 * outlive the page, so a photo still uploading when the shopper taps Next is not cut off
 * and sent again from the next screen. Without a worker (the first visit), from here.
 */
export function sendAll() {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return flush(owner);
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = (event) => resolve(event.data.elsewhere ? flush(owner) : event.data);
    worker.postMessage({ type: "flush", owner }, [port2]);
  });
}

function abandonAll() {
  abandon();
  navigator.serviceWorker?.controller?.postMessage({ type: "abandon" });
}

async function sendNow() {
  clearTimeout(soon);
  soon = null;
  clearTimeout(retryTimer);
  const result = await sendAll();
  if (result.used) localStorage.setItem(LAST_START, String(Date.now()));
  if (result.ok) {
    retryMs = FIRST_RETRY_MS;
    if (result.waiting) kick(); // changed while sending
  } else if (result.kind !== "signin") {
    retryAt = Date.now() + retryMs;
    if (result.kind === "failed") show(result);
    retryTimer = setTimeout(sendNow, retryMs);
    retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    navigator.serviceWorker?.ready.then((reg) => reg.sync?.register("outbox")).catch(() => {});
  }
  staleWarning();
}

if (owner) {
  // The service worker's and other tabs' announcements, told to this page's listeners as
  // its own are (they do not come back on our own channel object).
  new BroadcastChannel("outbox").addEventListener("message", (event) => {
    dispatchEvent(new CustomEvent("outbox", { detail: event.data }));
  });
  addEventListener("outbox", (event) => show(event.detail));
  Promise.all([countPending(owner), needingAttention(owner)]).then(([waiting, attention]) =>
    show(navigator.onLine === false && waiting ? { state: "offline", waiting }
      : { state: "idle", waiting, attention: attention.length }));
  addEventListener("online", () => { // back in signal: at once, not at the next retry
    retryMs = FIRST_RETRY_MS;
    abandonAll(); // a request stalled before the signal went will not recover
    sendNow();
  });
  addEventListener("offline", async () => {
    clearTimeout(soon);
    soon = null;
    abandonAll();
    show({ state: "offline", waiting: await countPending(owner) });
  });
  kick();
  storageNotice();
}

// Signing out needs signal (the server ends the session): with none, say so instead of
// leaving the browser's "No internet" page. With unsent items it asks first; the items
// stay on this phone for this user.
for (const form of document.querySelectorAll("form.signout")) {
  form.addEventListener("submit", async (event) => {
    if (!navigator.onLine) {
      event.preventDefault();
      sayOnce("signout-offline", "Signing out needs signal. Your work stays on this phone: " +
        "try again when you are back online.");
      return;
    }
    if (!owner || form.dataset.confirmed) return;
    event.preventDefault();
    const waiting = await countPending(owner);
    const question = `${plural(waiting, "item")} on this phone ${waiting === 1 ? "has" : "have"} not been sent yet. ` +
      "They stay on this phone and are sent when you sign in again. Sign out anyway?";
    if (waiting === 0 || confirm(question)) {
      form.dataset.confirmed = "1";
      form.submit();
    }
  });
}

/** A message for the next page this tab opens (after a navigation the script starts). */
export function flashNext(text) {
  sessionStorage.setItem("flash", text);
}

function showFlash() {
  const text = sessionStorage.getItem("flash");
  if (!text) return;
  sessionStorage.removeItem("flash");
  const p = Object.assign(document.createElement("p"), { className: "flash flash-info", textContent: text });
  p.setAttribute("role", "status");
  document.querySelector("main")?.prepend(p);
}

showFlash();

/** A warning at the top of the page, shown once however often it is asked for. */
function sayOnce(key, text) {
  if (document.querySelector(`[data-said="${key}"]`)) return;
  const note = document.createElement("p");
  note.className = "flash flash-warning";
  note.setAttribute("role", "alert");
  note.dataset.said = key;
  note.textContent = text;
  document.querySelector("main")?.prepend(note);
}

// Persistent storage is asked for when the first visit starts (home.js). If the browser
// refuses, the shopper is told once, on the next screen, with an install button where the
// browser offers one: an installed app's storage is kept.
addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  installPrompt = event;
  for (const button of document.querySelectorAll("[data-install]")) button.hidden = false;
});

export function storageRefused() {
  if (!localStorage.getItem(NOTICE)) localStorage.setItem(NOTICE, "due");
}

function storageNotice() {
  if (localStorage.getItem(NOTICE) !== "due") return;
  localStorage.setItem(NOTICE, "shown");
  const box = Object.assign(document.createElement("div"), { className: "flash flash-info notice" });
  box.setAttribute("role", "status");
  box.dataset.storageNotice = "";
  const text = Object.assign(document.createElement("p"), {
    textContent: "This browser may clear what is saved on this phone when space runs low. " +
      "Send visits when you have signal, or install the app so that the phone keeps them." });
  const install = Object.assign(document.createElement("button"), {
    type: "button", className: "button button-primary", textContent: "Install the app", hidden: !installPrompt });
  install.dataset.install = "";
  install.addEventListener("click", async () => {
    installPrompt?.prompt();
    await installPrompt?.userChoice;
    box.remove();
  });
  const dismiss = Object.assign(document.createElement("button"), {
    type: "button", className: "button", textContent: "OK" });
  dismiss.addEventListener("click", () => box.remove());
  const buttons = Object.assign(document.createElement("p"), { className: "notice-buttons" });
  buttons.append(install, dismiss);
  box.append(text, buttons);
  document.querySelector("main")?.prepend(box);
}
