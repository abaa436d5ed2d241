// Mystery Shopper service worker, release {{ version }}.
// App shell (static files): cache first. Pages: network first, then this user's cached
// copy, so the app opens with no signal. Unsent visits live in IndexedDB, never in these
// caches, so a new release can drop old caches without losing any of them.
import { currentUser, pagesCache, rememberUser } from "{{ asset_url('offline-cache.js') }}";
import { flush } from "{{ asset_url('outbox.js') }}";

const SHELL = "shell-{{ version }}";
const ASSETS = {{ assets | tojson }};
const NETWORK_WAIT_MS = 4000;

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

async function networkFirst(request) {
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    if (response.type === "opaqueredirect") return response; // e.g. signed out: to the sign-in page
    const user = response.headers.get("X-Shopper-User");
    // A server error, or something that is not our app (a captive portal's page answering
    // in its place): use this phone's copy instead.
    if (response.status >= 500 || (user === null && !response.redirected)) {
      throw new Error("not our server's answer");
    }
    if (user !== null && !response.redirected) {
      await rememberUser(user);
      if (user && response.ok) {
        await (await pagesCache(user)).put(request.url.split("#")[0], response.clone());
      }
    }
    return response;
  } catch (error) {
    const user = await currentUser();
    const cached = user && await (await pagesCache(user)).match(request, { ignoreSearch: true });
    if (cached) return cached;
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
  } else if (url.pathname.startsWith("/photos/") || url.pathname === "/sw.js") {
    return;
  } else if (url.pathname.startsWith("/api/") && !url.pathname.startsWith("/api/v1/checklist-versions/")) {
    return;
  } else {
    event.respondWith(networkFirst(request));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") {
    event.waitUntil(currentUser().then((user) => user && flush(Number(user))));
  }
});
