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

/**
 * Keep, for `user`, the home page (when `home`) and every screen of the given checklist
 * versions, so that a visit can start and finish with no signal. What is already kept for
 * this `release` is not fetched again. True once all is kept. Run by the service worker
 * when there is one, so that the shopper moving on to a visit does not cut it off.
 */
export async function keepScreens({ user, versionIds, release, home }) {
  await rememberUser(user);
  const cache = await pagesCache(user);
  const kept = async (url) => {
    const copy = await cache.match(url);
    return copy?.headers.get("X-Shopper-Release") === release ? copy : null;
  };
  const urls = home ? ["/field/"] : [];
  for (const id of versionIds) {
    const url = `/api/v1/checklist-versions/${id}`;
    const copy = await kept(url);
    const response = copy || await fetch(url, { credentials: "same-origin" }).catch(() => null);
    if (!response?.ok) return false;
    let version;
    try {
      ({ version } = await response.clone().json());
    } catch {
      return false; // not the checklist (a captive portal's page): keep nothing
    }
    if (!copy) await cache.put(url, response); // kept as fetched, not fetched twice
    urls.push(`/field/shell/${id}/review`);
    for (const tp of version.touchpoints) urls.push(`/field/shell/${id}/${tp.position}`);
  }
  const missing = [];
  for (const url of urls) if (url === "/field/" || !(await kept(url))) missing.push(url);
  try {
    await cache.addAll(missing);
  } catch {
    return false; // tried again at the next visit to the home page
  }
  return true;
}
