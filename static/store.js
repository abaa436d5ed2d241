// The phone's own copy of visits and photos (IndexedDB): written first, sent later.
// A visit: {uuid, owner, assignmentId, versionId, branchName, startedAt, position,
//   answers: {questionId: {value, na, note}}, moments: {touchpointId: {moment, reason, note}},
//   photoMeta: {photoUuid: {sha256, questionId, touchpointId, caption}},
//   submit, reply, resumeAt, changedAt, sentAt, confirmed (what the server last said)}
// A photo: {uuid, visitUuid, owner, blob, sha256, createdAt}
const NAME = "mystery-shopper";

let opening = null;

export function openStore() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("visits", { keyPath: "uuid" }).createIndex("owner", "owner");
      db.createObjectStore("photos", { keyPath: "uuid" }).createIndex("visitUuid", "visitUuid");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode = "readonly") {
  return (await openStore()).transaction(name, mode).objectStore(name);
}

export async function getVisit(uuid) {
  return done((await store("visits")).get(uuid));
}

export async function putVisit(visit) {
  return done((await store("visits", "readwrite")).put(visit));
}

/**
 * Change a stored visit in one transaction: `change(visit)` edits the record as it is
 * stored now (synchronously). A page owns the answers it shows and the outbox what the
 * server confirmed; each changes only its own fields through here, so neither can write a
 * stale copy over the other's (a stale "confirmed" sent every photo again).
 */
export async function updateVisit(uuid, change) {
  const visits = await store("visits", "readwrite");
  return new Promise((resolve, reject) => {
    let visit = null;
    const request = visits.get(uuid);
    request.onsuccess = () => {
      visit = request.result || null;
      if (visit) {
        change(visit);
        visits.put(visit);
      }
    };
    visits.transaction.oncomplete = () => resolve(visit);
    visits.transaction.onerror = () => reject(visits.transaction.error);
    visits.transaction.onabort = () => reject(visits.transaction.error);
  });
}

export async function visitsOf(owner) {
  return done((await store("visits")).index("owner").getAll(owner));
}

export async function deleteVisit(uuid) {
  for (const photo of await photosOf(uuid)) await deletePhoto(photo.uuid);
  return done((await store("visits", "readwrite")).delete(uuid));
}

export async function getPhoto(uuid) {
  return done((await store("photos")).get(uuid));
}

export async function putPhoto(photo) {
  return done((await store("photos", "readwrite")).put(photo));
}

export async function photosOf(visitUuid) {
  return done((await store("photos")).index("visitUuid").getAll(visitUuid));
}

export async function deletePhoto(uuid) {
  return done((await store("photos", "readwrite")).delete(uuid));
}
