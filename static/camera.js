// Photos: downscale in the browser (long side ≤ 2000 px, JPEG 0.8) so a 5 MB camera photo
// costs well under 1 MB of mobile data, upload with progress, show a thumbnail, allow removal.
import { newId } from "./ids.js";

const MAX_SIDE = 2000;
const QUALITY = 0.8;

export async function downscale(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return file; // a format this browser cannot draw (HEIC on most): the server converts it
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  return blob && blob.size < file.size ? blob : file;
}

function upload(url, fields, blob, onProgress) {
  return new Promise((resolve) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    body.append("photo", blob, "photo.jpg");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener("load", () => {
      let reply = null;
      try { reply = JSON.parse(xhr.responseText); } catch { /* not JSON: a proxy or portal page */ }
      resolve({ ok: xhr.status === 201 && reply?.photo, status: xhr.status, reply });
    });
    xhr.addEventListener("error", () => resolve({ ok: false, status: 0, reply: null }));
    xhr.send(body);
  });
}

function thumbItem() {
  const li = document.createElement("li");
  li.className = "thumb uploading";
  li.innerHTML = `<span class="thumb-img"></span>
    <progress max="1" value="0" aria-label="Upload progress"></progress>
    <span class="thumb-status small muted">Preparing…</span>`;
  return li;
}

function finish(li, photo) {
  li.className = "thumb";
  li.dataset.photo = photo.uuid;
  li.innerHTML = "";
  const link = Object.assign(document.createElement("a"), { href: photo.display_url, target: "_blank" });
  link.append(Object.assign(document.createElement("img"),
    { src: photo.thumb_url, alt: photo.caption || "Photo", width: 80, height: 80 }));
  const caption = Object.assign(document.createElement("input"), {
    type: "text", name: `caption-${photo.uuid}`, value: photo.caption, maxLength: 200,
    placeholder: "Caption (optional)",
  });
  caption.setAttribute("aria-label", "Caption");
  const remove = Object.assign(document.createElement("button"),
    { type: "submit", className: "button button-quiet", textContent: "Remove" });
  remove.setAttribute("formaction", photo.delete_url);
  remove.dataset.remove = "";
  li.append(link, caption, remove);
}

function failed(li, message) {
  li.classList.remove("uploading");
  li.classList.add("failed");
  li.querySelector("progress")?.remove();
  li.querySelector(".thumb-status").textContent = message;
  const dismiss = Object.assign(document.createElement("button"),
    { type: "button", className: "button button-quiet", textContent: "Dismiss" });
  dismiss.addEventListener("click", () => li.remove());
  li.append(dismiss);
}

export function photoPicker(root, csrfToken) {
  const list = root.querySelector(".thumbs");
  for (const input of root.querySelectorAll("input[type=file]")) {
    input.addEventListener("change", async () => {
      const files = [...input.files];
      input.value = "";
      for (const file of files) {
        const li = thumbItem();
        list.append(li);
        const blob = await downscale(file);
        li.querySelector(".thumb-status").textContent = `Sending ${Math.ceil(blob.size / 1024)} KB…`;
        const result = await upload(root.dataset.upload, {
          csrf_token: csrfToken, uuid: newId(), [root.dataset.targetName]: root.dataset.targetId,
        }, blob, (share) => { li.querySelector("progress").value = share; });
        if (result.ok) finish(li, result.reply.photo);
        else failed(li, result.reply?.error?.message || "Not sent: check your connection and try again.");
      }
    });
  }
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-remove]");
    if (!button) return;
    event.preventDefault();
    const body = new FormData();
    body.append("csrf_token", csrfToken);
    button.disabled = true;
    const response = await fetch(button.getAttribute("formaction"),
      { method: "POST", body, headers: { Accept: "application/json" } }).catch(() => null);
    if (response?.ok) button.closest("li").remove();
    else button.disabled = false;
  });
}
