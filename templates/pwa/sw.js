// Mystery Shopper service worker, release {{ version }}.
// App shell (static files): cache first. The screens kept for offline use (a checklist
// version's touchpoint and review screens, the version itself, photo thumbnails): this
// user's copy first, with no wait and no download, fetched again behind only when the
// copy is from an earlier release. Other pages: network first, then this user's copy, so
// the app opens with no signal. Unsent visits live in IndexedDB, never in these caches,
// so a new release can drop old caches without losing any of them.
import { currentUser, keepScreens, pagesCache, rememberUser } from "{{ asset_url('offline-cache.js') }}";
import { abandon, flush } from "{{ asset_url('outbox.js') }}";

const SHELL = "shell-{{ version }}";
const RELEASE = "{{ version }}";
const KEPT_SCREENS = /^\/(field\/shell\/|api\/v1\/checklist-versions\/)/;
const THUMB = /^\/photos\/[^/]+\/thumb$/;
const ASSETS = {{ assets | tojson }};
const NETWORK_WAIT_MS = 4000;
const SAVED_COPY_AFTER_MS = 1000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(ASSETS)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("slow")), ms))]);
}

/** The key a page is kept under: its address without the fragment, and without the query
 * for kept screens (`?focus=q12` opens the same screen). */
function keyOf(request) {
  const url = new URL(request.url);
  url.hash = "";
  if (KEPT_SCREENS.test(url.pathname) || THUMB.test(url.pathname)) url.search = "";
  return url.href;
}

async function keptFirst(event, request, { releaseBound }) {
  const user = await currentUser();
  const cached = user && await (await pagesCache(user)).match(keyOf(request));
  if (!cached) return networkFirst(event, request);
  if (releaseBound && cached.headers.get("X-Shopper-Release") !== RELEASE) {
    event.waitUntil(fetchAndKeep(request).catch(() => {})); // refreshed behind, for next time
  }
  return cached;
}

/** The server's answer, kept for this user when it is a page of ours; anything else (a
 * server error, a captive portal's page answering in its place) is refused. */
async function fetchAndKeep(request) {
  const response = await fetch(request);
  if (response.type === "opaqueredirect") return response; // e.g. signed out: to the sign-in page
  const user = response.headers.get("X-Shopper-User");
  if (response.status >= 500 || (user === null && !response.redirected)) {
    throw new Error("not our server's answer");
  }
  if (user !== null && !response.redirected) {
    await rememberUser(user);
    if (user && response.ok) await (await pagesCache(user)).put(keyOf(request), response.clone());
  }
  return response;
}

/**
 * Other pages: the network's answer, unless it is slow. With a copy on the phone it waits
 * SAVED_COPY_AFTER_MS, then shows the copy and keeps the late answer for next time (weak
 * signal costs a second, not four); with none it waits NETWORK_WAIT_MS.
 */
async function networkFirst(event, request) {
  const user = await currentUser();
  const saved = user && await (await pagesCache(user)).match(request, { ignoreSearch: true });
  const answer = fetchAndKeep(request);
  answer.catch(() => {}); // a late failure is no one's business once the copy was shown
  if (saved) event.waitUntil(answer.catch(() => {}));
  try {
    return await withTimeout(answer, saved ? SAVED_COPY_AFTER_MS : NETWORK_WAIT_MS);
  } catch (error) {
    if (saved) return saved;
    if (request.mode === "navigate") {
      const home = user && await (await pagesCache(user)).match("/field/");
      if (home) return home;
      return new Response("<!doctype html><meta name=viewport content='width=device-width'>" +
        "<title>Offline</title><p style='font:18px system-ui;padding:24px'>No signal, and this " +
        "page was not saved on this phone yet. Open the app once with signal.</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    }
    throw error;
  }
}

// A hashed name from an earlier release (in a page this phone cached before the update)
// falls back to this release's copy of the same file when there is no signal.
const HASHED = /\.[0-9a-f]{10}(\.[A-Za-z0-9]+)$/;
const CURRENT = new Map(ASSETS.map((url) => [url.replace(HASHED, "$1"), url]));

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch (error) {
    const current = CURRENT.get(new URL(request.url).pathname.replace(HASHED, "$1"));
    const fallback = current && await caches.match(current);
    if (fallback) return fallback;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (KEPT_SCREENS.test(url.pathname)) {
    event.respondWith(keptFirst(event, request, { releaseBound: true }));
  } else if (THUMB.test(url.pathname)) {
    event.respondWith(keptFirst(event, request, { releaseBound: false })); // a photo never changes
  } else if (url.pathname.startsWith("/photos/") || url.pathname === "/sw.js") {
    return;
  } else if (url.pathname.startsWith("/api/") && !url.pathname.startsWith("/api/v1/checklist-versions/")) {
    return;
  } else {
    event.respondWith(networkFirst(event, request));
  }
});

// Background Sync covers the time no page is open. While one is on screen it sends and
// retries on its own schedule; a sync now would only repeat its last attempt at once. An
// unfinished sync is rejected so that the browser tries again later, with its own backoff.
async function syncOutbox() {
  const pages = await self.clients.matchAll({ type: "window" });
  if (pages.some((page) => page.visibilityState === "visible")) throw new Error("a page is sending");
  const user = await currentUser();
  if (!user) return;
  const result = await flush(Number(user));
  if (!result.ok && result.kind !== "signin") throw new Error("not sent yet");
}

// The pages send through here (app.js sendAll): a request the worker makes is not cut off
// when the shopper moves to the next screen. Only for the user whose pages are kept here;
// for anyone else the page sends itself.
self.addEventListener("message", (event) => {
  const { data } = event;
  if (data?.type === "abandon") abandon();
  if (data?.type === "keep") { // the home page's screens for offline use (home.js)
    event.waitUntil(keepScreens(data.job).catch(() => false).then((kept) => event.ports[0]?.postMessage({ kept })));
  }
  if (data?.type !== "flush") return;
  const reply = event.ports[0];
  event.waitUntil((async () => {
    const user = await currentUser();
    if (String(data.owner) !== user) { // not yet known here (a sign-in just now): the page sends
      reply?.postMessage({ elsewhere: true });
      return;
    }
    reply?.postMessage(await flush(Number(user)).catch(() => ({ ok: false, kind: "failed", waiting: 0 })));
  })());
});

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(syncOutbox());
});
