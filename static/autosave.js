// Autosave: every change on a touchpoint screen is sent as it is made; the server keeps
// what is valid and names what is not, and this shows both beside the fields.
const TYPING_PAUSE_MS = 700;

export function autosave(form) {
  const status = form.querySelector("[data-save-state]");
  let timer = null; // a save waiting for a pause in typing
  let inFlight = null;
  let again = false;

  function show(text, kind = "") {
    if (!status) return;
    status.textContent = text;
    status.dataset.kind = kind;
  }

  function showErrors(errors) {
    for (const old of form.querySelectorAll("[data-live-error]")) old.remove();
    for (const [field, message] of Object.entries(errors)) {
      const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
      const section = input?.closest(".question, .field") ?? form;
      const p = document.createElement("p");
      p.className = "error";
      p.dataset.liveError = field;
      p.textContent = message;
      section.append(p);
    }
  }

  function formBody() {
    const body = new FormData(form);
    for (const input of form.querySelectorAll("input[type=file]")) body.delete(input.name);
    return body;
  }

  async function save() {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    show("Saving…");
    inFlight = fetch(form.action, {
      method: "POST",
      body: formBody(),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(async (response) => {
        const reply = response.headers.get("Content-Type")?.includes("json")
          ? await response.json() : null;
        if (reply && reply.saved) {
          showErrors(reply.errors || {});
          const count = Object.keys(reply.errors || {}).length;
          show(count ? `Saved, but ${count} answer${count > 1 ? "s need" : " needs"} fixing` : "Saved",
            count ? "error" : "ok");
        } else {
          show(reply?.error?.message || "Not saved: try again", "error");
        }
      })
      .catch(() => show("Not saved: no connection", "error"))
      .finally(() => {
        inFlight = null;
        if (again) {
          again = false;
          save();
        }
      });
    return inFlight;
  }

  form.addEventListener("change", (event) => {
    if (event.target.type === "file") return;
    clearTimeout(timer);
    save();
  });
  form.addEventListener("input", (event) => {
    if (event.target.type === "file" || event.target.type === "radio") return;
    clearTimeout(timer);
    show("Editing…");
    timer = setTimeout(() => {
      timer = null;
      save();
    }, TYPING_PAUSE_MS);
  });
  // Leaving (reload, back, screen lock) with typing not yet sent: send it now, in a request
  // the browser finishes even as the page goes away.
  addEventListener("pagehide", () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    fetch(form.action, { method: "POST", body: formBody(), keepalive: true,
      headers: { Accept: "application/json" }, credentials: "same-origin" });
  });
  return { save };
}
