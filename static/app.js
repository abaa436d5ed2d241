// On every page: install the service worker, keep the outbox moving and say plainly how
// it stands ("All sent" / "3 items waiting" / "Sending 2 of 5" / "Failed: will retry").
import { countPending, flush } from "./outbox.js";
import { visitsOf } from "./store.js";

const owner = Number(document.querySelector("meta[name=user-id]")?.content) || null;
const FIRST_RETRY_MS = 5000;
const LAST_RETRY_MS = 5 * 60 * 1000;
const STALE_MS = 3 * 24 * 60 * 60 * 1000;
let retryMs = FIRST_RETRY_MS;
let retryTimer = null;

if ("serviceWorker" in navigator) {
  // updateViaCache: the browser's cache may answer its update checks (see /sw.js's max-age).
  navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/", updateViaCache: "all" })
    .catch(() => {});
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function describe(state) {
  if (state.state === "sending") return [`Sending ${Math.min(state.sent + 1, state.total)} of ${state.total}`, "busy"];
  if (state.state === "signin") return [`${plural(state.waiting, "item")} waiting: sign in again to send`, "error"];
  if (state.state === "failed") return [`Failed: will retry (${plural(state.waiting, "item")} waiting)`, "error"];
  if (state.waiting) return [`${plural(state.waiting, "item")} waiting`, "busy"];
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

async function warnings() {
  const box = document.querySelector("[data-storage-warning]");
  if (!box || !owner) return;
  const messages = [];
  const visits = await visitsOf(owner);
  const unsent = visits.filter((v) => !v.done && (v.changedAt || 0) > (v.sentAt || 0));
  if (unsent.some((v) => Date.now() - (v.changedAt || 0) > STALE_MS)) {
    messages.push("Some visits on this phone have not been sent for over three days. Find signal and open the app.");
  }
  if (visits.length && navigator.storage?.persisted && !(await navigator.storage.persisted())) {
    const granted = navigator.storage.persist ? await navigator.storage.persist() : false;
    if (!granted) messages.push("This browser may clear saved visits when space runs low. Send them soon, or install the app to the home screen.");
  }
  box.textContent = messages.join(" ");
  box.hidden = messages.length === 0;
}

let soon = null;

/** Send soon: changes made in a burst (typing, a row of taps) go out together. */
export function kick() {
  clearTimeout(soon);
  soon = setTimeout(sendNow, 600);
}

async function sendNow() {
  if (!owner) return;
  clearTimeout(retryTimer);
  const result = await flush(owner);
  if (result.ok) {
    retryMs = FIRST_RETRY_MS;
  } else {
    if (result.kind !== "signin") {
      retryTimer = setTimeout(sendNow, retryMs);
      retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    }
    navigator.serviceWorker?.ready.then((reg) => reg.sync?.register("outbox")).catch(() => {});
  }
  warnings();
}

if (owner) {
  new BroadcastChannel("outbox").addEventListener("message", (event) => show(event.data));
  // Our own announcements do not come back on our own channel object: listen locally too.
  addEventListener("outbox", (event) => show(event.detail));
  countPending(owner).then((waiting) => show({ state: "idle", waiting }));
  addEventListener("online", () => {
    retryMs = FIRST_RETRY_MS;
    sendNow();
  });
  sendNow();
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
