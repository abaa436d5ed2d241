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

/**
 * Note who is signed in; when somebody else signs in on this phone, drop every other
 * user's pages. Nobody signed in ("": the session ended, or the sign-in page) changes
 * nothing: the phone's own shopper keeps their pages, and their unsent visits within
 * reach, until another user signs in.
 */
export async function rememberUser(user) {
  if (!user || user === await currentUser()) return;
  await (await caches.open(META)).put(USER_KEY, new Response(user));
  for (const name of await caches.keys()) {
    if (name.startsWith("pages-") && name !== `pages-${user}`) await caches.delete(name);
  }
}
