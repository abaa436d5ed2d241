// Pages kept for use with no signal, filed per signed-in user: one user's pages are never
// shown to another. Shared by the pages and the service worker.
const META = "meta";
const USER_KEY = "/__current-user";

export async function currentUser() {
  const stored = await (await caches.open(META)).match(USER_KEY);
  return stored ? stored.text() : "";
}

export function pagesCache(user) {
  return caches.open(`pages-${user}`);
}

/** Note who is signed in; when that changes, drop every other user's pages. */
export async function rememberUser(user) {
  if (user === await currentUser()) return;
  await (await caches.open(META)).put(USER_KEY, new Response(user));
  for (const name of await caches.keys()) {
    if (name.startsWith("pages-") && name !== `pages-${user}`) await caches.delete(name);
  }
}
